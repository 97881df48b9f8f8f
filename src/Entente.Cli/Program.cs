using System.CommandLine;
using System.CommandLine.Invocation;
using Entente.Cli.Commands;

namespace Entente.Cli;

/// <summary>Entry point of the <c>entente</c> command.</summary>
internal static class Program
{
    /// <summary>
    /// How long a verb has to stop what it started (a demo's servers, a server's requests) once the process is asked to
    /// end (Ctrl-C, SIGINT, SIGTERM): its cancellation token fires at once, and the process ends after this at the latest.
    /// </summary>
    internal static readonly TimeSpan TerminationGrace = TimeSpan.FromSeconds(10);

    private static Task<int> Main(string[] args) => RunAsync(args);

    /// <summary>
    /// Parses and runs one command line as the process's own: a termination signal cancels the verb's token (see
    /// <see cref="TerminationGrace"/>). Without it, SIGTERM ended the process at once, and <c>entente demo</c> left its
    /// board, witnesses and mirrors running (Ctrl-C in a terminal reaches them too, as the whole process group gets it).
    /// </summary>
    internal static async Task<int> RunAsync(string[] args)
    {
        ParseResult parseResult = BuildRootCommand().Parse(args);
        return ExitCode(parseResult, await parseResult.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TerminationGrace }).ConfigureAwait(false));
    }

    /// <summary>Parses and runs one command line; returns the exit code.</summary>
    internal static int Run(string[] args) => Invoke(args, new InvocationConfiguration());

    /// <summary>Parses and runs one command line with the given writers; returns the exit code.</summary>
    internal static int Invoke(string[] args, InvocationConfiguration configuration)
    {
        ParseResult parseResult = BuildRootCommand().Parse(args);
        return ExitCode(parseResult, parseResult.Invoke(configuration));
    }

    /// <summary>
    /// System.CommandLine reports a usage error with exit code 1; ours is 2 (1 means a check failed). A verb's own parse
    /// errors are reported by VerbAction; this covers the rest (an unknown verb, a group without a verb).
    /// </summary>
    private static int ExitCode(ParseResult parseResult, int exitCode) => parseResult.Action is ParseErrorAction ? ExitCodes.UsageOrInput : exitCode;

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
