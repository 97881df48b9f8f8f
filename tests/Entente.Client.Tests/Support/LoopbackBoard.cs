using System.Text;
using Entente.Client.Http;
using Entente.Client.Log;
using Entente.Server;
using Entente.Server.Board;
using Entente.Server.Log;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Entente.Client.Tests.Support;

/// <summary>
/// A real board on loopback: <c>ServerApp</c> (what <c>entente serve</c> runs) over SQLite in a temporary folder,
/// with a real witness server (what <c>entente witness serve</c> runs) that the board's collector reaches over HTTP,
/// so <c>/checkpoint</c> is the checkpoint the witness cosigned. The charter: blue (submitter, party, guardian 1),
/// red (submitter, party, guardians 2 and 3) and device-1 (device). <see cref="PolicyText"/> is the C2SP policy
/// (the log key and the witness, quorum 1).
/// </summary>
internal sealed class LoopbackBoard : IAsyncDisposable
{
    public const string Origin = "entente.test/fetch-board";

    /// <summary>Blue's STIX identity (its charter key is its exchange key).</summary>
    public const string BlueIdentity = "identity--6f1d3c2a-8b4e-4f7a-9c1d-2e3f4a5b6c7d";

    /// <summary>Red's STIX identity.</summary>
    public const string RedIdentity = "identity--0b7f2f4a-3c34-4d6e-9a3e-2f1b6c1d8e90";

    private WebApplication? _board;
    private WebApplication? _witness;
    private Action<IServiceCollection>? _configure;

    private LoopbackBoard(string dir) => Dir = dir;

    public string Dir { get; }

    public Ed25519NoteSigner LogKey { get; private set; } = null!;

    public Ed25519NoteSigner Blue { get; } = Ed25519NoteSigner.Generate("blue.example");

    public Ed25519NoteSigner Red { get; } = Ed25519NoteSigner.Generate("red.example");

    public Ed25519NoteSigner Device { get; } = Ed25519NoteSigner.Generate("device-1");

    public Ed25519NoteSigner WitnessKey { get; } = Ed25519NoteSigner.Generate("witness.red.example");

    public LogServerOptions Options { get; private set; } = null!;

    public Uri Address { get; private set; } = null!;

    /// <summary>The board's log database (entries, tiles, blobs).</summary>
    public string Database => Path.Combine(Dir, "board.db");

    /// <summary>The witness policy: the log key, the witness, quorum 1.</summary>
    public string PolicyText => $"log {LogKey.VerifierKey}\nwitness w0 {WitnessKey.CosignerVerifierKey}\nquorum w0\n";

    /// <summary>
    /// Starts a witness and a board that submits to it (with <paramref name="witness"/>), or a board alone; on SQLite in
    /// the folder, or with <paramref name="postgres"/> (a connection string) on PostgreSQL in a schema of its own.
    /// </summary>
    public static async Task<LoopbackBoard> StartAsync(bool witness = true, bool exchange = false, Action<IServiceCollection>? configure = null, string? postgres = null)
    {
        LoopbackBoard b = new(Directory.CreateTempSubdirectory("entente-fetch-").FullName) { _configure = configure };
        await File.WriteAllTextAsync(Path.Combine(b.Dir, "charter.json"), $$"""
            { "parties": [
              { "name": "blue.example", "key": "{{b.Blue.VerifierKey}}", "roles": ["submitter", "party", "guardian"], "guardians": [1], "identity": "{{BlueIdentity}}" },
              { "name": "red.example", "key": "{{b.Red.VerifierKey}}", "roles": ["submitter", "party", "guardian"], "guardians": [2, 3], "identity": "{{RedIdentity}}" },
              { "name": "device-1", "key": "{{b.Device.VerifierKey}}", "roles": ["device"] } ] }
            """);
        b.Options = new LogServerOptions
        {
            Origin = Origin, Store = postgres is null ? "sqlite:board.db" : "postgres:" + postgres, Key = "log.key",
            Schema = postgres is null ? "entente" : "fetch_" + Guid.NewGuid().ToString("N")[..16], Charter = "charter.json", BaseDirectory = b.Dir, Board = true, WitnessIntervalMs = 50,
            Exchange = exchange ? new HostedExchangeOptions() : null,
        };
        await BoardHost.PrepareAsync(b.Options);
        b.LogKey = Ed25519NoteSigner.FromSkey((await File.ReadAllTextAsync(Path.Combine(b.Dir, "log.key"))).Trim());
        if (witness)
        {
            await File.WriteAllTextAsync(Path.Combine(b.Dir, "witness.key"), b.WitnessKey.ExportSkey());
            WitnessServerOptions w = new()
            {
                Key = "witness.key", Store = "sqlite:witness.db", BaseDirectory = b.Dir,
                Logs = [new WitnessedLogRef { Origin = Origin, Keys = [b.LogKey.VerifierKey] }],
            };
            b._witness = await ServerApp.BuildWitnessAsync(w, "http://127.0.0.1:0");
            await b._witness.StartAsync();
            b.Options.Witnesses = [new WitnessRef { Key = b.WitnessKey.CosignerVerifierKey, Url = AddressOf(b._witness) }];
            b.Options.Quorum = 1;
        }

        await b.StartBoardAsync();
        return b;
    }

    /// <summary>(Re)starts the board server.</summary>
    public async Task StartBoardAsync()
    {
        _board = await ServerApp.BuildLogAsync(Options, "http://127.0.0.1:0", _configure);
        await _board.StartAsync();
        Address = new Uri(AddressOf(_board));
    }

    /// <summary>Stops the board server (its port then refuses connections).</summary>
    public async Task StopBoardAsync()
    {
        if (_board is not null)
        {
            await _board.StopAsync();
            await _board.DisposeAsync();
            _board = null;
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        }
    }

    /// <summary>Stops the witness server (its port then refuses connections).</summary>
    public async Task StopWitnessAsync()
    {
        if (_witness is not null)
        {
            await _witness.StopAsync();
            await _witness.DisposeAsync();
            _witness = null;
        }
    }

    /// <summary>The exchange key of <paramref name="party"/> (the charter key's seed).</summary>
    public static Entente.Exchange.Envelopes.PartyKey ExchangeKey(Ed25519NoteSigner party)
    {
        byte[] blob = Convert.FromBase64String(party.ExportSkey().Split('+', 5)[4]);
        return Entente.Exchange.Envelopes.PartyKey.FromSeed(blob.AsSpan(1, Entente.Exchange.Envelopes.PartyKey.SeedSize));
    }

    /// <summary>A client of this board's log (retrying fast), optionally through <paramref name="inner"/>.</summary>
    public LogClient Log(HttpMessageHandler? inner = null) => new(Address, Fast, inner);

    /// <summary>Retries a few times within a few seconds (tests of failure paths stay short).</summary>
    public static readonly RetryPolicy Fast = new() { MaxAttempts = 4, FirstDelay = TimeSpan.FromMilliseconds(20), MaxDelay = TimeSpan.FromMilliseconds(200), MaxElapsed = TimeSpan.FromSeconds(5) };

    /// <summary>Appends a raw entry of <paramref name="type"/> committing to <paramref name="artifact"/> (blob, then entry), signed by blue and countersigned by red.</summary>
    public async Task<long> AppendAsync(string type, byte[] artifact)
    {
        using LogClient signed = new(Address, Fast, new HttpSignatureHandler(Blue));
        await signed.PutBlobAsync(artifact);
        byte[] entry = new LogEntry(type, Entente.Transparency.Hash256.Compute(artifact), Blue.Name).Sign(Blue);
        SignedNote note = SignedNote.Parse(entry);
        entry = note.WithSignature(Red.Sign(note.TextBytes)).ToBytes();
        return (await signed.AddAsync(entry)).Index;
    }

    /// <summary>Logs the witness policy as the demo does: a <c>witness.policy</c> entry signed by both parties.</summary>
    public Task<long> LogPolicyAsync() => AppendAsync("witness.policy", Encoding.UTF8.GetBytes(PolicyText));

    /// <summary>Waits until <c>/checkpoint</c> covers every entry the board has sequenced (the witness cosigned it).</summary>
    public async Task WaitForCheckpointAsync(TimeSpan? limit = null)
    {
        LogService log = _board!.Services.GetRequiredService<LogService>();
        using LogClient client = Log();
        DateTime end = DateTime.UtcNow + (limit ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            long head = log.Sequencer.Head.Size;
            if ((await client.GetCheckpointAsync()).Checkpoint.Size >= head)
            {
                return;
            }

            if (DateTime.UtcNow > end)
            {
                throw new TimeoutException($"/checkpoint did not reach size {head}: {log.Collector?.LastError}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Overwrites a blob in the board's store (as a disk fault or an operator would), bypassing every check.</summary>
    public void AlterBlob(Entente.Transparency.Hash256 sha256, byte[] data)
    {
        using Microsoft.Data.Sqlite.SqliteConnection connection = new($"Data Source={Database}");
        connection.Open();
        using Microsoft.Data.Sqlite.SqliteCommand command = connection.CreateCommand();
        command.CommandText = "UPDATE blobs SET data = $d WHERE sha256 = $h";
        command.Parameters.AddWithValue("$d", data);
        command.Parameters.AddWithValue("$h", sha256.ToArray());
        if (command.ExecuteNonQuery() != 1)
        {
            throw new InvalidOperationException($"no blob {sha256} in the store");
        }
    }

    /// <summary>Sequences raw entry bytes directly, past the board's checks (what a faulty or hostile log could hold).</summary>
    public async Task<long> SequenceRawAsync(byte[] entry) =>
        (await _board!.Services.GetRequiredService<LogService>().Sequencer.AddAsync(entry)).Index;

    private static string AddressOf(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/";

    public async ValueTask DisposeAsync()
    {
        await StopBoardAsync();
        if (_witness is not null)
        {
            await _witness.StopAsync();
            await _witness.DisposeAsync();
        }

        LogKey?.Dispose();
        Blue.Dispose();
        Red.Dispose();
        Device.Dispose();
        WitnessKey.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a connection pool may hold the folder a moment longer.
        }
    }
}
