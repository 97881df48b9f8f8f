using System.Runtime.Intrinsics.X86;

namespace Entente.Cryptography.Arithmetic;

/// <summary>
/// Chooses the engine for a modulus: the single place every caller goes through.
/// By default the fastest engine the machine supports: <see cref="IfmaMontgomery"/> (native, AVX-512 IFMA)
/// when the CPU has IFMA, its library was built and loaded, and the modulus has at least
/// <see cref="Avx512MinimumLimbs"/> limbs; else <see cref="Avx512Montgomery"/> when AVX-512F is present
/// and the modulus has at least <see cref="Avx512MinimumLimbs"/> limbs, else <see cref="Avx2Montgomery"/>
/// when AVX2 is present and the modulus has at least <see cref="Avx2MinimumLimbs"/> limbs, else
/// <see cref="ScalarMontgomery"/>. The environment variable <c>ENTENTE_ARITHMETIC</c> = <c>reference</c> |
/// <c>scalar</c> | <c>avx2</c> | <c>avx512</c> | <c>ifma</c> forces one (tests and benchmarks); forcing an
/// engine this machine cannot run is an error that says why.
/// </summary>
internal static class ArithmeticEngine
{
    /// <summary>The environment variable that forces an engine.</summary>
    public const string EnvironmentVariable = "ENTENTE_ARITHMETIC";

    /// <summary>Below this size (in 64-bit limbs) the scalar engine is faster than the AVX2 one.</summary>
    public const int Avx2MinimumLimbs = 8;

    /// <summary>Below this size (in 64-bit limbs) the AVX-512 engine is not used by default (its rows go eight digits at a time).</summary>
    public const int Avx512MinimumLimbs = 16;

    /// <summary>An engine for <paramref name="modulus"/> (little-endian limbs, odd).</summary>
    public static IModularArithmetic Create(ReadOnlySpan<ulong> modulus)
        => Create(modulus, Environment.GetEnvironmentVariable(EnvironmentVariable));

    /// <summary>An engine of the named kind (<c>null</c> or empty: the default choice).</summary>
    public static IModularArithmetic Create(ReadOnlySpan<ulong> modulus, string? kind)
    {
        switch (kind?.Trim().ToUpperInvariant())
        {
            case null or "":
                if (IfmaMontgomery.IsSupported && modulus.Length >= Avx512MinimumLimbs)
                {
                    return new IfmaMontgomery(modulus);
                }

                if (Avx512Montgomery.IsSupported && modulus.Length >= Avx512MinimumLimbs)
                {
                    return new Avx512Montgomery(modulus);
                }

                return Avx2Montgomery.IsSupported && modulus.Length >= Avx2MinimumLimbs
                    ? new Avx2Montgomery(modulus)
                    : new ScalarMontgomery(modulus);
            case "REFERENCE":
                return new ReferenceArithmetic(modulus);
            case "SCALAR":
                return new ScalarMontgomery(modulus);
            case "AVX2":
                if (!Avx2Montgomery.IsSupported)
                {
                    throw new PlatformNotSupportedException($"{EnvironmentVariable}=avx2 was requested but this CPU has no AVX2.");
                }

                return new Avx2Montgomery(modulus);
            case "AVX512":
                if (!Avx512Montgomery.IsSupported)
                {
                    throw new PlatformNotSupportedException($"{EnvironmentVariable}=avx512 was requested but this CPU has no AVX-512F.");
                }

                return new Avx512Montgomery(modulus);
            case "IFMA":
                if (!IfmaMontgomery.IsSupported)
                {
                    throw new PlatformNotSupportedException($"{EnvironmentVariable}=ifma was requested but the IFMA engine cannot run here: {IfmaNative.Status}.");
                }

                return new IfmaMontgomery(modulus);
            default:
                throw new ArgumentException($"{EnvironmentVariable} must be reference, scalar, avx2, avx512 or ifma (was '{kind}').", nameof(kind));
        }
    }
}
