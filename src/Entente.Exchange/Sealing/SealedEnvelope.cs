using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Entente.Exchange.Canonical;
using Entente.Exchange.Envelopes;
using Entente.Exchange.Stix;

namespace Entente.Exchange.Sealing;

/// <summary>A reader to seal to: its identity and its published X25519 key.</summary>
/// <param name="IdentityRef">The reader's STIX identity id.</param>
/// <param name="PublicKey">The reader's X25519 public key (32 bytes).</param>
public sealed record SealedReader(string IdentityRef, byte[] PublicKey);

/// <summary>One reader's entry in a sealed envelope: who, to which key, and the content key wrapped for it by HPKE.</summary>
/// <param name="IdentityRef">The reader's STIX identity id.</param>
/// <param name="PublicKey">The X25519 key the content key was sealed to.</param>
/// <param name="EncapsulatedKey">HPKE <c>enc</c> (32 bytes).</param>
/// <param name="WrappedKey">HPKE ciphertext of the content key (Nk + 16 bytes).</param>
public sealed record SealedRecipient(string IdentityRef, byte[] PublicKey, byte[] EncapsulatedKey, byte[] WrappedKey);

/// <summary>The carried object's type, id and version, in the clear so that the exchange can index and version it.</summary>
/// <param name="Type">STIX type.</param>
/// <param name="Id">STIX id.</param>
/// <param name="Version">modified (or created); null for cyber-observables.</param>
public sealed record SealedLabel(string Type, string Id, string? Version);

/// <summary>
/// A <see cref="SignedEnvelope"/> encrypted to the readers of its collection (docs/exchange.md, "Confidential
/// messages"). Format <c>entente-exchange-sealed/v1</c>:
/// <code>
/// { "envelope": "entente-exchange-sealed/v1", "sender", "public_key", "collection", "sent_at", "nonce",
///   "label": { "type", "id", "version" (absent for cyber-observables) },
///   "hpke": { "kem_id": 32, "kdf_id": 1, "aead_id": 3 (ChaCha20-Poly1305) or 1 (AES-128-GCM) },
///   "plaintext_sha256": hex SHA-256 of the sealed signed envelope (its JCS bytes),
///   "readers": [ { "identity", "x25519", "enc", "wrapped_key" } … ] (sorted by identity, unique),
///   "ciphertext": base64 AEAD(content key, nonce 0, aad = header hash, JCS(signed envelope)),
///   "signature": base64 Ed25519 over "entente-exchange-sealed/v1 signature\n" || JCS(all members but signature) }
/// </code>
/// One random content key encrypts the signed envelope once; each reader gets the content key sealed to its X25519
/// key with HPKE base mode (info <c>"entente-exchange-sealed/v1 content key"</c>, aad = header hash). The header hash
/// is SHA-256 of <c>"entente-exchange-sealed/v1 header\n"</c> || JCS of the members other than ciphertext, the readers'
/// enc and wrapped_key, and signature. The public <c>plaintext_sha256</c>, signed by the sender, commits every reader to
/// the same plaintext (the AEADs are not key-committing, so without it a sender could make one ciphertext open to two
/// different messages under two content keys) and lets a reader prove what the sender signed by revealing it
/// (<see cref="CheckDisclosure"/>).
/// </summary>
public sealed class SealedEnvelope : IExchangeEnvelope
{
    /// <summary>The format tag.</summary>
    public const string Format = "entente-exchange-sealed/v1";

    /// <summary>The media type under which TAXII serves sealed envelopes.</summary>
    public const string MediaType = "application/vnd.entente.sealed+json;version=1";

    /// <summary>Most readers one envelope is sealed to.</summary>
    public const int MaxReaders = 64;

    /// <summary>Largest sealed envelope: a signed envelope's limit, base64-encoded, plus the readers and the wrapper.</summary>
    public const int DefaultMaxBytes = ((SignedEnvelope.DefaultMaxBytes + Hpke.TagSize + 2) / 3 * 4) + (MaxReaders * 512) + 8192;

    private static readonly byte[] SignatureContext = Encoding.UTF8.GetBytes(Format + " signature\n");
    private static readonly byte[] HeaderContext = Encoding.UTF8.GetBytes(Format + " header\n");
    private static readonly byte[] KeyInfo = Encoding.UTF8.GetBytes(Format + " content key");
    private static readonly HashSet<string> Members = new(StringComparer.Ordinal)
    {
        "envelope", "sender", "public_key", "collection", "sent_at", "nonce", "label", "hpke", "plaintext_sha256", "readers", "ciphertext", "signature",
    };

    private SealedEnvelope(string sender, byte[] publicKey, string collection, string sentAt, string nonce, SealedLabel label, HpkeAead aead,
        byte[] plaintextSha256, IReadOnlyList<SealedRecipient> readers, byte[] ciphertext, byte[] signature)
    {
        Sender = sender;
        PublicKey = publicKey;
        Collection = collection;
        SentAt = sentAt;
        Nonce = nonce;
        Label = label;
        Aead = aead;
        PlaintextSha256 = plaintextSha256;
        Readers = readers;
        Ciphertext = ciphertext;
        Signature = signature;
    }

    /// <inheritdoc />
    public string EnvelopeFormat => Format;

    /// <inheritdoc />
    public bool IsSealed => true;

    /// <inheritdoc />
    public string Sender { get; }

    /// <inheritdoc />
    public byte[] PublicKey { get; }

    /// <inheritdoc />
    public string Collection { get; }

    /// <inheritdoc />
    public string SentAt { get; }

    /// <inheritdoc />
    public string Nonce { get; }

    /// <summary>The carried object's type, id and version.</summary>
    public SealedLabel Label { get; }

    /// <summary>The AEAD of the HPKE suite (also the content AEAD).</summary>
    public HpkeAead Aead { get; }

    /// <summary>SHA-256 of the sealed signed envelope's canonical bytes.</summary>
    public byte[] PlaintextSha256 { get; }

    /// <summary>The readers, sorted by identity.</summary>
    public IReadOnlyList<SealedRecipient> Readers { get; }

    /// <summary>The encrypted signed envelope (with its tag).</summary>
    public byte[] Ciphertext { get; }

    /// <inheritdoc />
    public byte[] Signature { get; }

    /// <inheritdoc />
    public string ObjectId => Label.Id;

    /// <inheritdoc />
    public string ObjectType => Label.Type;

    /// <inheritdoc />
    public string? ObjectVersion => Label.Version;

    /// <summary>Encrypts <paramref name="inner"/> to <paramref name="readers"/> and signs the result with <paramref name="senderKey"/>, the key that signed <paramref name="inner"/>.</summary>
    /// <exception cref="ArgumentException">No reader, too many, a reader twice, a bad reader key, or <paramref name="inner"/> not signed by <paramref name="senderKey"/>.</exception>
    public static SealedEnvelope Seal(PartyKey senderKey, SignedEnvelope inner, IEnumerable<SealedReader> readers, HpkeAead aead = HpkeAead.ChaCha20Poly1305)
    {
        ArgumentNullException.ThrowIfNull(senderKey);
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(readers);
        if (!inner.PublicKey.AsSpan().SequenceEqual(senderKey.PublicKey) || !inner.VerifySignature())
        {
            throw new ArgumentException("The envelope to seal must be signed by the sealing key.", nameof(inner));
        }

        List<SealedReader> sorted = [.. readers.OrderBy(r => r.IdentityRef, StringComparer.Ordinal)];
        if (sorted.Count is 0 or > MaxReaders)
        {
            throw new ArgumentException($"A sealed envelope has 1 to {MaxReaders} readers, not {sorted.Count}.", nameof(readers));
        }

        for (int i = 0; i < sorted.Count; i++)
        {
            if (!EncryptionKey.IsValidPublicKey(sorted[i].PublicKey))
            {
                throw new ArgumentException($"The encryption key of {sorted[i].IdentityRef} is not a usable X25519 public key.", nameof(readers));
            }

            if (i > 0 && sorted[i].IdentityRef == sorted[i - 1].IdentityRef)
            {
                throw new ArgumentException($"{sorted[i].IdentityRef} is listed twice.", nameof(readers));
            }
        }

        byte[] plaintext = inner.ToCanonicalJson();
        try
        {
            return SealCore(senderKey, inner, plaintext, SHA256.HashData(plaintext), sorted, aead);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>
    /// Encrypts <paramref name="plaintext"/> under a fresh content key for <paramref name="sorted"/> and signs the
    /// envelope with the commitment <paramref name="plaintextHash"/>. <see cref="Seal"/> passes the envelope's own bytes
    /// and their hash; tests pass others to play a sender that commits to one message and encrypts another.
    /// </summary>
    internal static SealedEnvelope SealCore(PartyKey senderKey, SignedEnvelope inner, byte[] plaintext, byte[] plaintextHash, List<SealedReader> sorted, HpkeAead aead)
    {
        SealedLabel label = new(inner.ObjectType, inner.ObjectId, inner.ObjectVersion);
        string nonce = EnvelopeJson.Base64Url(RandomNumberGenerator.GetBytes(16));
        List<SealedRecipient> unwrapped = [.. sorted.Select(r => new SealedRecipient(r.IdentityRef, r.PublicKey.ToArray(), [], []))];
        byte[] header = HeaderHash(inner.Sender, inner.PublicKey, inner.Collection, inner.SentAt, nonce, label, aead, plaintextHash, unwrapped);
        byte[] contentKey = RandomNumberGenerator.GetBytes(Hpke.KeySize(aead));
        try
        {
            byte[] ciphertext = new byte[plaintext.Length + Hpke.TagSize];
            Hpke.AeadSeal(aead, contentKey, stackalloc byte[Hpke.NonceSize], header, plaintext, ciphertext);
            List<SealedRecipient> recipients = [];
            foreach (SealedRecipient r in unwrapped)
            {
                byte[] wrapped = Hpke.Seal(aead, r.PublicKey, KeyInfo, header, contentKey, out byte[] enc);
                recipients.Add(r with { EncapsulatedKey = enc, WrappedKey = wrapped });
            }

            byte[] signed = SignedMessage(inner.Sender, inner.PublicKey, inner.Collection, inner.SentAt, nonce, label, aead, plaintextHash, recipients, ciphertext);
            return new SealedEnvelope(inner.Sender, inner.PublicKey.ToArray(), inner.Collection, inner.SentAt, nonce, label, aead, plaintextHash, recipients,
                ciphertext, senderKey.Sign(signed));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(contentKey);
        }
    }

    /// <summary>Seals <paramref name="inner"/> to every reader of <paramref name="collection"/> under its registered encryption key.</summary>
    /// <exception cref="ArgumentException">A reader of the collection has no registered encryption key, or as <see cref="Seal"/>.</exception>
    public static SealedEnvelope SealToReaders(PartyKey senderKey, SignedEnvelope inner, CollectionDefinition collection, PartyRegistry parties, HpkeAead aead = HpkeAead.ChaCha20Poly1305)
    {
        ArgumentNullException.ThrowIfNull(collection);
        ArgumentNullException.ThrowIfNull(parties);
        IReadOnlyList<Party> readers = collection.ReadersAmong(parties);
        if (readers.FirstOrDefault(p => p.EncryptionKey is null) is { } keyless)
        {
            throw new ArgumentException($"Collection \"{collection.Title}\" cannot carry sealed messages: its reader {keyless.Name} has no registered encryption key.", nameof(collection));
        }

        return Seal(senderKey, inner, readers.Select(p => new SealedReader(p.IdentityRef, p.EncryptionKey!.PublicKey)), aead);
    }

    /// <summary>Parses a sealed envelope strictly (size first, known members only, types, lengths and reader order checked). Does not verify the signature.</summary>
    /// <exception cref="FormatException">The message names the member at fault.</exception>
    public static SealedEnvelope Parse(ReadOnlySpan<byte> utf8Json, int maxBytes = DefaultMaxBytes)
    {
        if (utf8Json.Length > maxBytes)
        {
            throw new FormatException($"Sealed envelope is {utf8Json.Length} bytes, over the limit of {maxBytes} bytes.");
        }

        JsonElement root = StixObject.ParseStrict(utf8Json);
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("An envelope must be a JSON object.");
        }

        EnvelopeJson.OnlyMembers(root, Members, Format);
        string format = EnvelopeJson.RequiredString(root, "envelope");
        if (format != Format)
        {
            throw new FormatException($"envelope: \"{StixId.Truncate(format)}\" is not {Format}.");
        }

        string sender = EnvelopeJson.Identity(root, "sender");
        byte[] publicKey = EnvelopeJson.Base64Exact(root, "public_key", 32);
        string collection = EnvelopeJson.CollectionId(root);
        string sentAt = EnvelopeJson.RequiredString(root, "sent_at");
        StixTimestamp.Parse(sentAt, "sent_at");
        string nonce = EnvelopeJson.Nonce(root);
        SealedLabel label = ParseLabel(root);
        HpkeAead aead = ParseSuite(root);
        string hashHex = EnvelopeJson.RequiredString(root, "plaintext_sha256");
        if (hashHex.Length != 64 || !hashHex.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f'))
        {
            throw new FormatException("plaintext_sha256: must be 64 lower-case hex digits.");
        }

        List<SealedRecipient> readers = ParseReaders(root, aead);
        byte[] ciphertext = EnvelopeJson.Base64Any(EnvelopeJson.RequiredString(root, "ciphertext"), "ciphertext", SignedEnvelope.DefaultMaxBytes + Hpke.TagSize);
        if (ciphertext.Length < Hpke.TagSize)
        {
            throw new FormatException("ciphertext: shorter than an AEAD tag.");
        }

        byte[] signature = EnvelopeJson.Base64Exact(root, "signature", 64);
        return new SealedEnvelope(sender, publicKey, collection, sentAt, nonce, label, aead, Convert.FromHexString(hashHex), readers, ciphertext, signature);
    }

    /// <inheritdoc />
    public bool VerifySignature() => PartyKey.Verify(PublicKey, GetSignedMessage(), Signature);

    /// <summary>The exact bytes that are signed.</summary>
    public byte[] GetSignedMessage() => SignedMessage(Sender, PublicKey, Collection, SentAt, Nonce, Label, Aead, PlaintextSha256, Readers, Ciphertext);

    /// <inheritdoc />
    public byte[] ToCanonicalJson() => JsonCanonicalizer.Canonicalize(Write(Sender, PublicKey, Collection, SentAt, Nonce, Label, Aead, PlaintextSha256, Readers, Ciphertext, Signature, header: false));

    /// <summary>The reader entry of <paramref name="identityRef"/>, if any.</summary>
    public SealedRecipient? ReaderOf(string identityRef) => Readers.FirstOrDefault(r => r.IdentityRef == identityRef);

    /// <summary>
    /// Opens the envelope as reader <paramref name="readerIdentity"/> holding <paramref name="key"/>: unwraps the
    /// content key (HPKE), decrypts, checks the plaintext against <c>plaintext_sha256</c>, parses the signed envelope,
    /// checks its signature and that it agrees with this envelope (same key, sender, collection, send time, and an
    /// object with the label's type, id and version). False, with the reason, when any step fails.
    /// </summary>
    public bool TryOpen(EncryptionKey key, string readerIdentity, [NotNullWhen(true)] out SignedEnvelope? opened, out string problem)
    {
        ArgumentNullException.ThrowIfNull(key);
        opened = null;
        SealedRecipient? me = ReaderOf(readerIdentity);
        if (me is null)
        {
            problem = $"{readerIdentity} is not among the readers this message is sealed to.";
            return false;
        }

        if (!me.PublicKey.AsSpan().SequenceEqual(key.PublicKey))
        {
            problem = $"the message is sealed to another encryption key of {readerIdentity} ({Convert.ToBase64String(me.PublicKey)}).";
            return false;
        }

        byte[] header = HeaderHash(Sender, PublicKey, Collection, SentAt, Nonce, Label, Aead, PlaintextSha256, Readers);
        if (!Hpke.TryOpen(Aead, key, me.EncapsulatedKey, KeyInfo, header, me.WrappedKey, out byte[]? contentKey))
        {
            problem = "the content key sealed to this reader does not open (HPKE): the envelope was altered or sealed wrongly.";
            return false;
        }

        byte[]? plaintext = null;
        try
        {
            if (contentKey.Length != Hpke.KeySize(Aead))
            {
                problem = $"the content key is {contentKey.Length} bytes, not {Hpke.KeySize(Aead)}.";
                return false;
            }

            if (!Hpke.AeadTryOpen(Aead, contentKey, stackalloc byte[Hpke.NonceSize], header, Ciphertext, out plaintext))
            {
                problem = "the ciphertext does not decrypt under the content key: the envelope was altered.";
                return false;
            }

            if (!SHA256.HashData(plaintext).AsSpan().SequenceEqual(PlaintextSha256))
            {
                problem = "the decrypted message does not match plaintext_sha256: the sender sealed another message than it committed to.";
                return false;
            }

            List<string> problems = CheckInner(plaintext, out opened);
            problem = string.Join("; ", problems);
            return problems.Count == 0;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(contentKey);
        }
    }

    /// <summary>
    /// The non-repudiation check a third party runs on a message a reader reveals (docs/exchange.md): this envelope's
    /// signature verifies; SHA-256 of <paramref name="revealedEnvelope"/> is <c>plaintext_sha256</c>; the revealed bytes
    /// are a canonical signed envelope whose signature verifies under the same key, from the same sender, for the same
    /// collection and send time, carrying the labelled object. Every failure is listed; empty means the sender signed
    /// exactly the revealed message and sealed it here. Whose key <see cref="PublicKey"/> is, and that this envelope is
    /// in the log, are the caller's checks (the party registry and the board proof).
    /// </summary>
    public IReadOnlyList<string> CheckDisclosure(ReadOnlySpan<byte> revealedEnvelope)
    {
        List<string> problems = [];
        if (!VerifySignature())
        {
            problems.Add("the sealed envelope's signature does not verify");
        }

        if (!SHA256.HashData(revealedEnvelope).AsSpan().SequenceEqual(PlaintextSha256))
        {
            problems.Add("the revealed message's SHA-256 is not the plaintext_sha256 the sender signed");
            return problems;
        }

        problems.AddRange(CheckInner(revealedEnvelope, out _));
        return problems;
    }

    /// <inheritdoc />
    public override string ToString() => $"sealed envelope from {Sender} in {Collection}: {Label.Type} {Label.Id} to {Readers.Count} reader(s)";

    private List<string> CheckInner(ReadOnlySpan<byte> plaintext, out SignedEnvelope? inner)
    {
        List<string> problems = [];
        inner = null;
        SignedEnvelope parsed;
        try
        {
            parsed = SignedEnvelope.Parse(plaintext, SignedEnvelope.DefaultMaxBytes);
        }
        catch (FormatException e)
        {
            problems.Add("the sealed message is not a signed envelope: " + e.Message);
            return problems;
        }

        if (!parsed.ToCanonicalJson().AsSpan().SequenceEqual(plaintext))
        {
            problems.Add("the sealed message is not in its canonical (RFC 8785) form");
        }

        if (!parsed.VerifySignature())
        {
            problems.Add("the sealed message's own signature does not verify");
        }

        if (!parsed.PublicKey.AsSpan().SequenceEqual(PublicKey) || parsed.Sender != Sender)
        {
            problems.Add("the sealed message is signed by another key or sender than the envelope");
        }

        if (parsed.Collection != Collection || parsed.SentAt != SentAt)
        {
            problems.Add("the sealed message names another collection or send time than the envelope");
        }

        if (parsed.ObjectType != Label.Type || parsed.ObjectId != Label.Id || parsed.ObjectVersion != Label.Version)
        {
            problems.Add($"the sealed object is {parsed.ObjectType} {parsed.ObjectId} {parsed.ObjectVersion ?? "-"}, not the labelled {Label.Type} {Label.Id} {Label.Version ?? "-"}");
        }

        if (problems.Count == 0)
        {
            inner = parsed;
        }

        return problems;
    }

    private static SealedLabel ParseLabel(JsonElement root)
    {
        if (!root.TryGetProperty("label", out JsonElement label) || label.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("label: required, and must be a JSON object.");
        }

        foreach (JsonProperty member in label.EnumerateObject())
        {
            if (member.Name is not ("type" or "id" or "version"))
            {
                throw new FormatException($"label: member \"{StixId.Truncate(member.Name)}\" is not part of {Format}.");
            }
        }

        string type = EnvelopeJson.RequiredString(label, "type");
        string id = EnvelopeJson.RequiredString(label, "id");
        if (!StixTypes.IsValidTypeName(type) || !StixId.TryParse(id, out StixId? parsed) || parsed.Type != type)
        {
            throw new FormatException($"label: \"{StixId.Truncate(id)}\" is not a STIX id of type \"{StixId.Truncate(type)}\".");
        }

        string? version = null;
        if (label.TryGetProperty("version", out _))
        {
            version = EnvelopeJson.RequiredString(label, "version");
            if (!StixTimestamp.TryParse(version, out _) || !StixTimestamp.HasMillisecondPrecision(version))
            {
                throw new FormatException("label.version: must be a STIX timestamp with at least millisecond precision.");
            }
        }

        if (StixTypes.IsObservable(type) == (version is not null))
        {
            throw new FormatException(version is null
                ? "label.version: required for a versioned object (every type but the cyber-observables)."
                : "label.version: cyber-observables are not versioned.");
        }

        return new SealedLabel(type, id, version);
    }

    private static HpkeAead ParseSuite(JsonElement root)
    {
        if (!root.TryGetProperty("hpke", out JsonElement suite) || suite.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("hpke: required, and must be a JSON object.");
        }

        int kem = -1;
        int kdf = -1;
        int aead = -1;
        foreach (JsonProperty member in suite.EnumerateObject())
        {
            if (member.Value.ValueKind != JsonValueKind.Number || !member.Value.TryGetInt32(out int value))
            {
                throw new FormatException($"hpke.{StixId.Truncate(member.Name)}: must be an integer.");
            }

            switch (member.Name)
            {
                case "kem_id": kem = value; break;
                case "kdf_id": kdf = value; break;
                case "aead_id": aead = value; break;
                default: throw new FormatException($"hpke: member \"{StixId.Truncate(member.Name)}\" is not part of {Format}.");
            }
        }

        if (kem != Hpke.KemId || kdf != Hpke.KdfId || !Hpke.IsSupported(aead))
        {
            throw new FormatException($"hpke: the suite must be kem_id {Hpke.KemId} (DHKEM(X25519, HKDF-SHA256)), kdf_id {Hpke.KdfId} (HKDF-SHA256) and aead_id 3 (ChaCha20-Poly1305) or 1 (AES-128-GCM).");
        }

        return (HpkeAead)aead;
    }

    private static List<SealedRecipient> ParseReaders(JsonElement root, HpkeAead aead)
    {
        if (!root.TryGetProperty("readers", out JsonElement readers) || readers.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException("readers: required, and must be an array.");
        }

        int count = readers.GetArrayLength();
        if (count is 0 or > MaxReaders)
        {
            throw new FormatException($"readers: 1 to {MaxReaders} entries, not {count}.");
        }

        List<SealedRecipient> list = [];
        int i = 0;
        foreach (JsonElement reader in readers.EnumerateArray())
        {
            if (reader.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"readers[{i}]: must be a JSON object.");
            }

            foreach (JsonProperty member in reader.EnumerateObject())
            {
                if (member.Name is not ("identity" or "x25519" or "enc" or "wrapped_key"))
                {
                    throw new FormatException($"readers[{i}]: member \"{StixId.Truncate(member.Name)}\" is not part of {Format}.");
                }
            }

            string identity = EnvelopeJson.Identity(reader, "identity");
            byte[] key = EnvelopeJson.Base64Exact(reader, "x25519", EncryptionKey.KeySize);
            byte[] enc = EnvelopeJson.Base64Exact(reader, "enc", Hpke.EncapsulatedKeySize);
            byte[] wrapped = EnvelopeJson.Base64Exact(reader, "wrapped_key", Hpke.KeySize(aead) + Hpke.TagSize);
            if (list.Count > 0 && string.CompareOrdinal(list[^1].IdentityRef, identity) >= 0)
            {
                throw new FormatException($"readers[{i}]: readers must be sorted by identity, each once.");
            }

            list.Add(new SealedRecipient(identity, key, enc, wrapped));
            i++;
        }

        return list;
    }

    private static byte[] HeaderHash(string sender, byte[] publicKey, string collection, string sentAt, string nonce, SealedLabel label, HpkeAead aead,
        byte[] plaintextHash, IReadOnlyList<SealedRecipient> readers)
    {
        byte[] header = JsonCanonicalizer.Canonicalize(Write(sender, publicKey, collection, sentAt, nonce, label, aead, plaintextHash, readers, null, null, header: true));
        using IncrementalHash sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(HeaderContext);
        sha.AppendData(header);
        return sha.GetHashAndReset();
    }

    private static byte[] SignedMessage(string sender, byte[] publicKey, string collection, string sentAt, string nonce, SealedLabel label, HpkeAead aead,
        byte[] plaintextHash, IReadOnlyList<SealedRecipient> readers, byte[] ciphertext)
    {
        byte[] body = JsonCanonicalizer.Canonicalize(Write(sender, publicKey, collection, sentAt, nonce, label, aead, plaintextHash, readers, ciphertext, null, header: false));
        byte[] message = new byte[SignatureContext.Length + body.Length];
        SignatureContext.CopyTo(message, 0);
        body.CopyTo(message, SignatureContext.Length);
        return message;
    }

    private static byte[] Write(string sender, byte[] publicKey, string collection, string sentAt, string nonce, SealedLabel label, HpkeAead aead,
        byte[] plaintextHash, IReadOnlyList<SealedRecipient> readers, byte[]? ciphertext, byte[]? signature, bool header)
    {
        ArrayBufferWriter<byte> buffer = new();
        using (Utf8JsonWriter writer = new(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("envelope", Format);
            writer.WriteString("sender", sender);
            writer.WriteString("public_key", Convert.ToBase64String(publicKey));
            writer.WriteString("collection", collection);
            writer.WriteString("sent_at", sentAt);
            writer.WriteString("nonce", nonce);
            writer.WriteStartObject("label");
            writer.WriteString("type", label.Type);
            writer.WriteString("id", label.Id);
            if (label.Version is not null)
            {
                writer.WriteString("version", label.Version);
            }

            writer.WriteEndObject();
            writer.WriteStartObject("hpke");
            writer.WriteNumber("kem_id", Hpke.KemId);
            writer.WriteNumber("kdf_id", Hpke.KdfId);
            writer.WriteNumber("aead_id", (int)aead);
            writer.WriteEndObject();
            writer.WriteString("plaintext_sha256", Convert.ToHexStringLower(plaintextHash));
            writer.WriteStartArray("readers");
            foreach (SealedRecipient r in readers)
            {
                writer.WriteStartObject();
                writer.WriteString("identity", r.IdentityRef);
                writer.WriteString("x25519", Convert.ToBase64String(r.PublicKey));
                if (!header)
                {
                    writer.WriteString("enc", Convert.ToBase64String(r.EncapsulatedKey));
                    writer.WriteString("wrapped_key", Convert.ToBase64String(r.WrappedKey));
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            if (ciphertext is not null)
            {
                writer.WriteString("ciphertext", Convert.ToBase64String(ciphertext));
            }

            if (signature is not null)
            {
                writer.WriteString("signature", Convert.ToBase64String(signature));
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
