using System.CommandLine;
using System.Globalization;
using Entente.Cluster;
using Entente.Verifier.Egk20;
using Entente.Verifier.Framework;
using Entente.Verifier.Native;
using Spectre.Console;

namespace Entente.Cli.Commands;

/// <summary>
/// <c>entente verify RECORD_DIR [--format native|egk] [--json] [--threads N] [--cluster dev|CONNSTRING [--silos N]
/// [--shard-size N] [--board URL]]</c>: the independent verifier. Runs every verification step of the specification on a published record and reports
/// each step with its number, its name, the objects checked and every failure. Exit 0 when every
/// step passes, 1 when any fails, 2 when the record cannot be read. With <c>--cluster</c> the ballots are verified in
/// shards on a Microsoft Orleans cluster (docs/cluster.md) and the report is the same, text and JSON.
/// </summary>
internal static class VerifyCommand
{
    public static Command Create()
    {
        Argument<DirectoryInfo> record = new("RECORD_DIR") { Description = "The election record directory." };
        Option<string> format = new("--format")
        {
            Description = "Record format: native (Entente, ElectionGuard 2.1) or egk (ElectionGuard 2.0, electionguard-kotlin JSON layout).",
            DefaultValueFactory = _ => "native",
        };
        format.AcceptOnlyFromAmong("native", "egk");
        Option<bool> json = new("--json") { Description = "Print the report as JSON for machines." };
        Option<int> threads = new("--threads")
        {
            Description = "Worker threads (default: one per processor).",
            DefaultValueFactory = _ => Environment.ProcessorCount,
        };
        threads.Validators.Add(result =>
        {
            // A value that is not a number is already a parse error; reading it here would throw.
            if (result.Tokens.Count == 1 && int.TryParse(result.Tokens[0].Value, System.Globalization.CultureInfo.InvariantCulture, out int n) && n < 1)
            {
                result.AddError("--threads must be at least 1.");
            }
        });

        Option<bool> allowToy = new("--allow-toy-groups")
        {
            Description = "Accept a native record on an insecure toy group of the specification's appendix (tests only; otherwise step 1 fails).",
        };

        Option<string> cluster = new("--cluster")
        {
            Description = "Verify the ballots on a Microsoft Orleans cluster: \"dev\" (silo processes started on loopback, see --silos) or the PostgreSQL connection string of a cluster's membership (silos started with `entente cluster silo --postgres`). The report is the same as without it.",
        };
        Option<int?> silos = new("--silos") { Description = "With --cluster dev: how many silo processes to start (default 2)." };
        silos.Validators.Add(result =>
        {
            if (result.Tokens.Count == 1 && int.TryParse(result.Tokens[0].Value, CultureInfo.InvariantCulture, out int n) && n is < 1 or > 64)
            {
                result.AddError("--silos must be between 1 and 64.");
            }
        });
        Option<FileInfo?> tlsCertificate = new("--tls-certificate")
        {
            Description = "With --cluster CONNSTRING: the cluster's certificate (PKCS#12 with its key; password in ENTENTE_CLUSTER_CERTIFICATE_PASSWORD), the one its silos were started with; connections are mutual TLS pinned to it. A dev cluster makes its own.",
        };
        Option<int> shardSize = new("--shard-size")
        {
            Description = "With --cluster: ballot files per shard (default 64).",
            DefaultValueFactory = _ => 64,
        };
        shardSize.Validators.Add(result =>
        {
            if (result.Tokens.Count == 1 && int.TryParse(result.Tokens[0].Value, CultureInfo.InvariantCulture, out int n) && n < 1)
            {
                result.AddError("--shard-size must be at least 1.");
            }
        });

        Option<Uri?> board = new("--board")
        {
            Description = "With --cluster: the URL of a board or mirror that holds the record; the silos fetch each file from it by the SHA-256 record.json lists (GET /blobs, /blob/{sha256}) instead of reading RECORD_DIR, so they need no shared disk. RECORD_DIR is the coordinator's copy (as `entente record fetch` writes it).",
            CustomParser = result =>
            {
                string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
                if (Uri.TryCreate(text, UriKind.Absolute, out Uri? uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
                {
                    return uri;
                }

                result.AddError($"--board must be an http or https URL, not \"{text}\".");
                return null;
            },
        };

        Command command = new("verify", "Verify an election record independently: every ElectionGuard verification step, every failure.")
        {
            record,
            format,
            json,
            threads,
            allowToy,
            cluster,
            silos,
            tlsCertificate,
            shardSize,
            board,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            string directory = parseResult.GetValue(record)!.FullName;
            bool toy = parseResult.GetValue(allowToy);
            if (parseResult.GetValue(cluster) is not { } on)
            {
                if (parseResult.GetValue(board) is not null)
                {
                    Console.Error.WriteLine("error: --board is for --cluster (the silos read the record from the board; without a cluster, `entente record fetch` it, then verify the folder). See `entente verify --help`.");
                    return ExitCodes.UsageOrInput;
                }

                return Run(directory, parseResult.GetValue(format)!, parseResult.GetValue(json), parseResult.GetValue(threads), Console.Out, Console.Error, showProgress: !Console.IsErrorRedirected, allowToyGroups: toy);
            }

            if (parseResult.GetValue(silos) is not null && on != "dev")
            {
                Console.Error.WriteLine("error: --silos is for --cluster dev (a PostgreSQL cluster runs the silos that were started for it). See `entente verify --help`.");
                return ExitCodes.UsageOrInput;
            }

            if (parseResult.GetValue(tlsCertificate) is not null && on == "dev")
            {
                Console.Error.WriteLine("error: --tls-certificate is for --cluster CONNSTRING (a dev cluster makes a throwaway certificate of its own). See `entente verify --help`.");
                return ExitCodes.UsageOrInput;
            }

            if (parseResult.GetValue(format) == "egk")
            {
                Console.Error.WriteLine("error: --cluster verifies native records only (--format native). See `entente verify --help`.");
                return ExitCodes.UsageOrInput;
            }

            ClusterSession session;
            try
            {
                session = await ClusterSession.StartAsync(on, parseResult.GetValue(silos) ?? 2, parseResult.GetValue(tlsCertificate)?.FullName, directory, parseResult.GetValue(board), parseResult.GetValue(shardSize), toy, Console.Error, cancellationToken).ConfigureAwait(false);
            }
            catch (ClusterUnavailableException e)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return ExitCodes.UsageOrInput;
            }

            await using (session.ConfigureAwait(false))
            {
                // The verification blocks on the cluster's answers: keep it off the caller's synchronization context.
                int code;
                try
                {
                    code = await Task.Run(
                        () => Run(directory, "native", parseResult.GetValue(json), parseResult.GetValue(threads), Console.Out, Console.Error, showProgress: !Console.IsErrorRedirected, allowToyGroups: toy, shards: session.Runner),
                        cancellationToken).ConfigureAwait(false);
                }
                catch (ClusterRunException e)
                {
                    Console.Error.WriteLine($"error: the cluster could not finish the verification: {e.Message}");
                    return ExitCodes.UsageOrInput;
                }

                await session.Runner.ForgetAsync(cancellationToken).ConfigureAwait(false);
                if (session.Runner.Retries > 0)
                {
                    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cluster: {session.Runner.Retries} shard attempt(s) failed (a silo stopped or did not answer) and were verified again on another grain; each shard is counted once."));
                }

                if (session.Runner.Rebuilds > 0)
                {
                    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cluster: the partitions of the whole-record checks were fed again {session.Runner.Rebuilds} time(s) (a silo holding some of them stopped)."));
                }

                return code;
            }
        });
        return command;
    }

    /// <summary>Runs a verification and writes the report; returns the exit code.</summary>
    internal static int Run(string directory, string format, bool json, int threads, TextWriter output, TextWriter error, bool showProgress, VerificationMemo? memo = null, bool allowToyGroups = false, IBallotShardRunner? shards = null)
    {
        IAnsiConsole errorConsole = CreateConsole(error, interactive: showProgress);
        Func<string, VerificationOptions, VerificationReport> verify = format == "egk"
            ? Egk20Verifier.Verify
            : NativeVerifier.Verify;
        VerificationReport report;
        try
        {
            VerificationOptions options = new() { Threads = threads, Memo = memo, AllowToyGroups = allowToyGroups, Shards = shards };
            report = showProgress && !json
                ? WithProgress(errorConsole, progress => verify(directory, options with { Progress = progress }))
                : verify(directory, options);
        }
        catch (RecordInputException e)
        {
            return InputError(format, directory, e, json, output, errorConsole);
        }

        if (json)
        {
            output.WriteLine(VerificationReportJson.Serialize(report));
        }
        else
        {
            WriteHuman(CreateConsole(output, interactive: false), report);
        }

        return report.Passed ? ExitCodes.Ok : ExitCodes.CheckFailed;
    }

    private static int InputError(string format, string directory, RecordInputException e, bool json, TextWriter output, IAnsiConsole errorConsole)
    {
        if (json)
        {
            output.WriteLine(VerificationReportJson.SerializeInputError(format, directory, e));
        }

        errorConsole.MarkupLine($"[red]error:[/] the record cannot be read: {Markup.Escape(e.File)}: {Markup.Escape(e.Reason)}");
        return ExitCodes.UsageOrInput;
    }

    private static VerificationReport WithProgress(IAnsiConsole console, Func<IProgress<VerificationProgress>, VerificationReport> run)
    {
        VerificationReport? report = null;
        console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                StageProgress progress = new(context);
                report = run(progress);
                progress.CompleteAll();
            });
        return report!;
    }

    /// <summary>One bar per stage of the verification, updated from worker threads (ProgressTask is thread-safe).</summary>
    private sealed class StageProgress(ProgressContext context) : IProgress<VerificationProgress>
    {
        private readonly Dictionary<string, ProgressTask> _tasks = new(StringComparer.Ordinal);
        private readonly Lock _lock = new();

        public void Report(VerificationProgress value)
        {
            ProgressTask task;
            lock (_lock)
            {
                if (!_tasks.TryGetValue(value.Stage, out task!))
                {
                    task = context.AddTask(value.Stage);
                    _tasks.Add(value.Stage, task);
                }
            }

            task.MaxValue = Math.Max(1, value.Total);
            task.Value = value.Done;
        }

        public void CompleteAll()
        {
            lock (_lock)
            {
                foreach (ProgressTask task in _tasks.Values)
                {
                    task.Value = task.MaxValue;
                }
            }
        }
    }

    /// <summary>The human report: a summary table, then every failure and note.</summary>
    internal static void WriteHuman(IAnsiConsole console, VerificationReport report)
    {
        console.WriteLine($"{report.Specification} verification of {report.Record} (format {report.Format})");
        Table table = new Table().Border(TableBorder.Simple)
            .AddColumn("Step")
            .AddColumn("Name")
            .AddColumn(new TableColumn("Checked").RightAligned())
            .AddColumn(new TableColumn("Failures").RightAligned())
            .AddColumn("Result");
        foreach (StepResult step in report.Steps)
        {
            table.AddRow(
                Markup.Escape(step.Number),
                Markup.Escape(step.Name),
                step.Checked.ToString(CultureInfo.InvariantCulture),
                step.Failures.Count.ToString(CultureInfo.InvariantCulture),
                step.Passed ? "[green]pass[/]" : "[red]FAIL[/]");
        }

        console.Write(table);
        foreach (StepResult step in report.Steps.Where(s => !s.Passed))
        {
            console.WriteLine();
            console.MarkupLine($"[red]Step {Markup.Escape(step.Number)} ({Markup.Escape(step.Name)}): {step.Failures.Count} failure(s)[/]");
            foreach (VerificationFailure failure in step.Failures)
            {
                console.WriteLine($"  {failure}");
            }
        }

        if (report.Notes.Count > 0)
        {
            console.WriteLine();
            console.WriteLine("Notes:");
            foreach (string note in report.Notes)
            {
                console.WriteLine($"  {note}");
            }
        }

        foreach (StepResult step in report.Steps)
        {
            foreach (string note in step.Notes.Where(n => !report.Notes.Contains(n)))
            {
                console.WriteLine($"  step {step.Number}: {note}");
            }
        }

        console.WriteLine();
        long failures = report.Steps.Sum(s => (long)s.Failures.Count);
        console.MarkupLine(report.Passed
            ? $"[green]Verified: all {report.Steps.Count} steps pass.[/]"
            : $"[red]NOT verified: {failures} failure(s) in {report.Steps.Count(s => !s.Passed)} step(s).[/]");
    }

    private static IAnsiConsole CreateConsole(TextWriter writer, bool interactive)
    {
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = interactive ? InteractionSupport.Yes : InteractionSupport.No,
        });
        if (!interactive)
        {
            // Redirected output (files, pipes, tests): one failure per line, never wrapped, so that
            // tools can grep the report.
            console.Profile.Width = 4096;
        }

        return console;
    }
}
