using System.Security.Cryptography;

namespace Entente.Transparency.Merkle;

/// <summary>
/// RFC 6962 §2.1 / RFC 9162 §2.1.1 hashing with SHA-256: leaves are hashed as SHA-256(0x00 || entry),
/// interior nodes as SHA-256(0x01 || left || right), the empty tree as SHA-256("").
/// </summary>
public static class Rfc6962
{
    /// <summary>MTH({}) = SHA-256 of the empty string.</summary>
    public static Hash256 EmptyRoot => Hash256.Empty;

    /// <summary>The leaf hash of an entry: SHA-256(0x00 || entry).</summary>
    public static Hash256 LeafHash(ReadOnlySpan<byte> entry)
    {
        using IncrementalHash sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData([0x00]);
        sha.AppendData(entry);
        return Hash256.Wrap(sha.GetHashAndReset());
    }

    /// <summary>An interior node: SHA-256(0x01 || left || right).</summary>
    public static Hash256 NodeHash(Hash256 left, Hash256 right)
    {
        Span<byte> buffer = stackalloc byte[1 + (2 * Hash256.Size)];
        buffer[0] = 0x01;
        left.Span.CopyTo(buffer[1..]);
        right.Span.CopyTo(buffer[(1 + Hash256.Size)..]);
        byte[] result = new byte[Hash256.Size];
        SHA256.HashData(buffer, result);
        return Hash256.Wrap(result);
    }
}
