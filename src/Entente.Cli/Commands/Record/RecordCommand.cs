using System.CommandLine;

namespace Entente.Cli.Commands.Record;

/// <summary><c>entente record …</c>: the election record as a whole.</summary>
internal static class RecordCommand
{
    public static Command Create()
    {
        Command command = new("record", "The election record (docs/record-format.md): fetch it from a board, checked, for `entente verify`.");
        command.Subcommands.Add(FetchCommand.Create());
        return command;
    }
}
