using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Entente.Cryptography.Arithmetic;

/// <summary>
/// The Jacobi symbol (a | n) for odd n &gt; 0 on little-endian 64-bit limbs, by the binary algorithm
/// (Shallit and Sorenson, "A binary algorithm for the Jacobi symbol", SIGSAM Bull. 27, 1993):
/// strip factors of two from a, using (2 | n) = (−1)^((n²−1)/8); when a &lt; n swap them, using
/// quadratic reciprocity (a | n) = (n | a)·(−1)^((a−1)/2·(n−1)/2) for odd a, n; subtract n from a.
/// For a prime n it is the Legendre symbol: 1 for a non-zero square, −1 for a non-square, 0 for a ≡ 0.
/// </summary>
/// <remarks>
/// Variable time: for public values only (records a verifier reads). No allocation: the caller
/// supplies scratch of <see cref="ScratchLength"/> words. Each step subtracts and shifts in one pass
/// over the limbs still in use, and the lengths shrink as the values do, so a 4096-bit symbol costs
/// about as much as twenty 4096-bit modular multiplications.
/// </remarks>
internal static class LimbJacobi
{
    /// <summary>Scratch words <see cref="Symbol"/> needs for operands of at most <paramref name="limbs"/> limbs.</summary>
    public static int ScratchLength(int limbs) => 2 * limbs;

    /// <summary>
    /// (a | n) ∈ {−1, 0, 1}. <paramref name="n"/> must be odd; <paramref name="a"/> may be any
    /// non-negative value no longer than n in limbs (it need not be reduced).
    /// </summary>
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
