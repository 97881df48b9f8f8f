using System.CommandLine;
using Entente.Cryptography;
using Entente.Election.Encryption;
using Entente.Election.Record;
using Entente.Server.Demo;
using Entente.Storage.Sqlite.Log;
using Entente.Transparency.Log;

namespace Entente.Server.Tests.Contract;

/// <summary>A whole demo election end to end, through the CLI and through the library class.</summary>
public class DemoEndToEndTests
{
    [Fact]
    [Trait("Category", "Slow")]
    public async Task Entente_demo_with_no_serve_and_twenty_ballots_runs_the_whole_election_and_prints_a_verified_summary()
    {
        string dir = Path.Combine(Directory.CreateTempSubdirectory("entente-demo-cli-").FullName, "work");
        StringWriter output = new();
        StringWriter error = new();
        RootCommand root = Entente.Cli.Program.BuildRootCommand();
        int code = await root.Parse(["demo", "--no-serve", "--ballots", "20", "--group", "tiny", "--dir", dir])
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = error });

        string text = output.ToString();
        Assert.True(code == 0, $"exit {code}\n{text}\n{error}");
        Assert.Contains("Demo election verified.", text, StringComparison.Ordinal);
        Assert.Contains("Record verified", text, StringComparison.Ordinal);
        Assert.Contains("V14", text, StringComparison.Ordinal);
        Assert.Contains("--allow-toy-groups", text, StringComparison.Ordinal);
        Assert.Contains("Log verified", text, StringComparison.Ordinal);
        Assert.Contains("Ballots: 19 cast, 1 challenged and opened.", text, StringComparison.Ordinal);
        Assert.Contains("cosigned by blue and red", text, StringComparison.Ordinal);
        Assert.Contains("Ada Lovelace", text, StringComparison.Ordinal);
        Assert.DoesNotContain("RecordSelfCheck", text, StringComparison.Ordinal);
        Assert.Contains("Incident messages verified", text, StringComparison.Ordinal);
        Assert.Contains("declined", text, StringComparison.Ordinal);
        Assert.Contains("overdue", text, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(dir, "record", "record.json")));
        Assert.True(File.Exists(Path.Combine(dir, "board.db")));
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task The_demo_logs_every_stage_and_its_tally_matches_the_record_read_back_from_disk()
    {
        string dir = Path.Combine(Directory.CreateTempSubdirectory("entente-demo-lib-").FullName, "work");
        List<DemoProgress> reports = [];
        DemoResult result = await JointElectionDemo.RunAsync(
            new DemoOptions { Directory = dir, Group = Group.Tiny, Ballots = 12, Challenged = 2, Guardians = 5, Quorum = 4 },
            new SynchronousProgress(reports.Add));

        Assert.True(result.Verified, string.Join("\n", result.RecordFailures.Concat(result.LogFailures)));
        Assert.Equal([.. Enumerable.Range(1, 19).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))], result.RecordSteps.Select(s => s.Number));
        Assert.True(result.RecordSteps.Single(s => s.Number == "5").Checked > 0, "the independent verifier checked the ballots' selections");
        Assert.Equal(10, result.BallotsCast);
        Assert.Equal(2, result.BallotsChallenged);
        Assert.Equal(["blue", "red"], result.CheckpointCosigners);
        Assert.Equal([JointElectionDemo.Blue, JointElectionDemo.Blue, JointElectionDemo.Blue, JointElectionDemo.Red, JointElectionDemo.Red], result.Guardians.Select(g => g.Party));
        Assert.Contains(result.Guardians, g => g.Decrypted && g.Party == JointElectionDemo.Red);
        Assert.Equal(4, result.Guardians.Count(g => g.Decrypted));
        Assert.Contains(reports, r => r.Stage == "Key ceremony" && r.Done == r.Total);

        ElectionRecord record = await RecordStore.ReadAsync(result.RecordDirectory);
        Assert.Equal(
            record.Tally.Contests.Select(c => c.Options.Select(o => o.Value).ToArray()).ToArray(),
            result.Contests.Select(c => c.Options.Select(o => o.Votes).ToArray()).ToArray());

        // What the log holds: charter, policy, manifest; per guardian a commitment, n−1 shares and an approval;
        // parameters and joint key; every ballot; the exchange unit and 11 incident messages; the tallies and openings;
        // the record index; four audit seed entries and the plan.
        int n = 5;
        long expected = 3 + (n * (n + 1)) + 2 + 12 + 1 + 11 + 2 + 2 + 1 + 4 + 1;
        Assert.Equal(expected, result.LogSize);
        await using SqliteLogStore store = new(result.LogDatabase);
        IReadOnlyList<byte[]> entries = await store.ReadEntriesAsync(0, (int)result.LogSize);
        List<LogEntry> parsed = [.. entries.Select(e => LogEntry.Parse(e).Entry)];
        Assert.Equal("charter", parsed[0].Type);
        Assert.Equal(
            record.Ballots.Where(b => b.State == BallotState.Cast).Select(b => b.ConfirmationCode.ToHex()).Order(StringComparer.Ordinal),
            parsed.Where(e => e.Type == "ballot.cast").Select(e => e.ConfirmationCode!).Order(StringComparer.Ordinal));
        Assert.Equal(2, parsed.Count(e => e.Type == "audit.reveal"));

        // The incident step: every exchange message is on the same board log, signed by its sender's charter key,
        // and the three requests ended answered, declined with a reason and overdue.
        Assert.Equal(11, result.ExchangeMessages);
        Assert.Equal(11, parsed.Count(e => e.Type.StartsWith("exchange.", StringComparison.Ordinal)));
        Assert.All(parsed.Where(e => e.Type.StartsWith("exchange.", StringComparison.Ordinal)), e => Assert.Contains(e.Party, new[] { JointElectionDemo.Blue, JointElectionDemo.Red }));
        Assert.Empty(result.ExchangeFailures);
        Assert.Equal(["answered", "declined", "overdue"], result.Incidents.Select(i => i.Status));
        Assert.Contains("personal data", result.Incidents[1].Detail, StringComparison.Ordinal);
        Assert.Equal(["Red", "Blue", "Red"], result.Incidents.Select(i => i.Requester));

        // `entente serve` re-reads the summary the run left behind.
        DemoResult loaded = await JointElectionDemo.LoadAsync(dir);
        Assert.Equal(result.CheckpointRoot, loaded.CheckpointRoot);
        Assert.Equal(result.Contests.SelectMany(c => c.Options), loaded.Contests.SelectMany(c => c.Options));
        Assert.True(loaded.Verified);
        Assert.Equal(result.Incidents, loaded.Incidents);
    }

    [Fact]
    public async Task Serve_refuses_a_folder_that_holds_no_finished_demo_with_a_usage_error()
    {
        string dir = Directory.CreateTempSubdirectory("entente-serve-empty-").FullName;
        StringWriter error = new();
        int code = await Entente.Cli.Program.BuildRootCommand().Parse(["serve", "--dir", dir])
            .InvokeAsync(new InvocationConfiguration { Output = new StringWriter(), Error = error });
        Assert.Equal(2, code);
        Assert.Contains("is not a finished demo folder", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(4, 2)]
    [InlineData(3, 2)]
    [InlineData(2, 3)]
    public void A_split_that_would_let_one_party_decrypt_alone_or_cannot_decrypt_is_refused(int n, int k)
    {
        Assert.NotNull(JointElectionDemo.CheckSplit(n, k));
    }

    [Theory]
    [InlineData(4, 3)]
    [InlineData(5, 4)]
    [InlineData(7, 5)]
    public void Every_decrypting_quorum_includes_both_parties(int n, int k)
    {
        Assert.Null(JointElectionDemo.CheckSplit(n, k));
        int[] quorum = JointElectionDemo.DecryptingQuorum(n, k);
        Assert.Equal(k, quorum.Distinct().Count());
        Assert.Contains(quorum, i => JointElectionDemo.PartyOf(i, n) == JointElectionDemo.Blue);
        Assert.Contains(quorum, i => JointElectionDemo.PartyOf(i, n) == JointElectionDemo.Red);
    }

    private sealed class SynchronousProgress(Action<DemoProgress> report) : IProgress<DemoProgress>
    {
        public void Report(DemoProgress value)
        {
            lock (this)
            {
                report(value);
            }
        }
    }
}
