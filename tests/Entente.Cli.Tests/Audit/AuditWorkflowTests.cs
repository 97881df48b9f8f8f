using System.Globalization;

namespace Entente.Cli.Tests.Audit;

/// <summary>A clock the test moves by hand.</summary>
internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;
}

[Collection("audit clock")]
public sealed class AuditWorkflowTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);
    private readonly string _root = Path.Combine(Path.GetTempPath(), "entente-audit-" + Guid.NewGuid().ToString("N"));
    private readonly ManualClock _clock = new(T0);

    public AuditWorkflowTests()
    {
        Directory.CreateDirectory(_root);
        Commands.Audit.AuditCli.Clock = _clock;
        File.WriteAllText(Path.Combine(_root, "manifest.csv"), "Container,Tabulator,Batch,Ballots\nBox 1,T1,B1,200\nBox 1,T1,B2,300\nBox 2,T2,B10,250\nBox 2,T2,B9,250\n");
        File.WriteAllText(Path.Combine(_root, "results.csv"), "Contest,Choice,Votes,Ballots\nMayor,Alice,700,1000\nMayor,Bob,250,1000\n");
    }

    public void Dispose()
    {
        Commands.Audit.AuditCli.Clock = TimeProvider.System;
        Directory.Delete(_root, recursive: true);
    }

    private string P(string name) => Path.Combine(_root, name);

    private static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(["audit", .. args]);

    private string Init(string dir)
    {
        var (code, _, error) = Run("init", "--dir", P(dir), "--method", "bravo", "--risk-limit", "0.1", "--manifest", P("manifest.csv"), "--results", P("results.csv"),
            "--parties", "Blue,Red", "--commit-by", T0.AddHours(1).ToString("O", CultureInfo.InvariantCulture), "--reveal-by", T0.AddHours(2).ToString("O", CultureInfo.InvariantCulture));
        Assert.True(code == 0, error);
        return P(dir);
    }

    private void MakeSeed(string dir, bool redReveals = true)
    {
        Assert.Equal(0, Run("seed", "commit", "--dir", dir, "--party", "Blue", "--secret-file", dir + ".blue").Code);
        Assert.Equal(0, Run("seed", "commit", "--dir", dir, "--party", "Red", "--secret-file", dir + ".red").Code);
        Assert.Equal(2, Run("seed", "reveal", "--dir", dir, "--party", "Blue", "--secret-file", dir + ".blue").Code);
        _clock.Now = T0.AddMinutes(70);
        Assert.Equal(0, Run("seed", "reveal", "--dir", dir, "--party", "Blue", "--secret-file", dir + ".blue").Code);
        if (redReveals)
        {
            Assert.Equal(0, Run("seed", "reveal", "--dir", dir, "--party", "Red", "--secret-file", dir + ".red").Code);
        }

        Assert.Equal(1, Run("seed", "status", "--dir", dir).Code);
        _clock.Now = T0.AddHours(2);
    }

    private static List<string[]> Retrieval(string dir, int round) =>
        [.. File.ReadAllLines(Path.Combine(dir, "rounds", $"round-{round}-retrieval.csv")).Skip(1).Select(l => l.Split(','))];

    [Fact]
    public void A_polling_audit_runs_from_init_to_a_confirmed_report()
    {
        string dir = Init("a");
        MakeSeed(dir);
        var (seedCode, seedOut, _) = Run("seed", "status", "--dir", dir);
        Assert.Equal(0, seedCode);
        Assert.Contains("revealed", seedOut, StringComparison.Ordinal);
        Assert.Equal(0, Run("sample", "--dir", dir).Code);
        List<string[]> ballots = Retrieval(dir, 1);
        Assert.NotEmpty(ballots);
        Assert.Equal(ballots.OrderBy(b => b[0], StringComparer.Ordinal).ThenBy(b => b[1], StringComparer.Ordinal)
            .ThenBy(b => int.Parse(b[2][1..], CultureInfo.InvariantCulture)).ThenBy(b => int.Parse(b[3], CultureInfo.InvariantCulture)).ToList(), ballots);
        Assert.Equal(1, Run("status", "--dir", dir).Code);
        Assert.Equal(2, Run("record", "--dir", dir, "--sign-off", "Board 1").Code);
        for (int i = 0; i < ballots.Count; i++)
        {
            string[] b = ballots[i];
            Assert.Equal(0, Run("record", "--dir", dir, "--tabulator", b[1], "--batch", b[2], "--position", b[3], "--contest", "Mayor", "--choice", i % 5 == 0 ? "Bob" : "Alice").Code);
        }

        Assert.Equal(0, Run("record", "--dir", dir, "--undo").Code);
        Assert.Equal(2, Run("record", "--dir", dir, "--sign-off", "Board 1").Code);
        string[] last = ballots[^1];
        Assert.Equal(0, Run("record", "--dir", dir, "--tabulator", last[1], "--batch", last[2], "--position", last[3], "--contest", "Mayor", "--choice", "Alice").Code);
        Assert.Equal(2, Run("record", "--dir", dir, "--batch", "B1", "--position", "9999", "--contest", "Mayor").Code);
        Assert.Equal(0, Run("record", "--dir", dir, "--sign-off", "Board 1").Code);
        Assert.Equal(2, Run("record", "--dir", dir, "--undo").Code);
        var (statusCode, status, _) = Run("status", "--dir", dir);
        Assert.Equal(0, statusCode);
        Assert.Contains("confirmed", status, StringComparison.Ordinal);
        Assert.Equal(0, Run("report", "--dir", dir).Code);
        string html = File.ReadAllText(Path.Combine(dir, "report.html"));
        Assert.Contains("<svg", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Every reported outcome is confirmed", html, StringComparison.Ordinal);
        string csv = File.ReadAllText(Path.Combine(dir, "report.csv"));
        Assert.Contains("Mayor,1,Alice,1000,0.45,", csv, StringComparison.Ordinal);
        Assert.Contains("######## SAMPLED BALLOTS ########", csv, StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_seed_gives_the_same_retrieval_list_and_a_second_round_continues_the_stream()
    {
        string a = Init("a");
        MakeSeed(a);
        _clock.Now = T0;
        string b = Init("b");
        _clock.Now = T0.AddHours(2);
        Assert.Equal(0, Run("sample", "--dir", a, "--size", "30").Code);
        string firstList = File.ReadAllText(Path.Combine(a, "rounds", "round-1-retrieval.csv"));
        var (seedCode, seedOut, _) = Run("seed", "status", "--dir", a);
        Assert.Equal(0, seedCode);
        string seed = seedOut.Split("Seed: ")[1].Trim();
        var (_, sample40, _) = Run("sample", "--method", "consistent", "--seed", seed, "--manifest", P("manifest.csv"), "--count", "40", "--with-replacement", "--digits", "18");
        string[] expected40 = sample40.TrimEnd('\n').Split('\n');
        Assert.Contains(expected40[0].Split(',')[0], firstList, StringComparison.Ordinal);
        foreach (string[] row in Retrieval(a, 1))
        {
            Assert.Equal(0, Run("record", "--dir", a, "--tabulator", row[1], "--batch", row[2], "--position", row[3], "--contest", "Mayor", "--choice", "Bob").Code);
        }

        Assert.Equal(0, Run("record", "--dir", a, "--sign-off", "Board 2").Code);
        var (code, status, _) = Run("status", "--dir", a);
        Assert.Equal(1, code);
        Assert.Matches("another round|full hand count", status);
        Assert.Equal(0, Run("sample", "--dir", a, "--size", "10").Code);
        string second = File.ReadAllText(Path.Combine(a, "rounds", "round-2-retrieval.csv"));
        foreach (string line in expected40.Skip(30))
        {
            Assert.Contains(line.Split(',')[0], second, StringComparison.Ordinal);
        }

        Assert.True(Directory.Exists(b));
    }

    [Fact]
    public void Sampling_before_the_seed_is_final_or_after_an_input_changed_is_refused()
    {
        string dir = Init("a");
        var (code, _, error) = Run("sample", "--dir", dir);
        Assert.Equal(2, code);
        Assert.Contains("not final", error, StringComparison.Ordinal);
        MakeSeed(dir, redReveals: false);
        var (_, seedStatus, _) = Run("seed", "status", "--dir", dir);
        Assert.Contains("did not reveal", seedStatus, StringComparison.Ordinal);
        File.AppendAllText(Path.Combine(dir, "inputs", "manifest.csv"), "Box 3,T3,B11,10\n");
        (code, _, error) = Run("sample", "--dir", dir);
        Assert.Equal(2, code);
        Assert.Contains("changed after the audit began", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Init_refuses_an_existing_audit_and_bad_deadlines()
    {
        Init("a");
        Assert.Equal(2, Run("init", "--dir", P("a"), "--method", "bravo", "--manifest", P("manifest.csv"), "--results", P("results.csv"),
            "--parties", "Blue", "--commit-by", "2026-11-28T10:00:00Z", "--reveal-by", "2026-11-28T11:00:00Z").Code);
        Assert.Equal(2, Run("init", "--dir", P("c"), "--method", "bravo", "--manifest", P("manifest.csv"), "--results", P("results.csv"),
            "--parties", "Blue", "--commit-by", "2026-11-28T12:00:00Z", "--reveal-by", "2026-11-28T11:00:00Z").Code);
        Assert.Equal(2, Run("init", "--dir", P("d"), "--method", "comparison", "--manifest", P("manifest.csv"), "--results", P("results.csv"),
            "--parties", "Blue", "--commit-by", "2026-11-28T10:00:00Z", "--reveal-by", "2026-11-28T11:00:00Z").Code);
    }
}

[CollectionDefinition("audit clock", DisableParallelization = true)]
public sealed class AuditClockGroup;
