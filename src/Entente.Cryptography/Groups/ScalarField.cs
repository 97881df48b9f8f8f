using System.Diagnostics;
using System.Numerics;

namespace Entente.Cryptography.Groups;

/// <summary>
/// Arithmetic modulo the group order q (at most 256 bits; ElectionGuard 2.1 §3.1.1: q = 2^256 − 189,
/// the toy groups of the appendix use smaller primes). Four 64-bit limbs, little-endian, always fully
/// reduced. Montgomery multiplication (CIOS) with R = 2^256; the final subtractions and selections use
/// masks, so the running time does not depend on the values.
/// </summary>
internal sealed class ScalarField
{
    /// <summary>Number of limbs of every scalar.</summary>
    public const int Limbs = 4;

    private readonly ulong[] _q;
    private readonly ulong _n0;
    private readonly ulong[] _r2;
    private readonly ulong[] _qMinusTwo;

    public ScalarField(BigInteger q)
    {
        if (q.Sign <= 0 || q.IsEven || q.GetBitLength() > 256)
        {
            throw new ArgumentOutOfRangeException(nameof(q), "q must be odd, positive and at most 256 bits.");
        }

        _q = ToLimbs(q);
        BitLength = (int)q.GetBitLength();
        ExponentLimbs = (BitLength + 63) / 64;
        BigInteger r = BigInteger.One << 256;
        _r2 = ToLimbs(r * r % q);
        _qMinusTwo = ToLimbs(q - 2);

        // n0 = −q^{-1} mod 2^64 by Newton iteration.
        ulong inv = 1;
        unchecked
        {
            for (int i = 0; i < 7; i++)
            {
                inv *= 2 - (_q[0] * inv);
            }

            _n0 = 0 - inv;
        }
    }

    /// <summary>Bits of q.</summary>
    public int BitLength { get; }

    /// <summary>Limbs that cover q: the length of exponent spans handed to the mod-p engine.</summary>
    public int ExponentLimbs { get; }

    /// <summary>q as little-endian limbs.</summary>
    public ReadOnlySpan<ulong> Modulus => _q;

    public static ulong[] ToLimbs(BigInteger value)
    {
        Debug.Assert(value.Sign >= 0 && value.GetBitLength() <= 256);
        ulong[] limbs = new ulong[Limbs];
        byte[] bytes = value.ToByteArray(isUnsigned: true, isBigEndian: false);
        for (int i = 0; i < bytes.Length; i++)
        {
            limbs[i / 8] |= (ulong)bytes[i] << (8 * (i % 8));
        }

        return limbs;
    }

    /// <summary>True when a &lt; q (constant time).</summary>
    public bool IsReduced(ReadOnlySpan<ulong> a)
    {
        Span<ulong> scratch = stackalloc ulong[Limbs];
        bool reduced = SubtractWithBorrow(a, _q, scratch) == 1;
        scratch.Clear();
        return reduced;
    }

    public void Add(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, Span<ulong> result)
    {
        Span<ulong> t = stackalloc ulong[Limbs + 1];
        unchecked
        {
            UInt128 carry = 0;
            for (int i = 0; i < Limbs; i++)
            {
                carry = (UInt128)a[i] + b[i] + (carry >> 64);
                t[i] = (ulong)carry;
            }

            t[Limbs] = (ulong)(carry >> 64);
        }

        SubtractQIfNotLess(t, result);
    }

    public void Subtract(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, Span<ulong> result)
    {
        Span<ulong> t = stackalloc ulong[Limbs];
        ulong borrow = SubtractWithBorrow(a, b, t);
        unchecked
        {
            // Add q back when the subtraction borrowed.
            ulong mask = 0 - borrow;
            UInt128 carry = 0;
            for (int i = 0; i < Limbs; i++)
            {
                carry = (UInt128)t[i] + (_q[i] & mask) + (carry >> 64);
                result[i] = (ulong)carry;
            }
        }
    }

    public void Negate(ReadOnlySpan<ulong> a, Span<ulong> result)
    {
        Span<ulong> zero = stackalloc ulong[Limbs];
        zero.Clear();
        Subtract(zero, a, result);
    }

    public void Multiply(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, Span<ulong> result)
    {
        Span<ulong> t = stackalloc ulong[Limbs];
        MontgomeryMultiply(a, b, t);
        MontgomeryMultiply(t, _r2, result);
        t.Clear();
    }

    /// <summary>result = a^(q−2) = a^{-1} mod q (0 maps to 0). The exponent is public; the base may be secret.</summary>
    public void Invert(ReadOnlySpan<ulong> a, Span<ulong> result)
    {
        Span<ulong> baseM = stackalloc ulong[Limbs];
        Span<ulong> acc = stackalloc ulong[Limbs];
        Span<ulong> one = stackalloc ulong[Limbs];
        one.Clear();
        one[0] = 1;
        MontgomeryMultiply(a, _r2, baseM);
        MontgomeryMultiply(one, _r2, acc);
        for (int bit = BitLength - 1; bit >= 0; bit--)
        {
            MontgomeryMultiply(acc, acc, acc);
            if (((_qMinusTwo[bit / 64] >> (bit % 64)) & 1) == 1)
            {
                MontgomeryMultiply(acc, baseM, acc);
            }
        }

        MontgomeryMultiply(acc, one, result);
        baseM.Clear();
        acc.Clear();
    }

    /// <summary>result = value mod q for any 256-bit value.</summary>
    public void Reduce256(ReadOnlySpan<ulong> value, Span<ulong> result)
    {
        Span<ulong> t = stackalloc ulong[Limbs];
        Span<ulong> one = stackalloc ulong[Limbs];
        one.Clear();
        one[0] = 1;
        MontgomeryMultiply(value, _r2, t);      // value·R mod q
        MontgomeryMultiply(t, one, result);     // value mod q
        t.Clear();
    }

    /// <summary>result = (high·2^256 + low) mod q for any 512-bit value.</summary>
    public void Reduce512(ReadOnlySpan<ulong> low, ReadOnlySpan<ulong> high, Span<ulong> result)
    {
        Span<ulong> lowReduced = stackalloc ulong[Limbs];
        Span<ulong> highShifted = stackalloc ulong[Limbs];
        Reduce256(low, lowReduced);
        MontgomeryMultiply(high, _r2, highShifted); // high·R mod q
        Add(lowReduced, highShifted, result);
        lowReduced.Clear();
        highShifted.Clear();
    }

    /// <summary>Constant-time equality of two reduced scalars.</summary>
    public static bool Equal(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b)
    {
        ulong diff = 0;
        for (int i = 0; i < Limbs; i++)
        {
            diff |= a[i] ^ b[i];
        }

        return diff == 0;
    }

    /// <summary>
    /// CIOS Montgomery product a·b·2^-256 mod q. Requires a &lt; 2^256 and b &lt; q; the result is
    /// fully reduced. result may alias a or b.
    /// </summary>
    private void MontgomeryMultiply(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, Span<ulong> result)
    {
        Span<ulong> t = stackalloc ulong[Limbs + 2];
        t.Clear();
        unchecked
        {
            for (int i = 0; i < Limbs; i++)
            {
                UInt128 c = 0;
                for (int j = 0; j < Limbs; j++)
                {
                    c = ((UInt128)a[i] * b[j]) + t[j] + (c >> 64);
                    t[j] = (ulong)c;
                }

                c = (UInt128)t[Limbs] + (c >> 64);
                t[Limbs] = (ulong)c;
                t[Limbs + 1] = (ulong)(c >> 64);

                ulong m = t[0] * _n0;
                c = ((UInt128)m * _q[0]) + t[0];
                for (int j = 1; j < Limbs; j++)
                {
                    c = ((UInt128)m * _q[j]) + t[j] + (c >> 64);
                    t[j - 1] = (ulong)c;
                }

                c = (UInt128)t[Limbs] + (c >> 64);
                t[Limbs - 1] = (ulong)c;
                t[Limbs] = t[Limbs + 1] + (ulong)(c >> 64);
            }
        }

        SubtractQIfNotLess(t[..(Limbs + 1)], result);
        t.Clear();
    }

    /// <summary>result = a − b over <see cref="Limbs"/> limbs; returns the final borrow (0 or 1). Branch-free.</summary>
    private static ulong SubtractWithBorrow(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, Span<ulong> result)
    {
        unchecked
        {
            // Hacker's Delight 2-13: the borrow out of a − b − borrow is the top bit of
            // (¬a ∧ b) ∨ (¬(a ⊕ b) ∧ d), computed without comparisons or branches.
            ulong borrow = 0;
            for (int i = 0; i < Limbs; i++)
            {
                ulong x = a[i];
                ulong y = b[i];
                ulong d = x - y - borrow;
                result[i] = d;
                borrow = ((~x & y) | (~(x ^ y) & d)) >> 63;
            }

            return borrow;
        }
    }

    /// <summary>result = t − q if t ≥ q else t, for t &lt; 2q given as Limbs+1 limbs.</summary>
    private void SubtractQIfNotLess(ReadOnlySpan<ulong> t, Span<ulong> result)
    {
        Span<ulong> d = stackalloc ulong[Limbs];
        ulong borrow = SubtractWithBorrow(t[..Limbs], _q, d);
        unchecked
        {
            // t ≥ q exactly when the top limb covers the borrow.
            ulong top = t[Limbs] - borrow;           // 0 (t ≥ q) or all ones (t < q)
            ulong keepT = top;                       // mask: all ones → keep t
            for (int i = 0; i < Limbs; i++)
            {
                result[i] = (t[i] & keepT) | (d[i] & ~keepT);
            }
        }

        d.Clear();
    }
}
