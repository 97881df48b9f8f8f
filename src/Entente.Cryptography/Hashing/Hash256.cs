using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Entente.Cryptography;

/// <summary>
/// A 32-byte value: an output of H (HMAC-SHA-256, ElectionGuard 2.1 §5.3) such as H_P, H_B, H_E, H_I,
/// a contest hash or a confirmation code, or another public 256-bit value (the identifier id_B).
/// Immutable; equality is constant time.
/// </summary>
public sealed class Hash256 : IEquatable<Hash256>
{
    /// <summary>Bytes of a hash.</summary>
    public const int Length = 32;

    private readonly byte[] _bytes;

    private Hash256(byte[] bytes) => _bytes = bytes;

    /// <summary>The 32 bytes.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes;

    /// <summary>Copies exactly 32 bytes.</summary>
    /// <exception cref="FormatException">The input is not 32 bytes; the message names <paramref name="field"/>.</exception>
    public static Hash256 Decode(ReadOnlySpan<byte> bytes, string field = "hash") =>
        bytes.Length == Length
            ? new Hash256(bytes.ToArray())
            : throw new FormatException($"{field}: expected {Length} bytes, got {bytes.Length}.");

    /// <summary>Copies exactly 32 bytes, or returns false.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> bytes, [NotNullWhen(true)] out Hash256? hash)
    {
        hash = bytes.Length == Length ? new Hash256(bytes.ToArray()) : null;
        return hash is not null;
    }

    /// <summary>Parses 64 hex digits (either case).</summary>
    /// <exception cref="FormatException">Not 64 hex digits; the message names <paramref name="field"/>.</exception>
    public static Hash256 DecodeHex(string hex, string field = "hash")
    {
        ArgumentNullException.ThrowIfNull(hex);
        return TryDecodeHex(hex, out Hash256? hash)
            ? hash
            : throw new FormatException($"{field}: expected {2 * Length} hexadecimal digits.");
    }

    /// <summary>Parses 64 hex digits, or returns false.</summary>
    public static bool TryDecodeHex(string? hex, [NotNullWhen(true)] out Hash256? hash)
    {
        hash = null;
        if (hex is null || hex.Length != 2 * Length)
        {
            return false;
        }

        byte[] bytes = new byte[Length];
        if (Convert.FromHexString(hex, bytes, out _, out int written) != System.Buffers.OperationStatus.Done || written != Length)
        {
            return false;
        }

        hash = new Hash256(bytes);
        return true;
    }

    /// <summary>32 random bytes from <see cref="RandomNumberGenerator"/> (for example a selection encryption identifier id_B, §3.3.2).</summary>
    public static Hash256 Random() => new(RandomNumberGenerator.GetBytes(Length));

    /// <summary>Wraps a freshly computed array without copying (the caller hands over ownership).</summary>
    internal static Hash256 Own(byte[] bytes) => new(bytes);

    /// <summary>A copy of the bytes.</summary>
    public byte[] ToArray() => (byte[])_bytes.Clone();

    /// <summary>Uppercase hex (64 digits).</summary>
    public string ToHex() => Convert.ToHexString(_bytes);

    /// <summary>The integer value reduced mod q (H_q applied to an existing hash, eq 132).</summary>
    public ElementModQ ToModQ(Group group) => ElementModQ.FromBytesReduced(group, _bytes);

    /// <summary>Constant-time equality.</summary>
    public bool Equals(Hash256? other) => other is not null && CryptographicOperations.FixedTimeEquals(_bytes, other._bytes);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as Hash256);

    /// <inheritdoc/>
    public override int GetHashCode() => BitConverter.ToInt32(_bytes, 0);

    /// <summary>Uppercase hex.</summary>
    public override string ToString() => ToHex();

    /// <summary>Equality.</summary>
    public static bool operator ==(Hash256? left, Hash256? right) => left is null ? right is null : left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(Hash256? left, Hash256? right) => !(left == right);
}
