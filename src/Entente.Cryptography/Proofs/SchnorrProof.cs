namespace Entente.Cryptography;

/// <summary>
/// A Schnorr proof of knowledge (c, v) of ξ with X = g^ξ: the commitment is recomputed as g^v · X^c and
/// hashed into c. ElectionGuard 2.1 uses it for the C2 component of every hashed-ElGamal ciphertext
/// (share encryption eq 22, ballot-nonce encryption eq 38, contest data eq 69); the challenge hash is
/// the caller's (<see cref="HashedElGamalCiphertext"/> supplies it).
/// </summary>
public sealed class SchnorrProof : IEquatable<SchnorrProof>
{
    /// <summary>A proof of two elements of the same group.</summary>
    public SchnorrProof(ElementModQ challenge, ElementModQ response)
    {
        ArgumentNullException.ThrowIfNull(challenge);
        challenge.Group.CheckSameGroup(response);
        Challenge = challenge;
        Response = response;
    }

    /// <summary>The challenge c.</summary>
    public ElementModQ Challenge { get; }

    /// <summary>The response v = (u − c·ξ) mod q.</summary>
    public ElementModQ Response { get; }

    /// <summary>The group.</summary>
    public Group Group => Challenge.Group;

    /// <summary>b(c, 32) ∥ b(v, 32): the 64-byte form b(C2, 64) hashed in eqs 70, 99, 101 (c first).</summary>
    public byte[] Encode64()
    {
        byte[] bytes = new byte[64];
        Challenge.Encode(bytes.AsSpan(0, 32));
        Response.Encode(bytes.AsSpan(32, 32));
        return bytes;
    }

    /// <summary>The commitment a verifier recomputes: g^v · X^c.</summary>
    public ElementModP RecomputeCommitment(ElementModP publicValue)
    {
        Group.CheckSameGroup(publicValue);
        return Group.GPowTimes(Response, publicValue, Challenge);
    }

    /// <inheritdoc/>
    public bool Equals(SchnorrProof? other) => other is not null && Challenge.Equals(other.Challenge) && Response.Equals(other.Response);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as SchnorrProof);

    /// <inheritdoc/>
    public override int GetHashCode() => Group.Name.GetHashCode(StringComparison.Ordinal);

    /// <inheritdoc/>
    public override string ToString() => $"SchnorrProof(c: {Challenge.ToHex()}, v: {Response.ToHex()})";
}
