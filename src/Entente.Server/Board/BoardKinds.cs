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
