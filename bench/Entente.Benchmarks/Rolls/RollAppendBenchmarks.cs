using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Entente.Client.Board;
using Entente.Rolls;
using Entente.Server;
using Entente.Server.Board;
using Entente.Transparency;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Entente.Benchmarks.Rolls;

/// <summary>
/// Do roll changes sustain the log's append rate (issue #21)? One real board (`entente serve`: Kestrel, sequencer,
/// SQLite WAL synchronous=FULL, board rules) over loopback, 16 concurrent clients, each request signed (RFC 9421,
/// Ed25519). Baseline: plain log entries (`POST /add`, a party-signed entry with no artifact). Measured: roll changes
/// (`POST /board/roll-changes`: the artifact parsed strictly, the roll's rules checked under the board's gate, the blob
/// stored durably, the entry appended) — each a new registration of a fresh record. Both sign their entries in the iteration's
/// setup and their requests in the measured loop, so the two measure the same client work. One operation = one acknowledged
/// entry; the ratio is the roll-change rate over the plain rate, on the same board in the same run (docs/rolls.md).
/// </summary>
[Config(typeof(InProcessMonitoringConfig))]
public class RollAppendBenchmarks
{
    private const int Clients = 16;
    private const int PerClient = 25;
    private const int PerOp = Clients * PerClient;
    private string _dir = "";
    private WebApplication? _app;
    private Ed25519NoteSigner? _registrar;
    private Uri _address = null!;
    private BoardClient[] _clients = [];
    private byte[][] _plain = [];
    private (string Id, byte[] Artifact, byte[] Entry)[] _changes = [];
    private int _counter;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _dir = Directory.CreateTempSubdirectory("entente-bench-roll-").FullName;
        _registrar = Ed25519NoteSigner.Generate("registrar.example");
        await File.WriteAllTextAsync(Path.Combine(_dir, "charter.json"), $$"""
            { "parties": [ { "name": "registrar.example", "key": "{{_registrar.VerifierKey}}", "roles": ["authority", "submitter"] } ] }
            """);
        Entente.Server.Log.LogServerOptions options = new()
        {
            Origin = "bench.example/roll-board", Store = "sqlite:board.db", Key = "log.key", Schema = "entente", Charter = "charter.json", BaseDirectory = _dir, Board = true,
        };
        await BoardHost.PrepareAsync(options);
        _app = await ServerApp.BuildLogAsync(options, "http://127.0.0.1:0");
        await _app.StartAsync();
        _address = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");
        _clients = [.. Enumerable.Range(0, Clients).Select(_ => new BoardClient(_address, _registrar))];
        RollInit init = new("county-1", ["P-01", "P-02", "P-03", "P-04"], RollArtifacts.DefaultReasons);
        await _clients[0].PublishAsync(new BoardTarget("roll-inits", init.Jurisdiction, RollArtifacts.InitType, false, false), RollArtifacts.Write(init));
    }

    [IterationSetup(Target = nameof(Plain_log_entries))]
    public void PreparePlain() => _plain = [.. Enumerable.Range(0, PerOp).Select(_ =>
    {
        int n = Interlocked.Increment(ref _counter);
        return _registrar!.SignNote(new LogEntry("bench.commitment", Hash256.Compute(BitConverter.GetBytes(n)), "registrar.example").ToText()).ToBytes();
    })];

    [IterationSetup(Target = nameof(Roll_changes))]
    public void PrepareChanges() => _changes = [.. Enumerable.Range(0, PerOp).Select(i =>
    {
        RollChange change = new("county-1", RollOperation.Add, Hash256.Compute(RandomNumberGenerator.GetBytes(32)), 1, Hash256.Compute(RandomNumberGenerator.GetBytes(32)),
            $"P-0{1 + (i % 4)}", "new-registration", RollArtifacts.ToSecond(DateTimeOffset.UtcNow), null);
        byte[] artifact = RollArtifacts.Write(change);
        return (change.Id, artifact, _clients[0].Entry(change.Type, artifact));
    })];

    /// <summary>Baseline: plain entries through <c>POST /add</c> with a signed request.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = PerOp)]
    public Task Plain_log_entries() => Task.WhenAll(Enumerable.Range(0, Clients).Select(c => Task.Run(async () =>
    {
        for (int i = 0; i < PerClient; i++)
        {
            using HttpResponseMessage r = await _clients[c].Http.PostAsync("add", new ByteArrayContent(_plain[(c * PerClient) + i]));
            r.EnsureSuccessStatusCode();
        }
    })));

    /// <summary>
    /// Roll changes through the board, as <c>entente roll change</c> posts them, with their entries signed beforehand as the
    /// baseline's are (so both measure the board, not the client's signing).
    /// </summary>
    [Benchmark(OperationsPerInvoke = PerOp)]
    public Task Roll_changes() => Task.WhenAll(Enumerable.Range(0, Clients).Select(c => Task.Run(async () =>
    {
        for (int i = 0; i < PerClient; i++)
        {
            (string id, byte[] artifact, byte[] entry) = _changes[(c * PerClient) + i];
            using HttpResponseMessage r = await _clients[c].PostWithEntryAsync("board/roll-changes", artifact, entry);
            if (r.StatusCode != System.Net.HttpStatusCode.Created)
            {
                throw new InvalidOperationException($"roll change {id}: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}");
            }
        }
    })));

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        foreach (BoardClient c in _clients)
        {
            c.Dispose();
        }

        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        _registrar?.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }
}
