using System.CommandLine;
using Entente.Audit.Trail;

namespace Entente.Cli.Commands.Audit;

/// <summary>
/// <c>entente audit verify --board URL --audit-id ID</c>: recomputes the audit from the board alone (its inputs and their
/// place before the seed, the seed from the logged reveals, every round's sample, every audit board's readings and
/// sign-off, and the risk after each signed-off round) and names the first step that does
/// not follow. Exit 0 when every step follows, 1 when one does not, 2 for a usage or input error.
/// </summary>
internal static class AuditVerifyCommand
{
    public static Command Create()
    {
        Option<string> board = new("--board") { Description = "The board holding the audit's entries." };
        Option<string> auditId = new("--audit-id") { Description = "The audit's id." };
        Command command = new("verify", "Recompute an audit from the board alone: its committed inputs, the seed from the logged reveals, every round's sample, the readings and sign-offs, and the risk from the logged readings; names the first step that does not follow (exit 1).")
        {
            board, auditId,
        };
        command.SetGuardedAction((parseResult, output, _) =>
        {
            string id = AuditCli.Require(parseResult, auditId);
            Uri url = AuditBoard.Url(AuditCli.Require(parseResult, board));
            IReadOnlyList<AuditTrailEntry> entries = AuditBoard.ReadAsync(url, id, CancellationToken.None).GetAwaiter().GetResult();
            AuditTrailResult result = AuditTrailVerifier.Verify(id, entries, ResultsCommand.PublishedAsync(url, CancellationToken.None).GetAwaiter().GetResult());
            foreach (string step in result.Checked)
            {
                output.WriteLine($"ok      {step}");
            }

            if (!result.Ok)
            {
                output.WriteLine($"FAILED  {result.FailedStep}: {result.Problem}");
                return ExitCodes.CheckFailed;
            }

            output.WriteLine(result.Seed is null
                ? $"Audit {id}: the inputs are on the board; the seed is not made yet."
                : $"Audit {id}: every step on the board follows (seed {result.Seed}).");
            if (result.Progress?.Decision is { } decision)
            {
                output.WriteLine(decision.AllConfirmed
                    ? $"Every contest's reported outcome is confirmed at risk limit {result.Progress.Inputs.RiskLimit.ToString(System.Globalization.CultureInfo.InvariantCulture)} by {decision.Draws} draws whose readings are on the board."
                    : $"Not every contest is confirmed yet after {decision.Draws} draws: {string.Join(", ", decision.Contests.Where(c => c.Decision != Entente.Audit.Workflow.ContestDecision.Confirmed).Select(c => c.Contest))}.");
            }
            return ExitCodes.Ok;
        });
        return command;
    }
}
