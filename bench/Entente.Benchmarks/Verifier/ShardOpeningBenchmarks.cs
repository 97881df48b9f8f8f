using BenchmarkDotNet.Attributes;
using Entente.Cryptography;
using Entente.Election.Manifest;
using Entente.Election.Record;
using Entente.Verifier.Framework;
using Entente.Verifier.Native;

namespace Entente.Benchmarks.Verifier;

/// <summary>
/// What one shard of 16 ballots costs a silo as the record grows (standard group, one contest of two options,
/// records of 64 and 1,024 ballots simulated in the setup), one thread:
/// <list type="bullet">
/// <item>the baseline: the shard verified from the record's ballot context, opened once per silo and record
/// (<see cref="NativeRecord.OpenBallotContext"/>) with the ballots' listed SHA-256 from the coordinator: what a silo
/// does now;</item>
/// <item>the shard verified after opening the whole record (record.json's file list, every device's and the tally's
/// ballot list, the directory listing): what each shard did before, a cost that grows with the record, so that a
/// cluster's work grew with the square of the record's size.</item>
/// </list>
/// Run from the repository root:
/// <c>dotnet run -c Release --project bench/Entente.Benchmarks -- --filter '*ShardOpeningBenchmarks*'</c>.
/// </summary>
[InProcess]
[WarmupCount(1)]
[IterationCount(8)]
public class ShardOpeningBenchmarks
{
    private const int ShardSize = 16;
    private const string Manifest = """
        {"label":"Shard","contests":[{"label":"Q","contest_options":[{"label":"A"},{"label":"B"}]}],
         "ballot_styles":[{"label":"s","contests":[1]}]}
        """;

    private static readonly VerificationOptions Options = new() { Threads = 1 };

    private string _directory = "";
    private NativeRecord _context = null!;
    private BallotShardPlan _plan = null!;
    private IReadOnlyList<string> _shard = [];

    /// <summary>Ballots in the record.</summary>
    [Params(64, 1024)]
    public int Ballots { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        ElectionManifest manifest = ManifestReader.Parse(System.Text.Encoding.UTF8.GetBytes(Manifest));
        ElectionRecord record = ElectionSimulator.Run(manifest, Group.Standard, 3, 2, Ballots, 0, new Random(5));
        _directory = Path.Combine(Path.GetTempPath(), "entente-bench-shard-" + Guid.NewGuid().ToString("N"));
        RecordStore.WriteAsync(record, _directory).GetAwaiter().GetResult();
        _plan = NativeVerifier.ShardPlan(NativeRecord.Open(_directory));
        _shard = [.. _plan.Files.Take(ShardSize)];
        _context = NativeRecord.OpenBallotContext(new RecordDirectory(_directory));
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_directory, recursive: true);

    [Benchmark(Baseline = true, Description = "shard of 16 from the ballot context (now)")]
    public int FromContext() => NativeVerifier.VerifyBallotShard(_context, _shard, _plan.Listed, Options).FileCount;

    [Benchmark(Description = "shard of 16 after opening the whole record (before)")]
    public int FromWholeRecord() => NativeVerifier.VerifyBallotShard(NativeRecord.Open(_directory), _shard, Options).FileCount;
}
