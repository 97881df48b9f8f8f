using System.Security.Cryptography;

namespace Entente.Cryptography;

/// <summary>
/// Encryption of a contest data field D_Λ of 32·b_Λ bytes to the data key K̂ (ElectionGuard 2.1 §3.3.10,
/// eqs 63–69): ξ = H_q(H_I; 0x25, ind_c, ξ_B); (α, β) = (g^ξ, K̂^ξ); h = H(H_I; 0x26, ind_c, α, β);
/// k_1..k_{b_Λ} from the KDF (eq 66); C1 = D_1 ⊕ k_1 ∥ …; C2 proves knowledge of ξ with
/// c = H_q(H_I; 0x27, ind_c, a, C0, C1). Decryption (§3.6.6, eqs 104–106) needs β = C0^ŝ, combined
/// from guardian shares, or the ballot nonce (V13).
/// </summary>
public static class ContestDataEncryption
{
    /// <summary>ξ = H_q(H_I; 0x25, ind_c, ξ_B) (eq 64).</summary>
    public static ElementModQ DeriveNonce(Group group, Hash256 identifierHash, int contestIndex, BallotNonce ballotNonce)
    {
        ArgumentNullException.ThrowIfNull(ballotNonce);
        using HashInput input = HashInput.Create(group, DomainSeparation.ContestDataNonce);
        input.Append(contestIndex);
        ballotNonce.AppendTo(input);
        return input.HashModQ(identifierHash);
    }

    /// <summary>Encrypts <paramref name="data"/> (a non-empty multiple of 32 bytes) for contest ind_c.</summary>
    public static HashedElGamalCiphertext Encrypt(ElGamalPublicKey dataKey, Hash256 identifierHash, int contestIndex, BallotNonce ballotNonce, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(dataKey);
        ArgumentNullException.ThrowIfNull(identifierHash);
        ArgumentOutOfRangeException.ThrowIfNegative(contestIndex);
        CheckLength(data.Length, nameof(data));
        Group group = dataKey.Group;
        ElementModQ nonce = DeriveNonce(group, identifierHash, contestIndex, ballotNonce);
        byte[] keys = new byte[data.Length];
        byte[] c1 = new byte[data.Length];
        try
        {
            ElementModP alpha = group.GPowSecret(nonce);                                       // eq 67
            ElementModP beta = dataKey.PowSecret(nonce);
            DeriveKeys(identifierHash, contestIndex, alpha, beta, keys);
            HashedElGamalCiphertext.Xor(data, keys, c1);                                       // eq 68
            SchnorrProof proof = HashedElGamalCiphertext.Prove(nonce, a => Challenge(identifierHash, contestIndex, a, alpha, c1));
            return new HashedElGamalCiphertext(alpha, c1, proof);
        }
        finally
        {
            nonce.Wipe();
            CryptographicOperations.ZeroMemory(keys);
        }
    }

    /// <summary>Checks C2 (eq 69).</summary>
    public static bool VerifyProof(Hash256 identifierHash, int contestIndex, HashedElGamalCiphertext ciphertext)
    {
        ArgumentNullException.ThrowIfNull(identifierHash);
        ArgumentNullException.ThrowIfNull(ciphertext);
        if (contestIndex < 0)
        {
            return false;
        }

        byte[] c1 = ciphertext.C1.ToArray();
        return ciphertext.VerifyProof(a => Challenge(identifierHash, contestIndex, a, ciphertext.C0, c1));
    }

    /// <summary>D = C1 ⊕ k (eqs 104–106) with β = C0^ŝ combined from guardian shares. Does not check the proof.</summary>
    public static byte[] DecryptWithBeta(Hash256 identifierHash, int contestIndex, HashedElGamalCiphertext ciphertext, ElementModP beta)
    {
        ArgumentNullException.ThrowIfNull(identifierHash);
        ArgumentNullException.ThrowIfNull(ciphertext);
        ArgumentOutOfRangeException.ThrowIfNegative(contestIndex);
        ciphertext.Group.CheckSameGroup(beta);
        byte[] keys = new byte[ciphertext.C1.Length];
        byte[] plain = new byte[ciphertext.C1.Length];
        try
        {
            DeriveKeys(identifierHash, contestIndex, ciphertext.C0, beta, keys);
            HashedElGamalCiphertext.Xor(ciphertext.C1, keys, plain);
            return plain;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(keys);
        }
    }

    /// <summary>Decrypts with the whole data secret ŝ. Does not check the proof.</summary>
    public static byte[] Decrypt(Hash256 identifierHash, int contestIndex, HashedElGamalCiphertext ciphertext, ElGamalKeyPair dataKey)
    {
        ArgumentNullException.ThrowIfNull(ciphertext);
        ArgumentNullException.ThrowIfNull(dataKey);
        return DecryptWithBeta(identifierHash, contestIndex, ciphertext, dataKey.PartialDecrypt(ciphertext.C0));
    }

    /// <summary>
    /// Decrypts with the ballot nonce (challenged ballots, V13): re-derives ξ, returns null when
    /// g^ξ ≠ C0 (the nonce does not belong to this ciphertext), else D with β = K̂^ξ.
    /// </summary>
    public static byte[]? DecryptWithNonce(ElGamalPublicKey dataKey, Hash256 identifierHash, int contestIndex, HashedElGamalCiphertext ciphertext, BallotNonce ballotNonce)
    {
        ArgumentNullException.ThrowIfNull(dataKey);
        ArgumentNullException.ThrowIfNull(ciphertext);
        ElementModQ nonce = DeriveNonce(dataKey.Group, identifierHash, contestIndex, ballotNonce);
        try
        {
            if (!dataKey.Group.GPowSecret(nonce).Equals(ciphertext.C0))
            {
                return null;
            }

            return DecryptWithBeta(identifierHash, contestIndex, ciphertext, dataKey.PowSecret(nonce));
        }
        finally
        {
            nonce.Wipe();
        }
    }

    private static void DeriveKeys(Hash256 identifierHash, int contestIndex, ElementModP alpha, ElementModP beta, Span<byte> keys)
    {
        Hash256 h;
        using (HashInput input = HashInput.Create(alpha.Group, DomainSeparation.ContestDataKey))
        {
            h = input.Append(contestIndex).Append(alpha).Append(beta).Hash(identifierHash);    // eq 65
        }

        Kdf.DeriveContestDataKeys(h, contestIndex, keys);                                       // eq 66
    }

    private static ElementModQ Challenge(Hash256 identifierHash, int contestIndex, ElementModP a, ElementModP c0, ReadOnlySpan<byte> c1)
    {
        using HashInput input = HashInput.Create(a.Group, DomainSeparation.ContestDataProof);
        return input.Append(contestIndex).Append(a).Append(c0).AppendBytes(c1).HashModQ(identifierHash); // eq 69
    }

    private static void CheckLength(int length, string name)
    {
        if (length == 0 || length % 32 != 0 || length / 32 >= (1 << 24))
        {
            throw new ArgumentException("Contest data is 32·b_Λ bytes with 1 ≤ b_Λ < 2^24.", name);
        }
    }
}
