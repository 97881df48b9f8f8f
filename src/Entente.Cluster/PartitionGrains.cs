using Entente.Verifier.Framework;
using Entente.Verifier.Native;

namespace Entente.Cluster;

/// <summary>
/// A ballot partition of one verification (key <c>run/partition</c>): the summaries of the ballots whose id_B hashes
/// to it, sent by the shard grains (<see cref="BallotPartition"/>). Its state is in memory only, for the life of the
/// activation: when its silo dies it is lost, the coordinator sees that its count of ballots is short, and feeds a
/// fresh set of partitions again (<see cref="ClusterShardRunner"/>).
/// </summary>
public interface IBallotPartitionGrain : IGrainWithStringKey
{
    /// <summary>Adds a shard's ballots of this partition (<see cref="BallotShardResult.ToJson"/> form, only
    /// <see cref="BallotShardResult.Ballots"/> used); a shard's ballots are kept once, the first time.</summary>
    Task AddAsync(int shard, byte[] ballots);

    /// <summary>
    /// Runs the partition's whole-record checks against the device listings and aggregated ids of its identifiers,
    /// sends each device partition (<see cref="IDevicePartitionGrain"/>, key <c>run/d</c>) its links, and answers the
    /// <see cref="BallotPartitionOutcome"/> without the links.
    /// </summary>
    Task<byte[]> ResolveAsync(byte[] listings, byte[] aggregated, int devicePartitions);

    /// <summary>What the partition holds under each id, with its count of ballots (<see cref="PartitionLookup"/>).</summary>
    Task<byte[]> LookupAsync(string[] ids);

    /// <summary>Drops the partition (the verification is over).</summary>
    Task ForgetAsync();
}

/// <summary>
/// A device partition of one verification (key <c>run/d</c>): the links of its devices' chains from every ballot
/// partition (<see cref="DevicePartition"/>), in memory only like the ballot partitions.
/// </summary>
public interface IDevicePartitionGrain : IGrainWithStringKey
{
    /// <summary>Adds a ballot partition's links for this device partition; a ballot partition's links are kept once.</summary>
    Task AddAsync(int source, byte[] links);

    /// <summary>Walks the chains of the devices given (<see cref="DeviceStart"/> list) and answers the <see cref="DevicePartitionOutcome"/>.</summary>
    Task<byte[]> CheckAsync(byte[] starts);

    /// <summary>Drops the partition.</summary>
    Task ForgetAsync();
}

/// <summary>A ballot partition's answer to a look-up.</summary>
/// <param name="Ballots">The ballots the partition holds (a partition that lost its state holds fewer than it did).</param>
/// <param name="Facts">What it holds under each id asked.</param>
public sealed record PartitionLookup(long Ballots, Dictionary<string, BallotFacts> Facts);

/// <summary>Keeps a verification's partition alive while it runs (an hour without a call ends it).</summary>
[CollectionAgeLimit(Minutes = 60)]
internal sealed class BallotPartitionGrain : Grain, IBallotPartitionGrain
{
    private readonly BallotPartition _partition = new();

    public Task AddAsync(int shard, byte[] ballots)
    {
        _partition.Add(shard, BallotShardResult.FromJson(ballots).Ballots);
        return Task.CompletedTask;
    }

    public async Task<byte[]> ResolveAsync(byte[] listings, byte[] aggregated, int devicePartitions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(devicePartitions, 1);
        string key = this.GetPrimaryKeyString();
        int slash = key.LastIndexOf('/');
        string run = key[..slash];
        int self = int.Parse(key[(slash + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        BallotPartitionOutcome outcome = _partition.Resolve(PartitionJson.Read<List<DeviceListing>>(listings), PartitionJson.ReadOrNull<List<string>>(aggregated));
        List<ChainLink>[] routed = [.. Enumerable.Range(0, devicePartitions).Select(_ => new List<ChainLink>())];
        foreach (ChainLink link in outcome.Links)
        {
            routed[WholeRecordQuery.DevicePartitionOf(link.Order, devicePartitions)].Add(link);
        }

        // Every device partition hears from every ballot partition, links or none: that is how it knows it has all.
        await Task.WhenAll(Enumerable.Range(0, devicePartitions).Select(d =>
            GrainFactory.GetGrain<IDevicePartitionGrain>($"{run}/{d}").AddAsync(self, PartitionJson.Write(routed[d])))).ConfigureAwait(true);
        return PartitionJson.Write(outcome with { Links = [] });
    }

    public Task<byte[]> LookupAsync(string[] ids)
        => Task.FromResult(PartitionJson.Write(new PartitionLookup(_partition.Ballots, _partition.Lookup(ids))));

    public Task ForgetAsync()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }
}

[CollectionAgeLimit(Minutes = 60)]
internal sealed class DevicePartitionGrain : Grain, IDevicePartitionGrain
{
    private readonly DevicePartition _partition = new();

    public Task AddAsync(int source, byte[] links)
    {
        _partition.Add(source, PartitionJson.Read<List<ChainLink>>(links));
        return Task.CompletedTask;
    }

    public Task<byte[]> CheckAsync(byte[] starts)
        => Task.FromResult(PartitionJson.Write(_partition.Check(PartitionJson.Read<List<DeviceStart>>(starts))));

    public Task ForgetAsync()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }
}
