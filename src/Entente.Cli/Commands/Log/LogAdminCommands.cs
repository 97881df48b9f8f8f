using System.CommandLine;
using Microsoft.Extensions.Hosting;
using Entente.Server;
using Entente.Server.Log;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;
using Spectre.Console;

namespace Entente.Cli.Commands.Log;

/// <summary><c>entente log init | fsck | serve</c>: operate a log from its configuration file.</summary>
internal static class LogAdminCommands
{
    public static Command Init()
    {
        Option<string> config = new("--config") { Description = "Configuration file to create (log.json).", Required = true };
        Option<string> origin = new("--origin") { Description = "The log's origin, e.g. entente.example/board.", Required = true };
        Option<string> store = new("--store") { Description = "sqlite:PATH (default log.db) or postgres:CONNECTION" };
        Option<string[]> parties = new("--party") { Description = "Create a party key and list it in a new charter as submitter; repeatable." };
        Option<string> charter = new("--charter") { Description = "An existing charter.json (instead of --party)." };
        Command command = new("init", "Create a log: its key, configuration and empty signed checkpoint.");
        command.Options.Add(config);
        command.Options.Add(origin);
        command.Options.Add(store);
        command.Options.Add(parties);
        command.Options.Add(charter);
        command.SetAction(async (parse, ct) =>
        {
            string file = Path.GetFullPath(parse.GetValue(config)!);
            if (File.Exists(file))
            {
                Console.Error.WriteLine($"error: {file} exists; not overwriting a log.");
                return ExitCodes.UsageOrInput;
            }

            string[] partyNames = parse.GetValue(parties) ?? [];
            string? charterFile = parse.GetValue(charter);
            if ((charterFile is null) == (partyNames.Length == 0))
            {
                Console.Error.WriteLine("error: give either --charter FILE or at least one --party NAME.");
                return ExitCodes.UsageOrInput;
            }

            string originText = parse.GetValue(origin)!;
            if (!KeyNames.IsValid(originText))
            {
                Console.Error.WriteLine("error: the origin is used as the key name: no spaces and no '+'.");
                return ExitCodes.UsageOrInput;
            }

            string dir = Path.GetDirectoryName(file)!;
            Directory.CreateDirectory(dir);
            if (charterFile is null)
            {
                List<string> entries = [];
                foreach (string party in partyNames)
                {
                    using Ed25519NoteSigner partyKey = Ed25519NoteSigner.Generate(party);
                    KeyFiles.WriteSecret(Path.Combine(dir, party + ".key"), partyKey.ExportSkey());
                    // Each party takes part in the incident exchange: a STIX identity, and the X25519 key confidential
                    // messages are sealed to, derived from its charter key and signed by it.
                    string identity = Entente.Exchange.Stix.StixId.NewV4("identity").ToString();
                    Entente.Transparency.Log.CharterEncryptionKey encryption = Entente.Server.Exchange.HostedExchange.EncryptionKeyFor(partyKey.ExportSkey(), identity);
                    entries.Add($"    {{ \"name\": \"{party}\", \"key\": \"{partyKey.VerifierKey}\", \"roles\": [\"submitter\"], \"identity\": \"{identity}\",\n"
                        + $"      \"encryption_key\": {{ \"x25519\": \"{encryption.X25519}\", \"signature\": \"{encryption.Signature}\" }} }}");
                    Console.Out.WriteLine($"party {party}: key {partyKey.VerifierKey} (private key in {party}.key)");
                }

                charterFile = "charter.json";
                await File.WriteAllTextAsync(Path.Combine(dir, charterFile), "{\n  \"parties\": [\n" + string.Join(",\n", entries) + "\n  ]\n}\n", ct);
            }

            using Ed25519NoteSigner key = Ed25519NoteSigner.Generate(originText);
            KeyFiles.WriteSecret(Path.Combine(dir, "log.key"), key.ExportSkey());
            // A new configuration states the exchange's sealing settings (docs/exchange.md): confidential messages sealed.
            LogServerOptions options = new() { Origin = originText, Store = parse.GetValue(store) ?? "sqlite:log.db", Key = "log.key", Charter = charterFile, Exchange = HostedExchangeOptions.Current() };
            options.Save(file);
            options.BaseDirectory = dir;
            (ILogStore logStore, _, _) = StoreLocator.OpenLog(options.Store, options.Resolve, options.Schema);
            await using (logStore)
            {
                await Sequencer.InitializeLogAsync(logStore, key, originText, ct);
            }

            Console.Out.WriteLine($"log {originText}: key {key.VerifierKey}");
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Fsck()
    {
        Option<string?> config = new("--config") { Description = "The log's configuration file (log.json, or an `entente serve --config` file)." };
        Option<DirectoryInfo?> dir = new("--dir") { Description = "A board's data folder or a demo folder: the store and key are found from what is there (a log.json or entente.json, else board.db or log.db with log.key)." };
        Option<string?> key = new("--key") { Description = "The log's key: its private key file or its public verifier key (text or a file holding it). Default: the key the folder or configuration names." };
        Command command = new("fsck", "Re-verify the whole stored log: every entry, tile, the root and the checkpoint signature. Exit 0 when all pass, 1 when one fails, 2 for input errors.") { config, dir, key };
        command.SetAction(async (parse, ct) =>
        {
            TextWriter error = parse.InvocationConfiguration.Error;
            LogServerOptions options = FsckTarget.Resolve(parse.GetValue(config), parse.GetValue(dir)?.FullName);
            INoteVerifier verifier = FsckTarget.Verifier(parse.GetValue(key), options);

            ILogStore store;
            try
            {
                (store, _, _) = StoreLocator.OpenLog(options.Store, options.Resolve, options.Schema);
            }
            catch (Exception e) when (e is IOException or FormatException or LogStoreException or ArgumentException)
            {
                await error.WriteLineAsync($"error: cannot open the store {options.Store}: {e.Message}");
                return ExitCodes.UsageOrInput;
            }

            await using (store)
            {
                StoredCheckpoint? head;
                try
                {
                    head = await store.ReadHeadAsync(ct);
                }
                catch (LogStoreException e)
                {
                    await error.WriteLineAsync($"error: {options.Store} is not a readable Entente log: {e.Message}");
                    return ExitCodes.UsageOrInput;
                }

                if (head is null)
                {
                    await error.WriteLineAsync($"error: {options.Store} holds no log (no signed checkpoint); is this the right folder?");
                    return ExitCodes.UsageOrInput;
                }

                FsckResult result;
                try
                {
                    result = await AnsiConsole.Progress().AutoClear(true).StartAsync(async progress =>
                    {
                        ProgressTask task = progress.AddTask("checking entries", maxValue: Math.Max(1, head.Size));
                        return await Transparency.Log.Fsck.RunAsync(store, verifier, new Progress<long>(n => task.Value = n), ct);
                    });
                }
                catch (LogStoreException e)
                {
                    // The store itself is damaged: that is a failed check, not bad input.
                    Console.Out.WriteLine($"PROBLEM the store cannot be read: {e.Message}");
                    return ExitCodes.CheckFailed;
                }
                foreach (string problem in result.Problems)
                {
                    Console.Out.WriteLine("PROBLEM " + problem);
                }

                Console.Out.WriteLine(result.Ok ? $"ok: {result.Size} entries, every tile, the root and the checkpoint signature verify" : $"{result.Problems.Count} problem(s)");
                return result.Ok ? ExitCodes.Ok : ExitCodes.CheckFailed;
            }
        });
        return command;
    }

    public static Command Serve()
    {
        Option<string> config = new("--config") { Description = "log.json", Required = true };
        Option<string> urls = new("--urls") { Description = "Listen address (default http://127.0.0.1:8080)." };
        Command command = new("serve", "Serve the log over HTTP (tlog-tiles read path, POST /add, blobs).");
        command.Options.Add(config);
        command.Options.Add(urls);
        command.SetAction(async (parse, ct) =>
        {
            LogServerOptions options = LogServerOptions.Load(parse.GetValue(config)!);

            string listen = parse.GetValue(urls) ?? "http://127.0.0.1:8080";
            await using Microsoft.AspNetCore.Builder.WebApplication app = await ServerApp.BuildLogAsync(options, listen, ct);
            await app.StartAsync(ct);
            Console.Out.WriteLine($"log {options.Origin} listening on {listen}");
            await app.WaitForShutdownAsync(ct);
            return ExitCodes.Ok;
        });
        return command;
    }
}
