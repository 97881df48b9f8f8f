using Entente.Verifier.Framework;
using Entente.Verifier.Native;
using Microsoft.Extensions.Logging;

namespace Entente.Cluster;

/// <summary>
/// A grain that verifies one shard of a record's ballot files (<see cref="NativeVerifier.VerifyBallotShard(NativeRecord, IReadOnlyList{string}, IReadOnlyDictionary{string, byte[]}, VerificationOptions?)"/>) and
/// answers the shard's result in its JSON form. It holds no state: a shard that fails or whose silo dies is asked of
/// a new grain (the coordinator keys each attempt apart), and a result is counted by shard, never by answer.
/// </summary>
public interface IBallotShardGrain : IGrainWithStringKey
{
    /// <summary>
    /// Verifies the shard <paramref name="order"/> names, reading its files from its source (a directory every silo can
    /// read, or a board or mirror by each file's listed SHA-256, <see cref="ShardSources"/>); sends the ballots'
    /// summaries to the ballot partitions <c>PartitionRun/p</c> (<see cref="IBallotPartitionGrain"/>, p by
    /// <see cref="BallotPartitioning.Of"/>) as its shard, and returns <see cref="BallotShardResult.ToJson"/> without
    /// them (its file count only).
    /// </summary>
    Task<byte[]> VerifyAsync(BallotShardOrder order);
}

/// <summary>Runs a shard's checks on the thread pool (they are CPU-bound), outside the grain's scheduler.</summary>
internal sealed partial class BallotShardGrain(ILogger<BallotShardGrain> log) : Grain, IBallotShardGrain
{
    public async Task<byte[]> VerifyAsync(BallotShardOrder order)
    {
        ArgumentNullException.ThrowIfNull(order);
        int partitions = order.Partitions;
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        if (order.Sha256.Length != order.Files.Length || order.ContextSha256.Length != order.ContextFiles.Length)
        {
            throw new ArgumentException("Each file of a shard order has one listed SHA-256 (empty when unlisted).", nameof(order));
        }

        BallotShardResult result = await Task.Run(() => ShardSources.VerifyAsync(order, CancellationToken.None)).ConfigureAwait(true);
        if (result.InputError is null)
        {
            // The summaries go to their partitions, never back to the coordinator; the coordinator learns the count.
            List<ShardBallot>[] routed = [.. Enumerable.Range(0, partitions).Select(_ => new List<ShardBallot>())];
            foreach (ShardBallot ballot in result.Ballots)
            {
                routed[BallotPartitioning.Of(ballot.IdHex, partitions)].Add(ballot);
            }

            await Task.WhenAll(Enumerable.Range(0, partitions).Where(p => routed[p].Count > 0).Select(p =>
                GrainFactory.GetGrain<IBallotPartitionGrain>($"{order.PartitionRun}/{p}").AddAsync(order.Shard, new BallotShardResult
                {
                    Steps = [], Notes = [], Ballots = routed[p], Products = [], Unaggregatable = [],
                }.ToJson()))).ConfigureAwait(true);
            result = new BallotShardResult
            {
                Steps = result.Steps, Notes = result.Notes, Ballots = [], Files = result.FileCount, Products = result.Products, Unaggregatable = result.Unaggregatable,
            };
        }

        // The silo is done with this shard: nothing of it stays in memory for the next (the record's context does).
        DeactivateOnIdle();
        LogShard(log, order.Files.Length, order.Files.Length == 0 ? "-" : order.Files[0], order.FromBoard ? "a board" : "a directory", result.InputError is null ? "verified" : "unreadable");
        return result.ToJson();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "shard of {Count} ballot file(s) from {First}, read from {Source}: {Outcome}")]
    private static partial void LogShard(ILogger log, int count, string first, string source, string outcome);
}
