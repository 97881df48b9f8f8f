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
    public void A_reading_after_the_sign_off_fails()
    {
        using AuditDirectory audit = Audit();
        (List<AuditTrailEntry> entries, string seed) = SeedEntries(audit);
        List<AuditTrailEntry> round = RoundOne(audit, seed, 6, out List<AuditReadingArtifact> readings);
        AuditTrailEntry last = round[^2];
        round.RemoveAt(round.Count - 2);
        round.Add(last); // the last reading now follows the sign-off: the sign-off fails first, a ballot being unread
        entries.AddRange(round.Select((e, i) => e with { Index = 20 + i }));
        AuditTrailResult result = AuditTrailVerifier.Verify(audit.State.AuditId, entries);
        Assert.Equal("sign-off of round 1", result.FailedStep);
        Assert.Contains("have no reading on the board", result.Problem, StringComparison.Ordinal);

        AuditProgress progress = result.Progress!;
        AuditSignOffArtifact signOff = new(audit.State.AuditId, 1, "Board 1", ["Ada Blue", "Rui Red"]);
        progress.ApplyReading(readings[^1]);
        Assert.Null(progress.CheckSignOff(signOff));
        progress.ApplySignOff(signOff);
        AuditStepRefusal late = progress.CheckReading(readings[0] with { Batch = "elsewhere" })!;
        Assert.True(late.Conflict);
        Assert.Contains("signed off by Board 1; its readings are final", late.Message, StringComparison.Ordinal);
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
