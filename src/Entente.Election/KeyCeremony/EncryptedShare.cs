using Entente.Cryptography;

namespace Entente.Election.KeyCeremony;

/// <summary>
/// The shares P_i(ℓ) and P̂_i(ℓ) that guardian i sends to guardian ℓ, encrypted to ℓ's communication
/// key κ_ℓ (eqs 15–22): C_0 = g^ξ, C_1 = the two 32-byte shares each masked with a KDF key, and
/// C_2 = (c̄, v̄) a Schnorr proof of knowledge of ξ.
/// </summary>
public sealed record EncryptedShare(int From, int To, HashedElGamalCiphertext Ciphertext)
{
    /// <summary>Bytes of C_1.</summary>
    public const int PayloadBytes = 64;
}
