namespace Entente.Transparency.Notes;

/// <summary>
/// One signature line of a signed note: <c>— &lt;name&gt; base64(keyID(4, big-endian) || signature)</c>.
/// </summary>
/// <param name="Name">The key name.</param>
/// <param name="KeyId">The 32-bit key ID (the first four bytes, big-endian).</param>
/// <param name="Signature">The bytes after the key ID (type-specific).</param>
public sealed record NoteSignature(string Name, uint KeyId, byte[] Signature)
{
    /// <summary>The line, with its final newline.</summary>
    public string ToLine()
    {
        byte[] payload = new byte[4 + Signature.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(payload, KeyId);
        Signature.CopyTo(payload, 4);
        return $"\u2014 {Name} {Convert.ToBase64String(payload)}\n";
    }

    /// <summary>Value equality including the signature bytes.</summary>
    public bool Equals(NoteSignature? other) =>
        other is not null && Name == other.Name && KeyId == other.KeyId && Signature.AsSpan().SequenceEqual(other.Signature);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Name, KeyId, Signature.Length);
}
