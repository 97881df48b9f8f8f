using System.Security.Cryptography;

namespace Entente.Transparency;

/// <summary>
/// A SHA-256 digest: a Merkle tree node, a leaf hash, a root or a blob address. Always exactly 32 bytes.
/// Equality is by value; the default value is not a valid hash and throws when read.
/// </summary>
public readonly struct Hash256 : IEquatable<Hash256>
{
    /// <summary>The length of every hash, in bytes.</summary>
    public const int Size = 32;

    private readonly byte[]? _bytes;

    private Hash256(byte[] bytes) => _bytes = bytes;

    /// <summary>SHA-256 of the empty string: the RFC 6962 root of the empty tree.</summary>
    public static Hash256 Empty { get; } = Compute([]);

    /// <summary>The 32 bytes of the hash.</summary>
    public ReadOnlySpan<byte> Span => _bytes ?? throw new InvalidOperationException("Hash256 is uninitialised.");

    /// <summary>Copies <paramref name="bytes"/>, which must be exactly 32 bytes long.</summary>
    public static Hash256 FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
        {
            throw new ArgumentException($"A hash is {Size} bytes, not {bytes.Length}.", nameof(bytes));
        }

        return new Hash256(bytes.ToArray());
    }

    /// <summary>Wraps 32 bytes without copying; the caller gives up the array.</summary>
    internal static Hash256 Wrap(byte[] bytes)
    {
        System.Diagnostics.Debug.Assert(bytes.Length == Size);
        return new Hash256(bytes);
    }

    /// <summary>SHA-256 of <paramref name="data"/>.</summary>
    public static Hash256 Compute(ReadOnlySpan<byte> data) => new(SHA256.HashData(data));

    /// <summary>Decodes standard padded base64 that must hold exactly 32 bytes.</summary>
    public static bool TryFromBase64(string text, out Hash256 hash)
    {
        hash = default;
        if (text is null || text.Length != 44)
        {
            return false;
        }

        byte[] buffer = new byte[33];
        if (!Convert.TryFromBase64String(text, buffer, out int written) || written != Size)
        {
            return false;
        }

        // Reject non-canonical base64 (non-zero padding bits) by re-encoding.
        byte[] bytes = buffer[..Size];
        if (!string.Equals(Convert.ToBase64String(bytes), text, StringComparison.Ordinal))
        {
            return false;
        }

        hash = new Hash256(bytes);
        return true;
    }

    /// <summary>Decodes 64 lowercase hex digits.</summary>
    public static bool TryFromHex(string text, out Hash256 hash)
    {
        hash = default;
        if (text is null || text.Length != 2 * Size)
        {
            return false;
        }

        foreach (char c in text)
        {
            if (!char.IsAsciiDigit(c) && c is not (>= 'a' and <= 'f'))
            {
                return false;
            }
        }

        hash = new Hash256(Convert.FromHexString(text));
        return true;
    }

    /// <summary>Decodes 64 lowercase hex digits or throws <see cref="FormatException"/>.</summary>
    public static Hash256 FromHex(string text) =>
        TryFromHex(text, out Hash256 hash) ? hash : throw new FormatException("Expected a SHA-256 hash as 64 lowercase hex digits.");

    /// <summary>Standard padded base64.</summary>
    public string ToBase64() => Convert.ToBase64String(Span);

    /// <summary>Lowercase hex.</summary>
    public string ToHex() => Convert.ToHexStringLower(Span);

    /// <summary>A copy of the bytes.</summary>
    public byte[] ToArray() => Span.ToArray();

    /// <inheritdoc/>
    public bool Equals(Hash256 other) => Span.SequenceEqual(other.Span);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Hash256 other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => BitConverter.ToInt32(Span);

    /// <summary>Lowercase hex.</summary>
    public override string ToString() => _bytes is null ? "(none)" : ToHex();

    /// <summary>Value equality.</summary>
    public static bool operator ==(Hash256 left, Hash256 right) => left.Equals(right);

    /// <summary>Value inequality.</summary>
    public static bool operator !=(Hash256 left, Hash256 right) => !left.Equals(right);
}
