namespace Entente.Cryptography.Arithmetic;

/// <summary>
/// Arithmetic modulo one fixed odd modulus. This is the seam between the group layer
/// (<c>Group</c>, <c>ElementModP</c>) and the engines that compute: <see cref="ReferenceArithmetic"/>
/// (System.Numerics.BigInteger, the straightforward version every other engine is tested against)
/// and the Montgomery engines (AVX-512, AVX2 and scalar).
/// </summary>
/// <remarks>
/// Representation: a number is a little-endian array of 64-bit limbs, exactly <see cref="LimbCount"/>
/// long, fully reduced (less than the modulus). Callers validate; engines only assert.
/// Exponents are little-endian limb arrays of any length (leading zero limbs allowed).
/// Methods named <c>...Secret</c> run in time independent of the exponent's value (not of its
/// length in limbs) and access memory in a pattern independent of it.
/// </remarks>
internal interface IModularArithmetic
{
    /// <summary>Number of 64-bit limbs of the modulus (and of every operand and result).</summary>
    int LimbCount { get; }

    /// <summary>The modulus, little-endian limbs.</summary>
    ReadOnlySpan<ulong> Modulus { get; }

    /// <summary>A short name for reports and benchmarks ("reference", "ifma", "avx512", "avx2", "scalar").</summary>
    string EngineName { get; }

    /// <summary>
    /// Length in 64-bit words of a number in the engine's internal (Montgomery) form, which callers may keep
    /// between products (<see cref="MultiplyInternal"/>) instead of converting in and out for each one.
    /// An internal value is only meaningful to the engine that made it.
    /// </summary>
    int InternalLength { get; }

    /// <summary>value = the internal form of a reduced number (<see cref="LimbCount"/> limbs; value <see cref="InternalLength"/> words).</summary>
    void ToInternal(ReadOnlySpan<ulong> limbs, Span<ulong> value);

    /// <summary>limbs = the reduced number an internal value stands for.</summary>
    void FromInternal(ReadOnlySpan<ulong> value, Span<ulong> limbs);

    /// <summary>result = a·b on internal values (one Montgomery product). <paramref name="result"/> may alias an input.</summary>
    void MultiplyInternal(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, Span<ulong> result);

    /// <summary>result = the product of <c>values.Length / InternalLength</c> internal values, one after another (1 for none).</summary>
    void ProductInternal(ReadOnlySpan<ulong> values, Span<ulong> result);

    /// <summary>result = a·b mod m. <paramref name="result"/> may alias an input.</summary>
    void Multiply(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, Span<ulong> result);

    /// <summary>result = base^exponent mod m for a public exponent (variable time allowed).</summary>
    void Pow(ReadOnlySpan<ulong> baseValue, ReadOnlySpan<ulong> exponent, Span<ulong> result);

    /// <summary>result = base^exponent mod m in constant time for a secret exponent.</summary>
    void PowSecret(ReadOnlySpan<ulong> baseValue, ReadOnlySpan<ulong> exponent, Span<ulong> result);

    /// <summary>result = b1^e1 · b2^e2 mod m (simultaneous exponentiation, public exponents).</summary>
    void PowProduct(ReadOnlySpan<ulong> b1, ReadOnlySpan<ulong> e1, ReadOnlySpan<ulong> b2, ReadOnlySpan<ulong> e2, Span<ulong> result);

    /// <summary>
    /// result = Π bases[i]^exponents[i] mod m for many bases and one-limb public exponents
    /// (<paramref name="bases"/> holds <c>exponents.Length</c> numbers of <see cref="LimbCount"/> limbs,
    /// one after another). For batch checks with small random exponents.
    /// </summary>
    void MultiPowSmall(ReadOnlySpan<ulong> bases, ReadOnlySpan<ulong> exponents, Span<ulong> result);

    /// <summary>
    /// results[k] = base^exponents[k] mod m for several public exponents of one base (each
    /// <paramref name="exponentLimbs"/> limbs; <paramref name="results"/> one number of
    /// <see cref="LimbCount"/> limbs per exponent). Shares the base's precomputation.
    /// </summary>
    void PowMany(ReadOnlySpan<ulong> baseValue, ReadOnlySpan<ulong> exponents, int exponentLimbs, Span<ulong> results);

    /// <summary>
    /// Precomputes a table for a fixed base so that later exponentiations with exponents of at
    /// most <paramref name="maxExponentBits"/> bits are fast.
    /// </summary>
    IFixedBaseTable CreateFixedBaseTable(ReadOnlySpan<ulong> baseValue, int maxExponentBits);
}

/// <summary>A precomputed table for one fixed base under one modulus.</summary>
internal interface IFixedBaseTable
{
    /// <summary>The largest exponent length in bits this table accepts.</summary>
    int MaxExponentBits { get; }

    /// <summary>Bytes of memory held by the table (for reports).</summary>
    long TableBytes { get; }

    /// <summary>result = base^exponent mod m, public exponent.</summary>
    void Pow(ReadOnlySpan<ulong> exponent, Span<ulong> result);

    /// <summary>result = base^exponent mod m in constant time (masked table scan), secret exponent.</summary>
    void PowSecret(ReadOnlySpan<ulong> exponent, Span<ulong> result);

    /// <summary>
    /// Several constant-time exponentiations at once: results[n] = base^exponents[n] for
    /// n = 0 .. count − 1, where exponent n is <c>exponents.Slice(n · exponentLength, exponentLength)</c> and
    /// result n is <c>results.Slice(n · LimbCount, LimbCount)</c>. Same values and the same guarantees as
    /// <see cref="PowSecret"/> one by one; faster because each window's entries are scanned for every
    /// exponent while they are in the nearest cache.
    /// </summary>
    void PowSecretBatch(ReadOnlySpan<ulong> exponents, int exponentLength, Span<ulong> results);
}
