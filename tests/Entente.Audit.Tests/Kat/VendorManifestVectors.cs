using Entente.Audit.Io;
using Entente.Audit.Vendors;
using static Entente.Audit.Tests.VendorFixtures;

namespace Entente.Audit.Tests.Kat;

/// <summary>Arlo's real-world manifests (tests/vectors/rla-vendor) read to their batch and ballot counts, or refused.</summary>
public class VendorManifestVectors
{
    [Theory]
    [InlineData("manifests/real-world-accepted-1-22-rows.csv", 22, 6121)]
    [InlineData("more/manifests/real-world-accepted-2-14-rows.csv", 14, 5733)]
    [InlineData("more/manifests/real-world-accepted-3-18-rows.csv", 18, 4966)]
    [InlineData("more/manifests/real-world-accepted-5-20-rows.csv", 20, 5401)]
    [InlineData("more/manifests/real-world-accepted-6-74-rows.csv", 74, 29475)]
    [InlineData("more/manifests/windows1252-encoded.csv", 245, 106629)]
    [InlineData("manifests/sample_manifest_BC.csv", 0, 0)]
    [InlineData("manifests/hybrid-manifest.csv", 0, 0)]
    [InlineData("batch-tallies/manifest.csv", 3, 0)]
    public void Each_accepted_manifest_reads_to_its_batch_and_ballot_counts(string file, int batches, long ballots)
    {
        BallotManifest m = VendorManifest.Load(P(file));
        if (batches > 0)
        {
            Assert.Equal(batches, m.Batches.Count);
        }

        if (ballots > 0)
        {
            Assert.Equal(ballots, m.TotalBallots);
        }

        Assert.All(m.Batches, b => Assert.Equal(b.Batch.Trim(), b.Batch));
    }

    [Fact]
    public void Windows_1252_names_keep_their_en_dash_and_lose_the_leading_spaces()
    {
        BallotManifest m = VendorManifest.Load(P("more/manifests/windows1252-encoded.csv"));
        Assert.Contains(m.Batches, b => b.Batch == "Pittsfield Township AVCB 1 \u2013 Precinct 1");
    }

    [Fact]
    public void The_byte_order_mark_does_not_hide_the_container_column()
    {
        BallotManifest m = VendorManifest.Load(P("manifests/sample_manifest_BC.csv"));
        Assert.True(m.HasContainer);
        Assert.Equal("Box 1", m.Batches[0].Container);
    }

    [Theory]
    [InlineData("more/manifests/real-world-rejected-1.csv", 1, "#2", "empty column name")]
    [InlineData("more/manifests/real-world-rejected-2.csv", 0, "Batch", "Whitehall Township, Precinct 1")]
    [InlineData("more/manifests/real-world-rejected-3.csv", 89, "BATCH NAME", "looks like a total row")]
    public void Each_rejected_manifest_is_refused_naming_row_and_column(string file, int row, string column, string phrase)
    {
        AuditInputException e = Assert.Throws<AuditInputException>(() => VendorManifest.Load(P(file)));
        Assert.Equal(Path.GetFileName(file), e.File);
        if (row > 0)
        {
            Assert.Equal(row, e.Row);
        }

        Assert.Equal(column, e.Column);
        Assert.Contains(phrase, e.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Batch Name,Number of Ballots\nA,3\nB,0\n", 3, "Number of Ballots", "0 ballots")]
    [InlineData("Batch Name,Number of Ballots\nA,3\nB,4\nC,5\nAll,12\n", 5, "Number of Ballots", "sum of the rows above")]
    [InlineData("Batch Name,Number of Ballots,Extra\nA,3,x\n", 1, "Extra", "Unexpected column")]
    [InlineData("Batch Name,Number of Ballots\nA,3,7\n", 2, "#3", "column without a header")]
    [InlineData("Batch Name,Number of Ballots\nA,three\n", 2, "Number of Ballots", "not a whole number")]
    public void Manifest_damage_is_refused_naming_row_and_column(string text, int row, string column, string phrase)
    {
        AuditInputException e = Assert.Throws<AuditInputException>(() => VendorManifest.Parse(System.Text.Encoding.UTF8.GetBytes(text), "m.csv"));
        Assert.Equal(row, e.Row);
        Assert.Equal(column, e.Column);
        Assert.Contains(phrase, e.Problem, StringComparison.Ordinal);
    }
}
