using System.Net;
using System.Net.Sockets;
using Entente.Server;
using Entente.Server.Log;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Entente.Server.Tests;

/// <summary>A log (and optionally a witness) in a temporary folder, keys and charter included.</summary>
internal sealed class TestBoard : IAsyncDisposable
{
    public const string Origin = "entente.test/board";

    private TestBoard(string dir) => Dir = dir;

    public string Dir { get; }

    public Ed25519NoteSigner LogKey { get; private set; } = null!;

    public Ed25519NoteSigner Blue { get; private set; } = null!;

    public Ed25519NoteSigner Red { get; private set; } = null!;

    public Ed25519NoteSigner WitnessKey { get; private set; } = null!;

    /// <summary>The encryption device "device-1" (role device in the board charter).</summary>
    public Ed25519NoteSigner Device { get; private set; } = null!;

    /// <summary>Red's STIX identity in the board charter.</summary>
    public const string RedIdentity = "identity--0b7f2f4a-3c34-4d6e-9a3e-2f1b6c1d8e90";

    /// <summary>An HTTP client whose requests are signed by <paramref name="key"/> (RFC 9421).</summary>
    public static HttpClient Signed(WebApplication app, Ed25519NoteSigner key) =>
        new(new Entente.Client.Http.HttpSignatureHandler(key)) { BaseAddress = new Uri(Address(app)) };

    public string ConfigFile => Path.Combine(Dir, "log.json");

    public LogServerOptions Options { get; private set; } = null!;

    /// <summary>
    /// Creates keys, charter, config and the empty log. The log charter has blue as submitter and red as observer;
    /// with <paramref name="board"/>, the election-board charter: blue (submitter, party, guardian 1), red (party,
    /// guardians 2 and 3, a STIX identity) and device-1 (device), and the board API enabled.
    /// </summary>
    public static async Task<TestBoard> CreateAsync(string store = "sqlite:log.db", string schema = "entente", bool board = false)
    {
        TestBoard b = new(Directory.CreateTempSubdirectory("entente-board-").FullName)
        {
            LogKey = Ed25519NoteSigner.Generate(Origin),
            Blue = Ed25519NoteSigner.Generate("blue.example"),
            Red = Ed25519NoteSigner.Generate("red.example"),
            WitnessKey = Ed25519NoteSigner.Generate("witness.red.example"),
            Device = Ed25519NoteSigner.Generate("device-1"),
        };
        await File.WriteAllTextAsync(Path.Combine(b.Dir, "log.key"), b.LogKey.ExportSkey());
        await File.WriteAllTextAsync(Path.Combine(b.Dir, "witness.key"), b.WitnessKey.ExportSkey());
        await File.WriteAllTextAsync(Path.Combine(b.Dir, "charter.json"), board
            ? $$"""
            { "parties": [
              { "name": "blue.example", "key": "{{b.Blue.VerifierKey}}", "roles": ["submitter", "party", "guardian", "auditor"], "guardians": [1] },
              { "name": "red.example", "key": "{{b.Red.VerifierKey}}", "roles": ["party", "guardian", "auditor"], "guardians": [2, 3], "identity": "{{RedIdentity}}" },
              { "name": "device-1", "key": "{{b.Device.VerifierKey}}", "roles": ["device"] } ] }
            """
            : $$"""
            { "parties": [
              { "name": "blue.example", "key": "{{b.Blue.VerifierKey}}", "roles": ["submitter"] },
              { "name": "red.example", "key": "{{b.Red.VerifierKey}}", "roles": ["observer"] } ] }
            """);
        b.Options = new LogServerOptions { Origin = Origin, Store = store, Schema = schema, Key = "log.key", Charter = "charter.json", BaseDirectory = b.Dir, MaxEntrySize = 4096, Board = board };
        b.Options.Save(b.ConfigFile);
        (ILogStore s, _, _) = StoreLocator.OpenLog(store, b.Options.Resolve, schema);
        await using (s)
        {
            await Sequencer.InitializeLogAsync(s, b.LogKey, Origin);
        }

        return b;
    }

    public static int FreePort()
    {
        using TcpListener l = new(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public static string Address(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/";

    public async Task<WebApplication> StartWitnessAsync()
    {
        WitnessServerOptions w = new()
        {
            Key = "witness.key",
            Store = "sqlite:witness.db",
            BaseDirectory = Dir,
            Logs = [new WitnessedLogRef { Origin = Origin, Keys = [LogKey.VerifierKey] }],
        };
        WebApplication app = await ServerApp.BuildWitnessAsync(w, "http://127.0.0.1:0");
        await app.StartAsync();
        return app;
    }

    public async Task<WebApplication> StartLogAsync()
    {
        WebApplication app = await ServerApp.BuildLogAsync(Options, "http://127.0.0.1:0");
        await app.StartAsync();
        return app;
    }

    /// <summary>
    /// Replaces the board's SQLite log with one written the way a server before entry identities wrote it (entries keyed
    /// by leaf hash only, so it may hold the same signed text twice): <paramref name="entries"/>, their tiles and a
    /// checkpoint signed by the log key.
    /// </summary>
    public async Task WriteLegacyLogAsync(IReadOnlyList<byte[]> entries)
    {
        string file = Path.Combine(Dir, "log.db");
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (string f in new[] { file, file + "-wal", file + "-shm" })
        {
            File.Delete(f);
        }

        Entente.Transparency.Merkle.MemoryMerkleTree tree = new();
        foreach (byte[] e in entries)
        {
            tree.AppendEntry(e);
        }

        byte[] head = LogKey.SignNote(new Entente.Transparency.Checkpoint(Origin, entries.Count, tree.Root()).ToText()).ToBytes();
        await using Microsoft.Data.Sqlite.SqliteConnection c = new($"Data Source={file}");
        await c.OpenAsync();
        async Task Run(string sql, params (string Name, object Value)[] parameters)
        {
            await using Microsoft.Data.Sqlite.SqliteCommand cmd = c.CreateCommand();
            cmd.CommandText = sql;
            foreach ((string name, object value) in parameters)
            {
                cmd.Parameters.AddWithValue(name, value);
            }

            await cmd.ExecuteNonQueryAsync();
        }

        await Run("""
            CREATE TABLE tlog_head (id INTEGER PRIMARY KEY CHECK (id = 1), size INTEGER NOT NULL, root BLOB NOT NULL, note BLOB NOT NULL);
            CREATE TABLE tlog_cosigned (id INTEGER PRIMARY KEY CHECK (id = 1), size INTEGER NOT NULL, root BLOB NOT NULL, note BLOB NOT NULL);
            CREATE TABLE tlog_entries (idx INTEGER PRIMARY KEY, leaf_hash BLOB NOT NULL UNIQUE, data BLOB NOT NULL);
            CREATE TABLE tlog_tiles (level INTEGER NOT NULL, idx INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (level, idx)) WITHOUT ROWID;
            """);
        await Run("INSERT INTO tlog_head VALUES (1, $s, $r, $n)", ("$s", (long)entries.Count), ("$r", tree.Root().ToArray()), ("$n", head));
        for (int i = 0; i < entries.Count; i++)
        {
            await Run("INSERT INTO tlog_entries VALUES ($i, $h, $d)", ("$i", (long)i), ("$h", Entente.Transparency.Merkle.Rfc6962.LeafHash(entries[i]).ToArray()), ("$d", entries[i]));
        }

        foreach (Entente.Transparency.Tiles.TilePath t in Entente.Transparency.Tiles.TilePath.AllTiles(entries.Count))
        {
            await Run("INSERT INTO tlog_tiles VALUES ($l, $i, $d)", ("$l", t.Level), ("$i", t.Index), ("$d", Entente.Transparency.Tiles.TileHashes.Read(tree, t)));
        }
    }

    public async ValueTask DisposeAsync()
    {
        LogKey.Dispose();
        Blue.Dispose();
        Red.Dispose();
        WitnessKey.Dispose();
        Device.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        await Task.Yield();
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
            // A killed child process may still hold the folder briefly; temp cleanup is best effort.
        }
    }
}
