using System.Text;
using BenchmarkDotNet.Attributes;
using Entente.Client.Http;
using Entente.Client.Mirror;
using Entente.Server;
using Entente.Server.Log;
using Entente.Server.Mirror;
using Entente.Transparency;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Entente.Benchmarks;

/// <summary>
/// Does a mirror keep up with the board (issue #17)? One operation = one entry. Baseline: the board's sustained append
/// rate, 64 concurrent HTTP clients POSTing party-signed entries to a real in-process `entente log serve` host (SQLite,
/// WAL, synchronous=FULL), each entry's 1 KiB artifact already stored. Measured against it in the same run: a mirror
/// (`entente mirror sync`'s path: <see cref="MirrorHost"/> on its own SQLite file) pulling the same number of new
/// entries from that host over HTTP — checkpoint, tiles and entry bundles proven against it, then every artifact
/// fetched, re-hashed and stored, the tree rebuilt and committed. A ratio below 1 means the mirror keeps up.
/// </summary>
[Config(typeof(InProcessMonitoringConfig))]
public class MirrorSyncBenchmarks
{
    private const int Entries = 2048;
    private const int Clients = 64;
    private string _dir = "";
    private WebApplication? _app;
    private LogService? _log;
    private HttpClient? _http;
    private MirrorHost? _mirror;
    private Ed25519NoteSigner? _party;
    private byte[][] _prepared = [];
    private int _counter;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _dir = Directory.CreateTempSubdirectory("entente-bench-mirror-").FullName;
        using Ed25519NoteSigner logKey = Ed25519NoteSigner.Generate("bench.example/log");
        _party = Ed25519NoteSigner.Generate("blue.example");
        await File.WriteAllTextAsync(Path.Combine(_dir, "log.key"), logKey.ExportSkey());
        await File.WriteAllTextAsync(Path.Combine(_dir, "charter.json"), $$"""{ "parties": [ { "name": "blue.example", "key": "{{_party.VerifierKey}}", "roles": ["submitter"] } ] }""");
        LogServerOptions options = new() { Origin = "bench.example/log", Store = "sqlite:log.db", Key = "log.key", Charter = "charter.json", BaseDirectory = _dir };
        (ILogStore store, _, _) = StoreLocator.OpenLog(options.Store, options.Resolve);
        await using (store)
        {
            await Sequencer.InitializeLogAsync(store, logKey, options.Origin);
        }

        _app = await ServerApp.BuildLogAsync(options, "http://127.0.0.1:0");
        await _app.StartAsync();
        _log = _app.Services.GetRequiredService<LogService>();
        Uri address = new(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");
        _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Clients }) { BaseAddress = address };
        string mirrorDir = Path.Combine(_dir, "mirror");
        Directory.CreateDirectory(mirrorDir);
        _mirror = await MirrorHost.OpenAsync(null, logKey.Verifier, address, null, "sqlite:mirror.db", p => Path.GetFullPath(p, mirrorDir), "entente",
            TimeSpan.Zero, Path.Combine(mirrorDir, "evidence"), RetryPolicy.None);
    }

    /// <summary>Signed entries, each committing to a 1 KiB artifact stored on the board before the measured part.</summary>
    private async Task PrepareAsync()
    {
        _prepared = new byte[Entries][];
        for (int i = 0; i < Entries; i++)
        {
            int n = Interlocked.Increment(ref _counter);
            byte[] artifact = Encoding.UTF8.GetBytes($"artifact {n} ".PadRight(1024, '.'));
            await _log!.Blobs.PutAsync(artifact);
            _prepared[i] = new LogEntry("bench.commitment", Hash256.Compute(artifact), "blue.example").Sign(_party!);
        }
    }

    [IterationSetup(Target = nameof(Board_append_64_http_clients))]
    public void PrepareAppend() => PrepareAsync().GetAwaiter().GetResult();

    [Benchmark(Baseline = true, OperationsPerInvoke = Entries)]
    public async Task Board_append_64_http_clients()
    {
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(c => Task.Run(async () =>
        {
            for (int i = c; i < Entries; i += Clients)
            {
                using ByteArrayContent content = new(_prepared[i]);
                using HttpResponseMessage answer = await _http!.PostAsync("add", content);
                answer.EnsureSuccessStatusCode();
            }
        })));
    }

    /// <summary>The mirror is brought up to the board's head, then the board takes <see cref="Entries"/> more (not measured).</summary>
    [IterationSetup(Target = nameof(Mirror_sync_of_the_new_entries_with_their_artifacts))]
    public void PrepareSync()
    {
        _mirror!.SyncOnceAsync().GetAwaiter().GetResult();
        PrepareAsync().GetAwaiter().GetResult();
        Task.WhenAll(_prepared.Select(e => _log!.Sequencer.AddAsync(e))).GetAwaiter().GetResult();
    }

    [Benchmark(OperationsPerInvoke = Entries)]
    public async Task Mirror_sync_of_the_new_entries_with_their_artifacts()
    {
        (MirrorSyncResult result, _) = await _mirror!.SyncOnceAsync();
        if (result.Status != MirrorSyncStatus.Complete || result.After - result.Before < Entries)
        {
            throw new InvalidOperationException($"the mirror synced {result.After - result.Before} entries ({result.Status}): {string.Join("; ", result.Problems)}");
        }
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        if (_mirror is not null)
        {
            await _mirror.DisposeAsync();
        }

        _http?.Dispose();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        _party?.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }
}
