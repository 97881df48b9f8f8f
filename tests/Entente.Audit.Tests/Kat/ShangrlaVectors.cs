using System.Text.Json;
using Entente.Audit.Statistics;

namespace Entente.Audit.Tests.Kat;

public class ShangrlaVectors
{
    private static readonly JsonElement Root = Vectors.Load("shangrla_vectors.json");

    [Fact]
    public void Overstatement_assorter_values_reproduce()
    {
        foreach (JsonElement c in Root.GetProperty("overstatement_assorter (1 - o/u)/(2 - v/u), u=1 plurality assorter").EnumerateArray())
        {
            double b = Alpha.OverstatementAssort(c.GetProperty("o").GetDouble(), c.GetProperty("margin_v").GetDouble());
            Assert.Equal(Vectors.Number(c.GetProperty("value")), b, 12);
        }
    }

    [Fact]
    public void Overstatement_rules_for_phantoms_and_card_style_reproduce()
    {
        JsonElement rules = Root.GetProperty("overstatement (cvr_assort - mvr_assort), AvB assorter");
        HashSet<string> alice = ["Alice"];
        HashSet<string> bob = ["Bob"];
        HashSet<string> blank = [];
        double O(HashSet<string>? cvr, HashSet<string>? mvr, bool hasContest = true, bool useStyle = true) =>
            Alpha.PluralityOverstatement(cvr, mvr, hasContest, "Alice", "Bob", useStyle);
        Assert.Equal(rules.GetProperty("mvr Alice / cvr Alice").GetDouble(), O(alice, alice));
        Assert.Equal(rules.GetProperty("mvr Alice / cvr Bob").GetDouble(), O(bob, alice));
        Assert.Equal(rules.GetProperty("mvr blank / cvr Alice").GetDouble(), O(alice, blank));
        Assert.Equal(rules.GetProperty("mvr blank / cvr Bob").GetDouble(), O(bob, blank));
        Assert.Equal(rules.GetProperty("mvr Bob / cvr Alice").GetDouble(), O(alice, bob));
        Assert.Equal(rules.GetProperty("mvr lacks contest / cvr Alice, use_style=True").GetDouble(), O(alice, blank, hasContest: false, useStyle: true));
        Assert.Equal(rules.GetProperty("mvr lacks contest / cvr Alice, use_style=False").GetDouble(), O(alice, blank, hasContest: false, useStyle: false));
        Assert.Equal(rules.GetProperty("phantom mvr / phantom cvr").GetDouble(), O(null, null));
        Assert.Equal(rules.GetProperty("phantom mvr / cvr Alice").GetDouble(), O(alice, null));
        Assert.Equal(rules.GetProperty("phantom mvr / cvr Bob").GetDouble(), O(bob, null));
    }

    [Fact]
    public void Overstatement_assorter_mean_and_margin_reproduce()
    {
        // Mean of B over a population with error rates r1 (ω = u/2) and r2 (ω = u), margin v = 0.5.
        static double Mean(double r1, double r2) =>
            (1 - r1 - r2) * Alpha.OverstatementAssort(0, 0.5) + r1 * Alpha.OverstatementAssort(0.5, 0.5) + r2 * Alpha.OverstatementAssort(1, 0.5);
        JsonElement m = Root.GetProperty("overstatement_assorter_mean(margin 0.5)");
        Assert.Equal(Vectors.Number(m.GetProperty("no errors")), Mean(0, 0), 12);
        Assert.Equal(m.GetProperty("error_rate_1=0.5").GetDouble(), Mean(0.5, 0), 12);
        Assert.Equal(m.GetProperty("error_rate_2=0.25").GetDouble(), Mean(0, 0.25), 12);
        Assert.Equal(Vectors.Number(m.GetProperty("r1=0.25,r2=0.25")), Mean(0.25, 0.25), 12);
        Assert.Equal(Vectors.Number(Root.GetProperty("overstatement_assorter_margin(margin 0.5)")), 2 * Mean(0, 0) - 1, 12);
    }

    [Fact]
    public void Alpha_sample_sizes_reproduce()
    {
        JsonElement s = Root.GetProperty("alpha_mart_sample_size (N=1000, t=0.5, u=1, eta=0.75 fixed, alpha=0.05, data tiled)");
        FixedAlternativeMean eta = new(0.75);
        Assert.Equal(s.GetProperty("all x=1").GetInt64(), Alpha.SampleSize([1.0], 0.05, 1000, 1, eta, 1000));
        Assert.Equal(s.GetProperty("all x=0.75").GetInt64(), Alpha.SampleSize([0.75], 0.05, 1000, 1, eta, 1000));
    }

    [Fact]
    public void Kaplan_Markov_and_Kaplan_Wald_reproduce()
    {
        JsonElement km = Root.GetProperty("kaplan_markov (t=0.5, with replacement)");
        Assert.Equal(Vectors.Number(km.GetProperty("x=[1,1,1,1,1], g=0")), Alpha.KaplanMarkovPValue([1, 1, 1, 1, 1], 0.5, 0, true), 12);
        Assert.Equal(Vectors.Number(km.GetProperty("x=[1,1,1,1,1,0], g=0.1, random_order")), Alpha.KaplanMarkovPValue([1, 1, 1, 1, 1, 0], 0.5, 0.1, true), 12);
        Assert.Equal(Vectors.Number(km.GetProperty("same, random_order=False")), Alpha.KaplanMarkovPValue([1, 1, 1, 1, 1, 0], 0.5, 0.1, false), 12);
        JsonElement kw = Root.GetProperty("kaplan_wald (t=0.5)");
        Assert.Equal(Vectors.Number(kw.GetProperty("x=[1]*5, g=0")), Alpha.KaplanWaldPValue([1, 1, 1, 1, 1], 0.5, 0, true), 12);
        Assert.Equal(Vectors.Number(kw.GetProperty("x=[1,1,1,1,1,0], g=0.1")), Alpha.KaplanWaldPValue([1, 1, 1, 1, 1, 0], 0.5, 0.1, true), 12);
        Assert.Equal(Vectors.Number(kw.GetProperty("same, random_order=False")), Alpha.KaplanWaldPValue([1, 1, 1, 1, 1, 0], 0.5, 0.1, false), 12);
    }

    [Fact]
    public void Betting_martingale_with_a_fixed_bet_follows_the_closed_form()
    {
        // "p = 1/(1+lam*(val-0.5))^n"
        foreach ((double lambda, double value, int n) in new[] { (0.5, 0.75, 10), (1.0, 0.6, 25), (0.25, 1.0, 3) })
        {
            double[] x = [.. Enumerable.Repeat(value, n)];
            Assert.Equal(Math.Min(1, 1 / Math.Pow(1 + lambda * (value - 0.5), n)), Alpha.BettingPValue(x, 0.5, lambda), 12);
        }
    }

    [Fact]
    public void Running_sums_and_null_means_reproduce()
    {
        foreach (JsonProperty p in Root.GetProperty("sjm").EnumerateObject())
        {
            bool infinite = p.Name.StartsWith("N=inf", StringComparison.Ordinal);
            long n = infinite ? Alpha.Infinite : 5;
            double t = infinite ? 0.52 : 1.53;
            double[] x = infinite ? [1, 0, 0.5, 4, 0.5] : [1, 2, 0.5, 1, 4];
            (double[] s, double total, double[] m) = Alpha.SumsAndNullMeans(x, n, t);
            Assert.Equal(p.Value.GetProperty("S").EnumerateArray().Select(e => e.GetDouble()), s);
            Assert.Equal(p.Value.GetProperty("Stot").GetDouble(), total);
            double[] expected = [.. p.Value.GetProperty("m").EnumerateArray().Select(e => e.GetDouble())];
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.Equal(expected[i], m[i], 12);
            }
        }
    }
}
