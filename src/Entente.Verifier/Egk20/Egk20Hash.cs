using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using Entente.Cryptography;

namespace Entente.Verifier.Egk20;

/// <summary>
/// The hash function of ElectionGuard 2.0 (§5): H(B0; B1) = HMAC-SHA-256 with key B0 (32 bytes)
/// over B1, where B1 is a domain-separation byte followed by fixed-width big-endian encodings
/// (§5.1): elements of Z_p as 512 bytes, of Z_q and hashes as 32 bytes, small integers as 4 bytes.
/// Byte strings and text are appended as they are (2.0 gives them no length prefix, except the
/// manifest file, eq 6).
/// </summary>
internal sealed class Egk20Hash : IDisposable
{
    public const int PBytes = 512;
    public const int QBytes = 32;

    private readonly IncrementalHash _hmac;

    private Egk20Hash(ReadOnlySpan<byte> key, byte domain)
    {
        _hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        _hmac.AppendData([domain]);
    }

    /// <summary>Starts H(key; domain ∥ …).</summary>
    public static Egk20Hash Start(ReadOnlySpan<byte> key, byte domain) => new(key, domain);

    /// <summary>Appends b(x, 512).</summary>
    public Egk20Hash ModP(BigInteger x) => Fixed(x, PBytes);

    /// <summary>Appends b(x, 512) of a group element.</summary>
    public Egk20Hash ModP(ElementModP x)
    {
        Span<byte> bytes = stackalloc byte[PBytes];
        x.Encode(bytes);
        _hmac.AppendData(bytes);
        return this;
    }

    /// <summary>Appends b(x, 32).</summary>
    public Egk20Hash ModQ(BigInteger x) => Fixed(x, QBytes);

    /// <summary>Appends b(x, 4).</summary>
    public Egk20Hash Int(int x)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, x);
        _hmac.AppendData(bytes);
        return this;
    }

    /// <summary>Appends bytes as they are.</summary>
    public Egk20Hash Bytes(ReadOnlySpan<byte> bytes)
    {
        _hmac.AppendData(bytes);
        return this;
    }

    /// <summary>Appends the UTF-8 bytes of a text, without a length.</summary>
    public Egk20Hash Utf8(string text) => Bytes(Encoding.UTF8.GetBytes(text));

    /// <summary>The 32-byte hash value.</summary>
    public byte[] Finish()
    {
        byte[] result = _hmac.GetHashAndReset();
        _hmac.Dispose();
        return result;
    }

    /// <summary>The hash value as an unsigned integer (2.0 challenges are not reduced mod q).</summary>
    public BigInteger FinishInteger() => new(Finish(), isUnsigned: true, isBigEndian: true);

    public void Dispose() => _hmac.Dispose();

    private Egk20Hash Fixed(BigInteger x, int width)
    {
        Span<byte> bytes = stackalloc byte[width];
        bytes.Clear();
        int length = x.GetByteCount(isUnsigned: true);
        if (x.Sign < 0 || length > width)
        {
            throw new ArgumentOutOfRangeException(nameof(x), $"The value does not fit {width} bytes.");
        }

        x.TryWriteBytes(bytes[(width - length)..], out _, isUnsigned: true, isBigEndian: true);
        _hmac.AppendData(bytes);
        return this;
    }
}
