using System.CommandLine;
using Entente.Cli.Commands.Audit;

namespace Entente.Cli.Commands;

/// <summary><c>entente audit</c>: risk-limiting audits of the paper ballots (see docs/audit.md).</summary>
internal static class AuditCommand
{
    public static Command Create()
    {
        Command command = new("audit", "Risk-limiting audits: a jointly made seed, reproducible samples, the risk per contest and the report.");
        command.Subcommands.Add(CvrsCommand.Create());
        command.Subcommands.Add(InitCommand.Create());
        command.Subcommands.Add(JurisdictionsCommand.CreateUpload());
        command.Subcommands.Add(SeedCommand.Create());
        command.Subcommands.Add(SampleCommand.Create());
        command.Subcommands.Add(RecordCommand.Create());
        command.Subcommands.Add(StatusCommand.Create());
        command.Subcommands.Add(ReportCommand.Create());
        command.Subcommands.Add(RiskCommand.Create());
        command.Subcommands.Add(AuditVerifyCommand.Create());
        command.Subcommands.Add(AuditBoardCommand.Create());
        return command;
    }
}
