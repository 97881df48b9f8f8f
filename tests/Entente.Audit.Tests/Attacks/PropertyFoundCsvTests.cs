using System.Text;
using Entente.Audit.Io;

namespace Entente.Audit.Tests.Attacks;

/// <summary>Inputs the audit CSV properties found (docs/threat-model.md, "Found by the parser properties"), kept as regressions.</summary>
public sealed class PropertyFoundCsvTests
{
    private static CsvTable Table(string csv) => CsvTable.Parse(Encoding.UTF8.GetBytes(csv), "input.csv");

    [Fact]
    public void A_manifest_whose_ballot_counts_add_up_beyond_a_64_bit_count_is_refused_naming_the_row()
    {
        CsvTable table = Table("Container,Tabulator,Batch,Ballots\nC1,T0,B1,1\nC1,T1,B2,9223372036854775807\nC1,T0,B3,1\n");
        AuditInputException e = Assert.Throws<AuditInputException>(() => BallotManifest.FromTable(table));
        Assert.Equal((3, "Ballots"), (e.Row, e.Column));
        Assert.Contains("add up to more than 9223372036854775807", e.Message, StringComparison.Ordinal);
        Assert.Equal(long.MaxValue, BallotManifest.FromTable(Table("Batch,Ballots\nB2,9223372036854775807\n")).TotalBallots);
    }

    [Fact]
    public void Reported_results_whose_votes_add_up_beyond_a_64_bit_count_are_refused_naming_the_contest()
    {
        CsvTable table = Table("Contest,Choice,Votes,Ballots,Winners,VotesAllowed\nMayor,Alice,9223372036854775807,200,2,1\nMayor,Bob,16,200,2,1\nMayor,Carol,0,200,2,1\n");
        AuditInputException e = Assert.Throws<AuditInputException>(() => ReportedResults.FromTable(table));
        Assert.Equal((2, "Contest"), (e.Row, e.Column));
        Assert.Contains("add up to more than", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reported_results_whose_ballots_times_votes_allowed_overflow_are_judged_on_the_true_product()
    {
        // 2^62 ballots × 4 votes wrapped to 0, so any vote total looked too large; the true product allows them.
        CsvTable table = Table("Contest,Choice,Votes,Ballots,Winners,VotesAllowed\nMayor,Alice,30,4611686018427387904,1,4\nMayor,Bob,20,4611686018427387904,1,4\n");
        Assert.Equal(50, ReportedResults.FromTable(table).Single().TotalVotes);
    }

    [Fact]
    public void Discrepancy_counts_that_wrap_a_64_bit_sum_are_refused()
    {
        string path = Path.Combine(Path.GetTempPath(), $"entente-discrepancies-{Guid.NewGuid():N}.csv");
        try
        {
            File.WriteAllText(path, "Contest,Sampled,O1,O2,U1,U2\nMayor,12,9223372036854775807,9223372036854775807,2,0\n");
            AuditInputException e = Assert.Throws<AuditInputException>(() => RiskInputs.DiscrepancyCounts(path));
            Assert.Equal((2, "Sampled"), (e.Row, e.Column));
            Assert.Contains("18446744073709551616 discrepancies cannot come from 12 sampled ballots", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
