using System.Security.Cryptography;
using System.Text;

namespace Entente.Cryptography;

/// <summary>
/// The hash functions of ElectionGuard 2.1.0 §5.3: H(B0; B1) = HMAC-SHA-256(B0, B1), 32 bytes out,
/// and H_q(B0; B1) = H(B0; B1) mod q (eq 132). B0 is always 32 bytes: ver, H_P, H_B, H_E or H_I.
/// </summary>
public static class ElectionHash
{
    /// <summary>The specification version string hashed into H_P.</summary>
    public const string VersionString = "v2.1.0";

    /// <summary>ver: the UTF-8 bytes of "v2.1.0" right-padded with zeros to 32 bytes (§5.4, eq 4).</summary>
    public static Hash256 Version { get; } = CreateVersion();

    /// <summary>H(B0; B1) = HMAC-SHA-256 with key B0 (32 bytes) over B1.</summary>
    public static Hash256 H(ReadOnlySpan<byte> key, ReadOnlySpan<byte> input)
    {
        if (key.Length != Hash256.Length)
        {
            throw new ArgumentException("B0 must be exactly 32 bytes.", nameof(key));
        }

        byte[] output = new byte[Hash256.Length];
        HMACSHA256.HashData(key, input, output);
        return Hash256.Own(output);
    }

    /// <summary>H(B0; B1) keyed with a hash value.</summary>
    public static Hash256 H(Hash256 key, ReadOnlySpan<byte> input)
    {
        ArgumentNullException.ThrowIfNull(key);
        return H(key.Bytes, input);
    }

    /// <summary>H_q(B0; B1) = int(H(B0; B1)) mod q (eq 132).</summary>
    public static ElementModQ Hq(Group group, ReadOnlySpan<byte> key, ReadOnlySpan<byte> input)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (key.Length != Hash256.Length)
        {
            throw new ArgumentException("B0 must be exactly 32 bytes.", nameof(key));
        }

        Span<byte> output = stackalloc byte[Hash256.Length];
        HMACSHA256.HashData(key, input, output);
        ElementModQ result = ElementModQ.FromBytesReduced(group, output);
        CryptographicOperations.ZeroMemory(output);
        return result;
    }

    /// <summary>H_q(B0; B1) keyed with a hash value.</summary>
    public static ElementModQ Hq(Group group, Hash256 key, ReadOnlySpan<byte> input)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Hq(group, key.Bytes, input);
    }

    private static Hash256 CreateVersion()
    {
        byte[] ver = new byte[Hash256.Length];
        Encoding.UTF8.GetBytes(VersionString, ver);
        return Hash256.Own(ver);
    }
}
