using System.Buffers;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;

namespace Entente.Cryptography.Arithmetic;

/// <summary>
/// Exponentiation on top of a Montgomery multiplication (Montgomery, "Modular multiplication without
/// trial division", Math. Comp. 44, 1985). Subclasses supply the multiplication in their own internal
/// representation (<see cref="ScalarMontgomery"/>: 64-bit limbs, fully reduced;
/// <see cref="Avx2Montgomery"/> and <see cref="Avx512Montgomery"/>: 27-bit digits in 64-bit lanes,
/// reduced only below 2m); this class
/// supplies the algorithms:
/// <list type="bullet">
/// <item><see cref="Pow"/>: left-to-right sliding window over odd powers (public exponents).</item>
/// <item><see cref="PowSecret"/>: fixed window, every table entry read with a mask for every window,
/// one multiplication per window whatever the digit, no branch or address that depends on the
/// exponent; working memory wiped afterwards.</item>
/// <item><see cref="PowProduct"/>: Straus/Shamir simultaneous exponentiation with interleaved sliding
/// windows (one shared chain of squarings).</item>
/// <item><see cref="CreateFixedBaseTable"/>: for a fixed base g, the powers g^(d·2^(w·i)) for every
/// window i and digit d, so that an exponentiation is one multiplication per window and no squaring.</item>
/// </list>
/// </summary>
/// <remarks>
/// Thread safety: an engine is immutable after construction; every call takes its working memory from
/// <see cref="ArrayPool{T}.Shared"/> (wiped before it is returned) or from the stack, so one engine may
/// be used from several threads at once.
/// </remarks>
internal abstract partial class MontgomeryEngine : IModularArithmetic
{
    /// <summary>Largest modulus the engines accept, in limbs (8192 bits is twice the standard p).</summary>
    public const int MaxLimbs = 128;

    /// <summary>Largest fixed-base table, in bytes (8 MiB per base).</summary>
    public const long MaxTableBytes = 8L * 1024 * 1024;

    private readonly ulong[] _modulus;
    private ulong[] _r2 = [];
    private ulong[] _montOne = [];
    private ulong[] _one = [];

    protected MontgomeryEngine(ReadOnlySpan<ulong> modulus)
    {
        if (modulus.IsEmpty || (modulus[0] & 1) == 0)
        {
            throw new ArgumentException("The modulus must be odd and non-empty.", nameof(modulus));
        }

        if (modulus.Length > MaxLimbs)
        {
            throw new ArgumentException($"The modulus may have at most {MaxLimbs} limbs.", nameof(modulus));
        }

        if (modulus.Length == 1 && modulus[0] == 1)
        {
            throw new ArgumentException("The modulus must be greater than 1.", nameof(modulus));
        }

        _modulus = modulus.ToArray();
        NegInverse = LimbMath.NegativeInverse(modulus[0]);
    }

    public int LimbCount => _modulus.Length;

    public ReadOnlySpan<ulong> Modulus => _modulus;

    public abstract string EngineName { get; }

    /// <summary>−m⁻¹ mod 2^64.</summary>
    protected ulong NegInverse { get; }

    /// <summary>Length in 64-bit words of a value in internal (Montgomery) representation.</summary>
    protected abstract int Width { get; }

    /// <summary>Length in 64-bit words of the scratch one multiplication needs.</summary>
    protected abstract int ScratchLength { get; }

    /// <summary>Length in 64-bit words of a value as stored in a fixed-base table.</summary>
    protected virtual int StoredWidth => Width;

    /// <summary>
    /// Window of the fixed-base layout scanned for secret exponents (8: share the public layout).
    /// A narrower window scans fewer bytes for more multiplications; it pays when multiplying is cheap.
    /// </summary>
    protected virtual int SecretTableWindow => 8;

    /// <summary>log2 of the Montgomery radix R.</summary>
    protected abstract int RadixBits { get; }

    /// <summary>r = a·b·R⁻¹ (internal representation). r may alias a or b. No allocation.</summary>
    protected abstract void MontMul(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, Span<ulong> r, Span<ulong> scratch);

    /// <summary>r = a·a·R⁻¹ (internal representation). r may alias a. No allocation.</summary>
    protected abstract void MontSqr(ReadOnlySpan<ulong> a, Span<ulong> r, Span<ulong> scratch);

    /// <summary>Converts a fully reduced number (<see cref="LimbCount"/> limbs) to internal representation, same value.</summary>
    protected abstract void Import(ReadOnlySpan<ulong> limbs, Span<ulong> value);

    /// <summary>Converts an internal value back to limbs, fully reduced modulo m.</summary>
    protected abstract void Export(ReadOnlySpan<ulong> value, Span<ulong> limbs);

    /// <summary>Packs an internal value for a fixed-base table.</summary>
    protected virtual void Store(ReadOnlySpan<ulong> value, Span<ulong> stored) => value.CopyTo(stored);

    /// <summary>Unpacks a stored table value.</summary>
    protected virtual void Load(ReadOnlySpan<ulong> stored, Span<ulong> value) => stored.CopyTo(value);

    /// <summary>Subclasses call this at the end of their constructor, once <see cref="RadixBits"/> and Width are known.</summary>
    protected void InitializeConstants()
    {
        BigInteger m = ReferenceArithmetic.ToBigInteger(_modulus);
        BigInteger r = BigInteger.One << RadixBits;
        Span<ulong> limbs = stackalloc ulong[LimbCount];
        _r2 = new ulong[Width];
        ReferenceArithmetic.FromBigInteger(r * r % m, limbs);
        Import(limbs, _r2);
        _montOne = new ulong[Width];
        ReferenceArithmetic.FromBigInteger(r % m, limbs);
        Import(limbs, _montOne);
        _one = new ulong[Width];
        limbs.Clear();
        limbs[0] = 1;
        Import(limbs, _one);
    }

    /// <summary>
    /// Tests only: one Montgomery product (or square) of internal values given directly, which may be
    /// anything the engine accepts internally (for the digit engines: up to 2m − 1, digits slightly above
    /// 27 bits), and the product's internal value. No validation.
    /// </summary>
    internal void MontgomeryProductForTests(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, Span<ulong> result, bool square)
    {
        using PooledWords pooled = new(ScratchLength);
        if (square)
        {
            MontSqr(a, result, pooled.Span);
        }
        else
        {
            MontMul(a, b, result, pooled.Span);
        }
    }

    /// <summary>Tests only: the length of an internal value in words.</summary>
    internal int InternalWidthForTests => Width;

    /// <summary>The internal value of R² mod m (converts into Montgomery form).</summary>
    protected ReadOnlySpan<ulong> R2 => _r2;

    /// <summary>The internal value of R mod m (the Montgomery form of 1).</summary>
    protected ReadOnlySpan<ulong> MontOne => _montOne;

    public int InternalLength => Width;

    public void ToInternal(ReadOnlySpan<ulong> limbs, Span<ulong> value)
    {
        AssertReduced(limbs);
        using PooledWords pooled = new(ScratchLength);
        Import(limbs, value);
        MontMul(value, R2, value, pooled.Span);
    }

    public void FromInternal(ReadOnlySpan<ulong> value, Span<ulong> limbs)
    {
        Debug.Assert(limbs.Length == LimbCount);
        using PooledWords pooled = new(Width + ScratchLength);
        Span<ulong> x = pooled.Span[..Width];
        value[..Width].CopyTo(x);
        FromMontgomery(x, limbs, pooled.Span[Width..]);
    }

    public void MultiplyInternal(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, Span<ulong> result)
    {
        using PooledWords pooled = new(ScratchLength);
        MontMul(a, b, result, pooled.Span);
    }

    public void ProductInternal(ReadOnlySpan<ulong> values, Span<ulong> result)
    {
        int width = Width;
        Debug.Assert(values.Length % width == 0);
        if (values.IsEmpty)
        {
            MontOne.CopyTo(result);
            return;
        }

        using PooledWords pooled = new(width + ScratchLength);
        Span<ulong> acc = pooled.Span[..width];
        values[..width].CopyTo(acc);
        for (int k = width; k < values.Length; k += width)
        {
            MontMul(acc, values.Slice(k, width), acc, pooled.Span[width..]);
        }

        acc.CopyTo(result);
    }

    public void Multiply(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, Span<ulong> result)
    {
        AssertReduced(a);
        AssertReduced(b);
        Debug.Assert(result.Length == LimbCount);
        int width = Width;
        using PooledWords pooled = new((2 * width) + ScratchLength);
        Span<ulong> work = pooled.Span;
        Span<ulong> x = work[..width];
        Span<ulong> y = work.Slice(width, width);
        Span<ulong> scratch = work[(2 * width)..];
        Import(a, x);
        Import(b, y);
        MontMul(x, y, x, scratch);      // a·b·R⁻¹
        MontMul(x, R2, x, scratch);     // a·b
        Export(x, result);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Pow(ReadOnlySpan<ulong> baseValue, ReadOnlySpan<ulong> exponent, Span<ulong> result)
    {
        AssertReduced(baseValue);
        Debug.Assert(result.Length == LimbCount);
        int bits = LimbMath.BitLength(exponent);
        if (bits == 0)
        {
            SetOne(result);
            return;
        }

        int window = PublicWindow(bits);
        int entries = 1 << (window - 1);
        int width = Width;
        int length = ((entries + 2) * width) + ScratchLength;
        using PooledWords pooled = new(length);
        Span<ulong> work = pooled.Span;
        Span<ulong> table = work[..(entries * width)];
        Span<ulong> acc = work.Slice(entries * width, width);
        Span<ulong> square = work.Slice((entries + 1) * width, width);
        Span<ulong> scratch = work[((entries + 2) * width)..];
        BuildOddPowers(baseValue, table, entries, square, scratch);

        bool started = false;
        int i = bits - 1;
        while (i >= 0)
        {
            if (!LimbMath.Bit(exponent, i))
            {
                MontSqr(acc, acc, scratch);
                i--;
                continue;
            }

            int low = Math.Max(i - window + 1, 0);
            while (!LimbMath.Bit(exponent, low))
            {
                low++;
            }

            int digit = LimbMath.Bits(exponent, low, i - low + 1);
            if (started)
            {
                for (int s = 0; s <= i - low; s++)
                {
                    MontSqr(acc, acc, scratch);
                }

                MontMul(acc, Entry(table, digit >> 1), acc, scratch);
            }
            else
            {
                Entry(table, digit >> 1).CopyTo(acc);
                started = true;
            }

            i = low - 1;
        }

        FromMontgomery(acc, result, scratch);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void PowSecret(ReadOnlySpan<ulong> baseValue, ReadOnlySpan<ulong> exponent, Span<ulong> result)
    {
        AssertReduced(baseValue);
        Debug.Assert(result.Length == LimbCount);
        int bits = exponent.Length * 64;
        if (bits == 0)
        {
            SetOne(result);
            return;
        }

        int window = bits <= 512 ? 4 : 6;
        int entries = 1 << window;
        int width = Width;
        int length = ((entries + 2) * width) + ScratchLength;
        using PooledWords pooled = new(length);
        Span<ulong> work = pooled.Span;
        Span<ulong> table = work[..(entries * width)];
        Span<ulong> acc = work.Slice(entries * width, width);
        Span<ulong> selected = work.Slice((entries + 1) * width, width);
        Span<ulong> scratch = work[((entries + 2) * width)..];

        // table[d] = base^d in Montgomery form, d = 0 .. 2^w − 1.
        MontOne.CopyTo(table[..width]);
        Span<ulong> first = table.Slice(width, width);
        Import(baseValue, first);
        MontMul(first, R2, first, scratch);
        for (int d = 2; d < entries; d++)
        {
            Span<ulong> entry = table.Slice(d * width, width);
            if ((d & 1) == 0)
            {
                MontSqr(table.Slice(d / 2 * width, width), entry, scratch);
            }
            else
            {
                MontMul(table.Slice((d - 1) * width, width), first, entry, scratch);
            }
        }

        int windows = (bits + window - 1) / window;
        int top = (windows - 1) * window;
        SelectMasked(table, width, entries, LimbMath.Bits(exponent, top, window), acc);
        for (int position = top - window; position >= 0; position -= window)
        {
            for (int s = 0; s < window; s++)
            {
                MontSqr(acc, acc, scratch);
            }

            SelectMasked(table, width, entries, LimbMath.Bits(exponent, position, window), selected);
            MontMul(acc, selected, acc, scratch);
        }

        FromMontgomery(acc, result, scratch);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void PowProduct(ReadOnlySpan<ulong> b1, ReadOnlySpan<ulong> e1, ReadOnlySpan<ulong> b2, ReadOnlySpan<ulong> e2, Span<ulong> result)
    {
        AssertReduced(b1);
        AssertReduced(b2);
        Debug.Assert(result.Length == LimbCount);
        int bits1 = LimbMath.BitLength(e1);
        int bits2 = LimbMath.BitLength(e2);
        int bits = Math.Max(bits1, bits2);
        if (bits == 0)
        {
            SetOne(result);
            return;
        }

        int window = PublicWindow(bits) - 1;
        window = Math.Max(window, 1);
        int entries = 1 << (window - 1);
        int width = Width;
        int length = (((2 * entries) + 2) * width) + ScratchLength;
        using PooledWords pooled = new(length);
        Span<ulong> work = pooled.Span;
        Span<ulong> table1 = work[..(entries * width)];
        Span<ulong> table2 = work.Slice(entries * width, entries * width);
        Span<ulong> acc = work.Slice(2 * entries * width, width);
        Span<ulong> square = work.Slice(((2 * entries) + 1) * width, width);
        Span<ulong> scratch = work[(((2 * entries) + 2) * width)..];
        BuildOddPowers(b1, table1, bits1 == 0 ? 1 : entries, square, scratch);
        BuildOddPowers(b2, table2, bits2 == 0 ? 1 : entries, square, scratch);

        // Interleaved sliding windows: each exponent has at most one window open at a time;
        // "low" is where it ends (where its table entry is multiplied in), -1 when none is open.
        int low1 = -1, digit1 = 0, low2 = -1, digit2 = 0;
        bool started = false;
        for (int i = bits - 1; i >= 0; i--)
        {
            if (started)
            {
                MontSqr(acc, acc, scratch);
            }

            if (low1 < 0 && i < bits1 && LimbMath.Bit(e1, i))
            {
                low1 = OpenWindow(e1, i, window, out digit1);
            }

            if (low2 < 0 && i < bits2 && LimbMath.Bit(e2, i))
            {
                low2 = OpenWindow(e2, i, window, out digit2);
            }

            if (low1 == i)
            {
                MultiplyInto(acc, Entry(table1, digit1 >> 1), ref started, scratch);
                low1 = -1;
            }

            if (low2 == i)
            {
                MultiplyInto(acc, Entry(table2, digit2 >> 1), ref started, scratch);
                low2 = -1;
            }
        }

        FromMontgomery(acc, result, scratch);
    }

    public IFixedBaseTable CreateFixedBaseTable(ReadOnlySpan<ulong> baseValue, int maxExponentBits)
    {
        AssertReduced(baseValue);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxExponentBits, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxExponentBits, MaxLimbs * 64 * 2);
        return new FixedBaseTable(this, baseValue, maxExponentBits);
    }

    /// <summary>Sliding-window width for a public exponent of <paramref name="bits"/> bits (minimises squarings + multiplications + table).</summary>
    private static int PublicWindow(int bits) => bits switch
    {
        <= 8 => 1,
        <= 24 => 2,
        <= 80 => 3,
        <= 240 => 4,
        <= 672 => 5,
        _ => 6,
    };

    private static int OpenWindow(ReadOnlySpan<ulong> exponent, int high, int window, out int digit)
    {
        int low = Math.Max(high - window + 1, 0);
        while (!LimbMath.Bit(exponent, low))
        {
            low++;
        }

        digit = LimbMath.Bits(exponent, low, high - low + 1);
        return low;
    }

    private void MultiplyInto(Span<ulong> acc, ReadOnlySpan<ulong> factor, ref bool started, Span<ulong> scratch)
    {
        if (started)
        {
            MontMul(acc, factor, acc, scratch);
        }
        else
        {
            factor.CopyTo(acc);
            started = true;
        }
    }

    /// <summary>table[j] = base^(2j+1) in Montgomery form, j = 0 .. entries − 1.</summary>
    private void BuildOddPowers(ReadOnlySpan<ulong> baseValue, Span<ulong> table, int entries, Span<ulong> square, Span<ulong> scratch)
    {
        int width = Width;
        Span<ulong> first = table[..width];
        Import(baseValue, first);
        MontMul(first, R2, first, scratch);
        if (entries > 1)
        {
            MontSqr(first, square, scratch);
            for (int j = 1; j < entries; j++)
            {
                MontMul(table.Slice((j - 1) * width, width), square, table.Slice(j * width, width), scratch);
            }
        }
    }

    private Span<ulong> Entry(Span<ulong> table, int index) => table.Slice(index * Width, Width);

    /// <summary>result = value·R⁻¹ fully reduced, as limbs.</summary>
    private void FromMontgomery(Span<ulong> value, Span<ulong> result, Span<ulong> scratch)
    {
        MontMul(value, _one, value, scratch);
        Export(value, result);
    }

    private static void SetOne(Span<ulong> result)
    {
        result.Clear();
        result[0] = 1;
    }

    [Conditional("DEBUG")]
    private void AssertReduced(ReadOnlySpan<ulong> value)
    {
        Debug.Assert(value.Length == LimbCount, "operand has the wrong number of limbs");
        Debug.Assert(LimbMath.Compare(value, _modulus) < 0, "operand is not reduced modulo m");
    }

    /// <summary>
    /// destination = table[index], reading every entry and combining them with masks, so that neither
    /// the branches nor the memory addresses depend on <paramref name="index"/>.
    /// </summary>
    internal static void SelectMasked(ReadOnlySpan<ulong> table, int width, int entries, int index, Span<ulong> destination)
    {
        destination = destination[..width];
        destination.Clear();
        SelectMaskedOr(table, width, entries, index, destination);
    }

    /// <summary>VPTERNLOGQ truth table of a | (b &amp; c) (a = 0xF0, b = 0xCC, c = 0xAA).</summary>
    private const byte OrAnd = 0xF8;

    /// <summary>destination |= table[index] with a masked scan of every entry (index −1 selects none).</summary>
    /// <remarks>
    /// The destination is kept in registers eight vectors at a time while every entry streams past,
    /// so each table word is loaded once and combined with a mask; no branch or address depends on index.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void SelectMaskedOr(ReadOnlySpan<ulong> table, int width, int entries, int index, Span<ulong> destination)
    {
        if (table.Length < entries * width || destination.Length < width)
        {
            throw new ArgumentException("The table or the destination is too short.");
        }

        unchecked
        {
            fixed (ulong* pTable = table)
            fixed (ulong* pDestination = destination)
            {
                int k = 0;
                if (Vector512.IsHardwareAccelerated && Avx512F.IsSupported)
                {
                    // Ten 64-byte vectors at a time (the AVX-512 layout of a 4096-bit p stores 80 words):
                    // one load and one VPTERNLOGQ (d | (e & mask)) per vector and entry.
                    for (; k + 80 <= width; k += 80)
                    {
                        ulong* d = pDestination + k;
                        Vector512<ulong> d0 = Vector512.Load(d), d1 = Vector512.Load(d + 8), d2 = Vector512.Load(d + 16), d3 = Vector512.Load(d + 24), d4 = Vector512.Load(d + 32);
                        Vector512<ulong> d5 = Vector512.Load(d + 40), d6 = Vector512.Load(d + 48), d7 = Vector512.Load(d + 56), d8 = Vector512.Load(d + 64), d9 = Vector512.Load(d + 72);
                        ulong* e = pTable + k;
                        for (int j = 0; j < entries; j++, e += width)
                        {
                            Vector512<ulong> mask = Vector512.Create(LimbMath.EqualMask((uint)j, (uint)index));
                            d0 = Avx512F.TernaryLogic(d0, Vector512.Load(e), mask, OrAnd);
                            d1 = Avx512F.TernaryLogic(d1, Vector512.Load(e + 8), mask, OrAnd);
                            d2 = Avx512F.TernaryLogic(d2, Vector512.Load(e + 16), mask, OrAnd);
                            d3 = Avx512F.TernaryLogic(d3, Vector512.Load(e + 24), mask, OrAnd);
                            d4 = Avx512F.TernaryLogic(d4, Vector512.Load(e + 32), mask, OrAnd);
                            d5 = Avx512F.TernaryLogic(d5, Vector512.Load(e + 40), mask, OrAnd);
                            d6 = Avx512F.TernaryLogic(d6, Vector512.Load(e + 48), mask, OrAnd);
                            d7 = Avx512F.TernaryLogic(d7, Vector512.Load(e + 56), mask, OrAnd);
                            d8 = Avx512F.TernaryLogic(d8, Vector512.Load(e + 64), mask, OrAnd);
                            d9 = Avx512F.TernaryLogic(d9, Vector512.Load(e + 72), mask, OrAnd);
                        }

                        d0.Store(d);
                        d1.Store(d + 8);
                        d2.Store(d + 16);
                        d3.Store(d + 24);
                        d4.Store(d + 32);
                        d5.Store(d + 40);
                        d6.Store(d + 48);
                        d7.Store(d + 56);
                        d8.Store(d + 64);
                        d9.Store(d + 72);
                    }

                    for (; k + 8 <= width && width - k < 40; k += 8)
                    {
                        Vector512<ulong> d0 = Vector512.Load(pDestination + k);
                        ulong* e = pTable + k;
                        for (int j = 0; j < entries; j++, e += width)
                        {
                            d0 = Avx512F.TernaryLogic(d0, Vector512.Load(e), Vector512.Create(LimbMath.EqualMask((uint)j, (uint)index)), OrAnd);
                        }

                        d0.Store(pDestination + k);
                    }
                }

                if (Vector256.IsHardwareAccelerated)
                {
                    // Ten vectors at a time where that leaves no tail of 4-word passes (the AVX2 layout
                    // of a 4096-bit p stores 80 words: two passes instead of two plus four).
                    for (; k + 40 <= width && (width - k) % 32 != 0; k += 40)
                    {
                        ulong* d = pDestination + k;
                        Vector256<ulong> d0 = Vector256.Load(d), d1 = Vector256.Load(d + 4), d2 = Vector256.Load(d + 8), d3 = Vector256.Load(d + 12);
                        Vector256<ulong> d4 = Vector256.Load(d + 16), d5 = Vector256.Load(d + 20), d6 = Vector256.Load(d + 24), d7 = Vector256.Load(d + 28);
                        Vector256<ulong> d8 = Vector256.Load(d + 32), d9 = Vector256.Load(d + 36);
                        ulong* e = pTable + k;
                        for (int j = 0; j < entries; j++, e += width)
                        {
                            Vector256<ulong> mask = Vector256.Create(LimbMath.EqualMask((uint)j, (uint)index));
                            d0 |= Vector256.Load(e) & mask;
                            d1 |= Vector256.Load(e + 4) & mask;
                            d2 |= Vector256.Load(e + 8) & mask;
                            d3 |= Vector256.Load(e + 12) & mask;
                            d4 |= Vector256.Load(e + 16) & mask;
                            d5 |= Vector256.Load(e + 20) & mask;
                            d6 |= Vector256.Load(e + 24) & mask;
                            d7 |= Vector256.Load(e + 28) & mask;
                            d8 |= Vector256.Load(e + 32) & mask;
                            d9 |= Vector256.Load(e + 36) & mask;
                        }

                        d0.Store(d);
                        d1.Store(d + 4);
                        d2.Store(d + 8);
                        d3.Store(d + 12);
                        d4.Store(d + 16);
                        d5.Store(d + 20);
                        d6.Store(d + 24);
                        d7.Store(d + 28);
                        d8.Store(d + 32);
                        d9.Store(d + 36);
                    }

                    for (; k + 32 <= width; k += 32)
                    {
                        ulong* d = pDestination + k;
                        Vector256<ulong> d0 = Vector256.Load(d), d1 = Vector256.Load(d + 4), d2 = Vector256.Load(d + 8), d3 = Vector256.Load(d + 12);
                        Vector256<ulong> d4 = Vector256.Load(d + 16), d5 = Vector256.Load(d + 20), d6 = Vector256.Load(d + 24), d7 = Vector256.Load(d + 28);
                        ulong* e = pTable + k;
                        for (int j = 0; j < entries; j++, e += width)
                        {
                            Vector256<ulong> mask = Vector256.Create(LimbMath.EqualMask((uint)j, (uint)index));
                            d0 |= Vector256.Load(e) & mask;
                            d1 |= Vector256.Load(e + 4) & mask;
                            d2 |= Vector256.Load(e + 8) & mask;
                            d3 |= Vector256.Load(e + 12) & mask;
                            d4 |= Vector256.Load(e + 16) & mask;
                            d5 |= Vector256.Load(e + 20) & mask;
                            d6 |= Vector256.Load(e + 24) & mask;
                            d7 |= Vector256.Load(e + 28) & mask;
                        }

                        d0.Store(d);
                        d1.Store(d + 4);
                        d2.Store(d + 8);
                        d3.Store(d + 12);
                        d4.Store(d + 16);
                        d5.Store(d + 20);
                        d6.Store(d + 24);
                        d7.Store(d + 28);
                    }

                    for (; k + 4 <= width; k += 4)
                    {
                        Vector256<ulong> d0 = Vector256.Load(pDestination + k);
                        ulong* e = pTable + k;
                        for (int j = 0; j < entries; j++, e += width)
                        {
                            d0 |= Vector256.Load(e) & Vector256.Create(LimbMath.EqualMask((uint)j, (uint)index));
                        }

                        d0.Store(pDestination + k);
                    }
                }

                for (; k < width; k++)
                {
                    ulong d0 = pDestination[k];
                    ulong* e = pTable + k;
                    for (int j = 0; j < entries; j++, e += width)
                    {
                        d0 |= *e & LimbMath.EqualMask((uint)j, (uint)index);
                    }

                    pDestination[k] = d0;
                }
            }
        }
    }

    /// <summary>Working memory from <see cref="ArrayPool{T}.Shared"/>, wiped when disposed (it may have held secrets).</summary>
    internal readonly struct PooledWords : IDisposable
    {
        private readonly ulong[] _array;
        private readonly int _length;

        public PooledWords(int length)
        {
            _array = ArrayPool<ulong>.Shared.Rent(length);
            _length = length;
        }

        public Span<ulong> Span => _array.AsSpan(0, _length);

        public void Dispose()
        {
            Wipe(Span);
            ArrayPool<ulong>.Shared.Return(_array);
        }
    }

    internal static void Wipe(Span<ulong> span) => CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.AsBytes(span));

    /// <summary>
    /// Fixed-base table (the "fixed-base windowing" of Brickell, Gordon, McCurley and Wilson,
    /// "Fast exponentiation with precomputation", EUROCRYPT 1992): entry (i, d) = g^(d·2^(w·i)) for
    /// window i and digit d = 1 .. 2^w − 1, in Montgomery form; g^e is the product over windows of
    /// entry (i, e_i), one multiplication per window and no squaring.
    /// Up to two layouts share the 8 MiB budget: a wide one (w = 8 for 256-bit exponents) for public
    /// exponents, where only the entries used are read, and, when the engine multiplies fast enough
    /// for it to pay (<see cref="SecretTableWindow"/>; AVX2 and AVX-512: w = 6), a narrow one for secret exponents,
    /// where every entry of every window is read with a mask: a third of the bytes to scan for
    /// eleven more multiplications.
    /// </summary>
    private sealed class FixedBaseTable : IFixedBaseTable
    {
        private readonly MontgomeryEngine _engine;
        private readonly Layout _public;
        private readonly Layout _secret;
        private readonly ulong[] _storedOne;

        public FixedBaseTable(MontgomeryEngine engine, ReadOnlySpan<ulong> baseValue, int maxExponentBits)
        {
            _engine = engine;
            _storedOne = new ulong[engine.StoredWidth];
            engine.Store(engine.MontOne, _storedOne);
            MaxExponentBits = maxExponentBits;
            int stored = engine.StoredWidth;
            // A separate secret layout gets at most a quarter of the budget; a shared one all of it.
            int secretWindow = engine.SecretTableWindow;
            long secretBudget = secretWindow >= 8 ? MaxTableBytes : MaxTableBytes / 4;
            while (secretWindow > 1 && Layout.BytesFor(secretWindow, maxExponentBits, stored) > secretBudget)
            {
                secretWindow--;
            }

            long secretBytes = Layout.BytesFor(secretWindow, maxExponentBits, stored);
            int publicWindow = Math.Max(8, secretWindow);
            while (publicWindow > secretWindow && Layout.BytesFor(publicWindow, maxExponentBits, stored) + secretBytes > MaxTableBytes)
            {
                publicWindow--;
            }

            if (Layout.BytesFor(publicWindow, maxExponentBits, stored) + (publicWindow == secretWindow ? 0 : secretBytes) > MaxTableBytes)
            {
                throw new ArgumentOutOfRangeException(nameof(maxExponentBits), $"A table for {maxExponentBits}-bit exponents does not fit {MaxTableBytes / 1048576} MiB.");
            }

            _secret = new Layout(engine, baseValue, secretWindow, maxExponentBits);
            _public = publicWindow == secretWindow ? _secret : new Layout(engine, baseValue, publicWindow, maxExponentBits);
        }

        public int MaxExponentBits { get; }

        public long TableBytes => _public.Bytes + (ReferenceEquals(_public, _secret) ? 0 : _secret.Bytes);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Pow(ReadOnlySpan<ulong> exponent, Span<ulong> result)
        {
            Check(exponent, result);
            Layout layout = _public;
            int window = layout.Window;
            int bits = Math.Min(LimbMath.BitLength(exponent), MaxExponentBits);
            MontgomeryEngine engine = _engine;
            int width = engine.Width;
            using PooledWords pooled = new((2 * width) + engine.ScratchLength);
            Span<ulong> work = pooled.Span;
            Span<ulong> acc = work[..width];
            Span<ulong> factor = work.Slice(width, width);
            Span<ulong> scratch = work[(2 * width)..];
            bool started = false;
            int windows = (bits + window - 1) / window;
            for (int i = 0; i < windows; i++)
            {
                int digit = LimbMath.Bits(exponent, i * window, window);
                if (digit == 0)
                {
                    continue;
                }

                if (started)
                {
                    engine.Load(layout.Slot(i, digit), factor);
                    engine.MontMul(acc, factor, acc, scratch);
                }
                else
                {
                    engine.Load(layout.Slot(i, digit), acc);
                    started = true;
                }
            }

            if (!started)
            {
                SetOne(result);
                return;
            }

            engine.FromMontgomery(acc, result, scratch);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void PowSecret(ReadOnlySpan<ulong> exponent, Span<ulong> result)
        {
            Check(exponent, result);
            Layout layout = _secret;
            int window = layout.Window;
            MontgomeryEngine engine = _engine;
            int width = engine.Width;
            int stored = engine.StoredWidth;
            int length = (2 * width) + stored + engine.ScratchLength;
            using PooledWords pooled = new(length);
            Span<ulong> work = pooled.Span;
            Span<ulong> acc = work[..width];
            Span<ulong> factor = work.Slice(width, width);
            Span<ulong> selected = work.Slice(2 * width, stored);
            Span<ulong> scratch = work[((2 * width) + stored)..];
            for (int i = 0; i < layout.Windows; i++)
            {
                int digit = LimbMath.Bits(exponent, i * window, window);
                SelectOneOrEntry(layout.WindowEntries(i), stored, layout.Digits, digit, selected);
                if (i == 0)
                {
                    // The first window's entry is the accumulator: one multiplication fewer.
                    engine.Load(selected, acc);
                    continue;
                }

                engine.Load(selected, factor);
                engine.MontMul(acc, factor, acc, scratch);
            }

            engine.FromMontgomery(acc, result, scratch);
        }

        /// <summary>
        /// Window by window, every exponent of the batch takes its entry from the same masked scan of
        /// that window's entries (w = 6: 38 KB in the AVX2 layout, 40 KB in the AVX-512 one), which then
        /// stays in L1 for the whole batch instead of the whole table (1.6 MiB) streaming from L2/L3 for
        /// each exponent. All the scans of a window come before its multiplications, whose working memory
        /// (20 KB of shifted copies in the AVX-512 engine) would otherwise evict the entries between scans.
        /// The first window's entry becomes the accumulator (no multiplication by 1).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void PowSecretBatch(ReadOnlySpan<ulong> exponents, int exponentLength, Span<ulong> results)
        {
            MontgomeryEngine engine = _engine;
            int limbs = engine.LimbCount;
            int count = ReferenceArithmetic.BatchCount(exponents, exponentLength, results, limbs);
            for (int n = 0; n < count; n++)
            {
                Check(exponents.Slice(n * exponentLength, exponentLength), results.Slice(n * limbs, limbs));
            }

            if (count == 0)
            {
                return;
            }

            Layout layout = _secret;
            int window = layout.Window;
            int width = engine.Width;
            int stored = engine.StoredWidth;
            using PooledWords pooled = new((count * width) + width + (count * stored) + engine.ScratchLength);
            Span<ulong> work = pooled.Span;
            Span<ulong> accumulators = work[..(count * width)];
            Span<ulong> factor = work.Slice(count * width, width);
            Span<ulong> selections = work.Slice((count + 1) * width, count * stored);
            Span<ulong> scratch = work[(((count + 1) * width) + (count * stored))..];
            for (int i = 0; i < layout.Windows; i++)
            {
                // First every exponent's entry of this window (the window's entries stay in L1 while
                // they are scanned count times), then the multiplications (whose own working memory
                // would otherwise push the entries out between two scans).
                ReadOnlySpan<ulong> entries = layout.WindowEntries(i);
                for (int n = 0; n < count; n++)
                {
                    int digit = LimbMath.Bits(exponents.Slice(n * exponentLength, exponentLength), i * window, window);
                    Span<ulong> selected = selections.Slice(n * stored, stored);
                    SelectOneOrEntry(entries, stored, layout.Digits, digit, selected);
                }

                for (int n = 0; n < count; n++)
                {
                    Span<ulong> acc = accumulators.Slice(n * width, width);
                    if (i == 0)
                    {
                        engine.Load(selections.Slice(n * stored, stored), acc);
                    }
                    else
                    {
                        engine.Load(selections.Slice(n * stored, stored), factor);
                        engine.MontMul(acc, factor, acc, scratch);
                    }
                }
            }

            for (int n = 0; n < count; n++)
            {
                engine.FromMontgomery(accumulators.Slice(n * width, width), results.Slice(n * limbs, limbs), scratch);
            }
        }

        /// <summary>selected = the Montgomery form of 1 if digit is 0, else entry digit − 1; a masked scan of all of them.</summary>
        private void SelectOneOrEntry(ReadOnlySpan<ulong> entries, int stored, int digits, int digit, Span<ulong> selected)
        {
            // Digit 0 selects the Montgomery form of 1 (not stored in the table).
            ulong zeroMask = LimbMath.EqualMask((uint)digit, 0);
            ReadOnlySpan<ulong> one = _storedOne;
            int k = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                Vector512<ulong> mask = Vector512.Create(zeroMask);
                for (; k + 8 <= stored; k += 8)
                {
                    (Vector512.Create(one.Slice(k, 8)) & mask).CopyTo(selected.Slice(k, 8));
                }
            }

            for (; k < stored; k++)
            {
                selected[k] = one[k] & zeroMask;
            }

            SelectMaskedOr(entries, stored, digits, digit - 1, selected);
        }

        private void Check(ReadOnlySpan<ulong> exponent, Span<ulong> result)
        {
            if (result.Length != _engine.LimbCount)
            {
                throw new ArgumentException("The result must have exactly LimbCount limbs.", nameof(result));
            }

            // Constant time: only whether the exponent is too long is revealed (and then it is an error).
            if (LimbMath.HasBitsFrom(exponent, MaxExponentBits))
            {
                throw new ArgumentOutOfRangeException(nameof(exponent), $"The exponent is longer than the {MaxExponentBits} bits this table was built for.");
            }
        }
    }

    /// <summary>The powers of one base for one window width: entry (i, d) = g^(d·2^(w·i)), d = 1 .. 2^w − 1.</summary>
    private sealed class Layout
    {
        private readonly ulong[] _table;
        private readonly int _stored;

        public Layout(MontgomeryEngine engine, ReadOnlySpan<ulong> baseValue, int window, int maxExponentBits)
        {
            Window = window;
            Windows = (maxExponentBits + window - 1) / window;
            Digits = (1 << window) - 1;
            _stored = engine.StoredWidth;
            _table = new ulong[(long)Windows * Digits * _stored];

            int width = engine.Width;
            using PooledWords pooled = new((2 * width) + engine.ScratchLength);
            Span<ulong> work = pooled.Span;
            Span<ulong> power = work[..width];          // g^(2^(w·i))
            Span<ulong> current = work.Slice(width, width);
            Span<ulong> scratch = work[(2 * width)..];
            engine.Import(baseValue, power);
            engine.MontMul(power, engine.R2, power, scratch);
            for (int i = 0; i < Windows; i++)
            {
                power.CopyTo(current);
                engine.Store(current, Slot(i, 1));
                for (int d = 2; d <= Digits; d++)
                {
                    engine.MontMul(current, power, current, scratch);
                    engine.Store(current, Slot(i, d));
                }

                // next power: g^(2^(w·(i+1))) = (g^(2^(w·i)))^(2^w) = current · power.
                engine.MontMul(current, power, power, scratch);
            }
        }

        public int Window { get; }

        public int Windows { get; }

        public int Digits { get; }

        public long Bytes => (long)_table.Length * sizeof(ulong);

        public static long BytesFor(int window, int bits, int stored)
            => (long)((bits + window - 1) / window) * ((1 << window) - 1) * stored * sizeof(ulong);

        public Span<ulong> Slot(int window, int digit)
            => _table.AsSpan((int)((((long)window * Digits) + digit - 1) * _stored), _stored);

        public ReadOnlySpan<ulong> WindowEntries(int window)
            => _table.AsSpan((int)((long)window * Digits * _stored), Digits * _stored);
    }
}
