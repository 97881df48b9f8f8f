using System.Text.Json;
using Entente.Exchange.Canonical;

namespace Entente.Exchange.Stix;

/// <summary>
/// One STIX 2.1 object as received: the JSON is kept whole (never re-serialised through a model, so
/// no property is lost or renamed) with its RFC 8785 canonical bytes, and the common properties
/// this exchange needs are lifted out. Construct through <see cref="Parse(ReadOnlySpan{byte}, int)"/>
/// or <see cref="FromElement"/>; validity against the spec is <see cref="StixValidator"/>'s job.
/// </summary>
public sealed class StixObject
{
    /// <summary>Default size limit of one object (1 MiB): larger artefacts belong in blobs, referenced by hash.</summary>
    public const int DefaultMaxBytes = 1 << 20;

    /// <summary>Maximum nesting depth accepted.</summary>
    public const int MaxDepth = 32;

    private StixObject(JsonElement json, byte[] canonical)
    {
        Json = json;
        Canonical = canonical;
        Type = StringOrNull(json, "type") ?? string.Empty;
        Id = StringOrNull(json, "id") ?? string.Empty;
        Created = StringOrNull(json, "created");
        Modified = StringOrNull(json, "modified");
        CreatedByRef = StringOrNull(json, "created_by_ref");
        SpecVersion = StringOrNull(json, "spec_version");
        Revoked = json.TryGetProperty("revoked", out JsonElement revoked) && revoked.ValueKind == JsonValueKind.True;
    }

    /// <summary>The object (a detached clone, safe to keep).</summary>
    public JsonElement Json { get; }

    /// <summary>RFC 8785 canonical UTF-8 bytes of the object.</summary>
    public ReadOnlyMemory<byte> Canonical { get; }

    /// <summary>The <c>type</c> property ("" when absent or not a string).</summary>
    public string Type { get; }

    /// <summary>The <c>id</c> property ("" when absent or not a string).</summary>
    public string Id { get; }

    /// <summary>The <c>created</c> timestamp text, if any.</summary>
    public string? Created { get; }

    /// <summary>The <c>modified</c> timestamp text, if any.</summary>
    public string? Modified { get; }

    /// <summary>The version of this object: <c>modified</c>, else <c>created</c> (marking definitions have no modified), else null (SCOs).</summary>
    public string? Version => Modified ?? Created;

    /// <summary>The <c>created_by_ref</c> property, if any.</summary>
    public string? CreatedByRef { get; }

    /// <summary>The <c>spec_version</c> property, if any.</summary>
    public string? SpecVersion { get; }

    /// <summary>True when <c>revoked</c> is true.</summary>
    public bool Revoked { get; }

    /// <summary>Parses one JSON object strictly: size limit first, depth limit, duplicate members rejected.</summary>
    /// <exception cref="FormatException">Oversized, not JSON, not an object, or a duplicate member; the message says which.</exception>
    public static StixObject Parse(ReadOnlySpan<byte> utf8Json, int maxBytes = DefaultMaxBytes)
    {
        if (utf8Json.Length > maxBytes)
        {
            throw new FormatException($"STIX object is {utf8Json.Length} bytes, over the limit of {maxBytes} bytes.");
        }

        JsonElement root = ParseStrict(utf8Json);
        return FromElement(root);
    }

    /// <summary>Wraps an already parsed element (cloned).</summary>
    /// <exception cref="FormatException">Not a JSON object, or a duplicate member name.</exception>
    public static StixObject FromElement(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"A STIX object must be a JSON object, not {element.ValueKind}.");
        }

        byte[] canonical = JsonCanonicalizer.Canonicalize(element);
        return new StixObject(element.Clone(), canonical);
    }

    /// <summary>Parses JSON with the exchange's strict reader settings (no duplicates, no comments, bounded depth).</summary>
    internal static JsonElement ParseStrict(ReadOnlySpan<byte> utf8Json)
    {
        // The reader checks structure, not the bytes inside strings: invalid UTF-8 would surface later, on reading a value.
        if (!System.Text.Unicode.Utf8.IsValid(utf8Json))
        {
            throw new FormatException("Not valid JSON: the text is not valid UTF-8.");
        }

        try
        {
            using JsonDocument strict = JsonDocument.Parse(utf8Json.ToArray(),
                new JsonDocumentOptions { MaxDepth = MaxDepth, AllowDuplicateProperties = false });
            CheckStrings(strict.RootElement);
            return strict.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new FormatException($"Not valid JSON: {e.Message}", e);
        }
        catch (InvalidOperationException e)
        {
            // JsonDocument checks strings only when read (and its duplicate check when it unescapes member names).
            throw new FormatException("Not valid JSON: a string or member name is not valid UTF-8 or holds an unpaired surrogate escape (I-JSON, RFC 7493).", e);
        }
    }

    /// <summary>Reads every string and member name once, so that a bad one fails here and not in a later reader.</summary>
    private static void CheckStrings(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (JsonProperty property in element.EnumerateObject())
                {
                    _ = property.Name;
                    CheckStrings(property.Value);
                }

                break;
            case JsonValueKind.Array:
                foreach (JsonElement item in element.EnumerateArray())
                {
                    CheckStrings(item);
                }

                break;
            case JsonValueKind.String:
                element.GetString();
                break;
            default:
                break;
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"{Type} {Id} ({Version ?? "unversioned"})";

    private static string? StringOrNull(JsonElement json, string name) =>
        json.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
