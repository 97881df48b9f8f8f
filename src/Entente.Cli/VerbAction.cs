using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Text.Json;
using System.Text.RegularExpressions;
using Entente.Audit.Io;
using Entente.Cli.Commands.Audit;
using Entente.Cli.Commands.Election;
using Entente.Cli.Commands.Incident;
using Entente.Client.Board;
using Entente.Client.Http;
using Entente.Client.Log;
using Entente.Client.Record;
using Entente.Election;
using Entente.Election.Board;
using Entente.Exchange;
using Entente.Exchange.Log;
using Entente.Exchange.Storage;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;
using Entente.Verifier.Framework;

namespace Entente.Cli;

/// <summary>
/// The one error wrapper of every verb: <see cref="Program.BuildRootCommand"/> wraps each command's action in it.
/// A parse error (a missing required option, a value of the wrong type) and every exception the project raises for bad
/// input, an unusable file or folder, or a service that refused or did not answer become one line on the parser's
/// error writer and exit 2; a failed check (a board's 422, a log that disagrees with its checkpoint, a note whose
/// signatures do not verify) exit 1. Never a stack trace for any of them. Verbs throw; they do not catch to print.
/// Anything else is a fault of entente itself: one line that says so, the stack trace a bug report needs, and exit 2
/// (the command could not do its work; the contract's codes are 0, 1 and 2), never 1, which would read as a failed check.
/// </summary>
internal sealed partial class VerbAction(CommandLineAction inner) : AsynchronousCommandLineAction
{
    /// <summary>The wrapper reports parse errors itself, on one line, with exit 2 (System.CommandLine's own exit is 1).</summary>
    public override bool ClearsParseErrors => true;

    /// <summary>The action it wraps.</summary>
    public CommandLineAction Inner => inner;

    public override async Task<int> InvokeAsync(ParseResult parseResult, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        TextWriter error = parseResult.InvocationConfiguration.Error;
        List<string> problems = [.. parseResult.Errors.Select(e => Plain(OneLine(e.Message)))];
        if (problems.Count == 0 && parseResult.UnmatchedTokens.Count > 0)
        {
            problems.Add($"unrecognized argument '{parseResult.UnmatchedTokens[0]}'.");
        }

        if (problems.Count > 0)
        {
            string more = problems.Count > 1 ? $" (and {problems.Count - 1} more)" : "";
            await error.WriteLineAsync($"error: {problems[0]}{more} See `{CommandPath(parseResult)} --help`.").ConfigureAwait(false);
            return ExitCodes.UsageOrInput;
        }

        try
        {
            return inner switch
            {
                SynchronousCommandLineAction synchronous => synchronous.Invoke(parseResult),
                AsynchronousCommandLineAction asynchronous => await asynchronous.InvokeAsync(parseResult, cancellationToken).ConfigureAwait(false),
                _ => throw new InvalidOperationException($"unknown action type {inner.GetType()}"),
            };
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl-C or SIGTERM (Program.RunAsync): System.CommandLine would exit 1, which says "a check failed".
            await error.WriteLineAsync("interrupted: stopped before it finished; nothing it reported is a result.").ConfigureAwait(false);
            return ExitCodes.Interrupted;
        }
        catch (Exception e) when (Map(e) is (int code, string message))
        {
            await error.WriteLineAsync(message).ConfigureAwait(false);
            return code;
        }
        catch (Exception e)
        {
            await error.WriteLineAsync(InternalError(e, CommandPath(parseResult))).ConfigureAwait(false);
            return ExitCodes.UsageOrInput;
        }
    }

    /// <summary>
    /// What a fault of entente itself prints: one line saying it is a bug and not a result, then the exception with its
    /// stack trace (types, methods and the project's own messages, which never carry a secret) for the report.
    /// </summary>
    internal static string InternalError(Exception e, string command) =>
        $"error: internal error in `{command}` ({e.GetType().Name}: {OneLine(e.Message)}). This is a bug in entente, not a result: "
        + "nothing this command reported is to be relied on. Please report it with the command line and the lines below."
        + Environment.NewLine + e;

    /// <summary>
    /// The exit code and the one line to print for <paramref name="e"/>, or null when it is not one of the project's
    /// input, usage, resource or check exceptions (a bug, or a cancellation nobody asked for: <see cref="InternalError"/>).
    /// </summary>
    internal static (int Code, string Message)? Map(Exception e) => e switch
    {
        // An HTTP client's own time limit (HttpClient.Timeout) surfaces as a cancellation: a service that did not answer.
        OperationCanceledException { InnerException: TimeoutException } => (ExitCodes.UsageOrInput, "error: timed out: " + OneLine(e.Message)
            + " Check that the service is up and reachable, then try again."),
        OperationCanceledException => null,
        // A service that could not be reached or did not answer in time, where a client let the runtime's own error
        // through: the command could not do its work, which is not a bug of entente.
        TimeoutException => (ExitCodes.UsageOrInput, "error: timed out: " + OneLine(e.Message) + " Check that the service is up and reachable, then try again."),
        HttpRequestException => (ExitCodes.UsageOrInput, "error: " + OneLine(e.Message) + " Check the address and that the service is up and reachable, then try again."),
        ArgumentNullException => null, // a caller bug, never the user's input
        // Not a failed check (System.CommandLine's exit 1 would say the record failed): the machine's limit.
        OutOfMemoryException => (ExitCodes.UsageOrInput, "error: out of memory: the command needed more memory than this process may use (the machine's, "
            + "or a limit such as a container's or DOTNET_GCHeapHardLimit). Run it with more memory; docs/scale.md gives what verification holds per ballot."),
        // Failed checks: exit 1.
        ElectionBoardException board => (board.Reason is BoardRefusalReason.Invalid or BoardRefusalReason.Corrupt ? ExitCodes.CheckFailed : ExitCodes.UsageOrInput, "error: " + OneLine(board.Message)),
        BoardRequestException request => (request.Corrupt || request.Status == 422 ? ExitCodes.CheckFailed : ExitCodes.UsageOrInput, "error: " + OneLine(request.Message)),
        LogVerificationException => (ExitCodes.CheckFailed, "error: " + OneLine(e.Message)),
        NoteVerificationException => (ExitCodes.CheckFailed, "error: " + OneLine(e.Message)),
        // Refusals by a server or the exchange's rules.
        ExchangeRejectedException rejected => (ExitCodes.UsageOrInput, $"refused ({rejected.Reason}): {OneLine(rejected.Message)}"
            + (rejected.ValidationErrors.Count > 0 ? " " + string.Join("; ", rejected.ValidationErrors.Select(v => OneLine(v.ToString() ?? ""))) : "")),
        IncidentRemoteRefusedException => (ExitCodes.UsageOrInput, "refused: " + OneLine(e.Message)),
        RequestRefusedException or ServiceUnavailableException => (ExitCodes.UsageOrInput, "error: " + OneLine(e.Message)),
        // Storage.
        ExchangeStoreException store => (ExitCodes.UsageOrInput, $"error: the exchange store failed{(store.IsTransient ? " (try again)" : "")}: {OneLine(store.Message)}"),
        LogStoreException store => (ExitCodes.UsageOrInput, $"error: the log store failed{(store.IsTransient ? " (try again)" : "")}: {OneLine(store.Message)}"),
        // Usage and input: every library's format exception (NoteFormatException, ElectionFormatException,
        // AuditInputException are FormatExceptions), JSON, files and folders, arguments the user gave.
        UsageException or ElectionUsageException or IncidentInputException or RecordFetchInputException or RecordInputException
            or ExchangeLogKeyException or FormatException or JsonException
            or IOException or UnauthorizedAccessException or ArgumentException => (ExitCodes.UsageOrInput, "error: " + OneLine(e.Message)),
        _ => null,
    };

    /// <summary>Wraps every command's action under <paramref name="command"/> (itself included) in a <see cref="VerbAction"/>.</summary>
    internal static void WrapTree(Command command)
    {
        if (command.Action is { } action and not VerbAction)
        {
            command.Action = new VerbAction(action);
        }

        foreach (Command sub in command.Subcommands)
        {
            WrapTree(sub);
        }
    }

    private static string OneLine(string text) => CliSupport.OneLine(text);

    /// <summary>System.CommandLine's conversion error in words a user reads ("--port: 'x' is not a whole number.").</summary>
    private static string Plain(string message)
    {
        Match m = ConversionError().Match(message);
        if (!m.Success)
        {
            return message;
        }

        string type = m.Groups["type"].Value;
        string expected = type.Contains("Int", StringComparison.Ordinal) ? "a whole number"
            : type.Contains("Double", StringComparison.Ordinal) || type.Contains("Decimal", StringComparison.Ordinal) ? "a number"
            : type.Contains("Boolean", StringComparison.Ordinal) ? "true or false"
            : "a valid value";
        return $"{m.Groups["option"].Value}: '{m.Groups["value"].Value}' is not {expected}.";
    }

    [GeneratedRegex(@"^Cannot parse argument '(?<value>.*)' for (?:option|argument) '(?<option>[^']*)' as expected type '(?<type>[^']*)'\.?$")]
    private static partial Regex ConversionError();

    private static string CommandPath(ParseResult parseResult)
    {
        List<string> names = [];
        for (SymbolResult? r = parseResult.CommandResult; r is CommandResult command; r = command.Parent)
        {
            names.Insert(0, command.Command.Name);
        }

        names[0] = "entente";
        return string.Join(' ', names);
    }
}
