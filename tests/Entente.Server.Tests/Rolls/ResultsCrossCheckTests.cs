using System.Text;
using Entente.Cryptography;
using Entente.Election.Manifest;
using Entente.Election.Record;
using Entente.Rolls;
using Entente.Rolls.Results;

namespace Entente.Server.Tests.Rolls;

/// <summary>
/// The cross-checks of unofficial results on the log (docs/results.md "Cross-checks"), over hand-built logs: turnout
/// against the roll snapshot logged before the results, and the sum of the results against a real ElectionGuard tally
/// (an election run on the tiny group, its tally written as the board logs it).
/// </summary>
public sealed class ResultsCrossCheckTests
{
    private const string Manifest = """
        {"label":"Cross-check election","contests":[
          {"label":"Mayor","contest_options":[{"label":"Ada Lovelace"},{"label":"Alan Turing"}]},
          {"label":"Harbour bond","contest_options":[{"label":"Yes"},{"label":"No"}]}],
         "ballot_styles":[{"label":"city","contests":[1,2]}]}
        """;

    private static readonly DateTimeOffset T = new(2026, 11, 3, 21, 0, 0, TimeSpan.Zero);

    private static LoggedArtifact Snapshot(long index, int number, long p1, long p2) =>
        new(index, RollArtifacts.SnapshotType, RollArtifacts.Write(new RollSnapshot("county-12", number, Entente.Transparency.Hash256.Compute([1]), p1 + p2, new Dictionary<string, long> { ["P-01"] = p1, ["P-02"] = p2 }, T)));

    private static LoggedArtifact Results(long index, string unit, long ballots, int seq = 1, params (string Contest, string Option, long Votes)[] counts) =>
        new(index, UnitResults.Type, new UnitResults("county-12", unit, seq, ballots,
            [.. (counts.Length == 0 ? [("mayor", "ada-lovelace", ballots)] : counts).GroupBy(c => c.Contest).Select(g => new ContestCount(g.Key, [.. g.Select(c => new OptionCount(c.Option, c.Votes))]))],
            seq == 1 ? null : UnitResults.IdOf("county-12", unit, seq - 1), T).Write());

    [Fact]
    public void A_unit_with_more_ballots_than_the_snapshot_registers_fails_naming_the_unit_and_both_entries()
    {
        ResultsCrossCheckResult result = ResultsCrossCheck.Check([Snapshot(3, 1, 40, 10), Results(7, "P-01", 30), Results(8, "P-02", 12)]);
        Assert.False(result.Ok);
        string failure = Assert.Single(result.Failures);
        Assert.Contains("unit P-02 of county-12 counted 12 ballots (results county-12:P-02:1, entry 8) but the roll snapshot county-12:1 (entry 3) registers 10 voters there", failure, StringComparison.Ordinal);
        UnitTurnout p1 = result.Turnout.Single(t => t.Unit == "P-01");
        Assert.Equal(75.0m, p1.Percent);
        Assert.Equal(120.0m, result.Turnout.Single(t => t.Unit == "P-02").Percent);
    }

    [Fact]
    public void Turnout_uses_the_latest_snapshot_logged_before_the_results_and_the_units_latest_version()
    {
        // Snapshot 2 (after the results) would register 20 in P-02; the one before the results registers 10.
        ResultsCrossCheckResult result = ResultsCrossCheck.Check([Snapshot(3, 1, 40, 10), Results(8, "P-02", 12), Snapshot(9, 2, 40, 20), Results(10, "P-02", 9, seq: 2)]);
        Assert.True(result.Ok, string.Join("; ", result.Failures));
        UnitTurnout t = Assert.Single(result.Turnout);
        Assert.Equal(("county-12:P-02:2", 9L, "county-12:2", 20L), (t.Results, t.Ballots, t.Snapshot, t.Registered!.Value));
        ResultsCrossCheckResult early = ResultsCrossCheck.Check([Snapshot(3, 1, 40, 10), Results(8, "P-02", 12), Snapshot(9, 2, 40, 20)]);
        Assert.Contains("roll snapshot county-12:1 (entry 3) registers 10", Assert.Single(early.Failures), StringComparison.Ordinal);
    }

    [Fact]
    public void The_jurisdiction_as_a_unit_is_compared_with_every_precinct_and_results_without_a_snapshot_are_not_judged()
    {
        ResultsCrossCheckResult result = ResultsCrossCheck.Check([Results(2, "P-01", 1000), Snapshot(3, 1, 40, 10), Results(8, "county-12", 51)]);
        Assert.Equal(["turnout: unit county-12 of county-12 counted 51 ballots (results county-12:county-12:1, entry 8) but the roll snapshot county-12:1 (entry 3) registers 50 voters there"], result.Failures);
        Assert.Null(result.Turnout.Single(t => t.Unit == "P-01").Registered);
    }

    [Fact]
    public void Results_that_sum_to_a_real_ElectionGuard_tally_pass_and_one_changed_option_fails_naming_contest_option_and_both_numbers()
    {
        ElectionManifest manifest = ManifestReader.Parse(Encoding.UTF8.GetBytes(Manifest), "manifest");
        ElectionRecord record = ElectionSimulator.Run(manifest, Group.Tiny, 3, 2, ballots: 7, challenged: 1, new Random(2121));
        byte[] tally = RecordFormat.WriteTally(record.Tally, manifest);
        long Value(int contest, int option) => record.Tally.Contests.Single(c => c.ContestIndex == contest).Options.Single(o => o.OptionIndex == option).Value;

        // The tally split over two units: P-01 holds one vote of each option where there is one, P-02 the rest.
        (string, string, long)[] Split(bool first, long shift = 0) =>
        [
            ("mayor", "ada-lovelace", first ? Math.Min(1, Value(1, 1)) : Value(1, 1) - Math.Min(1, Value(1, 1)) + shift),
            ("mayor", "alan-turing", first ? Math.Min(1, Value(1, 2)) : Value(1, 2) - Math.Min(1, Value(1, 2))),
            ("harbour-bond", "yes", first ? 0 : Value(2, 1)),
            ("harbour-bond", "no", first ? 0 : Value(2, 2)),
        ];
        LoggedArtifact tallyEntry = new(40, ResultsCrossCheck.TallyType, tally);
        ResultsCrossCheckResult ok = ResultsCrossCheck.Check([Results(20, "P-01", 2, 1, Split(true)), Results(21, "P-02", 5, 1, Split(false)), tallyEntry]);
        Assert.True(ok.Ok, string.Join("; ", ok.Failures));
        Assert.Equal(40, ok.TallyEntry);
        Assert.Equal(4, ok.Tally.Count);
        Assert.All(ok.Tally, c => Assert.True(c.Matches));

        ResultsCrossCheckResult bad = ResultsCrossCheck.Check([Results(20, "P-01", 2, 1, Split(true)), Results(21, "P-02", 5, 1, Split(false, shift: 3)), tallyEntry]);
        Assert.Equal([$"tally: contest mayor, option ada-lovelace: the ElectionGuard tally (entry 40) counts {Value(1, 1)}, the unofficial results sum to {Value(1, 1) + 3}"], bad.Failures);
        Assert.False(bad.Tally.Single(c => c.Option == "ada-lovelace").Matches);

        ResultsCrossCheckResult extra = ResultsCrossCheck.Check([Results(20, "P-01", 2, 1, [.. Split(true), ("mayor", "grace-hopper", 1)]), Results(21, "P-02", 5, 1, Split(false)), tallyEntry]);
        Assert.Equal(["tally: contest mayor, option grace-hopper: the unofficial results count 1 votes for an option the ElectionGuard tally (entry 40) does not have"], extra.Failures);
    }

    [Fact]
    public void Manifest_labels_become_codes_and_a_log_without_a_tally_compares_nothing()
    {
        Assert.Equal("ada-lovelace", ResultsCrossCheck.Code("Ada Lovelace"));
        Assert.Equal("measure-a.1-city", ResultsCrossCheck.Code("  Measure A.1 (city) "));
        Assert.Equal("harbour-bond", ResultsCrossCheck.Code("Harbour -- bond!"));
        ResultsCrossCheckResult result = ResultsCrossCheck.Check([Results(20, "P-01", 2)]);
        Assert.Null(result.TallyEntry);
        Assert.Empty(result.Tally);
    }

    [Fact]
    public void An_unreadable_tally_is_a_failure_naming_its_entry_not_an_exception()
    {
        ResultsCrossCheckResult result = ResultsCrossCheck.Check([Results(20, "P-01", 2), new LoggedArtifact(41, ResultsCrossCheck.TallyType, Encoding.UTF8.GetBytes("{\"contests\":[{\"index\":1}]}"))]);
        Assert.Contains("tally: entry 41: not a decrypted tally", Assert.Single(result.Failures), StringComparison.Ordinal);
    }
}
