namespace Entente.Cryptography;

/// <summary>
/// A hashed-ElGamal ciphertext C = (C0, C1, C2) of ElectionGuard 2.1: C0 = α = g^ξ, C1 = the data XORed
/// with keys derived from H(…; α, β) where β = K^ξ, and C2 = a <see cref="SchnorrProof"/> of knowledge
/// of ξ. Used for share encryption (<see cref="ShareEncryption"/>, eqs 15–22), the ballot nonce
/// (<see cref="BallotNonceEncryption"/>, eqs 34–38) and contest data (<see cref="ContestDataEncryption"/>, eqs 63–69).
/// </summary>
public sealed class HashedElGamalCiphertext
{
    private readonly byte[] _c1;

    /// <summary>A ciphertext from its three components (C0 and C2 of the same group).</summary>
    public HashedElGamalCiphertext(ElementModP c0, ReadOnlySpan<byte> c1, SchnorrProof c2)
    {
        ArgumentNullException.ThrowIfNull(c0);
        ArgumentNullException.ThrowIfNull(c2);
        c0.Group.CheckSameGroup(c2.Challenge);
        if (c1.IsEmpty || c1.Length % 32 != 0)
        {
            throw new ArgumentException("C1 is a non-empty multiple of 32 bytes.", nameof(c1));
        }

        C0 = c0;
        _c1 = c1.ToArray();
        C2 = c2;
    }

    /// <summary>C0 = α = g^ξ.</summary>
    public ElementModP C0 { get; }

    /// <summary>C1: the encrypted bytes (64 for shares, 32 for a ballot nonce, 32·b_Λ for contest data).</summary>
    public ReadOnlySpan<byte> C1 => _c1;

    /// <summary>C2 = (c, v): the Schnorr proof of knowledge of ξ.</summary>
    public SchnorrProof C2 { get; }

    /// <summary>The group.</summary>
    public Group Group => C0.Group;

    /// <inheritdoc/>
    public override string ToString() => $"HashedElGamalCiphertext(C0: {C0}, C1: {_c1.Length} bytes)";

    internal static void Xor(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, Span<byte> result)
    {
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = (byte)(a[i] ^ b[i]);
        }
    }

    /// <summary>Creates C2 for nonce ξ: u random, a = g^u, c = challenge(a), v = u − c·ξ.</summary>
    internal static SchnorrProof Prove(ElementModQ nonce, Func<ElementModP, ElementModQ> challenge)
    {
        Group group = nonce.Group;
        ElementModQ u = ElementModQ.Random(group);
        try
        {
            ElementModQ c = challenge(group.GPowSecret(u));
            return new SchnorrProof(c, u - (c * nonce));
        }
        finally
        {
            u.Wipe();
        }
    }

    /// <summary>Checks C2: a = g^v · C0^c must hash to c.</summary>
    internal bool VerifyProof(Func<ElementModP, ElementModQ> challenge)
    {
        ElementModP a = C2.RecomputeCommitment(C0);
        return challenge(a).Equals(C2.Challenge);
    }
}
