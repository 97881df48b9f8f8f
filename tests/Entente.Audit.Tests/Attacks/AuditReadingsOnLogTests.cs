using System.Text;
using Entente.Audit.Io;
using Entente.Audit.Seed;
using Entente.Audit.Trail;
using Entente.Audit.Workflow;

namespace Entente.Audit.Tests.Attacks;

/// <summary>
/// The audit boards' readings and sign-offs as log entries: the risk recomputed from them equals the audit directory's,
/// and a reading of a ballot not drawn, a duplicate, a reading after sign-off, a sign-off with a ballot unread, a round
/// before the previous sign-off, and forged or malformed entries each fail at the step they break.
/// </summary>
public sealed class AuditReadingsOnLogTests : IDisposable
{
    private static readonly DateTimeOffset T = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);
    private readonly string _root = Path.Combine(Path.GetTempPath(), "entente-readings-" + Guid.NewGuid().ToString("N"));

    public AuditReadingsOnLogTests() => Directory.CreateDirectory(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private AuditDirectory Audit(double alpha = 0.1)
    {
        string manifest = Path.Combine(_root, "m.csv"), results = Path.Combine(_root, "r.csv");
        File.WriteAllText(manifest, "Tabulator,Batch,Ballots\nT1,B1,300\nT2,B2,200\n");
        File.WriteAllText(results, "Contest,Choice,Votes,Ballots\nMayor,Alice,300,500\nMayor,Bob,150,500\nBond,Yes,200,300\nBond,No,90,300\n");
        return AuditDirectory.Init(Path.Combine(_root, "audit"), new AuditSettings(AuditMethod.Bravo, alpha, manifest, results, null, ["Blue", "Red"], T, T.AddHours(1), T.AddHours(1), "entente", null, null), TimeProvider.System);
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

    /// <summary>
    /// Round 1 of <paramref name="size"/> draws: its sample, then one reading per ballot (batch T1: Alice and Bond Yes;
    /// T2: Bond not on the ballot; the first ballot not found), recorded in the directory too, then the sign-off.
    /// </summary>
    private static List<AuditTrailEntry> RoundOne(AuditDirectory audit, string seed, long size, out List<AuditReadingArtifact> readings)
    {
        AuditRound round = audit.DrawRound(seed, size);
        List<AuditTrailEntry> entries = [new(20, AuditTrailArtifacts.RoundType, AuditTrailArtifacts.Write(audit.RoundArtifact(round)))];
        readings = [];
        long index = 21;
        foreach (AuditDraw d in round.Draws.DistinctBy(d => d.BallotKey))
        {
            AuditReadingArtifact reading = readings.Count == 0
                ? new(audit.State.AuditId, 1, "Board 1", d.Tabulator, d.Batch, d.Position, false, [])
                : new(audit.State.AuditId, 1, "Board 1", d.Tabulator, d.Batch, d.Position, true,
                    [new AuditContestReading("Mayor", true, ["Alice"]), d.Tabulator == "T1" ? new AuditContestReading("Bond", true, ["Yes"]) : new AuditContestReading("Bond", false, [])]);
            if (!reading.Found)
            {
                audit.Record(d.Tabulator, d.Batch, d.Position, null, [], false);
            }
            else
            {
                foreach (AuditContestReading c in reading.Contests)
                {
                    audit.Record(d.Tabulator, d.Batch, d.Position, c.Contest, c.Choices, c.OnBallot);
                }
            }

            readings.Add(reading);
            entries.Add(new(index++, AuditTrailArtifacts.ReadingType, AuditTrailArtifacts.Write(reading)));
        }

        audit.SignOff("Board 1");
        entries.Add(new(index, AuditTrailArtifacts.SignOffType, AuditTrailArtifacts.Write(new AuditSignOffArtifact(audit.State.AuditId, 1, "Board 1", ["Ada Blue", "Rui Red"]))));
        return entries;
    }

    [Fact]
    public void The_risk_recomputed_from_the_logged_readings_equals_the_audit_directorys()
    {
        using AuditDirectory audit = Audit();
        (List<AuditTrailEntry> entries, string seed) = SeedEntries(audit);
        entries.AddRange(RoundOne(audit, seed, 12, out _));
        AuditTrailResult result = AuditTrailVerifier.Verify(audit.State.AuditId, entries);
        Assert.True(result.Ok, result.Problem);
        AuditDecision local = audit.Evaluate();
        AuditDecision logged = result.Progress!.Decision!;
        Assert.Equal(local.Contests.Select(c => (c.Contest, c.PValue, c.Decision)), logged.Contests.Select(c => (c.Contest, c.PValue, c.Decision)));
        Assert.Equal(local.Contests[0].RiskByDraw, logged.Contests[0].RiskByDraw);
        Assert.Contains(result.Checked, s => s.StartsWith("readings of round 1 (", StringComparison.Ordinal) && s.Contains("Ada Blue and Rui Red", StringComparison.Ordinal));
        Assert.Contains(result.Checked, s => s.StartsWith("risk after round 1: Mayor ", StringComparison.Ordinal));
    }

    [Fact]
    public void A_reading_of_a_ballot_not_drawn_fails_the_readings_step_naming_the_ballot()
    {
        using AuditDirectory audit = Audit();
        (List<AuditTrailEntry> entries, string seed) = SeedEntries(audit);
        List<AuditTrailEntry> round = RoundOne(audit, seed, 6, out List<AuditReadingArtifact> readings);
        long undrawn = Enumerable.Range(1, 300).First(p => !audit.CurrentRound!.Draws.Any(d => d.Batch == "B1" && d.Position == p));
        round.Insert(1, new(20, AuditTrailArtifacts.ReadingType, AuditTrailArtifacts.Write(readings[1] with { Tabulator = "T1", Batch = "B1", Position = undrawn })));
        entries.AddRange(round.Select((e, i) => e with { Index = 20 + i }));
        AuditTrailResult result = AuditTrailVerifier.Verify(audit.State.AuditId, entries);
        Assert.Equal("readings of round 1", result.FailedStep);
        Assert.Contains($"ballot T1 / B1 #{undrawn} was not drawn in round 1", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_second_reading_of_a_ballot_fails_even_when_it_would_favour_the_reported_winner()
    {
        using AuditDirectory audit = Audit();
        (List<AuditTrailEntry> entries, string seed) = SeedEntries(audit);
        List<AuditTrailEntry> round = RoundOne(audit, seed, 6, out List<AuditReadingArtifact> readings);
        round.Insert(round.Count - 1, new(0, AuditTrailArtifacts.ReadingType, AuditTrailArtifacts.Write(readings[0] with { Found = true, Contests = [new("Mayor", true, ["Alice"]), new("Bond", false, [])] })));
        entries.AddRange(round.Select((e, i) => e with { Index = 20 + i }));
        AuditTrailResult result = AuditTrailVerifier.Verify(audit.State.AuditId, entries);
        Assert.Equal("readings of round 1", result.FailedStep);
        Assert.Contains("already has a reading on the board", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_reading_by_a_board_after_it_signed_off_its_share_fails_naming_the_board()
    {
        using AuditDirectory audit = Audit();
        (List<AuditTrailEntry> entries, string seed) = SeedEntries(audit);
        List<AuditTrailEntry> round = RoundOne(audit, seed, 6, out List<AuditReadingArtifact> readings);
        AuditTrailEntry last = round[^2];
        round.RemoveAt(round.Count - 2);
        round.Add(last); // Board 1 signs off its share, then posts one more reading
        entries.AddRange(round.Select((e, i) => e with { Index = 20 + i }));
        AuditTrailResult result = AuditTrailVerifier.Verify(audit.State.AuditId, entries);
        Assert.Equal("readings of round 1", result.FailedStep);
        Assert.Contains("audit board \"Board 1\" signed off its share of round 1; its readings are final", result.Problem, StringComparison.Ordinal);

        // The round is not closed: another board may read that ballot, and its sign-off closes the round.
        AuditProgress progress = result.Progress!;
        AuditProgressRound one = progress.Rounds[0];
        Assert.Null(one.SignOff);
        Assert.Null(one.Decision);
        AuditReadingArtifact byTwo = readings[^1] with { Board = "Board 2" };
        Assert.Null(progress.CheckReading(byTwo));
        progress.ApplyReading(byTwo);
        AuditSignOffArtifact two = new(audit.State.AuditId, 1, "Board 2", ["Lee Green", "Sam Gold"]);
        Assert.Null(progress.CheckSignOff(two));
        progress.ApplySignOff(two);
        Assert.Same(two, one.SignOff);
        Assert.NotNull(one.Decision);
        AuditStepRefusal late = progress.CheckReading(readings[0] with { Board = "Board 3", Corrects = 1 })!;
        Assert.True(late.Conflict);
        Assert.Contains("round 1 is signed off (closed by Board 2); its readings are final", late.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Each_board_signs_off_its_own_share_and_the_last_sign_off_closes_the_round()
    {
        using AuditDirectory audit = Audit(alpha: 0.0001);
        (List<AuditTrailEntry> entries, string seed) = SeedEntries(audit);
        List<AuditTrailEntry> round = RoundOne(audit, seed, 6, out List<AuditReadingArtifact> readings);
        round.RemoveAt(round.Count - 1); // Board 1's sign-off
        // Board 2 reads the second half of the round's ballots (the readings are Board 2's now).
        int half = readings.Count / 2;
        for (int i = half; i < readings.Count; i++)
        {
            round[1 + i] = round[1 + i] with { Body = AuditTrailArtifacts.Write(readings[i] with { Board = "Board 2" }) };
        }

        AuditSignOffArtifact one = new(audit.State.AuditId, 1, "Board 1", ["Ada Blue", "Rui Red"]), two = new(audit.State.AuditId, 1, "Board 2", ["Lee Green", "Sam Gold"]);
        Assert.Equal(audit.State.AuditId + ":1:Board 1", one.Id);
        AuditProgress progress = new(audit.InputsArtifact());
        progress.ApplyRound(audit.RoundArtifact(audit.CurrentRound!));
        Assert.Contains("audit board \"Board 1\" has read no ballot of round 1", progress.CheckSignOff(one), StringComparison.Ordinal);
        for (int i = 0; i < readings.Count; i++)
        {
            progress.ApplyReading(i >= half ? readings[i] with { Board = "Board 2" } : readings[i]);
        }

        Assert.Contains("has read no ballot of round 1", progress.CheckSignOff(one with { Board = "Board 3" }), StringComparison.Ordinal);
        Assert.Null(progress.CheckSignOff(one));
        progress.ApplySignOff(one);
        AuditProgressRound first = progress.Rounds[0];
        Assert.Null(first.SignOff); // Board 2 has not signed off its share
        Assert.Null(first.Decision);
        Assert.Contains("waiting for the sign-off of Board 2", progress.OpenBoards(first), StringComparison.Ordinal);
        AuditRound next = audit.DrawRound(seed, 3);
        Assert.Contains("every audit board that read signed off", progress.CheckRound(audit.RoundArtifact(next)), StringComparison.Ordinal);
        Assert.Contains("already signed off its share", progress.CheckSignOff(one with { Members = ["Ada Blue", "Zed Gray"] }), StringComparison.Ordinal);
        // A correction of a ballot Board 1 read is refused once Board 1 signed off: that reading is final.
        AuditStepRefusal final = progress.CheckReading(readings[1] with { Board = "Board 2", Corrects = 1 })!;
        Assert.Contains("was read by Board 1, which signed off its share; that reading is final", final.Message, StringComparison.Ordinal);
        Assert.Null(progress.CheckSignOff(two));
        progress.ApplySignOff(two);
        Assert.Same(two, first.SignOff);
        Assert.NotNull(first.Decision);
        Assert.Null(progress.CheckRound(audit.RoundArtifact(next)));
        Assert.Contains("round 1 is already signed off (closed by Board 2)", progress.CheckSignOff(two), StringComparison.Ordinal);

        // The verifier replays the same rules: both sign-offs named, the risk after the second.
        round.Add(new(0, AuditTrailArtifacts.SignOffType, AuditTrailArtifacts.Write(one)));
        round.Add(new(0, AuditTrailArtifacts.SignOffType, AuditTrailArtifacts.Write(two)));
        entries.AddRange(round.Select((e, i) => e with { Index = 20 + i }));
        AuditTrailResult result = AuditTrailVerifier.Verify(audit.State.AuditId, entries);
        Assert.True(result.Ok, result.Problem);
        Assert.Contains(result.Checked, s => s.StartsWith("readings of round 1 (", StringComparison.Ordinal)
            && s.EndsWith("signed off by Board 1: Ada Blue and Rui Red; Board 2: Lee Green and Sam Gold)", StringComparison.Ordinal));
        Assert.Equal(first.Decision!.Contests.Select(c => c.PValue), result.Progress!.Decision!.Contests.Select(c => c.PValue));
    }

    [Fact]
    public void A_missing_board_sign_off_fails_the_next_round_and_a_forged_one_fails_its_step()
    {
        using AuditDirectory audit = Audit(alpha: 0.0001);
        (List<AuditTrailEntry> entries, string seed) = SeedEntries(audit);
        List<AuditTrailEntry> round = RoundOne(audit, seed, 6, out List<AuditReadingArtifact> readings);
        round[^2] = round[^2] with { Body = AuditTrailArtifacts.Write(readings[^1] with { Board = "Board 2" }) }; // Board 2 read one ballot
        AuditRound two = audit.DrawRound(seed, 3);
        List<AuditTrailEntry> missing = [.. entries, .. round, new(0, AuditTrailArtifacts.RoundType, AuditTrailArtifacts.Write(audit.RoundArtifact(two)))];
        AuditTrailResult result = AuditTrailVerifier.Verify(audit.State.AuditId, [.. missing.Select((e, i) => e with { Index = 10 + i })]);
        Assert.Equal("round 2", result.FailedStep);
        Assert.Contains("round 1 is not signed off", result.Problem, StringComparison.Ordinal);
        Assert.Contains("waiting for the sign-off of Board 2", result.Problem, StringComparison.Ordinal);

        // A sign-off naming a board that read nothing, or other members than a registered board's, fails at the sign-off.
        AuditSignOffArtifact stranger = new(audit.State.AuditId, 1, "Board 9", ["Ada Blue", "Rui Red"]);
        List<AuditTrailEntry> forged = [.. entries, .. round, new(0, AuditTrailArtifacts.SignOffType, AuditTrailArtifacts.Write(stranger))];
        result = AuditTrailVerifier.Verify(audit.State.AuditId, [.. forged.Select((e, i) => e with { Index = 10 + i })]);
        Assert.Equal("sign-off of round 1", result.FailedStep);
        Assert.Contains("\"Board 9\" has read no ballot of round 1", result.Problem, StringComparison.Ordinal);

        AuditBoardArtifact registered = new(audit.State.AuditId, "Board 2", ["Lee Green", "Sam Gold"], new byte[32]);
        List<AuditTrailEntry> wrongMembers = [.. entries, new(0, AuditTrailArtifacts.BoardType, AuditTrailArtifacts.Write(registered)), .. round,
            new(0, AuditTrailArtifacts.SignOffType, AuditTrailArtifacts.Write(new AuditSignOffArtifact(audit.State.AuditId, 1, "Board 2", ["Lee Green", "Mallory"])))];
        result = AuditTrailVerifier.Verify(audit.State.AuditId, [.. wrongMembers.Select((e, i) => e with { Index = 10 + i })]);
        Assert.Equal("sign-off of round 1", result.FailedStep);
        Assert.Contains("registered members are Lee Green and Sam Gold", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_round_drawn_before_the_previous_round_is_signed_off_fails_that_round()
    {
        using AuditDirectory audit = Audit(alpha: 0.0001);
        (List<AuditTrailEntry> entries, string seed) = SeedEntries(audit);
        List<AuditTrailEntry> round = RoundOne(audit, seed, 6, out _);
        AuditRound two = audit.DrawRound(seed, 3);
        round.Insert(round.Count - 1, new(0, AuditTrailArtifacts.RoundType, AuditTrailArtifacts.Write(audit.RoundArtifact(two))));
        entries.AddRange(round.Select((e, i) => e with { Index = 20 + i }));
        AuditTrailResult result = AuditTrailVerifier.Verify(audit.State.AuditId, entries);
        Assert.Equal("round 2", result.FailedStep);
        Assert.Contains("round 1 is not signed off", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_reading_with_a_choice_the_results_do_not_have_or_a_contest_left_out_fails()
    {
        using AuditDirectory audit = Audit();
        (List<AuditTrailEntry> entries, string seed) = SeedEntries(audit);
        List<AuditTrailEntry> round = RoundOne(audit, seed, 6, out List<AuditReadingArtifact> readings);
        round[2] = round[2] with { Body = AuditTrailArtifacts.Write(readings[1] with { Contests = [new("Mayor", true, ["Mallory"]), readings[1].Contests[1]] }) };
        entries.AddRange(round);
        AuditTrailResult result = AuditTrailVerifier.Verify(audit.State.AuditId, entries);
        Assert.Equal("readings of round 1", result.FailedStep);
        Assert.Contains("\"Mallory\" is not a choice of \"Mayor\"", result.Problem, StringComparison.Ordinal);

        AuditProgress progress = new(audit.InputsArtifact());
        progress.ApplyRound(audit.RoundArtifact(audit.CurrentRound!));
        Assert.Contains("contest \"Bond\" is not read", progress.CheckReading(readings[1] with { Contests = [readings[1].Contests[0]] })!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reading_and_sign_off_entries_are_read_strictly()
    {
        using AuditDirectory audit = Audit();
        AuditReadingArtifact reading = new(audit.State.AuditId, 1, "Board 1", "T1", "B1", 5, true, [new("Mayor", true, ["Alice"]), new("Bond", false, [])]);
        byte[] bytes = AuditTrailArtifacts.Write(reading);
        Assert.Equal(bytes, AuditTrailArtifacts.Write(AuditTrailArtifacts.ReadReading("x", bytes)));
        Assert.Equal(audit.State.AuditId + ":1:T1|B1|5", reading.Id);
        string text = Encoding.UTF8.GetString(bytes);
        Assert.Throws<AuditInputException>(() => AuditTrailArtifacts.ReadReading("x", Encoding.UTF8.GetBytes(text.Replace("\"found\":true", "\"found\": true", StringComparison.Ordinal))));
        Assert.Contains("a contest not on the ballot has no choices", Assert.Throws<AuditInputException>(() => AuditTrailArtifacts.ReadReading("x",
            Encoding.UTF8.GetBytes(text.Replace("\"on_ballot\":false,\"choices\":[]", "\"on_ballot\":false,\"choices\":[\"Yes\"]", StringComparison.Ordinal)))).Message, StringComparison.Ordinal);
        Assert.Contains("a ballot not found has no contests", Assert.Throws<AuditInputException>(() => AuditTrailArtifacts.ReadReading("x",
            Encoding.UTF8.GetBytes(text.Replace("\"found\":true", "\"found\":false", StringComparison.Ordinal)))).Message, StringComparison.Ordinal);
        byte[] signOff = AuditTrailArtifacts.Write(new AuditSignOffArtifact(audit.State.AuditId, 1, "Board 1", ["Ada Blue", "Ada Blue"]));
        Assert.Contains("two different people", Assert.Throws<AuditInputException>(() => AuditTrailArtifacts.ReadSignOff("x", signOff)).Message, StringComparison.Ordinal);
    }
}
