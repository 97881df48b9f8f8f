using System.Globalization;
using System.Text.Json;
using Entente.Audit.Statistics;

namespace Entente.Audit.Tests.Kat;

public class MacroVectors
{
    private static readonly JsonElement Root = Vectors.Load("macro_vectors.json");

    private static ReportedContest Contest(string name)
    {
        JsonElement c = Root.GetProperty("contests").GetProperty(name);
        return new ReportedContest(name, [new("winner", c.GetProperty("winner").GetInt64()), new("loser", c.GetProperty("loser").GetInt64())], c.GetProperty("ballots").GetInt64());
    }

    /// <summary>Arlo's batch fixture (see the vector's "batches" text).</summary>
    private static List<BatchTally> Batches(string contest)
    {
        List<BatchTally> result = [];
        for (int i = 0; i < 200; i++)
        {
            (long w, long l) = contest switch
            {
                "Contest A" => (200L, 180L),
                "Contest B" when i < 100 => (200, 160),
                "Contest C" when i < 30 || (i >= 100 && i < 130) => (200, 140),
                _ => (-1, -1),
            };
            Dictionary<string, long> big = w < 0 ? [] : new() { ["winner"] = w, ["loser"] = l };
            Dictionary<string, long> small = w < 0 ? [] : new() { ["winner"] = w / 2, ["loser"] = l / 2 };
            result.Add(new BatchTally(string.Create(CultureInfo.InvariantCulture, $"Batch {i}"), 400, big));
            result.Add(new BatchTally(string.Create(CultureInfo.InvariantCulture, $"Batch {i} AV"), 200, small));
        }

        return result;
    }

    [Fact]
    public void Maximum_relative_overstatements_match_Arlo()
    {
        foreach (JsonProperty c in Root.GetProperty("expected_u_p (tol 0.001)").EnumerateObject())
        {
            List<BatchTally> batches = Batches(c.Name);
            Assert.Equal(c.Value.GetProperty("Batch").GetDouble(), Macro.MaxRelativeOverstatement(Contest(c.Name), batches[0]), 3);
            Assert.Equal(c.Value.GetProperty("Batch AV").GetDouble(), Macro.MaxRelativeOverstatement(Contest(c.Name), batches[1]), 3);
            Assert.Equal(0, Macro.MaxRelativeOverstatement(Contest(c.Name), batches[^1] with { Votes = new Dictionary<string, long>() }));
        }
    }

    [Fact]
    public void Total_error_bounds_and_sample_sizes_match_Arlo()
    {
        foreach (JsonProperty u in Root.GetProperty("U").EnumerateObject())
        {
            List<BatchTally> batches = Batches(u.Name);
            double total = Macro.TotalErrorBound(Contest(u.Name), batches);
            Assert.Equal(Vectors.Number(u.Value), total, 9);
            Assert.Equal(Root.GetProperty("first_round_batches").GetProperty(u.Name).GetInt64(), Macro.SampleSize(0.25, total, batches.Count));
            double clean4 = Math.Pow(1 - 1 / total, 4);
            Assert.Equal(Root.GetProperty("batches_after_4_clean_draws").GetProperty(u.Name).GetInt64(), Macro.SampleSize(0.25, total, batches.Count, clean4));
        }
    }

    [Fact]
    public void Clean_draws_multiply_the_risk_by_one_minus_one_over_U()
    {
        ReportedContest a = Contest("Contest A");
        Dictionary<string, BatchTally> reported = Batches("Contest A").ToDictionary(b => b.Batch);
        string[] draws = ["Batch 3", "Batch 3 AV", "Batch 150", "Batch 3"];
        Assert.Equal(Math.Pow(1 - 1 / 21.0, 4), Macro.PValue(a, reported, reported, draws), 12);
        Dictionary<string, BatchTally> audited = new(reported) { ["Batch 150"] = reported["Batch 150"] with { Votes = new Dictionary<string, long> { ["winner"] = 190, ["loser"] = 190 } } };
        double taint = (20.0 / 6000) / 0.07;
        Assert.Equal(Math.Pow(1 - 1 / 21.0, 4) / (1 - taint), Macro.PValue(a, reported, audited, draws), 12);
    }

    [Fact]
    public void A_batch_whose_whole_error_bound_is_found_gives_risk_one()
    {
        ReportedContest a = Contest("Contest A");
        Dictionary<string, BatchTally> reported = Batches("Contest A").ToDictionary(b => b.Batch);
        Dictionary<string, BatchTally> audited = new(reported) { ["Batch 7"] = reported["Batch 7"] with { Votes = new Dictionary<string, long> { ["winner"] = 0, ["loser"] = 400 } } };
        Assert.Equal(1.0, Macro.PValue(a, reported, audited, ["Batch 7"]));
    }
}
