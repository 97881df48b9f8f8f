using Entente.Verifier.Framework;
using Entente.Verifier.Native;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Entente.Cluster;

/// <summary>
/// Runs a verification's ballot pass on an Orleans cluster: cuts the ballot files into shards, keeps a few shards per
/// silo in flight, and gathers one result per shard. A shard whose call fails because a silo died or did not answer
/// is asked again of a fresh grain (placed on a live silo); the first answer for a shard is kept and any later one
/// ignored, so a shard is counted exactly once. Silos read the record themselves from <see cref="Record"/>.
/// The shards send their ballots' summaries to ballot partition grains (by a hash of id_B), and the whole-record
/// checks run there and on device partition grains (<see cref="IBallotIndex"/>): no process holds every ballot.
/// Partitions live in memory; a partition whose silo died is seen short of ballots (or of links), and the runner
/// then feeds a fresh set of partitions by verifying every shard again (their results are already counted: only
/// their summaries are sent again), at most <see cref="Rebuilds"/> times. A runner holds the partitions of the
/// verification it runs: run one verification at a time on it (one after another is fine).
/// </summary>
public sealed partial class ClusterShardRunner(IClusterClient client, string record, ILogger? log = null) : IBallotShardRunner, IBallotIndex
{
    /// <summary>The record directory as every silo sees it (and as the coordinator reads it).</summary>
    public string Record { get; } = record;

    /// <summary>
    /// Where the silos read the record's files instead of <see cref="Record"/>: the URL of a board or mirror that serves
    /// them as artifacts, fetched by the SHA-256 <c>record.json</c> lists for each. Null: the directory.
    /// </summary>
    public Uri? Board { get; init; }

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

    /// <summary>Ballot partitions (default: one per 100 000 ballots, at least three).</summary>
    public int? BallotPartitions { get; init; }

    /// <summary>Device partitions (default: one per 100 000 ballots, at least two).</summary>
    public int? DevicePartitions { get; init; }

    /// <summary>How often the partitions may be fed again after a silo holding some of them died.</summary>
    public int MaxRebuilds { get; init; } = 3;

    /// <summary>Attempts that failed and were retried, over all runs (a silo killed mid-run shows here).</summary>
    public int Retries => Volatile.Read(ref _retries);

    /// <summary>Times the partitions were fed again because a silo holding some of them died.</summary>
    public int Rebuilds => Volatile.Read(ref _rebuilds);

    private int _retries;
    private int _rebuilds;
    private IReadOnlyList<string> _files = [];
    private BallotShardPlan? _plan;
    private string _run = "";
    private int _ballotPartitions = 1;
    private int _devicePartitions = 1;
    private long[] _expected = [];

    /// <inheritdoc />
    /// <remarks>Without the verification's plan, the runner reads <c>record.json</c> of <see cref="Record"/> for it.</remarks>
    public IReadOnlyList<BallotShardResult> Run(IReadOnlyList<string> ballotFiles, IProgress<VerificationProgress>? progress)
    {
        BallotShardPlan plan = NativeVerifier.ShardPlan(NativeRecord.Open(Record));
        return Run(plan with { Files = ballotFiles }, progress);
    }

    /// <inheritdoc />
    public IReadOnlyList<BallotShardResult> Run(BallotShardPlan plan, IProgress<VerificationProgress>? progress)
        => RunAsync(plan, progress, CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>The asynchronous form of <see cref="Run(BallotShardPlan, IProgress{VerificationProgress}?)"/>.</summary>
    public async Task<IReadOnlyList<BallotShardResult>> RunAsync(BallotShardPlan plan, IProgress<VerificationProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        _plan = plan;
        IReadOnlyList<string> ballotFiles = plan.Files;
        IReadOnlyList<IReadOnlyList<string>> shards = BallotShardResult.Cut(ballotFiles, ShardSize);
        // The results are summed as they arrive (products multiplied per option as they pile up): the coordinator holds
        // the sum and one flag per shard, never every shard's result.
        BallotShardSum sum = new() { ProductFold = plan.ProductFold };
        int[] counted = new int[shards.Count];
        string run = Guid.NewGuid().ToString("N");
        _files = ballotFiles;
        _run = run;
        _ballotPartitions = BallotPartitions ?? BallotPartitioning.CountFor(ballotFiles.Count, 3);
        _devicePartitions = DevicePartitions ?? BallotPartitioning.CountFor(ballotFiles.Count, 2);
        _expected = [];
        long done = 0;
        progress?.Report(new VerificationProgress("encrypted ballots", 0, ballotFiles.Count));
        // At most InFlight shards are asked at once, and only that many tasks exist: a national record cut into millions
        // of shards does not become millions of waiting tasks.
        ParallelOptions options = new() { MaxDegreeOfParallelism = InFlight, CancellationToken = cancellationToken };
        await Parallel.ForAsync(0, shards.Count, options, async (index, token) =>
        {
            IReadOnlyList<string> shard = shards[index];
            BallotShardResult result = await VerifyShardAsync(run, index, shard, token).ConfigureAwait(false);
            if (Interlocked.Exchange(ref counted[index], 1) == 0)
            {
                sum.Add(index, result);
                progress?.Report(new VerificationProgress("encrypted ballots", Interlocked.Add(ref done, shard.Count), ballotFiles.Count));
            }
        }).ConfigureAwait(false);
        return [sum.ToResult()];
    }

    /// <inheritdoc />
    public WholeRecordOutcome Resolve(WholeRecordQuery query)
        => ResolveAsync(query, CancellationToken.None).GetAwaiter().GetResult();

    /// <inheritdoc />
    public IReadOnlyDictionary<string, BallotFacts> Lookup(IReadOnlyCollection<string> ids)
        => LookupAsync(ids, CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>The asynchronous form of <see cref="Resolve"/>.</summary>
    public async Task<WholeRecordOutcome> ResolveAsync(WholeRecordQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        (List<(int, int)>[] listings, List<int>[] aggregated) = query.Route(_ballotPartitions);
        List<DeviceStart>[] starts = [.. Enumerable.Range(0, _devicePartitions).Select(_ => new List<DeviceStart>())];
        foreach (DeviceStart start in query.Starts)
        {
            starts[WholeRecordQuery.DevicePartitionOf(start.Order, _devicePartitions)].Add(start);
        }

        for (int round = 0; ; round++)
        {
            string why;
            try
            {
                string run = _run;
                // A few partitions at a time: each one's listings are made, sent and dropped, never all at once.
                BallotPartitionOutcome[] ballots = new BallotPartitionOutcome[_ballotPartitions];
                await Parallel.ForAsync(0, _ballotPartitions, new ParallelOptions { MaxDegreeOfParallelism = InFlight, CancellationToken = cancellationToken }, async (p, _) =>
                {
                    byte[] answer = await client.GetGrain<IBallotPartitionGrain>($"{run}/{p}").ResolveAsync(
                        PartitionJson.Write(query.Listings(listings[p])), PartitionJson.Write(query.AggregatedIds(aggregated[p])), _devicePartitions).ConfigureAwait(false);
                    ballots[p] = PartitionJson.Read<BallotPartitionOutcome>(answer);
                }).ConfigureAwait(false);
                long held = ballots.Sum(o => o.Ballots);
                if (held == _files.Count)
                {
                    byte[][] checks = await Task.WhenAll(Enumerable.Range(0, _devicePartitions).Select(d =>
                        client.GetGrain<IDevicePartitionGrain>($"{run}/{d}").CheckAsync(PartitionJson.Write(starts[d])))).ConfigureAwait(false);
                    DevicePartitionOutcome[] devices = [.. checks.Select(a => PartitionJson.Read<DevicePartitionOutcome>(a))];
                    if (devices.All(o => o.Sources == _ballotPartitions))
                    {
                        _expected = [.. ballots.Select(o => o.Ballots)];
                        return WholeRecordOutcome.Combine(ballots, devices);
                    }

                    why = "a device partition lost the links of some ballot partitions";
                }
                else
                {
                    why = $"the ballot partitions hold {held} of {_files.Count} ballots";
                }
            }
            catch (Exception e) when (IsTransient(e))
            {
                why = $"{e.GetType().Name}: {e.Message}";
            }

            await RebuildAsync(round, why, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The asynchronous form of <see cref="Lookup"/>.</summary>
    public async Task<IReadOnlyDictionary<string, BallotFacts>> LookupAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ids);
        for (int round = 0; ; round++)
        {
            string why;
            try
            {
                string run = _run;
                Dictionary<string, BallotFacts> facts = new(StringComparer.Ordinal);
                why = "";
                foreach (IGrouping<int, string> group in ids.GroupBy(id => BallotPartitioning.Of(id, _ballotPartitions)))
                {
                    PartitionLookup answer = PartitionJson.Read<PartitionLookup>(await client.GetGrain<IBallotPartitionGrain>($"{run}/{group.Key}").LookupAsync([.. group]).ConfigureAwait(false));
                    if (group.Key < _expected.Length && answer.Ballots != _expected[group.Key])
                    {
                        why = $"ballot partition {group.Key} holds {answer.Ballots} ballots, not {_expected[group.Key]}";
                        break;
                    }

                    foreach ((string id, BallotFacts f) in answer.Facts)
                    {
                        facts[id] = f;
                    }
                }

                if (why.Length == 0)
                {
                    return facts;
                }
            }
            catch (Exception e) when (IsTransient(e))
            {
                why = $"{e.GetType().Name}: {e.Message}";
            }

            await RebuildAsync(round, why, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Drops the partitions of the last run (they would otherwise end an hour after their last call).</summary>
    public async Task ForgetAsync(CancellationToken cancellationToken)
    {
        string run = _run;
        if (run.Length == 0)
        {
            return;
        }

        try
        {
            await Task.WhenAll(
                Enumerable.Range(0, _ballotPartitions).Select(p => client.GetGrain<IBallotPartitionGrain>($"{run}/{p}").ForgetAsync())
                .Concat(Enumerable.Range(0, _devicePartitions).Select(d => client.GetGrain<IDevicePartitionGrain>($"{run}/{d}").ForgetAsync())))
                .WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsTransient(e))
        {
            // A partition on a silo that is gone is gone with it.
        }
    }

    /// <summary>
    /// Feeds a fresh set of partitions (a new run key) by verifying every shard again; the shards' results were
    /// counted the first time and are not counted again.
    /// </summary>
    private async Task RebuildAsync(int round, string why, CancellationToken cancellationToken)
    {
        if (round >= MaxRebuilds)
        {
            throw new ClusterRunException($"the partitions of the whole-record checks were lost {round + 1} times ({why}). Check that the silos are running and reachable, then run the verification again.", new InvalidOperationException(why));
        }

        Interlocked.Increment(ref _rebuilds);
        if (log is not null)
        {
            LogRebuild(log, why);
        }

        string run = Guid.NewGuid().ToString("N");
        IReadOnlyList<IReadOnlyList<string>> shards = BallotShardResult.Cut(_files, ShardSize);
        ParallelOptions options = new() { MaxDegreeOfParallelism = InFlight, CancellationToken = cancellationToken };
        await Parallel.ForAsync(0, shards.Count, options, async (index, token) =>
        {
            BallotShardResult result = await VerifyShardAsync(run, index, shards[index], token).ConfigureAwait(false);
            if (result.InputError is { } error)
            {
                throw error;
            }
        }).ConfigureAwait(false);
        _run = run;
    }

    private async Task<BallotShardResult> VerifyShardAsync(string run, int index, IReadOnlyList<string> files, CancellationToken cancellationToken)
    {
        string[] array = [.. files];
        for (int attempt = 1; ; attempt++)
        {
            IBallotShardGrain grain = client.GetGrain<IBallotShardGrain>($"{run}/{index}/{attempt}");
            try
            {
                byte[] json = await grain.VerifyAsync(Order(run, index, array)).WaitAsync(AttemptBase + (AttemptPerFile * array.Length), cancellationToken).ConfigureAwait(false);
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

    private BallotShardOrder Order(string run, int index, string[] files)
    {
        BallotShardPlan plan = _plan ?? throw new InvalidOperationException("No verification is running.");
        return new BallotShardOrder
        {
            Source = Board?.ToString() ?? Record,
            ContextFiles = [.. plan.Context.Select(c => c.Path)],
            ContextSha256 = [.. plan.Context.Select(c => c.Sha256 is null ? "" : Convert.ToHexString(c.Sha256))],
            Files = files,
            Sha256 = [.. files.Select(f => plan.Listed.TryGetValue(f, out byte[]? sha) ? Convert.ToHexString(sha) : "")],
            AllowToyGroups = AllowToyGroups,
            Threads = ThreadsPerShard,
            PartitionRun = run,
            Partitions = _ballotPartitions,
            Shard = index,
        };
    }

    /// <summary>Failures of the cluster, not of the shard: a dead or unreachable silo, a lost message, a timeout.</summary>
    internal static bool IsTransient(Exception e) => e is SiloUnavailableException or OrleansMessageRejectionException
        or TimeoutException or OrleansException or System.Net.Sockets.SocketException;

    [LoggerMessage(Level = LogLevel.Warning, Message = "The partitions of the whole-record checks lost state ({Reason}); feeding a fresh set.")]
    private static partial void LogRebuild(ILogger log, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shard {Index} (first file {File}), attempt {Attempt}, failed ({Reason}); asking another grain.")]
    private static partial void LogRetry(ILogger log, int index, string file, int attempt, string reason);
}

/// <summary>A shard could not be verified on the cluster after every attempt; the message names it and what to do.</summary>
public sealed class ClusterRunException(string message, Exception inner) : Exception(message, inner);
