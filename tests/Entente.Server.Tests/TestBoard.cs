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

    public string ConfigFile => Path.Combine(Dir, "log.json");

    public LogServerOptions Options { get; private set; } = null!;

    /// <summary>Creates keys, charter (blue: submitter; red: observer), config and the empty log.</summary>
    public static async Task<TestBoard> CreateAsync(string store = "sqlite:log.db", string schema = "entente")
    {
        TestBoard b = new(Directory.CreateTempSubdirectory("entente-board-").FullName)
        {
            LogKey = Ed25519NoteSigner.Generate(Origin),
            Blue = Ed25519NoteSigner.Generate("blue.example"),
            Red = Ed25519NoteSigner.Generate("red.example"),
            WitnessKey = Ed25519NoteSigner.Generate("witness.red.example"),
        };
        await File.WriteAllTextAsync(Path.Combine(b.Dir, "log.key"), b.LogKey.ExportSkey());
        await File.WriteAllTextAsync(Path.Combine(b.Dir, "witness.key"), b.WitnessKey.ExportSkey());
        await File.WriteAllTextAsync(Path.Combine(b.Dir, "charter.json"), $$"""
            { "parties": [
              { "name": "blue.example", "key": "{{b.Blue.VerifierKey}}", "roles": ["submitter"] },
              { "name": "red.example", "key": "{{b.Red.VerifierKey}}", "roles": ["observer"] } ] }
            """);
        b.Options = new LogServerOptions { Origin = Origin, Store = store, Schema = schema, Key = "log.key", Charter = "charter.json", BaseDirectory = b.Dir, MaxEntrySize = 4096 };
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

    public async ValueTask DisposeAsync()
    {
        LogKey.Dispose();
        Blue.Dispose();
        Red.Dispose();
        WitnessKey.Dispose();
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
