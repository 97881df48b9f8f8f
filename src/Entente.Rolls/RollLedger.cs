using Entente.Transparency;
using Entente.Transparency.Merkle;

namespace Entente.Rolls;

/// <summary>A record of a roll as its log entries have built it.</summary>
/// <param name="Key">The record's key.</param>
/// <param name="Version">Its latest version.</param>
/// <param name="Commitment">The commitment to its current content (null once removed).</param>
/// <param name="Precinct">Its precinct (the one it left, once removed).</param>
/// <param name="Sha256">SHA-256 of its latest change artifact.</param>
/// <param name="At">When its latest change was made.</param>
public sealed record RollRecordState(Hash256 Key, int Version, Hash256? Commitment, string Precinct, Hash256 Sha256, DateTimeOffset At)
{
    /// <summary>True while the record is on the roll.</summary>
    public bool Registered => Commitment is not null;
}

/// <summary>One jurisdiction's roll as the log has built it: who keeps it, its precincts, reasons, records and snapshots.</summary>
public sealed class RollState
{
    private readonly Dictionary<Hash256, RollRecordState> _records = [];

    internal RollState(RollInit init, string authority)
    {
        Init = init;
        Authority = authority;
    }

    /// <summary>The roll's opening.</summary>
    public RollInit Init { get; }

    /// <summary>The charter member that opened the roll: the only one that changes it.</summary>
    public string Authority { get; }

    /// <summary>Every record ever registered, by key (removed ones included).</summary>
    public IReadOnlyDictionary<Hash256, RollRecordState> Records => _records;

    /// <summary>Snapshots on the log, in order.</summary>
    public List<RollSnapshot> Snapshots { get; } = [];

    /// <summary>The number of registered records.</summary>
    public long Registered { get; private set; }

    internal void Set(RollRecordState record)
    {
        bool was = _records.TryGetValue(record.Key, out RollRecordState? old) && old.Registered;
        _records[record.Key] = record;
        Registered += (record.Registered ? 1 : 0) - (was ? 1 : 0);
    }

    /// <summary>The snapshot of the records registered now (<paramref name="number"/>, taken at <paramref name="at"/>).</summary>
    public RollSnapshot Snapshot(int number, DateTimeOffset at)
    {
        List<RollRecordState> registered = [.. _records.Values.Where(r => r.Registered)];
        Dictionary<string, long> counts = Init.Precincts.ToDictionary(p => p, _ => 0L, StringComparer.Ordinal);
        foreach (RollRecordState r in registered)
        {
            counts[r.Precinct]++;
        }

        return new RollSnapshot(Init.Jurisdiction, number, RollSnapshotTree.Root(registered.Select(r => (r.Key, r.Commitment!.Value))), registered.Count, counts, RollArtifacts.ToSecond(at));
    }
}

/// <summary>
/// The rules a roll's log entries follow (docs/rolls.md, "Rules"), without transport or storage: every jurisdiction's
/// roll as its entries have built it, and one check per artifact that says why it may not be logged (or null), then an
/// apply once it is logged. The board calls it under its gate; the CLI and the monitor replay the public entries with it.
/// </summary>
public sealed class RollLedger
{
    private readonly Dictionary<string, RollState> _rolls = new(StringComparer.Ordinal);

    /// <summary>Every roll, by jurisdiction.</summary>
    public IReadOnlyDictionary<string, RollState> Rolls => _rolls;

    /// <summary>Why <paramref name="init"/> may not be logged, or null.</summary>
    public string? CheckInit(RollInit init)
    {
        ArgumentNullException.ThrowIfNull(init);
        return _rolls.ContainsKey(init.Jurisdiction) ? $"the roll of {init.Jurisdiction} is already open on the board" : null;
    }

    /// <summary>Applies a logged opening.</summary>
    public void ApplyInit(RollInit init, string party)
    {
        ArgumentNullException.ThrowIfNull(init);
        _rolls[init.Jurisdiction] = new RollState(init, party);
    }

    /// <summary>Why <paramref name="change"/> posted by <paramref name="party"/> may not be logged, or null.</summary>
    public string? CheckChange(RollChange change, string party)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (!_rolls.TryGetValue(change.Jurisdiction, out RollState? roll))
        {
            return $"$.jurisdiction: no roll of {change.Jurisdiction} is open on the board (post its opening first)";
        }

        if (roll.Authority != party)
        {
            return $"$.jurisdiction: the roll of {change.Jurisdiction} is kept by \"{roll.Authority}\", not \"{party}\"";
        }

        if (!roll.Init.Precincts.Contains(change.Precinct))
        {
            return $"$.precinct: \"{change.Precinct}\" is not a precinct of {change.Jurisdiction}";
        }

        if (!roll.Init.Reasons.Contains(change.Reason))
        {
            return $"$.reason: \"{change.Reason}\" is not a reason code of {change.Jurisdiction} ({string.Join(", ", roll.Init.Reasons)})";
        }

        roll.Records.TryGetValue(change.Key, out RollRecordState? record);
        int expected = (record?.Version ?? 0) + 1;
        if (change.Version != expected)
        {
            return $"$.version: record {change.Key.ToHex()[..16]}… is at version {expected - 1}; its next change is version {expected}";
        }

        if (record is not null && change.Previous != record.Sha256)
        {
            return $"$.previous: the record's latest change artifact has SHA-256 {record.Sha256.ToHex()}";
        }

        if (record is not null && change.At < record.At)
        {
            return $"$.at: {RollArtifacts.Time(change.At)} is before the record's previous change ({RollArtifacts.Time(record.At)})";
        }

        return change.Operation switch
        {
            RollOperation.Add when record?.Registered == true => "$.op: the record is registered already; change it with an update",
            RollOperation.Update or RollOperation.Remove when record?.Registered != true => $"$.op: the record is not registered; {(record is null ? "add it first" : "it was removed")}",
            RollOperation.Remove when record!.Precinct != change.Precinct => $"$.precinct: a removal names the precinct the record leaves ({record.Precinct})",
            _ => null,
        };
    }

    /// <summary>Applies a logged change whose artifact has <paramref name="sha256"/>.</summary>
    public void ApplyChange(RollChange change, Hash256 sha256)
    {
        ArgumentNullException.ThrowIfNull(change);
        _rolls[change.Jurisdiction].Set(new RollRecordState(change.Key, change.Version, change.Commitment, change.Precinct, sha256, change.At));
    }

    /// <summary>Why <paramref name="snapshot"/> posted by <paramref name="party"/> may not be logged (it must be exactly the roll the log has built), or null.</summary>
    public string? CheckSnapshot(RollSnapshot snapshot, string party)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (!_rolls.TryGetValue(snapshot.Jurisdiction, out RollState? roll))
        {
            return $"$.jurisdiction: no roll of {snapshot.Jurisdiction} is open on the board";
        }

        if (roll.Authority != party)
        {
            return $"$.jurisdiction: the roll of {snapshot.Jurisdiction} is kept by \"{roll.Authority}\", not \"{party}\"";
        }

        if (snapshot.Number != roll.Snapshots.Count + 1)
        {
            return $"$.number: the roll has {roll.Snapshots.Count} snapshot(s); the next is number {roll.Snapshots.Count + 1}";
        }

        RollSnapshot expected = roll.Snapshot(snapshot.Number, snapshot.At);
        if (snapshot.Size != expected.Size)
        {
            return $"$.size: the log registers {expected.Size} records in {snapshot.Jurisdiction}, not {snapshot.Size}";
        }

        if (expected.Precincts.FirstOrDefault(p => !snapshot.Precincts.TryGetValue(p.Key, out long n) || n != p.Value) is { Key: not null } wrong)
        {
            return $"$.precincts.{wrong.Key}: the log registers {wrong.Value} records in precinct {wrong.Key}";
        }

        if (snapshot.Precincts.Count != expected.Precincts.Count)
        {
            return "$.precincts: lists a precinct the roll does not have";
        }

        return snapshot.Root != expected.Root
            ? $"$.root: the registered records on the log give root {expected.Root.ToHex()}; a snapshot commits to the roll the log built, not to another"
            : null;
    }

    /// <summary>Applies a logged snapshot.</summary>
    public void ApplySnapshot(RollSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        _rolls[snapshot.Jurisdiction].Snapshots.Add(snapshot);
    }
}

/// <summary>
/// A snapshot's Merkle tree (docs/rolls.md, "Snapshots"): RFC 6962 over the leaves key ‖ commitment (64 bytes) of the
/// registered records sorted by key (bytewise). A poll book recomputes it from its records and salts.
/// </summary>
public static class RollSnapshotTree
{
    /// <summary>The root over <paramref name="records"/> (any order: they are sorted here).</summary>
    public static Hash256 Root(IEnumerable<(Hash256 Key, Hash256 Commitment)> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        MemoryMerkleTree tree = new();
        byte[] leaf = new byte[64];
        foreach ((Hash256 key, Hash256 commitment) in records.OrderBy(r => r.Key.ToHex(), StringComparer.Ordinal))
        {
            key.Span.CopyTo(leaf);
            commitment.Span.CopyTo(leaf.AsSpan(32));
            tree.AppendEntry(leaf);
        }

        return tree.Root();
    }
}
