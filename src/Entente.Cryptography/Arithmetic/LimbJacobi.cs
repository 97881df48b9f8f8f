using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Entente.Cryptography.Arithmetic;

/// <summary>
/// The Jacobi symbol (a | n) for odd n &gt; 0 on little-endian 64-bit limbs. For a prime n it is the
/// Legendre symbol: 1 for a non-zero square, −1 for a non-square, 0 for a ≡ 0.
/// <see cref="Symbol"/> runs binary gcd steps 62 at a time on the low words and applies them to the
/// full numbers as one 2×2 matrix; <see cref="SymbolBinary"/> is the plain binary algorithm (Shallit and
/// Sorenson, "A binary algorithm for the Jacobi symbol", SIGSAM Bull. 27, 1993) and its fallback;
/// <see cref="Reference"/> is the textbook version on BigInteger that both are tested against.
/// </summary>
/// <remarks>
/// Variable time: for public values only (records a verifier reads). No allocation: the caller
/// supplies scratch of <see cref="ScratchLength"/> words.
/// </remarks>
internal static class LimbJacobi
{
    /// <summary>Scratch words <see cref="Symbol"/> needs for operands of at most <paramref name="limbs"/> limbs.</summary>
    public static int ScratchLength(int limbs) => 2 * limbs;

    /// <summary>Batches of 62 steps before the fast algorithm gives up and the plain binary one answers.</summary>
    private static int MaxBatches(int limbs) => 64 + (limbs * 8);

    /// <summary>
    /// (a | n) ∈ {−1, 0, 1}. <paramref name="n"/> must be odd; <paramref name="a"/> may be any
    /// non-negative value no longer than n in limbs (it need not be reduced).
    /// </summary>
    /// <remarks>
    /// Steps of the form of Bernstein and Yang's "divsteps" ("Fast constant-time gcd computation and
    /// modular inversion", TCHES 2019) in the all-positive variant they call posdivsteps (§8.4):
    /// with f odd and g ≥ 0, and a counter δ,
    /// <list type="bullet">
    /// <item>g even: g ← g/2 (sign × (2 | f));</item>
    /// <item>g odd, δ ≤ 0: g ← (g + f)/2 (sign × (2 | f), as (g | f) = (g + f | f));</item>
    /// <item>g odd, δ &gt; 0: (f, g) ← (g, (g + f)/2), δ ← 1 − δ (reciprocity, then × (2 | g)).</item>
    /// </list>
    /// Every step keeps (x | M) = sign·(g | f), and the values converge to f = g = gcd. Each step
    /// depends only on δ and the three low bits of f and g, so 62 steps run on the low words alone and
    /// produce a 2×2 matrix of non-negative entries below 2^62, applied to the full numbers at once
    /// (the idea of Bernstein and Yang's jumpdivsteps). Convergence of posdivsteps is observed, not
    /// proven: after <see cref="MaxBatches"/> batches the plain binary algorithm answers instead.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int Symbol(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> n, Span<ulong> scratch)
    {
        int length = n.Length;
        if (length == 0 || (n[0] & 1) == 0)
        {
            throw new ArgumentException("The modulus of a Jacobi symbol must be odd.", nameof(n));
        }

        if (a.Length > length || scratch.Length < 2 * length)
        {
            throw new ArgumentException("The operand is longer than the modulus or the scratch is too short.", nameof(a));
        }

        if (a.IndexOfAnyExcept(0UL) < 0)
        {
            // (0 | n) is 1 for n = 1 and 0 otherwise.
            return n[0] == 1 && n[1..].IndexOfAnyExcept(0UL) < 0 ? 1 : 0;
        }

        Span<ulong> f = scratch[..length];
        Span<ulong> g = scratch.Slice(length, length);
        n.CopyTo(f);
        g.Clear();
        a.CopyTo(g);
        int used = Math.Max(Trim(f, length), Trim(g, length));
        int delta = 1;
        uint sign = 0; // the number of −1 factors, mod 2
        int limit = MaxBatches(length);
        unchecked
        {
            for (int batch = 0; batch < limit; batch++)
            {
                ulong fl = f[0], gl = g[0];
                ulong u = 1, v = 0, q = 0, r = 1;
                for (int i = 0; i < 62; i++)
                {
                    if ((gl & 1) == 0)
                    {
                        sign ^= TwoIsNonResidue(fl);
                        gl >>= 1;
                        u <<= 1;
                        v <<= 1;
                        delta++;
                    }
                    else if (delta <= 0)
                    {
                        sign ^= TwoIsNonResidue(fl);
                        gl = (gl + fl) >> 1; // the lost carry only spoils bit 63; 64 − i ≥ 3 low bits stay exact
                        q += u;
                        r += v;
                        u <<= 1;
                        v <<= 1;
                        delta++;
                    }
                    else
                    {
                        sign ^= (uint)((fl & gl & 2) >> 1) ^ TwoIsNonResidue(gl);
                        ulong oldF = fl;
                        fl = gl;
                        gl = (gl + oldF) >> 1;
                        ulong nu = q << 1, nv = r << 1;
                        q += u;
                        r += v;
                        u = nu;
                        v = nv;
                        delta = 1 - delta;
                    }
                }

                ApplyMatrix(f, g, used, u, v, q, r);
                while (used > 1 && f[used - 1] == 0 && g[used - 1] == 0)
                {
                    used--;
                }

                if (f[..used].SequenceEqual(g[..used]))
                {
                    bool one = f[0] == 1 && f[1..used].IndexOfAnyExcept(0UL) < 0;
                    return one ? 1 - (2 * (int)sign) : 0;
                }
            }
        }

        return SymbolBinary(a, n, scratch);
    }

    /// <summary>1 when (2 | f) = −1, i.e. f ≡ 3 or 5 (mod 8).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint TwoIsNonResidue(ulong f) => (uint)(((f >> 1) ^ (f >> 2)) & 1);

    /// <summary>(f, g) ← ((u·f + v·g)/2^62, (q·f + r·g)/2^62), in place; the divisions are exact.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ApplyMatrix(Span<ulong> f, Span<ulong> g, int used, ulong u, ulong v, ulong q, ulong r)
    {
        unchecked
        {
            ulong carryF = 0, carryG = 0, previousF = 0, previousG = 0;
            for (int i = 0; i < used; i++)
            {
                ulong fi = f[i], gi = g[i];
                ulong lowF = MultiplyAdd(u, fi, v, gi, ref carryF);
                ulong lowG = MultiplyAdd(q, fi, r, gi, ref carryG);
                if (i > 0)
                {
                    f[i - 1] = (previousF >> 62) | (lowF << 2);
                    g[i - 1] = (previousG >> 62) | (lowG << 2);
                }

                previousF = lowF;
                previousG = lowG;
            }

            // The results are at most max(f, g): what would spill past the top limb is zero.
            Debug.Assert(carryF >> 62 == 0 && carryG >> 62 == 0);
            f[used - 1] = (previousF >> 62) | (carryF << 2);
            g[used - 1] = (previousG >> 62) | (carryG << 2);
        }
    }

    /// <summary>The low word of a·x + b·y + carry; carry ← the high word (a, b &lt; 2^63, so it fits).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong MultiplyAdd(ulong a, ulong x, ulong b, ulong y, ref ulong carry)
    {
        unchecked
        {
            ulong high1 = Math.BigMul(a, x, out ulong low1);
            ulong high2 = Math.BigMul(b, y, out ulong low2);
            ulong low = low1 + low2;
            ulong c1 = low < low1 ? 1UL : 0UL;
            ulong sum = low + carry;
            ulong c2 = sum < low ? 1UL : 0UL;
            carry = high1 + high2 + c1 + c2;
            return sum;
        }
    }

    /// <summary>The plain binary algorithm (one subtraction and shift of the full numbers per step): the fallback.</summary>
    internal static int SymbolBinary(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> n, Span<ulong> scratch)
    {
        int length = n.Length;
        if (length == 0 || (n[0] & 1) == 0)
        {
            throw new ArgumentException("The modulus of a Jacobi symbol must be odd.", nameof(n));
        }

        if (a.Length > length || scratch.Length < 2 * length)
        {
            throw new ArgumentException("The operand is longer than the modulus or the scratch is too short.", nameof(a));
        }

        Span<ulong> x = scratch[..length];
        Span<ulong> y = scratch.Slice(length, length);
        x.Clear();
        a.CopyTo(x);
        n.CopyTo(y);
        int lx = Trim(x, a.Length);
        int ly = Trim(y, length);
        int sign = 1;
        unchecked
        {
            while (true)
            {
                if (lx == 0)
                {
                    // (0 | n) is 1 for n = 1 and 0 otherwise.
                    return ly == 1 && y[0] == 1 ? sign : 0;
                }

                // x = 2^t·x' with x' odd: (x | y) = (2 | y)^t·(x' | y), (2 | y) = −1 iff y ≡ 3, 5 mod 8.
                int shift = ShiftOutZeros(x, ref lx);
                if ((shift & 1) != 0 && ((y[0] & 7) == 3 || (y[0] & 7) == 5))
                {
                    sign = -sign;
                }

                if (ly == 1 && y[0] == 1)
                {
                    return sign;
                }

                // Both odd. Keep x ≥ y, swapping by reciprocity: −1 iff both are 3 mod 4.
                if (Less(x, lx, y, ly))
                {
                    Span<ulong> t = x;
                    x = y;
                    y = t;
                    (lx, ly) = (ly, lx);
                    if ((x[0] & 3) == 3 && (y[0] & 3) == 3)
                    {
                        sign = -sign;
                    }
                }

                // x − y is even (or zero): (x | y) = (x − y | y).
                SubtractInPlace(x, ref lx, y, ly);
            }
        }
    }

    /// <summary>The same symbol on BigInteger (the straightforward version the limb code is tested against).</summary>
    public static int Reference(BigInteger a, BigInteger n)
    {
        if (n.Sign <= 0 || n.IsEven)
        {
            throw new ArgumentException("The modulus of a Jacobi symbol must be odd and positive.", nameof(n));
        }

        a %= n;
        if (a.Sign < 0)
        {
            a += n;
        }

        int sign = 1;
        while (!a.IsZero)
        {
            while (a.IsEven)
            {
                a >>= 1;
                int r = (int)(n % 8);
                if (r == 3 || r == 5)
                {
                    sign = -sign;
                }
            }

            (a, n) = (n, a);
            if (a % 4 == 3 && n % 4 == 3)
            {
                sign = -sign;
            }

            a %= n;
        }

        return n.IsOne ? sign : 0;
    }

    private static int Trim(ReadOnlySpan<ulong> value, int length)
    {
        while (length > 0 && value[length - 1] == 0)
        {
            length--;
        }

        return length;
    }

    private static bool Less(ReadOnlySpan<ulong> x, int lx, ReadOnlySpan<ulong> y, int ly)
    {
        if (lx != ly)
        {
            return lx < ly;
        }

        for (int i = lx - 1; i >= 0; i--)
        {
            if (x[i] != y[i])
            {
                return x[i] < y[i];
            }
        }

        return false;
    }

    /// <summary>x = x / 2^t for the largest t; returns t. x is non-zero.</summary>
    private static int ShiftOutZeros(Span<ulong> x, ref int lx)
    {
        int words = 0;
        while (x[words] == 0)
        {
            words++;
        }

        int bits = BitOperations.TrailingZeroCount(x[words]);
        int shift = (words * 64) + bits;
        if (shift == 0)
        {
            return 0;
        }

        ShiftRight(x, ref lx, words, bits);
        return shift;
    }

    private static void ShiftRight(Span<ulong> x, ref int lx, int words, int bits)
    {
        int count = lx - words;
        if (bits == 0)
        {
            x.Slice(words, count).CopyTo(x);
        }
        else
        {
            unchecked
            {
                for (int i = 0; i < count - 1; i++)
                {
                    x[i] = (x[i + words] >> bits) | (x[i + words + 1] << (64 - bits));
                }

                x[count - 1] = x[lx - 1] >> bits;
            }
        }

        x[count..lx].Clear();
        lx = Trim(x, count);
    }

    /// <summary>x = x − y for x ≥ y, then drops the factors of two the difference always has (x, y odd).</summary>
    private static void SubtractInPlace(Span<ulong> x, ref int lx, ReadOnlySpan<ulong> y, int ly)
    {
        Debug.Assert(!Less(x, lx, y, ly));
        unchecked
        {
            ulong borrow = 0;
            int i = 0;
            for (; i < ly; i++)
            {
                ulong xi = x[i];
                ulong yi = y[i];
                ulong d = xi - yi;
                ulong b1 = xi < yi ? 1UL : 0UL;
                ulong d2 = d - borrow;
                ulong b2 = d < borrow ? 1UL : 0UL;
                x[i] = d2;
                borrow = b1 | b2;
            }

            for (; borrow != 0 && i < lx; i++)
            {
                ulong xi = x[i];
                x[i] = xi - 1;
                borrow = xi == 0 ? 1UL : 0UL;
            }
        }

        lx = Trim(x, lx);
    }
}
