using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Entente.Cryptography;

/// <summary>
/// Builds a hash input B1 of ElectionGuard 2.1 §5.1–5.2: one domain-separation byte followed by the
/// fixed-width encodings of the inputs, concatenated without separators. The bytes live in a pooled
/// buffer (no allocation per element) that is wiped and returned on <see cref="Dispose"/>: inputs such
/// as a ballot nonce are secret.
/// </summary>
/// <example><code>
/// using HashInput input = HashInput.Create(group, DomainSeparation.SelectionNonce);
/// ElementModQ nonce = input.Append(contestIndex).Append(optionIndex).AppendBytes(ballotNonce).HashModQ(hI);
/// </code></example>
public sealed class HashInput : IDisposable
{
    private const int InitialCapacity = 1024;

    private readonly Group _group;
    private byte[] _buffer;
    private int _length;

    private HashInput(Group group, byte domainSeparator)
    {
        _group = group;
        _buffer = ArrayPool<byte>.Shared.Rent(InitialCapacity);
        _buffer[0] = domainSeparator;
        _length = 1;
    }

    /// <summary>The bytes written so far (domain separator included).</summary>
    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    /// <summary>Starts B1 with the domain-separation byte (see <see cref="DomainSeparation"/>).</summary>
    public static HashInput Create(Group group, byte domainSeparator)
    {
        ArgumentNullException.ThrowIfNull(group);
        return new HashInput(group, domainSeparator);
    }

    /// <summary>Appends b(x, l_p) (§5.1.1).</summary>
    public HashInput Append(ElementModP element)
    {
        _group.CheckSameGroup(element);
        element.Encode(Reserve(_group.PByteLength));
        return this;
    }

    /// <summary>Appends b(x, l_q) (§5.1.2).</summary>
    public HashInput Append(ElementModQ element)
    {
        _group.CheckSameGroup(element);
        element.Encode(Reserve(_group.QByteLength));
        return this;
    }

    /// <summary>Appends b(x, 32) of a mod-q value, whatever l_q is (eqs 21, 37, and the 64-byte b(C2, 64) = c ∥ v).</summary>
    public HashInput Append32(ElementModQ element)
    {
        _group.CheckSameGroup(element);
        element.Encode(Reserve(32));
        return this;
    }

    /// <summary>Appends a 32-byte hash value.</summary>
    public HashInput Append(Hash256 hash)
    {
        ArgumentNullException.ThrowIfNull(hash);
        hash.Bytes.CopyTo(Reserve(Hash256.Length));
        return this;
    }

    /// <summary>Appends b(x, 4) of a small integer (indices, n, k, lengths; §5.1.3): 0 ≤ x &lt; 2^31.</summary>
    public HashInput Append(int value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        BinaryPrimitives.WriteInt32BigEndian(Reserve(4), value);
        return this;
    }

    /// <summary>Appends raw bytes of a fixed-length field (id_B, B_C, ciphertext bytes C1, a fixed label).</summary>
    public HashInput AppendBytes(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(Reserve(bytes.Length));
        return this;
    }

    /// <summary>Appends the UTF-8 bytes of a fixed label without a length ("pk_vote", "pk_data"; §5.1.4).</summary>
    public HashInput AppendLabel(string label)
    {
        ArgumentNullException.ThrowIfNull(label);
        int count = Encoding.UTF8.GetByteCount(label);
        _ = Encoding.UTF8.GetBytes(label, Reserve(count));
        return this;
    }

    /// <summary>Appends b(len, 4) ∥ UTF-8 bytes of a variable-length string (S_device, §5.1.4).</summary>
    public HashInput AppendString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        int count = Encoding.UTF8.GetByteCount(value);
        Append(count);
        _ = Encoding.UTF8.GetBytes(value, Reserve(count));
        return this;
    }

    /// <summary>Appends b(len, 4) ∥ bytes of a file (the manifest, §5.1.5).</summary>
    public HashInput AppendFile(ReadOnlySpan<byte> file)
    {
        Append(file.Length);
        return AppendBytes(file);
    }

    /// <summary>H(B0; B1) = HMAC-SHA-256 keyed with <paramref name="key"/> (§5.3).</summary>
    public Hash256 Hash(Hash256 key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Hash(key.Bytes);
    }

    /// <summary>H(B0; B1) with a raw 32-byte key.</summary>
    public Hash256 Hash(ReadOnlySpan<byte> key)
    {
        ThrowIfDisposed();
        return ElectionHash.H(key, Written);
    }

    /// <summary>H_q(B0; B1) = H(B0; B1) mod q (eq 132).</summary>
    public ElementModQ HashModQ(Hash256 key)
    {
        ArgumentNullException.ThrowIfNull(key);
        ThrowIfDisposed();
        return ElectionHash.Hq(_group, key.Bytes, Written);
    }

    /// <summary>Wipes the buffer and returns it to the pool.</summary>
    public void Dispose()
    {
        if (_buffer.Length == 0)
        {
            return;
        }

        CryptographicOperations.ZeroMemory(_buffer.AsSpan(0, _length));
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
        _length = 0;
    }

    private Span<byte> Reserve(int count)
    {
        ThrowIfDisposed();
        if (_length + count > _buffer.Length)
        {
            byte[] larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + count));
            _buffer.AsSpan(0, _length).CopyTo(larger);
            CryptographicOperations.ZeroMemory(_buffer.AsSpan(0, _length));
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }

        Span<byte> span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_buffer.Length == 0, this);
}
