using Entente.Transparency.Log;

namespace Entente.Server.Board;

/// <summary>How the board takes in the artifacts of a kind.</summary>
public enum BoardIntake
{
    /// <summary>One at a time under the board's gate: validated against the state, logged, applied.</summary>
    Serial,

    /// <summary>
    /// Encrypted ballots: validated concurrently (proof checks dominate), each claimed by its id so that a duplicate is
    /// refused even under concurrency; refused once voting closes.
    /// </summary>
    Ballot,
}

/// <summary>
/// One kind of board artifact: its URL collection under <c>/board/</c>, whether it is a single document, the
/// log entry type(s) that commit to it, who may post it and whether every <c>party</c> of the charter must
/// sign its entry (a joint artifact). The table drives the routes, the OpenAPI document, the state's dispatch and
/// the replay of the log.
/// </summary>
/// <param name="Collection">The path segment under /board/.</param>
/// <param name="Singleton">True for one document (GET /board/{collection} returns it).</param>
/// <param name="Types">Log entry types of this kind.</param>
/// <param name="Role">The charter role allowed to post.</param>
/// <param name="Joint">True when every member with the role <c>party</c> must sign the entry.</param>
/// <param name="Summary">What it is, for the OpenAPI document.</param>
public sealed record BoardKind(string Collection, bool Singleton, IReadOnlyList<string> Types, string Role, bool Joint, string Summary)
{
    /// <summary>How posts of this kind are taken in.</summary>
    public BoardIntake Intake { get; init; } = BoardIntake.Serial;

    /// <summary>True when logging this artifact closes voting (no ballot is accepted after it, nor while it is checked).</summary>
    public bool ClosesVoting { get; init; }

    /// <summary>
    /// The name of the route segment after the collection whose value selects the entry type
    /// (<c>POST /board/decryptions/{round}</c> logs <c>decryption.{round}</c>), or null.
    /// </summary>
    public string? RouteParameter { get; init; }

    /// <summary>True when the artifact may be up to <see cref="BoardLimits.MaxBallotBytes"/>; others up to <see cref="BoardLimits.MaxArtifactBytes"/>.</summary>
    public bool IsBallot => Intake == BoardIntake.Ballot;

    /// <summary>The largest body a post of this kind may carry.</summary>
    public int MaxBytes(BoardLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        return IsBallot ? limits.MaxBallotBytes : limits.MaxArtifactBytes;
    }

    /// <summary>The charter.</summary>
    public static readonly BoardKind Charter = new("charter", true, ["charter"], Transparency.Log.Charter.PartyRole, true, "The charter (parties, keys, roles); the body must be the server's charter file.");

    /// <summary>The manifest.</summary>
    public static readonly BoardKind Manifest = new("manifest", true, ["manifest"], Transparency.Log.Charter.PartyRole, true, "The canonical ElectionGuard manifest (docs/record-format.md §6).");

    /// <summary>The election parameters.</summary>
    public static readonly BoardKind Parameters = new("parameters", true, ["election.parameters"], Transparency.Log.Charter.PartyRole, true, "parameters.json: group, n, k, H_P, H_B (§4.3).");

    /// <summary>A guardian's public key.</summary>
    public static readonly BoardKind Guardians = new("guardians", false, ["guardian.commitment"], Transparency.Log.Charter.GuardianRole, false, "A guardian's public keys and proofs (§4.4); id = guardian index.");

    /// <summary>An encrypted share.</summary>
    public static readonly BoardKind Shares = new("shares", false, ["guardian.share"], Transparency.Log.Charter.GuardianRole, false, "An encrypted share from guardian i to guardian l (§5); id = i-to-l; filter with ?to=l or ?from=i.");

    /// <summary>A guardian's approval.</summary>
    public static readonly BoardKind Approvals = new("approvals", false, ["guardian.approval"], Transparency.Log.Charter.GuardianRole, false, "A guardian's approval or complaints (§5); id = guardian index.");

    /// <summary>The joint key.</summary>
    public static readonly BoardKind Election = new("election", true, ["election.key"], Transparency.Log.Charter.PartyRole, true, "election.json: the joint keys K, K̂, H_G and H_E (§4.5).");

    /// <summary>An encrypted ballot.</summary>
    public static readonly BoardKind Ballots = new("ballots", false, ["ballot.cast", "ballot.challenged"], Transparency.Log.Charter.DeviceRole, false, "An encrypted ballot (§4.7) from a registered device; id = id_B; filter with ?code=H_C or ?state=cast|challenged.")
    {
        Intake = BoardIntake.Ballot,
    };

    /// <summary>A device's seal notice: the ballot's H_C, fixed before the voter's choice.</summary>
    public static readonly BoardKind Sealed = new("sealed", false, ["ballot.sealed"], Transparency.Log.Charter.DeviceRole, false, "A device's notice that it sealed ballot id_B and showed the voter H_C, before the voter chose to cast or challenge it (§3.4); the ballot posted afterwards must carry this H_C; id = id_B.");

    /// <summary>A device record.</summary>
    public static readonly BoardKind Devices = new("devices", false, ["device.record"], Transparency.Log.Charter.DeviceRole, false, "A device's record at close (§4.6): its ballots in order and its closing hash; id = device name.");

    /// <summary>The encrypted tally.</summary>
    public static readonly BoardKind EncryptedTally = new("encrypted-tally", true, ["tally.encrypted"], Transparency.Log.Charter.PartyRole, true, "tally/encrypted_tally.json (§4.8); closes voting.")
    {
        ClosesVoting = true,
    };

    /// <summary>A guardian's decryption round.</summary>
    public static readonly BoardKind Decryptions = new("decryptions", false, ["decryption.commit", "decryption.reveal", "decryption.response"], Transparency.Log.Charter.GuardianRole, false, "A guardian's partial decryption round (commit, reveal, response; §5); id = round-i.")
    {
        RouteParameter = "round",
    };

    /// <summary>A party's abandonment of a decryption attempt.</summary>
    public static readonly BoardKind Abandonments = new("abandonments", false, ["decryption.abandon"], Transparency.Log.Charter.PartyRole, false, "A party's abandonment of the current decryption attempt {attempt, guardian, step, reason}, once the named guardian of U has not taken its step by the step's due time (docs/record-format.md §11); opens the next attempt; id = attempt.");

    /// <summary>The decrypted tally.</summary>
    public static readonly BoardKind Tally = new("tally", true, ["tally.decrypted"], Transparency.Log.Charter.PartyRole, true, "tally/tally.json (§4.9): the decrypted tally with its proofs.");

    /// <summary>The opening of a challenged ballot.</summary>
    public static readonly BoardKind Challenged = new("challenged", false, ["ballot.opened"], Transparency.Log.Charter.PartyRole, true, "The opening of a challenged ballot (§4.10); id = id_B.");

    /// <summary>An uncast pre-encrypted ballot, opened by the recording tool.</summary>
    public static readonly BoardKind Uncast = new("uncast", false, ["ballot.uncast"], Transparency.Log.Charter.DeviceRole, false, "An uncast pre-encrypted ballot opened by the recording tool (§4.3, Verification 19; docs/record-format.md §4.13); never the id of a ballot on the board; id = id_B.");

    /// <summary>The charter role of the parties that make an audit seed together (docs/audit.md).</summary>
    public const string AuditorRole = "auditor";

    /// <summary>A party's commitment to its audit-seed secret.</summary>
    public static readonly BoardKind AuditCommits = new("audit-commits", false, [Entente.Audit.Seed.SeedArtifacts.CommitType], AuditorRole, false, "A party's commitment to its audit-seed secret (docs/audit.md); the audit's parties and dice repeat in every commitment; id = audit:party.");

    /// <summary>A party's audit-seed secret.</summary>
    public static readonly BoardKind AuditReveals = new("audit-reveals", false, [Entente.Audit.Seed.SeedArtifacts.RevealType], AuditorRole, false, "A party's audit-seed secret, only once every party of the audit committed, and matching its commitment; id = audit:party.");

    /// <summary>Public dice of an audit seed.</summary>
    public static readonly BoardKind AuditDice = new("audit-dice", false, [Entente.Audit.Seed.SeedArtifacts.DiceType], AuditorRole, true, "Public dice rolls for an audit seed, signed by every party, only after every party revealed and when the audit rolls dice; id = audit.");

    /// <summary>The inputs an audit checks, committed before its seed (docs/audit.md, "The audit's steps as log entries").</summary>
    public static readonly BoardKind AuditInputs = new("audit-inputs", false, [Entente.Audit.Trail.AuditTrailArtifacts.InputsType], AuditorRole, false, "The inputs an audit checks (normalized manifest, reported results, CVRs or batch tallies, each with its SHA-256), only before the audit's first seed commitment; id = audit.");

    /// <summary>A jurisdiction's files for a multi-jurisdiction audit (docs/audit.md, "Multi-jurisdiction audits").</summary>
    public static readonly BoardKind AuditUploads = new("audit-uploads", false, [Entente.Audit.Trail.AuditTrailArtifacts.UploadType], AuditorRole, false, "A jurisdiction's normalized manifest and CVRs (or batch tallies) for a multi-jurisdiction audit, posted by the party the audit's inputs name for it, after the inputs and before the audit's first seed commitment; id = audit:jurisdiction.");

    /// <summary>A round's sample of an audit.</summary>
    public static readonly BoardKind AuditRounds = new("audit-rounds", false, [Entente.Audit.Trail.AuditTrailArtifacts.RoundType], AuditorRole, false, "A round's sample (the draws in ticket order), only once the audit's inputs are on the board and every party revealed its seed secret; id = audit:round.");

    /// <summary>An audit board's reading of one sampled ballot.</summary>
    public static readonly BoardKind AuditReadings = new("audit-readings", false, [Entente.Audit.Trail.AuditTrailArtifacts.ReadingType], AuditorRole, false, "An audit board's reading of one ballot of a round's sample (every contest, or not found), only before the round's sign-off and once per ballot; id = audit:round:tabulator|batch|position.");

    /// <summary>An audit board's hand tally of one sampled batch for one contest (batch-comparison audits).</summary>
    public static readonly BoardKind AuditTallies = new("audit-tallies", false, [Entente.Audit.Trail.AuditTrailArtifacts.TallyType], AuditorRole, false, "An audit board's hand tally of one batch of a round's sample for one contest (every choice of the contest with its count), in a batch-comparison audit, only before the counting board's sign-off and once per batch and contest (a correction names the version it replaces); id = audit:round:tabulator|batch|contest.");

    /// <summary>An audit board's sign-off of its share of a round.</summary>
    public static readonly BoardKind AuditSignOffs = new("audit-signoffs", false, [Entente.Audit.Trail.AuditTrailArtifacts.SignOffType], AuditorRole, false, "An audit board's sign-off of its share of a round (the ballots it read, or in a batch-comparison audit the batches it counted), naming both members; id = audit:round:board. The round closes when every ballot is read (every batch counted) and every board that read or counted signed off.");

    /// <summary>An audit board's registration (its members and page key) or the revocation of its key.</summary>
    public static readonly BoardKind AuditBoards = new("audit-boards", false, [Entente.Audit.Trail.AuditTrailArtifacts.BoardType, Entente.Audit.Trail.AuditTrailArtifacts.BoardRevokedType], AuditorRole, false, "An audit board registered for an audit (its two members and the Ed25519 public key its page signs readings and sign-offs with; id = audit:board), or the revocation of that key (id = audit:board:revoked); only once the audit's inputs are on the board.");

    // Voter rolls (docs/rolls.md): kept by a registering authority, checked by Board/RollRules.cs.

    /// <summary>The charter role of a registering authority (keeps voter rolls, posts unofficial results).</summary>
    public const string AuthorityRole = "authority";

    /// <summary>A jurisdiction's roll opened: its precincts and reason codes.</summary>
    public static readonly BoardKind RollInits = new("roll-inits", false, [Entente.Rolls.RollArtifacts.InitType], AuthorityRole, false, "A jurisdiction's voter roll opened by its authority: precincts and reason codes (docs/rolls.md); id = jurisdiction.");

    /// <summary>A change of a voter roll.</summary>
    public static readonly BoardKind RollChanges = new("roll-changes", false, Entente.Rolls.RollArtifacts.ChangeTypes, AuthorityRole, false, "A change of a voter roll (add, update, remove): the record's key and commitment, never personal data (docs/rolls.md); id = key-version.");

    /// <summary>A snapshot of a voter roll.</summary>
    public static readonly BoardKind RollSnapshots = new("roll-snapshots", false, [Entente.Rolls.RollArtifacts.SnapshotType], AuthorityRole, false, "A roll's snapshot: the Merkle root of its registered records and the count per precinct, exactly the roll the log built (docs/rolls.md); id = jurisdiction:number.");

    /// <summary>A reporting unit's unofficial results.</summary>
    public static readonly BoardKind UnofficialResults = new("results", false, [Entente.Rolls.Results.UnitResults.Type], AuthorityRole, false, "A reporting unit's unofficial results (per contest and option, with ballots counted); a correction is the unit's next version naming the one it corrects (docs/results.md); id = jurisdiction:unit:seq.");

    /// <summary>Every kind, in the order of an election.</summary>
    public static readonly IReadOnlyList<BoardKind> All =
        [Charter, Manifest, Parameters, Guardians, Shares, Approvals, Election, Sealed, Ballots, Devices, EncryptedTally, Decryptions, Abandonments, Tally, Challenged, Uncast, AuditInputs, AuditUploads, AuditCommits, AuditReveals, AuditDice, AuditRounds, AuditBoards, AuditReadings, AuditTallies, AuditSignOffs,
         RollInits, RollChanges, RollSnapshots, UnofficialResults];

    /// <summary>The kind of a collection, or null.</summary>
    public static BoardKind? Find(string collection) => All.FirstOrDefault(k => k.Collection == collection);

    /// <summary>The kind whose entries have <paramref name="type"/>, or null.</summary>
    public static BoardKind? OfType(string type) => All.FirstOrDefault(k => k.Types.Contains(type));

    /// <summary>The route argument carried by an entry of <paramref name="type"/> (the round of a decryption entry), or null.</summary>
    public string? ArgumentOf(string type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return RouteParameter is null ? null : type[(type.IndexOf('.', StringComparison.Ordinal) + 1)..];
    }
}
