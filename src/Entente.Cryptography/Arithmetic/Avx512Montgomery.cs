using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Entente.Cryptography.Arithmetic;

/// <summary>
/// Montgomery arithmetic with AVX-512F: the design of <see cref="Avx2Montgomery"/> (Gueron and Krasnov,
/// WAIFI 2012: 27-bit digits in 64-bit lanes, no carry inside the row loop, almost Montgomery
/// multiplication with values below 2m) on 512-bit vectors:
/// <list type="bullet">
/// <item>VPMULUDQ on eight lanes (<see cref="Avx512F.Multiply(Vector512{uint}, Vector512{uint})"/>);</item>
/// <item>eight rows per pass (eight digits of a and eight Montgomery digits against copies of b and m
/// shifted up by 0 to 7 digits, interleaved in blocks of 64 words), so the accumulator again moves by
/// one whole vector per pass and every load reads what one earlier store wrote; the eight Montgomery
/// digits of the next pass are computed in scalar code from the first block of the current one;</item>
/// <item>the final carry in whole vectors with VALIGNQ bringing each lane's carry to the lane above.</item>
/// </list>
/// The 4096-bit p needs 152 digits, already a multiple of eight. Time and memory accesses do not depend
/// on the values. A fixed-base table stores each digit in 32 bits and widens it on load (VPMOVZXDQ).
/// </summary>
/// <remarks>
/// Two 512-bit ALU ports against three 256-bit ones: the digit products and their sums run about 1.3×
/// the AVX2 throughput per cycle, not 2× (see docs/benchmarks-arithmetic.md).
/// </remarks>
internal sealed unsafe class Avx512Montgomery : DigitMontgomery
{
    private const int RowsPerPass = 8;
    private const int VectorLanes = 8;

    private readonly ulong[] _mShifts;      // pinned: m shifted up by 0..7 digits, interleaved by blocks of 8 lanes, then m's digits
    private readonly int _mOffset;          // index of the 64-byte aligned start in _mShifts
    private readonly int _accLength;

    public Avx512Montgomery(ReadOnlySpan<ulong> modulus)
        : base(modulus, RowsPerPass, VectorLanes)
    {
        if (!IsSupported)
        {
            throw new PlatformNotSupportedException("This CPU has no AVX-512F.");
        }

        _accLength = Digits + Lanes + VectorLanes;

        // The shifted copies, then the plain digits (read by the scalar digit computation).
        _mShifts = GC.AllocateArray<ulong>((RowsPerPass * Lanes) + Lanes + VectorLanes, pinned: true);
        fixed (ulong* p = _mShifts)
        {
            _mOffset = (int)((((nuint)p + 63) & ~(nuint)63) - (nuint)p) / sizeof(ulong);
        }

        ulong[] digits = new ulong[Lanes];
        ToDigits(modulus, digits);
        Interleave(digits, _mShifts.AsSpan(_mOffset, RowsPerPass * Lanes), RowsPerPass, VectorLanes);
        digits.CopyTo(_mShifts.AsSpan(_mOffset + (RowsPerPass * Lanes), Lanes));

        InitializeConstants();
    }

    /// <summary>Whether this CPU can run the engine.</summary>
    public static bool IsSupported => Avx512F.IsSupported;

    public override string EngineName => "avx512";

    // Alignment slack, the column accumulator, b shifted up by 0..7 digits, b with zero padding, two sets of eight digits q.
    protected override int ScratchLength => VectorLanes + _accLength + (RowsPerPass * Lanes) + VectorLanes + Lanes + (3 * RowsPerPass);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Load(ReadOnlySpan<ulong> stored, Span<ulong> value)
    {
        Debug.Assert(stored.Length >= StoredWidth && value.Length >= Lanes);
        fixed (ulong* source = stored)
        fixed (ulong* destination = value)
        {
            uint* digits = (uint*)source;
            for (int j = 0; j < Lanes; j += VectorLanes)
            {
                Vector512.Store(Avx512F.ConvertToVector512UInt64(Vector256.Load(digits + j)), destination + j);
            }
        }
    }

    /// <summary>r = a²·R⁻¹, as a product of a with itself.</summary>
    protected override void MontSqr(ReadOnlySpan<ulong> a, Span<ulong> r, Span<ulong> scratch) => MontMul(a, a, r, scratch);

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
                ulong* pAcc = (ulong*)(((nuint)pScratch + 63) & ~(nuint)63);
                ulong* pB = pAcc + _accLength;              // b shifted by 0..7 digits, interleaved
                ulong* pPadded = pB + (RowsPerPass * lanes); // eight zero words, then b
                ulong* pQ = pPadded + VectorLanes + lanes;  // the eight digits q of a pass, two buffers
                ulong* pFirst = pQ + (2 * RowsPerPass);    // the next pass's lowest columns
                ulong* pM = pMArray + _mOffset;             // m shifted likewise
                ulong* pMDigits = pM + (RowsPerPass * lanes);
                new Span<ulong>(pAcc, _accLength).Clear();
                Vector512.StoreAligned(Vector512<ulong>.Zero, pPadded);
                for (int j = 0; j < lanes; j += VectorLanes)
                {
                    Vector512.StoreAligned(Vector512.Load(pBIn + j), pPadded + VectorLanes + j);
                }

                WriteShifts(pPadded + VectorLanes, pB, lanes);

                // Software pipelining: the digits q of pass p + 1 depend only on the first block of
                // pass p (columns i + 8 .. i + 15), so they are computed right after it.
                ulong carry = 0; // carry out of the columns below the current pass (never stored)
                Triangle(pAcc, pB, pA);
                NextDigits(Vector512.LoadAligned(pAcc), ref carry, pMDigits, inverse, pQ);
                for (int i = 0; i < k; i += RowsPerPass)
                {
                    // Columns i .. i+7 are dead after this pass (their value lives on in carry):
                    // start at i + 8. Each block of 64 words holds the 8 shifts of 8 lanes.
                    // q alternates between two buffers: the next pass's digits are written while
                    // this pass still reads its own.
                    ulong* q = pQ + (i & RowsPerPass);
                    ulong* c = pAcc + i + VectorLanes;
                    if (i + RowsPerPass < k)
                    {
                        // The first block is the next pass's lowest eight columns: with the next rows'
                        // a·b triangle added, it gives the next digits, and no later pass reads it.
                        // Those digits are computed one per block of the rest of the pass, so the
                        // scalar chain runs between the vector blocks instead of before them.
                        FirstBlock(c, pB, pM, pA + i, q, pA + i + RowsPerPass).Store(pFirst);
                        carry = RowsWithDigits(c + VectorLanes, pAcc + i + lanes, pB + 128, pM + 128, pA + i, q, pFirst, carry, pMDigits, inverse, pQ + ((i + RowsPerPass) & RowsPerPass));
                    }
                    else
                    {
                        Rows(c, pAcc + i + lanes, pB + 64, pM + 64, pA + i, q);
                    }
                }

                // The result is columns k .. 2k − 1. Written after every read of a and b, so r may alias them.
                Normalize(pAcc + k, carry, pR, lanes);
            }
        }
    }

    /// <summary>
    /// r = the columns plus the carry into the lowest, as digits below 2^27 + 2^10: two rounds of
    /// "keep the low 27 bits, add what the lane below carries out" on whole vectors (VALIGNQ moves
    /// each lane's carry one lane up, taking the top lane of the previous vector).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Normalize(ulong* columns, ulong carry, ulong* r, int lanes)
    {
        unchecked
        {
            Vector512<ulong> mask = Vector512.Create(DigitMask);
            Vector512<ulong> previous = Vector512.Create(0, 0, 0, 0, 0, 0, 0, carry); // lane 7: what comes from below
            for (int j = 0; j < lanes; j += VectorLanes)
            {
                Vector512<ulong> x = Vector512.LoadAligned(columns + j);
                Vector512<ulong> high = Avx512F.ShiftRightLogical(x, DigitBits);
                Vector512<ulong> shifted = Avx512F.AlignRight64(high, previous, 7);
                Vector512.Store(Avx512F.Add(Avx512F.And(x, mask), shifted), r + j);
                previous = high;
            }

            previous = Vector512<ulong>.Zero;
            for (int j = 0; j < lanes; j += VectorLanes)
            {
                Vector512<ulong> x = Vector512.Load(r + j);
                Vector512<ulong> high = Avx512F.ShiftRightLogical(x, DigitBits);
                Vector512<ulong> shifted = Avx512F.AlignRight64(high, previous, 7);
                Vector512.Store(Avx512F.Add(Avx512F.And(x, mask), shifted), r + j);
                previous = high;
            }
        }
    }

    /// <summary>
    /// blocks[64·j + 8·s + l] = x[8·j + l − s] for shifts s = 0..7, read as unaligned vectors from x,
    /// which must have eight zero words below it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WriteShifts(ulong* x, ulong* blocks, int lanes)
    {
        unchecked
        {
            for (int j = 0; j < lanes; j += VectorLanes)
            {
                ulong* block = blocks + (8 * j);
                ulong* source = x + j;
                Vector512.StoreAligned(Vector512.LoadAligned(source), block);
                Vector512.StoreAligned(Vector512.Load(source - 1), block + 8);
                Vector512.StoreAligned(Vector512.Load(source - 2), block + 16);
                Vector512.StoreAligned(Vector512.Load(source - 3), block + 24);
                Vector512.StoreAligned(Vector512.Load(source - 4), block + 32);
                Vector512.StoreAligned(Vector512.Load(source - 5), block + 40);
                Vector512.StoreAligned(Vector512.Load(source - 6), block + 48);
                Vector512.StoreAligned(Vector512.Load(source - 7), block + 56);
            }
        }
    }

    /// <summary>
    /// Rows a[0..7] of a·b and q[0..7] of q·m added to the columns from c up to end, block by block.
    /// Not inlined: the sixteen broadcast digits then stay in registers for the whole loop (with the
    /// scalar digit computation in the same method, the JIT spilled them and reloaded all sixteen per block).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Rows(ulong* c, ulong* end, ulong* pb, ulong* pm, ulong* a, ulong* q)
    {
        unchecked
        {
            Vector512<uint> va0 = Vector512.Create(a[0]).AsUInt32();
            Vector512<uint> vq0 = Vector512.Create(q[0]).AsUInt32();
            Vector512<uint> va1 = Vector512.Create(a[1]).AsUInt32();
            Vector512<uint> vq1 = Vector512.Create(q[1]).AsUInt32();
            Vector512<uint> va2 = Vector512.Create(a[2]).AsUInt32();
            Vector512<uint> vq2 = Vector512.Create(q[2]).AsUInt32();
            Vector512<uint> va3 = Vector512.Create(a[3]).AsUInt32();
            Vector512<uint> vq3 = Vector512.Create(q[3]).AsUInt32();
            Vector512<uint> va4 = Vector512.Create(a[4]).AsUInt32();
            Vector512<uint> vq4 = Vector512.Create(q[4]).AsUInt32();
            Vector512<uint> va5 = Vector512.Create(a[5]).AsUInt32();
            Vector512<uint> vq5 = Vector512.Create(q[5]).AsUInt32();
            Vector512<uint> va6 = Vector512.Create(a[6]).AsUInt32();
            Vector512<uint> vq6 = Vector512.Create(q[6]).AsUInt32();
            Vector512<uint> va7 = Vector512.Create(a[7]).AsUInt32();
            Vector512<uint> vq7 = Vector512.Create(q[7]).AsUInt32();
            for (; c < end; c += VectorLanes, pb += 64, pm += 64)
            {
                Block(c, pb, pm, va0, vq0, va1, vq1, va2, vq2, va3, vq3, va4, vq4, va5, vq5, va6, vq6, va7, vq7);
            }
        }
    }

    /// <summary>
    /// As <see cref="Rows"/>, and in the same loop the next pass's digits (as <see cref="NextDigits"/>):
    /// digit s after block s, from the columns x[0..7] and the digits before it. Returns the carry.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static ulong RowsWithDigits(ulong* c, ulong* end, ulong* pb, ulong* pm, ulong* a, ulong* q, ulong* x, ulong carry, ulong* m, ulong inverse, ulong* next)
    {
        unchecked
        {
            Vector512<uint> va0 = Vector512.Create(a[0]).AsUInt32();
            Vector512<uint> vq0 = Vector512.Create(q[0]).AsUInt32();
            Vector512<uint> va1 = Vector512.Create(a[1]).AsUInt32();
            Vector512<uint> vq1 = Vector512.Create(q[1]).AsUInt32();
            Vector512<uint> va2 = Vector512.Create(a[2]).AsUInt32();
            Vector512<uint> vq2 = Vector512.Create(q[2]).AsUInt32();
            Vector512<uint> va3 = Vector512.Create(a[3]).AsUInt32();
            Vector512<uint> vq3 = Vector512.Create(q[3]).AsUInt32();
            Vector512<uint> va4 = Vector512.Create(a[4]).AsUInt32();
            Vector512<uint> vq4 = Vector512.Create(q[4]).AsUInt32();
            Vector512<uint> va5 = Vector512.Create(a[5]).AsUInt32();
            Vector512<uint> vq5 = Vector512.Create(q[5]).AsUInt32();
            Vector512<uint> va6 = Vector512.Create(a[6]).AsUInt32();
            Vector512<uint> vq6 = Vector512.Create(q[6]).AsUInt32();
            Vector512<uint> va7 = Vector512.Create(a[7]).AsUInt32();
            Vector512<uint> vq7 = Vector512.Create(q[7]).AsUInt32();
            int s = 0;
            for (; c < end; c += VectorLanes, pb += 64, pm += 64)
            {
                Block(c, pb, pm, va0, vq0, va1, vq1, va2, vq2, va3, vq3, va4, vq4, va5, vq5, va6, vq6, va7, vq7);
                if (s < RowsPerPass)
                {
                    carry = Digit(x, s, carry, m, inverse, next);
                    s++;
                }
            }

            for (; s < RowsPerPass; s++)
            {
                carry = Digit(x, s, carry, m, inverse, next);
            }

            return carry;
        }
    }

    /// <summary>next[s] = the digit that clears column s (x[s] + Σ_(u &lt; s) next[u]·m[s − u] + carry); returns the new carry.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Digit(ulong* x, int s, ulong carry, ulong* m, ulong inverse, ulong* next)
    {
        unchecked
        {
            ulong t = x[s];
            for (int u = 0; u < s; u++)
            {
                t += next[u] * m[s - u];
            }

            t += carry;
            ulong digit = (t * inverse) & DigitMask;
            next[s] = digit;
            return (t + (digit * m[0])) >> DigitBits;
        }
    }

    /// <summary>column[0..7] += the 8 lanes of a_s·b_(j−s) + q_s·m_(j−s) for s = 0..7.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block(
        ulong* column, ulong* pb, ulong* pm,
        Vector512<uint> va0, Vector512<uint> vq0, Vector512<uint> va1, Vector512<uint> vq1,
        Vector512<uint> va2, Vector512<uint> vq2, Vector512<uint> va3, Vector512<uint> vq3,
        Vector512<uint> va4, Vector512<uint> vq4, Vector512<uint> va5, Vector512<uint> vq5,
        Vector512<uint> va6, Vector512<uint> vq6, Vector512<uint> va7, Vector512<uint> vq7)
    {
        unchecked
        {
            Vector512<ulong> s0 = Avx512F.Add(
                Avx512F.Multiply(va0, Vector512.LoadAligned(pb).AsUInt32()),
                Avx512F.Multiply(vq0, Vector512.LoadAligned(pm).AsUInt32()));
            Vector512<ulong> s1 = Avx512F.Add(
                Avx512F.Multiply(va1, Vector512.LoadAligned(pb + 8).AsUInt32()),
                Avx512F.Multiply(vq1, Vector512.LoadAligned(pm + 8).AsUInt32()));
            Vector512<ulong> s2 = Avx512F.Add(
                Avx512F.Multiply(va2, Vector512.LoadAligned(pb + 16).AsUInt32()),
                Avx512F.Multiply(vq2, Vector512.LoadAligned(pm + 16).AsUInt32()));
            Vector512<ulong> s3 = Avx512F.Add(
                Avx512F.Multiply(va3, Vector512.LoadAligned(pb + 24).AsUInt32()),
                Avx512F.Multiply(vq3, Vector512.LoadAligned(pm + 24).AsUInt32()));
            Vector512<ulong> s4 = Avx512F.Add(
                Avx512F.Multiply(va4, Vector512.LoadAligned(pb + 32).AsUInt32()),
                Avx512F.Multiply(vq4, Vector512.LoadAligned(pm + 32).AsUInt32()));
            Vector512<ulong> s5 = Avx512F.Add(
                Avx512F.Multiply(va5, Vector512.LoadAligned(pb + 40).AsUInt32()),
                Avx512F.Multiply(vq5, Vector512.LoadAligned(pm + 40).AsUInt32()));
            Vector512<ulong> s6 = Avx512F.Add(
                Avx512F.Multiply(va6, Vector512.LoadAligned(pb + 48).AsUInt32()),
                Avx512F.Multiply(vq6, Vector512.LoadAligned(pm + 48).AsUInt32()));
            Vector512<ulong> s7 = Avx512F.Add(
                Avx512F.Multiply(va7, Vector512.LoadAligned(pb + 56).AsUInt32()),
                Avx512F.Multiply(vq7, Vector512.LoadAligned(pm + 56).AsUInt32()));
            Vector512<ulong> sum = Avx512F.Add(
                Avx512F.Add(Avx512F.Add(s0, s1), Avx512F.Add(s2, s3)),
                Avx512F.Add(Avx512F.Add(s4, s5), Avx512F.Add(s6, s7)));
            Vector512.StoreAligned(Avx512F.Add(Vector512.LoadAligned(column), sum), column);
        }
    }

    /// <summary>
    /// column[0..7] + rows a[0..7], q[0..7] on block 1 (as <see cref="Block"/>) + the triangle of the next
    /// rows aNext[0..7] on block 0 (as <see cref="Triangle"/>); returned, not stored.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static Vector512<ulong> FirstBlock(ulong* column, ulong* pb, ulong* pm, ulong* a, ulong* q, ulong* aNext)
    {
        unchecked
        {
            Vector512<ulong> sum = Vector512.LoadAligned(column);
            for (int s = 0; s < RowsPerPass; s += 2)
            {
                Vector512<ulong> x = Avx512F.Add(
                    Avx512F.Multiply(Vector512.Create(a[s]).AsUInt32(), Vector512.LoadAligned(pb + 64 + (8 * s)).AsUInt32()),
                    Avx512F.Multiply(Vector512.Create(q[s]).AsUInt32(), Vector512.LoadAligned(pm + 64 + (8 * s)).AsUInt32()));
                Vector512<ulong> y = Avx512F.Add(
                    Avx512F.Multiply(Vector512.Create(a[s + 1]).AsUInt32(), Vector512.LoadAligned(pb + 72 + (8 * s)).AsUInt32()),
                    Avx512F.Multiply(Vector512.Create(q[s + 1]).AsUInt32(), Vector512.LoadAligned(pm + 72 + (8 * s)).AsUInt32()));
                Vector512<ulong> z = Avx512F.Add(
                    Avx512F.Multiply(Vector512.Create(aNext[s]).AsUInt32(), Vector512.LoadAligned(pb + (8 * s)).AsUInt32()),
                    Avx512F.Multiply(Vector512.Create(aNext[s + 1]).AsUInt32(), Vector512.LoadAligned(pb + 8 + (8 * s)).AsUInt32()));
                sum = Avx512F.Add(sum, Avx512F.Add(Avx512F.Add(x, y), z));
            }

            return sum;
        }
    }

    /// <summary>
    /// The triangle of a·b that lands in the lowest eight columns of a pass: column s += Σ_(u ≤ s) a_u·b_(s−u),
    /// on whole vectors (block 0 of the shifted copies of b is zero below digit 0).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Triangle(ulong* column, ulong* pb, ulong* a)
    {
        unchecked
        {
            Vector512<ulong> s0 = Avx512F.Add(
                Avx512F.Multiply(Vector512.Create(a[0]).AsUInt32(), Vector512.LoadAligned(pb).AsUInt32()),
                Avx512F.Multiply(Vector512.Create(a[1]).AsUInt32(), Vector512.LoadAligned(pb + 8).AsUInt32()));
            Vector512<ulong> s1 = Avx512F.Add(
                Avx512F.Multiply(Vector512.Create(a[2]).AsUInt32(), Vector512.LoadAligned(pb + 16).AsUInt32()),
                Avx512F.Multiply(Vector512.Create(a[3]).AsUInt32(), Vector512.LoadAligned(pb + 24).AsUInt32()));
            Vector512<ulong> s2 = Avx512F.Add(
                Avx512F.Multiply(Vector512.Create(a[4]).AsUInt32(), Vector512.LoadAligned(pb + 32).AsUInt32()),
                Avx512F.Multiply(Vector512.Create(a[5]).AsUInt32(), Vector512.LoadAligned(pb + 40).AsUInt32()));
            Vector512<ulong> s3 = Avx512F.Add(
                Avx512F.Multiply(Vector512.Create(a[6]).AsUInt32(), Vector512.LoadAligned(pb + 48).AsUInt32()),
                Avx512F.Multiply(Vector512.Create(a[7]).AsUInt32(), Vector512.LoadAligned(pb + 56).AsUInt32()));
            Vector512<ulong> sum = Avx512F.Add(Avx512F.Add(s0, s1), Avx512F.Add(s2, s3));
            Vector512.StoreAligned(Avx512F.Add(Vector512.LoadAligned(column), sum), column);
        }
    }

    /// <summary>
    /// The eight Montgomery digits q of a pass whose lowest columns x (eight lanes) already hold every a·b
    /// product of the pass and of the passes before (see <see cref="Triangle"/>), plus the carry from
    /// below: q_s makes column s divisible by 2^27 once q_0..q_(s−1) times m are added. Column by
    /// column, so the chain from one digit to the next is a multiplication, an add and a shift.
    /// Updates the carry to what those eight columns pass on once cleared.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void NextDigits(Vector512<ulong> x, ref ulong carry, ulong* m, ulong inverse, ulong* q)
    {
        unchecked
        {
            ulong c = carry;
            ulong t0 = x.ToScalar() + c;
            ulong q0 = (t0 * inverse) & DigitMask;
            c = (t0 + (q0 * m[0])) >> DigitBits;
            ulong t1 = x.GetElement(1) + (q0 * m[1]) + c;
            ulong q1 = (t1 * inverse) & DigitMask;
            c = (t1 + (q1 * m[0])) >> DigitBits;
            ulong t2 = x.GetElement(2) + (q0 * m[2]) + (q1 * m[1]) + c;
            ulong q2 = (t2 * inverse) & DigitMask;
            c = (t2 + (q2 * m[0])) >> DigitBits;
            ulong t3 = x.GetElement(3) + (q0 * m[3]) + (q1 * m[2]) + (q2 * m[1]) + c;
            ulong q3 = (t3 * inverse) & DigitMask;
            c = (t3 + (q3 * m[0])) >> DigitBits;
            ulong t4 = x.GetElement(4) + (q0 * m[4]) + (q1 * m[3]) + (q2 * m[2]) + (q3 * m[1]) + c;
            ulong q4 = (t4 * inverse) & DigitMask;
            c = (t4 + (q4 * m[0])) >> DigitBits;
            ulong t5 = x.GetElement(5) + (q0 * m[5]) + (q1 * m[4]) + (q2 * m[3]) + (q3 * m[2]) + (q4 * m[1]) + c;
            ulong q5 = (t5 * inverse) & DigitMask;
            c = (t5 + (q5 * m[0])) >> DigitBits;
            ulong t6 = x.GetElement(6) + (q0 * m[6]) + (q1 * m[5]) + (q2 * m[4]) + (q3 * m[3]) + (q4 * m[2]) + (q5 * m[1]) + c;
            ulong q6 = (t6 * inverse) & DigitMask;
            c = (t6 + (q6 * m[0])) >> DigitBits;
            ulong t7 = x.GetElement(7) + (q0 * m[7]) + (q1 * m[6]) + (q2 * m[5]) + (q3 * m[4]) + (q4 * m[3]) + (q5 * m[2]) + (q6 * m[1]) + c;
            ulong q7 = (t7 * inverse) & DigitMask;
            c = (t7 + (q7 * m[0])) >> DigitBits;
            carry = c;
            q[0] = q0;
            q[1] = q1;
            q[2] = q2;
            q[3] = q3;
            q[4] = q4;
            q[5] = q5;
            q[6] = q6;
            q[7] = q7;
        }
    }
}
