using System.Security.Cryptography;
using System.Text;
using Entente.Exchange.Envelopes;
using NSec.Cryptography;

namespace Entente.Exchange.Sealing;

/// <summary>
/// A party's X25519 decryption key (RFC 7748; 32-byte private key, 32-byte public key), held by NSec, for HPKE
/// (RFC 9180 DHKEM(X25519, HKDF-SHA256)). Its public half is published with the party's identity in a
/// <see cref="PartyEncryptionKey"/> signed by the party's Ed25519 key. The private key never appears in
/// ToString() or exceptions; dispose to release it.
/// <para>A party may hold a random key (<see cref="Generate"/>) or derive it from its Ed25519 seed
/// (<see cref="Derive"/>): RFC 9180 DeriveKeyPair over <c>"entente-exchange/v1 encryption key\n" || seed</c>. The
/// derivation is one-way, so the decryption key never reveals the signing key; it saves a second secret file.</para>
/// </summary>
public sealed class EncryptionKey : IDisposable
{
    /// <summary>Size of an X25519 private key and of a public key, in bytes.</summary>
    public const int KeySize = 32;

    private static readonly byte[] DerivationLabel = Encoding.ASCII.GetBytes("entente-exchange/v1 encryption key\n");

    private EncryptionKey(Key key)
    {
        NSecKey = key;
        PublicKey = key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
    }

    /// <summary>The 32-byte X25519 public key.</summary>
    public byte[] PublicKey { get; }

    /// <summary>The NSec key (for the KEM).</summary>
    internal Key NSecKey { get; }

    /// <summary>A fresh key from the operating system's CSPRNG.</summary>
    public static EncryptionKey Generate() => new(CreateNSecKey());

    /// <summary>The key for a 32-byte X25519 private key.</summary>
    public static EncryptionKey Import(ReadOnlySpan<byte> privateKey)
    {
        if (privateKey.Length != KeySize)
        {
            throw new ArgumentException("An X25519 private key is 32 bytes.", nameof(privateKey));
        }

        return new EncryptionKey(ImportNSecKey(privateKey));
    }

    /// <summary>The key derived from a party's Ed25519 key (see the type's summary).</summary>
    public static EncryptionKey Derive(PartyKey partyKey)
    {
        ArgumentNullException.ThrowIfNull(partyKey);
        byte[] seed = new byte[PartyKey.SeedSize];
        try
        {
            partyKey.ExportSeed(seed);
            return DeriveFromSeed(seed);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    /// <summary>The key derived from a 32-byte Ed25519 seed (see the type's summary).</summary>
    public static EncryptionKey DeriveFromSeed(ReadOnlySpan<byte> ed25519Seed)
    {
        if (ed25519Seed.Length != PartyKey.SeedSize)
        {
            throw new ArgumentException("An Ed25519 seed is 32 bytes.", nameof(ed25519Seed));
        }

        byte[] ikm = new byte[DerivationLabel.Length + ed25519Seed.Length];
        byte[]? secret = null;
        try
        {
            DerivationLabel.CopyTo(ikm, 0);
            ed25519Seed.CopyTo(ikm.AsSpan(DerivationLabel.Length));
            secret = Hpke.DeriveKeyPairSecret(ikm);
            return Import(secret);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(ikm);
            if (secret is not null)
            {
                CryptographicOperations.ZeroMemory(secret);
            }
        }
    }

    /// <summary>
    /// True for a public key the exchange accepts: 32 bytes with the top bit clear (RFC 7748 §5 masks it; a canonical
    /// encoding leaves it zero), and not one of the X25519 points whose shared secret is always zero.
    /// </summary>
    public static bool IsValidPublicKey(ReadOnlySpan<byte> publicKey)
    {
        if (publicKey.Length != KeySize || (publicKey[31] & 0x80) != 0)
        {
            return false;
        }

        // A DH with any private key gives zero exactly for the low-order points: test with a fixed scalar.
        using Key probe = ImportNSecKey(ProbeScalar);
        if (!NSec.Cryptography.PublicKey.TryImport(KeyAgreementAlgorithm.X25519, publicKey, KeyBlobFormat.RawPublicKey, out NSec.Cryptography.PublicKey? key) || key is null)
        {
            return false;
        }

        using SharedSecret? secret = KeyAgreementAlgorithm.X25519.Agree(probe, key);
        return secret is not null;
    }

    private static readonly byte[] ProbeScalar = SHA256.HashData("entente-exchange/v1 low-order probe"u8);

    internal static Key CreateNSecKey() => Key.Create(KeyAgreementAlgorithm.X25519);

    internal static Key ImportNSecKey(ReadOnlySpan<byte> privateKey) => Key.Import(KeyAgreementAlgorithm.X25519, privateKey, KeyBlobFormat.RawPrivateKey);

    /// <inheritdoc />
    public override string ToString() => $"EncryptionKey(x25519 {Convert.ToBase64String(PublicKey)})";

    /// <inheritdoc />
    public void Dispose() => NSecKey.Dispose();
}

/// <summary>
/// A party's published X25519 encryption key, bound to its identity by its Ed25519 key: the signature is Ed25519
/// (RFC 8032) over
/// <code>
/// entente-encryption-key/v1
/// identity identity--…
/// x25519 &lt;base64 of the 32-byte public key&gt;
/// </code>
/// (each line ending in \n). JSON form, as the charter member or unit file carries it:
/// <c>{"x25519": "&lt;base64, 32 bytes&gt;", "signature": "&lt;base64, 64 bytes&gt;"}</c>. A party that rotates its key
/// publishes a new binding (a new charter version); the signature makes the binding checkable on its own.
/// </summary>
public sealed class PartyEncryptionKey
{
    /// <summary>First line of the signed text.</summary>
    public const string Format = "entente-encryption-key/v1";

    private PartyEncryptionKey(byte[] publicKey, byte[] signature)
    {
        PublicKey = publicKey;
        Signature = signature;
    }

    /// <summary>The 32-byte X25519 public key.</summary>
    public byte[] PublicKey { get; }

    /// <summary>The 64-byte Ed25519 signature by the party's key.</summary>
    public byte[] Signature { get; }

    /// <summary>Base64 of <see cref="PublicKey"/>.</summary>
    public string PublicKeyBase64 => Convert.ToBase64String(PublicKey);

    /// <summary>Binds <paramref name="encryptionKey"/>'s public key to <paramref name="identityRef"/> with <paramref name="signingKey"/>.</summary>
    public static PartyEncryptionKey Create(PartyKey signingKey, string identityRef, EncryptionKey encryptionKey)
    {
        ArgumentNullException.ThrowIfNull(signingKey);
        ArgumentNullException.ThrowIfNull(encryptionKey);
        byte[] publicKey = encryptionKey.PublicKey.ToArray();
        return new PartyEncryptionKey(publicKey, signingKey.Sign(SignedText(identityRef, publicKey)));
    }

    /// <summary>Reads the JSON form strictly (canonical base64, exact sizes, a valid X25519 key). Does not verify the signature.</summary>
    /// <exception cref="FormatException">The message names the member at fault.</exception>
    public static PartyEncryptionKey Parse(string x25519Base64, string signatureBase64)
    {
        byte[] publicKey = Base64Exact(x25519Base64, EncryptionKey.KeySize, "x25519");
        if (!EncryptionKey.IsValidPublicKey(publicKey))
        {
            throw new FormatException("x25519: not a usable X25519 public key (top bit set, or a low-order point).");
        }

        return new PartyEncryptionKey(publicKey, Base64Exact(signatureBase64, 64, "signature"));
    }

    /// <summary>Builds a binding from its parts (the JSON form's values).</summary>
    public static PartyEncryptionKey FromParts(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> signature) =>
        Parse(Convert.ToBase64String(publicKey), Convert.ToBase64String(signature));

    /// <summary>True when the signature is <paramref name="ed25519PublicKey"/>'s over this key and <paramref name="identityRef"/>.</summary>
    public bool Verify(string identityRef, ReadOnlySpan<byte> ed25519PublicKey) =>
        PartyKey.Verify(ed25519PublicKey, SignedText(identityRef, PublicKey), Signature);

    /// <summary>The exact bytes that are signed.</summary>
    public static byte[] SignedText(string identityRef, ReadOnlySpan<byte> x25519PublicKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(identityRef);
        return Encoding.UTF8.GetBytes($"{Format}\nidentity {identityRef}\nx25519 {Convert.ToBase64String(x25519PublicKey)}\n");
    }

    /// <inheritdoc />
    public override string ToString() => $"x25519 {PublicKeyBase64}";

    private static byte[] Base64Exact(string text, int length, string name)
    {
        ArgumentNullException.ThrowIfNull(text);
        byte[] bytes = new byte[length];
        if (!Convert.TryFromBase64String(text, bytes, out int written) || written != length || Convert.ToBase64String(bytes) != text)
        {
            throw new FormatException($"{name}: must be canonical base64 of {length} bytes.");
        }

        return bytes;
    }
}
