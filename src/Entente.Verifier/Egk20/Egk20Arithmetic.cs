using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using Entente.Cryptography;
using Entente.Verifier.Framework;

namespace Entente.Verifier.Egk20;

/// <summary>
/// The arithmetic the 2.0 verification equations need, on the standard group of
/// <see cref="Entente.Cryptography"/> (shared primitives only: elements, fixed-base tables,
/// exponentiation): subgroup membership of values read from the record, g^a·h^b and K^a·h^b with
/// the fixed-base tables of g and K, and simultaneous products x^a·y^b.
/// </summary>
internal sealed class Egk20Arithmetic
{
    private readonly ElGamalPublicKey? _k;
    private readonly VerificationMemo? _memo;

    public Egk20Arithmetic(BigInteger jointKey, VerificationMemo? memo)
    {
        _memo = memo;
        if (TryElement(jointKey, out ElementModP? k) && !k.IsOne)
        {
            K = k;
            _k = new ElGamalPublicKey(k);
        }
    }

    public static Group Group => Group.Standard;

    public static BigInteger P => Group.P;

    public static BigInteger Q => Group.Q;

    /// <summary>The joint key K, or null when the record's K is not a valid element other than 1.</summary>
    public ElementModP? K { get; }

    /// <summary>x as an element of Z_p^r: 0 ≤ x &lt; p and x^q mod p = 1 (one exponentiation).</summary>
    public bool TryElement(BigInteger x, [NotNullWhen(true)] out ElementModP? element)
    {
        element = null;
        if (x.Sign < 0 || x >= P)
        {
            return false;
        }

        byte[] bytes = Encode(x);
        element = _memo is null ? Decode(bytes) : _memo.GetOrAdd("Z_p^r member", bytes, () => Decode(bytes));
        return element is not null;
    }

    private static ElementModP? Decode(byte[] bytes) => ElementModP.TryDecode(Group, bytes, out ElementModP? element) ? element : null;

    /// <summary>
    /// The outcome of an expensive pure computation, remembered in the verification memo (when one
    /// is given) under a label and every input it depends on.
    /// </summary>
    public T Remember<T>(string label, Func<byte[]> inputs, Func<T> compute)
        => _memo is null ? compute() : _memo.GetOrAdd(label, inputs(), compute);

    /// <summary>x mod q as an exponent (the bases are subgroup elements, so only x mod q matters).</summary>
    public static ElementModQ Exponent(BigInteger x) => ElementModQ.FromBigInteger(Group, x);

    /// <summary>g^a · h^b, g^a from the fixed-base table of g.</summary>
    public static ElementModP GPowTimes(ElementModQ a, ElementModP h, ElementModQ b) => Group.GPow(a) * h.Pow(b);

    /// <summary>K^a · h^b, K^a from the fixed-base table of K.</summary>
    public ElementModP KPowTimes(ElementModQ a, ElementModP h, ElementModQ b) => KPow(a) * h.Pow(b);

    /// <summary>K^a from the fixed-base table of K.</summary>
    public ElementModP KPow(ElementModQ a) => (_k ?? throw new InvalidOperationException("The joint key is not valid.")).Pow(a);

    /// <summary>x^a · y^b (simultaneous exponentiation).</summary>
    public static ElementModP PowProduct(ElementModP x, ElementModQ a, ElementModP y, ElementModQ b) => Group.PowProduct(x, a, y, b);

    /// <summary>b(x, l_p): the fixed-width big-endian encoding of a non-negative x &lt; 2^(8·l_p).</summary>
    public static byte[] Encode(BigInteger x)
    {
        byte[] bytes = new byte[Group.PByteLength];
        int length = x.GetByteCount(isUnsigned: true);
        if (x.Sign < 0 || length > bytes.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(x), "The value does not fit l_p bytes.");
        }

        x.TryWriteBytes(bytes.AsSpan(bytes.Length - length), out _, isUnsigned: true, isBigEndian: true);
        return bytes;
    }

    /// <summary>True when the record's integer x is the element e.</summary>
    public static bool Same(ElementModP e, BigInteger x) => x.Sign >= 0 && x < P && e.Encode().AsSpan().SequenceEqual(Encode(x));
}
