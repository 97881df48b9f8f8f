using System.Diagnostics;
using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Entente.Server;
using Entente.Server.Log;
using Entente.Storage.Postgres.Log;
using Entente.Storage.Sqlite.Log;
using Entente.Transparency;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Entente.Benchmarks;

/// <summary>
/// Sustained durable appends over loopback HTTP: 64 concurrent clients POST party-signed entries to a real
/// `entente log serve` host (Kestrel, sequencer, SQLite WAL synchronous=FULL or PostgreSQL synchronous
/// commit), deduplication on. <see cref="Signers"/> = 1: a typical entry (about 330 bytes, the party's signature only);
/// 8: a 1 KiB entry co-signed by seven more charter members, every line of which the server verifies. One operation =
/// one acknowledged entry. Baseline: the same store written the naive way, one durable transaction per entry, measured
/// in the same run. Latencies to an
/// acknowledged index are written to the console after each run (p50, p99).
/// PostgreSQL cases need ENTENTE_BENCH_POSTGRES (an Npgsql connection string).
/// </summary>
// In-process: the host, the clients and the benchmark share one process (so the CPU per append covers all of them),
// and no separate benchmark executable has to be built.
[Config(typeof(InProcessMonitoringConfig))]
public class LogAppendBenchmarks
{
    private const int Clients = 64;
    private const int PerClient = 100;
    private const int EntriesPerOp = Clients * PerClient;
    private readonly List<double> _latenciesMs = [];
    private readonly List<double> _inProcessLatenciesMs = [];
    private TimeSpan _httpCpu;
    private long _httpEntries;
    private string _dir = "";
    private WebApplication? _app;
    private HttpClient? _http;
    private HttpClient? _signedHttp;
    private Ed25519NoteSigner[] _signers = [];
    private int _counter;
    private SqliteConnection? _naiveSqlite;
    private NpgsqlDataSource? _naivePg;
    private string _schema = "";

    [Params("sqlite", "postgres")]
    public string Store { get; set; } = "sqlite";

    /// <summary>Signature lines per entry: the party's, and as many charter co-signers as make up the rest.</summary>
    [Params(1, 8)]
    public int Signers { get; set; } = 1;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _dir = Directory.CreateTempSubdirectory("entente-bench-").FullName;
        string? pg = Environment.GetEnvironmentVariable("ENTENTE_BENCH_POSTGRES");
        if (Store == "postgres" && string.IsNullOrEmpty(pg))
        {
            throw new InvalidOperationException("Set ENTENTE_BENCH_POSTGRES to run the PostgreSQL case.");
        }

        _schema = "bench_" + Guid.NewGuid().ToString("N")[..12];
        using Ed25519NoteSigner logKey = Ed25519NoteSigner.Generate("bench.example/log");
        _signers = [Ed25519NoteSigner.Generate("blue.example"), .. Enumerable.Range(0, 7).Select(i => Ed25519NoteSigner.Generate($"cosigner{i}.example"))];
        await File.WriteAllTextAsync(Path.Combine(_dir, "log.key"), logKey.ExportSkey());
        // Every signature line of an entry must be a charter member's: the seven co-signers are observers of the charter.
        string cosigners = string.Concat(_signers.Skip(1).Select(s => $$""", { "name": "{{s.Name}}", "key": "{{s.VerifierKey}}", "roles": ["observer"] }"""));
        await File.WriteAllTextAsync(Path.Combine(_dir, "charter.json"),
            $$"""{ "parties": [ { "name": "blue.example", "key": "{{_signers[0].VerifierKey}}", "roles": ["submitter"] }{{cosigners}} ] }""");
        LogServerOptions options = new()
        {
            Origin = "bench.example/log",
            Store = Store == "sqlite" ? "sqlite:log.db" : "postgres:" + pg,
            Schema = _schema,
            Key = "log.key",
            Charter = "charter.json",
            BaseDirectory = _dir,
        };
        (ILogStore store, _, _) = StoreLocator.OpenLog(options.Store, options.Resolve, _schema);
        await using (store)
        {
            await Sequencer.InitializeLogAsync(store, logKey, options.Origin);
        }

        _app = await ServerApp.BuildLogAsync(options, "http://127.0.0.1:0");
        await _app.StartAsync();
        string address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        // POST /add is authenticated by the entry's own party signature; the second client also signs each request
        // (RFC 9421, Ed25519), which the server then checks in full as well.
        _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Clients }) { BaseAddress = new Uri(address + "/") };
        _signedHttp = new HttpClient(new Entente.Client.Http.HttpSignatureHandler(_signers[0], new SocketsHttpHandler { MaxConnectionsPerServer = Clients })) { BaseAddress = new Uri(address + "/") };

        if (Store == "sqlite")
        {
            _naiveSqlite = new SqliteConnection($"Data Source={Path.Combine(_dir, "naive.db")}");
            _naiveSqlite.Open();
            using SqliteCommand c = _naiveSqlite.CreateCommand();
            c.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE t (idx INTEGER PRIMARY KEY, h BLOB UNIQUE, d BLOB)";
            c.ExecuteNonQuery();
        }
        else
        {
            _naivePg = NpgsqlDataSource.Create(pg!);
            using NpgsqlCommand c = _naivePg.CreateCommand($"CREATE SCHEMA {_schema}_n; CREATE TABLE {_schema}_n.t (idx bigserial PRIMARY KEY, h bytea UNIQUE, d bytea)");
            c.ExecuteNonQuery();
        }
    }

    /// <summary>
    /// An entry signed by blue and, when <see cref="Signers"/> &gt; 1, co-signed by more charter members (each line is checked
    /// by the server). Its type is one that no subsystem owns: board and exchange types are refused on POST /add.
    /// </summary>
    private byte[] NextEntry()
    {
        int n = Interlocked.Increment(ref _counter);
        LogEntry entry = new("bench.commitment", Hash256.Compute(BitConverter.GetBytes(n)), "blue.example", $"B-{n}", $"C{n:x8}");
        SignedNote note = _signers[0].SignNote(entry.ToText());
        foreach (Ed25519NoteSigner s in _signers.Skip(1).Take(Signers - 1))
        {
            note = note.WithSignature(s.Sign(note.TextBytes));
        }

        byte[] bytes = note.ToBytes();
        return bytes;
    }

    [IterationSetup(Target = nameof(Naive_one_durable_transaction_per_entry))]
    public void PrepareNaiveEntries() => _prepared = Enumerable.Range(0, 200).Select(_ => NextEntry()).ToArray();

    [Benchmark(Baseline = true, OperationsPerInvoke = 200)]
    public void Naive_one_durable_transaction_per_entry()
    {
        for (int i = 0; i < 200; i++)
        {
            byte[] e = _prepared[i];
            if (_naiveSqlite is not null)
            {
                using SqliteTransaction tx = _naiveSqlite.BeginTransaction();
                using SqliteCommand c = _naiveSqlite.CreateCommand();
                c.Transaction = tx;
                c.CommandText = "INSERT INTO t (h, d) VALUES ($h, $d)";
                c.Parameters.AddWithValue("$h", Hash256.Compute(e).ToArray());
                c.Parameters.AddWithValue("$d", e);
                c.ExecuteNonQuery();
                tx.Commit();
            }
            else
            {
                using NpgsqlCommand c = _naivePg!.CreateCommand($"INSERT INTO {_schema}_n.t (h, d) VALUES (@h, @d)");
                c.Parameters.AddWithValue("h", Hash256.Compute(e).ToArray());
                c.Parameters.AddWithValue("d", e);
                c.ExecuteNonQuery();
            }
        }
    }

    private byte[][] _prepared = [];

    /// <summary>Entries are signed before the measured part: only the server's work and the network are timed.</summary>
    [IterationSetup(Targets = [nameof(Http_append_64_clients), nameof(Http_append_64_clients_signed_requests)])]
    public void PrepareEntries() => _prepared = Enumerable.Range(0, EntriesPerOp).Select(_ => NextEntry()).ToArray();

    /// <summary>Entries are signed before the measured part (same entries as the HTTP case would get).</summary>
    [IterationSetup(Target = nameof(InProcess_append_64_tasks))]
    public void PrepareInProcessEntries() => _prepared = Enumerable.Range(0, EntriesPerOp).Select(_ => NextEntry()).ToArray();

    /// <summary>
    /// The server's own work without HTTP: 64 tasks each parse an entry, check its signature lines against the charter
    /// (as POST /add does) and wait for the sequencer's durable index. The HTTP case over this one is the
    /// cost of Kestrel, HttpClient and loopback TCP on the same two cores.
    /// </summary>
    [Benchmark(OperationsPerInvoke = EntriesPerOp)]
    public async Task InProcess_append_64_tasks()
    {
        LogService log = _app!.Services.GetRequiredService<LogService>();
        double[] latencies = new double[EntriesPerOp];
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(c => Task.Run(async () =>
        {
            for (int i = 0; i < PerClient; i++)
            {
                byte[] entry = _prepared[(c * PerClient) + i];
                long start = Stopwatch.GetTimestamp();
                (LogEntry parsed, SignedNote note) = LogEntry.Parse(entry, log.Options.MaxEntrySize);
                if (log.Charter.KeyFor(parsed.Party, Charter.SubmitterRole) is null || LogEntry.SignatureLinesProblem(entry, note, log.Charter) is not null)
                {
                    throw new InvalidOperationException("bad signature");
                }

                await log.Sequencer.AddAsync(entry);
                latencies[(c * PerClient) + i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        })));
        lock (_inProcessLatenciesMs)
        {
            _inProcessLatenciesMs.AddRange(latencies);
        }
    }

    [Benchmark(OperationsPerInvoke = EntriesPerOp)]
    public Task Http_append_64_clients() => AppendOverHttpAsync(_http!);

    /// <summary>The same with an RFC 9421 signature on every request: one more Ed25519 signature and verification per append.</summary>
    [Benchmark(OperationsPerInvoke = EntriesPerOp)]
    public Task Http_append_64_clients_signed_requests() => AppendOverHttpAsync(_signedHttp!);

    private async Task AppendOverHttpAsync(HttpClient http)
    {
        TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        double[] latencies = new double[EntriesPerOp];
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(c => Task.Run(async () =>
        {
            for (int i = 0; i < PerClient; i++)
            {
                byte[] entry = _prepared[(c * PerClient) + i];
                long start = Stopwatch.GetTimestamp();
                using HttpResponseMessage r = await http.PostAsync("add", new ByteArrayContent(entry));
                r.EnsureSuccessStatusCode();
                latencies[(c * PerClient) + i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        })));
        lock (_latenciesMs)
        {
            _latenciesMs.AddRange(latencies);
        }

        _httpCpu += Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        _httpEntries += EntriesPerOp;
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        if (_latenciesMs.Count > 0)
        {
            double[] sorted = [.. _latenciesMs.Order()];
            Console.WriteLine($"// {Store}: latency to acknowledged index over {sorted.Length} appends: p50 {sorted[sorted.Length / 2]:F1} ms, p99 {sorted[(int)(sorted.Length * 0.99)]:F1} ms, max {sorted[^1]:F1} ms; entry size {NextEntry().Length} B");
            Console.WriteLine($"// {Store}: process CPU per HTTP append (server, clients and database driver; PostgreSQL's own processes not included): {_httpCpu.TotalMicroseconds / Math.Max(1, _httpEntries):F0} us");
            _latenciesMs.Clear();
        }

        if (_inProcessLatenciesMs.Count > 0)
        {
            double[] sorted = [.. _inProcessLatenciesMs.Order()];
            Console.WriteLine($"// {Store}: in-process latency to acknowledged index over {sorted.Length} appends: p50 {sorted[sorted.Length / 2]:F1} ms, p99 {sorted[(int)(sorted.Length * 0.99)]:F1} ms");
            _inProcessLatenciesMs.Clear();
        }

        if (Store == "postgres" && _naivePg is not null && _app is not null)
        {
            using NpgsqlCommand q = _naivePg.CreateCommand($"""
                SELECT (SELECT count(*) FROM {_schema}.tlog_entries), (SELECT coalesce(sum(octet_length(data)), 0) FROM {_schema}.tlog_entries),
                       pg_total_relation_size('{_schema}.tlog_entries'), pg_total_relation_size('{_schema}.tlog_tiles'), pg_total_relation_size('{_schema}.tlog_head')
                """);
            using NpgsqlDataReader r = q.ExecuteReader();
            r.Read();
            long count = r.GetInt64(0);
            long bytes = r.GetInt64(1);
            long entries = r.GetInt64(2);
            long tiles = r.GetInt64(3);
            long total = entries + tiles + r.GetInt64(4);
            Console.WriteLine($"// postgres storage: {count} entries, {bytes} entry bytes; entries table with indexes {entries} B, tiles {tiles} B: {(total - bytes) / (double)Math.Max(1, count):F1} B per entry beyond the entry");
        }

        if (Store == "sqlite" && _app is not null)
        {
            string db = Path.Combine(_dir, "log.db");
            using SqliteConnection c = new($"Data Source={db}");
            c.Open();
            using (SqliteCommand checkpoint = c.CreateCommand())
            {
                checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
                checkpoint.ExecuteNonQuery();
            }

            using SqliteCommand q = c.CreateCommand();
            q.CommandText = "SELECT count(*), sum(length(data)) FROM tlog_entries";
            using SqliteDataReader r = q.ExecuteReader();
            r.Read();
            long count = r.GetInt64(0);
            long bytes = r.IsDBNull(1) ? 0 : r.GetInt64(1);
            long file = new FileInfo(db).Length;
            Console.WriteLine($"// sqlite storage: {count} entries, {bytes} entry bytes, file {file} B: {(file - bytes) / (double)Math.Max(1, count):F1} B per entry beyond the entry");
        }

        _http?.Dispose();
        _signedHttp?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        _naiveSqlite?.Dispose();
        if (_naivePg is not null)
        {
            using NpgsqlCommand drop = _naivePg.CreateCommand($"DROP SCHEMA IF EXISTS {_schema}_n CASCADE; DROP SCHEMA IF EXISTS {_schema} CASCADE");
            drop.ExecuteNonQuery();
            await _naivePg.DisposeAsync();
        }

        foreach (Ed25519NoteSigner s in _signers)
        {
            s.Dispose();
        }

        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }
}

/// <summary>One in-process job of five measured iterations after one warm-up, each iteration timed once (Monitoring).</summary>
public sealed class InProcessMonitoringConfig : ManualConfig
{
    /// <summary>Creates the config.</summary>
    public InProcessMonitoringConfig() =>
        AddJob(Job.Default.WithStrategy(RunStrategy.Monitoring).WithLaunchCount(1).WithWarmupCount(1).WithIterationCount(5)
            .WithToolchain(InProcessEmitToolchain.Instance));
}
