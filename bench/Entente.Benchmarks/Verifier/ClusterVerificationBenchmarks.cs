using BenchmarkDotNet.Attributes;
using Entente.Cluster;
using Entente.Cryptography;
using Entente.Election.Manifest;
using Entente.Election.Record;
using Entente.Verifier.Framework;
using Entente.Verifier.Native;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Entente.Benchmarks.Verifier;

/// <summary>
/// <c>entente verify --cluster</c> against one process, same run, on a standard-group smoke record of 96 ballots
/// (one contest of 4 options, n = 3, k = 2) simulated in the setup:
/// <list type="bullet">
/// <item>the baseline: the whole verification in this process on every core;</item>
/// <item>the same record cut in shards of 16 and verified shard by shard in this process, through each shard's JSON
/// form and the merge: what sharding itself costs (each shard reopens the record and re-checks the guardian keys);</item>
/// <item>the same on an Orleans cluster of 1, 2 and 3 silos hosted in this process on loopback (localhost
/// clustering): what the grains and messaging add. On this 2-core machine more silos cannot add cores; the figure
/// to read is the overhead, which the issue bounds at 5 % of the single-process cost per ballot.</item>
/// </list>
/// Silo start-up is in the setup, not in the measurement (<c>entente verify --cluster dev</c> pays it per run; a
/// real cluster's silos stay up). Run from the repository root:
/// <c>dotnet run -c Release --project bench/Entente.Benchmarks -- --filter '*ClusterVerificationBenchmarks*'</c>.
/// </summary>
[InProcess]
[WarmupCount(1)]
[IterationCount(5)]
public class ClusterVerificationBenchmarks
{
    private const int Ballots = 96;
    private const string Smoke = """
        {"label":"Smoke","contests":[{"label":"Q","contest_options":[{"label":"A"},{"label":"B"},{"label":"C"},{"label":"D"}]}],
         "ballot_styles":[{"label":"s","contests":[1]}]}
        """;

    private string _directory = "";
    private readonly List<IHost> _silos = [];
    private IHost? _client;
    private ClusterShardRunner? _runner;

    /// <summary>Silos in the cluster (0: no cluster).</summary>
    [Params(1, 2, 3)]
    public int Silos { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        ElectionManifest manifest = ManifestReader.Parse(System.Text.Encoding.UTF8.GetBytes(Smoke));
        ElectionRecord record = ElectionSimulator.Run(manifest, Group.Standard, 3, 2, Ballots, 0, new Random(11));
        _directory = Path.Combine(Path.GetTempPath(), "entente-bench-cluster-" + Guid.NewGuid().ToString("N"));
        RecordStore.WriteAsync(record, _directory).GetAwaiter().GetResult();

        string clusterId = "bench-" + Guid.NewGuid().ToString("N")[..8];
        List<int> gateways = [];
        int primary = 0;
        for (int i = 0; i < Silos; i++)
        {
            int port = FreePort();
            int gateway = FreePort();
            primary = i == 0 ? port : primary;
            IHost silo = ClusterHosts.DevSilo(port, gateway, primary, clusterId);
            silo.StartAsync().GetAwaiter().GetResult();
            _silos.Add(silo);
            gateways.Add(gateway);
        }

        _client = ClusterHosts.DevClientAsync(gateways, CancellationToken.None, clusterId).GetAwaiter().GetResult();
        _runner = new ClusterShardRunner(_client.Services.GetRequiredService<IClusterClient>(), _directory) { ShardSize = 16, InFlight = 2 * Silos };
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _client?.StopAsync().GetAwaiter().GetResult();
        _client?.Dispose();
        // The primary last: the others leave through it.
        foreach (IHost silo in Enumerable.Reverse(_silos))
        {
            silo.StopAsync().GetAwaiter().GetResult();
            silo.Dispose();
        }

        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "verify in one process, all threads")]
    public bool OneProcess() => NativeVerifier.Verify(_directory, new VerificationOptions()).Passed;

    [Benchmark(Description = "verify in shards of 16, in this process (sharding cost)")]
    public bool Shards() => NativeVerifier.Verify(_directory, new VerificationOptions { Shards = new LocalShards(_directory, 16) }).Passed;

    [Benchmark(Description = "verify on the Orleans cluster")]
    public bool Cluster()
    {
        bool passed = NativeVerifier.Verify(_directory, new VerificationOptions { Shards = _runner }).Passed;
        // As `verify --cluster` does: the run's partitions are dropped once the report is made.
        _runner!.ForgetAsync(CancellationToken.None).GetAwaiter().GetResult();
        return passed;
    }

    private static int FreePort()
    {
        using System.Net.Sockets.TcpListener listener = new(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Shards verified on this process's threads, each through its JSON form.</summary>
    private sealed class LocalShards(string directory, int size) : IBallotShardRunner
    {
        public IReadOnlyList<BallotShardResult> Run(IReadOnlyList<string> ballotFiles, IProgress<VerificationProgress>? progress)
        {
            IReadOnlyList<IReadOnlyList<string>> shards = BallotShardResult.Cut(ballotFiles, size);
            BallotShardResult[] results = new BallotShardResult[shards.Count];
            Parallel.For(0, shards.Count, i => results[i] = BallotShardResult.FromJson(
                NativeVerifier.VerifyBallotShard(NativeRecord.Open(directory), shards[i], new VerificationOptions { Threads = 1 }).ToJson()));
            return results;
        }
    }
}
