using System.Buffers;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Entente.Cryptography.Arithmetic;

/// <summary>
/// Montgomery arithmetic with AVX-512 IFMA (VPMADD52LUQ/HUQ), in the native library
/// <c>libentente_ifma.so</c> (<c>native/entente_ifma.c</c>; .NET 10 has no IFMA intrinsics): numbers are
/// D digits of 52 bits (D a multiple of 8; 80 for the 4096-bit p), R = 2^(52·D) &gt; 4m, values inside the
/// engine below 2m ("almost Montgomery multiplication"), one conditional subtraction when a value leaves.
/// The algorithms are those of <see cref="MontgomeryEngine"/> (sliding windows, constant-time fixed
/// windows with masked table scans, Straus, buckets, split exponents, fixed-base tables), written again in
/// C so that a whole operation is one call: an exponentiation, a multi-exponentiation, a batch of
/// fixed-base powers. No allocation per operation: working memory comes from
/// <see cref="ArrayPool{T}.Shared"/> (wiped before it is returned) or the stack.
/// </summary>
/// <remarks>
/// Only created where <see cref="IsSupported"/>: the CPU has AVX-512 IFMA and the library was built and
/// loaded (<see cref="IfmaNative"/>). Immutable after construction and safe to use from several threads.
/// </remarks>
internal sealed unsafe class IfmaMontgomery : IModularArithmetic
{
    /// <summary>Bits per digit.</summary>
    public const int DigitBits = 52;

    /// <summary>Most digits of a modulus (8192 bits, <see cref="MontgomeryEngine.MaxLimbs"/> limbs), as the library's MAX_DIGITS.</summary>
    private const int MaxDigits = 160;

    private readonly ulong[] _modulus;
    private readonly ulong[] _context;      // pinned; the native context starts at _contextOffset (64-byte aligned)
    private readonly void* _ctx;
    private readonly IfmaNative.Exports _native;

    public IfmaMontgomery(ReadOnlySpan<ulong> modulus)
    {
        if (modulus.IsEmpty || (modulus[0] & 1) == 0)
        {
            throw new ArgumentException("The modulus must be odd and non-empty.", nameof(modulus));
        }

        if (modulus.Length > MontgomeryEngine.MaxLimbs)
        {
            throw new ArgumentException($"The modulus may have at most {MontgomeryEngine.MaxLimbs} limbs.", nameof(modulus));
        }

        if (modulus.Length == 1 && modulus[0] == 1)
        {
            throw new ArgumentException("The modulus must be greater than 1.", nameof(modulus));
        }

        _native = IfmaNative.Functions;
        _modulus = modulus.ToArray();
        int bits = LimbMath.BitLength(modulus);
        Digits = ((bits + 2 + DigitBits - 1) / DigitBits + 7) / 8 * 8;   // 2^(52·D) > 4m, whole vectors
        Debug.Assert(Digits <= MaxDigits && MaxDigits == _native.MaxDigits());

        BigInteger m = ReferenceArithmetic.ToBigInteger(modulus);
        BigInteger r = BigInteger.One << (DigitBits * Digits);
        ulong[] rModM = new ulong[modulus.Length];
        ulong[] r2ModM = new ulong[modulus.Length];
        ReferenceArithmetic.FromBigInteger(r % m, rModM);
        ReferenceArithmetic.FromBigInteger(r * r % m, r2ModM);

        int bytes = _native.ContextBytes();
        _context = GC.AllocateArray<ulong>((bytes / sizeof(ulong)) + 8, pinned: true);
        fixed (ulong* start = _context)
        {
            _ctx = (void*)(((nuint)start + 63) & ~(nuint)63);
        }

        fixed (ulong* pm = _modulus)
        fixed (ulong* pr = rModM)
        fixed (ulong* pr2 = r2ModM)
        {
            Check(_native.Init(_ctx, pm, modulus.Length, Digits, pr, pr2));
        }
    }

    /// <summary>Whether this machine can run the engine: AVX-512 IFMA and the native library loaded.</summary>
    public static bool IsSupported => IfmaNative.IsAvailable;

    /// <summary>D: the number of 52-bit digits, a multiple of 8 (for tests and reports).</summary>
    public int Digits { get; }

    public int LimbCount => _modulus.Length;

    public ReadOnlySpan<ulong> Modulus => _modulus;

    public string EngineName => "ifma";

    public int InternalLength => Digits;

    public void Multiply(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, Span<ulong> result)
    {
        AssertReduced(a);
        AssertReduced(b);
        Debug.Assert(result.Length == LimbCount);
        Span<ulong> scratch = stackalloc ulong[8 + (2 * MaxDigits)];
        fixed (ulong* pa = a)
        fixed (ulong* pb = b)
        fixed (ulong* pr = result)
        fixed (ulong* ps = scratch)
        {
            Check(_native.Multiply(_ctx, pa, pb, pr, ps, scratch.Length));
        }
    }

    public void ToInternal(ReadOnlySpan<ulong> limbs, Span<ulong> value)
    {
        AssertReduced(limbs);
        Debug.Assert(value.Length >= Digits);
        fixed (ulong* pl = limbs)
        fixed (ulong* pv = value)
        {
            Check(_native.ToInternal(_ctx, pl, pv));
        }
    }

    public void FromInternal(ReadOnlySpan<ulong> value, Span<ulong> limbs)
    {
        Debug.Assert(value.Length >= Digits && limbs.Length == LimbCount);
        fixed (ulong* pv = value)
        fixed (ulong* pl = limbs)
        {
            Check(_native.FromInternal(_ctx, pv, pl));
        }
    }

    public void MultiplyInternal(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, Span<ulong> result)
    {
        Debug.Assert(a.Length >= Digits && b.Length >= Digits && result.Length >= Digits);
        fixed (ulong* pa = a)
        fixed (ulong* pb = b)
        fixed (ulong* pr = result)
        {
            Check(_native.Product(_ctx, pa, pb, pr));
        }
    }

    public void ProductInternal(ReadOnlySpan<ulong> values, Span<ulong> result)
    {
        Debug.Assert(values.Length % Digits == 0 && result.Length >= Digits);
        fixed (ulong* pv = values)
        fixed (ulong* pr = result)
        {
            Check(_native.ProductInternal(_ctx, pv, values.Length / Digits, pr));
        }
    }

    public void Pow(ReadOnlySpan<ulong> baseValue, ReadOnlySpan<ulong> exponent, Span<ulong> result)
    {
        AssertReduced(baseValue);
        Debug.Assert(result.Length == LimbCount);
        using Scratch scratch = new(this, IfmaNative.Operation.Pow, 0);
        fixed (ulong* px = baseValue)
        fixed (ulong* pe = exponent)
        fixed (ulong* pr = result)
        fixed (ulong* ps = scratch.Span)
        {
            Check(_native.Pow(_ctx, px, pe, exponent.Length, pr, ps, scratch.Length));
        }
    }

    public void PowSecret(ReadOnlySpan<ulong> baseValue, ReadOnlySpan<ulong> exponent, Span<ulong> result)
    {
        AssertReduced(baseValue);
        Debug.Assert(result.Length == LimbCount);
        using Scratch scratch = new(this, IfmaNative.Operation.PowSecret, 0);
        fixed (ulong* px = baseValue)
        fixed (ulong* pe = exponent)
        fixed (ulong* pr = result)
        fixed (ulong* ps = scratch.Span)
        {
            Check(_native.PowSecret(_ctx, px, pe, exponent.Length, pr, ps, scratch.Length));
        }
    }

    public void PowProduct(ReadOnlySpan<ulong> b1, ReadOnlySpan<ulong> e1, ReadOnlySpan<ulong> b2, ReadOnlySpan<ulong> e2, Span<ulong> result)
    {
        AssertReduced(b1);
        AssertReduced(b2);
        Debug.Assert(result.Length == LimbCount);
        using Scratch scratch = new(this, IfmaNative.Operation.PowProduct, 0);
        fixed (ulong* px1 = b1)
        fixed (ulong* pe1 = e1)
        fixed (ulong* px2 = b2)
        fixed (ulong* pe2 = e2)
        fixed (ulong* pr = result)
        fixed (ulong* ps = scratch.Span)
        {
            Check(_native.PowProduct(_ctx, px1, pe1, e1.Length, px2, pe2, e2.Length, pr, ps, scratch.Length));
        }
    }

    public void MultiPowSmall(ReadOnlySpan<ulong> bases, ReadOnlySpan<ulong> exponents, Span<ulong> result)
    {
        int count = exponents.Length;
        if (bases.Length != count * LimbCount || result.Length != LimbCount)
        {
            throw new ArgumentException("The bases must be exponents.Length numbers of LimbCount limbs, the result LimbCount limbs.", nameof(bases));
        }

        for (int i = 0; i < count; i++)
        {
            AssertReduced(bases.Slice(i * LimbCount, LimbCount));
        }

        using Scratch scratch = new(this, IfmaNative.Operation.MultiPowSmall, count);
        fixed (ulong* pb = bases)
        fixed (ulong* pe = exponents)
        fixed (ulong* pr = result)
        fixed (ulong* ps = scratch.Span)
        {
            Check(_native.MultiPowSmall(_ctx, pb, pe, count, pr, ps, scratch.Length));
        }
    }

    public void PowMany(ReadOnlySpan<ulong> baseValue, ReadOnlySpan<ulong> exponents, int exponentLimbs, Span<ulong> results)
    {
        AssertReduced(baseValue);
        if (exponentLimbs < 1 || exponents.Length % exponentLimbs != 0 || results.Length != exponents.Length / exponentLimbs * LimbCount)
        {
            throw new ArgumentException("The exponents must be whole numbers of exponentLimbs limbs and the results one number of LimbCount limbs per exponent.", nameof(exponents));
        }

        using Scratch scratch = new(this, IfmaNative.Operation.PowMany, 0);
        fixed (ulong* px = baseValue)
        fixed (ulong* pe = exponents)
        fixed (ulong* pr = results)
        fixed (ulong* ps = scratch.Span)
        {
            Check(_native.PowMany(_ctx, px, pe, exponentLimbs, exponents.Length / exponentLimbs, pr, ps, scratch.Length));
        }
    }

    public IFixedBaseTable CreateFixedBaseTable(ReadOnlySpan<ulong> baseValue, int maxExponentBits)
    {
        AssertReduced(baseValue);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxExponentBits, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxExponentBits, MontgomeryEngine.MaxLimbs * 64 * 2);
        return new FixedBaseTable(this, baseValue, maxExponentBits);
    }

    /// <summary>
    /// Tests only: one product a·b·R⁻¹ of internal values (D digits below 2^52, value below 2m) given
    /// directly, so that values up to the internal bound can be tried. No validation.
    /// </summary>
    internal void ProductForTests(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, Span<ulong> result) => MultiplyInternal(a, b, result);

    /// <summary>Throws on a refused call; also keeps the engine, and so its pinned context, alive until the call returned.</summary>
    private void Check(int status)
    {
        GC.KeepAlive(this);
        if (status != 0)
        {
            throw new UnreachableException($"The IFMA engine refused its arguments (status {status}): a bug in IfmaMontgomery.");
        }
    }

    [Conditional("DEBUG")]
    private void AssertReduced(ReadOnlySpan<ulong> value)
    {
        Debug.Assert(value.Length == LimbCount, "operand has the wrong number of limbs");
        Debug.Assert(LimbMath.Compare(value, _modulus) < 0, "operand is not reduced modulo m");
    }

    /// <summary>Working memory for one call, sized by the library, from the shared pool; wiped when disposed.</summary>
    private readonly struct Scratch : IDisposable
    {
        private readonly ulong[] _array;

        public Scratch(IfmaMontgomery engine, IfmaNative.Operation operation, long count)
        {
            long words = engine._native.ScratchWords(engine._ctx, (int)operation, count);
            if (words is < 0 or > int.MaxValue / 2)
            {
                throw new UnreachableException($"No scratch size for operation {operation}.");
            }

            Length = (int)words;
            _array = ArrayPool<ulong>.Shared.Rent(Length);
        }

        public int Length { get; }

        public Span<ulong> Span => _array.AsSpan(0, Length);

        public void Dispose()
        {
            MontgomeryEngine.Wipe(Span);
            ArrayPool<ulong>.Shared.Return(_array);
        }
    }

    /// <summary>
    /// A fixed-base table in native layout (entries of D words, 64-byte aligned, pinned): as the managed
    /// engines, a wide window (w = 8 for 256-bit exponents) for public exponents and a narrower one
    /// (<see cref="SecretWindow"/>) for secret exponents, where every entry of every window is scanned,
    /// both within the 8 MiB budget.
    /// </summary>
    private sealed class FixedBaseTable : IFixedBaseTable
    {
        /// <summary>Secret window: 6 (43 windows of 63 entries, 40 KB each, for 256-bit exponents).</summary>
        private const int SecretWindow = 6;

        private readonly IfmaMontgomery _engine;
        private readonly Layout _public;
        private readonly Layout _secret;

        public FixedBaseTable(IfmaMontgomery engine, ReadOnlySpan<ulong> baseValue, int maxExponentBits)
        {
            _engine = engine;
            MaxExponentBits = maxExponentBits;
            long budget = MontgomeryEngine.MaxTableBytes;
            int secretWindow = SecretWindow;
            while (secretWindow > 1 && Layout.BytesFor(engine, secretWindow, maxExponentBits) > budget / 4)
            {
                secretWindow--;
            }

            long secretBytes = Layout.BytesFor(engine, secretWindow, maxExponentBits);
            int publicWindow = Math.Max(8, secretWindow);
            while (publicWindow > secretWindow && Layout.BytesFor(engine, publicWindow, maxExponentBits) + secretBytes > budget)
            {
                publicWindow--;
            }

            if (Layout.BytesFor(engine, publicWindow, maxExponentBits) + (publicWindow == secretWindow ? 0 : secretBytes) > budget)
            {
                throw new ArgumentOutOfRangeException(nameof(maxExponentBits), $"A table for {maxExponentBits}-bit exponents does not fit {budget / 1048576} MiB.");
            }

            _secret = new Layout(engine, baseValue, secretWindow, maxExponentBits);
            _public = publicWindow == secretWindow ? _secret : new Layout(engine, baseValue, publicWindow, maxExponentBits);
        }

        public int MaxExponentBits { get; }

        public long TableBytes => _public.Bytes + (ReferenceEquals(_public, _secret) ? 0 : _secret.Bytes);

        public void Pow(ReadOnlySpan<ulong> exponent, Span<ulong> result)
        {
            Check(exponent, result);
            IfmaMontgomery engine = _engine;
            using Scratch scratch = new(engine, IfmaNative.Operation.TablePow, 0);
            fixed (ulong* pe = exponent)
            fixed (ulong* pr = result)
            fixed (ulong* ps = scratch.Span)
            {
                engine.Check(engine._native.TablePow(engine._ctx, _public.Pointer, _public.Window, _public.Windows, pe, exponent.Length, pr, ps, scratch.Length));
            }

            GC.KeepAlive(_public);
        }

        public void PowSecret(ReadOnlySpan<ulong> exponent, Span<ulong> result) => PowSecretBatch(exponent, exponent.Length, result);

        public void PowSecretBatch(ReadOnlySpan<ulong> exponents, int exponentLength, Span<ulong> results)
        {
            IfmaMontgomery engine = _engine;
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

            using Scratch scratch = new(engine, IfmaNative.Operation.TablePowSecret, count);
            fixed (ulong* pe = exponents)
            fixed (ulong* pr = results)
            fixed (ulong* ps = scratch.Span)
            {
                engine.Check(engine._native.TablePowSecret(engine._ctx, _secret.Pointer, _secret.Window, _secret.Windows, pe, exponentLength, count, pr, ps, scratch.Length));
            }

            GC.KeepAlive(_secret);
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

    /// <summary>The powers of one base for one window width, built by the library into pinned memory.</summary>
    private sealed class Layout
    {
        private readonly ulong[] _table;

        public Layout(IfmaMontgomery engine, ReadOnlySpan<ulong> baseValue, int window, int maxExponentBits)
        {
            Window = window;
            Windows = (maxExponentBits + window - 1) / window;
            long words = engine._native.TableWords(engine._ctx, window, Windows);
            _table = GC.AllocateArray<ulong>(checked((int)words + 8), pinned: true);
            fixed (ulong* start = _table)
            {
                Pointer = (ulong*)(((nuint)start + 63) & ~(nuint)63);
            }

            Bytes = words * sizeof(ulong);
            using Scratch scratch = new(engine, IfmaNative.Operation.TableBuild, 0);
            fixed (ulong* pg = baseValue)
            fixed (ulong* ps = scratch.Span)
            {
                engine.Check(engine._native.TableBuild(engine._ctx, pg, window, Windows, Pointer, ps, scratch.Length));
            }
        }

        public int Window { get; }

        public int Windows { get; }

        public long Bytes { get; }

        /// <summary>The 64-byte aligned start of the entries inside the pinned array.</summary>
        public ulong* Pointer { get; }

        public static long BytesFor(IfmaMontgomery engine, int window, int bits)
            => (long)((bits + window - 1) / window) * ((1 << window) - 1) * engine.Digits * sizeof(ulong);
    }
}
