namespace Entente.Verifier.Framework;

/// <summary>How to run a verification.</summary>
public sealed record VerificationOptions
{
    /// <summary>Worker threads for the per-ballot steps; defaults to the processor count.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>Receives progress reports (stage name, objects done, objects in the stage).</summary>
    public IProgress<VerificationProgress>? Progress { get; init; }

    /// <summary>Remembers outcomes of expensive checks across verifications (none by default).</summary>
    public VerificationMemo? Memo { get; init; }

    /// <summary>
    /// Accepts a native record on one of the insecure toy groups of the specification's appendix (tests
    /// only); otherwise such a record fails step 1 because its parameters are not the standard ones.
    /// </summary>
    public bool AllowToyGroups { get; init; }

    /// <summary>
    /// Runs the ballot pass elsewhere, shard by shard (a cluster: <c>entente verify --cluster</c>); by default the
    /// ballots are verified on this process's <see cref="Threads"/>. The report is the same either way.
    /// </summary>
    public IBallotShardRunner? Shards { get; init; }
}

/// <summary>A progress report: a stage of the verification and how far it is.</summary>
/// <param name="Stage">What is being checked ("ballots", "tally decryption").</param>
/// <param name="Done">Objects finished in this stage.</param>
/// <param name="Total">Objects in this stage.</param>
public readonly record struct VerificationProgress(string Stage, long Done, long Total);
