using System.CommandLine;
using Entente.Cli.Commands.Roll;

namespace Entente.Cli.Commands;

/// <summary><c>entente roll</c>: tamper-evident voter rolls on the board (docs/rolls.md).</summary>
internal static class RollCommand
{
    public static Command Create()
    {
        Command command = new("roll", "Voter rolls on the board: every change a signed log entry of commitments, snapshots, the voter's own check.");
        command.Subcommands.Add(RollVerbs.Init());
        command.Subcommands.Add(RollVerbs.Change());
        command.Subcommands.Add(RollVerbs.Snapshot());
        command.Subcommands.Add(RollVerbs.Check());
        command.Subcommands.Add(RollAlertsVerb.Create());
        return command;
    }
}
