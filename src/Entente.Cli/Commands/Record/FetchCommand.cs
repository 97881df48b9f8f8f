using System.CommandLine;
using System.Globalization;
using Entente.Cli.Commands.Election;
using Entente.Client.Board;
using Entente.Client.Record;
using Entente.Election.Encryption;
using Entente.Election.Record;
using Entente.Transparency.Notes;
using Entente.Transparency.Policy;
using Spectre.Console;

namespace Entente.Cli.Commands.Record;

/// <summary>
/// <c>entente record fetch --board URL --out DIR [--policy FILE] [--key LOGKEY] [--wait S] [--timeout S] [--json]</c>:
/// downloads the whole election record from a board and checks every part of it (<see cref="RecordFetcher"/>): a
/// checkpoint that satisfies the witness policy (<c>--policy</c>, else the board's own <c>witness.policy</c> entry,
/// signed by every party of its charter), the inclusion of every entry through the tiles, each artifact's SHA-256
/// against its entry (each counted once), and the record assembled as the board assembles it. Writes DIR (in the
/// layout of docs/record-format.md, through a staging folder renamed into place) only when everything checks.
/// Exit 0: written; 1: a check failed (each failure names the entry, the artifact and what failed; nothing written);
/// 2: usage, unreadable input, no policy to check against, or a board that did not answer within the retry bound.
/// </summary>
internal static class FetchCommand
{
    public static Command Create()
    {
        Option<string?> board = new("--board") { Description = "The board, e.g. http://127.0.0.1:5080/ (or give --mirror)." };
        Option<string?> mirror = new("--mirror") { Description = "Read from a mirror instead of the board: the log's URL on the mirror, <mirror>/<origin hash>/ (as `entente mirror serve` prints it)." };
        Option<string> output = new("--out") { Description = "The record folder to write; must not exist or be empty.", Required = true };
        Option<string?> policy = new("--policy") { Description = "The witness policy (C2SP tlog-policy) the checkpoint must satisfy. Default: the board's own witness.policy entry, which every party of its charter must have signed." };
        Option<string?> key = new("--key") { Description = "The board's log key (a verifier key, or a file holding one). Default: the policy's log line." };
        Option<double> wait = new("--wait") { Description = "Seconds to wait for the witnesses to cosign a checkpoint that covers every entry the board has (default 30).", DefaultValueFactory = _ => 30 };
        Option<double> timeout = new("--timeout") { Description = "Seconds to keep retrying a board that does not answer before giving up with exit 2 (default 60).", DefaultValueFactory = _ => 60 };
        Option<bool> json = new("--json") { Description = "Print the outcome as JSON." };
        Command command = new("fetch", "Download the election record from a board, check every entry and artifact against the witnessed log, and write it for `entente verify`.")
        {
            board, mirror, output, policy, key, wait, timeout, json,
        };
        command.SetAction((parse, ct) =>
        {
            TextWriter stdout = parse.InvocationConfiguration.Output;
            TextWriter stderr = parse.InvocationConfiguration.Error;
            (string? boardUrl, string? mirrorUrl) = (parse.GetValue(board), parse.GetValue(mirror));
            if ((boardUrl is null) == (mirrorUrl is null))
            {
                return Task.FromResult(RemoteAction.Fail(stderr, "give exactly one of --board URL and --mirror URL.", ExitCodes.UsageOrInput));
            }

            return RunAsync(
                mirrorUrl is null ? RemoteAction.Url(boardUrl!, "--board") : RemoteAction.Url(mirrorUrl, "--mirror"), parse.GetValue(output)!, parse.GetValue(policy), parse.GetValue(key),
                parse.GetValue(wait), parse.GetValue(timeout), parse.GetValue(json), stdout, stderr, showProgress: !Console.IsErrorRedirected, ct, fromMirror: mirrorUrl is not null);
        });
        return command;
    }

    internal static async Task<int> RunAsync(Uri board, string output, string? policyFile, string? keyText, double wait, double timeout, bool json,
        TextWriter stdout, TextWriter stderr, bool showProgress, CancellationToken cancellationToken, bool fromMirror = false)
    {
        string target = Path.GetFullPath(output);
        if (File.Exists(target) || (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any()))
        {
            return RemoteAction.Fail(stderr, $"--out: {target} exists and is not an empty folder; choose a new folder.", ExitCodes.UsageOrInput);
        }

        TrustPolicy? policy = null;
        if (policyFile is not null)
        {
            try
            {
                policy = TrustPolicy.Parse(await File.ReadAllTextAsync(policyFile, cancellationToken).ConfigureAwait(false));
            }
            catch (NoteFormatException e)
            {
                return RemoteAction.Fail(stderr, $"--policy: {policyFile}: {e.Message}", ExitCodes.UsageOrInput);
            }
        }

        INoteVerifier? logKey = null;
        if (keyText is not null)
        {
            string text = File.Exists(keyText) ? (await File.ReadAllTextAsync(keyText, cancellationToken).ConfigureAwait(false)).Trim() : keyText;
            try
            {
                logKey = VerifierKeys.Parse(text);
            }
            catch (NoteFormatException e)
            {
                return RemoteAction.Fail(stderr, $"--key: not a verifier key (name+id+key) or a file holding one: {e.Message}", ExitCodes.UsageOrInput);
            }
        }

        using RecordFetcher fetcher = new(board, RemoteAction.Retry(timeout));
        RecordFetchOptions options = new() { Policy = policy, LogKey = logKey, WaitForCheckpoint = TimeSpan.FromSeconds(Math.Max(0, wait)), FromMirror = fromMirror };
        RecordFetchResult result = showProgress && !json
            ? await WithProgressAsync(stderr, progress => fetcher.FetchAsync(options with { Progress = progress }, cancellationToken)).ConfigureAwait(false)
            : await fetcher.FetchAsync(options with { Progress = showProgress ? null : new StageLines(stderr) }, cancellationToken).ConfigureAwait(false);
        if (result.Ok)
        {
            await RecordFetcher.WriteAsync(result, target, cancellationToken).ConfigureAwait(false);
        }

        if (json)
        {
            WriteJson(result, result.Ok ? target : null);
        }
        else
        {
            WriteHuman(stdout, result, target);
        }

        if (!result.Ok)
        {
            stderr.WriteLine($"error: {result.Failures.Count} check(s) failed; nothing was written to {target}.");
        }

        return result.Ok ? ExitCodes.Ok : ExitCodes.CheckFailed;
    }

    private static void WriteHuman(TextWriter o, RecordFetchResult r, string target)
    {
        string Count(long n) => n.ToString(CultureInfo.InvariantCulture);
        o.WriteLine($"board       {r.Board}");
        o.WriteLine($"checkpoint  {r.Checkpoint.Checkpoint.Origin} size {Count(r.Checkpoint.Checkpoint.Size)} root {r.Checkpoint.Checkpoint.Root.ToBase64()}");
        o.WriteLine($"policy      {r.PolicySource}{(r.PolicySource == "--policy" ? "" : " (pin it with --policy)")}");
        o.WriteLine($"witnesses   cosigned by {(r.Cosigners.Count == 0 ? "none" : string.Join(", ", r.Cosigners))}");
        o.WriteLine($"entries     {Count(r.Entries)} read, each proven included in the checkpoint");
        o.WriteLine($"artifacts   {Count(r.Artifacts)} fetched, each matching its entry's SHA-256{(r.Duplicates > 0 ? $"; {Count(r.Duplicates)} duplicate entr{(r.Duplicates == 1 ? "y" : "ies")} counted once" : "")}");
        if (r.Schedule is ScheduleReport schedule)
        {
            o.WriteLine($"schedule    {ScheduleLines.Summary(schedule)}");
            foreach (string line in ScheduleLines.Missed(schedule))
            {
                o.WriteLine($"  {line}");
            }
        }

        if (r.Record is ElectionRecord record)
        {
            int cast = record.Ballots.Count(b => b.State == BallotState.Cast);
            o.WriteLine($"record      {Count(record.Ballots.Count)} ballots ({Count(cast)} cast, {Count(record.Ballots.Count - cast)} challenged), {Count(record.Context.Guardians.Count)} guardians, {Count(record.Devices.Count)} device(s), {Count(record.Challenged.Count)} opening(s)");
            o.WriteLine($"written     {target}");
            o.WriteLine($"next        entente verify {target}");
            return;
        }

        o.WriteLine($"FAILED      {Count(r.Failures.Count)} check(s):");
        foreach (RecordFetchFailure failure in r.Failures)
        {
            o.WriteLine($"  {failure}");
        }
    }

    private static void WriteJson(RecordFetchResult r, string? written) => CliSupport.WriteJson(w =>
    {
        w.WriteStartObject();
        w.WriteString("board", r.Board.ToString());
        w.WriteBoolean("ok", r.Ok);
        w.WriteStartObject("checkpoint");
        w.WriteString("origin", r.Checkpoint.Checkpoint.Origin);
        w.WriteNumber("size", r.Checkpoint.Checkpoint.Size);
        w.WriteString("root", r.Checkpoint.Checkpoint.Root.ToBase64());
        w.WriteString("note", r.Checkpoint.Note.ToString());
        w.WriteEndObject();
        w.WriteString("policy", r.PolicySource);
        w.WriteStartArray("cosigned_by");
        foreach (string c in r.Cosigners)
        {
            w.WriteStringValue(c);
        }

        w.WriteEndArray();
        w.WriteNumber("entries", r.Entries);
        w.WriteNumber("artifacts", r.Artifacts);
        w.WriteNumber("duplicates", r.Duplicates);
        w.WriteStartObject("files");
        // Several parts go to one file (a decryption's commitments, reveals and responses are all partial_decryptions.json):
        // one member per file, counting every entry that went into it.
        foreach (IGrouping<string, KeyValuePair<RecordPart, int>> file in r.Files.GroupBy(f => ElectionRecordAssembler.FileOf(f.Key).TrimEnd('/'), StringComparer.Ordinal))
        {
            w.WriteNumber(file.Key, file.Sum(f => f.Value));
        }

        w.WriteEndObject();
        if (r.Schedule is ScheduleReport schedule)
        {
            w.WritePropertyName("schedule");
            using System.Text.Json.JsonDocument document = System.Text.Json.JsonDocument.Parse(schedule.ToJson());
            document.RootElement.WriteTo(w);
        }

        w.WriteStartArray("failures");
        foreach (RecordFetchFailure f in r.Failures)
        {
            w.WriteStartObject();
            if (f.Index is long i)
            {
                w.WriteNumber("index", i);
            }

            if (f.Sha256 is string h)
            {
                w.WriteString("sha256", h);
            }

            w.WriteString("what", f.What);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        if (written is not null)
        {
            w.WriteString("written", written);
        }

        w.WriteEndObject();
    });

    private static async Task<RecordFetchResult> WithProgressAsync(TextWriter stderr, Func<IProgress<RecordFetchProgress>, Task<RecordFetchResult>> run)
    {
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(stderr) });
        RecordFetchResult? result = null;
        await console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                Dictionary<string, ProgressTask> tasks = new(StringComparer.Ordinal)
                {
                    ["log"] = context.AddTask("Entries proven included"),
                    ["artifacts"] = context.AddTask("Artifacts fetched and checked"),
                };
                result = await run(new Progress<RecordFetchProgress>(p =>
                {
                    if (tasks.TryGetValue(p.Stage, out ProgressTask? task))
                    {
                        task.MaxValue = Math.Max(1, p.Total);
                        task.Value = p.Done;
                    }
                })).ConfigureAwait(false);
            }).ConfigureAwait(false);
        return result!;
    }

    /// <summary>Without a terminal: one line on standard error as each stage completes.</summary>
    private sealed class StageLines(TextWriter stderr) : IProgress<RecordFetchProgress>
    {
        private readonly Lock _lock = new();

        public void Report(RecordFetchProgress value)
        {
            if (value.Done == value.Total)
            {
                lock (_lock)
                {
                    stderr.WriteLine(value.Stage == "log"
                        ? $"progress: {value.Total.ToString(CultureInfo.InvariantCulture)} entries read and proven included"
                        : $"progress: {value.Total.ToString(CultureInfo.InvariantCulture)} artifacts fetched");
                }
            }
        }
    }
}
