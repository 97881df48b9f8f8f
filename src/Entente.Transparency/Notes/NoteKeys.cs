using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using NSec.Cryptography;

namespace Entente.Transparency.Notes;

/// <summary>Signature types of C2SP signed-note.</summary>
public static class NoteSignatureType
{
    /// <summary>Ed25519 over the note text.</summary>
    public const byte Ed25519 = 0x01;

    /// <summary>ECDSA P-256 with SHA-256, ASN.1 DER signature (key ID from the DER SubjectPublicKeyInfo).</summary>
    public const byte EcdsaP256 = 0x02;

    /// <summary>Timestamped Ed25519 cosignature (tlog-cosignature, cosignature/v1).</summary>
    public const byte CosignatureV1 = 0x04;
}

/// <summary>Something that can check one kind of note signature for one key.</summary>
public interface INoteVerifier
{
    /// <summary>The key name.</summary>
    string Name { get; }

    /// <summary>The key ID.</summary>
    uint KeyId { get; }

    /// <summary>True when <paramref name="signature"/> (the bytes after the key ID) is valid for <paramref name="text"/>.</summary>
    bool Verify(ReadOnlySpan<byte> text, ReadOnlySpan<byte> signature);
}

/// <summary>Key IDs and verifier-key strings (<c>name+hex id+base64(type || key)</c>).</summary>
public static class VerifierKeys
{
    /// <summary>The name-based key ID: SHA-256(name || 0x0A || type || key)[:4], big-endian.</summary>
    public static uint KeyId(string name, byte type, ReadOnlySpan<byte> publicKey)
    {
        ArgumentNullException.ThrowIfNull(name);
        byte[] nameBytes = Encoding.UTF8.GetBytes(name);
        byte[] buffer = new byte[nameBytes.Length + 2 + publicKey.Length];
        nameBytes.CopyTo(buffer, 0);
        buffer[nameBytes.Length] = 0x0A;
        buffer[nameBytes.Length + 1] = type;
        publicKey.CopyTo(buffer.AsSpan(nameBytes.Length + 2));
        return BinaryPrimitives.ReadUInt32BigEndian(SHA256.HashData(buffer));
    }

    /// <summary>Formats a verifier key.</summary>
    public static string Format(string name, uint keyId, byte type, ReadOnlySpan<byte> publicKey)
    {
        byte[] blob = [type, .. publicKey];
        return $"{name}+{keyId:x8}+{Convert.ToBase64String(blob)}";
    }

    /// <summary>
    /// Parses a verifier key of type 0x01 (Ed25519), 0x02 (ECDSA P-256) or 0x04 (cosignature/v1) or throws
    /// <see cref="NoteFormatException"/>. The key ID in the string must match the one computed from the key.
    /// </summary>
    public static INoteVerifier Parse(string vkey)
    {
        (string name, uint id, byte type, byte[] key) = Split(vkey);
        INoteVerifier verifier = type switch
        {
            NoteSignatureType.Ed25519 => new Ed25519NoteVerifier(name, key),
            NoteSignatureType.CosignatureV1 => new CosignatureV1Verifier(name, key),
            NoteSignatureType.EcdsaP256 => new EcdsaNoteVerifier(name, key),
            _ => throw new NoteFormatException($"Verifier key \"{name}\" has the unsupported signature type 0x{type:x2}."),
        };
        if (verifier.KeyId != id)
        {
            throw new NoteFormatException($"Verifier key \"{name}\" declares key ID {id:x8} but its key gives {verifier.KeyId:x8}.");
        }

        return verifier;
    }

    /// <summary>Parses a verifier key; false when malformed or unsupported.</summary>
    public static bool TryParse(string vkey, out INoteVerifier? verifier)
    {
        try
        {
            verifier = Parse(vkey);
            return true;
        }
        catch (NoteFormatException)
        {
            verifier = null;
            return false;
        }
    }

    /// <summary>
    /// The cosignature/v1 verifier of a witness, from its published key of type 0x01 or 0x04 (witnesses often
    /// publish a 0x01 key; the cosignature key ID is computed with 0x04).
    /// </summary>
    public static CosignatureV1Verifier ParseCosigner(string vkey)
    {
        (string name, uint id, byte type, byte[] key) = Split(vkey);
        if (type is not (NoteSignatureType.Ed25519 or NoteSignatureType.CosignatureV1))
        {
            throw new NoteFormatException($"Witness key \"{name}\" must be an Ed25519 key (type 0x01 or 0x04), not 0x{type:x2}.");
        }

        if (KeyId(name, type, key) != id)
        {
            throw new NoteFormatException($"Witness key \"{name}\" declares key ID {id:x8}, which does not match its key.");
        }

        return new CosignatureV1Verifier(name, key);
    }

    /// <summary>Checks a key name and imports a 32-byte Ed25519 public key, or throws <see cref="NoteFormatException"/>.</summary>
    internal static PublicKey ImportEd25519(string name, ReadOnlySpan<byte> publicKey)
    {
        if (!KeyNames.IsValid(name))
        {
            throw new NoteFormatException($"\"{name}\" is not a valid key name.");
        }

        if (publicKey.Length != 32 || !PublicKey.TryImport(SignatureAlgorithm.Ed25519, publicKey, KeyBlobFormat.RawPublicKey, out PublicKey? key))
        {
            throw new NoteFormatException($"Key \"{name}\" is not a 32-byte Ed25519 public key.");
        }

        return key!;
    }

    internal static (string Name, uint Id, byte Type, byte[] Key) Split(string vkey)
    {
        ArgumentNullException.ThrowIfNull(vkey);
        int first = vkey.IndexOf('+', StringComparison.Ordinal);
        int second = first < 0 ? -1 : vkey.IndexOf('+', first + 1);
        if (first <= 0 || second < 0)
        {
            throw new NoteFormatException("A verifier key has the form name+hexid+base64key.");
        }

        string name = vkey[..first];
        string hex = vkey[(first + 1)..second];
        if (!KeyNames.IsValid(name))
        {
            throw new NoteFormatException($"Verifier key name \"{name}\" is not a valid key name.");
        }

        if (hex.Length != 8 || !hex.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f'))
        {
            throw new NoteFormatException($"Verifier key \"{name}\" has a key ID that is not 8 lowercase hex digits.");
        }

        byte[] blob;
        string encoded = vkey[(second + 1)..];
        try
        {
            blob = Convert.FromBase64String(encoded);
        }
        catch (FormatException e)
        {
            throw new NoteFormatException($"Verifier key \"{name}\" has a key that is not base64.", e);
        }

        // One key, one string: white space inside the base64 or non-zero padding bits are refused.
        if (!string.Equals(Convert.ToBase64String(blob), encoded, StringComparison.Ordinal))
        {
            throw new NoteFormatException($"Verifier key \"{name}\" has a key that is not canonical base64 (white space or non-zero padding bits).");
        }

        if (blob.Length < 2)
        {
            throw new NoteFormatException($"Verifier key \"{name}\" has no key.");
        }

        return (name, Convert.ToUInt32(hex, 16), blob[0], blob[1..]);
    }
}

/// <summary>Verifies Ed25519 (type 0x01) note signatures.</summary>
public sealed class Ed25519NoteVerifier : INoteVerifier
{
    private readonly PublicKey _key;

    /// <summary>Creates the verifier from a 32-byte Ed25519 public key.</summary>
    public Ed25519NoteVerifier(string name, ReadOnlySpan<byte> publicKey)
    {
        _key = VerifierKeys.ImportEd25519(name, publicKey);
        Name = name;
        PublicKeyBytes = publicKey.ToArray();
        KeyId = VerifierKeys.KeyId(name, NoteSignatureType.Ed25519, publicKey);
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public uint KeyId { get; }

    /// <summary>The raw public key.</summary>
    public byte[] PublicKeyBytes { get; }

    /// <summary>The verifier key string.</summary>
    public string VerifierKey => VerifierKeys.Format(Name, KeyId, NoteSignatureType.Ed25519, PublicKeyBytes);

    /// <inheritdoc/>
    public bool Verify(ReadOnlySpan<byte> text, ReadOnlySpan<byte> signature) =>
        signature.Length == 64 && SignatureAlgorithm.Ed25519.Verify(_key, text, signature);
}

/// <summary>Verifies ECDSA P-256 (type 0x02) note signatures: DER signature over SHA-256 of the text; key ID = SHA-256(SPKI)[:4].</summary>
public sealed class EcdsaNoteVerifier : INoteVerifier
{
    private readonly byte[] _spki;

    /// <summary>Creates the verifier from a DER SubjectPublicKeyInfo of a P-256 key.</summary>
    public EcdsaNoteVerifier(string name, ReadOnlySpan<byte> spki)
    {
        if (!KeyNames.IsValid(name))
        {
            throw new NoteFormatException($"\"{name}\" is not a valid key name.");
        }

        try
        {
            using ECDsa ecdsa = ECDsa.Create();
            ecdsa.ImportSubjectPublicKeyInfo(spki, out int read);
            if (read != spki.Length || ecdsa.ExportParameters(false).Curve.Oid.Value != "1.2.840.10045.3.1.7")
            {
                throw new NoteFormatException($"Key \"{name}\" is not a P-256 public key.");
            }
        }
        catch (CryptographicException e)
        {
            throw new NoteFormatException($"Key \"{name}\" is not a DER P-256 public key.", e);
        }

        Name = name;
        _spki = spki.ToArray();
        KeyId = BinaryPrimitives.ReadUInt32BigEndian(SHA256.HashData(spki));
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public uint KeyId { get; }

    /// <inheritdoc/>
    public bool Verify(ReadOnlySpan<byte> text, ReadOnlySpan<byte> signature)
    {
        using ECDsa ecdsa = ECDsa.Create();
        ecdsa.ImportSubjectPublicKeyInfo(_spki, out _);
        try
        {
            return ecdsa.VerifyData(text, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}

/// <summary>
/// Verifies tlog-cosignature cosignature/v1 (type 0x04) lines: u64 big-endian timestamp || Ed25519 signature over
/// <c>"cosignature/v1\ntime &lt;t&gt;\n" || checkpoint text</c>. Key ID = SHA-256(name || 0x0A || 0x04 || key)[:4].
/// </summary>
public sealed class CosignatureV1Verifier : INoteVerifier
{
    private readonly PublicKey _key;

    /// <summary>Creates the verifier from a 32-byte Ed25519 public key.</summary>
    public CosignatureV1Verifier(string name, ReadOnlySpan<byte> publicKey)
    {
        _key = VerifierKeys.ImportEd25519(name, publicKey);
        Name = name;
        PublicKeyBytes = publicKey.ToArray();
        KeyId = VerifierKeys.KeyId(name, NoteSignatureType.CosignatureV1, publicKey);
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public uint KeyId { get; }

    /// <summary>The raw public key.</summary>
    public byte[] PublicKeyBytes { get; }

    /// <summary>The verifier key string (type 0x04).</summary>
    public string VerifierKey => VerifierKeys.Format(Name, KeyId, NoteSignatureType.CosignatureV1, PublicKeyBytes);

    /// <inheritdoc/>
    public bool Verify(ReadOnlySpan<byte> text, ReadOnlySpan<byte> signature)
    {
        if (signature.Length != 8 + 64)
        {
            return false;
        }

        ulong time = BinaryPrimitives.ReadUInt64BigEndian(signature);
        if (time > long.MaxValue)
        {
            return false;
        }

        return SignatureAlgorithm.Ed25519.Verify(_key, CosignatureV1.Message(time, text), signature[8..]);
    }

    /// <summary>The timestamp of a cosignature (seconds since the epoch).</summary>
    public static ulong Timestamp(ReadOnlySpan<byte> signature) =>
        signature.Length == 72 ? BinaryPrimitives.ReadUInt64BigEndian(signature) : throw new ArgumentException("A cosignature is 72 bytes.", nameof(signature));
}

/// <summary>The cosignature/v1 signed message.</summary>
public static class CosignatureV1
{
    /// <summary><c>"cosignature/v1\ntime &lt;t&gt;\n" || checkpoint text</c>.</summary>
    public static byte[] Message(ulong timestamp, ReadOnlySpan<byte> checkpointText)
    {
        byte[] header = Encoding.ASCII.GetBytes($"cosignature/v1\ntime {timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture)}\n");
        return [.. header, .. checkpointText];
    }
}
