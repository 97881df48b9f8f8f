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

    /// <summary>
    /// The proofs of several statements under one key at once (a ballot's selections and contest
    /// limits): the same proofs as one by one, with every commitment a_j = g^{u_j}, b_j = K^{t_j} of
    /// the batch computed by two batched constant-time fixed-base exponentiations.
    /// </summary>
    public static RangeProof[] CreateMany(ElGamalPublicKey publicKey, IReadOnlyList<RangeProofStatement> statements)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        ArgumentNullException.ThrowIfNull(statements);
        Group group = publicKey.Group;
        int total = 0;
        foreach (RangeProofStatement statement in statements)
        {
            ArgumentNullException.ThrowIfNull(statement);
            group.CheckSameGroup(statement.Ciphertext.Alpha);
            group.CheckSameGroup(statement.Nonce);
            if (statement.Limit >= group.Q)
            {
                throw new ArgumentOutOfRangeException(nameof(statements), "The range must be smaller than q.");
            }

            total += statement.Limit + 1;
        }

        ElementModQ[] u = new ElementModQ[total];
        ElementModQ?[] c = new ElementModQ?[total];
        ElementModQ?[] t = new ElementModQ?[total];
        try
        {
            int offset = 0;
            foreach (RangeProofStatement statement in statements)
            {
                for (int j = 0; j <= statement.Limit; j++, offset++)
                {
                    u[offset] = ElementModQ.Random(group);
                    if (j != statement.Value)
                    {
                        c[offset] = ElementModQ.Random(group);
                        t[offset] = u[offset] + (ElementModQ.FromInt64(group, statement.Value - j) * c[offset]!); // t_j = u_j + (ℓ − j)c_j
                    }
                }
            }

            ElementModQ[] kExponents = new ElementModQ[total];
            for (int n = 0; n < total; n++)
            {
                kExponents[n] = t[n] ?? u[n];                                               // eq 57: b_ℓ = K^{u_ℓ}; eq 58: b_j = K^{t_j}
            }

            ElementModP[] a = group.GPowSecret(u);                                          // a_j = g^{u_j}
            ElementModP[] b = publicKey.PowSecret(kExponents);
            RangeProof[] proofs = new RangeProof[statements.Count];
            offset = 0;
            for (int s = 0; s < proofs.Length; s++)
            {
                RangeProofStatement statement = statements[s];
                int count = statement.Limit + 1;
                ElementModP[] commitments = new ElementModP[2 * count];
                for (int j = 0; j < count; j++)
                {
                    commitments[2 * j] = a[offset + j];
                    commitments[(2 * j) + 1] = b[offset + j];
                }

                ElementModQ challenge = ComputeChallenge(group, statement.IdentifierHash, statement.ContestIndex, statement.OptionIndex, statement.Ciphertext, commitments);
                ElementModQ others = group.ZeroModQ;
                for (int j = 0; j < count; j++)
                {
                    if (j != statement.Value)
                    {
                        others += c[offset + j]!;
                    }
                }

                ElementModQ[] challenges = new ElementModQ[count];
                ElementModQ[] responses = new ElementModQ[count];
                for (int j = 0; j < count; j++)
                {
                    challenges[j] = j == statement.Value ? challenge - others : c[offset + j]!; // eq 60
                    responses[j] = u[offset + j] - (challenges[j] * statement.Nonce);         // eq 61
                }

                proofs[s] = new RangeProof(challenges, responses);
                offset += count;
            }

            return proofs;
        }
        finally
        {
            foreach (ElementModQ? secret in u)
            {
                secret?.Wipe();
            }

            foreach (ElementModQ? secret in t)
            {
                secret?.Wipe();
            }
        }
    }

    private static RangeProof Create(
        ElGamalPublicKey publicKey, ElGamalCiphertext ciphertext, ElementModQ nonce, int value, int limit,
        Hash256 identifierHash, int contestIndex, int? optionIndex)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        return CreateMany(publicKey, [new RangeProofStatement(ciphertext, nonce, value, limit, identifierHash, contestIndex, optionIndex)])[0];
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

/// <summary>
/// What one range proof states: <see cref="Ciphertext"/> = Enc(ℓ, ξ) under the key with 0 ≤ ℓ ≤ R, for
/// option ind_o of contest ind_c (or, with no option index, the contest's selection limit L, §3.3.8).
/// Holds the secret ξ and ℓ only for the call to <see cref="RangeProof.CreateMany"/>; never printed.
/// </summary>
public sealed class RangeProofStatement
{
    /// <summary>A statement; arguments are checked here, the group by <see cref="RangeProof.CreateMany"/>.</summary>
    /// <param name="ciphertext">(α, β).</param>
    /// <param name="nonce">ξ, secret.</param>
    /// <param name="value">ℓ, secret, 0 ≤ ℓ ≤ <paramref name="limit"/>.</param>
    /// <param name="limit">R (an option's limit) or L (a contest's).</param>
    /// <param name="identifierHash">H_I of the ballot.</param>
    /// <param name="contestIndex">ind_c.</param>
    /// <param name="optionIndex">ind_o, or null for a contest-limit proof.</param>
    public RangeProofStatement(ElGamalCiphertext ciphertext, ElementModQ nonce, int value, int limit, Hash256 identifierHash, int contestIndex, int? optionIndex)
    {
        ArgumentNullException.ThrowIfNull(ciphertext);
        ArgumentNullException.ThrowIfNull(nonce);
        ArgumentNullException.ThrowIfNull(identifierHash);
        ArgumentOutOfRangeException.ThrowIfNegative(contestIndex);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value, limit);
        if (optionIndex is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(optionIndex));
        }

        Ciphertext = ciphertext;
        Nonce = nonce;
        Value = value;
        Limit = limit;
        IdentifierHash = identifierHash;
        ContestIndex = contestIndex;
        OptionIndex = optionIndex;
    }

    /// <summary>(α, β).</summary>
    public ElGamalCiphertext Ciphertext { get; }

    /// <summary>ξ (secret).</summary>
    public ElementModQ Nonce { get; }

    /// <summary>ℓ (secret).</summary>
    public int Value { get; }

    /// <summary>R or L.</summary>
    public int Limit { get; }

    /// <summary>H_I.</summary>
    public Hash256 IdentifierHash { get; }

    /// <summary>ind_c.</summary>
    public int ContestIndex { get; }

    /// <summary>ind_o, or null for a contest-limit proof.</summary>
    public int? OptionIndex { get; }

    /// <summary>Never shows ξ or ℓ.</summary>
    public override string ToString() => $"RangeProofStatement(contest {ContestIndex}, option {OptionIndex?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "limit"}, R {Limit})";
}
