namespace Entente.Cryptography;

/// <summary>
/// The compact disjunctive Chaum–Pedersen range proof of ElectionGuard 2.1 §3.3.7 (eqs 57–61): a
/// ciphertext (α, β) = (g^ξ, K^(ξ+ℓ)) encrypts some ℓ ∈ {0, …, R}. Published: c_0..c_R and v_0..v_R.
/// For an option the challenge is c = H_q(H_I; 0x24, ind_c, ind_o, α, β, a_0, b_0, …, a_R, b_R) (eq 59);
/// for a contest selection limit (§3.3.8, eq 62) the option index is absent and R is the limit L.
/// Verification is V6 (options) and V7 (contest limits).
/// </summary>
public sealed class RangeProof
{
    /// <summary>A proof of R + 1 challenges and R + 1 responses of one group.</summary>
    public RangeProof(IReadOnlyList<ElementModQ> challenges, IReadOnlyList<ElementModQ> responses)
    {
        ArgumentNullException.ThrowIfNull(challenges);
        ArgumentNullException.ThrowIfNull(responses);
        if (challenges.Count == 0 || challenges.Count != responses.Count)
        {
            throw new ArgumentException("A range proof has as many responses as challenges, and at least one.", nameof(responses));
        }

        Group group = challenges[0].Group;
        foreach (ElementModQ c in challenges)
        {
            group.CheckSameGroup(c);
        }

        foreach (ElementModQ v in responses)
        {
            group.CheckSameGroup(v);
        }

        Challenges = [.. challenges];
        Responses = [.. responses];
    }

    /// <summary>c_0, …, c_R.</summary>
    public IReadOnlyList<ElementModQ> Challenges { get; }

    /// <summary>v_0, …, v_R.</summary>
    public IReadOnlyList<ElementModQ> Responses { get; }

    /// <summary>R, the largest value the proof covers.</summary>
    public int Limit => Challenges.Count - 1;

    /// <summary>The group.</summary>
    public Group Group => Challenges[0].Group;

    /// <summary>Proves that <paramref name="ciphertext"/> = Enc(ℓ, ξ) under K with 0 ≤ ℓ ≤ R, for option ind_o of contest ind_c (eqs 57–61).</summary>
    public static RangeProof CreateForSelection(
        ElGamalPublicKey publicKey, ElGamalCiphertext ciphertext, ElementModQ nonce, int value, int limit,
        Hash256 identifierHash, int contestIndex, int optionIndex)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(optionIndex);
        return Create(publicKey, ciphertext, nonce, value, limit, identifierHash, contestIndex, optionIndex);
    }

    /// <summary>Proves that the aggregate (ᾱ, β̄) of a contest encrypts at most the selection limit L, with the aggregate nonce (§3.3.8).</summary>
    public static RangeProof CreateForContestLimit(
        ElGamalPublicKey publicKey, ElGamalCiphertext aggregate, ElementModQ aggregateNonce, int total, int selectionLimit,
        Hash256 identifierHash, int contestIndex) =>
        Create(publicKey, aggregate, aggregateNonce, total, selectionLimit, identifierHash, contestIndex, optionIndex: null);

    /// <summary>V6: checks the proof for option ind_o of contest ind_c with option limit R (6.1–6.3, 6.B–6.D).</summary>
    public bool VerifySelection(ElGamalPublicKey publicKey, ElGamalCiphertext ciphertext, int limit, Hash256 identifierHash, int contestIndex, int optionIndex) =>
        optionIndex >= 0 && Verify(publicKey, ciphertext, limit, identifierHash, contestIndex, optionIndex);

    /// <summary>V7: checks the proof for the aggregate of contest ind_c with selection limit L (7.3–7.5, 7.B–7.D).</summary>
    public bool VerifyContestLimit(ElGamalPublicKey publicKey, ElGamalCiphertext aggregate, int selectionLimit, Hash256 identifierHash, int contestIndex) =>
        Verify(publicKey, aggregate, selectionLimit, identifierHash, contestIndex, optionIndex: null);

    private static RangeProof Create(
        ElGamalPublicKey publicKey, ElGamalCiphertext ciphertext, ElementModQ nonce, int value, int limit,
        Hash256 identifierHash, int contestIndex, int? optionIndex)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        ArgumentNullException.ThrowIfNull(ciphertext);
        ArgumentNullException.ThrowIfNull(nonce);
        ArgumentNullException.ThrowIfNull(identifierHash);
        ArgumentOutOfRangeException.ThrowIfNegative(contestIndex);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value, limit);
        Group group = publicKey.Group;
        group.CheckSameGroup(ciphertext.Alpha);
        group.CheckSameGroup(nonce);
        if (limit >= group.Q)
        {
            throw new ArgumentOutOfRangeException(nameof(limit), "The range must be smaller than q.");
        }

        ElementModQ[] u = new ElementModQ[limit + 1];
        ElementModQ[] c = new ElementModQ[limit + 1];
        ElementModP[] commitments = new ElementModP[2 * (limit + 1)];
        try
        {
            for (int j = 0; j <= limit; j++)
            {
                u[j] = ElementModQ.Random(group);
                commitments[2 * j] = group.GPowSecret(u[j]);                               // a_j = g^{u_j}
                if (j == value)
                {
                    commitments[(2 * j) + 1] = publicKey.PowSecret(u[j]);                  // eq 57: b_ℓ = K^{u_ℓ}
                }
                else
                {
                    c[j] = ElementModQ.Random(group);
                    ElementModQ t = u[j] + (ElementModQ.FromInt64(group, value - j) * c[j]); // t_j = u_j + (ℓ − j)c_j
                    commitments[(2 * j) + 1] = publicKey.PowSecret(t);                     // eq 58
                    t.Wipe();
                }
            }

            ElementModQ challenge = ComputeChallenge(group, identifierHash, contestIndex, optionIndex, ciphertext, commitments);
            ElementModQ others = group.ZeroModQ;
            for (int j = 0; j <= limit; j++)
            {
                if (j != value)
                {
                    others += c[j];
                }
            }

            c[value] = challenge - others;                                                 // eq 60
            ElementModQ[] v = new ElementModQ[limit + 1];
            for (int j = 0; j <= limit; j++)
            {
                v[j] = u[j] - (c[j] * nonce);                                              // eq 61
            }

            return new RangeProof(c, v);
        }
        finally
        {
            foreach (ElementModQ? secret in u)
            {
                secret?.Wipe();
            }
        }
    }

    private bool Verify(ElGamalPublicKey publicKey, ElGamalCiphertext ciphertext, int limit, Hash256 identifierHash, int contestIndex, int? optionIndex)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        ArgumentNullException.ThrowIfNull(ciphertext);
        ArgumentNullException.ThrowIfNull(identifierHash);
        Group group = Group;
        if (limit != Limit || contestIndex < 0
            || !ReferenceEquals(publicKey.Group, group) || !ReferenceEquals(ciphertext.Group, group))
        {
            return false;
        }

        ElementModP[] commitments = new ElementModP[2 * (limit + 1)];
        for (int j = 0; j <= limit; j++)
        {
            ElementModQ cj = Challenges[j];
            ElementModQ vj = Responses[j];
            ElementModQ wj = vj - (ElementModQ.FromInt64(group, j) * cj);                 // w_j = v_j − j·c_j
            commitments[2 * j] = group.GPowTimes(vj, ciphertext.Alpha, cj);              // 6.1: a_j = g^{v_j} α^{c_j}
            commitments[(2 * j) + 1] = group.PowProduct(publicKey.Key, wj, ciphertext.Beta, cj); // 6.2: b_j = K^{w_j} β^{c_j}
        }

        ElementModQ challenge = ComputeChallenge(group, identifierHash, contestIndex, optionIndex, ciphertext, commitments); // 6.3
        return ElementModQ.Sum(group, Challenges).Equals(challenge);                     // 6.D
    }

    private static ElementModQ ComputeChallenge(Group group, Hash256 identifierHash, int contestIndex, int? optionIndex, ElGamalCiphertext ciphertext, ElementModP[] commitments)
    {
        using HashInput input = HashInput.Create(group, DomainSeparation.RangeProof);
        input.Append(contestIndex);
        if (optionIndex is int option)
        {
            input.Append(option);
        }

        input.Append(ciphertext.Alpha).Append(ciphertext.Beta);
        foreach (ElementModP commitment in commitments)
        {
            input.Append(commitment);
        }

        return input.HashModQ(identifierHash);                                             // eq 59 / 62
    }
}
