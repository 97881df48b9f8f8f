using System.Security.Cryptography;
using System.Text.Json;
using Entente.Cryptography;
using Entente.Election.Record;

namespace Entente.Election.KeyCeremony;

/// <summary>What a secret file holds: before the shares are combined, or after.</summary>
public enum SecretStage
{
    /// <summary>Polynomials and ζ_i (after <c>guardian keygen</c>); bound to H_B.</summary>
    Keys,

    /// <summary>Also z_i and ẑ_i (after the ceremony); bound to H_E.</summary>
    Shares,
}

/// <summary>
/// A guardian's secret file (docs/record-format.md §5): a public header (format, guardian index,
/// binding hash, stage, protection) and the secret payload sealed with <see cref="SecretBox"/>
/// (Argon2id + XChaCha20-Poly1305, the header as associated data). A file of another guardian or of
/// another election is refused before the passphrase is even tried; a file edited anywhere fails
/// to open. Plaintext files exist only for tests (<c>--insecure-plaintext-secrets</c>).
/// </summary>
public static class GuardianSecretFile
{
    /// <summary>The format identifier.</summary>
    public const string Format = "entente-eg-guardian-secret/1";

    private const string Sealed = "argon2id-xchacha20poly1305";
    private const string Plain = "none";
    private const long MaxBytes = 1024 * 1024;

    /// <summary>Writes the file atomically with owner-only permissions. A null passphrase writes plaintext (tests only).</summary>
    public static void Write(string path, GuardianSecrets secrets, Hash256 binding, string? passphrase)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        ArgumentNullException.ThrowIfNull(binding);
        SecretStage stage = secrets.HasShares ? SecretStage.Shares : SecretStage.Keys;
        byte[] payload = WritePayload(secrets);
        try
        {
            CanonicalJsonWriter w = new();
            w.StartObject();
            WriteHeader(w, secrets.Index, binding, stage, passphrase is null ? Plain : Sealed, passphrase is null ? null : (SecretBox.KdfSettings.Default, SecretBox.RandomBytes(SecretBox.SaltBytes), SecretBox.RandomBytes(SecretBox.NonceBytes)), out byte[] header);
            if (passphrase is null)
            {
                w.Name("secret");
                w.RawValue(payload);
            }
            else
            {
                (SecretBox.KdfSettings kdf, byte[] salt, byte[] nonce) = ReadSealing(header);
                w.PropertyHex("ciphertext", SecretBox.Seal(payload, passphrase, kdf, salt, nonce, header));
            }

            w.EndObject();
            RecordFiles.WriteAtomicPrivate(path, w.ToArray());
        }
        finally
        {
            CryptographicOperations.ZeroMemory(payload);
        }
    }

    /// <summary>
    /// Reads a secret file, checking the guardian index and binding first. <paramref name="passphrase"/>
    /// is required for a sealed file; a plaintext file is refused unless <paramref name="allowPlaintext"/>.
    /// </summary>
    public static GuardianSecrets Read(string path, Group group, int quorum, int expectedIndex, Hash256 expectedBinding, string? passphrase, bool allowPlaintext)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(expectedBinding);
        byte[] bytes = RecordFiles.ReadLimited(path, MaxBytes);
        try
        {
            using JsonDocument document = JsonReading.Parse(path, bytes);
            JsonReading r = new(path, group);
            JsonElement o = r.Object(document.RootElement, "$", "format", "i", "binding", "stage", "protection", "kdf", "nonce", "ciphertext", "secret");
            if (r.String(o, "$", "format") != Format)
            {
                throw r.Error("$.format", $"not a guardian secret file (\"{Format}\" expected)");
            }

            int index = r.Int(o, "$", "i", 1);
            if (index != expectedIndex)
            {
                throw r.Error("$.i", $"this is the secret file of guardian {index}, not of guardian {expectedIndex}");
            }

            if (!r.Hash(o, "$", "binding").Equals(expectedBinding))
            {
                throw r.Error("$.binding", "this secret file belongs to another election (its H_B or H_E differs)");
            }

            string stageText = r.String(o, "$", "stage");
            SecretStage stage = stageText switch
            {
                "keys" => SecretStage.Keys,
                "shares" => SecretStage.Shares,
                _ => throw r.Error("$.stage", "\"keys\" or \"shares\" expected"),
            };
            string protection = r.String(o, "$", "protection");
            byte[] payload;
            if (protection == Plain)
            {
                if (!allowPlaintext)
                {
                    throw r.Error("$.protection", "the secret file is not encrypted; refusing it without --insecure-plaintext-secrets");
                }

                payload = System.Text.Encoding.UTF8.GetBytes(r.Member(o, "$", "secret").GetRawText());
            }
            else if (protection == Sealed)
            {
                JsonElement kdf = r.Object(r.Member(o, "$", "kdf"), "$.kdf", "memory_kib", "passes", "salt");
                SecretBox.KdfSettings settings = new(r.Int(kdf, "$.kdf", "memory_kib"), r.Int(kdf, "$.kdf", "passes"));
                if (!settings.IsReasonable)
                {
                    throw r.Error("$.kdf", "Argon2id settings outside the accepted range");
                }

                byte[] salt = r.Bytes(kdf, "$.kdf", "salt", SecretBox.SaltBytes);
                byte[] nonce = r.Bytes(o, "$", "nonce", SecretBox.NonceBytes);
                string ciphertextHex = r.String(o, "$", "ciphertext");
                byte[] ciphertext = ciphertextHex.Length % 2 == 0 && ciphertextHex.All(char.IsAsciiHexDigitUpper) ? Convert.FromHexString(ciphertextHex) : throw r.Error("$.ciphertext", "uppercase hex required");
                CanonicalJsonWriter header = new();
                header.StartObject();
                WriteHeader(header, index, expectedBinding, stage, Sealed, (settings, salt, nonce), out byte[] associated);
                if (passphrase is null)
                {
                    throw r.Error("$", "the secret file is encrypted; a passphrase is required");
                }

                payload = SecretBox.Open(ciphertext, passphrase, settings, salt, nonce, associated)
                    ?? throw r.Error("$.ciphertext", "the passphrase is wrong or the file was altered");
            }
            else
            {
                throw r.Error("$.protection", $"unknown protection \"{protection}\"");
            }

            try
            {
                return ReadPayload(path, payload, group, quorum, index, stage);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(payload);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    private static void WriteHeader(CanonicalJsonWriter w, int index, Hash256 binding, SecretStage stage, string protection, (SecretBox.KdfSettings Kdf, byte[] Salt, byte[] Nonce)? sealing, out byte[] header)
    {
        CanonicalJsonWriter h = new();
        h.StartObject();
        foreach (CanonicalJsonWriter target in new[] { w, h })
        {
            target.Property("format", Format);
            target.Property("i", index);
            target.PropertyHex("binding", binding.Bytes);
            target.Property("stage", stage == SecretStage.Keys ? "keys" : "shares");
            target.Property("protection", protection);
            if (sealing is { } s)
            {
                target.Name("kdf");
                target.StartObject();
                target.Property("memory_kib", s.Kdf.MemoryKib);
                target.Property("passes", s.Kdf.Passes);
                target.PropertyHex("salt", s.Salt);
                target.EndObject();
                target.PropertyHex("nonce", s.Nonce);
            }
        }

        h.EndObject();
        header = h.ToArray();
    }

    private static (SecretBox.KdfSettings, byte[], byte[]) ReadSealing(byte[] header)
    {
        using JsonDocument document = JsonDocument.Parse(header);
        JsonElement kdf = document.RootElement.GetProperty("kdf");
        return (new SecretBox.KdfSettings(kdf.GetProperty("memory_kib").GetInt32(), kdf.GetProperty("passes").GetInt32()),
            Convert.FromHexString(kdf.GetProperty("salt").GetString()!), Convert.FromHexString(document.RootElement.GetProperty("nonce").GetString()!));
    }

    private static byte[] WritePayload(GuardianSecrets secrets)
    {
        CanonicalJsonWriter w = new();
        w.StartObject();
        w.Name("vote_coefficients");
        w.StartArray();
        foreach (ElementModQ a in secrets.VoteCoefficients)
        {
            w.Hex(a.Encode());
        }

        w.EndArray();
        w.Name("data_coefficients");
        w.StartArray();
        foreach (ElementModQ a in secrets.DataCoefficients)
        {
            w.Hex(a.Encode());
        }

        w.EndArray();
        w.PropertyHex("communication_secret", secrets.CommunicationKey.SecretKey.Encode());
        if (secrets.HasShares)
        {
            w.PropertyHex("z", secrets.VoteShare!.Encode());
            w.PropertyHex("z_hat", secrets.DataShare!.Encode());
        }

        w.EndObject();
        return w.ToArray();
    }

    private static GuardianSecrets ReadPayload(string path, byte[] payload, Group group, int quorum, int index, SecretStage stage)
    {
        using JsonDocument document = JsonReading.Parse(path, payload);
        JsonReading r = new(path, group);
        JsonElement o = r.Object(document.RootElement, "$.secret", "vote_coefficients", "data_coefficients", "communication_secret", "z", "z_hat");
        ElementModQ[] a = [.. r.Array(o, "$.secret", "vote_coefficients", quorum).EnumerateArray().Select((e, j) => r.QValue(e, $"$.secret.vote_coefficients[{j}]"))];
        ElementModQ[] aHat = [.. r.Array(o, "$.secret", "data_coefficients", quorum).EnumerateArray().Select((e, j) => r.QValue(e, $"$.secret.data_coefficients[{j}]"))];
        GuardianSecrets secrets = new(index, a, aHat, ElGamalKeyPair.FromSecret(r.Q(o, "$.secret", "communication_secret")));
        if (stage == SecretStage.Shares)
        {
            secrets.VoteShare = r.Q(o, "$.secret", "z");
            secrets.DataShare = r.Q(o, "$.secret", "z_hat");
        }

        return secrets;
    }
}
