using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using NSec.Cryptography;

namespace Entente.Exchange.Sealing;

// RFC 9180 Hybrid Public Key Encryption (HPKE), base mode (mode_base = 0x00) with the single-shot API of §6.1.
// KEM  DHKEM(X25519, HKDF-SHA256), kem_id 0x0020: Nsecret 32, Nenc 32, Npk 32, Nsk 32 (§7.1).
// KDF  HKDF-SHA256, kdf_id 0x0001: Nh 32 (§7.2).
// AEAD AES-128-GCM, aead_id 0x0001: Nk 16, Nn 12, Nt 16; ChaCha20-Poly1305, aead_id 0x0003: Nk 32, Nn 12, Nt 16 (§7.3).
// X25519 comes from NSec (libsodium), which refuses an all-zero shared secret (§7.1.4); HKDF, AES-GCM and
// ChaCha20-Poly1305 from System.Security.Cryptography. Checked against RFC 9180 Appendix A.1.1 and A.2.1
// (tests/vectors/hpke). Every intermediate secret is wiped before returning.

/// <summary>The AEADs this HPKE implementation offers (RFC 9180 §7.3 identifiers).</summary>
public enum HpkeAead
{
    /// <summary>AES-128-GCM (aead_id 0x0001).</summary>
    Aes128Gcm = 0x0001,

    /// <summary>ChaCha20-Poly1305 (aead_id 0x0003), the default of the exchange.</summary>
    ChaCha20Poly1305 = 0x0003,
}

/// <summary>
/// HPKE (RFC 9180) base mode, single-shot: <see cref="Seal"/> encrypts to a recipient's X25519 public key and
/// returns the encapsulated key <c>enc</c> and the ciphertext; <see cref="TryOpen"/> decrypts with the recipient's
/// <see cref="EncryptionKey"/> and returns false for any bad input (never throws on it). Suite: DHKEM(X25519,
/// HKDF-SHA256), HKDF-SHA256, and AES-128-GCM or ChaCha20-Poly1305.
/// </summary>
public static class Hpke
{
    /// <summary>kem_id of DHKEM(X25519, HKDF-SHA256).</summary>
    public const int KemId = 0x0020;

    /// <summary>kdf_id of HKDF-SHA256.</summary>
    public const int KdfId = 0x0001;

    /// <summary>Size of the encapsulated key (Nenc) and of an X25519 public key (Npk).</summary>
    public const int EncapsulatedKeySize = 32;

    /// <summary>Size of the AEAD tag (Nt) of both AEADs.</summary>
    public const int TagSize = 16;

    internal const int NonceSize = 12;
    internal const int HashSize = 32;
    private const byte ModeBase = 0x00;

    private static readonly byte[] Version = Encoding.ASCII.GetBytes("HPKE-v1");
    private static readonly byte[] KemSuiteId = [(byte)'K', (byte)'E', (byte)'M', 0x00, 0x20];

    /// <summary>The key size Nk of <paramref name="aead"/>.</summary>
    public static int KeySize(HpkeAead aead) => aead switch
    {
        HpkeAead.Aes128Gcm => 16,
        HpkeAead.ChaCha20Poly1305 => 32,
        _ => throw new ArgumentOutOfRangeException(nameof(aead), aead, "Not an AEAD this HPKE offers."),
    };

    /// <summary>True for an AEAD identifier this implementation offers.</summary>
    public static bool IsSupported(int aeadId) => aeadId is (int)HpkeAead.Aes128Gcm or (int)HpkeAead.ChaCha20Poly1305;

    /// <summary>SealBase (RFC 9180 §6.1): encrypts <paramref name="plaintext"/> to <paramref name="recipientPublicKey"/>.</summary>
    /// <param name="aead">The AEAD of the suite.</param>
    /// <param name="recipientPublicKey">The recipient's X25519 public key (32 bytes).</param>
    /// <param name="info">Application context bound into the key schedule.</param>
    /// <param name="aad">Associated data authenticated with the ciphertext.</param>
    /// <param name="plaintext">The message.</param>
    /// <param name="encapsulatedKey">The encapsulated key <c>enc</c> (32 bytes) the recipient needs.</param>
    /// <returns>The ciphertext (plaintext length + 16).</returns>
    /// <exception cref="ArgumentException">The public key is not 32 bytes, or is a low-order point (the shared secret would be zero).</exception>
    public static byte[] Seal(HpkeAead aead, ReadOnlySpan<byte> recipientPublicKey, ReadOnlySpan<byte> info, ReadOnlySpan<byte> aad, ReadOnlySpan<byte> plaintext, out byte[] encapsulatedKey)
    {
        KeySize(aead);
        using HpkeContext context = SetupBaseS(aead, recipientPublicKey, info, ikmE: default, out encapsulatedKey);
        return context.Seal(aad, plaintext);
    }

    /// <summary>OpenBase (RFC 9180 §6.1): decrypts with the recipient's key; false for a wrong key, a tampered or truncated ciphertext, or a bad <c>enc</c>.</summary>
    public static bool TryOpen(HpkeAead aead, EncryptionKey recipientKey, ReadOnlySpan<byte> encapsulatedKey, ReadOnlySpan<byte> info, ReadOnlySpan<byte> aad,
        ReadOnlySpan<byte> ciphertext, [NotNullWhen(true)] out byte[]? plaintext)
    {
        ArgumentNullException.ThrowIfNull(recipientKey);
        KeySize(aead);
        plaintext = null;
        using HpkeContext? context = SetupBaseR(aead, recipientKey, encapsulatedKey, info);
        return context is not null && context.TryOpen(aad, ciphertext, out plaintext);
    }

    /// <summary>SetupBaseS (§5.1.1); with a non-empty <paramref name="ikmE"/> the ephemeral key is DeriveKeyPair(ikmE) (test vectors only).</summary>
    internal static HpkeContext SetupBaseS(HpkeAead aead, ReadOnlySpan<byte> recipientPublicKey, ReadOnlySpan<byte> info, ReadOnlySpan<byte> ikmE, out byte[] encapsulatedKey)
    {
        byte[] sharedSecret = Encap(recipientPublicKey, ikmE, out encapsulatedKey);
        try
        {
            return KeySchedule(aead, sharedSecret, info);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(sharedSecret);
        }
    }

    /// <summary>SetupBaseR (§5.1.1), or null when <c>enc</c> is malformed or gives a zero shared secret.</summary>
    internal static HpkeContext? SetupBaseR(HpkeAead aead, EncryptionKey recipientKey, ReadOnlySpan<byte> encapsulatedKey, ReadOnlySpan<byte> info)
    {
        byte[]? sharedSecret = Decap(encapsulatedKey, recipientKey);
        if (sharedSecret is null)
        {
            return null;
        }

        try
        {
            return KeySchedule(aead, sharedSecret, info);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(sharedSecret);
        }
    }

    /// <summary>DHKEM Encap (§4.1). The caller wipes the returned shared secret.</summary>
    internal static byte[] Encap(ReadOnlySpan<byte> recipientPublicKey, ReadOnlySpan<byte> ikmE, out byte[] encapsulatedKey)
    {
        if (recipientPublicKey.Length != EncapsulatedKeySize
            || !PublicKey.TryImport(KeyAgreementAlgorithm.X25519, recipientPublicKey, KeyBlobFormat.RawPublicKey, out PublicKey? pkR) || pkR is null)
        {
            throw new ArgumentException("An X25519 public key is 32 bytes.", nameof(recipientPublicKey));
        }

        Key skE;
        if (ikmE.IsEmpty)
        {
            skE = EncryptionKey.CreateNSecKey();
        }
        else
        {
            byte[] derived = DeriveKeyPairSecret(ikmE);
            try
            {
                skE = EncryptionKey.ImportNSecKey(derived);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(derived);
            }
        }

        using Key ephemeral = skE;
        encapsulatedKey = skE.PublicKey.Export(KeyBlobFormat.RawPublicKey);
        byte[] dh = Dh(skE, pkR) ?? throw new ArgumentException("The recipient key is a low-order X25519 point: the shared secret would be zero.", nameof(recipientPublicKey));
        try
        {
            return ExtractAndExpand(dh, encapsulatedKey, recipientPublicKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dh);
        }
    }

    /// <summary>DHKEM Decap (§4.1); null when <c>enc</c> is not 32 bytes or the shared secret is zero. The caller wipes the result.</summary>
    internal static byte[]? Decap(ReadOnlySpan<byte> encapsulatedKey, EncryptionKey recipientKey)
    {
        if (encapsulatedKey.Length != EncapsulatedKeySize
            || !PublicKey.TryImport(KeyAgreementAlgorithm.X25519, encapsulatedKey, KeyBlobFormat.RawPublicKey, out PublicKey? pkE) || pkE is null)
        {
            return null;
        }

        byte[]? dh = Dh(recipientKey.NSecKey, pkE);
        if (dh is null)
        {
            return null;
        }

        try
        {
            return ExtractAndExpand(dh, encapsulatedKey, recipientKey.PublicKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dh);
        }
    }

    /// <summary>DeriveKeyPair for X25519 (§7.1.3): the 32-byte private key; the caller wipes it.</summary>
    internal static byte[] DeriveKeyPairSecret(ReadOnlySpan<byte> ikm)
    {
        byte[] prk = LabeledExtract(KemSuiteId, [], "dkp_prk"u8, ikm);
        try
        {
            return LabeledExpand(KemSuiteId, prk, "sk"u8, [], 32);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(prk);
        }
    }

    private static byte[]? Dh(Key privateKey, PublicKey publicKey)
    {
        // NSec returns null when X25519 gives the all-zero output (a low-order point): RFC 9180 §7.1.4 aborts then.
        using SharedSecret? secret = KeyAgreementAlgorithm.X25519.Agree(privateKey, publicKey,
            new SharedSecretCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });
        return secret?.Export(SharedSecretBlobFormat.RawSharedSecret);
    }

    private static byte[] ExtractAndExpand(ReadOnlySpan<byte> dh, ReadOnlySpan<byte> enc, ReadOnlySpan<byte> pkRm)
    {
        byte[] kemContext = new byte[enc.Length + pkRm.Length];
        enc.CopyTo(kemContext);
        pkRm.CopyTo(kemContext.AsSpan(enc.Length));
        byte[] prk = LabeledExtract(KemSuiteId, [], "eae_prk"u8, dh);
        try
        {
            return LabeledExpand(KemSuiteId, prk, "shared_secret"u8, kemContext, HashSize);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(prk);
        }
    }

    private static HpkeContext KeySchedule(HpkeAead aead, ReadOnlySpan<byte> sharedSecret, ReadOnlySpan<byte> info)
    {
        byte[] suiteId = HpkeSuiteId(aead);
        // Base mode: psk and psk_id are empty (§5.1).
        byte[] pskIdHash = LabeledExtract(suiteId, [], "psk_id_hash"u8, []);
        byte[] infoHash = LabeledExtract(suiteId, [], "info_hash"u8, info);
        byte[] context = new byte[1 + pskIdHash.Length + infoHash.Length];
        context[0] = ModeBase;
        pskIdHash.CopyTo(context, 1);
        infoHash.CopyTo(context, 1 + pskIdHash.Length);
        byte[] secret = LabeledExtract(suiteId, sharedSecret, "secret"u8, []);
        try
        {
            return new HpkeContext(aead, suiteId,
                LabeledExpand(suiteId, secret, "key"u8, context, KeySize(aead)),
                LabeledExpand(suiteId, secret, "base_nonce"u8, context, NonceSize),
                LabeledExpand(suiteId, secret, "exp"u8, context, HashSize));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    private static byte[] HpkeSuiteId(HpkeAead aead)
    {
        byte[] id = new byte[10];
        "HPKE"u8.CopyTo(id);
        BinaryPrimitives.WriteUInt16BigEndian(id.AsSpan(4), KemId);
        BinaryPrimitives.WriteUInt16BigEndian(id.AsSpan(6), KdfId);
        BinaryPrimitives.WriteUInt16BigEndian(id.AsSpan(8), (ushort)aead);
        return id;
    }

    /// <summary>LabeledExtract(salt, label, ikm) = Extract(salt, "HPKE-v1" || suite_id || label || ikm) (§4).</summary>
    internal static byte[] LabeledExtract(ReadOnlySpan<byte> suiteId, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> label, ReadOnlySpan<byte> ikm)
    {
        byte[] labeled = new byte[Version.Length + suiteId.Length + label.Length + ikm.Length];
        try
        {
            Span<byte> rest = labeled;
            Version.CopyTo(rest);
            suiteId.CopyTo(rest[Version.Length..]);
            label.CopyTo(rest[(Version.Length + suiteId.Length)..]);
            ikm.CopyTo(rest[(Version.Length + suiteId.Length + label.Length)..]);
            byte[] prk = new byte[HashSize];
            HKDF.Extract(HashAlgorithmName.SHA256, labeled, salt, prk);
            return prk;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(labeled);
        }
    }

    /// <summary>LabeledExpand(prk, label, info, L) = Expand(prk, I2OSP(L, 2) || "HPKE-v1" || suite_id || label || info, L) (§4).</summary>
    internal static byte[] LabeledExpand(ReadOnlySpan<byte> suiteId, ReadOnlySpan<byte> prk, ReadOnlySpan<byte> label, ReadOnlySpan<byte> info, int length)
    {
        if (length is < 1 or > 255 * HashSize)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, "HKDF-SHA256 expands 1 to 8160 bytes.");
        }

        byte[] labeled = new byte[2 + Version.Length + suiteId.Length + label.Length + info.Length];
        BinaryPrimitives.WriteUInt16BigEndian(labeled, (ushort)length);
        Version.CopyTo(labeled, 2);
        suiteId.CopyTo(labeled.AsSpan(2 + Version.Length));
        label.CopyTo(labeled.AsSpan(2 + Version.Length + suiteId.Length));
        info.CopyTo(labeled.AsSpan(2 + Version.Length + suiteId.Length + label.Length));
        byte[] output = new byte[length];
        HKDF.Expand(HashAlgorithmName.SHA256, prk, output, labeled);
        return output;
    }

    /// <summary>One AEAD operation with a fresh key object, wiping nothing itself (the caller owns the key bytes).</summary>
    internal static void AeadSeal(HpkeAead aead, ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, ReadOnlySpan<byte> plaintext, Span<byte> ciphertextAndTag)
    {
        Span<byte> ciphertext = ciphertextAndTag[..plaintext.Length];
        Span<byte> tag = ciphertextAndTag.Slice(plaintext.Length, TagSize);
        if (aead == HpkeAead.ChaCha20Poly1305)
        {
            using System.Security.Cryptography.ChaCha20Poly1305 cipher = new(key);
            cipher.Encrypt(nonce, plaintext, ciphertext, tag, aad);
        }
        else
        {
            using AesGcm cipher = new(key, TagSize);
            cipher.Encrypt(nonce, plaintext, ciphertext, tag, aad);
        }
    }

    /// <summary>One AEAD decryption; false when the tag does not verify or the input is shorter than a tag.</summary>
    internal static bool AeadTryOpen(HpkeAead aead, ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, ReadOnlySpan<byte> ciphertextAndTag, [NotNullWhen(true)] out byte[]? plaintext)
    {
        plaintext = null;
        if (ciphertextAndTag.Length < TagSize)
        {
            return false;
        }

        byte[] output = new byte[ciphertextAndTag.Length - TagSize];
        try
        {
            ReadOnlySpan<byte> ciphertext = ciphertextAndTag[..output.Length];
            ReadOnlySpan<byte> tag = ciphertextAndTag[output.Length..];
            if (aead == HpkeAead.ChaCha20Poly1305)
            {
                using System.Security.Cryptography.ChaCha20Poly1305 cipher = new(key);
                cipher.Decrypt(nonce, ciphertext, tag, output, aad);
            }
            else
            {
                using AesGcm cipher = new(key, TagSize);
                cipher.Decrypt(nonce, ciphertext, tag, output, aad);
            }
        }
        catch (CryptographicException)
        {
            // AuthenticationTagMismatchException: .NET has already cleared the output.
            CryptographicOperations.ZeroMemory(output);
            return false;
        }

        plaintext = output;
        return true;
    }
}

/// <summary>
/// An HPKE encryption context (RFC 9180 §5.2): key, base nonce, exporter secret and the sequence number. The
/// single-shot API uses one message at sequence 0; the test vectors check further sequence numbers and exports.
/// Dispose to wipe the secrets.
/// </summary>
internal sealed class HpkeContext : IDisposable
{
    private readonly HpkeAead _aead;
    private readonly byte[] _suiteId;
    private readonly byte[] _key;
    private readonly byte[] _baseNonce;
    private readonly byte[] _exporterSecret;
    private ulong _sequence;

    public HpkeContext(HpkeAead aead, byte[] suiteId, byte[] key, byte[] baseNonce, byte[] exporterSecret)
    {
        _aead = aead;
        _suiteId = suiteId;
        _key = key;
        _baseNonce = baseNonce;
        _exporterSecret = exporterSecret;
    }

    /// <summary>Test access to the key schedule's outputs (RFC 9180 Appendix A lists them).</summary>
    internal ReadOnlySpan<byte> Key => _key;

    internal ReadOnlySpan<byte> BaseNonce => _baseNonce;

    internal ReadOnlySpan<byte> ExporterSecret => _exporterSecret;

    /// <summary>The sequence number of the next message (test access, to reach the vectors' later messages).</summary>
    internal ulong Sequence
    {
        get => _sequence;
        set => _sequence = value;
    }

    /// <summary>ContextS.Seal (§5.2).</summary>
    public byte[] Seal(ReadOnlySpan<byte> aad, ReadOnlySpan<byte> plaintext)
    {
        byte[] output = new byte[plaintext.Length + Hpke.TagSize];
        Span<byte> nonce = stackalloc byte[Hpke.NonceSize];
        ComputeNonce(nonce);
        Hpke.AeadSeal(_aead, _key, nonce, aad, plaintext, output);
        IncrementSequence();
        return output;
    }

    /// <summary>ContextR.Open (§5.2); false when the ciphertext does not authenticate.</summary>
    public bool TryOpen(ReadOnlySpan<byte> aad, ReadOnlySpan<byte> ciphertext, [NotNullWhen(true)] out byte[]? plaintext)
    {
        Span<byte> nonce = stackalloc byte[Hpke.NonceSize];
        ComputeNonce(nonce);
        if (!Hpke.AeadTryOpen(_aead, _key, nonce, aad, ciphertext, out plaintext))
        {
            return false;
        }

        IncrementSequence();
        return true;
    }

    /// <summary>Context.Export (§5.3) = LabeledExpand(exporter_secret, "sec", exporter_context, L).</summary>
    public byte[] Export(ReadOnlySpan<byte> exporterContext, int length) =>
        Hpke.LabeledExpand(_suiteId, _exporterSecret, "sec"u8, exporterContext, length);

    /// <summary>ComputeNonce (§5.2): base_nonce XOR I2OSP(seq, Nn).</summary>
    private void ComputeNonce(Span<byte> nonce)
    {
        _baseNonce.CopyTo(nonce);
        Span<byte> sequence = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(sequence, _sequence);
        for (int i = 0; i < 8; i++)
        {
            nonce[Hpke.NonceSize - 8 + i] ^= sequence[i];
        }
    }

    private void IncrementSequence()
    {
        // Nn = 12 bytes allows 2^96 - 1 messages; a ulong counter stops well before (MessageLimitReachedError).
        if (_sequence == ulong.MaxValue)
        {
            throw new CryptographicException("HPKE message limit reached.");
        }

        _sequence++;
    }

    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_key);
        CryptographicOperations.ZeroMemory(_baseNonce);
        CryptographicOperations.ZeroMemory(_exporterSecret);
    }
}
