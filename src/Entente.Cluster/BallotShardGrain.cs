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
    /// <paramref name="record"/>, a directory every silo can read; returns <see cref="BallotShardResult.ToJson"/>.
    /// </summary>
    Task<byte[]> VerifyAsync(string record, string[] files, bool allowToyGroups, int threads);
}

/// <summary>Runs a shard's checks on the thread pool (they are CPU-bound), outside the grain's scheduler.</summary>
internal sealed partial class BallotShardGrain(ILogger<BallotShardGrain> log) : Grain, IBallotShardGrain
{
    public Task<byte[]> VerifyAsync(string record, string[] files, bool allowToyGroups, int threads)
        => Task.Run(() =>
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

            // The silo is done with this shard: nothing of it stays in memory for the next.
            DeactivateOnIdle();
            LogShard(log, files.Length, files.Length == 0 ? "-" : files[0], result.InputError is null ? "verified" : "unreadable");
            return result.ToJson();
        });

    [LoggerMessage(Level = LogLevel.Information, Message = "shard of {Count} ballot file(s) from {First}: {Outcome}")]
    private static partial void LogShard(ILogger log, int count, string first, string outcome);
}
