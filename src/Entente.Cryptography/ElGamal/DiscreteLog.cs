namespace Entente.Cryptography;

/// <summary>
/// Discrete logarithms of small exponents for a fixed base (K for tallies, T = K^t; §3.6.3 and
/// footnote 47): t with base^t = value and 0 ≤ t ≤ <see cref="MaxExponent"/>.
/// </summary>
/// <remarks>
/// Baby-step giant-step with m = ⌈√(MaxExponent + 1)⌉ baby steps. The baby-step table (a map from a
/// 64-bit fingerprint of base^j to j) is filled lazily: small results, the usual case for a tally,
/// are found while the table is still short, and the giant steps (value · base^(−m·i)) start only once
/// it is complete. Every candidate is confirmed by one exponentiation, so a fingerprint collision
/// cannot give a wrong answer. Thread-safe. The default bound 2^32 needs 65 536 table entries
/// (about 2 MiB).
/// </remarks>
public sealed class DiscreteLog
{
    private readonly Lock _lock = new();
    private readonly Dictionary<ulong, int> _babySteps = [];
    private readonly int _stepCount;
    private ElementModP _nextBabyStep;
    private int _built;
    private ElementModP? _giantStep;

    /// <summary>A solver for <paramref name="baseElement"/> up to <paramref name="maxExponent"/> (at most 2^40).</summary>
    public DiscreteLog(ElementModP baseElement, long maxExponent = uint.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(baseElement);
        ArgumentOutOfRangeException.ThrowIfNegative(maxExponent);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxExponent, 1L << 40);
        if (baseElement.IsOne)
        {
            throw new ArgumentException("The base must not be 1.", nameof(baseElement));
        }

        Base = baseElement;
        MaxExponent = maxExponent;
        _stepCount = (int)Math.Ceiling(Math.Sqrt(maxExponent + 1.0));
        _nextBabyStep = baseElement.Group.OneModP;
    }

    /// <summary>The base.</summary>
    public ElementModP Base { get; }

    /// <summary>The largest exponent searched.</summary>
    public long MaxExponent { get; }

    /// <summary>A solver for the plaintexts of a public key (base K).</summary>
    public static DiscreteLog ForKey(ElGamalPublicKey publicKey, long maxExponent = uint.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        return new DiscreteLog(publicKey.Key, maxExponent);
    }

    /// <summary>Finds t with base^t = value, 0 ≤ t ≤ MaxExponent; false when there is none in range.</summary>
    public bool TryFind(ElementModP value, out long exponent)
    {
        Base.Group.CheckSameGroup(value);
        lock (_lock)
        {
            // Phase 1: the already built part of the table, then extend it step by step.
            if (TryLookUp(value, 0, value, out exponent))
            {
                return true;
            }

            while (_built < _stepCount)
            {
                ElementModP current = _nextBabyStep;
                int j = _built;
                _babySteps.TryAdd(Fingerprint(current), j);
                _nextBabyStep = current.Multiply(Base);
                _built++;
                if (current.Equals(value))
                {
                    exponent = j;
                    return exponent <= MaxExponent;
                }
            }

            // Phase 2: giant steps value · base^(−m·i), i ≥ 1.
            _giantStep ??= Base.Pow(_stepCount).Inverse();
            ElementModP y = value;
            long giantSteps = (MaxExponent / _stepCount) + 1;
            for (long i = 1; i <= giantSteps; i++)
            {
                y = y.Multiply(_giantStep);
                if (TryLookUp(y, i * _stepCount, value, out exponent))
                {
                    return true;
                }
            }
        }

        exponent = 0;
        return false;
    }

    private bool TryLookUp(ElementModP y, long offset, ElementModP value, out long exponent)
    {
        exponent = 0;
        if (!_babySteps.TryGetValue(Fingerprint(y), out int j))
        {
            return false;
        }

        long candidate = offset + j;
        if (candidate > MaxExponent || !Base.Pow(candidate).Equals(value))
        {
            return false;
        }

        exponent = candidate;
        return true;
    }

    private static ulong Fingerprint(ElementModP element) => unchecked(element.Limbs[0] ^ (element.Limbs[^1] * 0x9E3779B97F4A7C15UL));
}
