using System.Numerics;
using Entente.Audit.Io;
using Entente.Audit.Sampling;
using Entente.Audit.Statistics;
using Entente.Audit.Vendors;
using static Entente.Audit.Tests.VendorFixtures;

namespace Entente.Audit.Tests.Kat;

/// <summary>
/// The PPEB batch sampler and MACRO across contests (docs/audit.md, "Batch comparison"). The known answers were
/// computed independently with Python's hashlib and integers from the definition in docs/audit.md.
/// </summary>
public class PpebSamplerVectors
{
    private const string Seed = "8d4b6f0e2a1c9d7e5f3b1a0c8e6d4f2b0a9c7e5d3f1b8a6c4e2d0f9b7a5c3e1d";

    [Fact]
    public void The_ticket_hash_matches_an_independent_computation()
    {
        Assert.Equal(BigInteger.Parse("095548d58cebe07a0c9640e530d749c93ef0acf606ab8ecfdb4fdd8f262f5b462", System.Globalization.NumberStyles.HexNumber), PpebSampler.Hash(Seed, 1));
    }

    [Fact]
    public void Twenty_draws_over_weights_3_0_5_2_match_an_independent_computation()
    {
        int[] expected = [2, 2, 3, 2, 0, 2, 2, 2, 0, 2, 3, 0, 0, 3, 0, 2, 2, 2, 2, 2];
        Assert.Equal(expected, PpebSampler.Draw(Seed, [3, 0, 5, 2], 1, 20).Select(d => d.Index));
    }

    [Fact]
    public void A_later_round_continues_the_tickets_so_earlier_draws_never_change()
    {
        BigInteger[] w = [7, 1, 0, 4, 9];
        var all = PpebSampler.Draw(Seed, w, 1, 30);
        var first = PpebSampler.Draw(Seed, w, 1, 12);
        var second = PpebSampler.Draw(Seed, w, 13, 18);
        Assert.Equal(all, [.. first, .. second]);
        Assert.DoesNotContain(all, d => d.Index == 2);
    }

    [Fact]
    public void Draw_frequencies_follow_the_weights()
    {
        var draws = PpebSampler.Draw("frequency", [1, 3], 1, 4000);
        double share = draws.Count(d => d.Index == 1) / 4000.0;
        Assert.InRange(share, 0.72, 0.78); // 0.75 ± 4.4 standard deviations
    }

    [Fact]
    public void Weights_are_exact_integers_proportional_to_MACRO_error_bounds_across_contests()
    {
        BallotManifest manifest = VendorManifest.Load(P("more/batch-tallies-multi-contest/j1-manifest.csv"));
        IReadOnlyList<ReportedContest> contests = J1Contests();
        var tallies = CandidateTotalsByBatch.Load(P("more/batch-tallies-multi-contest/j1-batch-tallies.csv"), manifest, contests);
        var batches = manifest.Batches.Select(b => (b.Ballots, tallies[b])).ToList();
        IReadOnlyList<BigInteger> weights = MacroAudit.Weights(contests, batches);
        double[] bounds = [.. batches.Select(b => MacroAudit.ErrorBound(contests, b.Ballots, b.Item2))];
        for (int i = 1; i < weights.Count; i++)
        {
            Assert.Equal(bounds[i] / bounds[0], (double)weights[i] / (double)weights[0], 12);
        }
    }

    [Fact]
    public void With_one_contest_the_risk_across_contests_is_MACRO_s_per_contest_risk()
    {
        ReportedContest c = new("Mayor", [new ChoiceTally("A", 600), new ChoiceTally("B", 400)], 1000);
        Dictionary<string, BatchTally> reported = new()
        {
            ["b1"] = new("b1", 500, new Dictionary<string, long> { ["A"] = 300, ["B"] = 200 }),
            ["b2"] = new("b2", 500, new Dictionary<string, long> { ["A"] = 300, ["B"] = 200 }),
        };
        Dictionary<string, BatchTally> audited = new()
        {
            ["b1"] = new("b1", 500, new Dictionary<string, long> { ["A"] = 295, ["B"] = 205 }),
            ["b2"] = reported["b2"],
        };
        string[] draws = ["b1", "b2", "b2"];
        double expected = Macro.PValue(c, reported, audited, draws);
        double u = MacroAudit.ErrorBound([c], 500, new Dictionary<string, IReadOnlyDictionary<string, long>> { ["Mayor"] = reported["b1"].Votes }) * 2;
        double got = MacroAudit.PValue(u, draws.Select(d => (Macro.MaxRelativeOverstatement(c, reported[d]), Macro.Error(c, reported[d], audited[d]))));
        Assert.Equal(expected, got, 12);
    }

    [Fact]
    public void Arlo_candidate_totals_by_batch_sum_to_the_multi_contest_totals()
    {
        foreach ((string j, long c1, long c2, long c3, long c4) in new[] { ("j1", 450L, 50L, 450L, 50L), ("j2", 150L, 100L, 0L, 0L), ("j3", 150L, 100L, 0L, 0L) })
        {
            BallotManifest manifest = VendorManifest.Load(P($"more/batch-tallies-multi-contest/{j}-manifest.csv"));
            var tallies = CandidateTotalsByBatch.Load(P($"more/batch-tallies-multi-contest/{j}-batch-tallies.csv"), manifest, J1Contests());
            long Sum(string contest, string choice) => tallies.Values.Sum(t => t.TryGetValue(contest, out var v) ? v.GetValueOrDefault(choice) : 0);
            Assert.Equal((c1, c2, c3, c4), (Sum("Contest 1", "Candidate 1"), Sum("Contest 1", "Candidate 2"), Sum("Contest 2", "Candidate 3"), Sum("Contest 2", "Candidate 4")));
        }
    }

    [Fact]
    public void Siletz_tallies_file_equals_the_tallies_of_its_cvrs()
    {
        CvrImport import = Import(CvrFormat.Dominion, "more/generated-jurisdiction/siletz-ballot-manifest.csv", "more/generated-jurisdiction/siletz-cvrs.csv");
        ReportedContest farming = new("Minister of Farming", [new ChoiceTally("Erin George", 41), new ChoiceTally("Alex Hall", 5), new ChoiceTally("Write-In", 0)], 57);
        var tallies = CandidateTotalsByBatch.Load(P("more/generated-jurisdiction/siletz-minister-of-farming-candidate-totals-by-batch.csv"), import.Manifest, [farming]);
        foreach (ManifestBatch b in import.Manifest.Batches)
        {
            foreach (ChoiceTally choice in farming.Choices)
            {
                long fromCvrs = import.Ballots.Where(x => x.Batch == b.Batch && x.Contests.TryGetValue(farming.Name, out ContestVote? v) && v.MarkCount <= 1)
                    .Sum(x => (long)x.Contests[farming.Name].Marks.GetValueOrDefault(choice.Name));
                Assert.Equal(fromCvrs, tallies[b][farming.Name][choice.Name]);
            }
        }
    }

    [Theory]
    [InlineData("Batch Name,candidate 1,candidate 2,candidate 3\nBatch 1,1,10,100\nBatch 2,2,20,200\n", 0, "Batch Name", "Batch 3 (manifest row 4) has no row")]
    [InlineData("Batch Name,candidate 1,candidate 2,candidate 3\nBatch 1,1,10,100\nBatch 9,2,20,200\n", 3, "Batch Name", "is not in the manifest")]
    [InlineData("Batch Name,candidate 1,candidate 2,candidate 3\nBatch 1,1,10,300\n", 2, "Batch Name", "311 votes")]
    [InlineData("Batch Name,candidate 1,candidate 2,candidate 4\nBatch 1,1,10,100\n", 1, "candidate 4", "Not a choice")]
    [InlineData("Batch Name,candidate 1,candidate 2,candidate 3\nBatch 1,1,ten,100\n", 2, "candidate 2", "not a whole number")]
    [InlineData("Batch Name,candidate 1,candidate 2,candidate 3\nBatch 1,1,10,100\nBatch 1,1,10,100\n", 3, "Batch Name", "two rows")]
    public void Damaged_batch_tallies_are_refused_naming_row_and_column(string text, int row, string column, string phrase)
    {
        BallotManifest manifest = VendorManifest.Load(P("batch-tallies/manifest.csv"));
        ReportedContest contest = new("Contest", [new ChoiceTally("candidate 1", 6), new ChoiceTally("candidate 2", 60), new ChoiceTally("candidate 3", 600)], 900);
        AuditInputException e = Assert.Throws<AuditInputException>(() => CandidateTotalsByBatch.Parse(System.Text.Encoding.UTF8.GetBytes(text), "t.csv", manifest, [contest]));
        Assert.Equal(row, e.Row);
        Assert.Equal(column, e.Column);
        Assert.True(e.Problem.Contains(phrase, StringComparison.Ordinal), e.Message);
    }

    [Fact]
    public void Arlo_s_batch_tallies_upload_reads_rows_out_of_order()
    {
        BallotManifest manifest = VendorManifest.Load(P("batch-tallies/manifest.csv"));
        ReportedContest contest = new("Contest", [new ChoiceTally("candidate 1", 6), new ChoiceTally("candidate 2", 60), new ChoiceTally("candidate 3", 600)], 900);
        var tallies = CandidateTotalsByBatch.Load(P("batch-tallies/batch-tallies.csv"), manifest, [contest]);
        Assert.Equal(300, tallies[manifest.Batches.Single(b => b.Batch == "Batch 3")]["Contest"]["candidate 3"]);
    }

    private static IReadOnlyList<ReportedContest> J1Contests() =>
    [
        new ReportedContest("Contest 1", [new ChoiceTally("Candidate 1", 750), new ChoiceTally("Candidate 2", 250)], 1500),
        new ReportedContest("Contest 2", [new ChoiceTally("Candidate 3", 450), new ChoiceTally("Candidate 4", 50)], 1000, 1, 2),
    ];
}
