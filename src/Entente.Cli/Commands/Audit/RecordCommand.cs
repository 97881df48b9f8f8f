using System.CommandLine;
using Entente.Audit.Statistics;
using Entente.Audit.Workflow;
using Spectre.Console;

namespace Entente.Cli.Commands.Audit;

/// <summary><c>entente audit record</c>: the audit board's interpretations, with undo until sign-off.</summary>
internal static class RecordCommand
{
    public static Command Create()
    {
        Option<string> dir = AuditCli.DirOption();
        Option<string> tabulator = new("--tabulator") { Description = "Tabulator of the ballot (when the manifest has tabulators)." };
        Option<string> batch = new("--batch") { Description = "Batch of the ballot." };
        Option<long?> position = new("--position") { Description = "Position of the ballot in its batch." };
        Option<string> contest = new("--contest") { Description = "The contest read." };
        Option<string[]> choice = new("--choice") { Description = "A choice marked (repeat for several); none means a blank contest.", AllowMultipleArgumentsPerToken = false };
        Option<string[]> counts = new("--count") { Description = "Batch audits: a choice's hand count in the batch, CHOICE=VOTES (repeat per choice; a choice left out counted 0).", AllowMultipleArgumentsPerToken = false };
        Option<bool> notOnBallot = new("--not-on-ballot") { Description = "The contest is not on this ballot." };
        Option<bool> notFound = new("--not-found") { Description = "The ballot could not be found." };
        Option<bool> undo = new("--undo") { Description = "Remove the last interpretation of the current round (before sign-off)." };
        Option<string> signOff = new("--sign-off") { Description = "Sign off the current round as this audit board; interpretations are then final." };
        Option<string> readings = new("--readings")
        {
            Description = "Record many readings from a CSV [Tabulator,]Batch,Position,Contest,Choice[,OnBallot][,Found]: one row per choice marked, an empty Choice for a blank contest, OnBallot N for a contest not on the ballot, Found N (and no contest) for a ballot not found.",
        };
        Option<string> board = AuditBoard.BoardOption("the readings (with --readings) or the sign-off (with --sign-off)");
        Option<string> key = AuditBoard.KeyOption();
        Option<string> auditBoard = new("--audit-board") { Description = "With --board and --readings (or a batch's --count): the audit board that read the ballots or counted the batch (its name in each entry)." };
        Option<string> members = new("--members") { Description = "With --board and --sign-off: the audit board's two members, \"NAME,NAME\" (both are named on the sign-off)." };
        Command command = new("record", "Record what the audit board reads on a sampled ballot (or many, --readings FILE); --undo removes the last entry; --sign-off closes the round; with --board URL --key KEY the readings and the sign-off are also board entries.")
        {
            dir, tabulator, batch, position, contest, choice, notOnBallot, notFound, undo, counts, signOff, readings, board, key, auditBoard, members,
        };
        command.SetGuardedAction((parseResult, output, error) =>
        {
            using AuditDirectory audit = AuditCli.Open(parseResult, dir);
            IAnsiConsole console = AuditCli.Console(output);
            var onBoard = AuditBoard.Read(parseResult, board, key);
            if (onBoard is not null && parseResult.GetValue(readings) is null && parseResult.GetValue(signOff) is null
                && !(audit.State.Method == AuditMethod.Batch && parseResult.GetValue(counts) is { Length: > 0 }))
            {
                throw new UsageException("With --board, record a round's readings with --readings FILE (each ballot whole), a batch's hand count with --batch B --contest C --count CHOICE=VOTES --audit-board NAME, or sign off with --sign-off BOARD --members \"NAME,NAME\".");
            }

            if (parseResult.GetValue(undo))
            {
                var removed = audit.Undo();
                console.MarkupLine(removed is null ? "Nothing to undo in this round."
                    : Markup.Escape($"Removed: {removed.Batch} #{removed.Position} {(removed.NotFound ? "not found" : removed.Contest)}."));
                return ExitCodes.Ok;
            }

            if (parseResult.GetValue(signOff) is { } boardName)
            {
                string[] names = [];
                if (onBoard is not null)
                {
                    names = [.. (AuditCli.Require(parseResult, members)).Split(',').Select(n => n.Trim())];
                    if (names.Length != 2 || names.Any(n => n.Length == 0) || names[0] == names[1])
                    {
                        throw new UsageException($"--members \"{parseResult.GetValue(members)}\": name the audit board's two members, \"NAME,NAME\".");
                    }
                }

                if (onBoard is not null)
                {
                    // On a board each audit board signs off its own share of the round (the ballots it read, the batches it
                    // counted); the round closes on the board once every ballot is read and every board that read signed
                    // off (docs/audit.md). The directory's round is signed off too when every ballot of it is recorded here,
                    // so that `audit sample --dir` can draw the next round (the board still refuses it until the round closes).
                    int posted = AuditBoard.PostSignOff(output, error, audit, boardName, names, onBoard.Value.Board, onBoard.Value.Key);
                    if (posted == ExitCodes.Ok && audit.CurrentRound is { SignedOffBy: null } && audit.Missing().Count == 0)
                    {
                        audit.SignOff(boardName);
                    }

                    return posted;
                }

                audit.SignOff(boardName);
                console.MarkupLine(Markup.Escape($"Round {audit.CurrentRound!.Number} signed off by {boardName}. Run `entente audit status` for the risk."));
                return ExitCodes.Ok;
            }

            if (parseResult.GetValue(readings) is { } file)
            {
                string? reader = onBoard is null ? null : AuditCli.Require(parseResult, auditBoard);
                (int recorded, IReadOnlyList<string> ballots) = RecordReadings(audit, file);
                int left = audit.Missing().Count;
                console.MarkupLine(Markup.Escape($"Recorded {recorded} reading(s) from {file}. ")
                    + (left == 0 ? "Every sampled ballot of this round is recorded; sign off with --sign-off BOARD." : $"{left} sampled ballot(s) still to record."));
                return onBoard is { } target ? AuditBoard.PostReadings(output, error, audit, ballots, reader!, target.Board, target.Key) : ExitCodes.Ok;
            }

            string b = AuditCli.Require(parseResult, batch);
            string? t = parseResult.GetValue(tabulator);
            if (audit.State.Method == AuditMethod.Batch)
            {
                string contestName = AuditCli.Require(parseResult, contest);
                Dictionary<string, long> votes = new(StringComparer.Ordinal);
                foreach (string item in parseResult.GetValue(counts) ?? [])
                {
                    int eq = item.LastIndexOf('=');
                    if (eq <= 0 || !long.TryParse(item[(eq + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long n)
                        || !votes.TryAdd(item[..eq].Trim(), n))
                    {
                        throw new UsageException($"--count \"{item}\": write CHOICE=VOTES, each choice once, for example --count \"Alice=120\".");
                    }
                }

                string? counter = onBoard is null ? null : AuditCli.Require(parseResult, auditBoard);
                audit.RecordBatchCount(t, b, contestName, votes);
                console.MarkupLine(Markup.Escape($"Recorded batch {b}, {contestName}: {string.Join(", ", votes.Select(v => $"{v.Key} {v.Value}"))}."));
                int open = audit.Missing().Count;
                console.MarkupLine(open == 0 ? "Every drawn batch of this round is counted; sign off with --sign-off BOARD." : $"{open} drawn batch(es) still to count.");
                return onBoard is { } target ? AuditBoard.PostTally(output, error, audit, t, b, contestName, counter!, target.Board, target.Key) : ExitCodes.Ok;
            }

            long p = AuditCli.Require(parseResult, position) ?? 0;
            if (parseResult.GetValue(notFound))
            {
                audit.Record(t, b, p, null, [], false);
                console.MarkupLine(Markup.Escape($"Recorded {b} #{p}: ballot not found (it counts against the reported outcome)."));
            }
            else
            {
                string c = AuditCli.Require(parseResult, contest);
                string[] choices = parseResult.GetValue(choice) ?? [];
                bool on = !parseResult.GetValue(notOnBallot);
                if (!on && choices.Length > 0)
                {
                    throw new UsageException("--not-on-ballot cannot have choices.");
                }

                audit.Record(t, b, p, c, choices, on);
                console.MarkupLine(Markup.Escape($"Recorded {b} #{p}, {c}: {(on ? choices.Length == 0 ? "blank" : string.Join(", ", choices) : "not on ballot")}."));
            }

            int missing = audit.Missing().Count;
            console.MarkupLine(missing == 0 ? "Every sampled ballot of this round is recorded; sign off with --sign-off BOARD." : $"{missing} sampled ballot(s) still to record.");
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>
    /// Records every reading of a CSV file, one interpretation per ballot and contest (the rows of one ballot and contest are
    /// its marked choices). The whole file is checked first: a row that names no sampled ballot, an unknown contest or
    /// choice, or a bad Found/OnBallot value is refused with its row and column, and then nothing is recorded.
    /// </summary>
    private static (int Recorded, IReadOnlyList<string> Ballots) RecordReadings(AuditDirectory audit, string path)
    {
        if (audit.State.Method == AuditMethod.Batch)
        {
            throw new UsageException("--readings records ballots' readings; a batch-comparison audit records each drawn batch's hand count with --count CHOICE=VOTES.");
        }

        Entente.Audit.Io.CsvTable table = Entente.Audit.Io.CsvTable.Load(path);
        table.RequireColumns(["Batch", "Position", "Contest", "Choice"], ["Tabulator", "OnBallot", "Found"]);
        AuditRound round = audit.CurrentRound ?? throw new UsageException("No ballots have been sampled yet. Run `entente audit sample --dir` first.");
        List<(string? Tabulator, string Batch, long Position, string? Contest, List<string> Choices, bool OnBallot)> readings = [];
        foreach (Entente.Audit.Io.CsvRow row in table.Rows)
        {
            string? tabulator = table.Cell(row, "Tabulator") is { Length: > 0 } t ? t : null;
            string batch = table.Text(row, "Batch");
            long position = table.Count(row, "Position", 1);
            if (!round.Draws.Any(d => d.Tabulator == tabulator && d.Batch == batch && d.Position == position))
            {
                throw table.Error(row, "Position", $"ballot {(tabulator is null ? "" : tabulator + " / ")}{batch} #{position} is not in round {round.Number}'s sample.");
            }

            bool found = YesNo(table, row, "Found");
            bool onBallot = YesNo(table, row, "OnBallot");
            string? contestName = found ? table.Text(row, "Contest") : null;
            string choice = table.Cell(row, "Choice") ?? "";
            if (contestName is not null)
            {
                ReportedContest contest = audit.Contests.FirstOrDefault(c => c.Name == contestName)
                    ?? throw table.Error(row, "Contest", $"no contest \"{contestName}\"; contests: {string.Join(", ", audit.Contests.Select(c => c.Name))}.");
                if (choice.Length > 0 && (!onBallot || !contest.HasChoice(choice)))
                {
                    throw table.Error(row, "Choice", onBallot ? $"\"{choice}\" is not a choice of \"{contestName}\"." : "a contest not on the ballot has no choices.");
                }
            }

            if (readings.Count > 0 && readings[^1] is var last && last.Tabulator == tabulator && last.Batch == batch && last.Position == position && last.Contest == contestName && contestName is not null)
            {
                if (last.OnBallot != onBallot)
                {
                    throw table.Error(row, "OnBallot", "the rows of one ballot and contest disagree on whether the contest is on the ballot.");
                }

                if (choice.Length > 0)
                {
                    last.Choices.Add(choice);
                }

                continue;
            }

            readings.Add((tabulator, batch, position, contestName, choice.Length > 0 ? [choice] : [], onBallot));
        }

        foreach (var (tabulator, batch, position, contestName, choices, onBallot) in readings)
        {
            audit.Record(tabulator, batch, position, contestName, choices, onBallot);
        }

        return (readings.Count, [.. readings.Select(r => $"{r.Tabulator}\u001f{r.Batch}\u001f{r.Position}").Distinct(StringComparer.Ordinal)]);
    }

    private static bool YesNo(Entente.Audit.Io.CsvTable table, Entente.Audit.Io.CsvRow row, string column) =>
        (table.Cell(row, column) ?? "").ToUpperInvariant() switch
        {
            "" or "Y" => true,
            "N" => false,
            string other => throw table.Error(row, column, $"\"{other}\" must be Y or N."),
        };
}
