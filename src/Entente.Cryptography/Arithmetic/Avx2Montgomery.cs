using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Entente.Cryptography.Arithmetic;

/// <summary>
/// Montgomery arithmetic with AVX2, in the style of Gueron and Krasnov ("Software implementation of
/// modular exponentiation, using advanced vector instructions architectures", WAIFI 2012):
/// <list type="bullet">
/// <item>a number is k digits of 27 bits, one per 64-bit lane; VPMULUDQ (<see cref="Avx2.Multiply(Vector256{uint}, Vector256{uint})"/>)
/// multiplies four digit pairs into four 54-bit products at a time;</item>
/// <item>column sums are 64-bit and each column receives at most 2k products of less than 2^54, so
/// for k below 512 (moduli up to 13 000 bits) no carry is handled inside the row loop: only the two lowest columns of each pass are
/// carried (to compute the next Montgomery digits), the rest once at the end;</item>
/// <item>the radix R = 2^(27·k) is above 4m, so operands and results below 2m stay below 2m
/// ("almost Montgomery multiplication", Gueron 2012): no conditional subtraction until the value leaves
/// the engine (<see cref="Export"/> does one, with a mask);</item>
/// <item>two rows (two digits of a, two Montgomery digits) per pass over the accumulator, using a copy
/// of b and of m shifted up by one digit, which halves the loads and stores of the accumulator.</item>
/// </list>
/// Time and memory accesses do not depend on the values. Digits are padded to a multiple of 4 lanes;
/// a fixed-base table stores each digit in 32 bits (half the space) and widens it on load.
/// </summary>
internal sealed unsafe class Avx2Montgomery : MontgomeryEngine
{
    private const int DigitBits = 27;
    private const ulong DigitMask = (1UL << DigitBits) - 1;

    private readonly ulong[] _m;          // the modulus, 64-bit limbs
    private readonly ulong[] _mDigits;    // the modulus, digits, L lanes
    private readonly ulong[] _mShifted;   // the modulus shifted up one digit, L lanes
    private readonly int _k;              // digits (even)
    private readonly int _lanes;          // L: lanes per value, a multiple of 4 above k
    private readonly int _accLength;
    private readonly ulong _digitInverse; // −m⁻¹ mod 2^27

    public Avx2Montgomery(ReadOnlySpan<ulong> modulus)
        : base(modulus)
    {
        if (!IsSupported)
        {
            throw new PlatformNotSupportedException("This CPU has no AVX2.");
        }

        _m = modulus.ToArray();
        int bits = LimbMath.BitLength(modulus);
        int k = (bits + 2 + DigitBits - 1) / DigitBits; // 2^(27k) > 4m
        k += k & 1;                                      // even: rows go in pairs
        _k = k;
        _lanes = (k + 1 + 3) & ~3;
        _accLength = ((2 * k) + 4 + 3) & ~3;
        Debug.Assert(_accLength >= k - 2 + _lanes);
        _digitInverse = NegInverse & DigitMask;
        _mDigits = new ulong[_lanes];
        ToDigits(modulus, _mDigits);
        _mShifted = new ulong[_lanes];
        _mDigits.AsSpan(0, _lanes - 1).CopyTo(_mShifted.AsSpan(1));
        InitializeConstants();
    }

    /// <summary>Whether this CPU can run the engine.</summary>
    public static bool IsSupported => Avx2.IsSupported;

    public override string EngineName => "avx2";

    /// <summary>Number of 27-bit digits (for tests and reports).</summary>
    public int Digits => _k;

    protected override int Width => _lanes;

    // The column accumulator, then b shifted up one digit.
    protected override int ScratchLength => _accLength + _lanes;

    protected override int StoredWidth => _lanes / 2;

    protected override int RadixBits => DigitBits * _k;

    protected override void Import(ReadOnlySpan<ulong> limbs, Span<ulong> value) => ToDigits(limbs, value[.._lanes]);

    protected override void Export(ReadOnlySpan<ulong> value, Span<ulong> limbs)
    {
        int n = LimbCount;
        Span<ulong> packed = stackalloc ulong[MaxLimbs + 4];
        packed.Clear();
        unchecked
        {
            for (int j = 0; j < _k; j++)
            {
                ulong digit = value[j];
                Debug.Assert(digit <= DigitMask);
                int bit = j * DigitBits;
                int limb = bit >> 6;
                int shift = bit & 63;
                packed[limb] |= digit << shift;
                if (shift > 64 - DigitBits)
                {
                    packed[limb + 1] |= digit >> (64 - shift);
                }
            }
        }

        // value < 2m, so everything above limb n − 1 fits the one word packed[n].
        Debug.Assert(!packed[(n + 1)..].ContainsAnyExcept(0UL));
        Span<ulong> difference = stackalloc ulong[MaxLimbs];
        LimbMath.ConditionalSubtract(packed[..n], packed[n], _m, difference[..n]);
        packed[..n].CopyTo(limbs);
        Wipe(packed);
        Wipe(difference[..n]);
    }

    protected override void Store(ReadOnlySpan<ulong> value, Span<ulong> stored)
    {
        Span<uint> digits = MemoryMarshal.Cast<ulong, uint>(stored[..StoredWidth]);
        for (int j = 0; j < _lanes; j++)
        {
            digits[j] = (uint)value[j];
        }
    }

    protected override void Load(ReadOnlySpan<ulong> stored, Span<ulong> value)
    {
        Debug.Assert(stored.Length >= StoredWidth && value.Length >= _lanes);
        fixed (ulong* source = stored)
        fixed (ulong* destination = value)
        {
            uint* digits = (uint*)source;
            for (int j = 0; j < _lanes; j += 4)
            {
                Avx.Store(destination + j, Avx2.ConvertToVector256Int64(Sse2.LoadVector128(digits + j)).AsUInt64());
            }
        }
    }

    protected override void MontSqr(ReadOnlySpan<ulong> a, Span<ulong> r, Span<ulong> scratch) => MontMul(a, a, r, scratch);

    protected override void MontMul(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, Span<ulong> r, Span<ulong> scratch)
    {
        int k = _k;
        int lanes = _lanes;
        Debug.Assert(a.Length >= lanes && b.Length >= lanes && r.Length >= lanes && scratch.Length >= ScratchLength);
        Span<ulong> acc = scratch[.._accLength];
        Span<ulong> bShifted = scratch.Slice(_accLength, lanes);
        acc.Clear();
        bShifted[0] = 0;
        b[..(lanes - 1)].CopyTo(bShifted[1..]);
        ulong inverse = _digitInverse;

        unchecked
        {
            fixed (ulong* pAcc = acc)
            fixed (ulong* pA = a)
            fixed (ulong* pB = b)
            fixed (ulong* pBs = bShifted)
            fixed (ulong* pM = _mDigits)
            fixed (ulong* pMs = _mShifted)
            {
                ulong b0 = pB[0], b1 = pB[1], m0 = pM[0], m1 = pM[1];
                for (int i = 0; i < k; i += 2)
                {
                    ulong* column = pAcc + i;
                    ulong a0 = pA[i];
                    ulong a1 = pA[i + 1];

                    // Montgomery digits of the two rows: q0 clears column i, q1 clears column i + 1
                    // (after the carry out of column i).
                    ulong t0 = column[0] + (a0 * b0);
                    ulong q0 = ((t0 & DigitMask) * inverse) & DigitMask;
                    ulong carry = (t0 + (q0 * m0)) >> DigitBits;
                    ulong t1 = column[1] + (a0 * b1) + (q0 * m1) + carry + (a1 * b0);
                    ulong q1 = ((t1 & DigitMask) * inverse) & DigitMask;

                    Vector256<uint> va0 = Vector256.Create(a0).AsUInt32();
                    Vector256<uint> vq0 = Vector256.Create(q0).AsUInt32();
                    Vector256<uint> va1 = Vector256.Create(a1).AsUInt32();
                    Vector256<uint> vq1 = Vector256.Create(q1).AsUInt32();
                    for (int v = 0; v < lanes; v += 4)
                    {
                        Vector256<ulong> sum = Avx.LoadVector256(column + v);
                        sum = Avx2.Add(sum, Avx2.Multiply(va0, Avx.LoadVector256(pB + v).AsUInt32()));
                        sum = Avx2.Add(sum, Avx2.Multiply(vq0, Avx.LoadVector256(pM + v).AsUInt32()));
                        sum = Avx2.Add(sum, Avx2.Multiply(va1, Avx.LoadVector256(pBs + v).AsUInt32()));
                        sum = Avx2.Add(sum, Avx2.Multiply(vq1, Avx.LoadVector256(pMs + v).AsUInt32()));
                        Avx.Store(column + v, sum);
                    }

                    Debug.Assert((column[0] & DigitMask) == 0);
                    column[1] += column[0] >> DigitBits;
                    Debug.Assert((column[1] & DigitMask) == 0);
                    column[2] += column[1] >> DigitBits;
                }

                // The result is columns k .. 2k − 1: carry them once into 27-bit digits.
                ulong c = 0;
                for (int j = 0; j < k; j++)
                {
                    ulong x = pAcc[k + j] + c;
                    r[j] = x & DigitMask;
                    c = x >> DigitBits;
                }

                Debug.Assert(c == 0);
            }
        }

        r[k..lanes].Clear();
    }

    /// <summary>Splits limbs into 27-bit digits; digits beyond the value are zero.</summary>
    private void ToDigits(ReadOnlySpan<ulong> limbs, Span<ulong> digits)
    {
        int n = limbs.Length;
        digits.Clear();
        for (int j = 0; j < _k; j++)
        {
            int bit = j * DigitBits;
            int limb = bit >> 6;
            int shift = bit & 63;
            ulong digit = limb < n ? limbs[limb] >> shift : 0;
            if (shift > 64 - DigitBits && limb + 1 < n)
            {
                digit |= limbs[limb + 1] << (64 - shift);
            }

            digits[j] = digit & DigitMask;
        }
    }
}
