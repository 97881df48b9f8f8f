using System.Text.Json.Serialization;

namespace Entente.Client.Board;

/// <summary>Constants of the board's wire protocol (docs/http-api.md).</summary>
public static class BoardProtocol
{
    /// <summary>Name of the request header carrying the signed log entry (base64 of its bytes) that commits to a posted artifact.</summary>
    public const string EntryHeader = "Entente-Entry";
}

/// <summary>An artifact on the board: where its commitment is in the log and what it commits to.</summary>
/// <param name="Collection">Its collection.</param>
/// <param name="Id">Its id within the collection.</param>
/// <param name="Index">The index of its log entry.</param>
/// <param name="Type">The entry's type.</param>
/// <param name="Sha256">The artifact's SHA-256 (lowercase hex; served at /blob/{sha256}).</param>
/// <param name="Party">The submitting party.</param>
/// <param name="Ballot">The entry's ballot field, if any.</param>
/// <param name="Code">The entry's confirmation code field, if any.</param>
/// <param name="Href">Where to fetch the artifact.</param>
public sealed record BoardArtifact(
    [property: JsonPropertyName("collection")] string Collection,
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("index")] long Index,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("sha256")] string Sha256,
    [property: JsonPropertyName("party")] string Party,
    [property: JsonPropertyName("ballot")] string? Ballot,
    [property: JsonPropertyName("code")] string? Code,
    [property: JsonPropertyName("href")] string Href);

/// <summary>A page of a collection.</summary>
/// <param name="Items">The artifacts, in log order.</param>
/// <param name="Offset">Offset of the first item.</param>
/// <param name="Total">Number of items matching.</param>
/// <param name="Next">The URL of the next page, or null.</param>
public sealed record BoardPage(
    [property: JsonPropertyName("items")] IReadOnlyList<BoardArtifact> Items,
    [property: JsonPropertyName("offset")] int Offset,
    [property: JsonPropertyName("total")] int Total,
    [property: JsonPropertyName("next")] string? Next);

/// <summary>The board's status.</summary>
/// <param name="Stage">The election's stage: charter, manifest, parameters, key-ceremony, voting, decryption, complete.</param>
/// <param name="Counts">Artifacts per collection.</param>
/// <param name="LogSize">The log's current size.</param>
/// <param name="Problems">Entries the board could not interpret when it started (should be empty).</param>
public sealed record BoardStatus(
    [property: JsonPropertyName("stage")] string Stage,
    [property: JsonPropertyName("counts")] IReadOnlyDictionary<string, int> Counts,
    [property: JsonPropertyName("log_size")] long LogSize,
    [property: JsonPropertyName("problems")] IReadOnlyList<string> Problems);
