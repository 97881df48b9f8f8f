using System.Text.Json.Serialization;
using Entente.Transparency.Log;

namespace Entente.Server.Board;

/// <summary>
/// One kind of board artifact: its URL collection under <c>/board/</c>, whether it is a single document, the
/// log entry type(s) that commit to it, who may post it and whether every <c>party</c> of the charter must
/// sign its entry (a joint artifact).
/// </summary>
/// <param name="Collection">The path segment under /board/.</param>
/// <param name="Singleton">True for one document (GET /board/{collection} returns it).</param>
/// <param name="Types">Log entry types of this kind.</param>
/// <param name="Role">The charter role allowed to post.</param>
/// <param name="Joint">True when every member with the role <c>party</c> must sign the entry.</param>
/// <param name="Summary">What it is, for the OpenAPI document.</param>
public sealed record BoardKind(string Collection, bool Singleton, IReadOnlyList<string> Types, string Role, bool Joint, string Summary)
{
    /// <summary>Every kind, in the order of an election.</summary>
    public static readonly IReadOnlyList<BoardKind> All =
    [
        new("charter", true, ["charter"], Charter.PartyRole, true, "The charter (parties, keys, roles); the body must be the server's charter file."),
        new("manifest", true, ["manifest"], Charter.PartyRole, true, "The canonical ElectionGuard manifest (docs/record-format.md §6)."),
        new("parameters", true, ["election.parameters"], Charter.PartyRole, true, "parameters.json: group, n, k, H_P, H_B (§4.3)."),
        new("guardians", false, ["guardian.commitment"], Charter.GuardianRole, false, "A guardian's public keys and proofs (§4.4); id = guardian index."),
        new("shares", false, ["guardian.share"], Charter.GuardianRole, false, "An encrypted share from guardian i to guardian l (§5); id = i-to-l; filter with ?to=l or ?from=i."),
        new("approvals", false, ["guardian.approval"], Charter.GuardianRole, false, "A guardian's approval or complaints (§5); id = guardian index."),
        new("election", true, ["election.key"], Charter.PartyRole, true, "election.json: the joint keys K, K̂, H_G and H_E (§4.5)."),
        new("ballots", false, ["ballot.cast", "ballot.challenged"], Charter.DeviceRole, false, "An encrypted ballot (§4.7) from a registered device; id = id_B; filter with ?code=H_C or ?state=cast|challenged."),
        new("devices", false, ["device.record"], Charter.DeviceRole, false, "A device's record at close (§4.6): its ballots in order and its closing hash; id = device name."),
        new("encrypted-tally", true, ["tally.encrypted"], Charter.PartyRole, true, "tally/encrypted_tally.json (§4.8); closes voting."),
        new("decryptions", false, ["decryption.commit", "decryption.reveal", "decryption.response"], Charter.GuardianRole, false, "A guardian's partial decryption round (commit, reveal, response; §5); id = round-i."),
        new("tally", true, ["tally.decrypted"], Charter.PartyRole, true, "tally/tally.json (§4.9): the decrypted tally with its proofs."),
        new("challenged", false, ["ballot.opened"], Charter.PartyRole, true, "The opening of a challenged ballot (§4.10); id = id_B."),
    ];

    /// <summary>The kind of a collection, or null.</summary>
    public static BoardKind? Find(string collection) => All.FirstOrDefault(k => k.Collection == collection);

    /// <summary>The kind whose entries have <paramref name="type"/>, or null.</summary>
    public static BoardKind? OfType(string type) => All.FirstOrDefault(k => k.Types.Contains(type));
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

/// <summary>A refusal of a board write, turned into ProblemDetails by the endpoints.</summary>
public sealed class BoardException : Exception
{
    /// <summary>Creates the refusal.</summary>
    public BoardException(int status, string title, string detail)
        : base(detail)
    {
        Status = status;
        Title = title;
    }

    /// <summary>Creates an empty refusal (422).</summary>
    public BoardException()
        : this(422, "Refused", "refused")
    {
    }

    /// <summary>Creates a refusal (422) with a message.</summary>
    public BoardException(string message)
        : this(422, "Refused", message)
    {
    }

    /// <summary>Creates a refusal (422) with a message and a cause.</summary>
    public BoardException(string message, Exception innerException)
        : base(message, innerException)
    {
        Status = 422;
        Title = "Refused";
    }

    /// <summary>HTTP status.</summary>
    public int Status { get; }

    /// <summary>ProblemDetails title.</summary>
    public string Title { get; }

    /// <summary>Extra ProblemDetails members (e.g. the guardian, contest and option a refused decryption round concerns), or null.</summary>
    public IReadOnlyDictionary<string, object?>? Extensions { get; init; }
}
