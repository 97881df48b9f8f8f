using System.Text;
using Entente.Audit.Io;
using Entente.Audit.Seed;
using Entente.Audit.Trail;
using Entente.Audit.Workflow;

namespace Entente.Audit.Tests.Attacks;

/// <summary>
/// A batch-comparison audit's hand tallies and per-board sign-offs as log entries (docs/audit.md, "Batch tallies on the
/// board"), on the Siletz batch-tally fixture: the MACRO risk recomputed from the log equals the audit directory's, and a
/// tally of a batch not drawn, of an unknown choice, a count changed after its board's sign-off, a sign-off before the
/// board's batches are counted, and malformed tallies each fail at the step they break, naming it.
/// </summary>
public sealed class BatchTalliesOnLogTests : IDisposable
{
    private static readonly DateTimeOffset T = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);
    private static readonly Dictionary<string, long[]> Reported = new()
    {
        ["Batch 1"] = [18, 2, 0],
        ["Batch 2"] = [15, 2, 0],
        ["Batch 3"] = [8, 1, 0],
    };

    private static readonly string[] Choices = ["Erin George", "Alex Hall", "Write-In"];
    private readonly string _root = Path.Combine(Path.GetTempPath(), "entente-tallies-" + Guid.NewGuid().ToString("N"));

    public BatchTalliesOnLogTests() => Directory.CreateDirectory(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private AuditDirectory Audit()
    {
        string results = Path.Combine(_root, "r.csv");
        File.WriteAllText(results, "Contest,Choice,Votes,Ballots\nMinister of Farming,Erin George,41,57\nMinister of Farming,Alex Hall,5,57\nMinister of Farming,Write-In,0,57\n");
        return AuditDirectory.Init(Path.Combine(_root, "audit"), new AuditSettings(AuditMethod.Batch, 0.1, VendorFixtures.P("more/generated-jurisdiction/siletz-ballot-manifest.csv"), results, null,
            ["Blue", "Red"], T, T.AddHours(1), T.AddHours(1), "entente", null, null)
        {
            BatchTalliesPath = VendorFixtures.P("more/generated-jurisdiction/siletz-minister-of-farming-candidate-totals-by-batch.csv"),
        }, TimeProvider.System);
    }

    private static (List<AuditTrailEntry> Entries, string Seed) SeedEntries(AuditDirectory audit)
    {
        string id = audit.State.AuditId;
        byte[] blue = Enumerable.Repeat((byte)1, 32).ToArray(), red = Enumerable.Repeat((byte)2, 32).ToArray();
        List<AuditTrailEntry> entries =
        [
            new(10, AuditTrailArtifacts.InputsType, AuditTrailArtifacts.Write(audit.InputsArtifact())),
            new(11, SeedArtifacts.CommitType, SeedArtifacts.Write(new SeedCommitArtifact(id, "Blue", ["Blue", "Red"], false, SeedProtocol.Commitment(id, "Blue", blue)))),
            new(12, SeedArtifacts.CommitType, SeedArtifacts.Write(new SeedCommitArtifact(id, "Red", ["Blue", "Red"], false, SeedProtocol.Commitment(id, "Red", red)))),
            new(13, SeedArtifacts.RevealType, SeedArtifacts.Write(new SeedRevealArtifact(id, "Blue", blue))),
            new(14, SeedArtifacts.RevealType, SeedArtifacts.Write(new SeedRevealArtifact(id, "Red", red))),
        ];
        List<SeedLogRecord> records =
        [
            new(id, "Blue", SeedRecordKind.Commit, SeedProtocol.Commitment(id, "Blue", blue), 11, DateTimeOffset.UnixEpoch),
            new(id, "Red", SeedRecordKind.Commit, SeedProtocol.Commitment(id, "Red", red), 12, DateTimeOffset.UnixEpoch),
            new(id, "Blue", SeedRecordKind.Reveal, blue, 13, DateTimeOffset.UnixEpoch),
            new(id, "Red", SeedRecordKind.Reveal, red, 14, DateTimeOffset.UnixEpoch),
        ];
        return (entries, SeedProtocol.EvaluateOnBoard(id, ["Blue", "Red"], false, records).Seed!);
    }

    private static AuditTallyArtifact Tally(AuditDirectory audit, AuditDraw d, string board, long[]? counts = null) =>
        new(audit.State.AuditId, 1, board, d.Tabulator, d.Batch, "Minister of Farming", [.. Choices.Select((c, i) => new AuditChoiceCount(c, (counts ?? Reported[d.Batch])[i]))]);

    /// <summary>
    /// Round 1 (6 draws): the sample; Board 1 counts the first batch, Board 2 the others (each as reported, also in the
    /// directory); then Board 1's and Board 2's sign-offs (Board 2's closes the round).
    /// </summary>
    private static List<AuditTrailEntry> RoundOne(AuditDirectory audit, string seed, out List<AuditTallyArtifact> tallies, out List<AuditSignOffArtifact> signOffs)
    {
        AuditRound round = audit.DrawRound(seed, 6);
        List<AuditTrailEntry> entries = [new(20, AuditTrailArtifacts.RoundType, AuditTrailArtifacts.Write(audit.RoundArtifact(round)))];
        tallies = [];
        long index = 21;
        foreach (AuditDraw d in round.Draws.DistinctBy(d => d.BallotKey))
        {
            AuditTallyArtifact tally = Tally(audit, d, tallies.Count == 0 ? "Board 1" : "Board 2");
            audit.RecordBatchCount(d.Tabulator, d.Batch, tally.Contest, tally.VoteMap);
            tallies.Add(tally);
            entries.Add(new(index++, AuditTrailArtifacts.TallyType, AuditTrailArtifacts.Write(tally)));
        }

        audit.SignOff("Board 2");
        signOffs = [new(audit.State.AuditId, 1, "Board 1", ["Ada Blue", "Rui Red"]), new(audit.State.AuditId, 1, "Board 2", ["Lee Green", "Sam Gold"])];
        foreach (AuditSignOffArtifact s in signOffs)
        {
            entries.Add(new(index++, AuditTrailArtifacts.SignOffType, AuditTrailArtifacts.Write(s)));
        }

        return entries;
    }

    [Fact]
    public void The_MACRO_risk_recomputed_from_logged_tallies_and_both_boards_sign_offs_equals_the_directorys()
    {
        using AuditDirectory audit = Audit();
        (List<AuditTrailEntry> entries, string seed) = SeedEntries(audit);
        entries.AddRange(RoundOne(audit, seed, out List<AuditTallyArtifact> tallies, out _));
        AuditTrailResult result = AuditTrailVerifier.Verify(audit.State.AuditId, entries);
        Assert.True(result.Ok, $"{result.FailedStep}: {result.Problem}");
        Assert.Contains(result.Checked, c => c.StartsWith($"counts of round 1 ({tallies.Count} batch(es), {tallies.Count} tally(ies), signed off by Board 1: Ada Blue and Rui Red; Board 2: Lee Green and Sam Gold)", StringComparison.Ordinal));
        double expected = audit.Evaluate().Contests[0].PValue;
        Assert.Equal(expected, result.Progress!.Decision!.Contests[0].PValue, 12);
        Assert.Contains(result.Checked, c => c.StartsWith("risk after round 1: MACRO ", StringComparison.Ordinal));
    }

    [Fact]
    public void A_tally_of_a_batch_outside_the_manifest_fails_the_counts_step_naming_the_batch()
    {
        using AuditDirectory audit = Audit();
        (List<AuditTrailEntry> entries, string seed) = SeedEntries(audit);
        entries.AddRange(RoundOne(audit, seed, out List<AuditTallyArtifact> tallies, out _));
        entries.Insert(6, new(20, AuditTrailArtifacts.TallyType, AuditTrailArtifacts.Write(tallies[0] with { Tabulator = "Tabulator Z", Batch = "Batch 9" })));
        entries[6] = entries[6] with { Index = 21 };
        for (int i = 7; i < entries.Count; i++)
        {
            entries[i] = entries[i] with { Index = entries[i].Index + 1 };
        }

        AuditTrailResult result = AuditTrailVerifier.Verify(audit.State.AuditId, entries);
        Assert.Equal("counts of round 1", result.FailedStep);
        Assert.Contains("batch Tabulator Z / Batch 9 was not drawn in round 1 (it is not in the committed manifest)", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tally_with_a_choice_the_contest_does_not_have_fails_naming_the_choice()
    {
        using AuditDirectory audit = Audit();
        (List<AuditTrailEntry> entries, string seed) = SeedEntries(audit);
        entries.AddRange(RoundOne(audit, seed, out List<AuditTallyArtifact> tallies, out _));
        AuditTallyArtifact mallory = tallies[0] with { Votes = [.. tallies[0].Votes.Take(2), new AuditChoiceCount("Mallory", 0)] };
        entries[6] = entries[6] with { Body = AuditTrailArtifacts.Write(mallory) };
        AuditTrailResult result = AuditTrailVerifier.Verify(audit.State.AuditId, entries);
        Assert.Equal("counts of round 1", result.FailedStep);
        Assert.Contains("\"Mallory\" is not a choice of \"Minister of Farming\"", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_count_changed_after_its_boards_sign_off_fails_naming_the_sign_off()
    {
        using AuditDirectory audit = Audit();
        (List<AuditTrailEntry> entries, string seed) = SeedEntries(audit);
        entries.AddRange(RoundOne(audit, seed, out List<AuditTallyArtifact> tallies, out _));
        // Board 1 signed off (entry before last); a correction of its batch logged between the two sign-offs.
        AuditTallyArtifact altered = Tally(audit, new AuditDraw(0, "", null, tallies[0].Tabulator, tallies[0].Batch, 0, 1), "Board 2", [0, 20, 0]) with { Corrects = 1 };
        long last = entries[^1].Index;
        entries[^1] = entries[^1] with { Index = last + 1 };
        entries.Insert(entries.Count - 1, new(last, AuditTrailArtifacts.TallyType, AuditTrailArtifacts.Write(altered)));
        AuditTrailResult result = AuditTrailVerifier.Verify(audit.State.AuditId, entries);
        Assert.Equal("counts of round 1", result.FailedStep);
        Assert.Contains($"was counted by Board 1, which signed off its share; that count is final", result.Problem, StringComparison.Ordinal);

        // After the last sign-off the round is closed for every board.
        entries.RemoveAt(entries.Count - 2);
        entries.Add(new(last + 5, AuditTrailArtifacts.TallyType, AuditTrailArtifacts.Write(altered with { Board = "Board 2", Corrects = 1 })));
        result = AuditTrailVerifier.Verify(audit.State.AuditId, entries);
        Assert.Equal("counts of round 1", result.FailedStep);
        Assert.Contains("round 1 is signed off; its counts are final", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_boards_sign_off_before_its_batches_are_counted_for_every_contest_or_with_no_batch_fails()
    {
        using AuditDirectory audit = Audit();
        (List<AuditTrailEntry> entries, string seed) = SeedEntries(audit);
        entries.AddRange(RoundOne(audit, seed, out List<AuditTallyArtifact> tallies, out List<AuditSignOffArtifact> signOffs));
        entries.Add(new(99, AuditTrailArtifacts.SignOffType, AuditTrailArtifacts.Write(signOffs[0] with { Board = "Board 3" })));
        AuditTrailResult result = AuditTrailVerifier.Verify(audit.State.AuditId, entries);
        Assert.Equal("sign-off of round 1", result.FailedStep);
        Assert.Contains("round 1 is already signed off", result.Problem, StringComparison.Ordinal);

        entries.RemoveAt(entries.Count - 1);
        entries.Insert(6, new(20, AuditTrailArtifacts.SignOffType, AuditTrailArtifacts.Write(signOffs[0] with { Board = "Board 3" })));
        entries[6] = entries[6] with { Index = 20 };
        entries[5] = entries[5] with { Index = 19 };
        result = AuditTrailVerifier.Verify(audit.State.AuditId, entries);
        Assert.Equal("sign-off of round 1", result.FailedStep);
        Assert.Contains("audit board \"Board 3\" has counted no batch of round 1", result.Problem, StringComparison.Ordinal);
        Assert.True(tallies.Count >= 1);
    }

    [Theory]
    [InlineData("\"votes\":18}", "\"votes\":-1}", "votes[0].votes\": a count is a whole number ≥ 0")]
    [InlineData("\"votes\":18}", "\"votes\":18.5}", "votes[0].votes\": a count is a whole number ≥ 0")]
    [InlineData("{\"choice\":\"Alex Hall\"", "{\"choice\":\"Erin George\"", "\"Erin George\" is counted twice")]
    [InlineData(",\"votes\":[", ",\"extra\":1,\"votes\":[", "extra\": unknown member")]
    public void Malformed_tallies_are_refused_naming_the_member(string from, string to, string expected)
    {
        AuditTallyArtifact tally = new("a", 1, "Board 1", null, "Batch 1", "Minister of Farming", [.. Choices.Select((c, i) => new AuditChoiceCount(c, Reported["Batch 1"][i]))]);
        byte[] bytes = AuditTrailArtifacts.Write(tally);
        Assert.Equal(bytes, AuditTrailArtifacts.Write(AuditTrailArtifacts.ReadTally("t", bytes)));
        string text = Encoding.UTF8.GetString(bytes);
        Assert.Contains(from, text, StringComparison.Ordinal);
        AuditInputException e = Assert.Throws<AuditInputException>(() => AuditTrailArtifacts.ReadTally("t", Encoding.UTF8.GetBytes(text.Replace(from, to, StringComparison.Ordinal))));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}
