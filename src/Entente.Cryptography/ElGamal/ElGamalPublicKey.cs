using Entente.Cryptography.Arithmetic;

namespace Entente.Cryptography;

/// <summary>
/// An ElGamal public key K = g^s (the joint vote key K, the data key K̂, or a communication key κ).
/// Holds a fixed-base table for K because encryption and proofs raise K to many exponents (Note 3.5).
/// The table is built once, on the <see cref="TableThreshold"/>-th exponentiation: a key used once or
/// twice (a test key, a one-off check) does not pay for a table it would never amortise.
/// </summary>
public sealed class ElGamalPublicKey
{
    /// <summary>Exponentiations of K before the fixed-base table is built.</summary>
    public const int TableThreshold = 3;

    private readonly Lazy<IFixedBaseTable> _table;
    private int _uses;

    /// <summary>Wraps a decoded subgroup element. The identity is refused: it would encrypt in the clear.</summary>
    /// <exception cref="ArgumentException">The key is 1.</exception>
    public ElGamalPublicKey(ElementModP key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.IsOne)
        {
            throw new ArgumentException("The public key must not be 1.", nameof(key));
        }

        Key = key;
        _table = new Lazy<IFixedBaseTable>(
            () => key.Group.Arithmetic.CreateFixedBaseTable(key.Limbs, key.Group.QBitLength),
            LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The group of the key.</summary>
    public Group Group => Key.Group;

    /// <summary>K.</summary>
    public ElementModP Key { get; }

    /// <summary>Enc(σ, ξ) = (g^ξ, K^(σ+ξ)) (eq 31) with a caller-supplied nonce ξ (derived per eq 33, or random).</summary>
    /// <param name="value">σ, with 0 ≤ σ &lt; q.</param>
    /// <param name="nonce">ξ, secret.</param>
    public ElGamalCiphertext Encrypt(long value, ElementModQ nonce)
    {
        Group.CheckSameGroup(nonce);
        ElementModQ exponent = ValueModQ(value).Add(nonce);
        try
        {
            return new ElGamalCiphertext(Group.GPowSecret(nonce), PowSecret(exponent));
        }
        finally
        {
            exponent.Wipe();
        }
    }

    /// <summary>
    /// Enc(σ_n, ξ_n) for several values at once: the ciphertexts of <see cref="Encrypt(long, ElementModQ)"/>
    /// one by one, computed with two batched constant-time fixed-base exponentiations (g and K).
    /// </summary>
    /// <param name="values">σ_n, each with 0 ≤ σ_n &lt; q.</param>
    /// <param name="nonces">ξ_n, secret, one per value.</param>
    public ElGamalCiphertext[] Encrypt(ReadOnlySpan<long> values, ReadOnlySpan<ElementModQ> nonces)
    {
        if (values.Length != nonces.Length)
        {
            throw new ArgumentException("Encryption needs one nonce per value.", nameof(nonces));
        }

        ElementModQ[] exponents = new ElementModQ[values.Length];
        try
        {
            for (int n = 0; n < values.Length; n++)
            {
                Group.CheckSameGroup(nonces[n]);
                exponents[n] = ValueModQ(values[n]).Add(nonces[n]);
            }

            ElementModP[] alphas = Group.GPowSecret(nonces);
            ElementModP[] betas = PowSecret(exponents);
            ElGamalCiphertext[] ciphertexts = new ElGamalCiphertext[values.Length];
            for (int n = 0; n < ciphertexts.Length; n++)
            {
                ciphertexts[n] = new ElGamalCiphertext(alphas[n], betas[n]);
            }

            return ciphertexts;
        }
        finally
        {
            foreach (ElementModQ? exponent in exponents)
            {
                exponent?.Wipe();
            }
        }
    }

    /// <summary>Enc(σ, ξ) with a fresh random nonce, returned in <paramref name="nonce"/>.</summary>
    public ElGamalCiphertext Encrypt(long value, out ElementModQ nonce)
    {
        nonce = ElementModQ.Random(Group);
        return Encrypt(value, nonce);
    }

    /// <summary>K^e for a public exponent, from the key's fixed-base table.</summary>
    public ElementModP Pow(ElementModQ exponent) => Power(exponent, secret: false);

    /// <summary>K^e in constant time for a secret exponent, from the key's fixed-base table.</summary>
    public ElementModP PowSecret(ElementModQ exponent) => Power(exponent, secret: true);

    /// <summary>
    /// K^e for several secret exponents at once (constant time): the values of
    /// <see cref="PowSecret(ElementModQ)"/> one by one, faster because each window of the key's table is
    /// scanned for every exponent while it is cached.
    /// </summary>
    public ElementModP[] PowSecret(ReadOnlySpan<ElementModQ> exponents)
    {
        if (!_table.IsValueCreated && Interlocked.Add(ref _uses, exponents.Length) < TableThreshold)
        {
            ElementModP[] powers = new ElementModP[exponents.Length];
            for (int n = 0; n < powers.Length; n++)
            {
                Group.CheckSameGroup(exponents[n]);
                powers[n] = Key.PowSecret(exponents[n]);
            }

            return powers;
        }

        return Group.FixedBasePowSecret(_table.Value, exponents);
    }

    /// <summary>K^σ for a small plaintext σ ≥ 0 (what decryption yields before the discrete log).</summary>
    public ElementModP EncodePlaintext(long value) => Pow(ValueModQ(value));

    /// <inheritdoc/>
    public override string ToString() => $"ElGamalPublicKey({Key})";

    private ElementModP Power(ElementModQ exponent, bool secret)
    {
        Group.CheckSameGroup(exponent);
        if (!UseTable())
        {
            return secret ? Key.PowSecret(exponent) : Key.Pow(exponent);
        }

        ulong[] result = new ulong[Group.PLimbCount];
        if (secret)
        {
            _table.Value.PowSecret(exponent.ExponentLimbs, result);
        }
        else
        {
            _table.Value.Pow(exponent.ExponentLimbs, result);
        }

        return new ElementModP(Group, result);
    }

    private bool UseTable() => _table.IsValueCreated || Interlocked.Increment(ref _uses) >= TableThreshold;

    private ElementModQ ValueModQ(long value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        if (value >= Group.Q)
        {
            throw new ArgumentOutOfRangeException(nameof(value), "The plaintext must be less than q.");
        }

        return ElementModQ.FromInt64(Group, value);
    }
}
