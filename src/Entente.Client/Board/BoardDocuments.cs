using System.Text.Json.Serialization;

namespace Entente.Client.Board;

/// <summary>Constants of the board's wire protocol (docs/http-api.md).</summary>
public static class BoardProtocol
{
    /// <summary>Name of the request header carrying the signed log entry (base64 of its bytes) that commits to a posted artifact.</summary>
    public const string EntryHeader = "Entente-Entry";

    /// <summary>The route of a batch of ballots (docs/http-api.md, "Ballots in a batch").</summary>
    public const string BallotBatchPath = "board/ballots/batch";
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

/// <summary>
/// A joint artifact waiting for every party's signature (docs/http-api.md, "Joint artifacts"): answered with 202 Accepted
/// to a post, and at <c>GET /board/proposals/{collection}[/{id}]</c>. A party adds its signature by posting the same
/// artifact with this entry (decoded from <see cref="Entry"/>) signed by its own key.
/// </summary>
/// <param name="Collection">The artifact's collection.</param>
/// <param name="Id">Its id within the collection.</param>
/// <param name="Type">The entry's type.</param>
/// <param name="Sha256">The artifact's SHA-256 (lowercase hex; the artifact is at /blob/{sha256}).</param>
/// <param name="Party">The party that proposed it (the entry's party field).</param>
/// <param name="Entry">Base64 of the signed entry with every party signature gathered so far.</param>
/// <param name="SignedBy">The parties that have signed.</param>
/// <param name="Awaiting">The parties whose signature is still missing.</param>
/// <param name="Checked">True when the artifact passed the board's rules when last posted (false while a prerequisite is missing).</param>
/// <param name="Href">Where this proposal is served.</param>
/// <param name="ArtifactHref">Where the artifact will be once logged.</param>
public sealed record BoardProposal(
    [property: JsonPropertyName("collection")] string Collection,
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("sha256")] string Sha256,
    [property: JsonPropertyName("party")] string Party,
    [property: JsonPropertyName("entry")] string Entry,
    [property: JsonPropertyName("signed_by")] IReadOnlyList<string> SignedBy,
    [property: JsonPropertyName("awaiting")] IReadOnlyList<string> Awaiting,
    [property: JsonPropertyName("checked")] bool Checked,
    [property: JsonPropertyName("href")] string Href,
    [property: JsonPropertyName("artifact_href")] string ArtifactHref);

/// <summary>Every pending proposal of the board (<c>GET /board/proposals</c>).</summary>
/// <param name="Items">The proposals, in the order of an election.</param>
public sealed record BoardProposalList([property: JsonPropertyName("items")] IReadOnlyList<BoardProposal> Items);

/// <summary>The members of a board's ProblemDetails that the client reads (RFC 9457 plus the board's extensions).</summary>
/// <param name="Title">The title.</param>
/// <param name="Status">The HTTP status.</param>
/// <param name="Detail">What is wrong.</param>
/// <param name="Sha256">For "Already on the board" and "Duplicate ballot": the SHA-256 of the artifact already there.</param>
/// <param name="Proposal">For "Proposal pending": where the pending proposal is.</param>
public sealed record BoardProblem(
    [property: JsonPropertyName("title")] string? Title,
    [property: JsonPropertyName("status")] int? Status,
    [property: JsonPropertyName("detail")] string? Detail,
    [property: JsonPropertyName("sha256")] string? Sha256,
    [property: JsonPropertyName("proposal")] string? Proposal);

/// <summary>
/// What became of one ballot of a batch (<c>POST /board/ballots/batch</c>, docs/http-api.md "Ballots in a batch"): logged
/// (<see cref="Status"/> 201 with its <see cref="Index"/>, <see cref="Href"/> and <see cref="Sha256"/>), or refused, as a
/// ProblemDetails (<see cref="Status"/>, <see cref="Title"/>, <see cref="Detail"/>, <see cref="Type"/>) with the reason a
/// single post of that ballot would get; a duplicate carries the index, href and SHA-256 of the ballot already there.
/// </summary>
/// <param name="Status">201 when logged, else the HTTP status a single post would have been answered with.</param>
/// <param name="Ballot">The ballot's id (hex), when its entry names one.</param>
/// <param name="Index">The log index of the ballot (logged, or already on the board).</param>
/// <param name="Href">Where the ballot is (logged, or already on the board).</param>
/// <param name="Sha256">The ballot's SHA-256 (logged), or the SHA-256 of the ballot already on the board.</param>
/// <param name="Type">For a refusal: the problem type.</param>
/// <param name="Title">For a refusal: its title ("Invalid ballot", "Duplicate ballot"…).</param>
/// <param name="Detail">For a refusal: what is wrong, naming the item (<c>ballots[i]</c>).</param>
public sealed record BoardBatchItem(
    [property: JsonPropertyName("status")] int Status,
    [property: JsonPropertyName("ballot"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Ballot,
    [property: JsonPropertyName("index"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Index,
    [property: JsonPropertyName("href"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Href,
    [property: JsonPropertyName("sha256"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Sha256,
    [property: JsonPropertyName("type"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Type = null,
    [property: JsonPropertyName("title"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Title = null,
    [property: JsonPropertyName("detail"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Detail = null)
{
    /// <summary>True when this post logged the ballot.</summary>
    [JsonIgnore]
    public bool Logged => Status == 201;
}

/// <summary>The answer to a batch of ballots: one result per posted ballot, in the request's order.</summary>
/// <param name="Results">The results.</param>
public sealed record BoardBatchResult([property: JsonPropertyName("results")] IReadOnlyList<BoardBatchItem> Results);

/// <summary>Source-generated JSON for the board's wire documents.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.Unspecified)]
[JsonSerializable(typeof(BoardArtifact))]
[JsonSerializable(typeof(BoardPage))]
[JsonSerializable(typeof(BoardStatus))]
[JsonSerializable(typeof(BoardProposal))]
[JsonSerializable(typeof(BoardProposalList))]
[JsonSerializable(typeof(BoardProblem))]
[JsonSerializable(typeof(BoardBatchResult))]
public sealed partial class BoardJsonContext : JsonSerializerContext
{
}
