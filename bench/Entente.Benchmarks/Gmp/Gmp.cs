using System.Runtime.InteropServices;

namespace Entente.Benchmarks.Gmp;

/// <summary>
/// GNU MP (Debian's libgmp10, <c>libgmp.so.10</c>) called through function pointers, as a baseline
/// for ratios. No headers and no C compiler are needed: an <c>mpz_t</c> is
/// <c>{ int alloc; int size; mp_limb_t* d; }</c> and the public names are the <c>__gmpz_*</c> symbols
/// behind the <c>mpz_*</c> macros. This file is shared by the benchmarks and <c>entente bench</c>
/// (linked, not copied).
/// </summary>
internal sealed unsafe class GmpLibrary
{
    private readonly delegate* unmanaged<Mpz*, void> _init;
    private readonly delegate* unmanaged<Mpz*, void> _clear;
    private readonly delegate* unmanaged<Mpz*, nuint, int, nuint, int, nuint, void*, void> _import;
    private readonly delegate* unmanaged<void*, nuint*, int, nuint, int, nuint, Mpz*, void*> _export;
    private readonly delegate* unmanaged<Mpz*, Mpz*, Mpz*, Mpz*, void> _powm;
    private readonly delegate* unmanaged<Mpz*, Mpz*, Mpz*, Mpz*, void> _powmSec;
    private readonly delegate* unmanaged<Mpz*, Mpz*, Mpz*, void> _mul;
    private readonly delegate* unmanaged<Mpz*, Mpz*, Mpz*, void> _mod;

    private GmpLibrary(nint handle)
    {
        _init = (delegate* unmanaged<Mpz*, void>)NativeLibrary.GetExport(handle, "__gmpz_init");
        _clear = (delegate* unmanaged<Mpz*, void>)NativeLibrary.GetExport(handle, "__gmpz_clear");
        _import = (delegate* unmanaged<Mpz*, nuint, int, nuint, int, nuint, void*, void>)NativeLibrary.GetExport(handle, "__gmpz_import");
        _export = (delegate* unmanaged<void*, nuint*, int, nuint, int, nuint, Mpz*, void*>)NativeLibrary.GetExport(handle, "__gmpz_export");
        _powm = (delegate* unmanaged<Mpz*, Mpz*, Mpz*, Mpz*, void>)NativeLibrary.GetExport(handle, "__gmpz_powm");
        _powmSec = (delegate* unmanaged<Mpz*, Mpz*, Mpz*, Mpz*, void>)NativeLibrary.GetExport(handle, "__gmpz_powm_sec");
        _mul = (delegate* unmanaged<Mpz*, Mpz*, Mpz*, void>)NativeLibrary.GetExport(handle, "__gmpz_mul");
        _mod = (delegate* unmanaged<Mpz*, Mpz*, Mpz*, void>)NativeLibrary.GetExport(handle, "__gmpz_mod");
        byte** version = (byte**)NativeLibrary.GetExport(handle, "__gmp_version");
        Version = Marshal.PtrToStringAnsi((nint)(*version)) ?? "?";
    }

    /// <summary>The library's version string (gmp_version).</summary>
    public string Version { get; }

    /// <summary>Loads libgmp.so.10 (or libgmp.so); false when GMP is not installed.</summary>
    public static bool TryLoad(out GmpLibrary? library)
    {
        foreach (string name in new[] { "libgmp.so.10", "libgmp.so", "libgmp.10.dylib" })
        {
            if (NativeLibrary.TryLoad(name, out nint handle))
            {
                library = new GmpLibrary(handle);
                return true;
            }
        }

        library = null;
        return false;
    }

    /// <summary>An mpz_t holding a copy of <paramref name="limbs"/> (little-endian 64-bit).</summary>
    public GmpInteger Create(ReadOnlySpan<ulong> limbs)
    {
        GmpInteger value = new(this);
        fixed (ulong* source = limbs)
        {
            _import(value.Pointer, (nuint)limbs.Length, -1, sizeof(ulong), 0, 0, source);
        }

        return value;
    }

    /// <summary>result = base^exponent mod modulus (mpz_powm).</summary>
    public void PowMod(GmpInteger result, GmpInteger baseValue, GmpInteger exponent, GmpInteger modulus)
        => _powm(result.Pointer, baseValue.Pointer, exponent.Pointer, modulus.Pointer);

    /// <summary>result = base^exponent mod modulus in constant time (mpz_powm_sec).</summary>
    public void PowModSecure(GmpInteger result, GmpInteger baseValue, GmpInteger exponent, GmpInteger modulus)
        => _powmSec(result.Pointer, baseValue.Pointer, exponent.Pointer, modulus.Pointer);

    /// <summary>result = a·b mod modulus (mpz_mul then mpz_mod; product is a scratch integer).</summary>
    public void MultiplyMod(GmpInteger result, GmpInteger product, GmpInteger a, GmpInteger b, GmpInteger modulus)
    {
        _mul(product.Pointer, a.Pointer, b.Pointer);
        _mod(result.Pointer, product.Pointer, modulus.Pointer);
    }

    /// <summary>Writes the value as little-endian 64-bit limbs, zero-padded.</summary>
    public void Export(GmpInteger value, Span<ulong> limbs)
    {
        limbs.Clear();
        nuint count = 0;
        ulong[] buffer = new ulong[Math.Max(1, (Math.Abs(value.Pointer->Size)))];
        fixed (ulong* destination = buffer)
        {
            _export(destination, &count, -1, sizeof(ulong), 0, 0, value.Pointer);
        }

        buffer.AsSpan(0, (int)count).CopyTo(limbs);
    }

    internal void Init(Mpz* value) => _init(value);

    internal void Clear(Mpz* value) => _clear(value);

    [StructLayout(LayoutKind.Sequential)]
    internal struct Mpz
    {
        public int Alloc;
        public int Size;
        public nint Limbs;
    }
}

/// <summary>One GMP integer (an mpz_t in unmanaged memory); dispose to mpz_clear it.</summary>
internal sealed unsafe class GmpInteger : IDisposable
{
    private readonly GmpLibrary _library;

    internal GmpInteger(GmpLibrary library)
    {
        _library = library;
        Pointer = (GmpLibrary.Mpz*)NativeMemory.AllocZeroed((nuint)sizeof(GmpLibrary.Mpz));
        library.Init(Pointer);
    }

    internal GmpLibrary.Mpz* Pointer { get; private set; }

    public void Dispose()
    {
        if (Pointer != null)
        {
            _library.Clear(Pointer);
            NativeMemory.Free(Pointer);
            Pointer = null;
        }
    }
}
