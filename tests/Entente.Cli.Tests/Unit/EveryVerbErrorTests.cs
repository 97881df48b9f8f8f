using System.CommandLine;
using Xunit.Abstractions;

namespace Entente.Cli.Tests.Unit;

/// <summary>
/// Walks the whole command tree and runs every leaf verb in-process with bad input: a missing file for its first file or
/// folder option, a wrong type for a numeric option, an output it cannot write. Each must answer with exit 2, one line
/// on standard error and no stack frame (issue #15 item 2: one error wrapper for every verb).
/// </summary>
[Collection("console")]
public class EveryVerbErrorTests(ITestOutputHelper log)
{
    /// <summary>Verbs the walk leaves out, and why.</summary>
    private static readonly HashSet<string> Skipped = new(StringComparer.Ordinal)
    {
        "demo", // runs a whole election before it serves; its inputs are checked by its own tests
    };

    /// <summary>Options that name a file or folder to read, besides the FileInfo/DirectoryInfo-typed ones.</summary>
    private static readonly HashSet<string> FileOptions = new(StringComparer.Ordinal)
    {
        "--dir", "--config", "--manifest", "--results", "--cvrs", "--secret-file", "--key", "--party-key", "--file", "--folder",
        "--secret", "--unit", "--store", "--sample-tally", "--discrepancies", "--reported-batches", "--audited-batches",
        "--draws", "--mvrs", "--evidence", "--policy", "--charter", "--ballots", "--log-key",
    };

    /// <summary>Options that name something the verb writes.</summary>
    private static readonly HashSet<string> OutputOptions = new(StringComparer.Ordinal) { "--out", "--proofs", "--secret-file" };

    /// <summary>Options that name a server: an address where nothing listens, so nothing waits.</summary>
    private static readonly HashSet<string> UrlOptions = new(StringComparer.Ordinal) { "--url", "--board", "--server" };

    private const string Nowhere = "http://127.0.0.1:1/";

    public static TheoryData<string> Leaves()
    {
        TheoryData<string> data = [];
        foreach ((string path, _) in LeafCommands(Program.BuildRootCommand(), ""))
        {
            data.Add(path);
        }

        return data;
    }

    [Fact]
    public void The_walk_finds_every_verb_family()
    {
        List<string> leaves = [.. LeafCommands(Program.BuildRootCommand(), "").Select(l => l.Path)];
        Assert.True(leaves.Count >= 40, $"only {leaves.Count} verbs found");
        foreach (string verb in new[] { "verify", "audit risk", "audit seed commit", "log fsck", "incident file", "election init", "guardian keygen", "record fetch", "serve" })
        {
            Assert.Contains(verb, leaves);
        }
    }

    [Fact]
    public void Every_verb_action_is_wrapped_by_the_one_error_wrapper()
    {
        foreach ((string path, Command command) in LeafCommands(Program.BuildRootCommand(), ""))
        {
            Assert.True(command.Action is VerbAction, $"`entente {path}` is not wrapped");
        }
    }

    [Theory]
    [MemberData(nameof(Leaves))]
    public void A_missing_file_is_one_line_and_exit_2(string verb)
    {
        Command command = Find(verb);
        using TempDir temp = new();
        string missing = Path.Combine(temp.Path, "no-such-folder", "no-such-file");
        Symbol? target = (Symbol?)command.Arguments.FirstOrDefault(IsFileArgument) ?? command.Options.FirstOrDefault(IsFileOption);
        if (target is null)
        {
            return; // the verb reads no file (version, params, bench)
        }

        List<string> args = Base(verb, command, temp, missing, except: target);
        if (target is Option option)
        {
            args.AddRange([option.Name, missing]);
        }
        else
        {
            args.Add(missing);
        }

        AssertOneLineExit2(verb, args);
    }

    [Theory]
    [MemberData(nameof(Leaves))]
    public void A_wrong_type_for_a_number_is_one_line_and_exit_2(string verb)
    {
        Command command = Find(verb);
        Option? numeric = command.Options.FirstOrDefault(o => IsNumeric(o.ValueType));
        if (numeric is null)
        {
            return;
        }

        using TempDir temp = new();
        List<string> args = Base(verb, command, temp, Path.Combine(temp.Path, "missing"), except: numeric);
        args.AddRange([numeric.Name, "twelve"]);
        (_, _, string error) = AssertOneLineExit2(verb, args);
        Assert.Contains("twelve", error, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Leaves))]
    public void An_output_it_cannot_write_is_one_line_and_exit_2(string verb)
    {
        Command command = Find(verb);
        Option? output = command.Options.FirstOrDefault(o => OutputOptions.Contains(o.Name));
        if (output is null)
        {
            return;
        }

        using TempDir temp = new();
        string aFile = Path.Combine(temp.Path, "a-file");
        File.WriteAllText(aFile, "not a folder");
        string unwritable = Path.Combine(aFile, "out"); // below a file: no one, root included, can create it
        List<string> args = Base(verb, command, temp, Path.Combine(temp.Path, "missing"), except: output);
        args.AddRange([output.Name, unwritable]);
        AssertOneLineExit2(verb, args);
    }

    [Fact]
    public void A_wrong_type_for_a_number_names_the_option_and_the_help_command()
    {
        (int code, _, string error) = Run(["params", "--guardians", "many"]);
        Assert.Equal(2, code);
        Assert.Contains("many", error, StringComparison.Ordinal);
        Assert.Contains("entente params --help", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_of_a_missing_record_folder_exits_2_without_a_stack_trace()
    {
        using TempDir temp = new();
        (int code, _, string error) = Run(["verify", Path.Combine(temp.Path, "none")]);
        Assert.Equal(2, code);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Running_out_of_memory_is_one_line_and_exit_2_not_a_failed_check_with_a_stack_trace()
    {
        // A verb that runs out of memory (as `verify --cluster` did on a coordinator capped below its lists) would go to
        // System.CommandLine's handler: a stack trace and exit 1, which scripts read as "the record fails".
        RootCommand root = new("test");
        Command verb = new("hungry");
#pragma warning disable CA2201 // the runtime's own exception is the point: what the wrapper does when the runtime throws it
        verb.SetAction(new Func<ParseResult, int>(_ => throw new OutOfMemoryException()));
#pragma warning restore CA2201
        root.Subcommands.Add(verb);
        VerbAction.WrapTree(root);
        using StringWriter output = new(), error = new();

        int code = root.Parse(["hungry"]).Invoke(new System.CommandLine.InvocationConfiguration { Output = output, Error = error });

        Assert.Equal(ExitCodes.UsageOrInput, code);
        Assert.StartsWith("error: out of memory: ", error.ToString(), StringComparison.Ordinal);
        Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.DoesNotContain("   at ", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_verb_stopped_by_a_termination_signal_says_it_was_interrupted_and_exits_130_not_1()
    {
        // Ctrl-C or SIGTERM cancels the verb's token (Program.RunAsync); a verb that gives up then throws
        // OperationCanceledException, which System.CommandLine alone would turn into exit 1, "a check failed".
        RootCommand root = new("test");
        Command verb = new("long");
        verb.SetAction(new Func<ParseResult, CancellationToken, Task<int>>(async (_, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return 0;
        }));
        root.Subcommands.Add(verb);
        VerbAction.WrapTree(root);
        using StringWriter output = new(), error = new();
        using CancellationTokenSource signal = new(TimeSpan.FromMilliseconds(50));

        int code = await root.Parse(["long"]).InvokeAsync(new System.CommandLine.InvocationConfiguration { Output = output, Error = error }, signal.Token);

        Assert.Equal(ExitCodes.Interrupted, code);
        Assert.StartsWith("interrupted: ", error.ToString(), StringComparison.Ordinal);
        Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

        // A cancellation that is not the process's is not an interruption: an HTTP client's time limit is a service
        // that did not answer (exit 2, one line); any other is a fault of entente (exit 2, saying so).
        Command timesOut = new("times-out");
        timesOut.SetAction(new Func<ParseResult, CancellationToken, Task<int>>((_, _) =>
            throw new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 100 seconds elapsing.", new TimeoutException())));
        Command cancelled = new("cancelled");
        cancelled.SetAction(new Func<ParseResult, CancellationToken, Task<int>>((_, _) => throw new OperationCanceledException()));
        root.Subcommands.Add(timesOut);
        root.Subcommands.Add(cancelled);
        VerbAction.WrapTree(root);
        using StringWriter error2 = new(), error3 = new();
        Assert.Equal(ExitCodes.UsageOrInput, await root.Parse(["times-out"]).InvokeAsync(new System.CommandLine.InvocationConfiguration { Output = output, Error = error2 }, CancellationToken.None));
        Assert.StartsWith("error: timed out: The request was canceled", error2.ToString(), StringComparison.Ordinal);
        Assert.Single(error2.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Equal(ExitCodes.UsageOrInput, await root.Parse(["cancelled"]).InvokeAsync(new System.CommandLine.InvocationConfiguration { Output = output, Error = error3 }, CancellationToken.None));
        Assert.StartsWith("error: internal error in `entente cancelled` (OperationCanceledException: ", error3.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_fault_of_entente_itself_says_it_is_a_bug_and_exits_2_not_1_which_would_read_as_a_failed_check()
    {
        // An exception none of the project's errors names (here a NullReferenceException from a verb's own code) went to
        // System.CommandLine's handler: a bare stack trace and exit 1, which `verify` defines as "a step fails".
        RootCommand root = new("test");
        Command verify = new("verify");
        verify.SetAction(new Func<ParseResult, int>(_ => Fault()));
        root.Subcommands.Add(verify);
        VerbAction.WrapTree(root);
        using StringWriter output = new(), error = new();

        int code = root.Parse(["verify"]).Invoke(new System.CommandLine.InvocationConfiguration { Output = output, Error = error });

        Assert.Equal(ExitCodes.UsageOrInput, code);
        string[] lines = error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.StartsWith("error: internal error in `entente verify` (NullReferenceException: ", lines[0], StringComparison.Ordinal);
        Assert.Contains("This is a bug in entente, not a result", lines[0], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith("at ", StringComparison.Ordinal) && l.Contains(nameof(Fault), StringComparison.Ordinal)); // the trace a report needs
        Assert.Equal("", output.ToString());
    }

    [Theory]
    [InlineData("timeout", "error: timed out: ")]
    [InlineData("unreachable", "error: Connection refused (127.0.0.1:1) Check the address")]
    public void A_service_that_did_not_answer_is_one_line_and_exit_2_not_a_bug(string kind, string expected)
    {
        // Clients wrap what a service does; where one lets the runtime's own error through, it is still not a bug.
        RootCommand root = new("test");
        Command verb = new("fetch");
        verb.SetAction(new Func<ParseResult, int>(_ => kind == "timeout"
            ? throw new TimeoutException("The board did not answer within 20 s.")
            : throw new HttpRequestException("Connection refused (127.0.0.1:1)")));
        root.Subcommands.Add(verb);
        VerbAction.WrapTree(root);
        using StringWriter output = new(), error = new();

        int code = root.Parse(["fetch"]).Invoke(new System.CommandLine.InvocationConfiguration { Output = output, Error = error });

        Assert.Equal(ExitCodes.UsageOrInput, code);
        Assert.StartsWith(expected, error.ToString(), StringComparison.Ordinal);
        Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.DoesNotContain("internal error", error.ToString(), StringComparison.Ordinal);
    }

    private static int Fault()
    {
        string? missing = Environment.GetEnvironmentVariable("ENTENTE_TEST_" + Guid.NewGuid().ToString("N"));
        return missing!.Length; // a NullReferenceException, as a bug would throw
    }

    private (int Code, string Out, string Err) AssertOneLineExit2(string verb, List<string> args)
    {
        (int code, string output, string error) = Run([.. verb.Split(' '), .. args]);
        string shown = $"entente {verb} {string.Join(' ', args)}\nexit {code}\nstdout: {output}\nstderr: {error}";
        log.WriteLine(shown);
        Assert.True(code == 2, shown);
        Assert.DoesNotContain("   at ", error + output, StringComparison.Ordinal);
        string[] lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1, shown);
        return (code, output, error);
    }

    /// <summary>The verb's required options with harmless values: missing files, an address where nothing listens, 1 for numbers.</summary>
    private static List<string> Base(string verb, Command command, TempDir temp, string missing, Symbol except)
    {
        List<string> args = [];
        foreach (Option option in command.Options.Where(o => o.Required && !ReferenceEquals(o, except)))
        {
            args.Add(option.Name);
            args.Add(UrlOptions.Contains(option.Name) ? Nowhere
                : IsNumeric(option.ValueType) ? "1"
                : IsFileOption(option) || OutputOptions.Contains(option.Name) ? Path.Combine(temp.Path, "req-" + option.Name.TrimStart('-'))
                : "x");
        }

        if (command.Options.Any(o => o.Name == "--timeout") && !ReferenceEquals(except, command.Options.First(o => o.Name == "--timeout")))
        {
            args.AddRange(["--timeout", "0"]); // a server that does not answer is an error at once
        }

        foreach (Argument argument in command.Arguments.Where(a => !ReferenceEquals(a, except)))
        {
            args.Add(IsFileArgument(argument) ? missing : IsNumeric(argument.ValueType) ? "0" : "x");
        }

        if (verb.StartsWith("incident ", StringComparison.Ordinal))
        {
            // Keep the exchange's default files (exchange.db, unit.json, party.key) out of the working folder.
            foreach (string name in new[] { "--store", "--unit", "--key" })
            {
                if (except is not Option o || o.Name != name)
                {
                    args.AddRange([name, Path.Combine(temp.Path, "ws", name.TrimStart('-'))]);
                }
            }
        }

        return args;
    }

    private static bool IsFileOption(Option option) =>
        option.ValueType == typeof(FileInfo) || option.ValueType == typeof(DirectoryInfo)
        || (FileOptions.Contains(option.Name) && !IsNumeric(option.ValueType) && option.ValueType != typeof(bool));

    private static bool IsFileArgument(Argument argument) =>
        argument.ValueType == typeof(FileInfo) || argument.ValueType == typeof(DirectoryInfo)
        || argument.Name.Contains("DIR", StringComparison.Ordinal) || argument.Name.Contains("FILE", StringComparison.Ordinal);

    private static bool IsNumeric(Type type)
    {
        Type t = Nullable.GetUnderlyingType(type) ?? (type.IsArray ? type.GetElementType()! : type);
        return t == typeof(int) || t == typeof(long) || t == typeof(double) || t == typeof(decimal);
    }

    private static Command Find(string verb)
    {
        Command command = Program.BuildRootCommand();
        foreach (string name in verb.Split(' '))
        {
            command = command.Subcommands.Single(c => c.Name == name);
        }

        return command;
    }

    private static IEnumerable<(string Path, Command Command)> LeafCommands(Command command, string prefix)
    {
        foreach (Command sub in command.Subcommands)
        {
            string path = prefix.Length == 0 ? sub.Name : prefix + " " + sub.Name;
            if (Skipped.Contains(path))
            {
                continue;
            }

            if (sub.Subcommands.Count == 0)
            {
                yield return (path, sub);
            }
            else
            {
                foreach ((string, Command) leaf in LeafCommands(sub, path))
                {
                    yield return leaf;
                }
            }
        }
    }

    /// <summary>Runs one command line in-process; the verbs that write to the console directly are captured too.</summary>
    private static (int Code, string Out, string Err) Run(string[] args)
    {
        TextWriter originalOut = Console.Out;
        TextWriter originalError = Console.Error;
        using StringWriter output = new();
        using StringWriter error = new();
        Console.SetOut(output);
        Console.SetError(error);
        try
        {
            int code = Program.Invoke(args, new InvocationConfiguration { Output = output, Error = error });
            return (code, output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(originalOut);
            Console.SetError(originalError);
        }
    }

    private sealed class TempDir : IDisposable
    {
        public TempDir()
        {
            Path = Directory.CreateTempSubdirectory("entente-verbs-").FullName;
        }

        public string Path { get; }

        public void Dispose()
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (IOException)
            {
                // a SQLite file still held by the pool: the temp folder is cleaned by the system
            }
        }
    }
}

[CollectionDefinition("console", DisableParallelization = true)]
public sealed class ConsoleTests;
