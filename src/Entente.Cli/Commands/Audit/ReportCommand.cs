using System.CommandLine;
using Entente.Audit.Workflow;
using Spectre.Console;

namespace Entente.Cli.Commands.Audit;

/// <summary><c>entente audit report</c>: report.csv and report.html in the audit directory (or --out).</summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        Option<string> dir = AuditCli.DirOption();
        Option<string> outDir = new("--out") { Description = "Folder for report.csv and report.html (default: the audit directory)." };
        Command command = new("report", "Write the audit report as CSV and as a self-contained HTML page with a chart of the risk over the sample.") { dir, outDir };
        command.SetGuardedAction((parseResult, output, _) =>
        {
            AuditDirectory audit = AuditCli.Open(parseResult, dir);
            AuditDecision decision = audit.Evaluate();
            var seed = audit.EvaluateSeedAsync(CancellationToken.None).GetAwaiter().GetResult();
            string folder = parseResult.GetValue(outDir) ?? audit.Path;
            Directory.CreateDirectory(folder);
            string csv = Path.Combine(folder, "report.csv");
            string html = Path.Combine(folder, "report.html");
            AuditDirectory.WriteAtomically(csv, AuditReport.Csv(audit, decision, seed));
            AuditDirectory.WriteAtomically(html, AuditReport.Html(audit, decision, seed));
            IAnsiConsole console = AuditCli.Console(output);
            console.MarkupLine(Markup.Escape($"Wrote {csv}"));
            console.MarkupLine(Markup.Escape($"Wrote {html}"));
            return ExitCodes.Ok;
        });
        return command;
    }
}
