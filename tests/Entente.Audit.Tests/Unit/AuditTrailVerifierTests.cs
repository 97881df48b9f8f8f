using System.Text;
using Entente.Audit.Seed;
using Entente.Audit.Trail;
using Entente.Audit.Workflow;

namespace Entente.Audit.Tests.Unit;

/// <summary>An audit recomputed from its log entries alone: inputs, seed, samples; the first step that does not follow is named.</summary>
public sealed class AuditTrailVerifierTests : IDisposable
{
    private static readonly DateTimeOffset T = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);
    private readonly string _root = Path.Combine(Path.GetTempPath(), "entente-trail-" + Guid.NewGuid().ToString("N"));

    public AuditTrailVerifierTests() => Directory.CreateDirectory(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private AuditDirectory Audit(AuditMethod method)
    {
        string manifest = Path.Combine(_root, "m.csv"), results = Path.Combine(_root, "r.csv");
        AuditSettings settings;
        if (method == AuditMethod.Batch)
        {
            File.WriteAllText(results, "Contest,Choice,Votes,Ballots\nMinister of Farming,Erin George,41,57\nMinister of Farming,Alex Hall,5,57\nMinister of Farming,Write-In,0,57\n");
            settings = new(method, 0.1, VendorFixtures.P("more/generated-jurisdiction/siletz-ballot-manifest.csv"), results, null, ["Blue", "Red"], T, T.AddHours(1), T.AddHours(1), "entente", null, null)
            {
                BatchTalliesPath = VendorFixtures.P("more/generated-jurisdiction/siletz-minister-of-farming-candidate-totals-by-batch.csv"),
            };
        }
        else
        {
            File.WriteAllText(manifest, "Tabulator,Batch,Ballots\nT1,B1,300\nT2,B2,200\n");
            File.WriteAllText(results, "Contest,Choice,Votes,Ballots\nMayor,Alice,300,500\nMayor,Bob,150,500\n");
            settings = new(method, 0.1, manifest, results, null, ["Blue", "Red"], T, T.AddHours(1), T.AddHours(1), "entente", null, null);
        }

        return AuditDirectory.Init(Path.Combine(_root, "audit"), settings, TimeProvider.System);
    }

    /// <summary>inputs at 10, the two commitments at 11 and 12, the reveals at 13 and 14; returns the entries and the seed.</summary>
    private static (List<AuditTrailEntry> Entries, string Seed) SeedEntries(AuditDirectory audit, long inputsIndex = 10)
    {
        string id = audit.State.AuditId;
        byte[] blue = Enumerable.Repeat((byte)1, 32).ToArray(), red = Enumerable.Repeat((byte)2, 32).ToArray();
        List<AuditTrailEntry> entries =
        [
            new(inputsIndex, AuditTrailArtifacts.InputsType, AuditTrailArtifacts.Write(audit.InputsArtifact())),
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

    [Theory]
    [InlineData(AuditMethod.Bravo)]
    [InlineData(AuditMethod.Batch)]
    public void An_audit_whose_samples_follow_from_the_logged_seed_and_inputs_verifies(AuditMethod method)
    {
        using AuditDirectory audit = Audit(method);
        (List<AuditTrailEntry> entries, string seed) = SeedEntries(audit);
        AuditRound round = audit.DrawRound(seed, 4);
        entries.Add(new(20, AuditTrailArtifacts.RoundType, AuditTrailArtifacts.Write(audit.RoundArtifact(round))));
        AuditTrailResult result = AuditTrailVerifier.Verify(audit.State.AuditId, entries);
        Assert.True(result.Ok, result.Problem);
        Assert.Equal(["inputs", "seed", "round 1"], result.Checked);
        Assert.Equal(seed, result.Seed);
    }

    [Fact]
    public void A_round_with_a_draw_the_seed_does_not_give_fails_at_that_round_naming_the_draw()
    {
        using AuditDirectory audit = Audit(AuditMethod.Bravo);
        (List<AuditTrailEntry> entries, string seed) = SeedEntries(audit);
        AuditRoundArtifact round = audit.RoundArtifact(audit.DrawRound(seed, 4));
        AuditRoundArtifact forged = round with { Draws = [.. round.Draws.Take(2), round.Draws[2] with { Position = round.Draws[2].Position % 200 + 1 }, .. round.Draws.Skip(3)] };
        entries.Add(new(20, AuditTrailArtifacts.RoundType, AuditTrailArtifacts.Write(forged)));
        AuditTrailResult result = AuditTrailVerifier.Verify(audit.State.AuditId, entries);
        Assert.Equal("round 1", result.FailedStep);
        Assert.StartsWith("draw 3 is ", result.Problem, StringComparison.Ordinal);
        Assert.Equal(["inputs", "seed"], result.Checked);
    }

    [Fact]
    public void Inputs_logged_after_the_first_seed_commitment_fail_the_inputs_step()
    {
        using AuditDirectory audit = Audit(AuditMethod.Bravo);
        (List<AuditTrailEntry> entries, _) = SeedEntries(audit, inputsIndex: 12);
        entries[2] = entries[2] with { Index = 10 };
        AuditTrailResult result = AuditTrailVerifier.Verify(audit.State.AuditId, entries);
        Assert.Equal("inputs", result.FailedStep);
        Assert.Contains("after the first seed commitment", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void An_inputs_entry_whose_hash_does_not_match_its_text_is_refused()
    {
        using AuditDirectory audit = Audit(AuditMethod.Bravo);
        (List<AuditTrailEntry> entries, _) = SeedEntries(audit);
        string text = Encoding.UTF8.GetString(entries[0].Body).Replace("Alice,300", "Alice,301", StringComparison.Ordinal);
        entries[0] = entries[0] with { Body = Encoding.UTF8.GetBytes(text) };
        AuditTrailResult result = AuditTrailVerifier.Verify(audit.State.AuditId, entries);
        Assert.Equal("inputs", result.FailedStep);
        Assert.Contains("files[1].sha256", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_inputs_on_the_log_nothing_else_is_checked()
    {
        using AuditDirectory audit = Audit(AuditMethod.Bravo);
        (List<AuditTrailEntry> entries, _) = SeedEntries(audit);
        AuditTrailResult result = AuditTrailVerifier.Verify(audit.State.AuditId, entries.Skip(1));
        Assert.Equal("inputs", result.FailedStep);
        Assert.Empty(result.Checked);
    }

    [Fact]
    public void Artifacts_round_trip_and_non_canonical_bytes_are_refused()
    {
        using AuditDirectory audit = Audit(AuditMethod.Bravo);
        byte[] bytes = AuditTrailArtifacts.Write(audit.InputsArtifact());
        Assert.Equal(bytes, AuditTrailArtifacts.Write(AuditTrailArtifacts.ReadInputs("x", bytes)));
        byte[] spaced = Encoding.UTF8.GetBytes(" " + Encoding.UTF8.GetString(bytes));
        Assert.Throws<Io.AuditInputException>(() => AuditTrailArtifacts.ReadInputs("x", spaced));
    }

    private static PublishedUnitResults Unit(long index, string unit, long ballots, long alice, long bob, string contest = "mayor") =>
        new(index, $"county-12:{unit}:1", "county-12:" + unit, ballots, [new(contest, "alice", alice), new(contest, "bob", bob)]);

    [Fact]
    public void An_audit_whose_results_are_the_results_published_before_its_seed_verifies()
    {
        using AuditDirectory audit = Audit(AuditMethod.Bravo);
        (List<AuditTrailEntry> entries, _) = SeedEntries(audit);
        AuditTrailResult result = AuditTrailVerifier.Verify(audit.State.AuditId, entries, [Unit(5, "P-01", 300, 200, 100), Unit(6, "P-02", 200, 100, 50)]);
        Assert.True(result.Ok, result.Problem);
        Assert.Equal(["inputs", "seed"], result.Checked);
    }

    [Fact]
    public void An_audit_whose_results_were_published_after_its_seed_commitment_fails_at_the_inputs_naming_the_entry()
    {
        using AuditDirectory audit = Audit(AuditMethod.Bravo);
        (List<AuditTrailEntry> entries, _) = SeedEntries(audit);
        AuditTrailResult result = AuditTrailVerifier.Verify(audit.State.AuditId, entries, [Unit(5, "P-01", 300, 200, 100), Unit(15, "P-02", 200, 100, 50)]);
        Assert.False(result.Ok);
        Assert.Equal("inputs", result.FailedStep);
        Assert.Contains("choice alice: 300 in the audit's results, 200 in the published results", result.Problem, StringComparison.Ordinal);
        Assert.Contains("posted after the seed commitment at index 11: county-12:P-02:1 (entry 15)", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void An_audit_whose_contest_is_not_among_the_published_results_fails_naming_the_contest()
    {
        using AuditDirectory audit = Audit(AuditMethod.Bravo);
        (List<AuditTrailEntry> entries, _) = SeedEntries(audit);
        AuditTrailResult result = AuditTrailVerifier.Verify(audit.State.AuditId, entries, [Unit(5, "P-01", 500, 300, 150, contest: "council")]);
        Assert.Equal("inputs", result.FailedStep);
        Assert.Contains("contest Mayor: not on the log (no published results report it)", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_correction_logged_before_the_seed_replaces_the_units_first_version_and_one_after_it_does_not()
    {
        using AuditDirectory audit = Audit(AuditMethod.Bravo);
        (List<AuditTrailEntry> entries, _) = SeedEntries(audit);
        PublishedUnitResults wrong = Unit(4, "P-01", 300, 190, 110);
        PublishedUnitResults fixedBefore = Unit(5, "P-01", 300, 200, 100) with { Id = "county-12:P-01:2" };
        Assert.True(AuditTrailVerifier.Verify(audit.State.AuditId, entries, [wrong, fixedBefore, Unit(6, "P-02", 200, 100, 50)]).Ok);
        AuditTrailResult late = AuditTrailVerifier.Verify(audit.State.AuditId, entries, [wrong, Unit(6, "P-02", 200, 100, 50), fixedBefore with { Index = 20 }]);
        Assert.Equal("inputs", late.FailedStep);
        Assert.Contains("choice alice: 300 in the audit's results, 290 in the published results", late.Problem, StringComparison.Ordinal);
    }
}
