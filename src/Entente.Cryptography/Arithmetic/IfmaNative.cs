using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace Entente.Cryptography.Arithmetic;

/// <summary>
/// The native half of <see cref="IfmaMontgomery"/>: <c>libentente_ifma.so</c>, compiled from
/// <c>native/entente_ifma.c</c> by the project's build when a C compiler is present and copied next to
/// this assembly. It is loaded at most once, and only when the CPU has AVX-512F, AVX-512 IFMA (and the
/// AVX-512 VL/BW/DQ and BMI2 extensions the compiler was allowed to use): nothing of it runs on any other
/// CPU. <see cref="Status"/> says which of those held.
/// </summary>
internal static unsafe class IfmaNative
{
    /// <summary>The file name of the library.</summary>
    public const string LibraryFileName = "libentente_ifma.so";

    private static readonly Lazy<Exports?> Loaded = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);
    private static string _status = "not loaded yet";

    /// <summary>Whether the CPU has every instruction set the library was compiled for (AVX-512 IFMA among them).</summary>
    public static bool CpuSupported =>
        Avx512F.IsSupported && Avx512F.VL.IsSupported && Avx512BW.IsSupported && Avx512DQ.IsSupported && Bmi2.X64.IsSupported
        && (X86Base.CpuId(7, 0).Ebx & (1 << 21)) != 0;   // CPUID.(EAX=7, ECX=0):EBX[21] = AVX512_IFMA

    /// <summary>Whether the engine can run here: the CPU has IFMA and the library loaded.</summary>
    public static bool IsAvailable => Loaded.Value is not null;

    /// <summary>Why the engine runs or not, in a few words (for <c>entente params</c> and <c>entente bench</c>).</summary>
    public static string Status
    {
        get
        {
            _ = Loaded.Value;
            return _status;
        }
    }

    /// <summary>The exported functions (the library must be available).</summary>
    internal static Exports Functions => Loaded.Value ?? throw new PlatformNotSupportedException($"The IFMA engine is not available: {Status}.");

    private static Exports? Load()
    {
        if (!CpuSupported)
        {
            _status = "this CPU has no AVX-512 IFMA";
            return null;
        }

        string? path = null;
        foreach (string directory in Directories())
        {
            string candidate = Path.Combine(directory, LibraryFileName);
            if (File.Exists(candidate))
            {
                path = candidate;
                break;
            }
        }

        if (path is null)
        {
            _status = $"{LibraryFileName} was not built (no C compiler when the project was built)";
            return null;
        }

        if (!NativeLibrary.TryLoad(path, out IntPtr handle))
        {
            _status = $"{path} did not load";
            return null;
        }

        try
        {
            Exports exports = new(handle);
            _status = $"loaded from {path}";
            return exports;
        }
        catch (EntryPointNotFoundException e)
        {
            _status = $"{path} lacks an export ({e.Message})";
            return null;
        }
    }

    private static IEnumerable<string> Directories()
    {
        string location = typeof(IfmaNative).Assembly.Location;
        if (!string.IsNullOrEmpty(location))
        {
            yield return Path.GetDirectoryName(location)!;
        }

        yield return AppContext.BaseDirectory;
    }

    /// <summary>Operation codes of <c>ent_ifma_scratch_words</c>.</summary>
    internal enum Operation
    {
        Multiply = 0,
        Pow = 1,
        PowSecret = 2,
        PowProduct = 3,
        MultiPowSmall = 4,
        PowMany = 5,
        TableBuild = 6,
        TablePow = 7,
        TablePowSecret = 8,
    }

    /// <summary>
    /// Function pointers to the library's exports (see entente_ifma.c for each one's contract). The calls of
    /// one or two products (about a microsecond, no blocking, no callback) skip the GC transition.
    /// </summary>
    internal sealed class Exports
    {
        public Exports(IntPtr library)
        {
            ContextBytes = (delegate* unmanaged<int>)Export(library, "ent_ifma_context_bytes");
            MaxDigits = (delegate* unmanaged<int>)Export(library, "ent_ifma_max_digits");
            Init = (delegate* unmanaged<void*, ulong*, int, int, ulong*, ulong*, int>)Export(library, "ent_ifma_init");
            ScratchWords = (delegate* unmanaged<void*, int, long, long>)Export(library, "ent_ifma_scratch_words");
            Multiply = (delegate* unmanaged[SuppressGCTransition]<void*, ulong*, ulong*, ulong*, ulong*, long, int>)Export(library, "ent_ifma_multiply");
            Pow = (delegate* unmanaged<void*, ulong*, ulong*, int, ulong*, ulong*, long, int>)Export(library, "ent_ifma_pow");
            PowSecret = (delegate* unmanaged<void*, ulong*, ulong*, int, ulong*, ulong*, long, int>)Export(library, "ent_ifma_pow_secret");
            PowProduct = (delegate* unmanaged<void*, ulong*, ulong*, int, ulong*, ulong*, int, ulong*, ulong*, long, int>)Export(library, "ent_ifma_pow_product");
            MultiPowSmall = (delegate* unmanaged<void*, ulong*, ulong*, long, ulong*, ulong*, long, int>)Export(library, "ent_ifma_multi_pow_small");
            PowMany = (delegate* unmanaged<void*, ulong*, ulong*, int, long, ulong*, ulong*, long, int>)Export(library, "ent_ifma_pow_many");
            TableWords = (delegate* unmanaged<void*, int, int, long>)Export(library, "ent_ifma_table_words");
            TableBuild = (delegate* unmanaged<void*, ulong*, int, int, ulong*, ulong*, long, int>)Export(library, "ent_ifma_table_build");
            TablePow = (delegate* unmanaged<void*, ulong*, int, int, ulong*, int, ulong*, ulong*, long, int>)Export(library, "ent_ifma_table_pow");
            TablePowSecret = (delegate* unmanaged<void*, ulong*, int, int, ulong*, int, long, ulong*, ulong*, long, int>)Export(library, "ent_ifma_table_pow_secret");
            Product = (delegate* unmanaged[SuppressGCTransition]<void*, ulong*, ulong*, ulong*, int>)Export(library, "ent_ifma_product");
            ToInternal = (delegate* unmanaged[SuppressGCTransition]<void*, ulong*, ulong*, int>)Export(library, "ent_ifma_to_internal");
            FromInternal = (delegate* unmanaged[SuppressGCTransition]<void*, ulong*, ulong*, int>)Export(library, "ent_ifma_from_internal");
            ProductInternal = (delegate* unmanaged<void*, ulong*, long, ulong*, int>)Export(library, "ent_ifma_product_internal");
        }

        public delegate* unmanaged<int> ContextBytes { get; }

        public delegate* unmanaged<int> MaxDigits { get; }

        public delegate* unmanaged<void*, ulong*, int, int, ulong*, ulong*, int> Init { get; }

        public delegate* unmanaged<void*, int, long, long> ScratchWords { get; }

        public delegate* unmanaged[SuppressGCTransition]<void*, ulong*, ulong*, ulong*, ulong*, long, int> Multiply { get; }

        public delegate* unmanaged<void*, ulong*, ulong*, int, ulong*, ulong*, long, int> Pow { get; }

        public delegate* unmanaged<void*, ulong*, ulong*, int, ulong*, ulong*, long, int> PowSecret { get; }

        public delegate* unmanaged<void*, ulong*, ulong*, int, ulong*, ulong*, int, ulong*, ulong*, long, int> PowProduct { get; }

        public delegate* unmanaged<void*, ulong*, ulong*, long, ulong*, ulong*, long, int> MultiPowSmall { get; }

        public delegate* unmanaged<void*, ulong*, ulong*, int, long, ulong*, ulong*, long, int> PowMany { get; }

        public delegate* unmanaged<void*, int, int, long> TableWords { get; }

        public delegate* unmanaged<void*, ulong*, int, int, ulong*, ulong*, long, int> TableBuild { get; }

        public delegate* unmanaged<void*, ulong*, int, int, ulong*, int, ulong*, ulong*, long, int> TablePow { get; }

        public delegate* unmanaged<void*, ulong*, int, int, ulong*, int, long, ulong*, ulong*, long, int> TablePowSecret { get; }

        public delegate* unmanaged[SuppressGCTransition]<void*, ulong*, ulong*, ulong*, int> Product { get; }

        public delegate* unmanaged[SuppressGCTransition]<void*, ulong*, ulong*, int> ToInternal { get; }

        public delegate* unmanaged[SuppressGCTransition]<void*, ulong*, ulong*, int> FromInternal { get; }

        public delegate* unmanaged<void*, ulong*, long, ulong*, int> ProductInternal { get; }

        private static void* Export(IntPtr library, string name) => (void*)NativeLibrary.GetExport(library, name);
    }
}
