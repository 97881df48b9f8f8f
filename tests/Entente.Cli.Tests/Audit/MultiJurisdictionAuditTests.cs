using System.Globalization;
using System.Text;
using Entente.Audit.Trail;
using Entente.Cli.Commands.Audit;
using Entente.Cli.Commands.Election;
using Entente.Cli.Tests.Election;
using Entente.Client.Board;
using Entente.Transparency.Notes;

namespace Entente.Cli.Tests.Audit;

/// <summary>
/// A ballot-comparison audit over two jurisdictions on a real board (<c>entente serve</c> in its own process): the audit
/// admin names the jurisdictions, each uploads its Dominion export with its own key, the seed and the sample are made over
/// the union, the readings are logged, and <c>audit verify --board</c> recomputes it from the board alone.
/// </summary>
[Collection("audit clock")]
public sealed class MultiJurisdictionAuditTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(["audit", .. args]);

    [Fact]
    public async Task A_comparison_audit_over_two_jurisdictions_each_uploading_with_its_own_key_verifies_from_the_board_and_a_tampered_upload_is_named()
    {
        using BoardProcess board = await BoardProcess.StartAsync();
        string V(string name) => Path.Combine(AppContext.BaseDirectory, "vectors", "rla-vendor", "dominion", name);
        File.WriteAllText(board.File("results.csv"), "Contest,Choice,Votes,Ballots,Winners,VotesAllowed\nContest 1,Choice 1-1,14,30,1,1\nContest 1,Choice 1-2,6,30,1,1\n");
        string dir = board.File("audit");
        DateTimeOffset now = DateTimeOffset.UtcNow;
        const string AuditId = "two-counties";
        var init = Run("init", "--dir", dir, "--method", "comparison", "--risk-limit", "0.1", "--results", board.File("results.csv"),
            "--jurisdiction", "Kent=blue.example", "--jurisdiction", "Mesa=red.example", "--ids", "arlo", "--audit-id", AuditId, "--parties", "blue.example,red.example",
            "--commit-by", now.AddHours(1).ToString("O", CultureInfo.InvariantCulture), "--reveal-by", now.AddHours(2).ToString("O", CultureInfo.InvariantCulture),
            "--board", board.Url, "--key", board.Key("blue.example"));
        Assert.True(init.Code == 0, init.Err + init.Out);
        Assert.Contains("Logged the audit's inputs (its results and jurisdictions) on the board", init.Out, StringComparison.Ordinal);

        string[] Upload(string jurisdiction, string key) => ["upload", "--audit-id", AuditId, "--jurisdiction", jurisdiction, "--manifest", V("manifest.csv"),
            "--cvr-format", "dominion", "--cvrs", V("dominion-cvrs.csv"), "--board", board.Url, "--key", board.Key(key)];

        // Red may not upload Kent's files: the audit names blue for Kent.
        var wrongKey = Run(Upload("Kent", "red.example"));
        Assert.Equal(2, wrongKey.Code);
        Assert.Contains("the files of Kent are uploaded by \"blue.example\"", wrongKey.Err, StringComparison.Ordinal);
        var kent = Run(Upload("Kent", "blue.example"));
        Assert.True(kent.Code == 0, kent.Err + kent.Out);
        Assert.Contains("Logged the files of Kent (4 batch(es), 15 ballot(s)) on the board", kent.Out, StringComparison.Ordinal);

        // No seed commitment while Mesa's files are missing: the CLI and the board both name the jurisdiction.
        var early = Run("seed", "commit", "--dir", dir, "--secret-file", board.File("blue.example.secret"), "--board", board.Url, "--key", board.Key("blue.example"));
        Assert.Equal(2, early.Code);
        Assert.Contains("waits for the files of Mesa", early.Err, StringComparison.Ordinal);
        using (Ed25519NoteSigner blue = ElectionPlaceOptions.ReadKey(board.Key("blue.example")))
        using (BoardClient client = new(new Uri(board.Url.EndsWith('/') ? board.Url : board.Url + "/"), blue))
        {
            byte[] commit = Entente.Audit.Seed.SeedArtifacts.Write(new Entente.Audit.Seed.SeedCommitArtifact(AuditId, "blue.example", ["blue.example", "red.example"], false, new byte[32]));
            BoardRequestException refused = await Assert.ThrowsAsync<BoardRequestException>(() =>
                client.PublishAsync(new BoardTarget("audit-commits", AuditId + ":blue.example", Entente.Audit.Seed.SeedArtifacts.CommitType, false, false), commit));
            Assert.Equal(409, refused.Status);
            Assert.Contains("still waits for the files of Mesa", refused.Detail, StringComparison.Ordinal);
        }

        var mesa = Run(Upload("Mesa", "red.example"));
        Assert.True(mesa.Code == 0, mesa.Err + mesa.Out);
        foreach (string step in new[] { "commit", "reveal" })
        {
            foreach (string party in new[] { "blue.example", "red.example" })
            {
                var seed = Run("seed", step, "--dir", dir, "--secret-file", board.File(party + ".secret"), "--board", board.Url, "--key", board.Key(party));
                Assert.True(seed.Code == 0, seed.Err + seed.Out);
            }
        }

        // A late upload is refused once the seed is committed to.
        var late = Run(Upload("Kent", "blue.example"));
        Assert.Equal(1, late.Code); // 422: the board refuses it
        Assert.Contains("already has seed commitments on the board; every jurisdiction's files had to come first", late.Err, StringComparison.Ordinal);

        var sample = Run("sample", "--dir", dir, "--size", "12", "--board", board.Url, "--key", board.Key("red.example"));
        Assert.True(sample.Code == 0, sample.Err + sample.Out);
        string[][] drawn = [.. File.ReadAllLines(Path.Combine(dir, "rounds", "round-1-retrieval.csv")).Skip(1).Where(l => l.Length > 0).Select(l => l.Split(','))];
        Assert.All(drawn, d => Assert.Matches("^(Kent|Mesa):TABULATOR[12]$", d[1])); // every ballot carries its jurisdiction
        File.WriteAllText(board.File("readings.csv"), "Tabulator,Batch,Position,Contest,Choice\n" + string.Concat(drawn.Select(d => $"{d[1]},{d[2]},{d[3]},Contest 1,Choice 1-1\n")));
        var read = Run("record", "--dir", dir, "--readings", board.File("readings.csv"), "--audit-board", "Board 1", "--board", board.Url, "--key", board.Key("blue.example"));
        Assert.True(read.Code == 0, read.Err + read.Out);
        var signed = Run("record", "--dir", dir, "--sign-off", "Board 1", "--members", "Ada Blue,Rui Red", "--board", board.Url, "--key", board.Key("red.example"));
        Assert.True(signed.Code == 0, signed.Err + signed.Out);

        var verified = Run("verify", "--board", board.Url, "--audit-id", AuditId);
        Assert.True(verified.Code == 0, verified.Out + verified.Err);
        string[] lines = verified.Out.Split('\n');
        Assert.Equal("ok      inputs (jurisdictions Kent, Mesa)", lines[0]);
        Assert.StartsWith("ok      upload of Kent (entry ", lines[1], StringComparison.Ordinal);
        Assert.EndsWith(", by blue.example: 4 batch(es), 15 ballot(s))", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("ok      upload of Mesa (entry ", lines[2], StringComparison.Ordinal);
        Assert.Equal(["ok      seed", "ok      round 1"], lines[3..5]);
        Assert.Contains($"ok      readings of round 1 ({drawn.Length} ballot(s), signed off by Board 1: Ada Blue and Rui Red)", verified.Out, StringComparison.Ordinal);

        // The audit page: each jurisdiction with its upload's log entry, and the round's progress per jurisdiction and per audit board within it.
        string page = await board.GetTextAsync("audit");
        Assert.Matches("<li data-jurisdiction=\"Kent\">Kent: files uploaded by blue.example, <a href=\"/log/\\d+\">log entry \\d+</a>", page);
        Assert.Matches("<li data-jurisdiction=\"Mesa\">Mesa: files uploaded by red.example, <a href=\"/log/\\d+\">log entry \\d+</a>", page);
        foreach (string j in new[] { "Kent", "Mesa" })
        {
            int mine = drawn.Count(d => d[1].StartsWith(j + ":", StringComparison.Ordinal));
            Assert.Contains($"<li data-jurisdiction=\"{j}\" data-total=\"{mine}\" data-done=\"{mine}\">{j}: {mine} of {mine} ballot(s) read"
                + (mine > 0 ? $" · <span data-board=\"Board 1\">Board 1: {mine} read</span>" : ""), page, StringComparison.Ordinal);
        }

        // The same entries with Mesa's upload tampered: its text changed under its hash, or signed by another key.
        IReadOnlyList<AuditTrailEntry> entries = await AuditBoard.ReadAsync(new Uri(board.Url.EndsWith('/') ? board.Url : board.Url + "/"), AuditId, CancellationToken.None);
        AuditTrailEntry upload = entries.Single(e => e.Type == AuditTrailArtifacts.UploadType && Encoding.UTF8.GetString(e.Body).Contains("\"jurisdiction\":\"Mesa\"", StringComparison.Ordinal));
        byte[] altered = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(upload.Body).Replace("TABULATOR2,BATCH2,6", "TABULATOR2,BATCH2,5", StringComparison.Ordinal));
        Assert.NotEqual(upload.Body, altered);
        AuditTrailResult tampered = AuditTrailVerifier.Verify(AuditId, [.. entries.Select(e => e == upload ? e with { Body = altered } : e)]);
        Assert.Equal("upload of Mesa", tampered.FailedStep);
        Assert.Contains("column \"files[0].sha256\": the SHA-256 of manifest.csv's text is", tampered.Problem, StringComparison.Ordinal);
        AuditTrailResult forged = AuditTrailVerifier.Verify(AuditId, [.. entries.Select(e => e == upload ? e with { Party = "blue.example" } : e)]);
        Assert.Equal("upload of Mesa", forged.FailedStep);
        Assert.Contains("is signed by blue.example, but the inputs", forged.Problem, StringComparison.Ordinal);
    }
}
