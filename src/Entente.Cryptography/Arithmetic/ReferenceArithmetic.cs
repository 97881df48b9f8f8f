using System.Diagnostics;
using System.Numerics;
using System.Runtime.InteropServices;

namespace Entente.Cryptography.Arithmetic;

/// <summary>
/// The reference engine: System.Numerics.BigInteger.ModPow. Slow and not constant time; it is the
/// yardstick the fast engines are checked against and the fallback for moduli they do not handle.
/// </summary>
internal sealed class ReferenceArithmetic : IModularArithmetic
{
    private readonly ulong[] _modulus;
    private readonly BigInteger _m;

    public ReferenceArithmetic(ReadOnlySpan<ulong> modulus)
    {
        if (modulus.IsEmpty || (modulus[0] & 1) == 0)
        {
            throw new ArgumentException("The modulus must be odd and non-empty.", nameof(modulus));
        }

        _modulus = modulus.ToArray();
        _m = ToBigInteger(modulus);
    }

    public int LimbCount => _modulus.Length;

    public ReadOnlySpan<ulong> Modulus => _modulus;

    public string EngineName => "reference";

    /// <summary>The internal form is the number itself.</summary>
    public int InternalLength => _modulus.Length;

    public void ToInternal(ReadOnlySpan<ulong> limbs, Span<ulong> value) => limbs.CopyTo(value);

    public void FromInternal(ReadOnlySpan<ulong> value, Span<ulong> limbs) => value[..limbs.Length].CopyTo(limbs);

    public void MultiplyInternal(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, Span<ulong> result) => Multiply(a, b, result);

    public void ProductInternal(ReadOnlySpan<ulong> values, Span<ulong> result)
    {
        int limbs = _modulus.Length;
        BigInteger product = BigInteger.One;
        for (int k = 0; k < values.Length; k += limbs)
        {
            product = product * ToBigInteger(values.Slice(k, limbs)) % _m;
        }

        FromBigInteger(product % _m, result);
    }

    public void Multiply(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, Span<ulong> result)
        => FromBigInteger(ToBigInteger(a) * ToBigInteger(b) % _m, result);

    public void Pow(ReadOnlySpan<ulong> baseValue, ReadOnlySpan<ulong> exponent, Span<ulong> result)
        => FromBigInteger(BigInteger.ModPow(ToBigInteger(baseValue), ToBigInteger(exponent), _m), result);

    public void PowSecret(ReadOnlySpan<ulong> baseValue, ReadOnlySpan<ulong> exponent, Span<ulong> result)
        => Pow(baseValue, exponent, result);

    public void PowProduct(ReadOnlySpan<ulong> b1, ReadOnlySpan<ulong> e1, ReadOnlySpan<ulong> b2, ReadOnlySpan<ulong> e2, Span<ulong> result)
    {
        BigInteger x = BigInteger.ModPow(ToBigInteger(b1), ToBigInteger(e1), _m);
        BigInteger y = BigInteger.ModPow(ToBigInteger(b2), ToBigInteger(e2), _m);
        FromBigInteger(x * y % _m, result);
    }

    public void MultiPowSmall(ReadOnlySpan<ulong> bases, ReadOnlySpan<ulong> exponents, Span<ulong> result)
    {
        int limbs = _modulus.Length;
        BigInteger product = BigInteger.One;
        for (int i = 0; i < exponents.Length; i++)
        {
            product = product * BigInteger.ModPow(ToBigInteger(bases.Slice(i * limbs, limbs)), exponents[i], _m) % _m;
        }

        FromBigInteger(product % _m, result);
    }

    public void PowMany(ReadOnlySpan<ulong> baseValue, ReadOnlySpan<ulong> exponents, int exponentLimbs, Span<ulong> results)
    {
        int limbs = _modulus.Length;
        for (int k = 0; k < exponents.Length / exponentLimbs; k++)
        {
            Pow(baseValue, exponents.Slice(k * exponentLimbs, exponentLimbs), results.Slice(k * limbs, limbs));
        }
    }

    public IFixedBaseTable CreateFixedBaseTable(ReadOnlySpan<ulong> baseValue, int maxExponentBits)
        => new Table(this, baseValue.ToArray(), maxExponentBits);

    /// <summary>Little-endian limbs to a non-negative BigInteger.</summary>
    public static BigInteger ToBigInteger(ReadOnlySpan<ulong> limbs)
        => new(MemoryMarshal.AsBytes(limbs), isUnsigned: true, isBigEndian: false);

    /// <summary>A non-negative BigInteger to little-endian limbs, zero-padded to the destination length.</summary>
    public static void FromBigInteger(BigInteger value, Span<ulong> destination)
    {
        Debug.Assert(value.Sign >= 0);
        destination.Clear();
        Span<byte> bytes = MemoryMarshal.AsBytes(destination);
        if (!value.TryWriteBytes(bytes, out _, isUnsigned: true, isBigEndian: false))
        {
            throw new UnreachableException("Value does not fit the destination limbs.");
        }
    }

    /// <summary>The number of exponentiations of a batch; throws when the spans do not match.</summary>
    internal static int BatchCount(ReadOnlySpan<ulong> exponents, int exponentLength, Span<ulong> results, int limbCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(exponentLength, 1);
        int count = results.Length / limbCount;
        if (results.Length != count * limbCount || exponents.Length != count * exponentLength)
        {
            throw new ArgumentException("A batch needs exactly one exponent of exponentLength limbs per result of LimbCount limbs.", nameof(results));
        }

        return count;
    }

    private sealed class Table(ReferenceArithmetic owner, ulong[] baseValue, int maxExponentBits) : IFixedBaseTable
    {
        public int MaxExponentBits => maxExponentBits;

        public long TableBytes => baseValue.Length * sizeof(ulong);

        public void Pow(ReadOnlySpan<ulong> exponent, Span<ulong> result)
        {
            CheckLength(exponent);
            owner.Pow(baseValue, exponent, result);
        }

        public void PowSecret(ReadOnlySpan<ulong> exponent, Span<ulong> result)
        {
            CheckLength(exponent);
            owner.Pow(baseValue, exponent, result);
        }

        public void PowSecretBatch(ReadOnlySpan<ulong> exponents, int exponentLength, Span<ulong> results)
        {
            int limbs = owner.LimbCount;
            int count = BatchCount(exponents, exponentLength, results, limbs);
            for (int n = 0; n < count; n++)
            {
                PowSecret(exponents.Slice(n * exponentLength, exponentLength), results.Slice(n * limbs, limbs));
            }
        }

        private void CheckLength(ReadOnlySpan<ulong> exponent)
        {
            if (LimbMath.HasBitsFrom(exponent, maxExponentBits))
            {
                throw new ArgumentOutOfRangeException(nameof(exponent), $"The exponent is longer than the {maxExponentBits} bits this table was built for.");
            }
        }
    }
}
