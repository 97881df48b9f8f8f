using System.Globalization;

namespace Entente.Cli.Tests.Audit;

/// <summary>A batch-comparison audit from Arlo's generated jurisdiction (Siletz): init, seed, PPEB rounds, hand counts, MACRO risk, report.</summary>
[Collection("audit clock")]
public sealed class BatchWorkflowTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);
    private readonly string _root = Path.Combine(Path.GetTempPath(), "entente-batch-" + Guid.NewGuid().ToString("N"));
    private readonly ManualClock _clock = new(T0);

    public BatchWorkflowTests()
    {
        Directory.CreateDirectory(_root);
        Commands.Audit.AuditCli.Clock = _clock;
        File.WriteAllText(P("results.csv"), "Contest,Choice,Votes,Ballots\nMinister of Farming,Erin George,41,57\nMinister of Farming,Alex Hall,5,57\nMinister of Farming,Write-In,0,57\n");
    }

    public void Dispose()
    {
        Commands.Audit.AuditCli.Clock = TimeProvider.System;
        Directory.Delete(_root, recursive: true);
    }

    private string P(string name) => Path.Combine(_root, name);

    private static string V(string relative) => Path.Combine(AppContext.BaseDirectory, "vectors", "rla-vendor", relative);

    private static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(["audit", .. args]);

    private static readonly Dictionary<string, string> Reported = new()
    {
        ["Batch 1"] = "Erin George=18,Alex Hall=2,Write-In=0",
        ["Batch 2"] = "Erin George=15,Alex Hall=2,Write-In=0",
        ["Batch 3"] = "Erin George=8,Alex Hall=1,Write-In=0",
    };

    private string Start()
    {
        string dir = P("audit");
        var (code, output, error) = Run("init", "--dir", dir, "--method", "batch", "--risk-limit", "0.1",
            "--manifest", V("more/generated-jurisdiction/siletz-ballot-manifest.csv"), "--results", P("results.csv"),
            "--batch-tallies", V("more/generated-jurisdiction/siletz-minister-of-farming-candidate-totals-by-batch.csv"), "--parties", "Blue,Red",
            "--commit-by", T0.AddHours(1).ToString("O", CultureInfo.InvariantCulture), "--reveal-by", T0.AddHours(2).ToString("O", CultureInfo.InvariantCulture));
        Assert.True(code == 0, error);
        Assert.Contains("MACRO: total error bound U = 2.583333, first round 3 batches.", output, StringComparison.Ordinal);
        Assert.Equal(0, Run("seed", "commit", "--dir", dir, "--party", "Blue", "--secret-file", dir + ".blue").Code);
        Assert.Equal(0, Run("seed", "commit", "--dir", dir, "--party", "Red", "--secret-file", dir + ".red").Code);
        _clock.Now = T0.AddMinutes(70);
        Assert.Equal(0, Run("seed", "reveal", "--dir", dir, "--party", "Blue", "--secret-file", dir + ".blue").Code);
        Assert.Equal(0, Run("seed", "reveal", "--dir", dir, "--party", "Red", "--secret-file", dir + ".red").Code);
        _clock.Now = T0.AddHours(2);
        return dir;
    }

    private static List<string[]> Retrieval(string dir, int round) =>
        [.. File.ReadAllLines(Path.Combine(dir, "rounds", $"round-{round}-retrieval.csv")).Skip(1).Select(l => l.Split(','))];

    private static void CountRound(string dir, int round, Func<string, string> count)
    {
        foreach (string[] row in Retrieval(dir, round))
        {
            string[] args = ["record", "--dir", dir, "--tabulator", row[1], "--batch", row[2], "--contest", "Minister of Farming"];
            foreach (string c in count(row[2]).Split(','))
            {
                args = [.. args, "--count", c];
            }

            var (code, _, error) = Run(args);
            Assert.True(code == 0, error);
        }

        Assert.Equal(0, Run("record", "--dir", dir, "--sign-off", "Board 1").Code);
    }

    [Fact]
    public void Clean_hand_counts_confirm_the_outcome_after_enough_PPEB_draws_and_the_report_lists_every_batch_counted()
    {
        string dir = Start();
        int round = 0;
        int code;
        do
        {
            var sample = Run("sample", "--dir", dir);
            Assert.True(sample.Code == 0, sample.Err);
            round++;
            List<string[]> rows = Retrieval(dir, round);
            Assert.All(rows, r => Assert.Contains(r[2], Reported.Keys));
            Assert.All(rows, r => Assert.Equal("", r[0])); // no containers in this manifest
            CountRound(dir, round, b => Reported[b]);
            code = Run("status", "--dir", dir).Code;
        }
        while (code == 1 && round < 5);

        Assert.Equal(0, code);
        Assert.True(round >= 2, "with U = 2.58 three clean draws leave risk 0.23, above 0.1");
        Assert.Equal(0, Run("report", "--dir", dir, "--out", P("report")).Code);
        string report = File.ReadAllText(Path.Combine(P("report"), "report.csv"));
        foreach (string[] row in Retrieval(dir, 1))
        {
            string counted = string.Join("; ", Reported[row[2]].Split(',').Order(StringComparer.Ordinal).Select(c => c.Replace('=', ' ')));
            Assert.Contains($"{row[2]},0,", report, StringComparison.Ordinal); // Position 0: the whole batch
            Assert.Contains(counted, report, StringComparison.Ordinal);
        }
        Assert.Contains("Batch comparison (MACRO across contests, PPEB draws)", File.ReadAllText(Path.Combine(P("report"), "report.html")), StringComparison.Ordinal);
    }

    [Fact]
    public void A_hand_count_that_moves_every_vote_to_the_loser_calls_for_a_full_hand_count()
    {
        string dir = Start();
        Assert.Equal(0, Run("sample", "--dir", dir, "--size", "2").Code);
        CountRound(dir, 1, b => b switch
        {
            "Batch 1" => "Erin George=0,Alex Hall=26",
            "Batch 2" => "Erin George=0,Alex Hall=22",
            _ => "Erin George=0,Alex Hall=9",
        });
        var (code, output, _) = Run("status", "--dir", dir);
        Assert.Equal(1, code);
        Assert.Contains("Escalate to a full hand count.", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Ballot_options_are_refused_in_a_batch_audit_and_counts_beyond_the_batch_size_too()
    {
        string dir = Start();
        Assert.Equal(0, Run("sample", "--dir", dir, "--size", "1").Code);
        string[] row = Retrieval(dir, 1)[0];
        var (code, _, error) = Run("record", "--dir", dir, "--tabulator", row[1], "--batch", row[2], "--contest", "Minister of Farming", "--count", "Erin George=1000");
        Assert.Equal(2, code);
        Assert.Contains("votes allowed; check the count", error, StringComparison.Ordinal);
        Assert.Equal(2, Run("record", "--dir", dir, "--sign-off", "Board 1").Code); // the batch is not counted yet
    }
}
