using System.CommandLine;
using Microsoft.Extensions.Hosting;
using Entente.Server;
using Entente.Server.Log;
using Entente.Transparency.Notes;

namespace Entente.Cli.Commands;

/// <summary><c>entente witness init | serve</c>: a tlog-witness that cosigns the logs it follows.</summary>
internal static class WitnessCommand
{
    public static Command Create()
    {
        Command command = new("witness", "A tlog-witness: checks consistency and cosigns checkpoints.");
        command.Subcommands.Add(Init());
        command.Subcommands.Add(Serve());
        return command;
    }

    private static Command Init()
    {
        Option<string> config = new("--config") { Description = "Configuration file to create (witness.json).", Required = true };
        Option<string> name = new("--name") { Description = "The witness's key name, e.g. witness.blue.example.", Required = true };
        Option<string> origin = new("--log-origin") { Description = "Origin of the log to follow.", Required = true };
        Option<string[]> logKeys = new("--log-key") { Description = "Verifier key of that log; repeatable.", Required = true };
        Option<string> store = new("--store") { Description = "sqlite:PATH (default witness.db) or postgres:CONNECTION" };
        Command command = new("init", "Create a witness key and configuration.");
        command.Options.Add(config);
        command.Options.Add(name);
        command.Options.Add(origin);
        command.Options.Add(logKeys);
        command.Options.Add(store);
        command.SetAction(parse =>
        {
            string file = Path.GetFullPath(parse.GetValue(config)!);
            if (File.Exists(file))
            {
                Console.Error.WriteLine($"error: {file} exists; not overwriting a witness.");
                return ExitCodes.UsageOrInput;
            }

            try
            {
                foreach (string k in parse.GetValue(logKeys)!)
                {
                    VerifierKeys.Parse(k);
                }
            }
            catch (NoteFormatException e)
            {
                Console.Error.WriteLine($"error: bad --log-key: {e.Message}");
                return ExitCodes.UsageOrInput;
            }

            string dir = Path.GetDirectoryName(file)!;
            Directory.CreateDirectory(dir);
            using Ed25519NoteSigner key = Ed25519NoteSigner.Generate(parse.GetValue(name)!);
            KeyFiles.WriteSecret(Path.Combine(dir, "witness.key"), key.ExportSkey());
            new WitnessServerOptions
            {
                Key = "witness.key",
                Store = parse.GetValue(store) ?? "sqlite:witness.db",
                Logs = [new WitnessedLogRef { Origin = parse.GetValue(origin)!, Keys = [.. parse.GetValue(logKeys)!] }],
            }.Save(file);
            Console.Out.WriteLine($"witness key {key.VerifierKey}");
            Console.Out.WriteLine($"cosigner key {key.CosignerVerifierKey}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Serve()
    {
        Option<string> config = new("--config") { Description = "witness.json", Required = true };
        Option<string> urls = new("--urls") { Description = "Listen address (default http://127.0.0.1:8081)." };
        Command command = new("serve", "Serve POST /add-checkpoint.");
        command.Options.Add(config);
        command.Options.Add(urls);
        command.SetAction(async (parse, ct) =>
        {
            WitnessServerOptions options = WitnessServerOptions.Load(parse.GetValue(config)!);

            await using Microsoft.AspNetCore.Builder.WebApplication app = await ServerApp.BuildWitnessAsync(options, parse.GetValue(urls) ?? "http://127.0.0.1:8081", ct);
            await app.StartAsync(ct);
            Console.Out.WriteLine($"witness listening on {parse.GetValue(urls) ?? "http://127.0.0.1:8081"}");
            await app.WaitForShutdownAsync(ct);
            return ExitCodes.Ok;
        });
        return command;
    }
}

/// <summary>Writes secret key files readable by the owner only.</summary>
internal static class KeyFiles
{
    public static void WriteSecret(string path, string secret)
    {
        FileStreamOptions options = new() { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using FileStream stream = new(path, options);
        using StreamWriter writer = new(stream);
        writer.Write(secret + "\n");
    }
}
