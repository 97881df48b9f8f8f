namespace Entente.Cryptography;

/// <summary>Exponentiations that share work between several results (public exponents only).</summary>
public static class Exponentiation
{
    /// <summary>
    /// x^(e_1), …, x^(e_k) for public exponents: the exponents are split into pieces and the powers
    /// x^(2^(h·j)) with their tables are computed once for all of them. For two 256-bit exponents (the
    /// α^(c_0), α^(c_1) of a 0/1 range proof) it costs about 0.7 of two separate <see cref="ElementModP.Pow(ElementModQ)"/>.
    /// </summary>
    public static ElementModP[] PowMany(ElementModP x, ReadOnlySpan<ElementModQ> exponents)
    {
        ArgumentNullException.ThrowIfNull(x);
        Group group = x.Group;
        int exponentLimbs = group.Scalars.ExponentLimbs;
        ulong[] packed = new ulong[exponents.Length * exponentLimbs];
        for (int k = 0; k < exponents.Length; k++)
        {
            group.CheckSameGroup(exponents[k]);
            exponents[k].ExponentLimbs.CopyTo(packed.AsSpan(k * exponentLimbs, exponentLimbs));
        }

        ulong[] results = new ulong[exponents.Length * group.PLimbCount];
        group.Arithmetic.PowMany(x.Limbs, packed, exponentLimbs, results);
        ElementModP[] powers = new ElementModP[exponents.Length];
        for (int k = 0; k < exponents.Length; k++)
        {
            powers[k] = new ElementModP(group, results.AsSpan(k * group.PLimbCount, group.PLimbCount).ToArray());
        }

        return powers;
    }
}
