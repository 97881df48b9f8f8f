using System.Security.Cryptography;
using NSec.Cryptography;

namespace Entente.Exchange.Envelopes;

/// <summary>
/// A party's Ed25519 signing key (RFC 8032, 32-byte seed, 32-byte public key, 64-byte signatures),
/// held by NSec. The seed never appears in ToString() or exceptions; dispose to release it.
/// </summary>
public sealed class PartyKey : IDisposable
{
    /// <summary>Size of an Ed25519 seed (private key) in bytes.</summary>
    public const int SeedSize = 32;

    private readonly Key _key;

    private PartyKey(Key key)
    {
        _key = key;
        PublicKey = key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
    }

    /// <summary>The 32-byte public key.</summary>
    public byte[] PublicKey { get; }

    /// <summary>A fresh key from the operating system's CSPRNG.</summary>
    public static PartyKey Generate() =>
        new(Key.Create(SignatureAlgorithm.Ed25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }));

    /// <summary>The key for a 32-byte seed.</summary>
    public static PartyKey FromSeed(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != SeedSize)
        {
            throw new ArgumentException("An Ed25519 seed is 32 bytes.", nameof(seed));
        }

        return new PartyKey(Key.Import(SignatureAlgorithm.Ed25519, seed, KeyBlobFormat.RawPrivateKey,
            new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }));
    }

    /// <summary>Writes the seed to <paramref name="destination"/> (32 bytes). The caller wipes it.</summary>
    public void ExportSeed(Span<byte> destination)
    {
        byte[] blob = _key.Export(KeyBlobFormat.RawPrivateKey);
        try
        {
            blob.CopyTo(destination);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(blob);
        }
    }

    /// <summary>Ed25519 signature of <paramref name="message"/>.</summary>
    public byte[] Sign(ReadOnlySpan<byte> message) => SignatureAlgorithm.Ed25519.Sign(_key, message);

    /// <summary>Checks an Ed25519 signature; false for any bad key, signature or message, never throws on them.</summary>
    public static bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        if (publicKey.Length != 32 || signature.Length != 64)
        {
            return false;
        }

        if (!NSec.Cryptography.PublicKey.TryImport(SignatureAlgorithm.Ed25519, publicKey, KeyBlobFormat.RawPublicKey, out NSec.Cryptography.PublicKey? key) || key is null)
        {
            return false;
        }

        return SignatureAlgorithm.Ed25519.Verify(key, message, signature);
    }

    /// <inheritdoc />
    public override string ToString() => $"PartyKey(ed25519 {Convert.ToBase64String(PublicKey)})";

    /// <inheritdoc />
    public void Dispose() => _key.Dispose();
}
