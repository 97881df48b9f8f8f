using System.Text.Json;
using System.Text.Json.Serialization;

namespace Entente.Client.Exchange;

// TAXII 2.1 resources (OASIS TAXII Version 2.1, §4–5). Read leniently: TAXII allows custom members, which a client
// ignores. Optional members are null when absent.

/// <summary>The discovery resource (TAXII 2.1 §4.1.1).</summary>
/// <param name="Title">Title.</param>
/// <param name="Description">Description.</param>
/// <param name="Contact">Contact.</param>
/// <param name="Default">The default API root.</param>
/// <param name="ApiRoots">The API roots.</param>
public sealed record TaxiiDiscovery(
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("description")] string? Description = null,
    [property: JsonPropertyName("contact")] string? Contact = null,
    [property: JsonPropertyName("default")] string? Default = null,
    [property: JsonPropertyName("api_roots")] IReadOnlyList<string>? ApiRoots = null);

/// <summary>The API root resource (TAXII 2.1 §4.2.1).</summary>
/// <param name="Title">Title.</param>
/// <param name="Versions">Supported media types.</param>
/// <param name="MaxContentLength">Largest request body accepted.</param>
/// <param name="Description">Description.</param>
public sealed record TaxiiApiRoot(
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("versions")] IReadOnlyList<string> Versions,
    [property: JsonPropertyName("max_content_length")] long MaxContentLength,
    [property: JsonPropertyName("description")] string? Description = null);

/// <summary>The collections resource (TAXII 2.1 §5.1.1): absent when there are none.</summary>
/// <param name="Collections">The collections the caller can read or write.</param>
public sealed record TaxiiCollections([property: JsonPropertyName("collections")] IReadOnlyList<TaxiiCollectionInfo>? Collections = null);

/// <summary>A collection resource (TAXII 2.1 §5.2.1).</summary>
/// <param name="Id">Its id.</param>
/// <param name="Title">Title.</param>
/// <param name="CanRead">Whether the caller can read.</param>
/// <param name="CanWrite">Whether the caller can write.</param>
/// <param name="Description">Description.</param>
/// <param name="Alias">Alias.</param>
/// <param name="MediaTypes">Media types of its objects.</param>
public sealed record TaxiiCollectionInfo(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("can_read")] bool CanRead,
    [property: JsonPropertyName("can_write")] bool CanWrite,
    [property: JsonPropertyName("description")] string? Description = null,
    [property: JsonPropertyName("alias")] string? Alias = null,
    [property: JsonPropertyName("media_types")] IReadOnlyList<string>? MediaTypes = null);

/// <summary>
/// A STIX object as TAXII carries it: the common members every STIX 2.1 object has, and every other member kept
/// as JSON (a STIX object is an open document). A message of a collection that is not public is served as its
/// sealed envelope (<c>entente-exchange-sealed/v1</c>, docs/exchange.md "Sealed messages"): it has no <c>type</c>
/// or <c>id</c> of its own, and its <c>label</c> names the object it carries (<see cref="ObjectId"/>).
/// </summary>
public sealed record StixObjectDocument
{
    /// <summary>The format of a sealed envelope in the <c>envelope</c> member.</summary>
    public const string SealedFormat = "entente-exchange-sealed/v1";

    /// <summary>The STIX type (null for a sealed envelope).</summary>
    [JsonPropertyName("type")]
    public string? Type { get; init; }

    /// <summary>The STIX id (null for a sealed envelope).</summary>
    [JsonPropertyName("id")]
    public string? Id { get; init; }

    /// <summary>spec_version.</summary>
    [JsonPropertyName("spec_version")]
    public string? SpecVersion { get; init; }

    /// <summary>created, for SDOs and SROs.</summary>
    [JsonPropertyName("created")]
    public string? Created { get; init; }

    /// <summary>modified (the version), for SDOs and SROs.</summary>
    [JsonPropertyName("modified")]
    public string? Modified { get; init; }

    /// <summary>Every other member of the object.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Properties { get; set; }

    /// <summary>True when this is a sealed envelope rather than a STIX object in the clear.</summary>
    [JsonIgnore]
    public bool IsSealed =>
        Properties is not null && Properties.TryGetValue("envelope", out JsonElement format)
        && format.ValueKind == JsonValueKind.String && format.GetString() == SealedFormat;

    /// <summary>The STIX id of the object: its own, or the one a sealed envelope's label names.</summary>
    /// <exception cref="FormatException">Neither an id nor a sealed envelope's labelled id.</exception>
    [JsonIgnore]
    public string ObjectId =>
        Id ?? (IsSealed && Properties!.TryGetValue("label", out JsonElement label) && label.ValueKind == JsonValueKind.Object
            && label.TryGetProperty("id", out JsonElement id) && id.ValueKind == JsonValueKind.String
                ? id.GetString()!
                : throw new FormatException("A TAXII object without an id (and not a sealed envelope with a labelled id)."));
}

/// <summary>An envelope resource (TAXII 2.1 §3.7): a page of objects; <see cref="More"/> and <see cref="Next"/> lead to the next page.</summary>
/// <param name="More">More objects follow.</param>
/// <param name="Next">The token for the next page.</param>
/// <param name="Objects">The objects (absent on an empty page).</param>
public sealed record TaxiiEnvelope(
    [property: JsonPropertyName("more")] bool? More = null,
    [property: JsonPropertyName("next")] string? Next = null,
    [property: JsonPropertyName("objects")] IReadOnlyList<StixObjectDocument>? Objects = null);

/// <summary>A manifest record (TAXII 2.1 §5.3.1).</summary>
/// <param name="Id">The object's id.</param>
/// <param name="DateAdded">When the server added it.</param>
/// <param name="Version">Its version.</param>
/// <param name="MediaType">Its media type.</param>
public sealed record TaxiiManifestRecord(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("date_added")] string DateAdded,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("media_type")] string? MediaType = null);

/// <summary>The manifest resource (TAXII 2.1 §5.3.1).</summary>
/// <param name="More">More records follow.</param>
/// <param name="Next">The token for the next page.</param>
/// <param name="Objects">The records.</param>
public sealed record TaxiiManifest(
    [property: JsonPropertyName("more")] bool? More = null,
    [property: JsonPropertyName("next")] string? Next = null,
    [property: JsonPropertyName("objects")] IReadOnlyList<TaxiiManifestRecord>? Objects = null);

/// <summary>The versions resource (TAXII 2.1 §5.7.1).</summary>
/// <param name="More">More versions follow.</param>
/// <param name="Next">The token for the next page.</param>
/// <param name="Versions">The versions.</param>
public sealed record TaxiiVersions(
    [property: JsonPropertyName("more")] bool? More = null,
    [property: JsonPropertyName("next")] string? Next = null,
    [property: JsonPropertyName("versions")] IReadOnlyList<string>? Versions = null);

/// <summary>One object of a status resource (TAXII 2.1 §4.3.1, status-details).</summary>
/// <param name="Id">The object's id.</param>
/// <param name="Version">Its version.</param>
/// <param name="Message">What the server says about it.</param>
public sealed record TaxiiStatusDetail(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("version")] string? Version = null,
    [property: JsonPropertyName("message")] string? Message = null);

/// <summary>The status resource (TAXII 2.1 §4.3.1).</summary>
/// <param name="Id">Its id.</param>
/// <param name="Status">"pending" or "complete".</param>
/// <param name="TotalCount">Objects in the request.</param>
/// <param name="SuccessCount">Objects accepted.</param>
/// <param name="FailureCount">Objects refused.</param>
/// <param name="PendingCount">Objects not yet processed.</param>
/// <param name="RequestTimestamp">When the request was received.</param>
/// <param name="Successes">Each accepted object.</param>
/// <param name="Failures">Each refused object, with the reason.</param>
/// <param name="Pendings">Each pending object.</param>
public sealed record TaxiiStatus(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("total_count")] int TotalCount,
    [property: JsonPropertyName("success_count")] int SuccessCount,
    [property: JsonPropertyName("failure_count")] int FailureCount,
    [property: JsonPropertyName("pending_count")] int PendingCount,
    [property: JsonPropertyName("request_timestamp")] string? RequestTimestamp = null,
    [property: JsonPropertyName("successes")] IReadOnlyList<TaxiiStatusDetail>? Successes = null,
    [property: JsonPropertyName("failures")] IReadOnlyList<TaxiiStatusDetail>? Failures = null,
    [property: JsonPropertyName("pendings")] IReadOnlyList<TaxiiStatusDetail>? Pendings = null)
{
    /// <summary>True once the server has processed every object.</summary>
    public bool Complete => Status == "complete";
}

/// <summary>The TAXII error message (TAXII 2.1 §3.6.1).</summary>
/// <param name="Title">Title.</param>
/// <param name="Description">What went wrong.</param>
/// <param name="ErrorId">An identifier of this error.</param>
/// <param name="ErrorCode">The server's code.</param>
/// <param name="HttpStatus">The HTTP status, as text.</param>
public sealed record TaxiiError(
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("description")] string? Description = null,
    [property: JsonPropertyName("error_id")] string? ErrorId = null,
    [property: JsonPropertyName("error_code")] string? ErrorCode = null,
    [property: JsonPropertyName("http_status")] string? HttpStatus = null);
