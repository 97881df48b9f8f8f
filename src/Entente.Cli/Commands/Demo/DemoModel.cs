using System.Text.Json.Serialization;
using Entente.Cryptography;

namespace Entente.Cli.Commands.Demo;

/// <summary>What <see cref="JointElectionDemo"/> runs.</summary>
internal sealed record DemoOptions
{
    /// <summary>The working directory (created if absent; must be empty or absent).</summary>
    public required string Directory { get; init; }

    /// <summary>The ElectionGuard group (standard 4096-bit by default).</summary>
    public Group Group { get; init; } = Group.Standard;

    /// <summary>Guardians n, split between Blue (the first ⌈n/2⌉) and Red (the rest).</summary>
    public int Guardians { get; init; } = 4;

    /// <summary>Quorum k: more than either party holds, so neither decrypts alone.</summary>
    public int Quorum { get; init; } = 3;

    /// <summary>Ballots encrypted by the simulated devices.</summary>
    public int Ballots { get; init; } = 500;

    /// <summary>How many of them the voters challenge (null: about 2%, at least one).</summary>
    public int? Challenged { get; init; }

    /// <summary>Encryption devices, each its own <c>entente encrypt</c> process with its own charter key.</summary>
    public int Devices { get; init; } = 2;

    /// <summary>Where the board listens: a port on 127.0.0.1 (0: any free port).</summary>
    public int Port { get; init; }

    /// <summary>Seed for the simulated voters' choices only (cryptographic randomness always comes from the system).</summary>
    public int VoterSeed { get; init; } = 20261127;

    /// <summary>How to start <c>entente</c> (null: the executable this process runs from).</summary>
    public EntenteExecutable? Executable { get; init; }

    /// <summary>The group as the verbs' <c>--group</c> names it.</summary>
    public string GroupArgument => ReferenceEquals(Group, Group.Standard) || Group.Name == Group.Standard.Name ? "standard" : Group.Name == Group.Tiny.Name ? "tiny" : "reduced";

    /// <summary>The number challenged after defaults.</summary>
    public int ChallengedCount => Challenged ?? Math.Max(1, Ballots / 50);
}

/// <summary>Progress of one stage: its name and how far it is (done of total; total 0: no measure, the work is under way).</summary>
internal readonly record struct DemoProgress(string Stage, int Done, int Total, bool Finished = false);

/// <summary>A stage's name, duration and a one-line outcome.</summary>
internal sealed record DemoStage(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("elapsed")] TimeSpan Elapsed,
    [property: JsonPropertyName("outcome")] string Outcome);

/// <summary>One option's decrypted total.</summary>
internal sealed record DemoOptionResult(string Label, long Votes);

/// <summary>One contest's decrypted totals.</summary>
internal sealed record DemoContestResult(int Index, string Label, IReadOnlyList<DemoOptionResult> Options);

/// <summary>A guardian, its party, and whether it took part in the decryption.</summary>
internal sealed record DemoGuardian(int Index, string Party, bool Decrypted);

/// <summary>One step of the verifier's report on the fetched record.</summary>
internal sealed record DemoRecordStep(string Number, string Name, long Checked, bool Passed);

/// <summary>A request for assistance filed during the demo and what became of it.</summary>
/// <param name="RequestId">STIX id of the request.</param>
/// <param name="Requester">Requesting party's name.</param>
/// <param name="Recipient">Addressee's name.</param>
/// <param name="Subject">Subject line.</param>
/// <param name="Status">open, acknowledged, answered, overdue or declined.</param>
/// <param name="Detail">The answer, the reason for declining, or the missed deadline.</param>
internal sealed record DemoIncident(string RequestId, string Requester, string Recipient, string Subject, string Status, string? Detail);

/// <summary>The outcome of the whole demo.</summary>
internal sealed record DemoResult
{
    /// <summary>The demo's folder.</summary>
    public required string Directory { get; init; }

    /// <summary>The election record as <c>entente record fetch</c> returned it from the board.</summary>
    public required string RecordDirectory { get; init; }

    /// <summary>The board's data folder (its configuration, log, artifacts, exchange).</summary>
    public required string BoardDirectory { get; init; }

    /// <summary>The board's address while the demo ran.</summary>
    public required string BoardUrl { get; init; }

    public required string GroupName { get; init; }

    public IReadOnlyList<DemoGuardian> Guardians { get; init; } = [];

    public int Quorum { get; init; }

    public int BallotsCast { get; init; }

    public int BallotsChallenged { get; init; }

    public IReadOnlyList<DemoContestResult> Contests { get; init; } = [];

    /// <summary>The verifier's steps on the fetched record.</summary>
    public IReadOnlyList<DemoRecordStep> RecordSteps { get; init; } = [];

    /// <summary>What failed in record fetch and the record's verification.</summary>
    public IReadOnlyList<string> RecordFailures { get; init; } = [];

    /// <summary>What failed in <c>entente log verify</c> (checkpoint, witness policy, every entry's inclusion).</summary>
    public IReadOnlyList<string> LogFailures { get; init; } = [];

    /// <summary>What failed when checking the incident messages (each request's timeline verified by <c>incident show</c>).</summary>
    public IReadOnlyList<string> ExchangeFailures { get; init; } = [];

    public long LogSize { get; init; }

    public string CheckpointRoot { get; init; } = "";

    public IReadOnlyList<string> CheckpointCosigners { get; init; } = [];

    public string? AuditSeed { get; init; }

    /// <summary>The risk-limiting audit of the paper ballots, or null when it did not run.</summary>
    public DemoAudit? Audit { get; init; }

    /// <summary>Exchange messages the parties sent through the board's TAXII server.</summary>
    public int ExchangeMessages { get; init; }

    /// <summary>The requests for assistance and their status at the end of the demo.</summary>
    public IReadOnlyList<DemoIncident> Incidents { get; init; } = [];

    /// <summary>Every <c>entente</c> process the demo started (the board, witnesses and every party's step).</summary>
    public int Processes { get; init; }

    public IReadOnlyList<DemoStage> Stages { get; init; } = [];

    /// <summary>The record, the log and the exchange messages all verified.</summary>
    [JsonIgnore]
    public bool Verified => RecordFailures.Count == 0 && LogFailures.Count == 0 && ExchangeFailures.Count == 0;
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(DemoResult))]
internal sealed partial class DemoJsonContext : JsonSerializerContext;

/// <summary>The demo's ballot-polling audit: the risk limit, the draws, each round, whether every contest is confirmed, and the report file.</summary>
public sealed record DemoAudit(double RiskLimit, long Draws, IReadOnlyList<DemoAuditRound> Rounds, bool Confirmed, string Report);

/// <summary>One audit round: how many ballots were read, and each contest's risk and decision after it.</summary>
public sealed record DemoAuditRound(int Number, int Ballots, IReadOnlyList<DemoAuditContest> Contests);

/// <summary>A contest's measured risk after a round and the decision (confirmed, another_round, full_hand_count).</summary>
public sealed record DemoAuditContest(string Contest, double Risk, string Decision);
