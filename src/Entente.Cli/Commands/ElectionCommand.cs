using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Entente.Cli.Commands.Election;
using Entente.Cryptography;
using Entente.Election.Board;
using Entente.Election.Decryption;
using Entente.Election.KeyCeremony;
using Entente.Election.Manifest;
using Entente.Election.Parameters;
using Entente.Election.Record;
using Spectre.Console;

namespace Entente.Cli.Commands;

/// <summary>
/// <c>entente election init | key | simulate</c>: publish the manifest and parameters of an election to its shared place
/// (a ceremony folder or a board), publish the joint key once the guardians approved, or run a whole ElectionGuard 2.1
/// election locally and write its record (docs/record-format.md).
/// </summary>
internal static class ElectionCommand
{
    public static Command Create()
    {
        Command command = new("election", "ElectionGuard 2.1 elections: start one on a ceremony folder or a board, publish its joint key, or simulate a whole election.");
        command.Subcommands.Add(CreateInit());
        command.Subcommands.Add(CreateKey());
        command.Subcommands.Add(CreateSimulate());
        return command;
    }

    private static Option<string> GroupOption() => new("--group")
    {
        Description = "Parameter set: standard (4096-bit, the default), reduced (3072-bit) or tiny (insecure, tests only).",
        DefaultValueFactory = _ => "standard",
    };

    private static Command CreateInit()
    {
        Option<FileInfo> manifest = new("--manifest") { Description = "The election manifest (JSON, 2.1 serialization draft).", Required = true };
        Option<int> guardians = new("--guardians") { Description = "Number of guardians n.", Required = true };
        Option<int> quorum = new("--quorum") { Description = "Quorum k: any k guardians can decrypt (1 ≤ k ≤ n).", Required = true };
        Option<string> group = GroupOption();
        ElectionPlaceOptions place = new("The ceremony folder to create (shared by all guardians).", "--out");
        Option<bool> json = new("--json") { Description = "Print a JSON summary." };
        Command command = new("init", "Publish the canonical manifest and the parameters (H_P, H_B) every guardian starts from; on a board each party runs it with the same inputs and signs in turn.");
        command.Options.Add(manifest);
        command.Options.Add(guardians);
        command.Options.Add(quorum);
        command.Options.Add(group);
        place.AddTo(command);
        command.Options.Add(json);
        command.SetAction(async (parseResult, ct) =>
        {
            if (!CliSupport.TryGroup(parseResult.GetValue(group)!, out Group g))
            {
                return ExitCodes.UsageOrInput;
            }

            ElectionManifest m = await ManifestReader.ReadFileAsync(parseResult.GetValue(manifest)!.FullName, ct);
            ElectionParameters parameters = ElectionParameters.Create(g, m, parseResult.GetValue(guardians), parseResult.GetValue(quorum));
            using ElectionPlace opened = place.Open(parseResult);
            (Publication manifestPublication, Publication parametersPublication) = await KeyCeremonySteps.InitializeAsync(opened.Board, parameters, ct);
            if (parseResult.GetValue(json))
            {
                CliSupport.WriteJson(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("place", opened.Board.Location);
                    w.WriteString("h_p", parameters.ParameterBaseHash.ToHex());
                    w.WriteString("h_b", parameters.ElectionBaseHash.ToHex());
                    CliSupport.WritePublication(w, "manifest", manifestPublication);
                    CliSupport.WritePublication(w, "parameters", parametersPublication);
                    w.WriteEndObject();
                });
            }
            else
            {
                AnsiConsole.MarkupLine($"Election at [bold]{Markup.Escape(opened.Board.Location)}[/]: n = {parameters.GuardianCount}, k = {parameters.Quorum}, group {parameters.Group.Name}.");
                AnsiConsole.MarkupLine($"H_B = {parameters.ElectionBaseHash.ToHex()}");
                AnsiConsole.MarkupLine($"manifest: {Markup.Escape(manifestPublication.Describe())}; parameters: {Markup.Escape(parametersPublication.Describe())}.");
                AnsiConsole.MarkupLine(parametersPublication.IsComplete
                    ? "Next: each guardian runs [bold]entente guardian keygen[/]."
                    : "Next: every other party runs the same [bold]entente election init[/] to sign; then each guardian runs [bold]entente guardian keygen[/].");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateKey()
    {
        ElectionPlaceOptions place = new("The ceremony folder.");
        Option<bool> json = new("--json") { Description = "Print a JSON summary." };
        Command command = new("key", "Publish the joint election key (election.json: K, K̂, H_G, H_E) computed from the guardian keys once every guardian approved; on a board each party runs it and signs in turn (guardian approve already does it for the party of the last approval).");
        place.AddTo(command);
        command.Options.Add(json);
        command.SetAction(async (parseResult, ct) =>
        {
            using ElectionPlace opened = place.Open(parseResult);
            (ElectionContext context, Publication publication) = await KeyCeremonySteps.PublishElectionKeyAsync(opened.Board, ct);
            if (parseResult.GetValue(json))
            {
                CliSupport.WriteJson(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("h_g", context.GuardianRecordHash.ToHex());
                    w.WriteString("h_e", context.ExtendedBaseHash.ToHex());
                    CliSupport.WritePublication(w, "election", publication);
                    w.WriteEndObject();
                });
            }
            else
            {
                AnsiConsole.MarkupLine($"Joint key H_E = {context.ExtendedBaseHash.ToHex()}: {Markup.Escape(publication.Describe())}.");
                AnsiConsole.MarkupLine(publication.IsComplete ? "Next: devices run [bold]entente encrypt[/]." : "Next: every other party runs [bold]entente election key[/] to sign.");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateSimulate()
    {
        Option<FileInfo> manifest = new("--manifest") { Description = "The election manifest (JSON).", Required = true };
        Option<int> guardians = new("--guardians") { Description = "Number of guardians n.", Required = true };
        Option<int> quorum = new("--quorum") { Description = "Quorum k (1 ≤ k ≤ n).", Required = true };
        Option<int> ballots = new("--ballots") { Description = "Number of ballots B (random valid plaintexts).", Required = true };
        Option<int> challenged = new("--challenged") { Description = "How many of the B ballots are challenged (0 ≤ C ≤ B).", DefaultValueFactory = _ => 0 };
        Option<string?> chaining = new("--chaining") { Description = "Confirmation-code chaining: none or simple (overrides the manifest)." };
        Option<string> group = GroupOption();
        Option<DirectoryInfo> output = new("--out") { Description = "Folder to write the record to (must not exist or be empty).", Required = true };
        Option<int?> seed = new("--seed") { Description = "Seed for the random plaintext ballots (cryptographic randomness is never seeded)." };
        Option<string?> decryptWith = new("--decrypt-with") { Description = "Comma-separated guardian indices that decrypt (default 1..k)." };
        Option<int> decryptContestData = new("--decrypt-contest-data")
        {
            Description = "Also decrypt, with the tally's guardians and a proof, the contest data (write-ins) of the first N cast ballots that carry it, into contest_data/ (default 0: none; it links the text to a ballot).",
            DefaultValueFactory = _ => 0,
        };
        Option<int> preEncrypted = new("--pre-encrypted")
        {
            Description = "Also print N pre-encrypted ballots (spec 2.1 §4, short codes hex4) on the tool \"printer-1\"; with --challenged C > 0, round(N·C/B) of them (at least 1) stay uncast and are opened in uncast/, "
                + "the rest are marked at random and recorded as cast (default 0).",
            DefaultValueFactory = _ => 0,
        };
        Option<bool> json = new("--json") { Description = "Print a JSON summary instead of progress and tables." };
        Command command = new("simulate", "Run a whole election locally (key ceremony, random ballots, tally, decryption, challenged ballots) and write its record.");
        foreach (Option option in new Option[] { manifest, guardians, quorum, ballots, challenged, chaining, group, output, seed, decryptWith, decryptContestData, preEncrypted, json })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parseResult, ct) =>
        {
            if (!CliSupport.TryGroup(parseResult.GetValue(group)!, out Group g))
            {
                return ExitCodes.UsageOrInput;
            }

            ElectionManifest m = await ManifestReader.ReadFileAsync(parseResult.GetValue(manifest)!.FullName, ct);
            string? chainingValue = parseResult.GetValue(chaining);
            if (chainingValue is not null)
            {
                if (chainingValue is not ("none" or "simple"))
                {
                    Console.Error.WriteLine($"error: --chaining must be none or simple, not '{chainingValue}'.");
                    return ExitCodes.UsageOrInput;
                }

                m = ManifestReader.WithChainingMode(m, chainingValue == "simple" ? ChainingMode.Simple : ChainingMode.None);
            }

            int n = parseResult.GetValue(guardians);
            int k = parseResult.GetValue(quorum);
            int b = parseResult.GetValue(ballots);
            int c = parseResult.GetValue(challenged);
            if (b < 0 || c < 0 || c > b)
            {
                Console.Error.WriteLine($"error: need --ballots ≥ 0 and 0 ≤ --challenged ≤ --ballots (got {b} and {c}).");
                return ExitCodes.UsageOrInput;
            }

            int contestData = parseResult.GetValue(decryptContestData);
            if (contestData < 0)
            {
                Console.Error.WriteLine($"error: --decrypt-contest-data must be a number of cast ballots ≥ 0 (got {contestData}).");
                return ExitCodes.UsageOrInput;
            }

            if (contestData > 0 && m.Contests.All(x => x.ContestDataBlocks == 0))
            {
                Console.Error.WriteLine("error: --decrypt-contest-data: the manifest has no contest with contest data (contest_data_blocks), so there is nothing to decrypt.");
                return ExitCodes.UsageOrInput;
            }

            int pre = parseResult.GetValue(preEncrypted);
            if (pre < 0)
            {
                Console.Error.WriteLine($"error: --pre-encrypted must be a number of ballots ≥ 0 (got {pre}).");
                return ExitCodes.UsageOrInput;
            }

            int[]? subset = null;
            if (parseResult.GetValue(decryptWith) is { } list)
            {
                try
                {
                    subset = [.. list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
                }
                catch (FormatException)
                {
                    Console.Error.WriteLine($"error: --decrypt-with must list guardian numbers such as 1,3 (got '{list}').");
                    return ExitCodes.UsageOrInput;
                }
            }

            ElectionParameters.Create(g, m, n, k); // usage errors before any work
            Random random = parseResult.GetValue(seed) is int s ? new Random(s) : new Random();
            string outDir = parseResult.GetValue(output)!.FullName;
            if (Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any())
            {
                Console.Error.WriteLine($"error: {outDir}: the output folder exists and is not empty; choose a new folder.");
                return ExitCodes.UsageOrInput;
            }

            bool quiet = parseResult.GetValue(json);
            Stopwatch watch = Stopwatch.StartNew();
            SimulationSummary summary = quiet
                ? await ElectionSimulator.RunToDirectoryAsync(m, g, n, k, b, c, random, outDir, subset, decryptContestData: contestData, preEncrypted: pre, cancellationToken: ct)
                : await RunWithProgressAsync(m, g, n, k, b, c, random, outDir, subset, contestData, pre, ct);
            if (summary.SelfCheckFailures.Count > 0)
            {
                foreach (string failure in summary.SelfCheckFailures)
                {
                    Console.Error.WriteLine("self-check failed: " + failure);
                }

                return ExitCodes.CheckFailed;
            }

            watch.Stop();
            if (quiet)
            {
                WriteSummaryJson(summary, outDir, watch.Elapsed);
            }
            else
            {
                WriteSummary(summary, outDir, watch.Elapsed);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task<SimulationSummary> RunWithProgressAsync(ElectionManifest m, Group g, int n, int k, int b, int c, Random random, string outDir, int[]? subset, int contestData, int preEncrypted, CancellationToken ct)
    {
        SimulationSummary? summary = null;
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                Dictionary<string, ProgressTask> tasks = [];
                Progress<SimulationProgress> progress = new(p =>
                {
                    lock (tasks)
                    {
                        if (!tasks.TryGetValue(p.Phase, out ProgressTask? task))
                        {
                            task = context.AddTask(p.Phase, maxValue: Math.Max(1, p.Total));
                            tasks[p.Phase] = task;
                        }

                        task.Value = Math.Max(task.Value, p.Done);
                    }
                });
                summary = await ElectionSimulator.RunToDirectoryAsync(m, g, n, k, b, c, random, outDir, subset, new SynchronousProgress(progress), decryptContestData: contestData, preEncrypted: preEncrypted, cancellationToken: ct);
                lock (tasks)
                {
                    foreach (ProgressTask task in tasks.Values)
                    {
                        task.Value = task.MaxValue;
                    }
                }
            });
        return summary!;
    }

    private sealed class SynchronousProgress(IProgress<SimulationProgress> inner) : IProgress<SimulationProgress>
    {
        public void Report(SimulationProgress value) => inner.Report(value);
    }

    private static void WriteSummary(SimulationSummary record, string outDir, TimeSpan elapsed)
    {
        ElectionManifest manifest = record.Context.Parameters.Manifest;
        AnsiConsole.MarkupLine($"[green]Record written[/] to [bold]{Markup.Escape(outDir)}[/] in {elapsed.TotalSeconds:F1} s; self-check passed.");
        AnsiConsole.MarkupLine($"H_E = {record.Context.ExtendedBaseHash.ToHex()}; decrypted by guardians {string.Join(", ", record.Tally.Guardians)}.");
        if (record.ContestDataDecrypted > 0)
        {
            AnsiConsole.MarkupLine($"Contest data of {record.ContestDataDecrypted} cast ballot(s) decrypted with proofs into contest_data/.");
        }

        if (record.PreEncryptedCast + record.PreEncryptedUncast > 0)
        {
            AnsiConsole.MarkupLine($"Pre-encrypted ballots: {record.PreEncryptedCast} marked and cast (counted above), {record.PreEncryptedUncast} uncast and opened in uncast/.");
        }

        Table table = new Table().AddColumn("contest").AddColumn("option").AddColumn(new TableColumn("votes").RightAligned());
        foreach (DecryptedContest contest in record.Tally.Contests)
        {
            Contest definition = manifest.Contests[contest.ContestIndex - 1];
            foreach (DecryptedOption option in contest.Options)
            {
                table.AddRow(Markup.Escape(definition.Label), Markup.Escape(definition.Options[option.OptionIndex - 1].Label), option.Value.ToString(CultureInfo.InvariantCulture));
            }
        }

        AnsiConsole.Write(table);
    }

    private static void WriteSummaryJson(SimulationSummary record, string outDir, TimeSpan elapsed)
    {
        ElectionManifest manifest = record.Context.Parameters.Manifest;
        CliSupport.WriteJson(w =>
        {
            w.WriteStartObject();
            w.WriteString("out", outDir);
            w.WriteString("format", "entente-eg-record/1");
            w.WriteString("group", record.Context.Group.Name);
            w.WriteNumber("guardians", record.Context.Parameters.GuardianCount);
            w.WriteNumber("quorum", record.Context.Parameters.Quorum);
            w.WriteStartArray("decrypted_by");
            foreach (int i in record.Tally.Guardians)
            {
                w.WriteNumberValue(i);
            }

            w.WriteEndArray();
            w.WriteNumber("ballots_cast", record.BallotsCast);
            w.WriteNumber("ballots_challenged", record.BallotsChallenged);
            if (record.ContestDataDecrypted > 0)
            {
                w.WriteNumber("contest_data_decrypted", record.ContestDataDecrypted);
            }

            if (record.PreEncryptedCast + record.PreEncryptedUncast > 0)
            {
                w.WriteNumber("pre_encrypted_cast", record.PreEncryptedCast);
                w.WriteNumber("pre_encrypted_uncast", record.PreEncryptedUncast);
            }

            w.WriteString("chaining_mode", manifest.ChainingMode == ChainingMode.Simple ? "simple" : "none");
            w.WriteString("h_b", record.Context.Parameters.ElectionBaseHash.ToHex());
            w.WriteString("h_e", record.Context.ExtendedBaseHash.ToHex());
            w.WriteBoolean("self_check_passed", true);
            w.WriteNumber("seconds", Math.Round(elapsed.TotalSeconds, 3));
            w.WriteStartArray("tally");
            foreach (DecryptedContest contest in record.Tally.Contests)
            {
                Contest definition = manifest.Contests[contest.ContestIndex - 1];
                w.WriteStartObject();
                w.WriteNumber("index", contest.ContestIndex);
                w.WriteString("label", definition.Label);
                w.WriteStartArray("options");
                foreach (DecryptedOption option in contest.Options)
                {
                    w.WriteStartObject();
                    w.WriteNumber("index", option.OptionIndex);
                    w.WriteString("label", definition.Options[option.OptionIndex - 1].Label);
                    w.WriteNumber("value", option.Value);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });
    }
}
