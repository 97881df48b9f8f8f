using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Entente.Cli.Tests.Audit;

/// <summary>
/// <c>audit record --readings FILE</c> (an audit board's readings of a whole round at once, as the demo's board records them)
/// and <c>audit status --json</c> (the risk per contest after each draw, for tools and the demo).
/// </summary>
[Collection("audit clock")]
public sealed class AuditReadingsFileTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);
    private readonly string _root = Path.Combine(Path.GetTempPath(), "entente-readings-" + Guid.NewGuid().ToString("N"));
    private readonly ManualClock _clock = new(T0);

    public AuditReadingsFileTests()
    {
        Directory.CreateDirectory(_root);
        Commands.Audit.AuditCli.Clock = _clock;
        File.WriteAllText(P("manifest.csv"), "Container,Tabulator,Batch,Ballots\nBox 1,T1,B1,300\nBox 2,T2,B2,200\n");
        File.WriteAllText(P("results.csv"), "Contest,Choice,Votes,Ballots\nMayor,Alice,350,500\nMayor,Bob,120,500\nBond,Yes,200,250\nBond,No,40,250\n");
    }

    public void Dispose()
    {
        Commands.Audit.AuditCli.Clock = TimeProvider.System;
        Directory.Delete(_root, recursive: true);
    }

    private string P(string name) => Path.Combine(_root, name);

    private static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(["audit", .. args]);

    /// <summary>An audit with its seed made and round 1 drawn; returns the folder and the round's ballots (tabulator, batch, position).</summary>
    private (string Dir, List<(string Tabulator, string Batch, int Position)> Ballots) Sampled()
    {
        string dir = P("audit");
        Assert.Equal(0, Run("init", "--dir", dir, "--method", "bravo", "--risk-limit", "0.1", "--manifest", P("manifest.csv"), "--results", P("results.csv"),
            "--parties", "Blue,Red", "--commit-by", T0.AddHours(1).ToString("O", CultureInfo.InvariantCulture), "--reveal-by", T0.AddHours(2).ToString("O", CultureInfo.InvariantCulture)).Code);
        foreach (string party in new[] { "Blue", "Red" })
        {
            Assert.Equal(0, Run("seed", "commit", "--dir", dir, "--party", party, "--secret-file", P(party)).Code);
        }

        _clock.Now = T0.AddMinutes(70);
        foreach (string party in new[] { "Blue", "Red" })
        {
            Assert.Equal(0, Run("seed", "reveal", "--dir", dir, "--party", party, "--secret-file", P(party)).Code);
        }

        _clock.Now = T0.AddHours(2);
        Assert.Equal(0, Run("sample", "--dir", dir).Code);
        return (dir, [.. File.ReadAllLines(Path.Combine(dir, "rounds", "round-1-retrieval.csv")).Skip(1).Where(l => l.Length > 0)
            .Select(l => l.Split(',')).Select(c => (c[1], c[2], int.Parse(c[3], CultureInfo.InvariantCulture)))]);
    }

    [Fact]
    public void A_round_recorded_from_one_readings_file_is_measured_like_one_recorded_ballot_by_ballot_and_status_json_gives_each_contests_risk()
    {
        (string dir, var ballots) = Sampled();
        StringBuilder readings = new("Tabulator,Batch,Position,Contest,Choice,OnBallot,Found\n");
        for (int i = 0; i < ballots.Count; i++)
        {
            (string t, string b, int p) = ballots[i];
            if (i == 0)
            {
                readings.Append(CultureInfo.InvariantCulture, $"{t},{b},{p},,,,N\n"); // not found: counts for the loser
                continue;
            }

            readings.Append(CultureInfo.InvariantCulture, $"{t},{b},{p},Mayor,Alice,Y,Y\n");
            if (i % 2 == 0)
            {
                readings.Append(CultureInfo.InvariantCulture, $"{t},{b},{p},Bond,Yes,Y,Y\n");
            }
            else
            {
                readings.Append(CultureInfo.InvariantCulture, $"{t},{b},{p},Bond,,N,Y\n");
            }
        }

        File.WriteAllText(P("readings.csv"), readings.ToString());
        var (code, output, error) = Run("record", "--dir", dir, "--readings", P("readings.csv"));
        Assert.True(code == 0, error);
        Assert.Contains($"Recorded {2 * ballots.Count - 1} reading(s)", output, StringComparison.Ordinal);
        Assert.Contains("Every sampled ballot of this round is recorded", output, StringComparison.Ordinal);
        Assert.Equal(0, Run("record", "--dir", dir, "--sign-off", "Board 1").Code);

        (code, output, error) = Run("status", "--dir", dir, "--json");
        Assert.True(code is 0 or 1, error);
        using JsonDocument status = JsonDocument.Parse(output);
        JsonElement root = status.RootElement;
        Assert.Equal("bravo", root.GetProperty("method").GetString());
        Assert.Equal(1, root.GetProperty("signed_off_rounds").GetInt32());
        JsonElement mayor = root.GetProperty("contests").GetProperty("Mayor");
        long draws = root.GetProperty("draws").GetInt64();
        Assert.Equal(draws, mayor.GetProperty("risk_by_draw").GetArrayLength());
        // BRAVO draws with replacement: the ballot not found counts once per time it was drawn (the seed is fresh).
        Assert.InRange(mayor.GetProperty("not_found").GetInt64(), 1, draws);
        double risk = mayor.GetProperty("risk").GetDouble();
        Assert.InRange(risk, 0, 1);
        Assert.Equal(risk <= 0.1 ? "confirmed" : "another_round", mayor.GetProperty("decision").GetString());
        Assert.Equal(code == 0, root.GetProperty("all_confirmed").GetBoolean());
        Assert.True(root.GetProperty("contests").TryGetProperty("Bond", out _));
    }

    [Theory]
    [InlineData("Mayor,Carol,Y,Y", "Choice", "not a choice of \"Mayor\"")]
    [InlineData("Council,Alice,Y,Y", "Contest", "no contest \"Council\"")]
    [InlineData("Mayor,Alice,maybe,Y", "OnBallot", "must be Y or N")]
    [InlineData("Bond,Yes,N,Y", "Choice", "not on the ballot has no choices")]
    public void A_bad_row_is_refused_naming_its_row_and_column_and_nothing_of_the_file_is_recorded(string tail, string column, string problem)
    {
        (string dir, var ballots) = Sampled();
        (string t, string b, int p) = ballots[0];
        File.WriteAllText(P("readings.csv"), $"Tabulator,Batch,Position,Contest,Choice,OnBallot,Found\n{t},{b},{p},Mayor,Alice,Y,Y\n{t},{b},{p},{tail}\n");
        var (code, _, error) = Run("record", "--dir", dir, "--readings", P("readings.csv"));
        Assert.Equal(2, code);
        Assert.Contains(column, error, StringComparison.Ordinal);
        Assert.Contains("row 3", error, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(problem, error, StringComparison.Ordinal);
        Assert.DoesNotContain("Alice", File.ReadAllText(Path.Combine(dir, "interpretations.json")), StringComparison.Ordinal);
    }

    [Fact]
    public void A_row_naming_a_ballot_outside_the_rounds_sample_is_refused()
    {
        (string dir, var ballots) = Sampled();
        HashSet<int> drawn = [.. ballots.Where(x => x.Batch == "B2").Select(x => x.Position)];
        int outside = Enumerable.Range(1, 200).First(p => !drawn.Contains(p));
        File.WriteAllText(P("readings.csv"), $"Tabulator,Batch,Position,Contest,Choice\nT2,B2,{outside},Mayor,Alice\n");
        var (code, _, error) = Run("record", "--dir", dir, "--readings", P("readings.csv"));
        Assert.Equal(2, code);
        Assert.Contains($"B2 #{outside} is not in round 1's sample", error, StringComparison.Ordinal);
    }
}
