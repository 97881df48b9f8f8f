using Entente.Verifier.Framework;
using Entente.Verifier.Native;
using Microsoft.Extensions.Logging;

namespace Entente.Cluster;

/// <summary>
/// A grain that verifies one shard of a record's ballot files (<see cref="NativeVerifier.VerifyBallotShard"/>) and
/// answers the shard's result in its JSON form. It holds no state: a shard that fails or whose silo dies is asked of
/// a new grain (the coordinator keys each attempt apart), and a result is counted by shard, never by answer.
/// </summary>
public interface IBallotShardGrain : IGrainWithStringKey
{
    /// <summary>
    /// Verifies <paramref name="files"/> (paths relative to the record, in the record's order) of the record at
    /// <paramref name="record"/>, a directory every silo can read; sends the ballots' summaries to the ballot
    /// partitions <c>partitionRun/p</c> (<see cref="IBallotPartitionGrain"/>, p by <see cref="BallotPartitioning.Of"/>
    /// among <paramref name="partitions"/>) as shard <paramref name="shard"/>, and returns
    /// <see cref="BallotShardResult.ToJson"/> without them (its file count only).
    /// </summary>
    Task<byte[]> VerifyAsync(string record, string[] files, bool allowToyGroups, int threads, string partitionRun, int partitions, int shard);
}

/// <summary>Runs a shard's checks on the thread pool (they are CPU-bound), outside the grain's scheduler.</summary>
internal sealed partial class BallotShardGrain(ILogger<BallotShardGrain> log) : Grain, IBallotShardGrain
{
    public async Task<byte[]> VerifyAsync(string record, string[] files, bool allowToyGroups, int threads, string partitionRun, int partitions, int shard)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        BallotShardResult result = await Task.Run(() => Verify(record, files, allowToyGroups, threads)).ConfigureAwait(true);
        if (result.InputError is null)
        {
            // The summaries go to their partitions, never back to the coordinator; the coordinator learns the count.
            List<ShardBallot>[] routed = [.. Enumerable.Range(0, partitions).Select(_ => new List<ShardBallot>())];
            foreach (ShardBallot ballot in result.Ballots)
            {
                routed[BallotPartitioning.Of(ballot.IdHex, partitions)].Add(ballot);
            }

            await Task.WhenAll(Enumerable.Range(0, partitions).Where(p => routed[p].Count > 0).Select(p =>
                GrainFactory.GetGrain<IBallotPartitionGrain>($"{partitionRun}/{p}").AddAsync(shard, new BallotShardResult
                {
                    Steps = [], Notes = [], Ballots = routed[p], Products = [], Unaggregatable = [],
                }.ToJson()))).ConfigureAwait(true);
            result = new BallotShardResult
            {
                Steps = result.Steps, Notes = result.Notes, Ballots = [], Files = result.FileCount, Products = result.Products, Unaggregatable = result.Unaggregatable,
            };
        }

        // The silo is done with this shard: nothing of it stays in memory for the next.
        DeactivateOnIdle();
        LogShard(log, files.Length, files.Length == 0 ? "-" : files[0], result.InputError is null ? "verified" : "unreadable");
        return result.ToJson();
    }

    private static BallotShardResult Verify(string record, string[] files, bool allowToyGroups, int threads)
    {
        VerificationOptions options = new() { AllowToyGroups = allowToyGroups, Threads = Math.Clamp(threads, 1, Environment.ProcessorCount) };
        BallotShardResult result;
        try
        {
            result = NativeVerifier.VerifyBallotShard(NativeRecord.Open(record), files, options);
        }
        catch (RecordInputException e)
        {
            result = new BallotShardResult { Steps = [], Notes = [], Ballots = [], Products = [], Unaggregatable = [], InputError = e };
        }

        return result;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "shard of {Count} ballot file(s) from {First}: {Outcome}")]
    private static partial void LogShard(ILogger log, int count, string first, string outcome);
}
