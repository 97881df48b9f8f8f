using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Entente.Cli.Commands.Demo;
using Entente.Cli.Tests.Election;

namespace Entente.Cli.Tests.Demo;

/// <summary>
/// <c>entente demo</c> as a user runs it, in its own process on the tiny group: the board, both witnesses and every
/// party's step are then processes of their own. The record it reports is the one <c>record fetch</c> returned, and it
/// passes <c>entente verify</c>; <c>entente serve --dir</c> serves the finished board again with its live pages.
/// </summary>
[Trait("Category", "Slow")]
public sealed class DemoProcessTests
{
    [Fact]
    public async Task The_demo_runs_every_party_as_a_process_against_the_board_and_its_fetched_record_verifies_and_serve_dir_serves_it_again()
    {
        using TempFolder temp = new();
        string dir = temp.File("demo");

        // As an operator runs it: the demo serves the board's pages when it is done, until it is told to stop.
        int demoPort = JointElectionDemo.FreePort();
        System.Text.StringBuilder demoLog = new();
        using (System.Diagnostics.Process demo = EntenteProcess.Start(demoLog, "demo", "--group", "tiny", "--guardians", "2", "--quorum", "2", "--ballots", "6", "--challenged", "1", "--port", demoPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--dir", dir))
        {
            try
            {
                Stopwatch waited = Stopwatch.StartNew();
                while (!Logged(demoLog).Contains("Serving the board", StringComparison.Ordinal))
                {
                    Assert.False(demo.HasExited, "the demo exited before serving:\n" + Logged(demoLog));
                    Assert.True(waited.Elapsed < TimeSpan.FromMinutes(6), "the demo did not serve within 6 minutes:\n" + Logged(demoLog));
                    await Task.Delay(200);
                }

                using HttpClient pages = new() { BaseAddress = new Uri($"http://127.0.0.1:{demoPort}/") };
                Assert.Equal(HttpStatusCode.OK, (await pages.GetAsync("results")).StatusCode);

                // SIGTERM, as a service manager or `kill` stops it: every server the demo started (the board, each party's
                // witness and mirror) stops with it. Before 7 December the process ended at once and left them running.
                int[] servers = Children(demo.Id);
                Assert.True(servers.Length >= 5, $"the demo's servers: {string.Join(", ", servers)}");
                using (System.Diagnostics.Process kill = System.Diagnostics.Process.Start("kill", ["-TERM", demo.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
                {
                    await kill.WaitForExitAsync();
                }

                Assert.True(demo.WaitForExit(TimeSpan.FromSeconds(30)), "the demo did not stop within 30 s of SIGTERM");
                Assert.Equal(0, demo.ExitCode);
                Assert.All(servers, pid => Assert.False(Running(pid), $"process {pid} the demo started still runs after the demo stopped"));
            }
            finally
            {
                if (!demo.HasExited)
                {
                    demo.Kill(entireProcessTree: true);
                }
            }
        }

        string flat = Logged(demoLog).ReplaceLineEndings(" ");
        Assert.Contains("Demo election verified.", flat, StringComparison.Ordinal);
        Assert.Contains("Record verified", flat, StringComparison.Ordinal);
        Assert.Contains("Log verified", flat, StringComparison.Ordinal);
        Assert.Contains("Incident messages verified", flat, StringComparison.Ordinal);
        Assert.Contains("overdue", flat, StringComparison.Ordinal);
        Assert.Contains("declined", flat, StringComparison.Ordinal);

        // The summary the pages read: every stage, the processes, the record fetched from the board.
        using JsonDocument summary = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(dir, "board", JointElectionDemo.SummaryFile)));
        JsonElement root = summary.RootElement;
        Assert.Equal(5, root.GetProperty("ballots_cast").GetInt32());
        Assert.Equal(1, root.GetProperty("ballots_challenged").GetInt32());
        Assert.Equal(Path.Combine(dir, "record"), root.GetProperty("record_directory").GetString());
        Assert.True(root.GetProperty("processes").GetInt32() >= 3 + 2 + (4 * 2) + 2 + 2 + 2 + (3 * 2) + 2, root.ToString());
        Assert.Contains(root.GetProperty("stages").EnumerateArray(), s => s.GetProperty("name").GetString() == "Fetching the record from the board");
        Assert.InRange(root.GetProperty("contests")[0].GetProperty("options").EnumerateArray().Sum(o => o.GetProperty("votes").GetInt64()), 1, 5);

        // The audit audits (#15 item 7): a round drawn from the board's seed, every sampled paper ballot read and signed off,
        // each contest's risk measured; the report written.
        Assert.Contains("Risk-limiting audit", flat, StringComparison.Ordinal);
        JsonElement audit = root.GetProperty("audit");
        Assert.InRange(audit.GetProperty("rounds").GetArrayLength(), 1, 3);
        JsonElement first = audit.GetProperty("rounds")[0];
        Assert.True(first.GetProperty("ballots").GetInt32() >= 1, audit.ToString());
        Assert.Equal(["Mayor", "Harbour bond"], first.GetProperty("contests").EnumerateArray().Select(c => c.GetProperty("contest").GetString()));
        Assert.All(first.GetProperty("contests").EnumerateArray(), c =>
        {
            Assert.InRange(c.GetProperty("risk").GetDouble(), 0, 1);
            Assert.Contains(c.GetProperty("decision").GetString(), new[] { "confirmed", "another_round", "full_hand_count" });
        });
        Assert.True(File.Exists(Path.Combine(dir, "audit", "report.html")));
        string readings = await File.ReadAllTextAsync(Path.Combine(dir, "audit", "rounds", "round-1-readings.csv"));
        Assert.StartsWith("Tabulator,Batch,Position,Contest,Choice,OnBallot", readings, StringComparison.Ordinal);

        // Anyone re-checks the record the board served; the guardians' secrets are gone from the folder.
        using JsonDocument report = JsonDocument.Parse(EntenteProcess.Ok("verify", Path.Combine(dir, "record"), "--allow-toy-groups", "--json"));
        Assert.True(report.RootElement.GetProperty("passed").GetBoolean(), report.RootElement.ToString());
        Assert.False(Directory.Exists(Path.Combine(dir, "guardians")));

        // serve --dir: the finished board with its live pages and the checkpoint both witnesses cosigned.
        int port = JointElectionDemo.FreePort();
        System.Text.StringBuilder log = new();
        using System.Diagnostics.Process serve = EntenteProcess.Start(log, "serve", "--dir", dir, "--urls", $"http://127.0.0.1:{port}");
        try
        {
            using HttpClient http = new() { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
            HttpResponseMessage? page = null;
            for (int attempt = 0; attempt < 300 && page is null; attempt++)
            {
                Assert.False(serve.HasExited, log.ToString());
                try
                {
                    page = await http.GetAsync("results");
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(50);
                }
            }

            Assert.NotNull(page);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Contains("Ada Lovelace", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            string verified = EntenteProcess.Ok("log", "verify", "--url", $"http://127.0.0.1:{port}/", "--policy", Path.Combine(dir, "board", "witness-policy.txt"), "--state", temp.File("log-state"));
            // Each party's witness and each party's mirror (which holds the whole log and every artifact) cosigned it.
            Assert.Contains("ok witness policy: cosigned by blue, blue-mirror, red, red-mirror", verified, StringComparison.Ordinal);

            // The audit's inputs, seed, every round's sample, readings and sign-off are on the board: anyone recomputes them from the board alone.
            using JsonDocument state = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(dir, "audit", "audit.json")));
            string auditVerified = EntenteProcess.Ok("audit", "verify", "--board", $"http://127.0.0.1:{port}/", "--audit-id", state.RootElement.GetProperty("auditId").GetString()!);
            Assert.Contains("ok", auditVerified, StringComparison.Ordinal);
            Assert.DoesNotContain("FAILED", auditVerified, StringComparison.Ordinal);
            // … and every audit board's readings and sign-off: the risk after each round is recomputed from the logged readings.
            Assert.Contains("ok      readings of round 1 (", auditVerified, StringComparison.Ordinal);
            Assert.Contains("signed off by Audit board 1 (Blue's and Red's members): Ada Blue and Rui Red)", auditVerified, StringComparison.Ordinal);
            Assert.Contains("ok      risk after round 1: Mayor ", auditVerified, StringComparison.Ordinal);
        }
        finally
        {
            serve.Kill(entireProcessTree: true);
            await serve.WaitForExitAsync();
        }
    }

    [Fact]
    public void A_port_out_of_range_or_a_folder_that_is_not_empty_stops_the_demo_before_any_work_with_exit_2()
    {
        using TempFolder temp = new();
        (int code, _, string error) = EntenteProcess.Run("demo", "--group", "tiny", "--ballots", "2", "--port", "99999", "--dir", temp.File("demo"));
        Assert.Equal(2, code);
        Assert.Contains("out of range", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(temp.File("demo")));

        File.WriteAllText(temp.File("note.txt"), "x");
        (code, _, error) = EntenteProcess.Run("demo", "--no-serve", "--group", "tiny", "--ballots", "2", "--dir", temp.Path);
        Assert.Equal(2, code);
        Assert.Contains("is not empty", error, StringComparison.Ordinal);

        (code, _, error) = EntenteProcess.Run("serve", "--dir", temp.Path);
        Assert.Equal(2, code);
        Assert.Contains("is not the folder of a finished demo", error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_folder_is_under_the_users_data_or_temporary_folder_never_the_current_one()
    {
        string folder = JointElectionDemo.DefaultDirectory();
        string data = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
        Assert.True(
            (data.Length > 0 && folder.StartsWith(Path.Combine(data, "entente"), StringComparison.Ordinal)) || folder.StartsWith(Path.GetTempPath(), StringComparison.Ordinal),
            folder);
        Assert.False(folder.StartsWith(Environment.CurrentDirectory + Path.DirectorySeparatorChar, StringComparison.Ordinal) && !folder.StartsWith(data, StringComparison.Ordinal), folder);
    }

    private static string Logged(System.Text.StringBuilder log)
    {
        lock (log)
        {
            return log.ToString();
        }
    }

    /// <summary>The processes <paramref name="pid"/> started that still run (Linux: /proc's list of each thread's children).</summary>
    private static int[] Children(int pid) =>
        [.. Directory.EnumerateDirectories($"/proc/{pid}/task")
            .SelectMany(task => File.ReadAllText(Path.Combine(task, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(id => int.Parse(id, System.Globalization.CultureInfo.InvariantCulture))
            .Distinct()];

    /// <summary>Whether a process runs (a zombie, ended but not yet reaped, does not).</summary>
    private static bool Running(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }
}
