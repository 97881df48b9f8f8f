using System.Globalization;
using Entente.Server.Demo;
using Microsoft.Extensions.Hosting;
using Spectre.Console;

namespace Entente.Cli.Commands.Demo;

/// <summary>Shows <see cref="JointElectionDemo"/>: a progress bar per stage, then the summary, then the pages.</summary>
internal static class DemoRunner
{
    public static async Task<int> RunAsync(DemoOptions options, bool serve, int port, TextWriter output, bool interactive, CancellationToken ct)
    {
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Interactive = interactive ? InteractionSupport.Yes : InteractionSupport.No,
            Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
        });
        console.MarkupLine($"Entente joint election demo in [bold]{Markup.Escape(options.Directory)}[/]");
        console.MarkupLine($"Group {Markup.Escape(options.Group.Name)}, {options.Guardians} guardians (quorum {options.Quorum}), {options.Ballots} ballots of which {options.ChallengedCount} challenged.");
        DemoResult result;
        try
        {
            result = interactive ? await WithProgressAsync(console, options, ct) : await RunPlainAsync(console, options, ct);
        }
        catch (ArgumentException e)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
            return ExitCodes.UsageOrInput;
        }

        WriteSummary(console, result);
        if (!result.Verified)
        {
            return ExitCodes.CheckFailed;
        }

        if (serve)
        {
            await using Microsoft.AspNetCore.Builder.WebApplication site = await DemoSite.BuildAsync(result, $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}", ct);
            await site.StartAsync(ct);
            console.MarkupLine($"Serving the board and its pages at [link]http://127.0.0.1:{port}/[/] (Ctrl-C to stop).");
            // The host's console lifetime turns Ctrl-C and SIGTERM into a shutdown of the site.
            await site.WaitForShutdownAsync(ct);
        }

        return ExitCodes.Ok;
    }

    private static async Task<DemoResult> RunPlainAsync(IAnsiConsole console, DemoOptions options, CancellationToken ct)
    {
        DemoResult result = await JointElectionDemo.RunAsync(options, null, ct);
        foreach (DemoStage stage in result.Stages)
        {
            console.MarkupLine($"[green]✓[/] {Markup.Escape(stage.Name)} ({stage.Elapsed.TotalSeconds:F2} s): {Markup.Escape(stage.Outcome)}");
        }

        return result;
    }

    private static async Task<DemoResult> WithProgressAsync(IAnsiConsole console, DemoOptions options, CancellationToken ct)
    {
        DemoResult? result = null;
        await console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
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
                            foreach (ProgressTask previous in tasks.Values.Where(t => !t.IsFinished))
                            {
                                previous.Value = previous.MaxValue;
                                previous.StopTask();
                            }

                            task = tasks[p.Stage] = context.AddTask(Markup.Escape(p.Stage));
                        }

                        task.MaxValue = Math.Max(1, p.Total);
                        task.Value = Math.Min(p.Done, p.Total);
                    }
                });
                result = await JointElectionDemo.RunAsync(options, report, ct);
                lock (gate)
                {
                    foreach (ProgressTask task in tasks.Values)
                    {
                        task.Value = task.MaxValue;
                        task.StopTask();
                    }
                }
            });
        return result!;
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
        console.MarkupLine($"Record verifier: {Markup.Escape(result.RecordVerifier)}.");
        console.MarkupLine(result.RecordFailures.Count == 0
            ? $"[green]Record verified[/]: {string.Join(" ", result.RecordSteps.Select(s => $"V{s.Number}"))} pass. Check it yourself: [bold]entente verify {Markup.Escape(result.RecordDirectory)}[/]{(result.GroupName == "standard" ? "" : " --allow-toy-groups")}"
            : $"[red]Record verification failed ({result.RecordFailures.Count}):[/]");
        foreach (string failure in result.RecordFailures.Take(20))
        {
            console.MarkupLine($"  [red]✗[/] {Markup.Escape(failure)}");
        }

        console.MarkupLine(result.LogFailures.Count == 0 ? "[green]Log verified[/] (fsck, consistency of every cosigned checkpoint, witness policy, inclusion of every cast ballot)." : $"[red]Log verification failed ({result.LogFailures.Count}):[/]");
        foreach (string failure in result.LogFailures.Take(20))
        {
            console.MarkupLine($"  [red]✗[/] {Markup.Escape(failure)}");
        }

        console.MarkupLine($"Log: {result.LogSize} entries, checkpoint root {result.CheckpointRoot[..16]}… cosigned by {Markup.Escape(string.Join(" and ", result.CheckpointCosigners))}.");
        if (result.AuditSeed is not null)
        {
            console.MarkupLine($"Audit: seed {result.AuditSeed[..16]}… from Blue and Red; BRAVO sample size {(result.AuditSampleSize is long s ? s.ToString(CultureInfo.InvariantCulture) : "every ballot: a full hand count, the margin is too small for a sample")}.");
        }

        if (result.Incidents.Count > 0)
        {
            Table incidents = new Table().Title($"Incident exchange: {result.ExchangeMessages} signed messages on the board log").AddColumn("Request").AddColumn("From → to").AddColumn("Status").AddColumn("Detail");
            foreach (DemoIncident incident in result.Incidents)
            {
                incidents.AddRow(Markup.Escape(incident.Subject), Markup.Escape($"{incident.Requester} → {incident.Recipient}"), Markup.Escape(incident.Status), Markup.Escape(incident.Detail ?? ""));
            }

            console.Write(incidents);
            console.MarkupLine(result.ExchangeFailures.Count == 0
                ? "[green]Incident messages verified[/] (envelope signature, board entry, inclusion, witnessed checkpoint)."
                : $"[red]Incident message verification failed ({result.ExchangeFailures.Count}):[/]");
            foreach (string failure in result.ExchangeFailures.Take(20))
            {
                console.MarkupLine($"  [red]✗[/] {Markup.Escape(failure)}");
            }
        }

        console.MarkupLine($"Record: [bold]{Markup.Escape(result.RecordDirectory)}[/]; board: {Markup.Escape(result.LogDatabase)}.");
        console.MarkupLine(result.Verified ? "[green bold]Demo election verified.[/]" : "[red bold]Demo election did NOT verify.[/]");
    }

    private sealed class Progress(Action<DemoProgress> report) : IProgress<DemoProgress>
    {
        public void Report(DemoProgress value) => report(value);
    }
}
