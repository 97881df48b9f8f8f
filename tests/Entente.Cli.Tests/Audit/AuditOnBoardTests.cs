using System.Globalization;
using System.Text.Json;
using Entente.Audit.Trail;
using Entente.Cli.Commands.Election;
using Entente.Cli.Tests.Election;
using Entente.Client.Board;
using Entente.Transparency.Notes;

namespace Entente.Cli.Tests.Audit;

/// <summary>
/// An audit whose inputs, seed and sample are entries of a real board (<c>entente serve</c> in its own process), then
/// <c>entente audit verify --board</c> recomputing it from the board alone, and failing at a forged round.
/// </summary>
[Collection("audit clock")]
public sealed class AuditOnBoardTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(["audit", .. args]);

    [Fact]
    public async Task A_batch_audit_whose_hand_counts_two_audit_boards_log_with_the_cli_verifies_from_the_board_alone()
    {
        using BoardProcess board = await BoardProcess.StartAsync();
        string V(string name) => Path.Combine(AppContext.BaseDirectory, "vectors", "rla-vendor", "more", "generated-jurisdiction", name);
        File.WriteAllText(board.File("results.csv"), "Contest,Choice,Votes,Ballots\nMinister of Farming,Erin George,41,57\nMinister of Farming,Alex Hall,5,57\nMinister of Farming,Write-In,0,57\n");
        Dictionary<string, string[]> reported = new() { ["Batch 1"] = ["Erin George=18", "Alex Hall=2"], ["Batch 2"] = ["Erin George=15", "Alex Hall=2"], ["Batch 3"] = ["Erin George=8", "Alex Hall=1"] };
        string dir = board.File("audit");
        DateTimeOffset now = DateTimeOffset.UtcNow;
        var init = Run("init", "--dir", dir, "--method", "batch", "--risk-limit", "0.1", "--manifest", V("siletz-ballot-manifest.csv"), "--results", board.File("results.csv"),
            "--batch-tallies", V("siletz-minister-of-farming-candidate-totals-by-batch.csv"), "--parties", "blue.example,red.example",
            "--commit-by", now.AddHours(1).ToString("O", CultureInfo.InvariantCulture), "--reveal-by", now.AddHours(2).ToString("O", CultureInfo.InvariantCulture),
            "--board", board.Url, "--key", board.Key("blue.example"));
        Assert.True(init.Code == 0, init.Err + init.Out);
        string auditId = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "audit.json"))).RootElement.GetProperty("auditId").GetString()!;
        foreach (string step in new[] { "commit", "reveal" })
        {
            foreach (string party in new[] { "blue.example", "red.example" })
            {
                var seed = Run("seed", step, "--dir", dir, "--secret-file", board.File(party + ".secret"), "--board", board.Url, "--key", board.Key(party));
                Assert.True(seed.Code == 0, seed.Err);
            }
        }

        var sample = Run("sample", "--dir", dir, "--size", "10", "--board", board.Url, "--key", board.Key("red.example"));
        Assert.True(sample.Code == 0, sample.Err);
        string[][] batches = [.. File.ReadAllLines(Path.Combine(dir, "rounds", "round-1-retrieval.csv")).Skip(1).Where(l => l.Length > 0).Select(l => l.Split(','))];
        for (int i = 0; i < batches.Length; i++)
        {
            string[] b = batches[i];
            var noName = Run(["record", "--dir", dir, "--tabulator", b[1], "--batch", b[2], "--contest", "Minister of Farming", .. reported[b[2]].SelectMany(c => new[] { "--count", c }), "--board", board.Url, "--key", board.Key("blue.example")]);
            Assert.Equal(2, noName.Code); // --audit-board names the counting board
            var counted = Run(["record", "--dir", dir, "--tabulator", b[1], "--batch", b[2], "--contest", "Minister of Farming", .. reported[b[2]].SelectMany(c => new[] { "--count", c }),
                "--audit-board", i == 0 ? "Board 1" : "Board 2", "--board", board.Url, "--key", board.Key("blue.example")]);
            Assert.True(counted.Code == 0, counted.Err + counted.Out);
            Assert.Contains($"Logged the tally of batch {b[2]}, Minister of Farming on the board", counted.Out, StringComparison.Ordinal);
        }

        var partial = Run("verify", "--board", board.Url, "--audit-id", auditId);
        Assert.True(partial.Code == 0, partial.Out + partial.Err);
        Assert.DoesNotContain("counts of round 1", partial.Out, StringComparison.Ordinal); // not signed off yet
        foreach ((string name, string members) in new[] { ("Board 1", "Ada Blue,Rui Red"), ("Board 2", "Lee Green,Sam Gold") })
        {
            var signed = Run("record", "--dir", dir, "--sign-off", name, "--members", members, "--board", board.Url, "--key", board.Key("red.example"));
            Assert.True(signed.Code == 0, signed.Err + signed.Out);
        }

        var verified = Run("verify", "--board", board.Url, "--audit-id", auditId);
        Assert.True(verified.Code == 0, verified.Out + verified.Err);
        Assert.Contains($"ok      counts of round 1 ({batches.Length} batch(es), {batches.Length} tally(ies), signed off by Board 1: Ada Blue and Rui Red; Board 2: Lee Green and Sam Gold)", verified.Out, StringComparison.Ordinal);
        Assert.Contains("ok      risk after round 1: MACRO 0.00748 for every contest (Minister of Farming confirmed)", verified.Out, StringComparison.Ordinal);
        var status = Run("status", "--dir", dir);
        Assert.Equal(0, status.Code); // the directory's round was signed off with the last board's sign-off, and agrees

        // The audit page links each batch's tally to its log entry.
        string page = await board.GetTextAsync("audit");
        Assert.Equal(batches.Length, System.Text.RegularExpressions.Regex.Count(page, "<a href=\"/log/\\d+\">entry \\d+</a>: Minister of Farming: Erin George "));
    }

    [Fact]
    public async Task An_audit_made_on_the_board_verifies_from_the_board_alone_and_a_forged_round_is_named()
    {
        using BoardProcess board = await BoardProcess.StartAsync();
        File.WriteAllText(board.File("manifest.csv"), "Tabulator,Batch,Ballots\nT1,B1,300\nT2,B2,200\n");
        File.WriteAllText(board.File("results.csv"), "Contest,Choice,Votes,Ballots\nMayor,Alice,300,500\nMayor,Bob,150,500\n");
        string dir = board.File("audit");
        DateTimeOffset now = DateTimeOffset.UtcNow;
        var init = Run("init", "--dir", dir, "--method", "bravo", "--risk-limit", "0.1", "--manifest", board.File("manifest.csv"), "--results", board.File("results.csv"),
            "--parties", "blue.example,red.example", "--commit-by", now.AddHours(1).ToString("O", CultureInfo.InvariantCulture),
            "--reveal-by", now.AddHours(2).ToString("O", CultureInfo.InvariantCulture), "--board", board.Url, "--key", board.Key("blue.example"));
        Assert.True(init.Code == 0, init.Err + init.Out);
        Assert.Contains("Logged the audit's inputs on the board", init.Out, StringComparison.Ordinal);
        string auditId = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "audit.json"))).RootElement.GetProperty("auditId").GetString()!;

        var early = Run("verify", "--board", board.Url, "--audit-id", auditId);
        Assert.True(early.Code == 0, early.Err + early.Out); // inputs alone: nothing else to check yet
        foreach (string party in new[] { "blue.example", "red.example" })
        {
            var commit = Run("seed", "commit", "--dir", dir, "--secret-file", board.File(party + ".secret"), "--board", board.Url, "--key", board.Key(party));
            Assert.True(commit.Code == 0, commit.Err);
        }

        foreach (string party in new[] { "blue.example", "red.example" })
        {
            var reveal = Run("seed", "reveal", "--dir", dir, "--secret-file", board.File(party + ".secret"), "--board", board.Url, "--key", board.Key(party));
            Assert.True(reveal.Code == 0, reveal.Err);
        }

        var sample = Run("sample", "--dir", dir, "--size", "5", "--board", board.Url, "--key", board.Key("red.example"));
        Assert.True(sample.Code == 0, sample.Err);
        Assert.Contains("Logged round 1's sample on the board", sample.Out, StringComparison.Ordinal);

        var verified = Run("verify", "--board", board.Url, "--audit-id", auditId);
        Assert.True(verified.Code == 0, verified.Out + verified.Err);
        Assert.Equal(["ok      inputs", "ok      seed", "ok      round 1"], verified.Out.Split('\n').Take(3));

        // The audit board's readings and sign-off go on the board; the risk is recomputed from them.
        string[] ballots = [.. File.ReadAllLines(Path.Combine(dir, "rounds", "round-1-retrieval.csv")).Skip(1).Where(l => l.Length > 0)
            .Select(l => l.Split(',')).Select(c => $"{c[1]},{c[2]},{c[3]}")];
        // Two audit boards read disjoint shares (Board 1 all but the last ballot, Board 2 the last) and each signs off its own.
        ballots = [.. ballots.Distinct(StringComparer.Ordinal)];
        File.WriteAllText(board.File("readings.csv"), "Tabulator,Batch,Position,Contest,Choice\n" + string.Concat(ballots[..^1].Select(b => $"{b},Mayor,Alice\n")));
        File.WriteAllText(board.File("readings-2.csv"), "Tabulator,Batch,Position,Contest,Choice\n" + $"{ballots[^1]},Mayor,Alice\n");
        var readNoBoardName = Run("record", "--dir", dir, "--readings", board.File("readings.csv"), "--board", board.Url, "--key", board.Key("blue.example"));
        Assert.Equal(2, readNoBoardName.Code);
        var read = Run("record", "--dir", dir, "--readings", board.File("readings.csv"), "--audit-board", "Board 1", "--board", board.Url, "--key", board.Key("blue.example"));
        Assert.True(read.Code == 0, read.Err + read.Out);
        Assert.Contains($"Logged {ballots.Length - 1} ballot reading(s) of round 1 on the board.", read.Out, StringComparison.Ordinal);
        var read2 = Run("record", "--dir", dir, "--readings", board.File("readings-2.csv"), "--audit-board", "Board 2", "--board", board.Url, "--key", board.Key("red.example"));
        Assert.True(read2.Code == 0, read2.Err + read2.Out);
        var oneMember = Run("record", "--dir", dir, "--sign-off", "Board 1", "--members", "Ada Blue", "--board", board.Url, "--key", board.Key("red.example"));
        Assert.Equal(2, oneMember.Code);
        var signed = Run("record", "--dir", dir, "--sign-off", "Board 1", "--members", "Ada Blue,Rui Red", "--board", board.Url, "--key", board.Key("red.example"));
        Assert.True(signed.Code == 0, signed.Err + signed.Out);
        Assert.Contains("Board 1's sign-off of its share of round 1", signed.Out, StringComparison.Ordinal);
        var half = Run("verify", "--board", board.Url, "--audit-id", auditId);
        Assert.True(half.Code == 0, half.Out + half.Err);
        Assert.DoesNotContain("readings of round 1", half.Out, StringComparison.Ordinal); // open: Board 2 has not signed off
        var again = Run("record", "--dir", dir, "--sign-off", "Board 1", "--members", "Ada Blue,Rui Red", "--board", board.Url, "--key", board.Key("red.example"));
        Assert.True(again.Code == 0, again.Err + again.Out); // the same sign-off again: already on the board
        var nothingRead = Run("record", "--dir", dir, "--sign-off", "Board 3", "--members", "Kim Teal,Max Plum", "--board", board.Url, "--key", board.Key("red.example"));
        Assert.NotEqual(0, nothingRead.Code);
        Assert.Contains("has read no ballot of round 1", nothingRead.Err + nothingRead.Out, StringComparison.Ordinal);
        var signed2 = Run("record", "--dir", dir, "--sign-off", "Board 2", "--members", "Lee Green,Sam Gold", "--board", board.Url, "--key", board.Key("red.example"));
        Assert.True(signed2.Code == 0, signed2.Err + signed2.Out);
        var measured = Run("verify", "--board", board.Url, "--audit-id", auditId);
        Assert.True(measured.Code == 0, measured.Out + measured.Err);
        Assert.Contains($"ok      readings of round 1 ({ballots.Length} ballot(s), signed off by Board 1: Ada Blue and Rui Red; Board 2: Lee Green and Sam Gold)", measured.Out, StringComparison.Ordinal);
        Assert.Contains("ok      risk after round 1: Mayor ", measured.Out, StringComparison.Ordinal);

        // A reading after the sign-off, and a reading of a ballot not drawn: refused with a ProblemDetails naming why.
        using (Ed25519NoteSigner blueKey = ElectionPlaceOptions.ReadKey(board.Key("blue.example")))
        using (BoardClient blueClient = new(new Uri(board.Url.EndsWith('/') ? board.Url : board.Url + "/"), blueKey))
        {
            string[] first = ballots[0].Split(',');
            AuditReadingArtifact afterSignOff = new(auditId, 1, "Board 1", first[0], first[1], long.Parse(first[2], CultureInfo.InvariantCulture) % 300 + 1, true, [new("Mayor", true, ["Bob"])]);
            BoardRequestException refused = await Assert.ThrowsAsync<BoardRequestException>(() =>
                blueClient.PublishAsync(new BoardTarget("audit-readings", afterSignOff.Id, AuditTrailArtifacts.ReadingType, false, false), AuditTrailArtifacts.Write(afterSignOff)));
            Assert.Equal(409, refused.Status);
            Assert.Contains("round 1 is signed off (closed by Board 2); its readings are final", refused.Detail, StringComparison.Ordinal);
            AuditReadingArtifact round9 = afterSignOff with { Round = 9 };
            refused = await Assert.ThrowsAsync<BoardRequestException>(() =>
                blueClient.PublishAsync(new BoardTarget("audit-readings", round9.Id, AuditTrailArtifacts.ReadingType, false, false), AuditTrailArtifacts.Write(round9)));
            Assert.Contains("round 9 has not been drawn", refused.Detail, StringComparison.Ordinal);
        }

        // A round 2 that repeats round 1's draws: not what the seed gives for draws 6 to 10.
        using AuditTrailRound forged = new(board, auditId, dir);
        await forged.PostAsync();
        var failed = Run("verify", "--board", board.Url, "--audit-id", auditId);
        Assert.Equal(1, failed.Code);
        Assert.Contains("FAILED  round 2: draw 6 is ", failed.Out, StringComparison.Ordinal);

        // The inputs of an audit whose seed commitments are already on the board are refused.
        using Ed25519NoteSigner blue = ElectionPlaceOptions.ReadKey(board.Key("blue.example"));
        using BoardClient client = new(new Uri(board.Url.EndsWith('/') ? board.Url : board.Url + "/"), blue);
        AuditInputsArtifact late = new(auditId + "-late", "bravo", 0.1, "entente", null, [new AuditInputFile("results.csv", "x")]);
        await Assert.ThrowsAsync<BoardRequestException>(async () =>
        {
            byte[] commit = Entente.Audit.Seed.SeedArtifacts.Write(new Entente.Audit.Seed.SeedCommitArtifact(late.AuditId, "blue.example", ["blue.example"], false, new byte[32]));
            await client.PublishAsync(new BoardTarget("audit-commits", late.AuditId + ":blue.example", Entente.Audit.Seed.SeedArtifacts.CommitType, false, false), commit);
            await client.PublishAsync(new BoardTarget("audit-inputs", late.AuditId, AuditTrailArtifacts.InputsType, false, false), AuditTrailArtifacts.Write(late));
        });
    }

    /// <summary>Posts a forged round 2 (round 1's draws again) signed by red.</summary>
    private sealed class AuditTrailRound(BoardProcess board, string auditId, string dir) : IDisposable
    {
        private readonly Ed25519NoteSigner _red = ElectionPlaceOptions.ReadKey(board.Key("red.example"));

        public async Task PostAsync()
        {
            using JsonDocument state = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "audit.json")));
            List<AuditRoundDraw> draws = [.. state.RootElement.GetProperty("rounds")[0].GetProperty("draws").EnumerateArray().Select(d => new AuditRoundDraw(
                d.GetProperty("ticket").GetString()!, d.GetProperty("tabulator").GetString(), d.GetProperty("batch").GetString()!, d.GetProperty("position").GetInt64()))];
            using BoardClient client = new(new Uri(board.Url.EndsWith('/') ? board.Url : board.Url + "/"), _red);
            await client.PublishAsync(new BoardTarget("audit-rounds", auditId + ":2", AuditTrailArtifacts.RoundType, false, false),
                AuditTrailArtifacts.Write(new AuditRoundArtifact(auditId, 2, draws)));
        }

        public void Dispose() => _red.Dispose();
    }
}
