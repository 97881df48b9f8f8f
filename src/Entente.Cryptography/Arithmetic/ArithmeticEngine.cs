namespace Entente.Cryptography.Arithmetic;

/// <summary>Chooses the fastest engine this CPU supports for a modulus.</summary>
internal static class ArithmeticEngine
{
    /// <summary>An engine for <paramref name="modulus"/> (little-endian limbs, odd).</summary>
    public static IModularArithmetic Create(ReadOnlySpan<ulong> modulus) => new ReferenceArithmetic(modulus);
}
