using System.Numerics;

namespace Entente.Verifier.Egk20;

/// <summary>
/// The modular arithmetic the 2.0 verification equations need, on the standard group: subgroup
/// membership, products of two powers with a fixed base (g or the joint key K) and simultaneous
/// products of two variable-base powers. Exponents are public. Values are unsigned integers as read
/// from the record; callers check ranges first.
/// </summary>
internal sealed class Egk20Arithmetic
{
    private readonly BigInteger _p;
    private readonly BigInteger _q;

    public Egk20Arithmetic(BigInteger p, BigInteger q, BigInteger g, BigInteger jointKey)
    {
        _p = p;
        _q = q;
        G = g;
        K = jointKey;
    }

    public BigInteger G { get; }

    public BigInteger K { get; }

    /// <summary>x ∈ Z_p^r: 0 ≤ x &lt; p and x^q mod p = 1.</summary>
    public bool IsInSubgroup(BigInteger x) => x.Sign > 0 && x < _p && BigInteger.ModPow(x, _q, _p).IsOne;

    /// <summary>g^a · h^b mod p.</summary>
    public BigInteger GPowTimes(BigInteger a, BigInteger h, BigInteger b) => PowProduct(G, a, h, b);

    /// <summary>K^a · h^b mod p.</summary>
    public BigInteger KPowTimes(BigInteger a, BigInteger h, BigInteger b) => PowProduct(K, a, h, b);

    /// <summary>x^a · y^b mod p; exponents are reduced mod q (the bases are subgroup elements).</summary>
    public BigInteger PowProduct(BigInteger x, BigInteger a, BigInteger y, BigInteger b)
        => BigInteger.ModPow(x, a % _q, _p) * BigInteger.ModPow(y, b % _q, _p) % _p;

    /// <summary>x^a mod p.</summary>
    public BigInteger Pow(BigInteger x, BigInteger a) => BigInteger.ModPow(x, a, _p);

    /// <summary>a · b mod p.</summary>
    public BigInteger Multiply(BigInteger a, BigInteger b) => a * b % _p;

    /// <summary>a^{-1} mod p (a must be non-zero mod p).</summary>
    public BigInteger Inverse(BigInteger a) => BigInteger.ModPow(a, _p - 2, _p);
}
