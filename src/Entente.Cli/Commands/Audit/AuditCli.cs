using System.CommandLine;
using System.CommandLine.Invocation;
using System.Globalization;
using Entente.Audit.Io;
using Entente.Audit.Workflow;
using Spectre.Console;

namespace Entente.Cli.Commands.Audit;

/// <summary>A usage problem found while running a command: exit code 2 with the message.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>
/// Runs an audit command with the parser's writers. The audit workflow refuses a step its state does not allow (no
/// sample yet, a round already signed off) with <see cref="InvalidOperationException"/>: that is the user's usage, so it
/// becomes a <see cref="UsageException"/>; <see cref="VerbAction"/> prints it, as every other error, on one line with exit 2.
/// </summary>
internal sealed class GuardedAction(Func<ParseResult, TextWriter, TextWriter, int> body) : SynchronousCommandLineAction
{
    public override int Invoke(ParseResult parseResult)
    {
        try
        {
            return body(parseResult, parseResult.InvocationConfiguration.Output, parseResult.InvocationConfiguration.Error);
        }
        catch (InvalidOperationException e)
        {
            throw new UsageException(e.Message);
        }
    }
}

/// <summary>Shared pieces of the audit verbs.</summary>
internal static class AuditCli
{
    /// <summary>The clock the workflow uses; tests replace it.</summary>
    internal static TimeProvider Clock { get; set; } = TimeProvider.System;

    public static Option<string> DirOption() => new("--dir") { Description = "The audit directory (made by `entente audit init`)." };

    public static void SetGuardedAction(this Command command, Func<ParseResult, TextWriter, TextWriter, int> body) =>
        command.Action = new GuardedAction(body);

    public static T Require<T>(ParseResult parseResult, Option<T> option)
    {
        if (parseResult.GetResult(option) is null || parseResult.GetValue(option) is null)
        {
            throw new UsageException($"{option.Name} is required here.");
        }

        return parseResult.GetValue(option)!;
    }

    public static AuditDirectory Open(ParseResult parseResult, Option<string> dir)
    {
        JurisdictionsCommand.Complete(Require(parseResult, dir)); // a multi-jurisdiction audit's directory is made once every jurisdiction uploaded
        AuditDirectory audit = AuditDirectory.Open(Require(parseResult, dir), Clock);
        if (audit.State.SeedBoard is string board)
        {
            audit.UseSeedLog(new BoardSeedLog(new Uri(board))); // the seed is made on a board: read it there
        }

        return audit;
    }

    /// <summary>A Spectre console that writes to the command's output, plain text, fixed width (stable for expected files).</summary>
    public static IAnsiConsole Console(TextWriter output)
    {
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(output),
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 200;
        return console;
    }

    /// <summary>Runs long work under a spinner when the output is an interactive terminal; silently otherwise.</summary>
    public static T WithProgress<T>(TextWriter output, string message, Func<T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (!ReferenceEquals(output, System.Console.Out) || System.Console.IsOutputRedirected)
        {
            return work();
        }

        return AnsiConsole.Status().Start(message, _ => work());
    }

    public static string P(double p) => p.ToString("0.######", CultureInfo.InvariantCulture);

    public static DateTimeOffset ParseTime(string text, string option)
    {
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset t))
        {
            return t;
        }

        throw new UsageException($"{option}: \"{text}\" is not a date and time; write ISO 8601, for example 2026-11-28T14:00:00Z.");
    }
}
