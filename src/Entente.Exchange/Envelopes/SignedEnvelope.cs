using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Entente.Exchange.Canonical;
using Entente.Exchange.Stix;

namespace Entente.Exchange.Envelopes;

/// <summary>
/// A STIX object as one party sent it: wrapped with sender, collection, optional recipient, send time
/// and a random nonce, and signed with the sender's Ed25519 key. Format (docs/exchange.md):
/// <code>
/// { "envelope": "entente-exchange/v1", "sender": "identity--…", "public_key": base64(32),
///   "collection": "uuid", "recipient": "identity--…" (optional), "sent_at": RFC 3339 µs UTC,
///   "nonce": base64url(16), "object": { STIX object }, "signature": base64(64) }
/// </code>
/// The signature is Ed25519 over <c>"entente-exchange/v1 signature\n" || JCS(envelope without "signature")</c>,
/// JCS being RFC 8785, so every member (the object included) is bound and any re-serialisation
/// of the same content verifies. Members other than these are rejected.
/// </summary>
public sealed class SignedEnvelope : IExchangeEnvelope
{
    /// <summary>The format tag, also the first line of the signed message's domain separator.</summary>
    public const string Format = "entente-exchange/v1";

    /// <summary>Default maximum size of an envelope on the wire (the object limit plus room for the wrapper).</summary>
    public const int DefaultMaxBytes = StixObject.DefaultMaxBytes + 4096;

    private static readonly byte[] SignatureContext = Encoding.UTF8.GetBytes(Format + " signature\n");
    private static readonly HashSet<string> Members = new(StringComparer.Ordinal)
    {
        "envelope", "sender", "public_key", "collection", "recipient", "sent_at", "nonce", "object", "signature",
    };

    private SignedEnvelope(string sender, byte[] publicKey, string collection, string? recipient, string sentAt, string nonce, StixObject stixObject, byte[] signature)
    {
        Sender = sender;
        PublicKey = publicKey;
        Collection = collection;
        Recipient = recipient;
        SentAt = sentAt;
        Nonce = nonce;
        Payload = stixObject;
        Signature = signature;
    }

    /// <summary>The sender's identity id.</summary>
    public string Sender { get; }

    /// <summary>The public key the sender signed with.</summary>
    public byte[] PublicKey { get; }

    /// <summary>The TAXII collection id the object is for.</summary>
    public string Collection { get; }

    /// <summary>The addressee's identity id, if the message is addressed.</summary>
    public string? Recipient { get; }

    /// <summary>When the sender says it sent the message (RFC 3339 UTC; checked against the log's clock within a bound).</summary>
    public string SentAt { get; }

    /// <summary>The sender's random nonce (base64url of 16 bytes).</summary>
    public string Nonce { get; }

    /// <summary>The STIX object carried.</summary>
    public StixObject Payload { get; }

    /// <summary>The 64-byte Ed25519 signature.</summary>
    public byte[] Signature { get; }

    /// <inheritdoc />
    string IExchangeEnvelope.EnvelopeFormat => Format;

    /// <inheritdoc />
    public bool IsSealed => false;

    /// <inheritdoc />
    public string ObjectId => Payload.Id;

    /// <inheritdoc />
    public string ObjectType => Payload.Type;

    /// <inheritdoc />
    public string? ObjectVersion => StixTypes.IsObservable(Payload.Type) ? null : Payload.Version;

    /// <summary>Creates and signs an envelope with a fresh nonce.</summary>
    public static SignedEnvelope Create(PartyKey key, string sender, string collection, string? recipient, DateTimeOffset sentAt, StixObject stixObject)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(stixObject);
        string nonce = EnvelopeJson.Base64Url(RandomNumberGenerator.GetBytes(16));
        string sent = StixTimestamp.FormatMicroseconds(sentAt);
        byte[] message = SignedMessage(sender, key.PublicKey, collection, recipient, sent, nonce, stixObject);
        return new SignedEnvelope(sender, key.PublicKey, collection, recipient, sent, nonce, stixObject, key.Sign(message));
    }

    /// <summary>Parses an envelope strictly (size first, known members only, types and lengths checked). Does not verify the signature.</summary>
    /// <exception cref="FormatException">The message names the member at fault.</exception>
    public static SignedEnvelope Parse(ReadOnlySpan<byte> utf8Json, int maxBytes = DefaultMaxBytes)
    {
        if (utf8Json.Length > maxBytes)
        {
            throw new FormatException($"Envelope is {utf8Json.Length} bytes, over the limit of {maxBytes} bytes.");
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
        string? recipient = null;
        if (root.TryGetProperty("recipient", out _))
        {
            recipient = EnvelopeJson.Identity(root, "recipient");
        }

        string sentAt = EnvelopeJson.RequiredString(root, "sent_at");
        StixTimestamp.Parse(sentAt, "sent_at");
        string nonce = EnvelopeJson.Nonce(root);
        if (!root.TryGetProperty("object", out JsonElement objectElement) || objectElement.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("object: required, and must be a JSON object.");
        }

        byte[] signature = EnvelopeJson.Base64Exact(root, "signature", 64);
        return new SignedEnvelope(sender, publicKey, collection, recipient, sentAt, nonce, StixObject.FromElement(objectElement), signature);
    }

    /// <summary>True when the signature verifies under the envelope's own public key (who that key belongs to is the exchange's check).</summary>
    public bool VerifySignature() =>
        PartyKey.Verify(PublicKey, SignedMessage(Sender, PublicKey, Collection, Recipient, SentAt, Nonce, Payload), Signature);

    /// <summary>The exact bytes that are signed.</summary>
    public byte[] GetSignedMessage() => SignedMessage(Sender, PublicKey, Collection, Recipient, SentAt, Nonce, Payload);

    /// <summary>The envelope as RFC 8785 canonical JSON, signature included: the form that is stored and hashed into the log.</summary>
    public byte[] ToCanonicalJson() => JsonCanonicalizer.Canonicalize(ToJsonUnordered(includeSignature: true));

    /// <summary>SHA-256 of <see cref="ToCanonicalJson"/>: the envelope's commitment in the log entry.</summary>
    public byte[] ComputeHash() => SHA256.HashData(ToCanonicalJson());

    /// <inheritdoc />
    public override string ToString() => $"envelope from {Sender} in {Collection}: {Payload}";

    private static byte[] SignedMessage(string sender, byte[] publicKey, string collection, string? recipient, string sentAt, string nonce, StixObject stixObject)
    {
        byte[] body = JsonCanonicalizer.Canonicalize(Write(sender, publicKey, collection, recipient, sentAt, nonce, stixObject, signature: null));
        byte[] message = new byte[SignatureContext.Length + body.Length];
        SignatureContext.CopyTo(message, 0);
        body.CopyTo(message, SignatureContext.Length);
        return message;
    }

    private byte[] ToJsonUnordered(bool includeSignature) =>
        Write(Sender, PublicKey, Collection, Recipient, SentAt, Nonce, Payload, includeSignature ? Signature : null);

    private static byte[] Write(string sender, byte[] publicKey, string collection, string? recipient, string sentAt, string nonce, StixObject stixObject, byte[]? signature)
    {
        ArrayBufferWriter<byte> buffer = new();
        using (Utf8JsonWriter writer = new(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("envelope", Format);
            writer.WriteString("sender", sender);
            writer.WriteString("public_key", Convert.ToBase64String(publicKey));
            writer.WriteString("collection", collection);
            if (recipient is not null)
            {
                writer.WriteString("recipient", recipient);
            }

            writer.WriteString("sent_at", sentAt);
            writer.WriteString("nonce", nonce);
            writer.WritePropertyName("object");
            stixObject.Json.WriteTo(writer);
            if (signature is not null)
            {
                writer.WriteString("signature", Convert.ToBase64String(signature));
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
