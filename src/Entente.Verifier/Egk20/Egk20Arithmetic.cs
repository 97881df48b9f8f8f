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
        element = _memo is null ? Decode(bytes) : _memo.GetOrAdd(MemberLabel, bytes, () => Decode(bytes));
        return element is not null;
    }

    /// <summary>
    /// Membership of many values at once with <see cref="SubgroupBatch"/> (range, Legendre symbol, one
    /// random-exponent test per batch; a failed batch is split so every non-member is found). Values the
    /// verification memo already knows are not checked again; the outcome of the others is remembered.
    /// </summary>
    public CheckedElements CheckAll(IEnumerable<BigInteger> values, int threads)
    {
        Dictionary<BigInteger, ElementModP?> known = [];
        List<BigInteger> pending = [];
        foreach (BigInteger x in values)
        {
            if (known.ContainsKey(x))
            {
                continue;
            }

            if (x.Sign < 0 || x >= P)
            {
                known[x] = null;
            }
            else if (_memo is not null && _memo.TryGet(MemberLabel, Encode(x), out ElementModP? remembered))
            {
                known[x] = remembered;
            }
            else
            {
                known[x] = null;
                pending.Add(x);
            }
        }

        if (pending.Count > 0)
        {
            SubgroupBatchResult result = SubgroupBatch.Check(Group, pending, Math.Max(1, threads));
            for (int i = 0; i < pending.Count; i++)
            {
                ElementModP? element = result.Elements[i];
                known[pending[i]] = element;
                _memo?.GetOrAdd(MemberLabel, Encode(pending[i]), () => element);
            }
        }

        return new CheckedElements(this, known);
    }

    private const string MemberLabel = "Z_p^r member";

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
    public static byte[] Encode(BigInteger x) => Egk20Hash.FixedWidth(x, Group.PByteLength);

    /// <summary>True when the record's integer x is the element e.</summary>
    public static bool Same(ElementModP e, BigInteger x) => x.Sign >= 0 && x < P && e.Encode().AsSpan().SequenceEqual(Encode(x));
}

/// <summary>Values whose membership in Z_p^r was checked together (<see cref="Egk20Arithmetic.CheckAll"/>).</summary>
internal sealed class CheckedElements(Egk20Arithmetic owner, Dictionary<BigInteger, ElementModP?> known)
{
    /// <summary>x as an element of Z_p^r, from the batch when it was in it, else checked alone.</summary>
    public bool TryElement(BigInteger x, [NotNullWhen(true)] out ElementModP? element)
    {
        if (known.TryGetValue(x, out element))
        {
            return element is not null;
        }

        return owner.TryElement(x, out element);
    }
}
