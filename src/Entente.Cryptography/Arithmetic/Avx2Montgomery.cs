using System.Diagnostics;
using System.Runtime.CompilerServices;
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
/// for k below 512 (moduli up to 13 000 bits) no carry is handled inside the row loop: the carry out
/// of the lowest columns of each pass is kept in a register, the rest is carried once at the end;</item>
/// <item>the radix R = 2^(27·k) is above 4m, so operands and results below 2m stay below 2m
/// ("almost Montgomery multiplication", Gueron 2012): no conditional subtraction until the value leaves
/// the engine (<see cref="DigitMontgomery.Export"/> does one, with a mask);</item>
/// <item>several rows per pass over the accumulator (four digits of a and four Montgomery digits,
/// against copies of b and m shifted up by 0 to 3 digits). Four rather than two: the accumulator then
/// moves by one whole vector per pass, so every load reads exactly what one earlier store wrote
/// (store forwarding works; with two rows per pass, loads straddle two stores and stall), and the
/// accumulator is loaded and stored a quarter as often.</item>
/// </list>
/// Time and memory accesses do not depend on the values. Digits are padded to a multiple of 4 lanes;
/// a fixed-base table stores each digit in 32 bits (half the space) and widens it on load.
/// </summary>
internal sealed unsafe class Avx2Montgomery : DigitMontgomery
{
    private const int RowsPerPass = 4;

    private readonly ulong[] _mShifts;      // pinned: m shifted up by 0, 1, 2, 3 digits, interleaved by blocks of 4 lanes (see Interleave)
    private readonly int _mOffset;          // index of the 32-byte aligned start in _mShifts
    private readonly int _accLength;

    public Avx2Montgomery(ReadOnlySpan<ulong> modulus)
        : base(modulus, RowsPerPass, 4)
    {
        if (!IsSupported)
        {
            throw new PlatformNotSupportedException("This CPU has no AVX2.");
        }

        _accLength = Digits + Lanes + 4;

        _mShifts = GC.AllocateArray<ulong>((RowsPerPass * Lanes) + 4, pinned: true);
        fixed (ulong* p = _mShifts)
        {
            _mOffset = (int)((((nuint)p + 31) & ~(nuint)31) - (nuint)p) / sizeof(ulong);
        }

        ulong[] digits = new ulong[Lanes];
        ToDigits(modulus, digits);
        Interleave(digits, _mShifts.AsSpan(_mOffset, RowsPerPass * Lanes), RowsPerPass, 4);

        InitializeConstants();
    }

    /// <summary>Whether this CPU can run the engine.</summary>
    public static bool IsSupported => Avx2.IsSupported;

    public override string EngineName => "avx2";

    // Alignment slack, the column accumulator, b shifted up by 0, 1, 2, 3 digits, b with zero padding.
    protected override int ScratchLength => 4 + _accLength + (RowsPerPass * Lanes) + 4 + Lanes;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Load(ReadOnlySpan<ulong> stored, Span<ulong> value)
    {
        Debug.Assert(stored.Length >= StoredWidth && value.Length >= Lanes);
        fixed (ulong* source = stored)
        fixed (ulong* destination = value)
        {
            uint* digits = (uint*)source;
            for (int j = 0; j < Lanes; j += 4)
            {
                Avx.Store(destination + j, Avx2.ConvertToVector256Int64(Sse2.LoadVector128(digits + j)).AsUInt64());
            }
        }
    }

    /// <summary>
    /// r = a²·R⁻¹. First the square, each cross product once: rows of a against 2a, four rows per pass;
    /// the eight lowest columns of a pass (where the rows start at different places) in scalar code,
    /// the rest in whole vectors. Then the reduction alone, four Montgomery digits per pass. A quarter
    /// fewer digit products than <see cref="MontMul"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void MontSqr(ReadOnlySpan<ulong> a, Span<ulong> r, Span<ulong> scratch)
    {
        int k = Digits;
        int lanes = Lanes;
        Debug.Assert(a.Length >= lanes && r.Length >= lanes && scratch.Length >= ScratchLength);
        ulong inverse = DigitInverse;

        unchecked
        {
            fixed (ulong* pScratch = scratch)
            fixed (ulong* pA = a)
            fixed (ulong* pR = r)
            fixed (ulong* pMArray = _mShifts)
            {
                ulong* pAcc = (ulong*)(((nuint)pScratch + 31) & ~(nuint)31);
                ulong* pD = pAcc + _accLength;          // 2a shifted by 0..3 digits, interleaved
                ulong* pM = pMArray + _mOffset;
                new Span<ulong>(pAcc, _accLength).Clear();

                // 2a, with four zero lanes below it, then its four shifts.
                ulong* pDoubled = pD + (RowsPerPass * lanes);
                Avx.StoreAligned(pDoubled, Vector256<ulong>.Zero);
                for (int j = 0; j < lanes; j += 4)
                {
                    Avx.StoreAligned(pDoubled + 4 + j, Avx2.ShiftLeftLogical(Avx.LoadVector256(pA + j), 1));
                }

                WriteShifts(pDoubled + 4, pD, lanes);

                ulong* d = pDoubled + 4; // d[j] = 2·a[j], zero from k on
                for (int i = 0; i < k; i += RowsPerPass)
                {
                    ulong a0 = pA[i], a1 = pA[i + 1], a2 = pA[i + 2], a3 = pA[i + 3];

                    // Columns 2i .. 2i+7: row i+s holds a_(i+s)² at 2(i+s) and a_(i+s)·2a_j for j > i+s.
                    ulong* low = pAcc + (2 * i);
                    low[0] += a0 * a0;
                    low[1] += a0 * d[i + 1];
                    low[2] += (a0 * d[i + 2]) + (a1 * a1);
                    low[3] += (a0 * d[i + 3]) + (a1 * d[i + 2]);
                    low[4] += (a0 * d[i + 4]) + (a1 * d[i + 3]) + (a2 * a2);
                    low[5] += (a0 * d[i + 5]) + (a1 * d[i + 4]) + (a2 * d[i + 3]);
                    low[6] += (a0 * d[i + 6]) + (a1 * d[i + 5]) + (a2 * d[i + 4]) + (a3 * a3);
                    low[7] += (a0 * d[i + 7]) + (a1 * d[i + 6]) + (a2 * d[i + 5]) + (a3 * d[i + 4]);

                    // Columns from 2i + 8 on: whole vectors, every lane a cross product.
                    Vector256<uint> va0 = Vector256.Create(a0).AsUInt32();
                    Vector256<uint> va1 = Vector256.Create(a1).AsUInt32();
                    Vector256<uint> va2 = Vector256.Create(a2).AsUInt32();
                    Vector256<uint> va3 = Vector256.Create(a3).AsUInt32();
                    ulong* end = pAcc + i + lanes;
                    ulong* pd = pD + (4 * (i + 8));
                    for (ulong* c = low + 8; c < end; c += 4, pd += 16)
                    {
                        Vector256<ulong> s0 = Avx2.Add(
                            Avx2.Multiply(va0, Avx.LoadAlignedVector256(pd).AsUInt32()),
                            Avx2.Multiply(va1, Avx.LoadAlignedVector256(pd + 4).AsUInt32()));
                        Vector256<ulong> s1 = Avx2.Add(
                            Avx2.Multiply(va2, Avx.LoadAlignedVector256(pd + 8).AsUInt32()),
                            Avx2.Multiply(va3, Avx.LoadAlignedVector256(pd + 12).AsUInt32()));
                        Avx.StoreAligned(c, Avx2.Add(Avx.LoadAlignedVector256(c), Avx2.Add(s0, s1)));
                    }
                }

                // Reduction: four Montgomery digits per pass, the next pass's digits computed right
                // after the first block (software pipelining, as in MontMul).
                ulong m0 = pM[0], m1 = pM[1], m2 = pM[2], m3 = pM[3];
                ulong carry = 0;
                NextDigits(pAcc[0], pAcc[1], pAcc[2], pAcc[3], ref carry, 0, 0, 0, 0, 0, 0, 0, 0, m0, m1, m2, m3, inverse, out ulong q0, out ulong q1, out ulong q2, out ulong q3);
                for (int i = 0; i < k; i += RowsPerPass)
                {
                    ulong* column = pAcc + i;
                    Vector256<uint> vq0 = Vector256.Create(q0).AsUInt32();
                    Vector256<uint> vq1 = Vector256.Create(q1).AsUInt32();
                    Vector256<uint> vq2 = Vector256.Create(q2).AsUInt32();
                    Vector256<uint> vq3 = Vector256.Create(q3).AsUInt32();
                    ulong* c = column + 4;
                    ulong* end = column + lanes;
                    ulong* pm = pM + 16;
                    Vector256<ulong> first = ReduceBlock(c, pm, vq0, vq1, vq2, vq3);
                    if (i + RowsPerPass < k)
                    {
                        NextDigits(
                            first.GetElement(0), first.GetElement(1), first.GetElement(2), first.GetElement(3), ref carry,
                            0, 0, 0, 0, 0, 0, 0, 0, m0, m1, m2, m3, inverse, out q0, out q1, out q2, out q3);
                    }

                    for (c += 4, pm += 16; c < end; c += 4, pm += 16)
                    {
                        ReduceBlock(c, pm, vq0, vq1, vq2, vq3);
                    }
                }

                Normalize(pAcc + k, carry, pR, lanes);
            }
        }
    }

    /// <summary>
    /// r = the columns plus the carry into the lowest, as digits below 2^27 + 2^10: two rounds of
    /// "keep the low 27 bits, add what the lane below carries out", each done on whole vectors.
    /// The value is unchanged and below 2^(27k), so nothing leaves the top. Digits this close to
    /// 27 bits keep every column sum of the next multiplication below 2^64 (2k products of less than
    /// 2^54.0001); <see cref="DigitMontgomery.Export"/> finishes the carrying.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Normalize(ulong* columns, ulong carry, ulong* r, int lanes)
    {
        unchecked
        {
            Vector256<ulong> mask = Vector256.Create(DigitMask);
            Vector256<ulong> below = Vector256.Create(carry, 0, 0, 0); // lane 0: what comes from below
            for (int j = 0; j < lanes; j += 4)
            {
                Vector256<ulong> x = Avx.LoadAlignedVector256(columns + j);
                Vector256<ulong> up = Avx2.Permute4x64(Avx2.ShiftRightLogical(x, DigitBits), 0b10_01_00_11); // [h3, h0, h1, h2]
                Vector256<ulong> shifted = Avx2.Blend(up.AsUInt32(), below.AsUInt32(), 0b0000_0011).AsUInt64();
                Avx.Store(r + j, Avx2.Add(Avx2.And(x, mask), shifted));
                below = up;
            }

            below = Vector256<ulong>.Zero;
            for (int j = 0; j < lanes; j += 4)
            {
                Vector256<ulong> x = Avx.LoadVector256(r + j);
                Vector256<ulong> up = Avx2.Permute4x64(Avx2.ShiftRightLogical(x, DigitBits), 0b10_01_00_11);
                Vector256<ulong> shifted = Avx2.Blend(up.AsUInt32(), below.AsUInt32(), 0b0000_0011).AsUInt64();
                Avx.Store(r + j, Avx2.Add(Avx2.And(x, mask), shifted));
                below = up;
            }
        }
    }

    /// <summary>column[0..3] += the 4 lanes of q_s·m_(j−s) for s = 0..3; returns the new value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> ReduceBlock(ulong* column, ulong* pm, Vector256<uint> vq0, Vector256<uint> vq1, Vector256<uint> vq2, Vector256<uint> vq3)
    {
        unchecked
        {
            Vector256<ulong> s0 = Avx2.Add(
                Avx2.Multiply(vq0, Avx.LoadAlignedVector256(pm).AsUInt32()),
                Avx2.Multiply(vq1, Avx.LoadAlignedVector256(pm + 4).AsUInt32()));
            Vector256<ulong> s1 = Avx2.Add(
                Avx2.Multiply(vq2, Avx.LoadAlignedVector256(pm + 8).AsUInt32()),
                Avx2.Multiply(vq3, Avx.LoadAlignedVector256(pm + 12).AsUInt32()));
            Vector256<ulong> sum = Avx2.Add(Avx.LoadAlignedVector256(column), Avx2.Add(s0, s1));
            Avx.StoreAligned(column, sum);
            return sum;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void MontMul(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, Span<ulong> r, Span<ulong> scratch)
    {
        int k = Digits;
        int lanes = Lanes;
        Debug.Assert(a.Length >= lanes && b.Length >= lanes && r.Length >= lanes && scratch.Length >= ScratchLength);
        ulong inverse = DigitInverse;

        unchecked
        {
            fixed (ulong* pScratch = scratch)
            fixed (ulong* pA = a)
            fixed (ulong* pBIn = b)
            fixed (ulong* pR = r)
            fixed (ulong* pMArray = _mShifts)
            {
                ulong* pAcc = (ulong*)(((nuint)pScratch + 31) & ~(nuint)31);
                ulong* pB = pAcc + _accLength;          // b shifted by 0..3 digits, interleaved
                ulong* pM = pMArray + _mOffset;         // m likewise
                new Span<ulong>(pAcc, _accLength).Clear();
                // b, with four zero lanes below it, then the four shifts read as unaligned vectors.
                ulong* pPadded = pB + (RowsPerPass * lanes);
                Avx.StoreAligned(pPadded, Vector256<ulong>.Zero);
                for (int j = 0; j < lanes; j += 4)
                {
                    Avx.StoreAligned(pPadded + 4 + j, Avx.LoadVector256(pBIn + j));
                }

                WriteShifts(pPadded + 4, pB, lanes);

                ulong b0 = pBIn[0], b1 = pBIn[1], b2 = pBIn[2], b3 = pBIn[3];
                ulong m0 = pM[0], m1 = pM[1], m2 = pM[2], m3 = pM[3];

                // Software pipelining: the digits q of pass p + 1 depend only on the first block of
                // pass p, so they are computed right after it, while the rest of pass p runs.
                ulong carry = 0; // carry out of the columns below the current pass (never stored)
                ulong q0, q1, q2, q3;
                {
                    ulong a0 = pA[0], a1 = pA[1], a2 = pA[2], a3 = pA[3];
                    NextDigits(0, 0, 0, 0, ref carry, a0, a1, a2, a3, b0, b1, b2, b3, m0, m1, m2, m3, inverse, out q0, out q1, out q2, out q3);
                }

                for (int i = 0; i < k; i += RowsPerPass)
                {
                    ulong* column = pAcc + i;
                    Vector256<uint> va0 = Vector256.Create(pA[i]).AsUInt32();
                    Vector256<uint> vq0 = Vector256.Create(q0).AsUInt32();
                    Vector256<uint> va1 = Vector256.Create(pA[i + 1]).AsUInt32();
                    Vector256<uint> vq1 = Vector256.Create(q1).AsUInt32();
                    Vector256<uint> va2 = Vector256.Create(pA[i + 2]).AsUInt32();
                    Vector256<uint> vq2 = Vector256.Create(q2).AsUInt32();
                    Vector256<uint> va3 = Vector256.Create(pA[i + 3]).AsUInt32();
                    Vector256<uint> vq3 = Vector256.Create(q3).AsUInt32();

                    // Columns i .. i+3 are dead after this pass (their value lives on in carry):
                    // start at i + 4. Each block of 16 words holds the 4 shifts of 4 lanes.
                    ulong* c = column + 4;
                    ulong* end = column + lanes;
                    ulong* pb = pB + 16;
                    ulong* pm = pM + 16;
                    Vector256<ulong> first = Block(c, pb, pm, va0, vq0, va1, vq1, va2, vq2, va3, vq3);
                    if (i + RowsPerPass < k)
                    {
                        int next = i + RowsPerPass;
                        NextDigits(
                            first.GetElement(0), first.GetElement(1), first.GetElement(2), first.GetElement(3), ref carry,
                            pA[next], pA[next + 1], pA[next + 2], pA[next + 3], b0, b1, b2, b3, m0, m1, m2, m3, inverse,
                            out q0, out q1, out q2, out q3);
                    }

                    for (c += 4, pb += 16, pm += 16; c < end; c += 4, pb += 16, pm += 16)
                    {
                        Block(c, pb, pm, va0, vq0, va1, vq1, va2, vq2, va3, vq3);
                    }
                }

                // The result is columns k .. 2k − 1. Written after every read of a and b, so r may alias them.
                Normalize(pAcc + k, carry, pR, lanes);
            }
        }
    }

    /// <summary>
    /// blocks[16·j + 4·s + l] = x[4·j + l − s] for shifts s = 0..3, read as unaligned vectors from x,
    /// which must have four zero words below it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WriteShifts(ulong* x, ulong* blocks, int lanes)
    {
        unchecked
        {
            for (int j = 0; j < lanes; j += 4)
            {
                ulong* block = blocks + (4 * j);
                ulong* source = x + j;
                Avx.StoreAligned(block, Avx.LoadAlignedVector256(source));
                Avx.StoreAligned(block + 4, Avx.LoadVector256(source - 1));
                Avx.StoreAligned(block + 8, Avx.LoadVector256(source - 2));
                Avx.StoreAligned(block + 12, Avx.LoadVector256(source - 3));
            }
        }
    }

    /// <summary>column[0..3] += the 4 lanes of a_s·b_(j−s) + q_s·m_(j−s) for s = 0..3; returns the new value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> Block(
        ulong* column, ulong* pb, ulong* pm,
        Vector256<uint> va0, Vector256<uint> vq0, Vector256<uint> va1, Vector256<uint> vq1,
        Vector256<uint> va2, Vector256<uint> vq2, Vector256<uint> va3, Vector256<uint> vq3)
    {
        unchecked
        {
            Vector256<ulong> s0 = Avx2.Add(
                Avx2.Multiply(va0, Avx.LoadAlignedVector256(pb).AsUInt32()),
                Avx2.Multiply(vq0, Avx.LoadAlignedVector256(pm).AsUInt32()));
            Vector256<ulong> s1 = Avx2.Add(
                Avx2.Multiply(va1, Avx.LoadAlignedVector256(pb + 4).AsUInt32()),
                Avx2.Multiply(vq1, Avx.LoadAlignedVector256(pm + 4).AsUInt32()));
            Vector256<ulong> s2 = Avx2.Add(
                Avx2.Multiply(va2, Avx.LoadAlignedVector256(pb + 8).AsUInt32()),
                Avx2.Multiply(vq2, Avx.LoadAlignedVector256(pm + 8).AsUInt32()));
            Vector256<ulong> s3 = Avx2.Add(
                Avx2.Multiply(va3, Avx.LoadAlignedVector256(pb + 12).AsUInt32()),
                Avx2.Multiply(vq3, Avx.LoadAlignedVector256(pm + 12).AsUInt32()));
            Vector256<ulong> sum = Avx2.Add(Avx.LoadAlignedVector256(column), Avx2.Add(Avx2.Add(s0, s1), Avx2.Add(s2, s3)));
            Avx.StoreAligned(column, sum);
            return sum;
        }
    }

    /// <summary>
    /// The four Montgomery digits of a pass whose lowest columns hold x0..x3 (plus the carry from
    /// below): q_s makes column s divisible by 2^27 once rows 0..s are added. Updates the carry to
    /// what those four columns pass on once cleared.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void NextDigits(
        ulong x0, ulong x1, ulong x2, ulong x3, ref ulong carry,
        ulong a0, ulong a1, ulong a2, ulong a3, ulong b0, ulong b1, ulong b2, ulong b3,
        ulong m0, ulong m1, ulong m2, ulong m3, ulong inverse,
        out ulong q0, out ulong q1, out ulong q2, out ulong q3)
    {
        unchecked
        {
            ulong t = x0 + carry + (a0 * b0);
            q0 = (t * inverse) & DigitMask;
            ulong c = (t + (q0 * m0)) >> DigitBits;
            t = x1 + c + (a0 * b1) + (q0 * m1) + (a1 * b0);
            q1 = (t * inverse) & DigitMask;
            c = (t + (q1 * m0)) >> DigitBits;
            t = x2 + c + (a0 * b2) + (q0 * m2) + (a1 * b1) + (q1 * m1) + (a2 * b0);
            q2 = (t * inverse) & DigitMask;
            c = (t + (q2 * m0)) >> DigitBits;
            t = x3 + c + (a0 * b3) + (q0 * m3) + (a1 * b2) + (q1 * m2) + (a2 * b1) + (q2 * m1) + (a3 * b0);
            q3 = (t * inverse) & DigitMask;
            carry = (t + (q3 * m0)) >> DigitBits;
        }
    }
}
