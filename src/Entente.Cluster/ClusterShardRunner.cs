using Entente.Verifier.Framework;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Entente.Cluster;

/// <summary>
/// Runs a verification's ballot pass on an Orleans cluster: cuts the ballot files into shards, keeps a few shards per
/// silo in flight, and gathers one result per shard. A shard whose call fails because a silo died or did not answer
/// is asked again of a fresh grain (placed on a live silo); the first answer for a shard is kept and any later one
/// ignored, so a shard is counted exactly once. Silos read the record themselves from <see cref="Record"/>.
/// </summary>
public sealed partial class ClusterShardRunner(IClusterClient client, string record, ILogger? log = null) : IBallotShardRunner
{
    /// <summary>The record directory as every silo sees it.</summary>
    public string Record { get; } = record;

    /// <summary>Ballot files per shard.</summary>
    public int ShardSize { get; init; } = 64;

    /// <summary>Shards in flight at once (by default two per processor of this machine, at least four).</summary>
    public int InFlight { get; init; } = Math.Max(4, 2 * Environment.ProcessorCount);

    /// <summary>Worker threads each silo gives one shard.</summary>
    public int ThreadsPerShard { get; init; } = 1;

    /// <summary>Attempts per shard before the verification gives up.</summary>
    public int Attempts { get; init; } = 12;

    /// <summary>
    /// How long one attempt may take, per ballot file of the shard, before it is asked of another grain (on top of
    /// <see cref="AttemptBase"/>). A request whose gateway or silo died can stay unanswered until the messaging
    /// timeout, so this is what bounds it; a ballot takes milliseconds (tiny group) to about 20 ms of CPU (standard
    /// group), so the default leaves two orders of magnitude of headroom. A late answer of a retried attempt is ignored.
    /// </summary>
    public TimeSpan AttemptPerFile { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The fixed part of an attempt's time limit (record opening, placement, messaging).</summary>
    public TimeSpan AttemptBase { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Accepts toy groups (tests only).</summary>
    public bool AllowToyGroups { get; init; }

    /// <summary>Attempts that failed and were retried, over all runs (a silo killed mid-run shows here).</summary>
    public int Retries => Volatile.Read(ref _retries);

    private int _retries;

    /// <inheritdoc />
    public IReadOnlyList<BallotShardResult> Run(IReadOnlyList<string> ballotFiles, IProgress<VerificationProgress>? progress)
        => RunAsync(ballotFiles, progress, CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>The asynchronous form of <see cref="Run"/>.</summary>
    public async Task<IReadOnlyList<BallotShardResult>> RunAsync(IReadOnlyList<string> ballotFiles, IProgress<VerificationProgress>? progress, CancellationToken cancellationToken)
    {
        IReadOnlyList<IReadOnlyList<string>> shards = BallotShardResult.Cut(ballotFiles, ShardSize);
        BallotShardResult?[] results = new BallotShardResult?[shards.Count];
        string run = Guid.NewGuid().ToString("N");
        long done = 0;
        progress?.Report(new VerificationProgress("encrypted ballots", 0, ballotFiles.Count));
        // At most InFlight shards are asked at once, and only that many tasks exist: a national record cut into millions
        // of shards does not become millions of waiting tasks.
        ParallelOptions options = new() { MaxDegreeOfParallelism = InFlight, CancellationToken = cancellationToken };
        await Parallel.ForAsync(0, shards.Count, options, async (index, token) =>
        {
            IReadOnlyList<string> shard = shards[index];
            BallotShardResult result = await VerifyShardAsync(run, index, shard, token).ConfigureAwait(false);
            if (Interlocked.CompareExchange(ref results[index], result, null) is null)
            {
                progress?.Report(new VerificationProgress("encrypted ballots", Interlocked.Add(ref done, shard.Count), ballotFiles.Count));
            }
        }).ConfigureAwait(false);
        return [.. results.Select(r => r!)];
    }

    private async Task<BallotShardResult> VerifyShardAsync(string run, int index, IReadOnlyList<string> files, CancellationToken cancellationToken)
    {
        string[] array = [.. files];
        for (int attempt = 1; ; attempt++)
        {
            IBallotShardGrain grain = client.GetGrain<IBallotShardGrain>($"{run}/{index}/{attempt}");
            try
            {
                byte[] json = await grain.VerifyAsync(Record, array, AllowToyGroups, ThreadsPerShard).WaitAsync(AttemptBase + (AttemptPerFile * array.Length), cancellationToken).ConfigureAwait(false);
                return BallotShardResult.FromJson(json);
            }
            catch (Exception e) when (attempt >= Attempts && IsTransient(e))
            {
                throw new ClusterRunException($"shard {index} (first file {array[0]}) failed {attempt} times on the cluster, the last with {e.GetType().Name}: {e.Message} Check that the silos are running and reachable, then run the verification again.", e);
            }
            catch (Exception e) when (IsTransient(e))
            {
                Interlocked.Increment(ref _retries);
                if (log is not null)
                {
                    LogRetry(log, index, array[0], attempt, e.GetType().Name);
                }

                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5000, 250 * attempt)), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Failures of the cluster, not of the shard: a dead or unreachable silo, a lost message, a timeout.</summary>
    internal static bool IsTransient(Exception e) => e is SiloUnavailableException or OrleansMessageRejectionException
        or TimeoutException or OrleansException or System.Net.Sockets.SocketException;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shard {Index} (first file {File}), attempt {Attempt}, failed ({Reason}); asking another grain.")]
    private static partial void LogRetry(ILogger log, int index, string file, int attempt, string reason);
}

/// <summary>A shard could not be verified on the cluster after every attempt; the message names it and what to do.</summary>
public sealed class ClusterRunException(string message, Exception inner) : Exception(message, inner);
