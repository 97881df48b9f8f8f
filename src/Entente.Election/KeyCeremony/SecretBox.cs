using System.Security.Cryptography;
using NSec.Cryptography;

namespace Entente.Election.KeyCeremony;

/// <summary>
/// Passphrase protection of a guardian's secret file at rest: Argon2id (RFC 9106) derives a 256-bit
/// key from the passphrase and a random 16-byte salt; XChaCha20-Poly1305 (24-byte random nonce,
/// 16-byte tag) seals the secret with the file's public header as associated data, so a header that
/// was edited (another guardian index, another election hash) fails to open. Both from NSec
/// (libsodium).
/// </summary>
internal static class SecretBox
{
    public const int SaltBytes = 16;
    public const int NonceBytes = 24;

    /// <summary>Argon2id settings written into each file, so a later release can raise them.</summary>
    internal readonly record struct KdfSettings(int MemoryKib, int Passes)
    {
        /// <summary>RFC 9106 §4 second recommended option: 64 MiB, 3 passes, 1 lane.</summary>
        public static KdfSettings Default { get; } = new(64 * 1024, 3);

        /// <summary>Bounds refused on reading, so a hostile file cannot ask for unbounded work.</summary>
        public bool IsReasonable => MemoryKib is >= 8 * 1024 and <= 4 * 1024 * 1024 && Passes is >= 1 and <= 64;
    }

    public static byte[] Seal(ReadOnlySpan<byte> plaintext, string passphrase, KdfSettings kdf, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> associatedData)
    {
        AeadAlgorithm aead = AeadAlgorithm.XChaCha20Poly1305;
        using Key key = DeriveKey(passphrase, kdf, salt, aead);
        return aead.Encrypt(key, nonce, associatedData, plaintext);
    }

    /// <summary>Opens a sealed secret; null when the passphrase is wrong or anything was altered.</summary>
    public static byte[]? Open(ReadOnlySpan<byte> ciphertext, string passphrase, KdfSettings kdf, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> associatedData)
    {
        AeadAlgorithm aead = AeadAlgorithm.XChaCha20Poly1305;
        if (salt.Length != SaltBytes || nonce.Length != NonceBytes || ciphertext.Length < aead.TagSize)
        {
            return null;
        }

        using Key key = DeriveKey(passphrase, kdf, salt, aead);
        byte[] plaintext = new byte[ciphertext.Length - aead.TagSize];
        if (aead.Decrypt(key, nonce, associatedData, ciphertext, plaintext))
        {
            return plaintext;
        }

        CryptographicOperations.ZeroMemory(plaintext);
        return null;
    }

    public static byte[] RandomBytes(int count) => RandomNumberGenerator.GetBytes(count);

    private static Key DeriveKey(string passphrase, KdfSettings kdf, ReadOnlySpan<byte> salt, AeadAlgorithm aead)
    {
        if (!kdf.IsReasonable)
        {
            throw new ArgumentOutOfRangeException(nameof(kdf), "Argon2id settings out of the accepted range");
        }

        PasswordBasedKeyDerivationAlgorithm argon = PasswordBasedKeyDerivationAlgorithm.Argon2id(new Argon2Parameters
        {
            DegreeOfParallelism = 1,
            MemorySize = kdf.MemoryKib,
            NumberOfPasses = kdf.Passes,
        });
        byte[] password = System.Text.Encoding.UTF8.GetBytes(passphrase);
        byte[] keyBytes = new byte[aead.KeySize];
        try
        {
            argon.DeriveBytes(password, salt, keyBytes);
            return Key.Import(aead, keyBytes, KeyBlobFormat.RawSymmetricKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(password);
            CryptographicOperations.ZeroMemory(keyBytes);
        }
    }
}
