using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Entente.Cli.Tests.Election;
using Entente.Cryptography;
using Entente.Election.Manifest;
using Entente.Election.Record;
using Npgsql;

namespace Entente.Cli.Tests.Cluster;

/// <summary>
/// <c>entente verify --cluster</c> as an operator runs it: silos are <c>entente cluster silo</c> processes, the
/// coordinator is another <c>entente</c> process, and the report must be the one <c>entente verify</c> prints alone,
/// byte for byte, for a clean record and for a tampered one, and when a silo is killed during the run.
/// </summary>
public sealed class ClusterVerifyTests : IDisposable
{
    private const string Manifest = """
        {"label":"Cluster test","contests":[
          {"label":"Mayor","contest_options":[{"label":"A"},{"label":"B"},{"label":"C"}]},
          {"label":"Council","selection_limit":2,"contest_options":[{"label":"D"},{"label":"E"},{"label":"F"}]}],
         "ballot_styles":[{"label":"all","contests":[1,2]},{"label":"mayor only","contests":[1]}],
         "chaining_mode":"simple","max_ballot_weight":2}
        """;

    private readonly string _root = Path.Combine(Path.GetTempPath(), "entente-cluster-" + Guid.NewGuid().ToString("N"));

    public ClusterVerifyTests() => Directory.CreateDirectory(_root);

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private string Record(string name, int ballots, int seed)
    {
        ElectionManifest manifest = ManifestReader.Parse(Encoding.UTF8.GetBytes(Manifest));
        ElectionRecord record = ElectionSimulator.Run(manifest, Group.Tiny, 3, 2, ballots, 3, new Random(seed), [1, 3]);
        string directory = Path.Combine(_root, name);
        RecordStore.WriteAsync(record, directory).GetAwaiter().GetResult();
        return directory;
    }

    /// <summary>Flips a proof response in one ballot and a chaining field in another, and reseals record.json as a forger would.</summary>
    private static void Tamper(string directory)
    {
        string[] ballots = [.. Directory.EnumerateFiles(Path.Combine(directory, "ballots")).Order(StringComparer.Ordinal)];
        Edit(ballots[2], b =>
        {
            JsonNode pair = b["contests"]![0]!["selections"]![0]!["proof"]![0]!;
            string v = pair["v"]!.GetValue<string>();
            pair["v"] = (v[0] == '0' ? "1" : "0") + v[1..];
        });
        Edit(ballots[^2], b =>
        {
            string field = b["chaining_field"]!.GetValue<string>();
            b["chaining_field"] = field[..^1] + (field[^1] == '0' ? "1" : "0");
        });
        Edit(Path.Combine(directory, "record.json"), r =>
        {
            foreach (JsonNode? file in r["files"]!.AsArray())
            {
                string path = Path.Combine(directory, file!["path"]!.GetValue<string>());
                file["sha256"] = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
            }
        });
    }

    private static void Edit(string file, Action<JsonNode> edit)
    {
        JsonNode node = JsonNode.Parse(File.ReadAllBytes(file))!;
        edit(node);
        File.WriteAllText(file, node.ToJsonString());
    }

    [Fact]
    public void Three_dev_silos_print_the_single_process_report_for_a_clean_and_a_tampered_record()
    {
        string clean = Record("clean", ballots: 14, seed: 7201);
        string tampered = Record("tampered", ballots: 14, seed: 7202);
        Tamper(tampered);

        foreach ((string record, int expected) in new[] { (clean, 0), (tampered, 1) })
        {
            (int code, string single, _) = EntenteProcess.Run("verify", record, "--allow-toy-groups", "--json");
            Assert.Equal(expected, code);
            (int clusterCode, string clustered, string error) = EntenteProcess.Run("verify", record, "--allow-toy-groups", "--json", "--cluster", "dev", "--silos", "3", "--shard-size", "2");
            Assert.True(clusterCode == expected, $"exit {clusterCode}: {error}");
            Assert.Contains("cluster: starting 3 silo process(es) on loopback", error, StringComparison.Ordinal);
            Assert.Contains("cluster: 3 silo process(es) ready after ", error, StringComparison.Ordinal);
            Assert.Equal(single, clustered);
            if (expected == 1)
            {
                Assert.Contains("\"6.D\"", clustered, StringComparison.Ordinal);
                // The chaining field flipped breaks its device's chain: 8.E, or 8.F when the ballot (chosen by its random
                // identifier) is the first of its device's chain; a clean-clone CI run drew a record without 8.E.
                Assert.True(clustered.Contains("\"8.E\"", StringComparison.Ordinal) || clustered.Contains("\"8.F\"", StringComparison.Ordinal), clustered);
            }
        }
    }

    [SkippableFact]
    public void A_silo_killed_during_a_run_on_a_PostgreSQL_cluster_changes_nothing_in_the_report()
    {
        string connection = FreshSchema();
        string record = Record("killed", ballots: 150, seed: 7203);
        Tamper(record);
        (int singleCode, string single, _) = EntenteProcess.Run("verify", record, "--allow-toy-groups", "--json");
        Assert.Equal(1, singleCode);

        List<(Process Process, StringBuilder Log)> silos = [];
        try
        {
            for (int i = 0; i < 3; i++)
            {
                StringBuilder log = new();
                silos.Add((EntenteProcess.Start(log, "cluster", "silo", "--postgres", connection, "--port", FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture), "--gateway-port", FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture)), log));
            }

            foreach ((Process process, StringBuilder log) in silos)
            {
                WaitFor(process, log, "silo ready:");
            }

            // The coordinator runs; the second silo is killed as soon as it has verified a shard, while the run goes
            // on. Whatever it held must be verified elsewhere, each shard counted once.
            Task<(int Code, string Out, string Err)> run = Task.Run(() => EntenteProcess.Run("verify", record, "--allow-toy-groups", "--json", "--cluster", connection, "--shard-size", "1"));
            WaitFor(silos[1].Process, silos[1].Log, "ballot file(s) from", poll: 5);
            silos[1].Process.Kill(entireProcessTree: true);
            Assert.False(run.IsCompleted, "the run ended before the silo was killed: the test must kill it mid-run");
            (int code, string clustered, string error) = run.GetAwaiter().GetResult();
            Assert.True(code == 1, $"exit {code}: {error}");
            Assert.Equal(single, clustered);
        }
        finally
        {
            foreach ((Process process, _) in silos)
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }

                process.WaitForExit(10_000);
                process.Dispose();
            }
        }
    }

    [Fact]
    public void A_silo_stops_in_order_on_SIGTERM_as_a_service_manager_sends_it()
    {
        StringBuilder log = new();
        using Process silo = EntenteProcess.Start(log, "cluster", "silo", "--port", FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture), "--gateway-port", FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture));
        try
        {
            WaitFor(silo, log, "silo ready:");
            using (Process kill = Process.Start("kill", ["-TERM", silo.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                kill.WaitForExit();
            }

            Assert.True(silo.WaitForExit(60_000), $"the silo did not stop within a minute of SIGTERM: {log}");
            Assert.Equal(0, silo.ExitCode);
        }
        finally
        {
            if (!silo.HasExited)
            {
                silo.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public void Silos_is_refused_without_the_dev_cluster()
    {
        (int code, _, string error) = EntenteProcess.Run("verify", _root, "--cluster", "Host=127.0.0.1", "--silos", "2");
        Assert.Equal(2, code);
        Assert.Contains("--silos is for --cluster dev", error, StringComparison.Ordinal);
    }

    internal static void WaitFor(Process process, StringBuilder log, string text, int poll = 100)
    {
        Stopwatch watch = Stopwatch.StartNew();
        while (true)
        {
            lock (log)
            {
                if (log.ToString().Contains(text, StringComparison.Ordinal))
                {
                    return;
                }
            }

            Assert.False(process.HasExited, $"the silo exited: {log}");
            Assert.True(watch.Elapsed < TimeSpan.FromMinutes(2), $"the silo did not print \"{text}\": {log}");
            Thread.Sleep(poll);
        }
    }

    private static int FreePort()
    {
        using TcpListener listener = new(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A schema of its own in the test PostgreSQL, named in the connection string's search path.</summary>
    internal static string FreshSchema()
    {
        string? server = Environment.GetEnvironmentVariable("ENTENTE_TEST_POSTGRES");
        if (string.IsNullOrEmpty(server))
        {
            Assert.False(string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase), "CI=true but ENTENTE_TEST_POSTGRES is not set");
            Skip.If(true, "ENTENTE_TEST_POSTGRES is not set (scripts/test.sh starts a throwaway PostgreSQL).");
        }

        string schema = "cluster_" + Guid.NewGuid().ToString("N")[..12];
        using (NpgsqlConnection c = new(server))
        {
            c.Open();
            using NpgsqlCommand create = new($"CREATE SCHEMA {schema}", c);
            create.ExecuteNonQuery();
        }

        return new NpgsqlConnectionStringBuilder(server!) { SearchPath = schema, Pooling = false }.ConnectionString;
    }
}
