using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Entente.Cluster;
using Entente.Cryptography;
using Entente.Election.Encryption;
using Entente.Election.Manifest;
using Entente.Election.Record;
using Entente.Election.Tally;
using Entente.Verifier.Framework;
using Entente.Verifier.Native;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Entente.Cli.Tests.Cluster;

/// <summary>
/// The whole-record checks on a real (in-process, loopback) Orleans silo: the ballot and device partition grains give
/// the single-process report for records whose faults cross shards and partitions, and partitions that lose their
/// state (as when their silo dies) are seen short and fed again, with the same report.
/// </summary>
public sealed class ClusterPartitionTests : IAsyncLifetime
{
    private const string Manifest = """
        {"label":"Partition test","contests":[{"label":"Mayor","contest_options":[{"label":"A"},{"label":"B"}]}],
         "ballot_styles":[{"label":"all","contests":[1]}],"chaining_mode":"simple"}
        """;

    private readonly string _root = Path.Combine(Path.GetTempPath(), "entente-partition-" + Guid.NewGuid().ToString("N"));
    private IHost? _silo;
    private IHost? _client;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_root);
        string clusterId = "partition-" + Guid.NewGuid().ToString("N")[..8];
        int port = FreePort();
        int gateway = FreePort();
        _silo = ClusterHosts.DevSilo(port, gateway, port, clusterId);
        await _silo.StartAsync();
        _client = await ClusterHosts.DevClientAsync([gateway], CancellationToken.None, clusterId);
    }

    public async Task DisposeAsync()
    {
        if (_client is not null)
        {
            await _client.StopAsync();
            _client.Dispose();
        }

        if (_silo is not null)
        {
            await _silo.StopAsync();
            _silo.Dispose();
        }

        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private IClusterClient Client => _client!.Services.GetRequiredService<IClusterClient>();

    private string Record(int ballots, int seed)
    {
        ElectionManifest manifest = ManifestReader.Parse(Encoding.UTF8.GetBytes(Manifest));
        ElectionRecord record = ElectionSimulator.Run(manifest, Group.Tiny, 2, 1, ballots, 2, new Random(seed));
        string directory = Path.Combine(_root, "record-" + seed.ToString(System.Globalization.CultureInfo.InvariantCulture));
        RecordStore.WriteAsync(record, directory).GetAwaiter().GetResult();
        return directory;
    }

    private static string Report(string directory, IBallotShardRunner? shards)
        => VerificationReportJson.Serialize(NativeVerifier.Verify(directory, new VerificationOptions { AllowToyGroups = true, Shards = shards }));

    /// <summary>Makes a duplicate id (a copy of the first ballot under a name that sorts last), swaps two ballots of a
    /// device's chain, and reseals record.json as a forger would.</summary>
    private static void Tamper(string directory)
    {
        string[] ballots = [.. Directory.EnumerateFiles(Path.Combine(directory, "ballots")).Order(StringComparer.Ordinal)];
        File.Copy(ballots[0], Path.Combine(directory, "ballots", new string('F', 64) + ".json"));
        string device = Directory.EnumerateFiles(Path.Combine(directory, "devices")).Order(StringComparer.Ordinal).First();
        JsonNode node = JsonNode.Parse(File.ReadAllBytes(device))!;
        JsonArray list = node["ballots"]!.AsArray();
        JsonNode first = list[0]!.DeepClone();
        list[0] = list[1]!.DeepClone();
        list[1] = first;
        File.WriteAllText(device, node.ToJsonString());
        JsonNode header = JsonNode.Parse(File.ReadAllBytes(Path.Combine(directory, "record.json")))!;
        JsonArray files = [];
        foreach (string path in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(directory, p).Replace('\\', '/')).Where(p => p != "record.json").Order(StringComparer.Ordinal))
        {
            files.Add(new JsonObject { ["path"] = path, ["sha256"] = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Path.Combine(directory, path)))) });
        }

        header["files"] = files;
        File.WriteAllText(Path.Combine(directory, "record.json"), header.ToJsonString());
    }

    [Fact]
    public async Task A_duplicate_id_and_a_broken_chain_across_shards_are_reported_by_the_partition_grains_as_one_process_reports_them()
    {
        string record = Record(ballots: 12, seed: 7301);
        Tamper(record);
        string single = Report(record, null);
        Assert.Contains("\"5.A\"", single, StringComparison.Ordinal);
        Assert.Contains("\"8.F\"", single, StringComparison.Ordinal);

        ClusterShardRunner runner = new(Client, record) { ShardSize = 2, AllowToyGroups = true, BallotPartitions = 5, DevicePartitions = 3 };
        Assert.Equal(single, await Task.Run(() => Report(record, runner)));
        Assert.Equal(0, runner.Rebuilds);
        await runner.ForgetAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_tally_that_commits_to_other_ballots_is_reported_on_the_partition_grains_as_one_process_reports_it()
    {
        // The committed form of the encrypted tally (docs/record-format.md §4.8, revision 8), with the ballot the
        // commitment names in place of a cast one: the grains check nothing of it, the coordinator checks it whole.
        ElectionManifest manifest = ManifestReader.Parse(Encoding.UTF8.GetBytes(Manifest));
        ElectionRecord record = ElectionSimulator.Run(manifest, Group.Tiny, 2, 1, 12, 2, new Random(7303));
        EncryptedBallot[] cast = [.. record.Ballots.Where(b => b.State == BallotState.Cast)];
        EncryptedTally tally = EncryptedTally.Aggregate(record.Context, record.Ballots, maxListed: 0);
        string directory = Path.Combine(_root, "committed");
        await RecordStore.WriteAsync(record with { EncryptedTally = tally }, directory);
        Assert.True(NativeVerifier.Verify(directory, new VerificationOptions { AllowToyGroups = true }).Passed);
        string tallyFile = Path.Combine(directory, "tally", "encrypted_tally.json");
        string[] other = [.. cast.Skip(1).Select(b => b.Id.ToHex()).Append(new string('F', 64)).Order(StringComparer.Ordinal)];
        JsonNode node = JsonNode.Parse(File.ReadAllBytes(tallyFile))!;
        node["ballots_sha256"] = Convert.ToHexString(SHA256.HashData([.. other.SelectMany(Convert.FromHexString)]));
        File.WriteAllText(tallyFile, node.ToJsonString());
        JsonNode header = JsonNode.Parse(File.ReadAllBytes(Path.Combine(directory, "record.json")))!;
        header["files"]!.AsArray().First(f => f!["path"]!.GetValue<string>() == "tally/encrypted_tally.json")!["sha256"] = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(tallyFile)));
        File.WriteAllText(Path.Combine(directory, "record.json"), header.ToJsonString());

        string single = Report(directory, null);
        Assert.Contains("ballots_sha256 is not the SHA-256 of the record", single, StringComparison.Ordinal);
        ClusterShardRunner runner = new(Client, directory) { ShardSize = 2, AllowToyGroups = true, BallotPartitions = 3, DevicePartitions = 2 };
        Assert.Equal(single, await Task.Run(() => Report(directory, runner)));
        await runner.ForgetAsync(CancellationToken.None);
    }

    /// <summary>After the ballot pass, every partition is dropped (as if its silo had died) before the coordinator asks it.</summary>
    private sealed class LosingRunner(ClusterShardRunner inner) : IBallotShardRunner, IBallotIndex
    {
        public IReadOnlyList<BallotShardResult> Run(IReadOnlyList<string> ballotFiles, IProgress<VerificationProgress>? progress)
        {
            IReadOnlyList<BallotShardResult> results = inner.Run(ballotFiles, progress);
            inner.ForgetAsync(CancellationToken.None).GetAwaiter().GetResult();
            Thread.Sleep(500);
            return results;
        }

        public WholeRecordOutcome Resolve(WholeRecordQuery query) => inner.Resolve(query);

        public IReadOnlyDictionary<string, BallotFacts> Lookup(IReadOnlyCollection<string> ids) => inner.Lookup(ids);
    }

    [Fact]
    public async Task Partitions_that_lost_their_ballots_are_seen_short_and_fed_again_with_the_same_report()
    {
        string record = Record(ballots: 10, seed: 7302);
        Tamper(record);
        string single = Report(record, null);
        ClusterShardRunner runner = new(Client, record) { ShardSize = 3, AllowToyGroups = true, BallotPartitions = 3, DevicePartitions = 2 };
        Assert.Equal(single, await Task.Run(() => Report(record, new LosingRunner(runner))));
        Assert.True(runner.Rebuilds >= 1, "the lost partitions must have been fed again");
        await runner.ForgetAsync(CancellationToken.None);
    }

    private static int FreePort()
    {
        using TcpListener listener = new(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
