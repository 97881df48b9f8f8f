using System.CommandLine;
using System.Reflection;

namespace Entente.Cli.Commands;

/// <summary><c>entente version</c>: prints the tool's version.</summary>
internal static class VersionCommand
{
    public static Command Create()
    {
        Command command = new("version", "Print the version of entente.");
        command.SetAction(_ =>
        {
            string version = typeof(VersionCommand).Assembly
                .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
            Console.Out.WriteLine($"entente {version}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
