using System.Diagnostics;
using System.Numerics;

namespace Entente.Cryptography.Arithmetic;

/// <summary>Small helpers on little-endian 64-bit limb spans. Wrapping arithmetic is intended here.</summary>
internal static class LimbMath
{
    /// <summary>−x⁻¹ mod 2^64 for odd x (Newton iteration; each step doubles the correct low bits).</summary>
    public static ulong NegativeInverse(ulong x)
    {
        Debug.Assert((x & 1) == 1);
        unchecked
        {
            ulong inverse = x; // correct to 3 bits: x·x ≡ 1 mod 8 for odd x
            for (int i = 0; i < 5; i++)
            {
                inverse *= 2 - (x * inverse);
            }

            Debug.Assert(x * inverse == 1);
            return 0 - inverse;
        }
    }

    /// <summary>Number of significant bits (0 for zero). Variable time: public values only.</summary>
    public static int BitLength(ReadOnlySpan<ulong> value)
    {
        for (int i = value.Length - 1; i >= 0; i--)
        {
            if (value[i] != 0)
            {
                return (i * 64) + 64 - BitOperations.LeadingZeroCount(value[i]);
            }
        }

        return 0;
    }

    /// <summary>Whether any bit at position <paramref name="bit"/> or above is set; time depends only on the lengths.</summary>
    public static bool HasBitsFrom(ReadOnlySpan<ulong> value, int bit)
    {
        ulong any = 0;
        for (int i = 0; i < value.Length; i++)
        {
            int low = i * 64;
            if (low >= bit)
            {
                any |= value[i];
            }
            else if (low + 64 > bit)
            {
                any |= value[i] >> (bit - low);
            }
        }

        return any != 0;
    }

    /// <summary>Bit <paramref name="index"/> (0 = least significant); zero beyond the span.</summary>
    public static bool Bit(ReadOnlySpan<ulong> value, int index)
    {
        int limb = index >> 6;
        return limb < value.Length && ((value[limb] >> (index & 63)) & 1) != 0;
    }

    /// <summary>
    /// The <paramref name="count"/> bits (at most 32) starting at bit <paramref name="low"/>, zero beyond the span.
    /// The limbs read depend only on the position, never on the value.
    /// </summary>
    public static int Bits(ReadOnlySpan<ulong> value, int low, int count)
    {
        Debug.Assert(count is > 0 and <= 32 && low >= 0);
        int limb = low >> 6;
        int shift = low & 63;
        ulong word = limb < value.Length ? value[limb] >> shift : 0;
        if (shift + count > 64 && limb + 1 < value.Length)
        {
            word |= value[limb + 1] << (64 - shift);
        }

        return (int)(word & ((1UL << count) - 1));
    }

    /// <summary>All ones when a == b, else zero, without a branch.</summary>
    public static ulong EqualMask(uint a, uint b)
    {
        unchecked
        {
            ulong difference = a ^ b;                // < 2^32
            return (ulong)((long)(difference - 1) >> 63);
        }
    }

    /// <summary>−1, 0 or 1 as a is less than, equal to or greater than b (same length). Variable time.</summary>
    public static int Compare(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b)
    {
        Debug.Assert(a.Length == b.Length);
        for (int i = a.Length - 1; i >= 0; i--)
        {
            if (a[i] != b[i])
            {
                return a[i] < b[i] ? -1 : 1;
            }
        }

        return 0;
    }

    /// <summary>
    /// value = value − m if value ≥ m, where value has an extra top word <paramref name="top"/>;
    /// constant time (the subtraction is always computed, the result chosen with a mask).
    /// </summary>
    public static void ConditionalSubtract(Span<ulong> value, ulong top, ReadOnlySpan<ulong> m, Span<ulong> scratch)
    {
        Debug.Assert(value.Length == m.Length && scratch.Length >= m.Length);
        unchecked
        {
            ulong borrow = 0;
            for (int i = 0; i < m.Length; i++)
            {
                ulong x = value[i];
                ulong y = m[i];
                ulong d = x - y - borrow;
                // borrow out of x − y − borrow, branch-free
                borrow = ((~x & y) | (~(x ^ y) & d)) >> 63;
                scratch[i] = d;
            }

            // Keep the difference when it did not go negative, counting the top word.
            ulong keepDifference = 0 - (((top - borrow) >> 63) ^ 1);
            for (int i = 0; i < m.Length; i++)
            {
                value[i] = (scratch[i] & keepDifference) | (value[i] & ~keepDifference);
            }
        }
    }
}
