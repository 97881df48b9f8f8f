using System.Text.Json.Serialization;

namespace Entente.Audit.Workflow;

/// <summary>The audit method of a workflow audit.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AuditMethod>))]
public enum AuditMethod
{
    /// <summary>Ballot polling with BRAVO.</summary>
    Bravo,

    /// <summary>Ballot-level comparison with the Kaplan–Markov bound.</summary>
    Comparison,

    /// <summary>Batch comparison: PPEB draws of whole batches, hand counts, MACRO across contests.</summary>
    Batch,
}

/// <summary>The whole state of an audit, kept in <c>audit.json</c> in the audit directory.</summary>
public sealed class AuditState
{
    /// <summary>Format version of this file.</summary>
    public int Version { get; set; } = 1;

    /// <summary>The audit id; bound into every seed commitment.</summary>
    public required string AuditId { get; init; }

    /// <summary>The method.</summary>
    public required AuditMethod Method { get; init; }

    /// <summary>The risk limit α.</summary>
    public required double RiskLimit { get; init; }

    /// <summary>Parties that take part in the seed.</summary>
    public required IReadOnlyList<string> Parties { get; init; }

    /// <summary>Commitments must be logged before this time.</summary>
    public required DateTimeOffset CommitBy { get; init; }

    /// <summary>Reveals must be logged before this time.</summary>
    public required DateTimeOffset RevealBy { get; init; }

    /// <summary>Public dice may be logged from RevealBy until this time.</summary>
    public required DateTimeOffset DiceBy { get; init; }

    /// <summary>Ballot id convention: entente, arlo or arlo-batch.</summary>
    public required string IdScheme { get; init; }

    /// <summary>The jurisdiction name for Arlo ids.</summary>
    public string? Jurisdiction { get; init; }

    /// <summary>
    /// A multi-jurisdiction audit's jurisdictions and the party that uploaded each one's files (docs/audit.md); empty for
    /// an audit of one manifest. The inputs are then the union of the uploads (Trail/AuditTrail.Jurisdictions.cs).
    /// </summary>
    public IReadOnlyList<Trail.AuditJurisdiction> Jurisdictions { get; init; } = [];

    /// <summary>Digits kept when displaying ticket numbers.</summary>
    public int TicketDigits { get; init; } = 18;

    /// <summary>SHA-256 (hex) of each input file copied into the audit directory, by file name.</summary>
    public required IReadOnlyDictionary<string, string> InputHashes { get; init; }

    /// <summary>The seed once fixed from the log.</summary>
    public string? Seed { get; set; }

    /// <summary>
    /// The board (URL) whose log holds this audit's seed records, once a party made its commitment there
    /// (<c>entente audit seed commit --board</c>); null while the seed is made in the local seed log.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? SeedBoard { get; set; }

    /// <summary>True when the audit has a window for public dice after the reveals.</summary>
    [JsonIgnore]
    public bool HasDice => DiceBy > RevealBy;

    /// <summary>The rounds so far.</summary>
    public List<AuditRound> Rounds { get; init; } = [];
}

/// <summary>One round: its draws and whether the audit boards have signed off.</summary>
public sealed class AuditRound
{
    /// <summary>1-based round number.</summary>
    public required int Number { get; init; }

    /// <summary>The draws of this round, in ticket order.</summary>
    public required IReadOnlyList<AuditDraw> Draws { get; init; }

    /// <summary>Who signed off, or null while interpretations can still be changed.</summary>
    public string? SignedOffBy { get; set; }

    /// <summary>When the round was signed off.</summary>
    public DateTimeOffset? SignedOffAt { get; set; }
}

/// <summary>One draw of the sample.</summary>
/// <param name="Index">1-based index over the whole audit (the consistent sampler's position).</param>
/// <param name="Ticket">The untrimmed ticket number.</param>
/// <param name="Container">Container, if any.</param>
/// <param name="Tabulator">Tabulator, if any.</param>
/// <param name="Batch">Batch name.</param>
/// <param name="Position">1-based position in the batch.</param>
/// <param name="Generation">How many times this ballot has been drawn, counting this draw.</param>
public sealed record AuditDraw(long Index, string Ticket, string? Container, string? Tabulator, string Batch, long Position, int Generation)
{
    /// <summary>The key that identifies the ballot: tabulator, batch and position.</summary>
    [JsonIgnore]
    public string BallotKey => $"{Tabulator}\u001f{Batch}\u001f{Position}";
}

/// <summary>An audit board's reading of one sampled ballot for one contest (or that the ballot was not found).</summary>
/// <param name="Round">The round in which it was recorded.</param>
/// <param name="Tabulator">Tabulator, if any.</param>
/// <param name="Batch">Batch.</param>
/// <param name="Position">Position.</param>
/// <param name="Contest">The contest, or null for "ballot not found".</param>
/// <param name="Choices">Choices marked; empty for no vote.</param>
/// <param name="OnBallot">False when the contest is not on this ballot.</param>
/// <param name="RecordedAt">When it was recorded.</param>
public sealed record Interpretation(int Round, string? Tabulator, string Batch, long Position, string? Contest, IReadOnlyList<string> Choices, bool OnBallot, DateTimeOffset RecordedAt)
{
    /// <summary>The ballot key, as in <see cref="AuditDraw.BallotKey"/>.</summary>
    [JsonIgnore]
    public string BallotKey => $"{Tabulator}\u001f{Batch}\u001f{Position}";

    /// <summary>True when this entry says the ballot was not found.</summary>
    [JsonIgnore]
    public bool NotFound => Contest is null;
}
