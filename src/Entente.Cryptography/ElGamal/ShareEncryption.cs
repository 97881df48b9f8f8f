using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Entente.Cryptography;

/// <summary>
/// Encryption of a guardian's key shares to another guardian (ElectionGuard 2.1 §3.2.2, eqs 15–23):
/// G_i encrypts (P_i(ℓ), P̂_i(ℓ)) to G_ℓ's communication key κ_ℓ. (α, β) = (g^ξ, κ_ℓ^ξ);
/// k = H(H_P; 0x11, i, ℓ, κ_ℓ, α, β); k1 ∥ k2 from the KDF (eqs 17–18); C1 = (b(P_i(ℓ), 32) ⊕ k1) ∥
/// (b(P̂_i(ℓ), 32) ⊕ k2); C2 proves knowledge of ξ with c̄ = H_q(H_P; 0x12, i, ℓ, γ, C0, C1).
/// </summary>
public static class ShareEncryption
{
    /// <summary>Encrypts both shares from sender i to recipient ℓ.</summary>
    public static HashedElGamalCiphertext Encrypt(
        Hash256 parameterBaseHash, int senderIndex, int recipientIndex, ElementModP recipientCommunicationKey,
        ElementModQ voteShare, ElementModQ dataShare)
    {
        ArgumentNullException.ThrowIfNull(parameterBaseHash);
        ArgumentNullException.ThrowIfNull(recipientCommunicationKey);
        ArgumentNullException.ThrowIfNull(voteShare);
        ArgumentNullException.ThrowIfNull(dataShare);
        CheckIndices(senderIndex, recipientIndex);
        Group group = recipientCommunicationKey.Group;
        group.CheckSameGroup(voteShare);
        group.CheckSameGroup(dataShare);

        ElementModQ nonce = ElementModQ.Random(group);
        byte[] keys = new byte[64];
        byte[] c1 = new byte[64];
        try
        {
            ElementModP alpha = group.GPowSecret(nonce);                                       // eq 15
            ElementModP beta = recipientCommunicationKey.PowSecret(nonce);
            DeriveKeys(parameterBaseHash, senderIndex, recipientIndex, recipientCommunicationKey, alpha, beta, keys);
            voteShare.Encode(c1.AsSpan(0, 32));
            dataShare.Encode(c1.AsSpan(32, 32));
            HashedElGamalCiphertext.Xor(c1, keys, c1);                                         // eq 21
            SchnorrProof proof = HashedElGamalCiphertext.Prove(
                nonce, gamma => Challenge(parameterBaseHash, senderIndex, recipientIndex, gamma, alpha, c1));
            return new HashedElGamalCiphertext(alpha, c1, proof);
        }
        finally
        {
            nonce.Wipe();
            CryptographicOperations.ZeroMemory(keys);
        }
    }

    /// <summary>Checks C2 (the recipient's first step, §3.2.2 "Share decryption"; also usable by anyone).</summary>
    public static bool VerifyProof(Hash256 parameterBaseHash, int senderIndex, int recipientIndex, HashedElGamalCiphertext ciphertext)
    {
        ArgumentNullException.ThrowIfNull(parameterBaseHash);
        ArgumentNullException.ThrowIfNull(ciphertext);
        if (senderIndex < 1 || recipientIndex < 1 || ciphertext.C1.Length != 64)
        {
            return false;
        }

        byte[] c1 = ciphertext.C1.ToArray();
        return ciphertext.VerifyProof(gamma => Challenge(parameterBaseHash, senderIndex, recipientIndex, gamma, ciphertext.C0, c1));
    }

    /// <summary>
    /// Verifies C2, then decrypts with the recipient's communication key (β = C0^ζ_ℓ, eq 23). False when
    /// the proof fails or a decrypted share is not below q. (The check of the shares against the sender's
    /// commitments, eqs 28–29, is the caller's next step.)
    /// </summary>
    public static bool TryDecrypt(
        Hash256 parameterBaseHash, int senderIndex, int recipientIndex, HashedElGamalCiphertext ciphertext,
        ElGamalKeyPair recipientCommunicationKey,
        [NotNullWhen(true)] out ElementModQ? voteShare, [NotNullWhen(true)] out ElementModQ? dataShare)
    {
        ArgumentNullException.ThrowIfNull(recipientCommunicationKey);
        voteShare = null;
        dataShare = null;
        if (!VerifyProof(parameterBaseHash, senderIndex, recipientIndex, ciphertext)
            || !ReferenceEquals(ciphertext.Group, recipientCommunicationKey.Group))
        {
            return false;
        }

        ElementModP beta = recipientCommunicationKey.PartialDecrypt(ciphertext.C0);
        byte[] keys = new byte[64];
        byte[] plain = new byte[64];
        try
        {
            DeriveKeys(parameterBaseHash, senderIndex, recipientIndex, recipientCommunicationKey.PublicKey.Key, ciphertext.C0, beta, keys);
            HashedElGamalCiphertext.Xor(ciphertext.C1, keys, plain);
            Group group = ciphertext.Group;
            if (ElementModQ.TryDecodeFixedWidth(group, plain.AsSpan(0, 32), out ElementModQ? vote)
                && ElementModQ.TryDecodeFixedWidth(group, plain.AsSpan(32, 32), out ElementModQ? data))
            {
                voteShare = vote;
                dataShare = data;
                return true;
            }

            return false;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(keys);
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    private static void DeriveKeys(Hash256 parameterBaseHash, int i, int l, ElementModP kappa, ElementModP alpha, ElementModP beta, Span<byte> keys)
    {
        Hash256 key;
        using (HashInput input = HashInput.Create(kappa.Group, DomainSeparation.ShareEncryptionKey))
        {
            key = input.Append(i).Append(l).Append(kappa).Append(alpha).Append(beta).Hash(parameterBaseHash); // eq 16
        }

        Kdf.DeriveShareEncryptionKeys(key, i, l, keys);                                         // eqs 17–18
    }

    private static ElementModQ Challenge(Hash256 parameterBaseHash, int i, int l, ElementModP gamma, ElementModP c0, ReadOnlySpan<byte> c1)
    {
        using HashInput input = HashInput.Create(gamma.Group, DomainSeparation.ShareEncryptionProof);
        return input.Append(i).Append(l).Append(gamma).Append(c0).AppendBytes(c1).HashModQ(parameterBaseHash); // eq 22
    }

    private static void CheckIndices(int senderIndex, int recipientIndex)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(senderIndex, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(recipientIndex, 1);
    }
}
