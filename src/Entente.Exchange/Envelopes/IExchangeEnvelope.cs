using System.Text.Json;
using Entente.Exchange.Sealing;
using Entente.Exchange.Stix;

namespace Entente.Exchange.Envelopes;

/// <summary>
/// What the exchange logs: a <see cref="SignedEnvelope"/> (the STIX object in the clear) or a
/// <see cref="SealedEnvelope"/> (the signed envelope encrypted to the collection's readers). Both are signed by the
/// sender's Ed25519 key, name a sender, a collection, a send time, a nonce and the object's id, type and version,
/// and are stored and hashed in their RFC 8785 canonical form.
/// </summary>
public interface IExchangeEnvelope
{
    /// <summary>The format tag (<c>entente-exchange/v1</c> or <c>entente-exchange-sealed/v1</c>).</summary>
    string EnvelopeFormat { get; }

    /// <summary>True for a sealed envelope.</summary>
    bool IsSealed { get; }

    /// <summary>The sender's identity id.</summary>
    string Sender { get; }

    /// <summary>The Ed25519 public key the sender signed with.</summary>
    byte[] PublicKey { get; }

    /// <summary>The TAXII collection id.</summary>
    string Collection { get; }

    /// <summary>When the sender says it sent the message.</summary>
    string SentAt { get; }

    /// <summary>The sender's random nonce (base64url of 16 bytes).</summary>
    string Nonce { get; }

    /// <summary>The 64-byte Ed25519 signature.</summary>
    byte[] Signature { get; }

    /// <summary>The carried object's STIX id.</summary>
    string ObjectId { get; }

    /// <summary>The carried object's STIX type.</summary>
    string ObjectType { get; }

    /// <summary>The carried object's version (modified, else created), null for cyber-observables.</summary>
    string? ObjectVersion { get; }

    /// <summary>True when the signature verifies under <see cref="PublicKey"/> (whose key it is, is the exchange's check).</summary>
    bool VerifySignature();

    /// <summary>The envelope as RFC 8785 canonical JSON, signature included: the stored form, hashed into the log.</summary>
    byte[] ToCanonicalJson();
}

/// <summary>Reads either kind of envelope.</summary>
public static class ExchangeEnvelope
{
    /// <summary>The largest envelope of either kind.</summary>
    public static int DefaultMaxBytes => SealedEnvelope.DefaultMaxBytes;

    /// <summary>Parses a signed or a sealed envelope, chosen by its <c>envelope</c> member, each within its own size limit. Does not verify signatures.</summary>
    /// <exception cref="FormatException">Oversized, malformed, or an unknown format; the message names the member at fault.</exception>
    public static IExchangeEnvelope Parse(ReadOnlySpan<byte> utf8Json, int maxSignedBytes = SignedEnvelope.DefaultMaxBytes, int maxSealedBytes = SealedEnvelope.DefaultMaxBytes)
    {
        if (utf8Json.Length > Math.Max(maxSignedBytes, maxSealedBytes))
        {
            throw new FormatException($"Envelope is {utf8Json.Length} bytes, over the limit of {Math.Max(maxSignedBytes, maxSealedBytes)} bytes.");
        }

        return FormatOf(utf8Json) == SealedEnvelope.Format
            ? SealedEnvelope.Parse(utf8Json, maxSealedBytes)
            : SignedEnvelope.Parse(utf8Json, maxSignedBytes);
    }

    /// <summary>The <c>envelope</c> member of a JSON object, or null when the bytes are not a JSON object with a string <c>envelope</c> member.</summary>
    public static string? FormatOf(ReadOnlySpan<byte> utf8Json)
    {
        Utf8JsonReader reader = new(utf8Json, new JsonReaderOptions { MaxDepth = StixObject.MaxDepth });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool wanted = reader.ValueTextEquals("envelope"u8);
                if (!reader.Read())
                {
                    return null;
                }

                if (wanted)
                {
                    return reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }

                reader.Skip();
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return null; // not JSON, or a string that is not valid UTF-8
        }

        return null;
    }

    /// <summary>True when the bytes are a sealed envelope (by its format tag; not a validity check).</summary>
    public static bool IsSealed(ReadOnlySpan<byte> utf8Json) => FormatOf(utf8Json) == SealedEnvelope.Format;
}

/// <summary>Strict readers of envelope members, shared by both formats.</summary>
internal static class EnvelopeJson
{
    public static string RequiredString(JsonElement root, string name) =>
        root.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new FormatException($"{name}: required, and must be a string.");

    public static byte[] Base64Exact(JsonElement root, string name, int length) => Base64Exact(RequiredString(root, name), name, length);

    public static byte[] Base64Exact(string text, string name, int length)
    {
        byte[] bytes = new byte[length];
        if (!Convert.TryFromBase64String(text, bytes, out int written) || written != length || Convert.ToBase64String(bytes) != text)
        {
            throw new FormatException($"{name}: must be canonical base64 of {length} bytes.");
        }

        return bytes;
    }

    /// <summary>Canonical base64 of any length up to <paramref name="maxLength"/> bytes.</summary>
    public static byte[] Base64Any(string text, string name, int maxLength)
    {
        if (text.Length > ((maxLength + 2) / 3 * 4))
        {
            throw new FormatException($"{name}: over the limit of {maxLength} bytes.");
        }

        byte[] buffer = new byte[text.Length / 4 * 3 + 3];
        if (!Convert.TryFromBase64String(text, buffer, out int written) || Convert.ToBase64String(buffer, 0, written) != text)
        {
            throw new FormatException($"{name}: must be canonical base64.");
        }

        return buffer[..written];
    }

    public static string Base64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The sender nonce: base64url (no padding) of 16 bytes.</summary>
    public static string Nonce(JsonElement root)
    {
        string nonce = RequiredString(root, "nonce");
        string padded = nonce.Replace('-', '+').Replace('_', '/') + "==";
        byte[] bytes = new byte[18];
        if (nonce.Length != 22 || !Convert.TryFromBase64String(padded, bytes, out int written) || written != 16 || Base64Url(bytes.AsSpan(0, 16)) != nonce)
        {
            throw new FormatException("nonce: must be base64url (no padding) of 16 bytes.");
        }

        return nonce;
    }

    public static string Identity(JsonElement root, string name)
    {
        string value = RequiredString(root, name);
        if (!StixId.TryParse(value, out StixId? id) || id.Type != "identity")
        {
            throw new FormatException($"{name}: \"{StixId.Truncate(value)}\" is not an identity--UUID.");
        }

        return value;
    }

    public static string CollectionId(JsonElement root)
    {
        string collection = RequiredString(root, "collection");
        if (!Guid.TryParseExact(collection, "D", out _))
        {
            throw new FormatException($"collection: \"{StixId.Truncate(collection)}\" is not a UUID.");
        }

        return collection;
    }

    public static void OnlyMembers(JsonElement root, IReadOnlySet<string> members, string format)
    {
        foreach (JsonProperty member in root.EnumerateObject())
        {
            if (!members.Contains(member.Name))
            {
                throw new FormatException($"Envelope member \"{StixId.Truncate(member.Name)}\" is not part of {format}.");
            }
        }
    }
}
