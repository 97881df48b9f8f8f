using System.CommandLine;
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
        Command command = new("record", "Record what the audit board reads on a sampled ballot; --undo removes the last entry; --sign-off closes the round.")
        {
            dir, tabulator, batch, position, contest, choice, counts, notOnBallot, notFound, undo, signOff,
        };
        command.SetGuardedAction((parseResult, output, _) =>
        {
            using AuditDirectory audit = AuditCli.Open(parseResult, dir);
            IAnsiConsole console = AuditCli.Console(output);
            if (parseResult.GetValue(undo))
            {
                var removed = audit.Undo();
                console.MarkupLine(removed is null ? "Nothing to undo in this round."
                    : Markup.Escape($"Removed: {removed.Batch} #{removed.Position} {(removed.NotFound ? "not found" : removed.Contest)}."));
                return ExitCodes.Ok;
            }

            if (parseResult.GetValue(signOff) is { } board)
            {
                audit.SignOff(board);
                console.MarkupLine(Markup.Escape($"Round {audit.CurrentRound!.Number} signed off by {board}. Run `entente audit status` for the risk."));
                return ExitCodes.Ok;
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

                audit.RecordBatchCount(t, b, contestName, votes);
                console.MarkupLine(Markup.Escape($"Recorded batch {b}, {contestName}: {string.Join(", ", votes.Select(v => $"{v.Key} {v.Value}"))}."));
                int open = audit.Missing().Count;
                console.MarkupLine(open == 0 ? "Every drawn batch of this round is counted; sign off with --sign-off BOARD." : $"{open} drawn batch(es) still to count.");
                return ExitCodes.Ok;
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
}
