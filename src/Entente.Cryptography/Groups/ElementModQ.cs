using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Entente.Cryptography;

/// <summary>
/// An element of Z_q (0 ≤ x &lt; q), bound to its <see cref="Cryptography.Group"/>. Used for exponents:
/// secret keys, polynomial coefficients, shares, nonces, challenges and responses.
/// </summary>
/// <remarks>
/// Because the same type carries secrets, <see cref="ToString"/> never shows the value, equality is
/// constant time, and the arithmetic (<see cref="Groups.ScalarField"/>) runs in time independent
/// of the values. Use <see cref="ToHex"/> or <see cref="Encode()"/> deliberately to publish a public
/// value (a challenge, a response). Encodings are fixed-width big-endian of
/// <see cref="Group.QByteLength"/> bytes (b(x, l_q) of §5.1.2).
/// </remarks>
public sealed class ElementModQ : IEquatable<ElementModQ>
{
    private readonly ulong[] _limbs;

    /// <summary>Unchecked: the caller guarantees 4 limbs holding a value below q.</summary>
    internal ElementModQ(Group group, ulong[] limbs)
    {
        Debug.Assert(limbs.Length == Groups.ScalarField.Limbs);
        Group = group;
        _limbs = limbs;
    }

    /// <summary>The group whose order q this element is reduced by.</summary>
    public Group Group { get; }

    /// <summary>True for 0 (constant time).</summary>
    public bool IsZero => (_limbs[0] | _limbs[1] | _limbs[2] | _limbs[3]) == 0;

    /// <summary>The limbs that cover q, for the mod-p engine's exponent parameter.</summary>
    internal ReadOnlySpan<ulong> ExponentLimbs => _limbs.AsSpan(0, Group.Scalars.ExponentLimbs);

    internal ReadOnlySpan<ulong> Limbs => _limbs;

    /// <summary>Decodes b(x, l_q): exactly l_q big-endian bytes with x &lt; q.</summary>
    /// <exception cref="FormatException">Wrong length or not below q; the message names <paramref name="field"/> and never the value.</exception>
    public static ElementModQ Decode(Group group, ReadOnlySpan<byte> encoded, string field)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (encoded.Length != group.QByteLength)
        {
            throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"{field}: expected {group.QByteLength} bytes, got {encoded.Length}."));
        }

        return TryDecodeFixedWidth(group, encoded, out ElementModQ? element)
            ? element
            : throw new FormatException($"{field}: the value is not less than q.");
    }

    /// <summary>Like <see cref="Decode(Group, ReadOnlySpan{byte}, string)"/> but returns false instead of throwing.</summary>
    public static bool TryDecode(Group group, ReadOnlySpan<byte> encoded, [NotNullWhen(true)] out ElementModQ? element)
    {
        ArgumentNullException.ThrowIfNull(group);
        element = null;
        return encoded.Length == group.QByteLength && TryDecodeFixedWidth(group, encoded, out element);
    }

    /// <summary>Decodes the fixed-width hex form (2·l_q hex digits) with the checks of <see cref="Decode(Group, ReadOnlySpan{byte}, string)"/>.</summary>
    /// <exception cref="FormatException">Not valid hex of the right length, or not below q.</exception>
    public static ElementModQ DecodeHex(Group group, string hex, string field)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(hex);
        if (hex.Length != 2 * group.QByteLength)
        {
            throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"{field}: expected {2 * group.QByteLength} hex digits, got {hex.Length}."));
        }

        byte[] bytes = new byte[group.QByteLength];
        try
        {
            if (Convert.FromHexString(hex, bytes, out _, out int written) != System.Buffers.OperationStatus.Done || written != bytes.Length)
            {
                throw new FormatException($"{field}: not a hexadecimal string.");
            }

            return Decode(group, bytes, field);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    /// <summary>Like <see cref="DecodeHex"/> but returns false instead of throwing.</summary>
    public static bool TryDecodeHex(Group group, string? hex, [NotNullWhen(true)] out ElementModQ? element)
    {
        ArgumentNullException.ThrowIfNull(group);
        element = null;
        if (hex is null || hex.Length != 2 * group.QByteLength)
        {
            return false;
        }

        byte[] bytes = new byte[group.QByteLength];
        try
        {
            return Convert.FromHexString(hex, bytes, out _, out int written) == System.Buffers.OperationStatus.Done
                && written == bytes.Length
                && TryDecode(group, bytes, out element);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    /// <summary>
    /// Decodes a big-endian integer of any fixed width (for example b(P_i(ℓ), 32) of eq 21, which is
    /// 32 bytes in every group) and checks x &lt; q.
    /// </summary>
    public static bool TryDecodeFixedWidth(Group group, ReadOnlySpan<byte> encoded, [NotNullWhen(true)] out ElementModQ? element)
    {
        ArgumentNullException.ThrowIfNull(group);
        element = null;
        ulong[] limbs = new ulong[Groups.ScalarField.Limbs];
        if (!ElementModP.TryReadBigEndian(encoded, limbs) || !group.Scalars.IsReduced(limbs))
        {
            CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(limbs.AsSpan()));
            return false;
        }

        element = new ElementModQ(group, limbs);
        return true;
    }

    /// <summary>
    /// The integer of the big-endian bytes reduced mod q: H_q of eq 132 applied to a 32-byte hash, or
    /// any value of at most 64 bytes.
    /// </summary>
    public static ElementModQ FromBytesReduced(Group group, ReadOnlySpan<byte> bigEndian)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (bigEndian.Length > 64)
        {
            throw new ArgumentException("At most 64 bytes can be reduced.", nameof(bigEndian));
        }

        Span<ulong> wide = stackalloc ulong[8];
        _ = ElementModP.TryReadBigEndian(bigEndian, wide);
        ulong[] result = new ulong[Groups.ScalarField.Limbs];
        group.Scalars.Reduce512(wide[..4], wide[4..], result);
        wide.Clear();
        return new ElementModQ(group, result);
    }

    /// <summary>The residue of a (possibly negative) integer mod q.</summary>
    public static ElementModQ FromInt64(Group group, long value)
    {
        ArgumentNullException.ThrowIfNull(group);
        ulong magnitude = value < 0 ? (ulong)(-(value + 1)) + 1 : (ulong)value;
        ulong[] limbs = [magnitude, 0, 0, 0];
        ulong[] reduced = new ulong[Groups.ScalarField.Limbs];
        group.Scalars.Reduce256(limbs, reduced);
        if (value < 0)
        {
            group.Scalars.Negate(reduced, reduced);
        }

        return new ElementModQ(group, reduced);
    }

    /// <summary>The residue of a non-negative integer mod q.</summary>
    public static ElementModQ FromBigInteger(Group group, BigInteger value)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentOutOfRangeException.ThrowIfNegative(value.Sign);
        return new ElementModQ(group, Groups.ScalarField.ToLimbs(value % group.Q));
    }

    /// <summary>A uniformly random element of Z_q: 512 bits from <see cref="RandomNumberGenerator"/> reduced mod q (bias below 2^-256).</summary>
    public static ElementModQ Random(Group group)
    {
        ArgumentNullException.ThrowIfNull(group);
        Span<ulong> wide = stackalloc ulong[8];
        try
        {
            RandomNumberGenerator.Fill(MemoryMarshal.AsBytes(wide));
            ulong[] result = new ulong[Groups.ScalarField.Limbs];
            group.Scalars.Reduce512(wide[..4], wide[4..], result);
            return new ElementModQ(group, result);
        }
        finally
        {
            wide.Clear();
        }
    }

    /// <summary>b(x, l_q): the fixed-width big-endian encoding.</summary>
    public byte[] Encode()
    {
        byte[] bytes = new byte[Group.QByteLength];
        ElementModP.WriteBigEndian(_limbs, bytes);
        return bytes;
    }

    /// <summary>
    /// Writes the value big-endian, left-padded with zeros, filling all of <paramref name="destination"/>
    /// (l_q bytes for b(x, l_q); 32 bytes for b(x, 32) of eqs 21 and 37).
    /// </summary>
    public void Encode(Span<byte> destination)
    {
        if (destination.Length < Group.QByteLength)
        {
            throw new ArgumentException($"The destination must be at least {Group.QByteLength} bytes.", nameof(destination));
        }

        ElementModP.WriteBigEndian(_limbs, destination);
    }

    /// <summary>Uppercase fixed-width hex of b(x, l_q). Deliberately explicit: mod-q values may be secrets.</summary>
    public string ToHex() => Convert.ToHexString(Encode());

    /// <summary>The value as a BigInteger (for tests and reports; never for secrets you want wiped).</summary>
    public BigInteger ToBigInteger() => new(MemoryMarshal.AsBytes(_limbs.AsSpan()), isUnsigned: true, isBigEndian: false);

    /// <summary>(this + other) mod q.</summary>
    public ElementModQ Add(ElementModQ other) => Binary(other, static (f, a, b, r) => f.Add(a, b, r));

    /// <summary>(this − other) mod q.</summary>
    public ElementModQ Subtract(ElementModQ other) => Binary(other, static (f, a, b, r) => f.Subtract(a, b, r));

    /// <summary>(this · other) mod q.</summary>
    public ElementModQ Multiply(ElementModQ other) => Binary(other, static (f, a, b, r) => f.Multiply(a, b, r));

    /// <summary>−this mod q.</summary>
    public ElementModQ Negate()
    {
        ulong[] result = new ulong[Groups.ScalarField.Limbs];
        Group.Scalars.Negate(_limbs, result);
        return new ElementModQ(Group, result);
    }

    /// <summary>this^{-1} mod q.</summary>
    /// <exception cref="DivideByZeroException">The value is zero.</exception>
    public ElementModQ Inverse()
    {
        if (IsZero)
        {
            throw new DivideByZeroException("Zero has no inverse mod q.");
        }

        ulong[] result = new ulong[Groups.ScalarField.Limbs];
        Group.Scalars.Invert(_limbs, result);
        return new ElementModQ(Group, result);
    }

    /// <summary>(a + b) mod q.</summary>
    public static ElementModQ operator +(ElementModQ left, ElementModQ right)
    {
        ArgumentNullException.ThrowIfNull(left);
        return left.Add(right);
    }

    /// <summary>(a − b) mod q.</summary>
    public static ElementModQ operator -(ElementModQ left, ElementModQ right)
    {
        ArgumentNullException.ThrowIfNull(left);
        return left.Subtract(right);
    }

    /// <summary>(a · b) mod q.</summary>
    public static ElementModQ operator *(ElementModQ left, ElementModQ right)
    {
        ArgumentNullException.ThrowIfNull(left);
        return left.Multiply(right);
    }

    /// <summary>−a mod q.</summary>
    public static ElementModQ operator -(ElementModQ value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Negate();
    }

    /// <summary>The sum of all <paramref name="values"/> mod q (0 for none).</summary>
    public static ElementModQ Sum(Group group, IEnumerable<ElementModQ> values)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(values);
        ulong[] acc = new ulong[Groups.ScalarField.Limbs];
        foreach (ElementModQ value in values)
        {
            group.CheckSameGroup(value);
            group.Scalars.Add(acc, value._limbs, acc);
        }

        return new ElementModQ(group, acc);
    }

    /// <summary>Constant-time equality (same group and value).</summary>
    public bool Equals(ElementModQ? other) =>
        other is not null && ReferenceEquals(Group, other.Group) && Groups.ScalarField.Equal(_limbs, other._limbs);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as ElementModQ);

    /// <summary>Depends only on the group, so that a hash code never reveals part of a secret.</summary>
    public override int GetHashCode() => Group.Name.GetHashCode(StringComparison.Ordinal);

    /// <summary>Never shows the value: mod-q elements may be secrets. Use <see cref="ToHex"/> for public values.</summary>
    public override string ToString() => $"ElementModQ({Group.Name})";

    /// <summary>Equality.</summary>
    public static bool operator ==(ElementModQ? left, ElementModQ? right) => left is null ? right is null : left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(ElementModQ? left, ElementModQ? right) => !(left == right);

    /// <summary>
    /// Overwrites a secret this caller owns exclusively (a nonce, a share, a polynomial coefficient)
    /// with zero, so that it does not linger in memory; afterwards the element is 0. Only for values
    /// nothing else still uses. The group constants <see cref="Group.ZeroModQ"/> and
    /// <see cref="Group.OneModQ"/> are refused.
    /// </summary>
    /// <exception cref="InvalidOperationException">The element is a group constant.</exception>
    public void Erase()
    {
        if (ReferenceEquals(this, Group.ZeroModQ) || ReferenceEquals(this, Group.OneModQ))
        {
            throw new InvalidOperationException("A group constant cannot be erased.");
        }

        Wipe();
    }

    /// <summary>Zeroes the limbs; only for values this assembly created and owns exclusively.</summary>
    internal void Wipe() => CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(_limbs.AsSpan()));

    private ElementModQ Binary(ElementModQ other, BinaryOperation operation)
    {
        Group.CheckSameGroup(other);
        ulong[] result = new ulong[Groups.ScalarField.Limbs];
        operation(Group.Scalars, _limbs, other._limbs, result);
        return new ElementModQ(Group, result);
    }

    private delegate void BinaryOperation(Groups.ScalarField field, ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, Span<ulong> result);
}
