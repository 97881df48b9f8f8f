using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Entente.Cryptography.Arithmetic;

/// <summary>
/// Multi-exponentiation with many bases and short public exponents: the bucket method ("Pippenger's
/// algorithm" as described by Bernstein, Doumen, Lange and Oosterwijk, "Faster batch forgery
/// identification", INDOCRYPT 2012, §4). For each window of c exponent bits every base is multiplied
/// into the bucket of its digit d, then Π_d bucket_d^d is formed with two running products; the windows
/// are joined by c squarings. With N bases and 64-bit exponents that is about 64/c + 2^(c+1)·(64/c)/N
/// multiplications per base (c = 6 and N = 200: about 15), where one exponentiation per base would
/// cost 80.
/// </summary>
internal abstract partial class MontgomeryEngine
{
    /// <summary>Exponent bits (one limb).</summary>
    private const int SmallExponentBits = 64;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void MultiPowSmall(ReadOnlySpan<ulong> bases, ReadOnlySpan<ulong> exponents, Span<ulong> result)
    {
        int count = exponents.Length;
        int limbs = LimbCount;
        if (bases.Length != count * limbs || result.Length != limbs)
        {
            throw new ArgumentException("The bases must be exponents.Length numbers of LimbCount limbs, the result LimbCount limbs.", nameof(bases));
        }

        if (count == 0)
        {
            SetOne(result);
            return;
        }

        int window = BucketWindow(count);
        int buckets = (1 << window) - 1;
        int width = Width;
        int length = ((count + buckets + 3) * width) + ScratchLength;
        using PooledWords pooled = new(length);
        Span<ulong> work = pooled.Span;
        Span<ulong> converted = work[..(count * width)];
        Span<ulong> bucketValues = work.Slice(count * width, buckets * width);
        Span<ulong> acc = work.Slice((count + buckets) * width, width);
        Span<ulong> running = work.Slice((count + buckets + 1) * width, width);
        Span<ulong> windowProduct = work.Slice((count + buckets + 2) * width, width);
        Span<ulong> scratch = work[((count + buckets + 3) * width)..];
        Span<bool> filled = stackalloc bool[1 << MaxBucketWindow];

        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<ulong> value = bases.Slice(i * limbs, limbs);
            AssertReduced(value);
            Span<ulong> slot = converted.Slice(i * width, width);
            Import(value, slot);
            MontMul(slot, R2, slot, scratch);
        }

        bool started = false;
        int windows = (SmallExponentBits + window - 1) / window;
        for (int w = windows - 1; w >= 0; w--)
        {
            if (started)
            {
                for (int s = 0; s < window; s++)
                {
                    MontSqr(acc, acc, scratch);
                }
            }

            filled.Clear();
            int shift = w * window;
            int bits = Math.Min(window, SmallExponentBits - shift);
            ulong mask = (1UL << bits) - 1;
            for (int i = 0; i < count; i++)
            {
                int digit = (int)((exponents[i] >> shift) & mask);
                if (digit == 0)
                {
                    continue;
                }

                Span<ulong> bucket = bucketValues.Slice((digit - 1) * width, width);
                if (filled[digit])
                {
                    MontMul(bucket, converted.Slice(i * width, width), bucket, scratch);
                }
                else
                {
                    converted.Slice(i * width, width).CopyTo(bucket);
                    filled[digit] = true;
                }
            }

            // Π_d bucket_d^d = Π_d (Π_{d' ≥ d} bucket_d'): a running product from the top digit down.
            bool runningSet = false;
            bool productSet = false;
            for (int digit = buckets; digit >= 1; digit--)
            {
                if (filled[digit])
                {
                    Span<ulong> bucket = bucketValues.Slice((digit - 1) * width, width);
                    if (runningSet)
                    {
                        MontMul(running, bucket, running, scratch);
                    }
                    else
                    {
                        bucket.CopyTo(running);
                        runningSet = true;
                    }
                }

                if (runningSet)
                {
                    if (productSet)
                    {
                        MontMul(windowProduct, running, windowProduct, scratch);
                    }
                    else
                    {
                        running.CopyTo(windowProduct);
                        productSet = true;
                    }
                }
            }

            if (productSet)
            {
                MultiplyInto(acc, windowProduct, ref started, scratch);
            }
        }

        if (!started)
        {
            SetOne(result);
            return;
        }

        FromMontgomery(acc, result, scratch);
    }

    private const int MaxBucketWindow = 10;

    /// <summary>The window c minimising windows·(N + 2·2^c) multiplications for N bases.</summary>
    private static int BucketWindow(int count)
    {
        int best = 1;
        long bestCost = long.MaxValue;
        for (int c = 1; c <= MaxBucketWindow; c++)
        {
            long windows = (SmallExponentBits + c - 1) / c;
            long cost = windows * (count + (2L << c));
            if (cost < bestCost)
            {
                bestCost = cost;
                best = c;
            }
        }

        Debug.Assert(best is >= 1 and <= MaxBucketWindow);
        return best;
    }
}

/// <summary>
/// One base, several public exponents (x^(e_1), …, x^(e_k)), by splitting the exponents: with
/// B_j = x^(2^(h·j)) for j &lt; m pieces of h bits, x^e = Π_j B_j^(e_j) where e_j is the j-th piece of e,
/// computed as an m-base interleaved sliding-window product over h bits. The powers B_j and their
/// tables of odd powers are built once and shared by every exponent: for two 256-bit exponents
/// (m = 4, h = 64, window 4) about 450 multiplications instead of 630 for two separate
/// exponentiations.
/// </summary>
internal abstract partial class MontgomeryEngine
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void PowMany(ReadOnlySpan<ulong> baseValue, ReadOnlySpan<ulong> exponents, int exponentLimbs, Span<ulong> results)
    {
        AssertReduced(baseValue);
        int limbs = LimbCount;
        if (exponentLimbs < 1 || exponents.Length % exponentLimbs != 0 || results.Length != exponents.Length / exponentLimbs * limbs)
        {
            throw new ArgumentException("The exponents must be whole numbers of exponentLimbs limbs and the results one number of LimbCount limbs per exponent.", nameof(exponents));
        }

        int count = exponents.Length / exponentLimbs;
        int bits = 0;
        for (int k = 0; k < count; k++)
        {
            bits = Math.Max(bits, LimbMath.BitLength(exponents.Slice(k * exponentLimbs, exponentLimbs)));
        }

        if (bits == 0)
        {
            for (int k = 0; k < count; k++)
            {
                SetOne(results.Slice(k * limbs, limbs));
            }

            return;
        }

        int pieces = bits >= 128 ? 4 : bits >= 32 ? 2 : 1;
        int pieceBits = (bits + pieces - 1) / pieces;
        int window = pieceBits >= 48 ? 4 : pieceBits >= 16 ? 3 : 2;
        int entries = 1 << (window - 1);
        int width = Width;
        int tableWords = pieces * entries * width;
        using PooledWords pooled = new(tableWords + (2 * width) + ScratchLength);
        Span<ulong> work = pooled.Span;
        Span<ulong> tables = work[..tableWords];
        Span<ulong> acc = work.Slice(tableWords, width);
        Span<ulong> square = work.Slice(tableWords + width, width);
        Span<ulong> scratch = work[(tableWords + (2 * width))..];

        // Piece bases B_j = x^(2^(h·j)) (Montgomery form) as the first entry of each table, then odd powers.
        Span<ulong> first = tables[..width];
        Import(baseValue, first);
        MontMul(first, R2, first, scratch);
        for (int j = 0; j < pieces; j++)
        {
            Span<ulong> table = tables.Slice(j * entries * width, entries * width);
            if (j > 0)
            {
                tables.Slice((j - 1) * entries * width, width).CopyTo(table[..width]);
                for (int s = 0; s < pieceBits; s++)
                {
                    MontSqr(table[..width], table[..width], scratch);
                }
            }

            if (entries > 1)
            {
                MontSqr(table[..width], square, scratch);
                for (int e = 1; e < entries; e++)
                {
                    MontMul(table.Slice((e - 1) * width, width), square, table.Slice(e * width, width), scratch);
                }
            }
        }

        Span<int> low = stackalloc int[pieces];
        Span<int> digit = stackalloc int[pieces];
        for (int k = 0; k < count; k++)
        {
            ReadOnlySpan<ulong> exponent = exponents.Slice(k * exponentLimbs, exponentLimbs);
            low.Fill(-1);
            bool started = false;
            for (int i = pieceBits - 1; i >= 0; i--)
            {
                if (started)
                {
                    MontSqr(acc, acc, scratch);
                }

                for (int j = 0; j < pieces; j++)
                {
                    int offset = j * pieceBits;
                    if (low[j] < 0 && LimbMath.Bit(exponent, offset + i))
                    {
                        // Open a window of at most `window` bits ending at the lowest set bit, inside piece j.
                        int lowest = Math.Max(i - window + 1, 0);
                        while (!LimbMath.Bit(exponent, offset + lowest))
                        {
                            lowest++;
                        }

                        low[j] = lowest;
                        digit[j] = LimbMath.Bits(exponent, offset + lowest, i - lowest + 1);
                    }

                    if (low[j] == i)
                    {
                        MultiplyInto(acc, tables.Slice(((j * entries) + (digit[j] >> 1)) * width, width), ref started, scratch);
                        low[j] = -1;
                    }
                }
            }

            Span<ulong> result = results.Slice(k * limbs, limbs);
            if (!started)
            {
                SetOne(result);
            }
            else
            {
                FromMontgomery(acc, result, scratch);
            }
        }
    }
}
