namespace Entente.Cryptography;

/// <summary>
/// A proof published as one challenge c and one response v (both in Z_q): the common shape of
/// <see cref="SchnorrProof"/> and <see cref="ChaumPedersenProof"/>.
/// </summary>
public abstract class ChallengeResponseProof : IEquatable<ChallengeResponseProof>
{
    /// <summary>A proof of two elements of the same group.</summary>
    protected ChallengeResponseProof(ElementModQ challenge, ElementModQ response)
    {
        ArgumentNullException.ThrowIfNull(challenge);
        challenge.Group.CheckSameGroup(response);
        Challenge = challenge;
        Response = response;
    }

    /// <summary>The challenge c.</summary>
    public ElementModQ Challenge { get; }

    /// <summary>The response v = (u − c·secret) mod q.</summary>
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

    /// <summary>Same kind of proof with the same challenge and response.</summary>
    public bool Equals(ChallengeResponseProof? other) =>
        other is not null && other.GetType() == GetType() && Challenge.Equals(other.Challenge) && Response.Equals(other.Response);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as ChallengeResponseProof);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(GetType(), Group.Name);

    /// <summary>The proof's public values.</summary>
    public override string ToString() => $"{GetType().Name}(c: {Challenge.ToHex()}, v: {Response.ToHex()})";
}
