using System.Globalization;
using System.Text.Json;
using Entente.Audit.Io;

namespace Entente.Cli.Tests.Audit;

/// <summary><c>entente audit cvrs</c> and <c>audit init --cvr-format</c> on the vendor fixtures (tests/vectors/rla-vendor).</summary>
[Collection("audit clock")]
public sealed class VendorCvrCliTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "entente-vendor-cli-" + Guid.NewGuid().ToString("N"));

    public VendorCvrCliTests() => Directory.CreateDirectory(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static string V(string relative) => Path.Combine(AppContext.BaseDirectory, "vectors", "rla-vendor", relative);

    [Fact]
    public void Audit_cvrs_json_prints_the_count_the_contests_and_each_ballot_at_its_manifest_position()
    {
        var (code, output, error) = CliRunner.Run("audit", "cvrs", "--format", "dominion", "--manifest", V("dominion/manifest.csv"), V("dominion/dominion-cvrs.csv"), "--json");
        Assert.True(code == 0, error);
        using JsonDocument doc = JsonDocument.Parse(output);
        JsonElement root = doc.RootElement;
        Assert.Equal(14, root.GetProperty("cvr_count").GetInt32());
        JsonElement contest2 = root.GetProperty("contests").GetProperty("Contest 2");
        Assert.Equal(2, contest2.GetProperty("votes_allowed").GetInt32());
        Assert.Equal([12L, 5L, 7L], contest2.GetProperty("choices").EnumerateObject().Select(c => c.Value.GetProperty("num_votes").GetInt64()));
        Assert.Equal(7, root.GetProperty("contests").GetProperty("Contest 1").GetProperty("choices").GetProperty("Choice 1-1").GetProperty("num_votes").GetInt32());
        JsonElement shifted = root.GetProperty("ballots").EnumerateArray().Single(b => b.GetProperty("imprinted_id").GetString() == "2-2-4");
        Assert.Equal(3, shifted.GetProperty("ballot_position").GetInt32());
        Assert.Equal(",,1,0,1", shifted.GetProperty("interpretations").GetString());
    }

    [Fact]
    public void Audit_cvrs_reads_ess_files_given_together_and_says_what_it_found_in_words()
    {
        var (code, output, error) = CliRunner.Run("audit", "cvrs", "--format", "ess", "--manifest", V("ess/manifest.csv"), V("ess/ess-cvr.csv"), V("ess/ess-ballots-1.csv"), V("ess/ess-ballots-2.csv"));
        Assert.True(code == 0, error);
        Assert.StartsWith("14 cast vote records (ess) in 4 of the manifest's 4 batches (15 ballots).", output, StringComparison.Ordinal);
        Assert.Contains("Contest 1 (vote for 1), on 14 cards:", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_refused_export_exits_2_naming_file_row_and_column_on_one_line()
    {
        var (code, output, error) = CliRunner.Run("audit", "cvrs", "--format", "dominion", "--manifest", V("dominion/manifest.csv"), V("more/invalid/dominion-03.csv"));
        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.Contains("dominion-03.csv, row 5, column \"TabulatorNum, BatchId\": Batch TABULATOR1 / BATCH001 is not in the manifest.", error, StringComparison.Ordinal);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Fact]
    public void An_unknown_format_is_a_usage_error()
    {
        var (code, _, error) = CliRunner.Run("audit", "cvrs", "--format", "sequoia", "--manifest", V("dominion/manifest.csv"), V("dominion/dominion-cvrs.csv"));
        Assert.Equal(2, code);
        Assert.Contains("not a CVR format", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Audit_init_imports_a_vendor_export_keeps_the_originals_and_audits_the_normalized_cvrs()
    {
        string results = Path.Combine(_root, "results.csv");
        File.WriteAllText(results, "Contest,Choice,Votes,Ballots,Winners,VotesAllowed\nContest 1,Choice 1-1,7,15,1,1\nContest 1,Choice 1-2,3,15,1,1\n");
        string dir = Path.Combine(_root, "audit");
        DateTimeOffset t = DateTimeOffset.UtcNow;
        var (code, _, error) = CliRunner.Run("audit", "init", "--dir", dir, "--method", "comparison", "--manifest", V("dominion/manifest.csv"), "--results", results,
            "--cvr-format", "dominion", "--cvrs", V("dominion/dominion-cvrs.csv"), "--parties", "Blue,Red",
            "--commit-by", t.AddHours(1).ToString("O", CultureInfo.InvariantCulture), "--reveal-by", t.AddHours(2).ToString("O", CultureInfo.InvariantCulture));
        Assert.True(code == 0, error);
        Assert.True(File.Exists(Path.Combine(dir, "inputs", "original", "cvr-dominion-cvrs.csv")));
        Assert.True(File.Exists(Path.Combine(dir, "inputs", "original", "manifest-manifest.csv")));
        IReadOnlyDictionary<BallotLocation, CastVoteRecord> cvrs = CastVoteRecords.Load(Path.Combine(dir, "inputs", "cvrs.csv"));
        Assert.Equal(14, cvrs.Count);
        Assert.Equal("2-2-4", cvrs[new BallotLocation("TABULATOR2", "BATCH2", 3)].Id);
        Assert.Empty(cvrs[new BallotLocation("TABULATOR2", "BATCH2", 2)].Contests["Contest 1"]); // the overvote
        Assert.Equal(15, BallotManifest.Load(Path.Combine(dir, "inputs", "manifest.csv")).TotalBallots);
        Assert.Equal(1, CliRunner.Run("audit", "status", "--dir", dir).Code); // opens: every hash checks, the seed is still to come
    }

    [Fact]
    public void Audit_init_refuses_a_vendor_export_the_manifest_cannot_hold()
    {
        string results = Path.Combine(_root, "results.csv");
        File.WriteAllText(results, "Contest,Choice,Votes,Ballots\nContest 1,Choice 1-1,6,15\nContest 1,Choice 1-2,6,15\n");
        DateTimeOffset t = DateTimeOffset.UtcNow;
        var (code, _, error) = CliRunner.Run("audit", "init", "--dir", Path.Combine(_root, "a"), "--method", "comparison", "--manifest", V("ess/manifest.csv"), "--results", results,
            "--cvr-format", "ess", "--cvrs", V("ess/ess-cvr.csv"), V("more/ess/ballots-machine-column.csv"), "--parties", "Blue",
            "--commit-by", t.AddHours(1).ToString("O", CultureInfo.InvariantCulture), "--reveal-by", t.AddHours(2).ToString("O", CultureInfo.InvariantCulture));
        Assert.Equal(2, code);
        Assert.Contains("has 4 cast vote records but the manifest (row 2) lists 3 ballots", error, StringComparison.Ordinal);
    }
}
