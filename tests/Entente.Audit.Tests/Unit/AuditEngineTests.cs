using Entente.Audit.Io;
using Entente.Audit.Statistics;
using Entente.Audit.Workflow;

namespace Entente.Audit.Tests.Unit;

public class AuditEngineTests
{
    private static readonly ReportedContest Mayor = new("Mayor", [new("Alice", 600), new("Bob", 300), new("Carol", 50)], 1000);

    private static AuditDraw Draw(int i) => new(i, "0.1", null, "T1", "B1", i, 1);

    private static HashSet<string> V(params string[] choices) => new(choices, StringComparer.Ordinal);

    private static Dictionary<string, IReadOnlySet<string>> On(params string[] choices) => new() { ["Mayor"] = V(choices) };

    [Fact]
    public void Comparison_classifies_each_discrepancy_and_measures_with_Kaplan_Markov()
    {
        AuditDraw[] draws = [.. Enumerable.Range(1, 8).Select(Draw)];
        Dictionary<BallotLocation, CastVoteRecord> cvrs = new()
        {
            [new("T1", "B1", 1)] = new("c1", new("T1", "B1", 1), On("Alice")),
            [new("T1", "B1", 2)] = new("c2", new("T1", "B1", 2), On("Alice")),
            [new("T1", "B1", 3)] = new("c3", new("T1", "B1", 3), On("Alice")),
            [new("T1", "B1", 4)] = new("c4", new("T1", "B1", 4), On("Bob")),
            [new("T1", "B1", 5)] = new("c5", new("T1", "B1", 5), On("Alice")),
            [new("T1", "B1", 7)] = new("c7", new("T1", "B1", 7), new Dictionary<string, IReadOnlySet<string>>()),
            [new("T1", "B1", 8)] = new("c8", new("T1", "B1", 8), On()),
        };
        Dictionary<string, BallotReading> readings = new()
        {
            [draws[0].BallotKey] = new(false, On("Alice")),       // agrees
            [draws[1].BallotKey] = new(false, On("Bob")),         // two-vote overstatement
            [draws[2].BallotKey] = new(false, On()),              // one-vote overstatement
            [draws[3].BallotKey] = new(false, On("Alice")),       // against Carol only a one-vote understatement: the worst pair counts
            [draws[4].BallotKey] = new(true, new Dictionary<string, IReadOnlySet<string>>()), // not found: two-vote overstatement
            [draws[5].BallotKey] = new(false, On("Alice")),       // no CVR: two-vote overstatement
            [draws[6].BallotKey] = new(false, new Dictionary<string, IReadOnlySet<string>>()), // contest on neither: no discrepancy
            [draws[7].BallotKey] = new(false, On("Alice")),       // CVR blank, audit Alice: one-vote understatement
        };
        AuditDecision d = AuditEngine.Evaluate(AuditMethod.Comparison, 0.05, [Mayor], 1000, draws, readings, cvrs);
        ContestRisk r = Assert.Single(d.Contests);
        Assert.Equal(new Discrepancies(1, 3, 2, 0), r.Discrepancies);
        Assert.Equal(1, r.NotFound);
        Assert.Equal(KaplanMarkov.PValue(8, 0.3, new Discrepancies(1, 3, 2, 0)), r.PValue, 12);
        Assert.Equal(8, r.RiskByDraw.Count);
        Assert.Equal(ContestDecision.FullHandCount, r.Decision);
    }

    [Fact]
    public void Comparison_without_discrepancies_confirms_at_the_initial_size()
    {
        long n = KaplanMarkov.SampleSize(0.05, 0.3, DiscrepancyRates.Default, 1000);
        AuditDraw[] draws = [.. Enumerable.Range(1, (int)n).Select(Draw)];
        Dictionary<BallotLocation, CastVoteRecord> cvrs = draws.ToDictionary(x => new BallotLocation("T1", "B1", x.Position), x => new CastVoteRecord("c", new("T1", "B1", x.Position), On("Alice")));
        Dictionary<string, BallotReading> readings = draws.ToDictionary(x => x.BallotKey, _ => new BallotReading(false, On("Alice")));
        Assert.Equal(n, AuditEngine.FirstRoundSize(AuditMethod.Comparison, 0.05, [Mayor], 1000));
        AuditDecision d = AuditEngine.Evaluate(AuditMethod.Comparison, 0.05, [Mayor], 1000, draws, readings, cvrs);
        Assert.True(d.AllConfirmed);
        Assert.True(d.Contests[0].RiskByDraw.Zip(d.Contests[0].RiskByDraw.Skip(1)).All(p => p.Second <= p.First));
    }

    [Fact]
    public void Polling_counts_not_found_ballots_for_every_loser_and_matches_Bravo()
    {
        AuditDraw[] draws = [.. Enumerable.Range(1, 40).Select(Draw)];
        Dictionary<string, BallotReading> readings = draws.ToDictionary(x => x.BallotKey, x =>
            x.Position == 40 ? new BallotReading(true, new Dictionary<string, IReadOnlySet<string>>())
            : new BallotReading(false, On(x.Position % 3 == 0 ? "Bob" : "Alice")));
        AuditDecision d = AuditEngine.Evaluate(AuditMethod.Bravo, 0.1, [Mayor], 1000, draws, readings, null);
        IReadOnlyList<PairRisk> expected = Bravo.Risk(Mayor, new Dictionary<string, long> { ["Alice"] = 26, ["Bob"] = 13 }, notFound: 1);
        foreach (PairRisk p in expected)
        {
            Assert.Equal(p.PValue, d.Contests[0].Pairs.Single(x => x.Loser == p.Loser).PValue, 12);
        }

        Assert.Equal(1, d.Contests[0].NotFound);
        Assert.Equal(26, d.Contests[0].Tally["Alice"]);
    }

    [Fact]
    public void The_first_polling_round_uses_the_90_percent_one_round_size()
    {
        Assert.Equal(Bravo.SampleSizes(0.1, Mayor, new Dictionary<string, long>()).Quantiles[0.9], AuditEngine.FirstRoundSize(AuditMethod.Bravo, 0.1, [Mayor], 1000));
    }

    [Fact]
    public void State_files_are_written_atomically_and_never_left_half_written()
    {
        string dir = Path.Combine(Path.GetTempPath(), "entente-atomic-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string file = Path.Combine(dir, "audit.json");
            AuditDirectory.WriteAtomically(file, "{\"a\":1}");
            AuditDirectory.WriteAtomically(file, "{\"a\":2}");
            Assert.Equal("{\"a\":2}", File.ReadAllText(file));
            Assert.Single(Directory.GetFiles(dir));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
