using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Entente.Verifier.Framework;

namespace Entente.Verifier.Native;

// The steps that need every ballot of the record (5.A identifiers unique and the 5.struct counts, step 8's device
// chains, 9.struct's aggregated ballots against the cast ballots, 11.D's contests on ballots, and the look-ups of
// steps 12, 13 and uncast ballots) split into two kinds of partition, so that no process holds every ballot:
//
//   • ballot partitions, by a hash of id_B: each holds the summaries of its ballots (ShardBallot), the device
//     listings and aggregated-ballot entries that name them, and checks what concerns one identifier;
//   • device partitions, by the device's position in the record: each walks the chains of its devices with the
//     links the ballot partitions send it (one per listed ballot, with that ballot's B_C and H_C).
//
// The union of every partition's failures is what the single-process loops over all summaries reported; a
// verification in one process runs the same code with one partition of each kind.

/// <summary>Where a key (a ballot id) goes among a number of partitions: a hash of the key, the same on every machine.</summary>
public static class BallotPartitioning
{
    /// <summary>The partition of <paramref name="key"/> among <paramref name="partitions"/> (0 when there is one).</summary>
    public static int Of(string key, int partitions)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        if (partitions == 1)
        {
            return 0;
        }

        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(key), hash);
        return (int)(BinaryPrimitives.ReadUInt32BigEndian(hash) % (uint)partitions);
    }

    /// <summary>How many partitions of each kind a record of <paramref name="ballots"/> ballots is given: one per
    /// 100 000 ballots (about 15 MB of summaries each), at least <paramref name="minimum"/>, at most 4096.</summary>
    public static int CountFor(long ballots, int minimum = 1)
        => (int)Math.Clamp((ballots + 99_999) / 100_000, Math.Max(1, minimum), 4096);
}

/// <summary>A device's listing of a ballot: the device's position among the record's devices, its name, and the
/// ballot's 1-based position in the device's list.</summary>
/// <param name="Order">The device's position among the record's device files (0-based).</param>
/// <param name="Device">The device's name.</param>
/// <param name="Position">The ballot's position in the device's list (1-based).</param>
/// <param name="IdHex">id_B in hex.</param>
public sealed record DeviceListing(int Order, string Device, int Position, string IdHex);

/// <summary>One listed ballot of a device's chain, as its ballot partition found it.</summary>
/// <param name="Order">The device's position among the record's devices.</param>
/// <param name="Position">The ballot's position in the device's list (1-based).</param>
/// <param name="IdHex">id_B in hex.</param>
/// <param name="NamedDevice">The device the ballot names; null when the record has no ballot with this id.</param>
/// <param name="ChainingField">The ballot's B_C (null when not in the record).</param>
/// <param name="ConfirmationCode">The ballot's H_C (null when not in the record).</param>
public sealed record ChainLink(int Order, int Position, string IdHex, string? NamedDevice, byte[]? ChainingField, byte[]? ConfirmationCode);

/// <summary>What a device partition needs of a device besides its links.</summary>
/// <param name="Order">The device's position among the record's devices.</param>
/// <param name="Device">The device's name.</param>
/// <param name="Chained">Whether the device chains (its chaining mode is not "none").</param>
/// <param name="Start">For a chaining device H_0 (8.F); otherwise the fixed B_C = 0x00000000 ∥ H_DI every ballot must carry (8.D).</param>
public sealed record DeviceStart(int Order, string Device, bool Chained, byte[] Start);

/// <summary>A failure found by a partition, with its step.</summary>
/// <param name="Step">Step number.</param>
/// <param name="Check">Lettered check.</param>
/// <param name="Subject">The object.</param>
/// <param name="Detail">What is wrong.</param>
public sealed record PartitionFailure(string Step, string Check, RecordObject Subject, string Detail);

/// <summary>What the steps of the decryptions and uncast ballots need to know of one id_B.</summary>
/// <param name="State">The state of the ballot (of the smallest file name when several files use the id).</param>
/// <param name="File">That ballot's file.</param>
/// <param name="ChallengedFile">The smallest file name of a challenged ballot with this id, if any.</param>
public sealed record BallotFacts(string State, string File, string? ChallengedFile);

/// <summary>A challenged ballot: id_B in hex and its file.</summary>
/// <param name="IdHex">id_B in hex.</param>
/// <param name="File">Its ballot file.</param>
public sealed record ChallengedBallot(string IdHex, string File);

/// <summary>What a ballot partition found: its counts, failures, challenged ballots and the links it sends on.</summary>
public sealed record BallotPartitionOutcome
{
    /// <summary>Ballot files held.</summary>
    public required long Ballots { get; init; }

    /// <summary>Cast ballot files held.</summary>
    public required long Cast { get; init; }

    /// <summary>Challenged ballot files held.</summary>
    public required long Challenged { get; init; }

    /// <summary>Ballot files recorded from pre-encrypted ballots.</summary>
    public required long PreEncrypted { get; init; }

    /// <summary>The contest indices on its ballots.</summary>
    public required IReadOnlyList<int> Contests { get; init; }

    /// <summary>Failures of steps 5, 8 and 9.</summary>
    public required IReadOnlyList<PartitionFailure> Failures { get; init; }

    /// <summary>Its challenged ballots (steps 13–14 check their openings).</summary>
    public required IReadOnlyList<ChallengedBallot> ChallengedBallots { get; init; }

    /// <summary>The chain links for device partitions (not shipped back to the coordinator by a cluster).</summary>
    public IReadOnlyList<ChainLink> Links { get; init; } = [];
}

/// <summary>What a device partition found: failures and objects checked of step 8, and each device's last H_C.</summary>
public sealed record DevicePartitionOutcome
{
    /// <summary>The ballot partitions whose links it holds.</summary>
    public required int Sources { get; init; }

    /// <summary>Ballots of step 8 checked.</summary>
    public required long Checked { get; init; }

    /// <summary>Failures of step 8.</summary>
    public required IReadOnlyList<PartitionFailure> Failures { get; init; }

    /// <summary>Per device (by order) the H_C of its last ballot found in the record (H_ℓ of 8.G), if any.</summary>
    public required IReadOnlyDictionary<int, byte[]> Last { get; init; }
}

/// <summary>The whole-record result the verifier's later steps read.</summary>
public sealed record WholeRecordOutcome
{
    /// <summary>Ballot files in all partitions.</summary>
    public required long Ballots { get; init; }

    /// <summary>Cast ballot files.</summary>
    public required long Cast { get; init; }

    /// <summary>Challenged ballot files.</summary>
    public required long Challenged { get; init; }

    /// <summary>Ballot files recorded from pre-encrypted ballots.</summary>
    public required long PreEncrypted { get; init; }

    /// <summary>The contest indices that occur on ballots.</summary>
    public required IReadOnlySet<int> Contests { get; init; }

    /// <summary>Failures of steps 5, 8 and 9 found by the partitions.</summary>
    public required IReadOnlyList<PartitionFailure> Failures { get; init; }

    /// <summary>Step 8 ballots checked by the device partitions.</summary>
    public required long DeviceChecked { get; init; }

    /// <summary>Per device (by order) the H_C of its last ballot found, if any.</summary>
    public required IReadOnlyDictionary<int, byte[]> Last { get; init; }

    /// <summary>Challenged ballots by id_B (the smallest file per id).</summary>
    public required IReadOnlyDictionary<string, string> ChallengedBallots { get; init; }

    /// <summary>Combines every partition's outcome.</summary>
    public static WholeRecordOutcome Combine(IEnumerable<BallotPartitionOutcome> ballots, IEnumerable<DevicePartitionOutcome> devices)
    {
        ArgumentNullException.ThrowIfNull(ballots);
        ArgumentNullException.ThrowIfNull(devices);
        long count = 0, cast = 0, challenged = 0, pre = 0, deviceChecked = 0;
        HashSet<int> contests = [];
        List<PartitionFailure> failures = [];
        Dictionary<int, byte[]> last = [];
        Dictionary<string, string> challengedBallots = new(StringComparer.Ordinal);
        foreach (BallotPartitionOutcome o in ballots)
        {
            count += o.Ballots;
            cast += o.Cast;
            challenged += o.Challenged;
            pre += o.PreEncrypted;
            contests.UnionWith(o.Contests);
            failures.AddRange(o.Failures);
            foreach (ChallengedBallot c in o.ChallengedBallots)
            {
                challengedBallots[c.IdHex] = c.File;
            }
        }

        foreach (DevicePartitionOutcome o in devices)
        {
            deviceChecked += o.Checked;
            failures.AddRange(o.Failures);
            foreach ((int order, byte[] code) in o.Last)
            {
                last[order] = code;
            }
        }

        return new WholeRecordOutcome
        {
            Ballots = count,
            Cast = cast,
            Challenged = challenged,
            PreEncrypted = pre,
            Contests = contests,
            Failures = failures,
            DeviceChecked = deviceChecked,
            Last = last,
            ChallengedBallots = challengedBallots,
        };
    }
}

/// <summary>What the whole-record steps ask of the partitions: the record's device lists and aggregated ballots.</summary>
/// <param name="Devices">The record's devices, in its order.</param>
/// <param name="Starts">Per device (same order) what its chain starts from.</param>
/// <param name="Aggregated">
/// The encrypted tally's list of aggregated ballots; null when the tally commits to them instead (§4.8, revision 8), whose
/// commitment is checked on the whole record and not by the partitions.
/// </param>
public sealed record WholeRecordQuery(IReadOnlyList<NativeDevice> Devices, IReadOnlyList<DeviceStart> Starts, IReadOnlyList<byte[]>? Aggregated)
{
    /// <summary>
    /// Which device listings and aggregated ids go to each of <paramref name="partitions"/> ballot partitions, as
    /// positions (device order and list index; index in the aggregated list): eight and four bytes each, so that the
    /// routing of a national record stays small. <see cref="Listings"/> and <see cref="AggregatedIds"/> make one
    /// partition's messages from them.
    /// </summary>
    public (List<(int Order, int Index)>[] Listings, List<int>[] Aggregated) Route(int partitions)
    {
        List<(int, int)>[] listings = [.. Enumerable.Range(0, partitions).Select(_ => new List<(int, int)>())];
        List<int>[] aggregated = [.. Enumerable.Range(0, partitions).Select(_ => new List<int>())];
        for (int order = 0; order < Devices.Count; order++)
        {
            NativeDevice device = Devices[order];
            for (int i = 0; i < device.Ballots.Count; i++)
            {
                listings[BallotPartitioning.Of(NativeMath.Hex(device.Ballots[i]), partitions)].Add((order, i));
            }
        }

        for (int i = 0; i < (Aggregated?.Count ?? 0); i++)
        {
            aggregated[BallotPartitioning.Of(NativeMath.Hex(Aggregated![i]), partitions)].Add(i);
        }

        return (listings, aggregated);
    }

    /// <summary>One partition's device listings from its routed positions.</summary>
    public List<DeviceListing> Listings(IEnumerable<(int Order, int Index)> routed)
        => [.. routed.Select(r => new DeviceListing(r.Order, Devices[r.Order].Device, r.Index + 1, NativeMath.Hex(Devices[r.Order].Ballots[r.Index])))];

    /// <summary>One partition's aggregated ids from its routed positions; null when the tally does not list them.</summary>
    public List<string>? AggregatedIds(IEnumerable<int> routed) => Aggregated is null ? null : [.. routed.Select(i => NativeMath.Hex(Aggregated[i]))];

    /// <summary>The device partition of a device (by its order) among <paramref name="partitions"/>.</summary>
    public static int DevicePartitionOf(int order, int partitions) => order % partitions;
}

/// <summary>
/// The whole-record view of a verification's ballots, held in partitions (in this process, or on grains of a
/// cluster). <see cref="Resolve"/> runs once, after every ballot is in.
/// </summary>
public interface IBallotIndex
{
    /// <summary>Runs the whole-record checks of every partition and combines them.</summary>
    WholeRecordOutcome Resolve(WholeRecordQuery query);

    /// <summary>What the record holds under each id_B asked (ids it does not hold are absent).</summary>
    IReadOnlyDictionary<string, BallotFacts> Lookup(IReadOnlyCollection<string> ids);
}

/// <summary>
/// One ballot partition: the summaries of the ballots whose id_B falls in it, each shard's contribution kept once
/// (the first one: a shard that ran twice gives the same summaries).
/// </summary>
public sealed class BallotPartition
{
    private const string EncryptedTallyFile = "tally/encrypted_tally.json";
    private readonly Dictionary<string, List<ShardBallot>> _byId = new(StringComparer.Ordinal);
    private readonly HashSet<int> _sources = [];
    private readonly Lock _gate = new();

    /// <summary>Ballot files held.</summary>
    public long Ballots { get; private set; }

    /// <summary>Adds a shard's ballots of this partition; false (and nothing added) when that shard's are already in.</summary>
    public bool Add(int source, IEnumerable<ShardBallot> ballots)
    {
        ArgumentNullException.ThrowIfNull(ballots);
        lock (_gate)
        {
            if (!_sources.Add(source))
            {
                return false;
            }

            foreach (ShardBallot ballot in ballots)
            {
                if (!_byId.TryGetValue(ballot.IdHex, out List<ShardBallot>? list))
                {
                    _byId[ballot.IdHex] = list = [];
                }

                list.Add(ballot);
                Ballots++;
            }

            return true;
        }
    }

    /// <summary>
    /// 5.A (no two ballot files share id_B), the 5.struct counts, step 8's listings (a ballot listed twice, a ballot
    /// no device lists) and the links for the device partitions, 9.struct's cast ballots against the aggregated ones
    /// (when the tally lists them: <paramref name="aggregated"/> is null when it commits to them instead).
    /// </summary>
    public BallotPartitionOutcome Resolve(IReadOnlyList<DeviceListing> listings, IReadOnlyList<string>? aggregated)
    {
        ArgumentNullException.ThrowIfNull(listings);
        lock (_gate)
        {
            List<PartitionFailure> failures = [];
            long cast = 0, challenged = 0, pre = 0;
            HashSet<int> contests = [];
            List<ChallengedBallot> challengedBallots = [];
            foreach ((string id, List<ShardBallot> same) in _byId)
            {
                same.Sort((a, b) => string.CompareOrdinal(a.File, b.File));
                if (same.Count > 1)
                {
                    failures.Add(new PartitionFailure("5", "5.A", RecordObject.ForBallot(id), $"id_B is used by {same.Count} ballot files: {string.Join(", ", same.Select(s => s.File))}"));
                }

                foreach (ShardBallot b in same)
                {
                    cast += b.State == "cast" ? 1 : 0;
                    challenged += b.State == "challenged" ? 1 : 0;
                    pre += b.PreEncrypted ? 1 : 0;
                    contests.UnionWith(b.Contests);
                }

                if (same.FirstOrDefault(b => b.State == "challenged") is { } c)
                {
                    challengedBallots.Add(new ChallengedBallot(id, c.File));
                }
            }

            // 8.struct: the first listing of an id (devices in the record's order, then list position) owns it.
            List<ChainLink> links = [];
            HashSet<string> listed = new(StringComparer.Ordinal);
            foreach (IGrouping<string, DeviceListing> byId in listings.GroupBy(l => l.IdHex, StringComparer.Ordinal))
            {
                DeviceListing[] ordered = [.. byId.OrderBy(l => l.Order).ThenBy(l => l.Position)];
                DeviceListing owner = ordered[0];
                listed.Add(owner.IdHex);
                foreach (DeviceListing again in ordered.Skip(1))
                {
                    failures.Add(new PartitionFailure("8", "8.struct", RecordObject.ForBallot(again.IdHex) with { Device = again.Device }, $"the ballot is listed again (already listed by device {owner.Device})"));
                }

                links.Add(_byId.TryGetValue(owner.IdHex, out List<ShardBallot>? found)
                    ? new ChainLink(owner.Order, owner.Position, owner.IdHex, found[0].Device, found[0].ChainingField, found[0].ConfirmationCode)
                    : new ChainLink(owner.Order, owner.Position, owner.IdHex, null, null, null));
            }

            // A ballot recorded from a pre-encrypted ballot belongs to the encrypting tool, which has no device file (E18).
            foreach ((string id, List<ShardBallot> same) in _byId)
            {
                if (!listed.Contains(id))
                {
                    foreach (ShardBallot b in same.Where(b => !b.PreEncrypted))
                    {
                        failures.Add(new PartitionFailure("8", "8.struct", RecordObject.ForBallot(id), $"no device lists the ballot (it names device \"{b.Device}\")"));
                    }
                }
            }

            // 9.struct: the aggregated ballots are exactly the cast ballots (a tally that commits to them instead is
            // checked against the record's listing, on the whole: NativeVerifier.VerifyAggregation).
            if (aggregated is not null)
            {
                HashSet<string> aggregatedSet = new(aggregated, StringComparer.Ordinal);
                foreach ((string id, List<ShardBallot> same) in _byId)
                {
                    if (same.Any(b => b.State == "cast") && !aggregatedSet.Contains(id))
                    {
                        failures.Add(new PartitionFailure("9", "9.struct", RecordObject.ForBallot(id) with { File = EncryptedTallyFile }, "a cast ballot is missing from the aggregated ballots"));
                    }
                }

                foreach (string id in aggregatedSet)
                {
                    if (!_byId.TryGetValue(id, out List<ShardBallot>? same) || !same.Any(b => b.State == "cast"))
                    {
                        failures.Add(new PartitionFailure("9", "9.struct", RecordObject.ForBallot(id) with { File = EncryptedTallyFile }, "the aggregated ballots name a ballot that is not a cast ballot of the record"));
                    }
                }
            }

            return new BallotPartitionOutcome
            {
                Ballots = Ballots,
                Cast = cast,
                Challenged = challenged,
                PreEncrypted = pre,
                Contests = [.. contests.Order()],
                Failures = failures,
                ChallengedBallots = challengedBallots,
                Links = links,
            };
        }
    }

    /// <summary>What the partition holds under each id asked.</summary>
    public Dictionary<string, BallotFacts> Lookup(IEnumerable<string> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        lock (_gate)
        {
            Dictionary<string, BallotFacts> facts = new(StringComparer.Ordinal);
            foreach (string id in ids)
            {
                if (_byId.TryGetValue(id, out List<ShardBallot>? same))
                {
                    ShardBallot first = same.MinBy(b => b.File, StringComparer.Ordinal)!;
                    string? challenged = same.Where(b => b.State == "challenged").Select(b => b.File).Order(StringComparer.Ordinal).FirstOrDefault();
                    facts[id] = new BallotFacts(first.State, first.File, challenged);
                }
            }

            return facts;
        }
    }
}

/// <summary>
/// One device partition: the links of its devices' chains from every ballot partition (each ballot partition's
/// links kept once), and the walk of each chain (8.D–8.F, the ballots' device, ballots not in the record).
/// </summary>
public sealed class DevicePartition
{
    private readonly Dictionary<int, List<ChainLink>> _byDevice = [];
    private readonly HashSet<int> _sources = [];
    private readonly Lock _gate = new();

    /// <summary>Adds a ballot partition's links; false (and nothing added) when that partition's are already in.</summary>
    public bool Add(int source, IEnumerable<ChainLink> links)
    {
        ArgumentNullException.ThrowIfNull(links);
        lock (_gate)
        {
            if (!_sources.Add(source))
            {
                return false;
            }

            foreach (ChainLink link in links)
            {
                if (!_byDevice.TryGetValue(link.Order, out List<ChainLink>? list))
                {
                    _byDevice[link.Order] = list = [];
                }

                list.Add(link);
            }

            return true;
        }
    }

    /// <summary>Walks the chain of every device given (8.D, 8.E, 8.F and the ballots' 8.struct checks).</summary>
    public DevicePartitionOutcome Check(IEnumerable<DeviceStart> devices)
    {
        ArgumentNullException.ThrowIfNull(devices);
        lock (_gate)
        {
            List<PartitionFailure> failures = [];
            Dictionary<int, byte[]> last = [];
            long checkedCount = 0;
            foreach (DeviceStart device in devices)
            {
                if (!_byDevice.TryGetValue(device.Order, out List<ChainLink>? links))
                {
                    continue;
                }

                links.Sort((a, b) => a.Position.CompareTo(b.Position));
                byte[]? previous = null;
                foreach (ChainLink link in links)
                {
                    RecordObject where = RecordObject.ForBallot(link.IdHex) with { Device = device.Device };
                    if (link.NamedDevice is null || link.ChainingField is null || link.ConfirmationCode is null)
                    {
                        failures.Add(new PartitionFailure("8", "8.struct", where, $"ballot {link.Position} of the device's list is not in the record (no ballots/{link.IdHex}.json)"));
                        continue;
                    }

                    checkedCount++;
                    if (link.NamedDevice != device.Device)
                    {
                        failures.Add(new PartitionFailure("8", "8.struct", where, $"the ballot names device \"{link.NamedDevice}\""));
                    }

                    if (!device.Chained)
                    {
                        // 8.D: B_C = 0x00000000 ∥ H_DI.
                        if (!device.Start.AsSpan().SequenceEqual(link.ChainingField))
                        {
                            failures.Add(new PartitionFailure("8", "8.D", where, $"chaining_field is {NativeMath.Hex(link.ChainingField)}; without chaining it must be 0x00000000 ∥ H_DI = {NativeMath.Hex(device.Start)}"));
                        }
                    }
                    else
                    {
                        // 8.E: the j-th ballot's B_C,j = 0x00000001 ∥ H_{j−1} (8.F for j = 1: H_0).
                        byte[] expected = NativeMath.ChainingField(1, previous ?? device.Start);
                        if (!expected.AsSpan().SequenceEqual(link.ChainingField))
                        {
                            string name = link.Position == 1 ? "H_0" : "H_" + (link.Position - 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
                            failures.Add(new PartitionFailure("8", link.Position == 1 ? "8.F" : "8.E", where,
                                $"chaining_field of ballot {link.Position} on the device is {NativeMath.Hex(link.ChainingField)}; it must be 0x00000001 ∥ {name} = {NativeMath.Hex(expected)}"));
                        }
                    }

                    previous = link.ConfirmationCode;
                }

                if (previous is not null)
                {
                    last[device.Order] = previous;
                }
            }

            return new DevicePartitionOutcome { Sources = _sources.Count, Checked = checkedCount, Failures = failures, Last = last };
        }
    }
}

/// <summary>
/// Partitions of both kinds in this process (a verification in one process uses one of each; tests use several to
/// show that the partitioned checks give the single-process report).
/// </summary>
public sealed class LocalBallotIndex : IBallotIndex
{
    private readonly BallotPartition[] _ballots;
    private readonly DevicePartition[] _devices;

    /// <summary>An index of <paramref name="ballotPartitions"/> ballot partitions and <paramref name="devicePartitions"/> device partitions.</summary>
    public LocalBallotIndex(int ballotPartitions = 1, int devicePartitions = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ballotPartitions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(devicePartitions, 1);
        _ballots = [.. Enumerable.Range(0, ballotPartitions).Select(_ => new BallotPartition())];
        _devices = [.. Enumerable.Range(0, devicePartitions).Select(_ => new DevicePartition())];
    }

    /// <summary>Adds a shard's ballots (each to its partition); a shard's ballots are added once.</summary>
    public void Add(int shard, IEnumerable<ShardBallot> ballots)
    {
        ArgumentNullException.ThrowIfNull(ballots);
        List<ShardBallot>[] routed = [.. _ballots.Select(_ => new List<ShardBallot>())];
        foreach (ShardBallot ballot in ballots)
        {
            routed[BallotPartitioning.Of(ballot.IdHex, _ballots.Length)].Add(ballot);
        }

        for (int p = 0; p < _ballots.Length; p++)
        {
            _ballots[p].Add(shard, routed[p]);
        }
    }

    /// <inheritdoc />
    public WholeRecordOutcome Resolve(WholeRecordQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        (List<(int, int)>[] listings, List<int>[] aggregated) = query.Route(_ballots.Length);
        List<BallotPartitionOutcome> outcomes = [];
        for (int p = 0; p < _ballots.Length; p++)
        {
            BallotPartitionOutcome outcome = _ballots[p].Resolve(query.Listings(listings[p]), query.AggregatedIds(aggregated[p]));
            for (int d = 0; d < _devices.Length; d++)
            {
                _devices[d].Add(p, outcome.Links.Where(l => WholeRecordQuery.DevicePartitionOf(l.Order, _devices.Length) == d));
            }

            outcomes.Add(outcome with { Links = [] });
        }

        List<DevicePartitionOutcome> devices = [];
        for (int d = 0; d < _devices.Length; d++)
        {
            devices.Add(_devices[d].Check(query.Starts.Where(s => WholeRecordQuery.DevicePartitionOf(s.Order, _devices.Length) == d)));
        }

        return WholeRecordOutcome.Combine(outcomes, devices);
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, BallotFacts> Lookup(IReadOnlyCollection<string> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        Dictionary<string, BallotFacts> facts = new(StringComparer.Ordinal);
        foreach (IGrouping<int, string> group in ids.GroupBy(id => BallotPartitioning.Of(id, _ballots.Length)))
        {
            foreach ((string id, BallotFacts f) in _ballots[group.Key].Lookup(group))
            {
                facts[id] = f;
            }
        }

        return facts;
    }
}

/// <summary>The JSON forms of the partitions' messages, for shipping them between the processes of a cluster.</summary>
public static class PartitionJson
{
    private static readonly JsonSerializerOptions Options = new() { IncludeFields = false };

    /// <summary>Serializes a partition message.</summary>
    public static byte[] Write<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, Options);

    /// <summary>Reads a partition message that may be null (JSON <c>null</c>).</summary>
    /// <exception cref="FormatException">The bytes are neither null nor that message.</exception>
    public static T? ReadOrNull<T>(ReadOnlySpan<byte> json)
        where T : class => json.SequenceEqual("null"u8) ? null : Read<T>(json);

    /// <summary>Reads a partition message.</summary>
    /// <exception cref="FormatException">The bytes are not that message.</exception>
    public static T Read<T>(ReadOnlySpan<byte> json)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, Options) ?? throw new FormatException($"a null {typeof(T).Name}");
        }
        catch (JsonException e)
        {
            throw new FormatException($"not a {typeof(T).Name}: {e.Message}", e);
        }
    }
}
