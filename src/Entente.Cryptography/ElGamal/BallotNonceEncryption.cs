using System.Security.Cryptography;

namespace Entente.Cryptography;

/// <summary>
/// Encryption of the ballot nonce ξ_B to the data key K̂ (ElectionGuard 2.1 §3.3.4, eqs 34–38):
/// (α_B, β_B) = (g^ξ̂, K̂^ξ̂); h = H(H_I; 0x22, α_B, β_B); k1 from the KDF (eq 36);
/// C1 = b(ξ_B, 32) ⊕ k1; C2 proves knowledge of ξ̂ with c_B = H_q(H_I; 0x23, a_B, C0, C1).
/// </summary>
public static class BallotNonceEncryption
{
    /// <summary>Encrypts <paramref name="ballotNonce"/> to K̂ for the ballot with identifier hash H_I.</summary>
    public static HashedElGamalCiphertext Encrypt(ElGamalPublicKey dataKey, Hash256 identifierHash, BallotNonce ballotNonce)
    {
        ArgumentNullException.ThrowIfNull(dataKey);
        ArgumentNullException.ThrowIfNull(identifierHash);
        ArgumentNullException.ThrowIfNull(ballotNonce);
        Group group = dataKey.Group;
        ElementModQ nonce = ElementModQ.Random(group);
        byte[] c1 = new byte[32];
        byte[] key = new byte[32];
        try
        {
            ElementModP alpha = group.GPowSecret(nonce);                                       // eq 34
            ElementModP beta = dataKey.PowSecret(nonce);
            DeriveKey(identifierHash, alpha, beta, key);
            HashedElGamalCiphertext.Xor(ballotNonce.Secret, key, c1);                          // eq 37
            SchnorrProof proof = HashedElGamalCiphertext.Prove(nonce, a => Challenge(identifierHash, a, alpha, c1));
            return new HashedElGamalCiphertext(alpha, c1, proof);
        }
        finally
        {
            nonce.Wipe();
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>Checks C2 (eq 38; guardians check it before decrypting a challenged ballot, §3.6.7).</summary>
    public static bool VerifyProof(Hash256 identifierHash, HashedElGamalCiphertext ciphertext)
    {
        ArgumentNullException.ThrowIfNull(identifierHash);
        ArgumentNullException.ThrowIfNull(ciphertext);
        if (ciphertext.C1.Length != 32)
        {
            return false;
        }

        byte[] c1 = ciphertext.C1.ToArray();
        return ciphertext.VerifyProof(a => Challenge(identifierHash, a, ciphertext.C0, c1));
    }

    /// <summary>
    /// Decrypts with β_B = C0^ŝ already combined from guardian shares (§3.6.7: β_B = Π m_i^{w_i}).
    /// Does not check the proof; call <see cref="VerifyProof"/> first.
    /// </summary>
    public static BallotNonce DecryptWithBeta(Hash256 identifierHash, HashedElGamalCiphertext ciphertext, ElementModP beta)
    {
        ArgumentNullException.ThrowIfNull(identifierHash);
        ArgumentNullException.ThrowIfNull(ciphertext);
        ciphertext.Group.CheckSameGroup(beta);
        if (ciphertext.C1.Length != 32)
        {
            throw new ArgumentException("A ballot-nonce ciphertext has a 32-byte C1.", nameof(ciphertext));
        }

        byte[] key = new byte[32];
        byte[] plain = new byte[32];
        try
        {
            DeriveKey(identifierHash, ciphertext.C0, beta, key);
            HashedElGamalCiphertext.Xor(ciphertext.C1, key, plain);
            return BallotNonce.FromBytes(plain);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    /// <summary>Decrypts with the whole data secret ŝ (β_B = C0^ŝ). Does not check the proof.</summary>
    public static BallotNonce Decrypt(Hash256 identifierHash, HashedElGamalCiphertext ciphertext, ElGamalKeyPair dataKey)
    {
        ArgumentNullException.ThrowIfNull(ciphertext);
        ArgumentNullException.ThrowIfNull(dataKey);
        return DecryptWithBeta(identifierHash, ciphertext, dataKey.PartialDecrypt(ciphertext.C0));
    }

    private static void DeriveKey(Hash256 identifierHash, ElementModP alpha, ElementModP beta, Span<byte> key)
    {
        Hash256 h;
        using (HashInput input = HashInput.Create(alpha.Group, DomainSeparation.BallotNonceKey))
        {
            h = input.Append(alpha).Append(beta).Hash(identifierHash);                         // eq 35
        }

        Kdf.DeriveBallotNonceKey(h, key);                                                       // eq 36
    }

    private static ElementModQ Challenge(Hash256 identifierHash, ElementModP a, ElementModP c0, ReadOnlySpan<byte> c1)
    {
        using HashInput input = HashInput.Create(a.Group, DomainSeparation.BallotNonceProof);
        return input.Append(a).Append(c0).AppendBytes(c1).HashModQ(identifierHash);          // eq 38
    }
}
