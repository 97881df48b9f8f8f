using System.Text.Json;
using Entente.Audit.Statistics;

namespace Entente.Audit.Tests.Kat;

public class BravoVectors
{
    private static readonly JsonElement Root = Vectors.Load("bravo_vectors.json");

    internal static ReportedContest Contest(string name, JsonElement spec)
    {
        long ballots = spec.GetProperty("ballots").GetInt64();
        int winners = spec.TryGetProperty("numWinners", out JsonElement w) ? w.GetInt32() : 1;
        List<ChoiceTally> choices = [];
        foreach (JsonProperty p in spec.EnumerateObject())
        {
            if (p.Name is not ("ballots" or "numWinners" or "votesAllowed"))
            {
                choices.Add(new ChoiceTally(p.Name, p.Value.GetInt64()));
            }
        }

        return new ReportedContest(name, choices, ballots, winners);
    }

    private static ReportedContest ArloContest(string name) => Contest(name, Root.GetProperty("arlo_contests").GetProperty(name));

    private static Dictionary<string, long> Tally(JsonElement e) => e.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());

    [Fact]
    public void Round_one_average_sample_numbers_match_Arlo()
    {
        foreach (JsonProperty p in Root.GetProperty("asn_round1_alpha_0.1").EnumerateObject().Where(p => p.Name != "errors"))
        {
            Assert.True(Bravo.AverageSampleNumber(0.1, ArloContest(p.Name), new Dictionary<string, long>()) == p.Value.GetInt64(), p.Name);
        }
    }

    [Fact]
    public void A_tied_contest_has_no_average_sample_number_and_a_landslide_needs_no_sampling()
    {
        Assert.Throws<InvalidOperationException>(() => Bravo.AverageSampleNumber(0.1, ArloContest("test5_tie"), new Dictionary<string, long>()));
        Assert.True(Bravo.SampleSizes(0.1, ArloContest("test5_tie"), new Dictionary<string, long>()).AllBallots);
        BravoSampleSizes landslide = Bravo.SampleSizes(0.1, ArloContest("test11_landslide"), new Dictionary<string, long>());
        Assert.Equal(1, landslide.Asn);
        Assert.Equal(1.0, landslide.AsnCompletionProbability);
    }

    [Fact]
    public void Round_two_average_sample_numbers_match_Arlo()
    {
        foreach (JsonProperty p in Root.GetProperty("asn_round2_given_round1_sample_alpha_0.1").EnumerateObject())
        {
            long? asn = Bravo.AverageSampleNumber(0.1, ArloContest(p.Name), Tally(p.Value.GetProperty("sample")));
            Assert.True(asn == p.Value.GetProperty("asn").GetInt64(), p.Name);
        }
    }

    [Fact]
    public void Round_one_size_options_match_Arlo()
    {
        foreach (JsonProperty p in Root.GetProperty("get_sample_size_round1_risk_limit_10").EnumerateObject().Where(p => p.Name != "note"))
        {
            CheckOptions(p.Name, ArloContest(p.Name), new Dictionary<string, long>(), p.Value);
        }
    }

    [Fact]
    public void Round_two_size_options_match_Arlo()
    {
        foreach (JsonProperty p in Root.GetProperty("get_sample_size_round2_risk_limit_10").EnumerateObject())
        {
            ReportedContest contest = p.Name == "all_pairs_case" ? Contest(p.Name, p.Value.GetProperty("contest")) : ArloContest(p.Name);
            CheckOptions(p.Name, contest, Tally(p.Value.GetProperty("round1_sample")), p.Value);
        }
    }

    private static void CheckOptions(string name, ReportedContest contest, Dictionary<string, long> sample, JsonElement expected)
    {
        BravoSampleSizes sizes = Bravo.SampleSizes(0.1, contest, sample);
        if (expected.TryGetProperty("all-ballots", out _))
        {
            Assert.True(sizes.AllBallots, name);
            return;
        }

        JsonElement asn = expected.GetProperty("asn");
        Assert.True(sizes.Asn == asn[0].GetInt64(), $"{name}: ASN {sizes.Asn}");
        if (asn[1].ValueKind == JsonValueKind.Null)
        {
            Assert.Null(sizes.AsnCompletionProbability);
        }
        else
        {
            Assert.True(Math.Abs(sizes.AsnCompletionProbability!.Value - asn[1].GetDouble()) < 1e-9, $"{name}: prob {sizes.AsnCompletionProbability}");
        }

        foreach (string q in new[] { "0.7", "0.8", "0.9" })
        {
            if (expected.TryGetProperty(q, out JsonElement size))
            {
                long actual = sizes.Quantiles[double.Parse(q, System.Globalization.CultureInfo.InvariantCulture)];
                Assert.True(actual == size.GetInt64(), $"{name} {q}: {actual} vs {size}");
            }
        }
    }

    [Fact]
    public void Lindeman_quantile_function_matches_Arlo_within_one_at_the_exact_ceiling()
    {
        foreach (JsonElement c in Root.GetProperty("bravo_sample_sizes_function (Lindeman quantile approximation), alpha=0.1, total_ballots=10000").EnumerateArray())
        {
            long actual = Bravo.OneRoundSize(0.1, c.GetProperty("p_w").GetDouble(), c.GetProperty("p_r").GetDouble(),
                c.GetProperty("sample_w").GetInt64(), c.GetProperty("sample_r").GetInt64(), c.GetProperty("p_completion").GetDouble(), 10000);
            long expected = c.GetProperty("expected").GetInt64();
            long tolerance = c.TryGetProperty("note", out _) ? 1 : 0;
            Assert.True(Math.Abs(actual - expected) <= tolerance, $"{c}: got {actual}");
        }
    }

    [Fact]
    public void Expected_completion_probability_matches_Arlo()
    {
        foreach (JsonElement c in Root.GetProperty("expected_prob").EnumerateArray())
        {
            double alpha = c.GetProperty("alpha").GetDouble();
            double p = alpha >= 1
                ? 0.0 // ln(1/α) = 0: the threshold is met before sampling; Arlo returns 0.
                : Bravo.ExpectedCompletionProbability(alpha, c.GetProperty("p_w").GetDouble(), c.GetProperty("p_r").GetDouble(), 0, 0, c.GetProperty("asn").GetInt64());
            Assert.Equal(c.GetProperty("expected").GetDouble(), p, 9);
        }
    }

    [Fact]
    public void Risk_after_round_one_matches_Arlo_within_its_tolerance()
    {
        JsonElement risks = Root.GetProperty("compute_risk_p_values_after_round1 (tolerance 0.01 in Arlo test)");
        foreach (JsonProperty p in risks.EnumerateObject().Where(p => p.Name is not ("samples" or "test_ga_presidential")))
        {
            ReportedContest contest = ArloContest(p.Name);
            IReadOnlyList<PairRisk> measured = Bravo.Risk(contest, Tally(risks.GetProperty("samples").GetProperty(p.Name)));
            foreach (JsonProperty pair in p.Value.EnumerateObject().Where(x => x.Name != "confirmed"))
            {
                PairRisk r = measured.Single(x => $"{x.Winner}-{x.Loser}" == pair.Name);
                Assert.True(Math.Abs(r.PValue - pair.Value.GetDouble()) <= 0.01, $"{p.Name} {pair.Name}: {r.PValue}");
            }

            Assert.Equal(p.Value.GetProperty("confirmed").GetBoolean(), measured.All(x => x.PValue <= 0.1));
        }
    }

    [Fact]
    public void Georgia_presidential_risk_is_computed_in_log_space()
    {
        ReportedContest contest = ArloContest("test_ga_presidential");
        Dictionary<string, long> sample = contest.Choices.ToDictionary(c => c.Name, c => c.Votes);
        sample["Biden"] -= 10;
        PairRisk r = Bravo.Risk(contest, sample).Single(x => x.Loser == "Trump");
        Assert.Equal(2.035688053599178e-09, r.PValue, 2.035688053599178e-09 * 1e-6);
    }

    [Fact]
    public void Not_found_ballots_count_for_every_loser_as_in_Arlos_snapshot()
    {
        JsonElement s = Root.GetProperty("not_found_ballots_snapshot");
        IReadOnlyList<PairRisk> measured = Bravo.Risk(Contest("nf", s.GetProperty("contest")), Tally(s.GetProperty("sample")), s.GetProperty("not_found").GetInt64());
        foreach (JsonProperty pair in s.GetProperty("p_values").EnumerateObject())
        {
            PairRisk r = measured.Single(x => $"{x.Winner}-{x.Loser}" == pair.Name);
            double expected = pair.Value.GetDouble();
            Assert.True(Math.Abs(r.PValue - expected) <= expected * 1e-9, $"{pair.Name}: {r.PValue} vs {expected}");
        }
    }

    [Fact]
    public void A_vote_for_a_loser_with_no_reported_votes_gives_risk_one()
    {
        JsonElement s = Root.GetProperty("zero_test_statistic_case");
        IReadOnlyList<PairRisk> measured = Bravo.Risk(Contest("z", s.GetProperty("contest")), Tally(s.GetProperty("sample")));
        Assert.Equal(1.0, measured.Single(x => x.Loser == "cand4").PValue);
        Assert.False(measured.All(x => x.PValue <= s.GetProperty("risk_limit").GetDouble() / 100));
    }

    [Fact]
    public void R2b2_and_rlacalc_average_sample_numbers_reproduce()
    {
        foreach (JsonElement c in Root.GetProperty("r2b2_asn").EnumerateArray())
        {
            long ballots = c.GetProperty("ballots").GetInt64();
            ReportedContest contest = new("r2b2", [new("w", c.GetProperty("winner_ballots").GetInt64()), new("l", c.GetProperty("loser_ballots").GetInt64())], ballots);
            Assert.Equal(c.GetProperty("asn").GetInt64(), Bravo.AverageSampleNumber(c.GetProperty("alpha").GetDouble(), contest, new Dictionary<string, long>()));
        }

        foreach (JsonProperty p in Root.GetProperty("rlacalc_findAsn (alpha 0.1, two candidates, no invalid ballots, margin = (w-l)/ballots)").EnumerateObject())
        {
            double margin = double.Parse(p.Name, System.Globalization.CultureInfo.InvariantCulture);
            const long Ballots = 1_000_000;
            long w = (long)Math.Round(Ballots * (1 + margin) / 2);
            ReportedContest contest = new("rlacalc", [new("w", w), new("l", Ballots - w)], Ballots);
            Assert.Equal(p.Value.GetInt64(), Bravo.AverageSampleNumber(0.1, contest, new Dictionary<string, long>()));
        }
    }

    [Fact]
    public void Colorado_2018_county_risks_reproduce()
    {
        foreach (JsonElement c in Root.GetProperty("rlacalc_ballot_polling_risk_level").EnumerateArray())
        {
            ReportedContest contest = new("county", [new("w", c.GetProperty("winner_votes").GetInt64()), new("l", c.GetProperty("loser_votes").GetInt64())],
                c.GetProperty("winner_votes").GetInt64() + c.GetProperty("loser_votes").GetInt64());
            PairRisk r = Bravo.Risk(contest, new Dictionary<string, long> { ["w"] = c.GetProperty("winner_sampled").GetInt64(), ["l"] = c.GetProperty("loser_sampled").GetInt64() }).Single();
            Assert.Equal(c.GetProperty("risk").GetDouble(), r.PValue, 1e-12);
        }
    }
}
