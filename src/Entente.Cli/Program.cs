using System.CommandLine;
using System.CommandLine.Invocation;
using Entente.Cli.Commands;

namespace Entente.Cli;

/// <summary>Entry point of the <c>entente</c> command.</summary>
internal static class Program
{
    private static int Main(string[] args) => Run(args);

    /// <summary>Parses and runs one command line; returns the exit code.</summary>
    internal static int Run(string[] args) => Invoke(args, new InvocationConfiguration());

    /// <summary>Parses and runs one command line with the given writers; returns the exit code.</summary>
    internal static int Invoke(string[] args, InvocationConfiguration configuration)
    {
        RootCommand root = BuildRootCommand();
        ParseResult parseResult = root.Parse(args);
        int exitCode = parseResult.Invoke(configuration);

        // System.CommandLine reports a usage error with exit code 1; ours is 2 (1 means a check failed). A verb's own
        // parse errors are reported by VerbAction; this covers the rest (an unknown verb, a group without a verb).
        return parseResult.Action is ParseErrorAction ? ExitCodes.UsageOrInput : exitCode;
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

        VerbAction.WrapTree(root); // one error wrapper for every verb
        return root;
    }
}
