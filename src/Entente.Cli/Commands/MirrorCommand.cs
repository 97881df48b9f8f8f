using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Entente.Cli.Commands.Audit;
using Entente.Cli.Commands.Record;
using Entente.Client.Mirror;
using Entente.Server;
using Entente.Server.Mirror;
using Entente.Transparency.Notes;
using Entente.Transparency.Policy;
using Microsoft.Extensions.Hosting;

namespace Entente.Cli.Commands;

/// <summary>
/// <c>entente mirror init | serve | sync</c>: a C2SP tlog-mirror of a board that also holds every artifact the board's
/// entries commit to (docs/mirror.md). <c>sync</c> is one pass into a folder; <c>serve</c> runs the same logic
/// continuously, takes the board's pushes (add-checkpoint, add-entries) and serves the copy and the artifacts.
/// </summary>
internal static class MirrorCommand
{
    public static Command Create()
    {
        Command command = new("mirror", "A tlog-mirror of a board: a full copy of its log and of every artifact, checked against the entries.");
        command.Subcommands.Add(Init());
        command.Subcommands.Add(Serve());
        command.Subcommands.Add(Sync());
        return command;
    }

    private static Command Init()
    {
        Option<string> config = new("--config") { Description = "Configuration file to create (mirror.json).", Required = true };
        Option<string> name = new("--name") { Description = "The mirror's cosigner name, e.g. mirror.blue.example.", Required = true };
        Option<string> logKey = new("--log-key") { Description = "The board's log key (its name is the log's origin).", Required = true };
        Option<string> logUrl = new("--log-url") { Description = "The board's URL, where the mirror pulls entries and artifacts from.", Required = true };
        Option<string?> policy = new("--policy") { Description = "A tlog-policy file the checkpoints pulled must satisfy (copied beside the configuration)." };
        Option<string> store = new("--store") { Description = "sqlite:PATH (default mirror.db) or postgres:CONNECTION" };
        Command command = new("init", "Create a mirror key and configuration.") { config, name, logKey, logUrl, policy, store };
        command.SetAction(parse =>
        {
            string file = Path.GetFullPath(parse.GetValue(config)!);
            if (File.Exists(file))
            {
                throw new UsageException($"{file} exists; not overwriting a mirror.");
            }

            VerifierKeys.Parse(parse.GetValue(logKey)!);
            RemoteAction.Url(parse.GetValue(logUrl)!, "--log-url");
            string dir = Path.GetDirectoryName(file)!;
            Directory.CreateDirectory(dir);
            string policyName = "";
            if (parse.GetValue(policy) is string policyFile)
            {
                string text = File.ReadAllText(policyFile);
                TrustPolicy.Parse(text);
                policyName = "mirror-policy.txt";
                File.WriteAllText(Path.Combine(dir, policyName), text);
            }

            using Ed25519NoteSigner key = Ed25519NoteSigner.Generate(parse.GetValue(name)!);
            KeyFiles.WriteSecret(Path.Combine(dir, "mirror.key"), key.ExportSkey());
            new MirrorServerOptions
            {
                Key = "mirror.key",
                Store = parse.GetValue(store) ?? "sqlite:mirror.db",
                LogKey = parse.GetValue(logKey)!,
                LogUrl = parse.GetValue(logUrl)!,
                Policy = policyName,
            }.Save(file);
            parse.InvocationConfiguration.Output.WriteLine($"cosigner key {key.CosignerVerifierKey}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Serve()
    {
        Option<string> config = new("--config") { Description = "mirror.json", Required = true };
        Option<string> urls = new("--urls") { Description = "Listen address (default http://127.0.0.1:8091)." };
        Command command = new("serve", "Serve add-checkpoint and add-entries, the mirrored tiles and artifacts under /<origin hash>/, and pull from the board continuously.") { config, urls };
        command.SetAction(async (parse, ct) =>
        {
            MirrorServerOptions options = MirrorServerOptions.Load(parse.GetValue(config)!);
            string listen = parse.GetValue(urls) ?? "http://127.0.0.1:8091";
            await using MirrorHost host = await MirrorHost.OpenAsync(options, ct);
            await using Microsoft.AspNetCore.Builder.WebApplication app = ServerApp.BuildMirror(host, listen);
            await app.StartAsync(ct);
            TextWriter output = parse.InvocationConfiguration.Output;
            output.WriteLine($"mirror listening on {listen}");
            output.WriteLine($"cosigner key {host.Mirror.CosignerVerifierKey}");
            output.WriteLine($"log {host.Mirror.Origin} served under {listen.TrimEnd('/')}/{host.Mirror.OriginHash}/");
            await app.WaitForShutdownAsync(ct);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Sync()
    {
        Option<string> log = new("--log") { Description = "The board's (or log's) URL.", Required = true };
        Option<string> key = new("--key") { Description = "The log's key (a verifier key, or a file holding one); its name is the log's origin.", Required = true };
        Option<string> dir = new("--dir") { Description = "The mirror's folder (created; mirror.db, evidence/; a mirror.key in it makes the copy cosigned).", Required = true };
        Option<string?> policy = new("--policy") { Description = "A tlog-policy the checkpoint must satisfy (the latest the log publishes under it)." };
        Option<string?> store = new("--store") { Description = "postgres:CONNECTION to keep the copy in PostgreSQL instead of DIR/mirror.db." };
        Option<double> timeout = new("--timeout") { Description = "Seconds to keep retrying a log that does not answer before exit 2 (default 60).", DefaultValueFactory = _ => 60 };
        Option<bool> json = new("--json") { Description = "Print the outcome as JSON." };
        Command command = new("sync", "One pass: bring the mirror in DIR up to the log's latest checkpoint, with every artifact. Exit 0 complete; 1 inconsistent log, or an artifact withheld or altered (evidence kept in DIR/evidence); 2 usage or unreachable log.")
        {
            log, key, dir, policy, store, timeout, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            Uri url = RemoteAction.Url(parse.GetValue(log)!, "--log");
            string keyText = parse.GetValue(key)!;
            INoteVerifier logKey = VerifierKeys.Parse(File.Exists(keyText) ? (await File.ReadAllTextAsync(keyText, ct)).Trim() : keyText);
            TrustPolicy? trust = parse.GetValue(policy) is string p ? TrustPolicy.Parse(await File.ReadAllTextAsync(p, ct)) : null;
            string folder = Path.GetFullPath(parse.GetValue(dir)!);
            Directory.CreateDirectory(folder);
            string keyFile = Path.Combine(folder, "mirror.key");
            Ed25519NoteSigner? mirrorKey = File.Exists(keyFile) ? Ed25519NoteSigner.FromSkey((await File.ReadAllTextAsync(keyFile, ct)).Trim()) : null;
            await using MirrorHost host = await MirrorHost.OpenAsync(mirrorKey, logKey, url, trust, parse.GetValue(store) ?? "sqlite:mirror.db",
                path => Path.GetFullPath(path, folder), "entente", TimeSpan.Zero, Path.Combine(folder, "evidence"), RemoteAction.Retry(parse.GetValue(timeout)), ct);
            MirrorSyncResult result;
            IReadOnlyList<string> files;
            try
            {
                (result, files) = await host.SyncOnceAsync(ct);
            }
            catch (MirrorSyncInputException e)
            {
                throw new UsageException(e.Message);
            }
            catch (HttpRequestException e)
            {
                throw new UsageException($"the log at {url} did not answer: {e.Message}");
            }

            TextWriter output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json))
            {
                WriteJson(output, result, files, folder);
            }
            else
            {
                string Count(long n) => n.ToString(CultureInfo.InvariantCulture);
                output.WriteLine($"log         {result.Checkpoint.Checkpoint.Origin} size {Count(result.Checkpoint.Checkpoint.Size)} root {result.Checkpoint.Checkpoint.Root.ToBase64()}");
                output.WriteLine($"mirror      {folder}: size {Count(result.Before)} -> {Count(result.After)}{(result.Status == MirrorSyncStatus.Complete ? ", with every artifact" : "")}");
                foreach (string problem in result.Problems)
                {
                    output.WriteLine($"problem     {problem}");
                }

                foreach (string file in files)
                {
                    output.WriteLine($"evidence    {file}");
                }
            }

            if (result.Status != MirrorSyncStatus.Complete)
            {
                parse.InvocationConfiguration.Error.WriteLine($"error: {(result.Status == MirrorSyncStatus.Inconsistent ? "the log is inconsistent with the mirror" : "the mirror cannot hold every artifact")}: {string.Join("; ", result.Problems)}");
                return ExitCodes.CheckFailed;
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static void WriteJson(TextWriter output, MirrorSyncResult r, IReadOnlyList<string> files, string folder)
    {
        using MemoryStream ms = new();
        using (Utf8JsonWriter w = new(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("status", r.Status switch { MirrorSyncStatus.Complete => "complete", MirrorSyncStatus.Inconsistent => "inconsistent", _ => "artifacts-missing" });
            w.WriteString("dir", folder);
            w.WriteString("origin", r.Checkpoint.Checkpoint.Origin);
            w.WriteNumber("log_size", r.Checkpoint.Checkpoint.Size);
            w.WriteNumber("before", r.Before);
            w.WriteNumber("after", r.After);
            w.WriteStartArray("problems");
            foreach (string p in r.Problems)
            {
                w.WriteStringValue(p);
            }

            w.WriteEndArray();
            w.WriteStartArray("evidence");
            foreach (string f in files)
            {
                w.WriteStringValue(f);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        output.WriteLine(System.Text.Encoding.UTF8.GetString(ms.ToArray()));
    }
}
