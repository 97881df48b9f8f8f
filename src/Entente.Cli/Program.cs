using System.CommandLine;
using Entente.Cli.Commands;

namespace Entente.Cli;

/// <summary>Entry point of the <c>entente</c> command.</summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        RootCommand root = BuildRootCommand();
        return root.Parse(args).Invoke();
    }

    /// <summary>The whole command tree; tests parse against the same tree.</summary>
    internal static RootCommand BuildRootCommand()
    {
        RootCommand root = new("Entente: a jointly run election cyber-security unit. " +
                               "Verifiable ElectionGuard 2.1 elections, a witnessed transparency log, " +
                               "risk-limiting audits and a signed incident exchange.");
        foreach (Command command in CommandCatalog.All())
        {
            root.Subcommands.Add(command);
        }

        return root;
    }
}
