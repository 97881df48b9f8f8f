using System.Globalization;
using Spectre.Console;

namespace Entente.Cli.Commands.Demo;

/// <summary>Shows <see cref="JointElectionDemo"/>: a progress bar per stage, then the summary, then the board's pages.</summary>
internal static class DemoRunner
{
    public static async Task<int> RunAsync(DemoOptions options, bool serve, TextWriter output, bool interactive, CancellationToken ct)
    {
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Interactive = interactive ? InteractionSupport.Yes : InteractionSupport.No,
            Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
        });
        console.MarkupLine($"Entente joint election demo in [bold]{Markup.Escape(options.Directory)}[/]");
        console.MarkupLine($"Group {Markup.Escape(options.Group.Name)}, {options.Guardians} guardians (quorum {options.Quorum}), {options.Ballots} ballots of which {options.ChallengedCount} challenged, {options.Devices} device(s).");
        console.MarkupLine("The board, each party's witness and every party's step run as separate entente processes against the board over HTTP.");
        JointElectionDemo.DemoRun run;
        try
        {
            run = interactive ? await WithProgressAsync(console, options, ct) : await RunPlainAsync(console, options, ct);
        }
        catch (ArgumentException e)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
            return ExitCodes.UsageOrInput;
        }
        catch (DemoStepException e)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
            console.MarkupLine($"The demo's folder is left as it was: {Markup.Escape(options.Directory)}");
            return ExitCodes.CheckFailed;
        }

        using (run)
        {
            DemoResult result = run.Result;
            WriteSummary(console, result);
            if (!result.Verified)
            {
                return ExitCodes.CheckFailed;
            }

            if (serve)
            {
                console.MarkupLine($"Serving the board and its pages at [link]{Markup.Escape(result.BoardUrl)}[/] (Ctrl-C to stop; `entente serve --dir {Markup.Escape(result.Directory)}` serves them again).");
                try
                {
                    await run.Board.WaitForExitAsync(ct);
                }
                catch (OperationCanceledException)
                {
                    // Ctrl-C: the board and the witnesses stop with the run.
                }
            }
        }

        return ExitCodes.Ok;
    }

    private static async Task<JointElectionDemo.DemoRun> RunPlainAsync(IAnsiConsole console, DemoOptions options, CancellationToken ct)
    {
        Progress report = new(p =>
        {
            if (p.Finished)
            {
                console.MarkupLine($"[green]✓[/] {Markup.Escape(p.Stage)}");
            }
        });
        return await JointElectionDemo.RunAsync(options, report, ct);
    }

    private static async Task<JointElectionDemo.DemoRun> WithProgressAsync(IAnsiConsole console, DemoOptions options, CancellationToken ct)
    {
        JointElectionDemo.DemoRun? run = null;
        await console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                Dictionary<string, ProgressTask> tasks = new(StringComparer.Ordinal);
                Lock gate = new();
                Progress report = new(p =>
                {
                    lock (gate)
                    {
                        if (!tasks.TryGetValue(p.Stage, out ProgressTask? task))
                        {
                            task = tasks[p.Stage] = context.AddTask(Markup.Escape(p.Stage));
                        }

                        if (task.IsFinished)
                        {
                            return;
                        }

                        // A stage with no measure of its work (one process that reports nothing) shows as under way, not at 0 %.
                        task.IsIndeterminate = p.Total == 0 && !p.Finished;
                        task.MaxValue = Math.Max(1, p.Total);
                        task.Value = p.Finished ? task.MaxValue : Math.Min(p.Done, p.Total);
                        if (p.Finished)
                        {
                            // Its clock stops when the stage ends.
                            task.StopTask();
                        }
                    }
                });
                try
                {
                    run = await JointElectionDemo.RunAsync(options, report, ct);
                }
                finally
                {
                    lock (gate)
                    {
                        foreach (ProgressTask task in tasks.Values.Where(t => !t.IsFinished))
                        {
                            task.IsIndeterminate = false;
                            task.StopTask();
                        }
                    }
                }
            });
        return run!;
    }

    private static void WriteSummary(IAnsiConsole console, DemoResult result)
    {
        Table stages = new Table().Title("Stages").AddColumn("Stage").AddColumn(new TableColumn("Seconds").RightAligned()).AddColumn("Outcome");
        foreach (DemoStage stage in result.Stages)
        {
            stages.AddRow(Markup.Escape(stage.Name), stage.Elapsed.TotalSeconds.ToString("F2", CultureInfo.InvariantCulture), Markup.Escape(stage.Outcome));
        }

        console.Write(stages);
        foreach (DemoContestResult contest in result.Contests)
        {
            Table table = new Table().Title($"Contest {contest.Index}: {Markup.Escape(contest.Label)}").AddColumn("Option").AddColumn(new TableColumn("Votes").RightAligned());
            foreach (DemoOptionResult option in contest.Options)
            {
                table.AddRow(Markup.Escape(option.Label), option.Votes.ToString(CultureInfo.InvariantCulture));
            }

            console.Write(table);
        }

        console.MarkupLine($"Guardians: {string.Join(", ", result.Guardians.Select(g => $"{g.Index} {g.Party}{(g.Decrypted ? " (decrypted)" : "")}"))}; quorum {result.Quorum}.");
        console.MarkupLine($"Ballots: {result.BallotsCast} cast, {result.BallotsChallenged} challenged and opened.");
        console.MarkupLine($"Processes: {result.Processes} entente processes (the board, two witnesses, every party's step).");
        console.MarkupLine(result.RecordFailures.Count == 0
            ? $"[green]Record verified[/] (fetched from the board by `entente record fetch`): {string.Join(" ", result.RecordSteps.Select(s => $"V{s.Number}"))} pass. Check it yourself: [bold]entente verify {Markup.Escape(result.RecordDirectory)}[/]{(result.GroupName == "standard" ? "" : " --allow-toy-groups")}"
            : $"[red]Record verification failed ({result.RecordFailures.Count}):[/]");
        foreach (string failure in result.RecordFailures.Take(20))
        {
            console.MarkupLine($"  [red]✗[/] {Markup.Escape(failure)}");
        }

        console.MarkupLine(result.LogFailures.Count == 0
            ? "[green]Log verified[/] by `entente log verify` (log signature, both parties' witnesses under the witness policy, inclusion of every entry)."
            : $"[red]Log verification failed ({result.LogFailures.Count}):[/]");
        foreach (string failure in result.LogFailures.Take(20))
        {
            console.MarkupLine($"  [red]✗[/] {Markup.Escape(failure)}");
        }

        if (result.CheckpointRoot.Length > 0)
        {
            console.MarkupLine($"Log: {result.LogSize} entries, checkpoint root {result.CheckpointRoot[..16]}… cosigned by {Markup.Escape(string.Join(" and ", result.CheckpointCosigners))}.");
        }

        if (result.AuditSeed is not null)
        {
            console.MarkupLine($"Audit: seed {result.AuditSeed[..16]}… committed and revealed by Blue and Red on the board.");
        }

        if (result.Audit is { } audit)
        {
            console.MarkupLine(audit.Confirmed
                ? $"[green]Risk-limiting audit: every reported winner confirmed[/] at risk limit {audit.RiskLimit:P0} by {audit.Draws} draws ({audit.Rounds.Sum(r => r.Ballots)} paper ballots read) in {audit.Rounds.Count} round(s)."
                : $"[yellow]Risk-limiting audit: not confirmed[/] after {audit.Draws} draws in {audit.Rounds.Count} round(s): a full hand count would follow.");
            foreach (DemoAuditRound round in audit.Rounds)
            {
                console.MarkupLine(Markup.Escape($"  Round {round.Number}: {round.Ballots} ballots read; " + string.Join("; ", round.Contests.Select(c => $"{c.Contest} risk {c.Risk:0.0000} ({c.Decision.Replace('_', ' ')})"))));
            }

            console.MarkupLine(Markup.Escape($"  The risk is the chance that an audit this strong would have confirmed a wrong reported winner; report: {audit.Report}"));
        }

        if (result.Incidents.Count > 0)
        {
            console.MarkupLine($"[bold]Incident exchange[/]: {result.ExchangeMessages} signed messages through the board's TAXII server, each on the board log.");
            foreach (DemoIncident incident in result.Incidents)
            {
                console.MarkupLine($"  {Markup.Escape(incident.Subject)}");
                console.MarkupLine($"    {Markup.Escape($"{incident.Requester} → {incident.Recipient}")}: [bold]{Markup.Escape(incident.Status)}[/]{(incident.Detail is null ? "" : " — " + Markup.Escape(incident.Detail))}");
            }

            console.MarkupLine(result.ExchangeFailures.Count == 0
                ? "[green]Incident messages verified[/] by `entente incident show` (envelope signature, board entry, inclusion, witnessed checkpoint)."
                : $"[red]Incident message verification failed ({result.ExchangeFailures.Count}):[/]");
            foreach (string failure in result.ExchangeFailures.Take(20))
            {
                console.MarkupLine($"  [red]✗[/] {Markup.Escape(failure)}");
            }
        }

        console.MarkupLine($"Record: [bold]{Markup.Escape(result.RecordDirectory)}[/]; board data: {Markup.Escape(result.BoardDirectory)}.");
        console.MarkupLine(result.Verified ? "[green bold]Demo election verified.[/]" : "[red bold]Demo election did NOT verify.[/]");
    }

    private sealed class Progress(Action<DemoProgress> report) : IProgress<DemoProgress>
    {
        public void Report(DemoProgress value) => report(value);
    }
}
