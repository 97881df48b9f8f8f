using System.CommandLine;
using System.Globalization;
using Entente.Audit.Workflow;
using Spectre.Console;

namespace Entente.Cli.Commands.Audit;

/// <summary><c>entente audit status</c>: the risk per contest and the decision. Exit 1 until every contest is confirmed.</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        Option<string> dir = AuditCli.DirOption();
        Command command = new("status", "Show the risk per contest over the signed-off rounds and the decision: confirmed, another round (with its size) or a full hand count. Exit 1 while the risk limit is not met.")
        {
            dir,
        };
        command.SetGuardedAction((parseResult, output, _) =>
        {
            AuditDirectory audit = AuditCli.Open(parseResult, dir);
            AuditDecision decision = audit.Evaluate();
            IAnsiConsole console = AuditCli.Console(output);
            console.MarkupLine(Markup.Escape($"Audit {audit.State.AuditId}: {audit.State.Method.ToString().ToLowerInvariant()}, risk limit {AuditCli.P(audit.State.RiskLimit)}, {decision.Draws} draws in {audit.State.Rounds.Count(r => r.SignedOffBy is not null)} signed-off round(s)."));
            if (audit.CurrentRound is { SignedOffBy: null } open)
            {
                console.MarkupLine(Markup.Escape($"Round {open.Number} is open: {audit.Missing().Count} sampled ballot(s) still to record; it counts once signed off."));
            }

            Table table = new Table().AddColumns("Contest", "Risk", "Decision", "Next round");
            foreach (ContestRisk r in decision.Contests)
            {
                table.AddRow(Markup.Escape(r.Contest), AuditCli.P(r.PValue), AuditReport.Describe(r.Decision),
                    r.NextRoundSize == 0 ? "" : r.NextRoundSize.ToString(CultureInfo.InvariantCulture));
            }

            console.Write(table);
            console.MarkupLine(decision.AllConfirmed ? "All contests confirmed."
                : decision.FullHandCount ? "Escalate to a full hand count."
                : $"Risk limit not met: draw another round of {decision.NextRoundSize} ballots (`entente audit sample --dir`).");
            return decision.AllConfirmed ? ExitCodes.Ok : ExitCodes.CheckFailed;
        });
        return command;
    }
}
