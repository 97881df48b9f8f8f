using Entente.Rolls;
using Entente.Transparency;

namespace Entente.Rolls.Tests.Unit;

public sealed class RollLedgerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 10, 1, 9, 0, 0, TimeSpan.Zero);

    internal static RollLedger Open(out RollInit init)
    {
        init = new RollInit("county-12", ["P-01", "P-02"], RollArtifacts.DefaultReasons);
        RollLedger ledger = new();
        Assert.Null(ledger.CheckInit(init));
        ledger.ApplyInit(init, "registrar.example");
        return ledger;
    }

    private static (RollChange Change, Hash256 Sha) Add(RollLedger ledger, byte[] salt, VoterRecord record, DateTimeOffset at)
    {
        RollChange change = new("county-12", RollOperation.Add, RollCommitments.Key(salt, record), 1, RollCommitments.Commitment(salt, record), record.Precinct, "new-registration", at, null);
        Assert.Null(ledger.CheckChange(change, "registrar.example"));
        Hash256 sha = Hash256.Compute(RollArtifacts.Write(change));
        ledger.ApplyChange(change, sha);
        return (change, sha);
    }

    private static VoterRecord Voter(int i, string precinct = "P-01") => VoterRecord.Create("county-12", $"V{i:D6}", precinct, $"Voter {i}", "1970-01-01", $"{i} Main St");

    [Fact]
    public void A_change_must_continue_the_record_s_chain_from_its_latest_version()
    {
        RollLedger ledger = Open(out _);
        byte[] salt = RollCommitments.NewSalt();
        (RollChange added, Hash256 sha) = Add(ledger, salt, Voter(1), T0);
        VoterRecord moved = Voter(1).With(precinct: "P-02");
        RollChange update = new("county-12", RollOperation.Update, added.Key, 2, RollCommitments.Commitment(salt, moved), "P-02", "address-change", T0.AddHours(1), sha);
        Assert.Null(ledger.CheckChange(update, "registrar.example"));
        Assert.Contains("$.previous", ledger.CheckChange(update with { Previous = Hash256.Compute([1]) }, "registrar.example"), StringComparison.Ordinal);
        Assert.Contains("$.version", ledger.CheckChange(update with { Version = 3 }, "registrar.example"), StringComparison.Ordinal);
        Assert.Contains("kept by", ledger.CheckChange(update, "other.example"), StringComparison.Ordinal);
        Assert.Contains("$.at", ledger.CheckChange(update with { At = T0.AddHours(-1) }, "registrar.example"), StringComparison.Ordinal);
        Assert.Contains("$.reason", ledger.CheckChange(update with { Reason = "whim" }, "registrar.example"), StringComparison.Ordinal);
        Assert.Contains("$.precinct", ledger.CheckChange(update with { Precinct = "P-99" }, "registrar.example"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_removal_names_the_precinct_left_and_a_removed_record_is_neither_updated_nor_removed_again()
    {
        RollLedger ledger = Open(out _);
        byte[] salt = RollCommitments.NewSalt();
        (RollChange added, Hash256 sha) = Add(ledger, salt, Voter(1), T0);
        RollChange remove = new("county-12", RollOperation.Remove, added.Key, 2, null, "P-01", "deceased", T0.AddDays(1), sha);
        Assert.Contains("$.precinct", ledger.CheckChange(remove with { Precinct = "P-02" }, "registrar.example"), StringComparison.Ordinal);
        Assert.Null(ledger.CheckChange(remove, "registrar.example"));
        Hash256 removedSha = Hash256.Compute(RollArtifacts.Write(remove));
        ledger.ApplyChange(remove, removedSha);
        Assert.Equal(0, ledger.Rolls["county-12"].Registered);
        RollChange again = remove with { Version = 3, Previous = removedSha };
        Assert.Contains("not registered", ledger.CheckChange(again, "registrar.example"), StringComparison.Ordinal);
        RollChange readd = added with { Version = 3, Previous = removedSha, Reason = "re-registration", At = T0.AddDays(2) };
        Assert.Null(ledger.CheckChange(readd, "registrar.example"));
    }

    [Fact]
    public void A_snapshot_is_accepted_only_when_it_is_the_roll_the_log_built()
    {
        RollLedger ledger = Open(out _);
        for (int i = 0; i < 25; i++)
        {
            Add(ledger, RollCommitments.NewSalt(), Voter(i, i % 3 == 0 ? "P-02" : "P-01"), T0);
        }

        RollSnapshot snapshot = ledger.Rolls["county-12"].Snapshot(1, T0.AddDays(3));
        Assert.Equal(25, snapshot.Size);
        Assert.Equal(9, snapshot.Precincts["P-02"]);
        Assert.Null(ledger.CheckSnapshot(snapshot, "registrar.example"));
        Assert.Contains("$.root", ledger.CheckSnapshot(snapshot with { Root = Hash256.Compute([0]) }, "registrar.example"), StringComparison.Ordinal);
        Assert.Contains("$.size", ledger.CheckSnapshot(snapshot with { Size = 24 }, "registrar.example"), StringComparison.Ordinal);
        Dictionary<string, long> shifted = new(snapshot.Precincts) { ["P-01"] = 15, ["P-02"] = 10 };
        Assert.Contains("$.precincts", ledger.CheckSnapshot(snapshot with { Precincts = shifted }, "registrar.example"), StringComparison.Ordinal);
        Assert.Contains("$.number", ledger.CheckSnapshot(snapshot with { Number = 2 }, "registrar.example"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_snapshot_root_does_not_depend_on_the_order_records_were_added()
    {
        List<(Hash256, Hash256)> records = [.. Enumerable.Range(0, 40).Select(i => (Hash256.Compute([(byte)i]), Hash256.Compute([(byte)i, 1])))];
        Hash256 root = RollSnapshotTree.Root(records);
        records.Reverse();
        Assert.Equal(root, RollSnapshotTree.Root(records));
        records[3] = (records[3].Item1, Hash256.Compute([9, 9]));
        Assert.NotEqual(root, RollSnapshotTree.Root(records));
    }
}
