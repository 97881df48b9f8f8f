using Entente.Server.Board;
using Entente.Server.Log;
using Entente.Transparency.Notes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Entente.Server.Tests.Rolls;

/// <summary>
/// A real board on loopback with a real witness (what <c>entente serve</c> and <c>entente witness serve</c> run), whose
/// charter names a registering authority (<c>registrar.example</c>, role authority) besides the two parties, and the
/// authority's roll folder; the CLI runs in process against it (docs/rolls.md).
/// </summary>
internal sealed class RollBoard : IAsyncDisposable
{
    public const string Origin = "entente.test/roll-board";

    private WebApplication? _board;
    private WebApplication? _witness;

    private RollBoard(string dir) => Dir = dir;

    public string Dir { get; }

    public Ed25519NoteSigner Registrar { get; } = Ed25519NoteSigner.Generate("registrar.example");

    public Ed25519NoteSigner Blue { get; } = Ed25519NoteSigner.Generate("blue.example");

    public Ed25519NoteSigner WitnessKey { get; } = Ed25519NoteSigner.Generate("witness.blue.example");

    public Ed25519NoteSigner LogKey { get; private set; } = null!;

    public Uri Address { get; private set; } = null!;

    public string KeyFile => Path.Combine(Dir, "registrar.key");

    public string PolicyFile => Path.Combine(Dir, "policy.txt");

    /// <summary>Blue's charter key file (a party whose monitor files alerts on the exchange).</summary>
    public string BlueKeyFile => Path.Combine(Dir, "blue.key");

    public string RollDir => Path.Combine(Dir, "roll");

    public static async Task<RollBoard> StartAsync()
    {
        RollBoard b = new(Directory.CreateTempSubdirectory("entente-roll-board-").FullName);
        await File.WriteAllTextAsync(Path.Combine(b.Dir, "charter.json"), $$"""
            { "parties": [
              { "name": "blue.example", "key": "{{b.Blue.VerifierKey}}", "roles": ["submitter", "party", "auditor"], "identity": "identity--6f1d3c2a-8b4e-4f7a-9c1d-2e3f4a5b6c7d" },
              { "name": "registrar.example", "key": "{{b.Registrar.VerifierKey}}", "roles": ["authority"], "identity": "identity--0b7f2f4a-3c34-4d6e-9a3e-2f1b6c1d8e90" } ] }
            """);
        await File.WriteAllTextAsync(b.KeyFile, b.Registrar.ExportSkey());
        await File.WriteAllTextAsync(b.BlueKeyFile, b.Blue.ExportSkey());
        LogServerOptions options = new()
        {
            Origin = Origin, Store = "sqlite:board.db", Key = "log.key", Schema = "entente", Charter = "charter.json", BaseDirectory = b.Dir, Board = true, WitnessIntervalMs = 50,
            Exchange = new HostedExchangeOptions(),
        };
        await BoardHost.PrepareAsync(options);
        b.LogKey = Ed25519NoteSigner.FromSkey((await File.ReadAllTextAsync(Path.Combine(b.Dir, "log.key"))).Trim());
        await File.WriteAllTextAsync(Path.Combine(b.Dir, "witness.key"), b.WitnessKey.ExportSkey());
        b._witness = await ServerApp.BuildWitnessAsync(new WitnessServerOptions
        {
            Key = "witness.key", Store = "sqlite:witness.db", BaseDirectory = b.Dir,
            Logs = [new WitnessedLogRef { Origin = Origin, Keys = [b.LogKey.VerifierKey] }],
        }, "http://127.0.0.1:0");
        await b._witness.StartAsync();
        options.Witnesses = [new WitnessRef { Key = b.WitnessKey.CosignerVerifierKey, Url = AddressOf(b._witness) }];
        options.Quorum = 1;
        await File.WriteAllTextAsync(b.PolicyFile, $"log {b.LogKey.VerifierKey}\nwitness w0 {b.WitnessKey.CosignerVerifierKey}\nquorum w0\n");
        b._board = await ServerApp.BuildLogAsync(options, "http://127.0.0.1:0");
        b._board.Use(async (context, next) =>
        {
            b.Requests.Enqueue(context.Request.Path.Value ?? "");
            await next(context);
        });
        await b._board.StartAsync();
        b.Address = new Uri(AddressOf(b._board));
        return b;
    }

    /// <summary>Every request path the board received, in order (to count what a check asks for).</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>The board's services (the state, for assertions).</summary>
    public IServiceProvider Services => _board!.Services;

    /// <summary>Runs <c>entente ARGS</c> in process; returns the exit code and what it printed.</summary>
    public static async Task<(int Code, string Output, string Error)> CliAsync(params string[] args)
    {
        using StringWriter output = new();
        using StringWriter error = new();
        int code = await Entente.Cli.Program.BuildRootCommand().Parse(args).InvokeAsync(new System.CommandLine.InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }

    private static string AddressOf(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/";

    public async ValueTask DisposeAsync()
    {
        foreach (WebApplication? app in new[] { _board, _witness })
        {
            if (app is not null)
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }
        }

        Registrar.Dispose();
        Blue.Dispose();
        WitnessKey.Dispose();
        LogKey?.Dispose();
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
