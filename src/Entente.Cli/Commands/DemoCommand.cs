using System.CommandLine;
using Entente.Cli.Commands.Demo;
using Entente.Cli.Commands.Election;
using Entente.Cryptography;

namespace Entente.Cli.Commands;

/// <summary>
/// <c>entente demo</c>: a whole joint election between the parties Blue and Red, every party a client of a real
/// board (<c>entente serve</c>) with each party's witness, every step its own <c>entente</c> process (the work is
/// <see cref="JointElectionDemo"/>; <see cref="DemoRunner"/> shows it), then the board's live pages at
/// http://127.0.0.1:5080 until Ctrl-C.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        Option<DirectoryInfo?> dir = new("--dir") { Description = "Folder for the board, the witnesses, the keys and the record (default: a new folder entente/demo-TIMESTAMP under your local data folder, printed)." };
        Option<string> group = new("--group")
        {
            Description = "Group: standard (4096-bit, the real parameters), reduced (3072-bit) or tiny (tests only, insecure).",
            DefaultValueFactory = _ => "standard",
        };
        Option<int> guardians = new("--guardians") { Description = "Guardians n, Blue holding the first ⌈n/2⌉ and Red the rest.", DefaultValueFactory = _ => 4 };
        Option<int> quorum = new("--quorum") { Description = "Quorum k; must exceed what either party holds, so neither decrypts alone.", DefaultValueFactory = _ => 3 };
        Option<int> ballots = new("--ballots") { Description = "Ballots the simulated device encrypts.", DefaultValueFactory = _ => 500 };
        Option<int?> challenged = new("--challenged") { Description = "Ballots the voters challenge (default: about 2%)." };
        Option<int> devices = new("--devices") { Description = "Encryption devices, each its own process with its own charter key.", DefaultValueFactory = _ => 2 };
        Option<bool> noServe = new("--no-serve") { Description = "Exit after the summary instead of serving the pages." };
        Option<int> port = new("--port") { Description = "Port of the board and its pages on 127.0.0.1 (with --no-serve the board takes any free port).", DefaultValueFactory = _ => 5080 };
        Command command = new("demo", "Run a whole joint election between two parties (Blue and Red) on a witnessed board, verify it, and serve its pages.")
        {
            dir, group, guardians, quorum, ballots, challenged, devices, noServe, port,
        };
        command.SetAction(async (parseResult, ct) =>
        {
            TextWriter output = parseResult.InvocationConfiguration.Output;
            TextWriter error = parseResult.InvocationConfiguration.Error;
            if (!CliSupport.TryGroup(parseResult.GetValue(group)!, out Group g))
            {
                return ExitCodes.UsageOrInput;
            }

            int n = parseResult.GetValue(guardians);
            int k = parseResult.GetValue(quorum);
            if (JointElectionDemo.CheckSplit(n, k) is string problem)
            {
                await error.WriteLineAsync($"error: {problem} (--guardians, --quorum).");
                return ExitCodes.UsageOrInput;
            }

            int b = parseResult.GetValue(ballots);
            int? c = parseResult.GetValue(challenged);
            if (b < 1 || c < 0 || c >= b)
            {
                await error.WriteLineAsync($"error: need --ballots ≥ 1 and 0 ≤ --challenged < --ballots (got {b} and {c}).");
                return ExitCodes.UsageOrInput;
            }

            int d = parseResult.GetValue(devices);
            if (d is < 1 or > 16)
            {
                await error.WriteLineAsync($"error: --devices must be 1..16 (got {d}).");
                return ExitCodes.UsageOrInput;
            }

            bool serve = !parseResult.GetValue(noServe);
            int p = parseResult.GetValue(port);
            if (serve && ServeCommand.ListenProblem($"http://127.0.0.1:{p}") is string listen)
            {
                // Checked before any work: the board listens there from the start.
                await error.WriteLineAsync($"error: --port {p}: {listen}");
                return ExitCodes.UsageOrInput;
            }

            string directory = parseResult.GetValue(dir)?.FullName ?? JointElectionDemo.DefaultDirectory();
            if (Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any())
            {
                await error.WriteLineAsync($"error: {directory} is not empty; give --dir a new or empty folder.");
                return ExitCodes.UsageOrInput;
            }

            DemoOptions options = new() { Directory = directory, Group = g, Guardians = n, Quorum = k, Ballots = b, Challenged = c, Devices = d, Port = serve ? p : 0 };
            bool interactive = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
            return await DemoRunner.RunAsync(options, serve, output, interactive, ct);
        });
        return command;
    }
}
