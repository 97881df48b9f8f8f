using System.Diagnostics.CodeAnalysis;

namespace Entente.Cryptography;

/// <summary>
/// An ElGamal ciphertext (α, β) = (g^ξ, K^(σ+ξ)) of ElectionGuard 2.1 (eq 31). Both components are
/// subgroup members (checked when decoded). Multiplying ciphertexts adds their plaintexts (§3.3.1).
/// </summary>
public sealed class ElGamalCiphertext : IEquatable<ElGamalCiphertext>
{
    /// <summary>Builds a ciphertext from two elements of the same group.</summary>
    public ElGamalCiphertext(ElementModP alpha, ElementModP beta)
    {
        ArgumentNullException.ThrowIfNull(alpha);
        alpha.Group.CheckSameGroup(beta);
        Alpha = alpha;
        Beta = beta;
    }

    /// <summary>The group of the ciphertext.</summary>
    public Group Group => Alpha.Group;

    /// <summary>α = g^ξ.</summary>
    public ElementModP Alpha { get; }

    /// <summary>β = K^(σ+ξ).</summary>
    public ElementModP Beta { get; }

    /// <summary>Decodes α ∥ β (2·l_p bytes), checking both components (V6.A).</summary>
    /// <exception cref="FormatException">Wrong length or a component outside Z_p^r; the message names <paramref name="field"/>.</exception>
    public static ElGamalCiphertext Decode(Group group, ReadOnlySpan<byte> encoded, string field)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (encoded.Length != 2 * group.PByteLength)
        {
            throw new FormatException($"{field}: expected {2 * group.PByteLength} bytes, got {encoded.Length}.");
        }

        return new ElGamalCiphertext(
            ElementModP.Decode(group, encoded[..group.PByteLength], field + ".alpha"),
            ElementModP.Decode(group, encoded[group.PByteLength..], field + ".beta"));
    }

    /// <summary>Like <see cref="Decode"/> but returns false instead of throwing.</summary>
    public static bool TryDecode(Group group, ReadOnlySpan<byte> encoded, [NotNullWhen(true)] out ElGamalCiphertext? ciphertext)
    {
        ArgumentNullException.ThrowIfNull(group);
        ciphertext = null;
        if (encoded.Length != 2 * group.PByteLength
            || !ElementModP.TryDecode(group, encoded[..group.PByteLength], out ElementModP? alpha)
            || !ElementModP.TryDecode(group, encoded[group.PByteLength..], out ElementModP? beta))
        {
            return false;
        }

        ciphertext = new ElGamalCiphertext(alpha, beta);
        return true;
    }

    /// <summary>α ∥ β, 2·l_p bytes.</summary>
    public byte[] Encode()
    {
        byte[] bytes = new byte[2 * Group.PByteLength];
        Alpha.Encode(bytes.AsSpan(0, Group.PByteLength));
        Beta.Encode(bytes.AsSpan(Group.PByteLength));
        return bytes;
    }

    /// <summary>Component-wise product: an encryption of the sum of the plaintexts (nonces add too).</summary>
    public ElGamalCiphertext Multiply(ElGamalCiphertext other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new ElGamalCiphertext(Alpha.Multiply(other.Alpha), Beta.Multiply(other.Beta));
    }

    /// <summary>Component-wise product.</summary>
    public static ElGamalCiphertext operator *(ElGamalCiphertext left, ElGamalCiphertext right)
    {
        ArgumentNullException.ThrowIfNull(left);
        return left.Multiply(right);
    }

    /// <summary>(α^w, β^w): an encryption of w·σ (ballot weights, §3.5; the overvote scaling of §3.3.9).</summary>
    public ElGamalCiphertext Pow(ElementModQ weight) => new(Alpha.Pow(weight), Beta.Pow(weight));

    /// <summary>The component-wise product of all <paramref name="ciphertexts"/>; (1, 1) for none (aggregation, eq 79 / V9).</summary>
    public static ElGamalCiphertext Product(Group group, IEnumerable<ElGamalCiphertext> ciphertexts)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(ciphertexts);
        // Both products accumulate in Montgomery form (ElementModP.Product): one Montgomery product and one
        // conversion per factor, no conversion back until the result is encoded.
        List<ElGamalCiphertext> all = [.. ciphertexts];
        foreach (ElGamalCiphertext ciphertext in all)
        {
            ArgumentNullException.ThrowIfNull(ciphertext);
        }

        ElementModP alpha = ElementModP.Product(group, all.Select(c => c.Alpha));
        ElementModP beta = ElementModP.Product(group, all.Select(c => c.Beta));

        return new ElGamalCiphertext(alpha, beta);
    }

    /// <summary>Decryption with the nonce (§3.3.1): K^σ = β · K^(−ξ).</summary>
    public ElementModP DecryptWithNonce(ElGamalPublicKey publicKey, ElementModQ nonce)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        Group.CheckSameGroup(publicKey.Key);
        return Beta.Multiply(publicKey.PowSecret(nonce.Negate()));
    }

    /// <summary>Decryption with the nonce followed by a discrete log: σ, or null if σ is beyond the log's bound.</summary>
    public long? DecryptWithNonce(ElGamalPublicKey publicKey, ElementModQ nonce, DiscreteLog log)
    {
        ArgumentNullException.ThrowIfNull(log);
        return log.TryFind(DecryptWithNonce(publicKey, nonce), out long value) ? value : null;
    }

    /// <inheritdoc/>
    public bool Equals(ElGamalCiphertext? other) => other is not null && Alpha.Equals(other.Alpha) && Beta.Equals(other.Beta);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as ElGamalCiphertext);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Alpha, Beta);

    /// <inheritdoc/>
    public override string ToString() => $"ElGamalCiphertext(α: {Alpha}, β: {Beta})";
}
