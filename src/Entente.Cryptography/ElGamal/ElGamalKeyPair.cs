namespace Entente.Cryptography;

/// <summary>
/// An ElGamal key pair (s, K = g^s): a guardian's secret key or share, a communication key (ζ, κ),
/// or a test key. The secret never appears in <see cref="ToString"/>; <see cref="Dispose"/> wipes it.
/// </summary>
public sealed class ElGamalKeyPair : IDisposable
{
    private readonly ElementModQ _secret;
    private bool _disposed;

    private ElGamalKeyPair(ElementModQ secret, ElGamalPublicKey publicKey)
    {
        _secret = secret;
        PublicKey = publicKey;
    }

    /// <summary>The public key K = g^s.</summary>
    public ElGamalPublicKey PublicKey { get; }

    /// <summary>The group.</summary>
    public Group Group => PublicKey.Group;

    /// <summary>The secret s. Handle with care: store it encrypted, never log it.</summary>
    public ElementModQ SecretKey
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _secret;
        }
    }

    /// <summary>A fresh key pair with s uniform in Z_q (s ≠ 0).</summary>
    public static ElGamalKeyPair Generate(Group group)
    {
        ArgumentNullException.ThrowIfNull(group);
        ElementModQ secret;
        do
        {
            secret = ElementModQ.Random(group);
        }
        while (secret.IsZero);

        return FromSecret(secret);
    }

    /// <summary>The key pair of a known secret (computes K = g^s in constant time). A copy of the secret is kept.</summary>
    /// <exception cref="ArgumentException">s = 0.</exception>
    public static ElGamalKeyPair FromSecret(ElementModQ secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        if (secret.IsZero)
        {
            throw new ArgumentException("The secret key must not be zero.", nameof(secret));
        }

        ElementModQ copy = secret.Add(secret.Group.ZeroModQ);
        return new ElGamalKeyPair(copy, new ElGamalPublicKey(secret.Group.GPowSecret(copy)));
    }

    /// <summary>K^σ = β / α^s: decryption with the secret key (§3.3.1).</summary>
    public ElementModP Decrypt(ElGamalCiphertext ciphertext)
    {
        ArgumentNullException.ThrowIfNull(ciphertext);
        return ciphertext.Beta.Divide(PartialDecrypt(ciphertext.Alpha));
    }

    /// <summary>σ via the discrete log of K^σ, or null when σ exceeds the log's bound.</summary>
    public long? Decrypt(ElGamalCiphertext ciphertext, DiscreteLog log)
    {
        ArgumentNullException.ThrowIfNull(log);
        return log.TryFind(Decrypt(ciphertext), out long value) ? value : null;
    }

    /// <summary>α^s in constant time (a partial decryption M_i = A^{z_i} when s is a share, eq 82; β of hashed ElGamal).</summary>
    public ElementModP PartialDecrypt(ElementModP alpha)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Group.CheckSameGroup(alpha);
        return alpha.PowSecret(_secret);
    }

    /// <summary>Never shows the secret.</summary>
    public override string ToString() => $"ElGamalKeyPair(public: {PublicKey.Key}, secret: hidden)";

    /// <summary>Wipes the secret.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _secret.Wipe();
            _disposed = true;
        }
    }
}
