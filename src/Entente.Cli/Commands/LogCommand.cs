using System.CommandLine;
using Entente.Cli.Commands.Log;

namespace Entente.Cli.Commands;

/// <summary><c>entente log …</c>: create, feed, serve, check and follow a witnessed transparency log.</summary>
internal static class LogCommand
{
    public static Command Create()
    {
        Command command = new("log", "The witnessed bulletin board: a C2SP transparency log.");
        command.Subcommands.Add(LogAdminCommands.Init());
        command.Subcommands.Add(LogClientCommands.Append());
        command.Subcommands.Add(LogClientCommands.Get());
        command.Subcommands.Add(LogClientCommands.Proof());
        command.Subcommands.Add(LogClientCommands.Verify());
        command.Subcommands.Add(LogAdminCommands.Fsck());
        command.Subcommands.Add(LogAdminCommands.Serve());
        command.Subcommands.Add(VerifyCheckpointCommand.Create());
        return command;
    }
}
