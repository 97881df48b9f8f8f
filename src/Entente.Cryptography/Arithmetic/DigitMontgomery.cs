using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Entente.Cryptography.Arithmetic;

/// <summary>
/// What the vector engines (<see cref="Avx2Montgomery"/>, <see cref="Avx512Montgomery"/>) share: a number
/// is k digits of 27 bits, one per 64-bit lane, padded to a whole number of vectors; the radix
/// R = 2^(27·k) is above 4m, so values stay below 2m inside the engine ("almost Montgomery
/// multiplication") and <see cref="Export"/> does the one conditional subtraction, with a mask; a
/// fixed-base table stores each digit in 32 bits. Subclasses supply the multiplication, its scratch and
/// the widening load of a stored entry, for their vector width.
/// </summary>
internal abstract class DigitMontgomery : MontgomeryEngine
{
    /// <summary>Bits per digit.</summary>
    protected const int DigitBits = 27;

    /// <summary>The low 27 bits.</summary>
    protected const ulong DigitMask = (1UL << DigitBits) - 1;

    private readonly ulong[] _m;    // the modulus, 64-bit limbs

    /// <summary>Sets out the digits for <paramref name="rowsPerPass"/> rows per pass and vectors of <paramref name="vectorLanes"/> lanes.</summary>
    protected DigitMontgomery(ReadOnlySpan<ulong> modulus, int rowsPerPass, int vectorLanes)
        : base(modulus)
    {
        _m = modulus.ToArray();
        int bits = LimbMath.BitLength(modulus);
        int k = (bits + 2 + DigitBits - 1) / DigitBits;         // 2^(27k) > 4m
        k = (k + rowsPerPass - 1) / rowsPerPass * rowsPerPass;  // the rows of a pass go together
        Digits = k;
        Lanes = (k + rowsPerPass - 1 + vectorLanes - 1) & ~(vectorLanes - 1);
        DigitInverse = NegInverse & DigitMask;
    }

    /// <summary>k: the number of 27-bit digits, a multiple of the rows per pass (for tests and reports).</summary>
    public int Digits { get; }

    /// <summary>L: lanes per value, a whole number of vectors, at least k + rows per pass − 1.</summary>
    protected int Lanes { get; }

    /// <summary>−m⁻¹ mod 2^27.</summary>
    protected ulong DigitInverse { get; }

    protected override int Width => Lanes;

    protected override int StoredWidth => Lanes / 2;

    // Measured on the 4096-bit p: w = 6 for secret exponents (AVX2: 0.25x -> 0.16x mpz_powm).
    protected override int SecretTableWindow => 6;

    protected override int RadixBits => DigitBits * Digits;

    protected override void Import(ReadOnlySpan<ulong> limbs, Span<ulong> value) => ToDigits(limbs, value[..Lanes]);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Export(ReadOnlySpan<ulong> value, Span<ulong> limbs)
    {
        int n = LimbCount;
        Span<ulong> packed = stackalloc ulong[MaxLimbs + 4];
        packed.Clear();
        unchecked
        {
            ulong carry = 0; // digits may exceed 27 bits slightly (see the engines' Normalize): finish carrying
            for (int j = 0; j < Digits; j++)
            {
                ulong x = value[j] + carry;
                ulong digit = x & DigitMask;
                carry = x >> DigitBits;
                int bit = j * DigitBits;
                int limb = bit >> 6;
                int shift = bit & 63;
                packed[limb] |= digit << shift;
                if (shift > 64 - DigitBits)
                {
                    packed[limb + 1] |= digit >> (64 - shift);
                }
            }

            Debug.Assert(carry == 0, "value is not below 2^(27k)");
        }

        Debug.Assert(value[Digits..].IndexOfAnyExcept(0UL) < 0, "value has digits above k");

        // value < 2m, so everything above limb n − 1 fits the one word packed[n].
        Debug.Assert(!packed[(n + 1)..].ContainsAnyExcept(0UL));
        Span<ulong> difference = stackalloc ulong[MaxLimbs];
        LimbMath.ConditionalSubtract(packed[..n], packed[n], _m, difference[..n]);
        packed[..n].CopyTo(limbs);
        Wipe(packed);
        Wipe(difference[..n]);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Store(ReadOnlySpan<ulong> value, Span<ulong> stored)
    {
        Span<uint> digits = MemoryMarshal.Cast<ulong, uint>(stored[..StoredWidth]);
        for (int j = 0; j < Lanes; j++)
        {
            digits[j] = (uint)value[j];
        }
    }

    /// <summary>
    /// Writes x shifted up by 0 .. rows − 1 digits, interleaved by blocks of one vector:
    /// destination[rows·j + lanes·s + l] = x[j + l − s] for j a multiple of lanes (zero below index 0).
    /// </summary>
    protected void Interleave(ReadOnlySpan<ulong> x, Span<ulong> destination, int rowsPerPass, int vectorLanes)
    {
        int lanes = Lanes;
        Debug.Assert(destination.Length >= rowsPerPass * lanes);
        for (int j = 0; j < lanes; j += vectorLanes)
        {
            Span<ulong> block = destination.Slice(rowsPerPass * j, rowsPerPass * vectorLanes);
            for (int shift = 0; shift < rowsPerPass; shift++)
            {
                for (int lane = 0; lane < vectorLanes; lane++)
                {
                    int index = j + lane - shift;
                    block[(vectorLanes * shift) + lane] = index >= 0 ? x[index] : 0;
                }
            }
        }
    }

    /// <summary>Splits limbs into 27-bit digits; digits beyond the value are zero.</summary>
    protected void ToDigits(ReadOnlySpan<ulong> limbs, Span<ulong> digits)
    {
        int n = limbs.Length;
        digits.Clear();
        for (int j = 0; j < Digits; j++)
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
