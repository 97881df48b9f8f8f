using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using NSec.Cryptography;

namespace Entente.Transparency.Notes;

/// <summary>
/// An Ed25519 signing key for notes (type 0x01) and for cosignature/v1 (type 0x04). The private key lives in an
/// NSec <see cref="Key"/>; <see cref="ToString"/> never shows it. Dispose to release it.
/// </summary>
public sealed class Ed25519NoteSigner : IDisposable
{
    private const string SkeyPrefix = "PRIVATE+KEY+";
    private readonly Key _key;

    private Ed25519NoteSigner(string name, Key key)
    {
        Name = name;
        _key = key;
        PublicKey = key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
        KeyId = VerifierKeys.KeyId(name, NoteSignatureType.Ed25519, PublicKey);
        CosignatureKeyId = VerifierKeys.KeyId(name, NoteSignatureType.CosignatureV1, PublicKey);
    }

    /// <summary>The key name.</summary>
    public string Name { get; }

    /// <summary>The 32-byte public key.</summary>
    public byte[] PublicKey { get; }

    /// <summary>The key ID for type 0x01 signatures.</summary>
    public uint KeyId { get; }

    /// <summary>The key ID for cosignature/v1 (type 0x04).</summary>
    public uint CosignatureKeyId { get; }

    /// <summary>The verifier key (type 0x01).</summary>
    public string VerifierKey => VerifierKeys.Format(Name, KeyId, NoteSignatureType.Ed25519, PublicKey);

    /// <summary>The cosigner verifier key (type 0x04).</summary>
    public string CosignerVerifierKey => VerifierKeys.Format(Name, CosignatureKeyId, NoteSignatureType.CosignatureV1, PublicKey);

    /// <summary>A verifier for type 0x01 signatures by this key.</summary>
    public Ed25519NoteVerifier Verifier => new(Name, PublicKey);

    /// <summary>A verifier for this key's cosignatures.</summary>
    public CosignatureV1Verifier CosignatureVerifier => new(Name, PublicKey);

    /// <summary>Generates a fresh key.</summary>
    public static Ed25519NoteSigner Generate(string name)
    {
        CheckName(name);
        Key key = Key.Create(SignatureAlgorithm.Ed25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });
        return new Ed25519NoteSigner(name, key);
    }

    /// <summary>A key from its 32-byte seed.</summary>
    public static Ed25519NoteSigner FromSeed(string name, ReadOnlySpan<byte> seed)
    {
        CheckName(name);
        if (seed.Length != 32)
        {
            throw new ArgumentException("An Ed25519 seed is 32 bytes.", nameof(seed));
        }

        Key key = Key.Import(SignatureAlgorithm.Ed25519, seed, KeyBlobFormat.RawPrivateKey,
            new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });
        return new Ed25519NoteSigner(name, key);
    }

    /// <summary>
    /// Parses the Go sumdb/note private key form <c>PRIVATE+KEY+name+hexid+base64(0x01 || seed)</c>, or throws
    /// <see cref="NoteFormatException"/> (without echoing the key).
    /// </summary>
    public static Ed25519NoteSigner FromSkey(string skey)
    {
        ArgumentNullException.ThrowIfNull(skey);
        if (!skey.StartsWith(SkeyPrefix, StringComparison.Ordinal))
        {
            throw new NoteFormatException("A private note key starts with PRIVATE+KEY+.");
        }

        (string name, uint id, byte type, byte[] blob) = VerifierKeys.Split(skey[SkeyPrefix.Length..].Trim());
        try
        {
            if (type != NoteSignatureType.Ed25519 || blob.Length != 32)
            {
                throw new NoteFormatException($"Private key \"{name}\" is not an Ed25519 seed of type 0x01.");
            }

            Ed25519NoteSigner signer = FromSeed(name, blob);
            if (signer.KeyId != id)
            {
                signer.Dispose();
                throw new NoteFormatException($"Private key \"{name}\" declares a key ID that does not match its key.");
            }

            return signer;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(blob);
        }
    }

    /// <summary>The Go sumdb/note private key form. Handle as a secret.</summary>
    public string ExportSkey()
    {
        byte[] seed = _key.Export(KeyBlobFormat.RawPrivateKey);
        try
        {
            return SkeyPrefix + VerifierKeys.Format(Name, KeyId, NoteSignatureType.Ed25519, seed);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    /// <summary>A type 0x01 signature of <paramref name="text"/>.</summary>
    public NoteSignature Sign(ReadOnlySpan<byte> text) =>
        new(Name, KeyId, SignatureAlgorithm.Ed25519.Sign(_key, text));

    /// <summary>Signs a note text (which must end in a newline).</summary>
    public SignedNote SignNote(string text)
    {
        return new SignedNote(text, [Sign(Encoding.UTF8.GetBytes(text))]);
    }

    /// <summary>A raw Ed25519 signature of <paramref name="message"/>.</summary>
    public byte[] SignRaw(ReadOnlySpan<byte> message) => SignatureAlgorithm.Ed25519.Sign(_key, message);

    /// <summary>A cosignature/v1 (type 0x04) of a checkpoint text at <paramref name="timestamp"/>.</summary>
    public NoteSignature Cosign(ReadOnlySpan<byte> checkpointText, ulong timestamp)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(timestamp, (ulong)long.MaxValue);

        byte[] payload = new byte[8 + 64];
        BinaryPrimitives.WriteUInt64BigEndian(payload, timestamp);
        SignatureAlgorithm.Ed25519.Sign(_key, CosignatureV1.Message(timestamp, checkpointText), payload.AsSpan(8));
        return new NoteSignature(Name, CosignatureKeyId, payload);
    }

    /// <summary>Never shows the private key.</summary>
    public override string ToString() => $"Ed25519NoteSigner({VerifierKey})";

    /// <inheritdoc/>
    public void Dispose() => _key.Dispose();

    private static void CheckName(string name)
    {
        if (!KeyNames.IsValid(name))
        {
            throw new ArgumentException($"\"{name}\" is not a valid key name (non-empty, no spaces, no '+').", nameof(name));
        }
    }
}
