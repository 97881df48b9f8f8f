using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Entente.Cryptography.Arithmetic;

namespace Entente.Cryptography;

/// <summary>
/// An element of the subgroup Z_p^r of order q (ElectionGuard 2.1 §3.1, "x ∈ Z_p^r": 0 ≤ x &lt; p and
/// x^q mod p = 1). Immutable and bound to its <see cref="Cryptography.Group"/>.
/// </summary>
/// <remarks>
/// Every instance is a subgroup member: values from outside enter only through
/// <see cref="Decode(Group, ReadOnlySpan{byte}, string)"/> / <see cref="TryDecode"/> and the hex
/// variants, which check length, range and membership; every operation here preserves membership.
/// That is why <see cref="Inverse"/> can use x^(q−1). Encodings are fixed-width big-endian of
/// <see cref="Group.PByteLength"/> bytes (b(x, l_p) of §5.1.1).
/// <para>
/// Representation: the value as reduced limbs, or in the arithmetic engine's internal (Montgomery) form,
/// or both; each is computed from the other the first time it is needed and then kept. A product whose
/// operand already holds the Montgomery form is computed in that form and stays there, so chains of
/// products (aggregation, a verifier's commitments) pay one Montgomery product per factor and convert
/// out once, when the value is encoded or compared.
/// </para>
/// </remarks>
public sealed class ElementModP : IEquatable<ElementModP>
{
    private ulong[]? _limbs;      // reduced, little-endian, Group.PLimbCount long
    private ulong[]? _internal;   // the engine's Montgomery form, Group.Arithmetic.InternalLength long

    /// <summary>Unchecked: the caller guarantees the value is a reduced subgroup member.</summary>
    internal ElementModP(Group group, ulong[] limbs)
    {
        Debug.Assert(limbs.Length == group.PLimbCount);
        Group = group;
        _limbs = limbs;
    }

    private ElementModP(Group group, ulong[] internalValue, bool isInternal)
    {
        Debug.Assert(isInternal && internalValue.Length == group.Arithmetic.InternalLength);
        Group = group;
        _internal = internalValue;
    }

    /// <summary>Unchecked: wraps an internal (Montgomery form) value of a subgroup member made by the group's engine.</summary>
    internal static ElementModP FromInternal(Group group, ulong[] internalValue) => new(group, internalValue, isInternal: true);

    /// <summary>The group this element belongs to.</summary>
    public Group Group { get; }

    /// <summary>True for the identity element 1.</summary>
    public bool IsOne => LimbArray[0] == 1 && LimbArray.AsSpan(1).IndexOfAnyExcept(0UL) < 0;

    internal ReadOnlySpan<ulong> Limbs => LimbArray;

    /// <summary>Whether the Montgomery form is at hand (a product with this element then stays in that form).</summary>
    internal bool HasInternal => _internal is not null;

    /// <summary>The engine's internal (Montgomery) form, computed once when first asked for.</summary>
    internal ReadOnlySpan<ulong> Internal
    {
        get
        {
            ulong[]? value = Volatile.Read(ref _internal);
            if (value is null)
            {
                value = new ulong[Group.Arithmetic.InternalLength];
                Group.Arithmetic.ToInternal(LimbArray, value);
                value = Interlocked.CompareExchange(ref _internal, value, null) ?? value;
            }

            return value;
        }
    }

    private ulong[] LimbArray
    {
        get
        {
            ulong[]? limbs = Volatile.Read(ref _limbs);
            if (limbs is null)
            {
                limbs = new ulong[Group.PLimbCount];
                Group.Arithmetic.FromInternal(_internal!, limbs);
                limbs = Interlocked.CompareExchange(ref _limbs, limbs, null) ?? limbs;
            }

            return limbs;
        }
    }

    /// <summary>Decodes b(x, l_p): exactly l_p big-endian bytes, x &lt; p, x^q = 1 (so x ≠ 0).</summary>
    /// <exception cref="FormatException">The bytes are not a valid element; the message names <paramref name="field"/>.</exception>
    public static ElementModP Decode(Group group, ReadOnlySpan<byte> encoded, string field)
    {
        ArgumentNullException.ThrowIfNull(group);
        return TryDecodeCore(group, encoded, out ElementModP? element, out string? problem)
            ? element
            : throw new FormatException($"{field}: {problem}");
    }

    /// <summary>Like <see cref="Decode(Group, ReadOnlySpan{byte}, string)"/> but returns false instead of throwing.</summary>
    public static bool TryDecode(Group group, ReadOnlySpan<byte> encoded, [NotNullWhen(true)] out ElementModP? element)
    {
        ArgumentNullException.ThrowIfNull(group);
        return TryDecodeCore(group, encoded, out element, out _);
    }

    /// <summary>Decodes the fixed-width hex form (2·l_p hex digits, either case) with the checks of <see cref="Decode(Group, ReadOnlySpan{byte}, string)"/>.</summary>
    /// <exception cref="FormatException">Not valid hex of the right length, or not a valid element.</exception>
    public static ElementModP DecodeHex(Group group, string hex, string field)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(hex);
        if (hex.Length != 2 * group.PByteLength)
        {
            throw new FormatException($"{field}: expected {2 * group.PByteLength} hex digits, got {hex.Length}.");
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromHexString(hex);
        }
        catch (FormatException)
        {
            throw new FormatException($"{field}: not a hexadecimal string.");
        }

        return Decode(group, bytes, field);
    }

    /// <summary>Like <see cref="DecodeHex"/> but returns false instead of throwing.</summary>
    public static bool TryDecodeHex(Group group, string? hex, [NotNullWhen(true)] out ElementModP? element)
    {
        ArgumentNullException.ThrowIfNull(group);
        element = null;
        if (hex is null || hex.Length != 2 * group.PByteLength)
        {
            return false;
        }

        byte[] bytes = new byte[group.PByteLength];
        return Convert.FromHexString(hex, bytes, out _, out int written) == System.Buffers.OperationStatus.Done
            && written == bytes.Length
            && TryDecode(group, bytes, out element);
    }

    /// <summary>b(x, l_p): the fixed-width big-endian encoding.</summary>
    public byte[] Encode()
    {
        byte[] bytes = new byte[Group.PByteLength];
        WriteBigEndian(LimbArray, bytes);
        return bytes;
    }

    /// <summary>Writes b(x, l_p) into <paramref name="destination"/>, which must be exactly l_p bytes.</summary>
    public void Encode(Span<byte> destination)
    {
        if (destination.Length != Group.PByteLength)
        {
            throw new ArgumentException($"The destination must be exactly {Group.PByteLength} bytes.", nameof(destination));
        }

        WriteBigEndian(LimbArray, destination);
    }

    /// <summary>Uppercase fixed-width hex of b(x, l_p).</summary>
    public string ToHex() => Convert.ToHexString(Encode());

    /// <summary>this · other mod p.</summary>
    /// <remarks>
    /// When either operand holds its Montgomery form, the product is one Montgomery product (the other
    /// operand is converted once and keeps its form) and the result stays in that form; otherwise it is
    /// computed on limbs and returned as limbs.
    /// </remarks>
    public ElementModP Multiply(ElementModP other)
    {
        Group.CheckSameGroup(other);
        IModularArithmetic arithmetic = Group.Arithmetic;
        if (_internal is null && other._internal is null)
        {
            ulong[] result = new ulong[Group.PLimbCount];
            arithmetic.Multiply(LimbArray, other.LimbArray, result);
            return new ElementModP(Group, result);
        }

        ulong[] product = new ulong[arithmetic.InternalLength];
        arithmetic.MultiplyInternal(Internal, other.Internal, product);
        return FromInternal(Group, product);
    }

    /// <summary>this · other mod p.</summary>
    public static ElementModP operator *(ElementModP left, ElementModP right)
    {
        ArgumentNullException.ThrowIfNull(left);
        return left.Multiply(right);
    }

    /// <summary>this / other mod p.</summary>
    public static ElementModP operator /(ElementModP left, ElementModP right)
    {
        ArgumentNullException.ThrowIfNull(left);
        return left.Divide(right);
    }

    /// <summary>this / other = this · other^(q−1) mod p.</summary>
    public ElementModP Divide(ElementModP other)
    {
        Group.CheckSameGroup(other);
        return Multiply(other.Inverse());
    }

    /// <summary>The inverse x^{-1} = x^(q−1) mod p (valid because x^q = 1).</summary>
    public ElementModP Inverse()
    {
        ulong[] qMinusOne = Group.QLimbs.ToArray();
        qMinusOne[0] -= 1; // q is odd, so no borrow
        ulong[] result = new ulong[Group.PLimbCount];
        Group.Arithmetic.Pow(LimbArray, qMinusOne, result);
        return new ElementModP(Group, result);
    }

    /// <summary>this^e mod p for a public exponent.</summary>
    public ElementModP Pow(ElementModQ exponent)
    {
        Group.CheckSameGroup(exponent);
        ulong[] result = new ulong[Group.PLimbCount];
        Group.Arithmetic.Pow(LimbArray, exponent.ExponentLimbs, result);
        return new ElementModP(Group, result);
    }

    /// <summary>this^e mod p in constant time, for a secret exponent (keys, shares, nonces).</summary>
    public ElementModP PowSecret(ElementModQ exponent)
    {
        Group.CheckSameGroup(exponent);
        ulong[] result = new ulong[Group.PLimbCount];
        Group.Arithmetic.PowSecret(LimbArray, exponent.ExponentLimbs, result);
        return new ElementModP(Group, result);
    }

    /// <summary>this^e mod p for a small public exponent (e ≥ 0), e.g. ℓ^j in eq 14 or a ballot weight.</summary>
    public ElementModP Pow(long exponent)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(exponent);
        ulong[] result = new ulong[Group.PLimbCount];
        Group.Arithmetic.Pow(LimbArray, [(ulong)exponent], result);
        return new ElementModP(Group, result);
    }

    /// <summary>
    /// The product of all <paramref name="elements"/> (1 for none), accumulated in Montgomery form: one
    /// Montgomery product per factor, plus one conversion for each factor not already in that form (not kept
    /// in the factor: a tally's ciphertexts are not made larger by being added up). The result stays in
    /// Montgomery form.
    /// </summary>
    public static ElementModP Product(Group group, IEnumerable<ElementModP> elements)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(elements);
        IModularArithmetic arithmetic = group.Arithmetic;
        ulong[]? acc = null;
        ulong[]? converted = null;
        foreach (ElementModP element in elements)
        {
            group.CheckSameGroup(element);
            ReadOnlySpan<ulong> factor;
            if (Volatile.Read(ref element._internal) is ulong[] held)
            {
                factor = held;
            }
            else
            {
                converted ??= new ulong[arithmetic.InternalLength];
                arithmetic.ToInternal(element.LimbArray, converted);
                factor = converted;
            }

            if (acc is null)
            {
                acc = factor.ToArray();
            }
            else
            {
                arithmetic.MultiplyInternal(acc, factor, acc);
            }
        }

        return acc is null ? group.OneModP : FromInternal(group, acc);
    }

    /// <inheritdoc/>
    public bool Equals(ElementModP? other) =>
        other is not null && ReferenceEquals(Group, other.Group) && LimbArray.AsSpan().SequenceEqual(other.LimbArray);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as ElementModP);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Group.Name, LimbArray[0], LimbArray[^1]);

    /// <summary>Short form for diagnostics: the group and the first and last hex digits.</summary>
    public override string ToString()
    {
        string hex = ToHex();
        return hex.Length <= 16
            ? string.Create(CultureInfo.InvariantCulture, $"ElementModP({Group.Name}, {hex})")
            : string.Create(CultureInfo.InvariantCulture, $"ElementModP({Group.Name}, {hex[..8]}…{hex[^8..]})");
    }

    /// <summary>Equality of values of the same group.</summary>
    public static bool operator ==(ElementModP? left, ElementModP? right) => left is null ? right is null : left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(ElementModP? left, ElementModP? right) => !(left == right);

    /// <summary>
    /// Checks range and membership of little-endian limbs and wraps them (used by decoders inside the
    /// assembly that already hold limbs).
    /// </summary>
    internal static bool TryFromLimbs(Group group, ulong[] limbs, [NotNullWhen(true)] out ElementModP? element, out string? problem)
    {
        element = null;
        if (!IsLessThan(limbs, group.PLimbs))
        {
            problem = "the value is not less than p.";
            return false;
        }

        ulong[] power = new ulong[limbs.Length];
        group.Arithmetic.Pow(limbs, group.QLimbs, power);
        if (power[0] != 1 || power.AsSpan(1).IndexOfAnyExcept(0UL) >= 0)
        {
            problem = limbs.AsSpan().IndexOfAnyExcept(0UL) < 0
                ? "the value is zero, which is not in the subgroup of order q."
                : "the value is not in the subgroup of order q (x^q mod p ≠ 1).";
            return false;
        }

        problem = null;
        element = new ElementModP(group, limbs);
        return true;
    }

    internal static void WriteBigEndian(ReadOnlySpan<ulong> limbs, Span<byte> destination)
    {
        int length = destination.Length;
        for (int i = 0; i < length; i++)
        {
            int limb = i / 8;
            int shift = 8 * (i % 8);
            destination[length - 1 - i] = limb < limbs.Length ? unchecked((byte)(limbs[limb] >> shift)) : (byte)0;
        }
    }

    /// <summary>Reads big-endian bytes into little-endian limbs; false if the value needs more limbs.</summary>
    internal static bool TryReadBigEndian(ReadOnlySpan<byte> source, Span<ulong> limbs)
    {
        limbs.Clear();
        int length = source.Length;
        for (int i = 0; i < length; i++)
        {
            byte value = source[length - 1 - i];
            int limb = i / 8;
            if (limb >= limbs.Length)
            {
                if (value != 0)
                {
                    return false;
                }

                continue;
            }

            limbs[limb] |= (ulong)value << (8 * (i % 8));
        }

        return true;
    }

    internal static bool IsLessThan(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b)
    {
        Debug.Assert(a.Length == b.Length);
        for (int i = a.Length - 1; i >= 0; i--)
        {
            if (a[i] != b[i])
            {
                return a[i] < b[i];
            }
        }

        return false;
    }

    private static bool TryDecodeCore(Group group, ReadOnlySpan<byte> encoded, [NotNullWhen(true)] out ElementModP? element, out string? problem)
    {
        element = null;
        if (encoded.Length != group.PByteLength)
        {
            problem = string.Create(CultureInfo.InvariantCulture, $"expected {group.PByteLength} bytes, got {encoded.Length}.");
            return false;
        }

        ulong[] limbs = new ulong[group.PLimbCount];
        if (!TryReadBigEndian(encoded, limbs))
        {
            problem = "the value is not less than p.";
            return false;
        }

        return TryFromLimbs(group, limbs, out element, out problem);
    }
}
