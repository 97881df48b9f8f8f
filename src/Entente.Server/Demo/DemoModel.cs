using Entente.Cryptography;
using Entente.Verifier.Framework;

namespace Entente.Server.Demo;

/// <summary>What <see cref="JointElectionDemo"/> runs.</summary>
public sealed record DemoOptions
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

    /// <summary>How many of them the voters challenge (null: about 2%, at least one when there are ballots).</summary>
    public int? Challenged { get; init; }

    /// <summary>Seed for the simulated voters' choices only (cryptographic randomness always comes from the system).</summary>
    public int VoterSeed { get; init; } = 20261127;

    /// <summary>The number challenged after defaults.</summary>
    public int ChallengedCount => Challenged ?? (Ballots == 0 ? 0 : Math.Max(1, Ballots / 50));
}

/// <summary>Progress of one stage: its name and how far it is (done of total).</summary>
public readonly record struct DemoProgress(string Stage, int Done, int Total);

/// <summary>A stage's name, duration and a one-line outcome.</summary>
public sealed record DemoStage(string Name, TimeSpan Elapsed, string Outcome);

/// <summary>One option's decrypted total.</summary>
public sealed record DemoOptionResult(string Label, long Votes);

/// <summary>One contest's decrypted totals.</summary>
public sealed record DemoContestResult(int Index, string Label, IReadOnlyList<DemoOptionResult> Options);

/// <summary>A guardian, its party, and whether it took part in the decryption.</summary>
public sealed record DemoGuardian(int Index, string Party, bool Decrypted);

/// <summary>The outcome of the whole demo.</summary>
public sealed record DemoResult(
    string Directory,
    string RecordDirectory,
    string LogDatabase,
    string GroupName,
    IReadOnlyList<DemoGuardian> Guardians,
    int Quorum,
    int BallotsCast,
    int BallotsChallenged,
    IReadOnlyList<DemoContestResult> Contests,
    string RecordVerifier,
    IReadOnlyList<string> RecordFailures,
    IReadOnlyList<string> LogFailures,
    long LogSize,
    string CheckpointRoot,
    IReadOnlyList<string> CheckpointCosigners,
    string? AuditSeed,
    long? AuditSampleSize,
    IReadOnlyList<DemoStage> Stages)
{
    /// <summary>The incident exchange's store (SQLite) in the demo folder, null when the demo ran no incident step.</summary>
    public string? ExchangeDatabase { get; init; }

    /// <summary>Exchange messages signed, stored and anchored on the board log.</summary>
    public int ExchangeMessages { get; init; }

    /// <summary>The requests for assistance and their status at the end of the demo.</summary>
    public IReadOnlyList<DemoIncident> Incidents { get; init; } = [];

    /// <summary>Exchange messages whose signature, board entry, inclusion or witnessed checkpoint did not check.</summary>
    public IReadOnlyList<string> ExchangeFailures { get; init; } = [];

    /// <summary>The steps of the independent record verification, with what each checked and its failures.</summary>
    public IReadOnlyList<StepResult> RecordSteps { get; init; } = [];

    /// <summary>The record, the log and the exchange messages all verified.</summary>
    public bool Verified => RecordFailures.Count == 0 && LogFailures.Count == 0 && ExchangeFailures.Count == 0;
}

/// <summary>A request for assistance filed during the demo and what became of it.</summary>
/// <param name="RequestId">STIX id of the request.</param>
/// <param name="Requester">Requesting party's name.</param>
/// <param name="Recipient">Addressee's name.</param>
/// <param name="Subject">Subject line.</param>
/// <param name="Status">open, acknowledged, answered, overdue or declined.</param>
/// <param name="Detail">The answer, the reason for declining, or the missed deadline.</param>
public sealed record DemoIncident(string RequestId, string Requester, string Recipient, string Subject, string Status, string? Detail);
