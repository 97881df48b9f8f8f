using System.Text.Json;
using Entente.Audit.Statistics;

namespace Entente.Audit.Tests.Kat;

public class ComparisonVectors
{
    private static readonly JsonElement Root = Vectors.Load("supersimple_kaplan_markov_vectors.json");
    private static readonly JsonElement Arlo = Root.GetProperty("arlo");
    private const double Alpha = 0.1;
    private static readonly double Nh2016 = (354040.0 - 337589) / (354040 + 337589 + 33234);

    private static ReportedContest Contest(string name)
    {
        JsonElement spec = Arlo.GetProperty("contests").GetProperty(name);
        return BravoVectors.Contest(name, spec);
    }

    private static IEnumerable<string> Names => Arlo.GetProperty("contests").EnumerateObject().Select(p => p.Name);

    private static long Expected(string section, string contest) =>
        Arlo.EnumerateObject().Single(p => p.Name.StartsWith(section, StringComparison.Ordinal)).Value.GetProperty(contest).GetInt64();

    private static double ExpectedP(string section, string contest) =>
        Arlo.EnumerateObject().Single(p => p.Name.StartsWith(section, StringComparison.Ordinal)).Value.GetProperty(contest).GetDouble();

    [Fact]
    public void Diluted_margins_are_the_smallest_pairwise_margin_over_ballots()
    {
        foreach (JsonProperty p in Arlo.GetProperty("diluted_margins").EnumerateObject())
        {
            Assert.Equal(Vectors.Number(p.Value), Contest(p.Name).DilutedMargin, 12);
        }
    }

    [Fact]
    public void Initial_sizes_from_default_rates_match_Arlo()
    {
        foreach (string name in Names)
        {
            ReportedContest c = Contest(name);
            Assert.True(KaplanMarkov.SampleSize(Alpha, c.DilutedMargin, DiscrepancyRates.Default, c.Ballots) == Expected("initial_sample_size", name), name);
        }
    }

    [Fact]
    public void Sizes_after_one_overstatement_in_the_initial_sample_match_Arlo()
    {
        foreach (string name in Names)
        {
            ReportedContest c = Contest(name);
            long n = Expected("initial_sample_size", name);
            Assert.True(KaplanMarkov.NextRoundSize(Alpha, c.DilutedMargin, n, new Discrepancies(1, 0, 0, 0), c.Ballots) == Expected("stopping_size_after_initial_sample_with_one_1vote", name), name);
            Assert.True(KaplanMarkov.NextRoundSize(Alpha, c.DilutedMargin, n, new Discrepancies(0, 1, 0, 0), c.Ballots) == Expected("stopping_size_with_one_2vote", name), name);
        }
    }

    [Fact]
    public void P_values_after_the_initial_sample_match_Arlo_within_a_thousandth()
    {
        foreach (string name in Names)
        {
            ReportedContest c = Contest(name);
            long n = Expected("initial_sample_size", name);
            Assert.True(Math.Abs(KaplanMarkov.PValue(n, c.DilutedMargin, default) - ExpectedP("p_value_after_initial_sample_no", name)) < 0.001, name);
            if (name == "Contest F")
            {
                continue; // Arlo's discrepancy ballot does not contain contest F (see the vector's note).
            }

            Assert.True(Math.Abs(KaplanMarkov.PValue(n, c.DilutedMargin, new Discrepancies(1, 0, 0, 0)) - ExpectedP("p_value_one_ballot_is_1vote", name)) < 0.001, name);
            Assert.True(Math.Abs(KaplanMarkov.PValue(n, c.DilutedMargin, new Discrepancies(0, 1, 0, 0)) - ExpectedP("p_value_one_ballot_is_2vote", name)) < 0.001, name);
        }
    }

    [Fact]
    public void Jonah_contest_p_value_matches_the_value_Arlos_test_checks()
    {
        JsonElement j = Arlo.GetProperty("jonah_test");
        ReportedContest c = BravoVectors.Contest("jonah", j.GetProperty("contest"));
        Assert.Equal(j.GetProperty("p").GetDouble(), KaplanMarkov.PValue(j.GetProperty("sampled").GetInt64(), c.DilutedMargin, default), 6);
    }

    [Fact]
    public void Rlacalc_stopping_sizes_reproduce()
    {
        foreach (JsonElement c in Root.GetProperty("rlacalc_nmin (alpha 0.1 unless noted)").EnumerateArray())
        {
            double alpha = c.TryGetProperty("alpha", out JsonElement a) ? a.GetDouble() : 0.1;
            Discrepancies d = new(Get(c, "o1"), Get(c, "o2"), Get(c, "u1"), Get(c, "u2"));
            Assert.True(KaplanMarkov.StoppingSize(alpha, c.GetProperty("margin").GetDouble(), d) == c.GetProperty("n").GetInt64(), c.ToString());
        }
    }

    [Fact]
    public void Rlacalc_expected_sizes_reproduce()
    {
        foreach (JsonElement c in Root.GetProperty("rlacalc_KM_Expected_sample_size (alpha 0.05; rates)").EnumerateArray())
        {
            double margin = c.GetProperty("margin").ValueKind == JsonValueKind.String ? Nh2016 : c.GetProperty("margin").GetDouble();
            DiscrepancyRates r = new(Rate(c, "or1"), Rate(c, "or2"), Rate(c, "ur1"), Rate(c, "ur2"));
            long? n = KaplanMarkov.ExpectedSize(0.05, margin, r);
            if (c.GetProperty("n").ValueKind == JsonValueKind.Null)
            {
                Assert.Null(n);
            }
            else
            {
                Assert.True(n == c.GetProperty("n").GetInt64(), c.ToString());
            }
        }
    }

    [Fact]
    public void Rlacalc_rounded_expected_sizes_reproduce()
    {
        foreach (JsonElement c in Root.GetProperty("rlacalc_KM_Expected_sample_size_rounded (alpha 0.05; iterate nmin with rounded counts up to 10 times)").EnumerateArray())
        {
            double margin = c.GetProperty("margin").ValueKind == JsonValueKind.String ? Nh2016 : c.GetProperty("margin").GetDouble();
            DiscrepancyRates r = new(Rate(c, "or1"), Rate(c, "or2"), Rate(c, "ur1"), Rate(c, "ur2"));
            bool roundUp1 = c.GetProperty("roundUp1").GetBoolean();
            long n = roundUp1
                ? KaplanMarkov.SampleSize(0.05, margin, r, long.MaxValue, iterations: 10)
                : KaplanMarkov.ExpectedSize(0.05, margin, r)!.Value;
            Assert.True(n == c.GetProperty("n").GetInt64(), $"{c}: {n}");
        }
    }

    [Fact]
    public void Rlacalc_p_value_reproduces()
    {
        JsonElement c = Root.GetProperty("rlacalc_KM_P_value")[0];
        Assert.Equal(c.GetProperty("p").GetDouble(), KaplanMarkov.PValue(c.GetProperty("n").GetInt64(), Nh2016, new Discrepancies(1, 0, 0, 0), c.GetProperty("gamma").GetDouble()), 12);
    }

    [Fact]
    public void ColoradoRLA_optimistic_and_p_value_approximation_reproduce()
    {
        JsonElement co = Root.GetProperty("colorado_AuditTest");
        JsonElement o = co.GetProperty("optimistic");
        Assert.Equal(o.GetProperty("n").GetInt64(), KaplanMarkov.StoppingSize(o.GetProperty("risk_limit").GetDouble(), o.GetProperty("diluted_margin").GetDouble(), default, o.GetProperty("gamma").GetDouble()));
        foreach (JsonElement c in co.GetProperty("pValueApproximation (n=500, margin 0.02, gamma 1.01, rounded to 3 dp)").EnumerateArray())
        {
            double p = KaplanMarkov.PValue(500, 0.02, new Discrepancies(c.GetProperty("o1").GetInt64(), c.GetProperty("o2").GetInt64(), 0, 0), 1.01);
            Assert.Equal(c.GetProperty("p").GetDouble(), Math.Round(p, 3));
        }
    }

    private static long Get(JsonElement c, string name) => c.TryGetProperty(name, out JsonElement v) ? v.GetInt64() : 0;

    private static double Rate(JsonElement c, string name) => c.TryGetProperty(name, out JsonElement v) ? v.GetDouble() : 0;
}
