using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Entente.Cryptography.Arithmetic;

/// <summary>
/// Montgomery arithmetic on 64-bit limbs for CPUs without AVX2 (and for small moduli, where it is the
/// faster engine). Radix R = 2^(64·n) for n limbs. Multiplication interleaves the product and the
/// reduction column by column (the "finely integrated product scanning" of Koç, Acar and Kaliski,
/// "Analyzing and comparing Montgomery multiplication algorithms", IEEE Micro 1996), with a
/// three-word column accumulator; 64×64→128-bit products come from <see cref="Math.BigMul(ulong, ulong, out ulong)"/>
/// (MULX where BMI2 is present). Squaring computes each cross product once and doubles the column,
/// then reduces. Values stay fully reduced: the final subtraction is done every time, with a mask.
/// </summary>
internal sealed unsafe class ScalarMontgomery : MontgomeryEngine
{
    private readonly ulong[] _m;
    private readonly int _n;

    public ScalarMontgomery(ReadOnlySpan<ulong> modulus)
        : base(modulus)
    {
        _m = modulus.ToArray();
        _n = modulus.Length;
        InitializeConstants();
    }

    public override string EngineName => "scalar";

    protected override int Width => _n;

    // m digits (n) + the double-length square (2n) + a subtraction buffer (n).
    protected override int ScratchLength => 4 * _n;

    protected override int RadixBits => 64 * _n;

    protected override void Import(ReadOnlySpan<ulong> limbs, Span<ulong> value) => limbs.CopyTo(value);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Export(ReadOnlySpan<ulong> value, Span<ulong> limbs) => value.CopyTo(limbs);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void MontMul(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, Span<ulong> r, Span<ulong> scratch)
    {
        int n = _n;
        Debug.Assert(a.Length >= n && b.Length >= n && r.Length >= n && scratch.Length >= ScratchLength);
        ulong inverse = NegInverse;
        ulong c0 = 0, c1 = 0, c2 = 0;
        unchecked
        {
            fixed (ulong* pa = a)
            fixed (ulong* pb = b)
            fixed (ulong* pr = r)
            fixed (ulong* pq = scratch)
            fixed (ulong* pm = _m)
            {
                // Low columns: choose q[i] so that column i becomes zero.
                for (int i = 0; i < n; i++)
                {
                    for (ulong* x = pa, y = pb + i, u = pq, v = pm + i, end = pa + i; x < end; x++, y--, u++, v--)
                    {
                        MultiplyAdd(*x, *y, ref c0, ref c1, ref c2);
                        MultiplyAdd(*u, *v, ref c0, ref c1, ref c2);
                    }

                    MultiplyAdd(pa[i], pb[0], ref c0, ref c1, ref c2);
                    ulong qi = c0 * inverse;
                    pq[i] = qi;
                    MultiplyAdd(qi, pm[0], ref c0, ref c1, ref c2);
                    Debug.Assert(c0 == 0);
                    c0 = c1;
                    c1 = c2;
                    c2 = 0;
                }

                // High columns are the result. Writing r[i − n] is safe when r aliases a or b:
                // the remaining columns only read indices above i − n.
                for (int i = n; i < 2 * n; i++)
                {
                    int first = i - n + 1;
                    for (ulong* x = pa + first, y = pb + (i - first), u = pq + first, v = pm + (i - first), end = pa + n; x < end; x++, y--, u++, v--)
                    {
                        MultiplyAdd(*x, *y, ref c0, ref c1, ref c2);
                        MultiplyAdd(*u, *v, ref c0, ref c1, ref c2);
                    }

                    pr[i - n] = c0;
                    c0 = c1;
                    c1 = c2;
                    c2 = 0;
                }
            }
        }

        LimbMath.ConditionalSubtract(r[..n], c0, _m, scratch.Slice(n, n));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void MontSqr(ReadOnlySpan<ulong> a, Span<ulong> r, Span<ulong> scratch)
    {
        int n = _n;
        Debug.Assert(a.Length >= n && r.Length >= n && scratch.Length >= ScratchLength);
        ulong c0 = 0, c1 = 0, c2 = 0;
        unchecked
        {
            fixed (ulong* pa = a)
            fixed (ulong* pScratch = scratch)
            {
                // t = a², column by column: each cross product once, doubled, plus the square on the diagonal.
                ulong* t = pScratch + n;
                for (int column = 0; column < (2 * n) - 1; column++)
                {
                    ulong d0 = 0, d1 = 0, d2 = 0;
                    int low = Math.Max(0, column - n + 1);
                    for (ulong* x = pa + low, y = pa + (column - low); x < y; x++, y--)
                    {
                        MultiplyAdd(*x, *y, ref d0, ref d1, ref d2);
                    }

                    d2 = (d2 << 1) | (d1 >> 63);
                    d1 = (d1 << 1) | (d0 >> 63);
                    d0 <<= 1;
                    if ((column & 1) == 0)
                    {
                        MultiplyAdd(pa[column >> 1], pa[column >> 1], ref d0, ref d1, ref d2);
                    }

                    Add(d0, d1, d2, ref c0, ref c1, ref c2);
                    t[column] = c0;
                    c0 = c1;
                    c1 = c2;
                    c2 = 0;
                }

                t[(2 * n) - 1] = c0;
            }
        }

        Reduce(scratch.Slice(n, 2 * n), r, scratch);
    }

    /// <summary>r = t·R⁻¹ mod m for a double-length t &lt; m·R (product-scanning reduction).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Reduce(ReadOnlySpan<ulong> t, Span<ulong> r, Span<ulong> scratch)
    {
        int n = _n;
        ulong inverse = NegInverse;
        ulong c0 = 0, c1 = 0, c2 = 0;
        unchecked
        {
            fixed (ulong* pt = t)
            fixed (ulong* pr = r)
            fixed (ulong* pq = scratch)
            fixed (ulong* pm = _m)
            {
                for (int i = 0; i < n; i++)
                {
                    for (ulong* u = pq, v = pm + i, end = pq + i; u < end; u++, v--)
                    {
                        MultiplyAdd(*u, *v, ref c0, ref c1, ref c2);
                    }

                    Add(pt[i], 0, 0, ref c0, ref c1, ref c2);
                    ulong qi = c0 * inverse;
                    pq[i] = qi;
                    MultiplyAdd(qi, pm[0], ref c0, ref c1, ref c2);
                    Debug.Assert(c0 == 0);
                    c0 = c1;
                    c1 = c2;
                    c2 = 0;
                }

                for (int i = n; i < 2 * n; i++)
                {
                    int first = i - n + 1;
                    for (ulong* u = pq + first, v = pm + (i - first), end = pq + n; u < end; u++, v--)
                    {
                        MultiplyAdd(*u, *v, ref c0, ref c1, ref c2);
                    }

                    Add(pt[i], 0, 0, ref c0, ref c1, ref c2);
                    pr[i - n] = c0;
                    c0 = c1;
                    c1 = c2;
                    c2 = 0;
                }
            }
        }

        // The square sits in scratch[n..3n); the subtraction buffer is scratch[3n..4n).
        LimbMath.ConditionalSubtract(r[..n], c0, _m, scratch.Slice(3 * n, n));
    }

    /// <summary>(c2:c1:c0) += x·y.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyAdd(ulong x, ulong y, ref ulong c0, ref ulong c1, ref ulong c2)
    {
        unchecked
        {
            ulong high = Math.BigMul(x, y, out ulong low);
            c0 += low;
            high += Carry(c0, low);       // high ≤ 2^64 − 2, so this cannot wrap
            c1 += high;
            c2 += Carry(c1, high);
        }
    }

    /// <summary>(c2:c1:c0) += (d2:d1:d0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Add(ulong d0, ulong d1, ulong d2, ref ulong c0, ref ulong c1, ref ulong c2)
    {
        unchecked
        {
            c0 += d0;
            ulong carry = Carry(c0, d0);
            c1 += d1;
            ulong carry1 = Carry(c1, d1);
            c1 += carry;
            carry1 += Carry(c1, carry);
            c2 += d2 + carry1;
        }
    }

    /// <summary>1 when the sum just computed wrapped (sum &lt; addend), else 0; compiles to SETB, no branch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Carry(ulong sum, ulong addend) => Unsafe.BitCast<bool, byte>(sum < addend);
}
