using Entente.Cryptography;
using Entente.Cryptography.ElGamal;
using Entente.Cryptography.Hashing;

namespace Entente.Election.Encryption;

/// <summary>One (c_j, v_j) pair of a compact proof.</summary>
public sealed record ChallengeResponse(ElementModQ Challenge, ElementModQ Response);

/// <summary>
/// The compact range proof of spec 2.1 §3.3.5 (eqs 41, 50, 57–62): (α, β) = (g^ξ, K^(ℓ+ξ)) encrypts
/// some ℓ ∈ {0, …, R}. Only the pairs (c_j, v_j), j = 0..R, are published; the verifier recomputes
/// a_j = g^{v_j} α^{c_j}, b_j = K^{v_j − j·c_j} β^{c_j}, then c from the hash, and checks Σ c_j = c
/// (Verification 6 and 7). The hash header is (ind_c, ind_o) for a selection and (ind_c) for a
/// contest limit; both use domain separator 0x24.
/// </summary>
public static class RangeProof
{
    /// <summary>Proves that <paramref name="ciphertext"/> = Enc(<paramref name="value"/>, <paramref name="nonce"/>) with 0 ≤ value ≤ limit.</summary>
    public static ChallengeResponse[] Prove(
        ElGamalPublicKey key, Hash256 identifierHash, ReadOnlySpan<int> header, ElGamalCiphertext ciphertext, ElementModQ nonce, int value, int limit)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(ciphertext);
        ArgumentNullException.ThrowIfNull(nonce);
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value, limit);
        Group group = key.Group;
        ElementModQ[] c = new ElementModQ[limit + 1];
        ElementModQ[] u = new ElementModQ[limit + 1];
        ElementModP[] a = new ElementModP[limit + 1];
        ElementModP[] b = new ElementModP[limit + 1];
        for (int j = 0; j <= limit; j++)
        {
            u[j] = group.RandomModQ();
            a[j] = group.GPowSecret(u[j]);
            if (j == value)
            {
                b[j] = key.PowSecret(u[j]);
            }
            else
            {
                c[j] = group.RandomModQ();
                b[j] = key.PowSecret(u[j] + (ElementModQ.FromInt64(group, value - j) * c[j]));
            }
        }

        ElementModQ challenge = Challenge(group, identifierHash, header, ciphertext, a, b);
        ElementModQ sum = group.ZeroModQ;
        for (int j = 0; j <= limit; j++)
        {
            if (j != value)
            {
                sum += c[j];
            }
        }

        c[value] = challenge - sum;
        ChallengeResponse[] proof = new ChallengeResponse[limit + 1];
        for (int j = 0; j <= limit; j++)
        {
            proof[j] = new ChallengeResponse(c[j], u[j] - (c[j] * nonce));
        }

        return proof;
    }

    /// <summary>Verification 6 / 7 of one range proof over {0, …, R} with R = proof.Count − 1.</summary>
    public static bool Verify(ElGamalPublicKey key, Hash256 identifierHash, ReadOnlySpan<int> header, ElGamalCiphertext ciphertext, IReadOnlyList<ChallengeResponse> proof)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(ciphertext);
        ArgumentNullException.ThrowIfNull(proof);
        if (proof.Count == 0)
        {
            return false;
        }

        Group group = key.Group;
        ElementModP[] a = new ElementModP[proof.Count];
        ElementModP[] b = new ElementModP[proof.Count];
        ElementModQ sum = group.ZeroModQ;
        for (int j = 0; j < proof.Count; j++)
        {
            ElementModQ cj = proof[j].Challenge;
            ElementModQ vj = proof[j].Response;
            a[j] = group.GPowTimes(vj, ciphertext.Alpha, cj);
            ElementModQ w = vj - (ElementModQ.FromInt64(group, j) * cj);
            b[j] = group.PowProduct(key.Key, w, ciphertext.Beta, cj);
            sum += cj;
        }

        return Challenge(group, identifierHash, header, ciphertext, a, b).Equals(sum);
    }

    private static ElementModQ Challenge(Group group, Hash256 identifierHash, ReadOnlySpan<int> header, ElGamalCiphertext ciphertext, ElementModP[] a, ElementModP[] b)
    {
        using HashInput input = HashInput.Create(group, DomainSeparation.RangeProof);
        foreach (int index in header)
        {
            input.Append(index);
        }

        input.Append(ciphertext.Alpha).Append(ciphertext.Beta);
        for (int j = 0; j < a.Length; j++)
        {
            input.Append(a[j]).Append(b[j]);
        }

        return input.HashModQ(identifierHash);
    }
}
