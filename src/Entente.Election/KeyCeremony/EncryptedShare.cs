using Entente.Cryptography;

namespace Entente.Election.KeyCeremony;

/// <summary>
/// The shares P_i(ℓ) and P̂_i(ℓ) that guardian i sends to guardian ℓ, encrypted to ℓ's communication
/// key κ_ℓ (eqs 15–22): C_0 = α = g^ξ, C_1 = the two 32-byte shares each masked with a KDF key, and
/// C_2 = (c̄, v̄) a Schnorr proof of knowledge of ξ.
/// </summary>
public sealed class EncryptedShare
{
    /// <summary>Bytes of C_1.</summary>
    public const int PayloadBytes = 64;

    /// <summary>Creates the share record (shape checked: index range is the caller's concern).</summary>
    public EncryptedShare(int from, int to, ElementModP c0, ReadOnlySpan<byte> c1, ElementModQ challenge, ElementModQ response)
    {
        ArgumentNullException.ThrowIfNull(c0);
        ArgumentNullException.ThrowIfNull(challenge);
        ArgumentNullException.ThrowIfNull(response);
        if (c1.Length != PayloadBytes)
        {
            throw new ArgumentException($"C1 must be {PayloadBytes} bytes", nameof(c1));
        }

        From = from;
        To = to;
        C0 = c0;
        C1 = c1.ToArray();
        Challenge = challenge;
        Response = response;
    }

    /// <summary>i, the sender.</summary>
    public int From { get; }

    /// <summary>ℓ, the recipient.</summary>
    public int To { get; }

    /// <summary>C_0 = α.</summary>
    public ElementModP C0 { get; }

    /// <summary>C_1 (64 bytes).</summary>
    public IReadOnlyList<byte> C1 { get; }

    /// <summary>c̄.</summary>
    public ElementModQ Challenge { get; }

    /// <summary>v̄.</summary>
    public ElementModQ Response { get; }
}
