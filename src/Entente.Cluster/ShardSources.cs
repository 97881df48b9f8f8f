using System.Collections.Concurrent;
using Entente.Client.Http;
using Entente.Client.Mirror;
using Entente.Transparency;
using Entente.Transparency.Mirror;
using Entente.Verifier.Framework;
using Entente.Verifier.Native;

namespace Entente.Cluster;

/// <summary>
/// One shard of a verification's ballot pass, as the coordinator sends it to a silo: where the record is, the
/// record's ballot context files and the shard's ballot files, each with the SHA-256 that <c>record.json</c> lists for
/// it (hex, or empty when it lists none).
/// </summary>
[GenerateSerializer]
[Immutable]
public sealed class BallotShardOrder
{
    /// <summary>A directory every silo can read, or the URL of a board or mirror that serves the record's artifacts.</summary>
    [Id(0)]
    public required string Source { get; init; }

    /// <summary>The ballot context's files (<see cref="NativeRecord.BallotContextFiles"/>), in order.</summary>
    [Id(1)]
    public required string[] ContextFiles { get; init; }

    /// <summary>Their listed SHA-256, hex ("" when unlisted).</summary>
    [Id(2)]
    public required string[] ContextSha256 { get; init; }

    /// <summary>The shard's ballot files, in the record's order.</summary>
    [Id(3)]
    public required string[] Files { get; init; }

    /// <summary>Their listed SHA-256, hex ("" when unlisted).</summary>
    [Id(4)]
    public required string[] Sha256 { get; init; }

    /// <summary>Whether a toy group is accepted (tests).</summary>
    [Id(5)]
    public bool AllowToyGroups { get; init; }

    /// <summary>Threads the silo may use for the shard.</summary>
    [Id(6)]
    public int Threads { get; init; } = 1;

    /// <summary>The run whose partitions receive the shard's ballot summaries.</summary>
    [Id(7)]
    public required string PartitionRun { get; init; }

    /// <summary>How many ballot partitions the run has.</summary>
    [Id(8)]
    public int Partitions { get; init; } = 1;

    /// <summary>The shard's number in the run.</summary>
    [Id(9)]
    public int Shard { get; init; }

    /// <summary>Whether <see cref="Source"/> is a board's or mirror's URL rather than a directory.</summary>
    public bool FromBoard => ShardSources.IsBoard(Source, out _);
}

/// <summary>
/// Where a silo reads a shard from. A directory: the files themselves. A board or mirror: each file's bytes fetched by
/// the SHA-256 <c>record.json</c> lists for it (<c>GET /blobs</c>, then <c>GET /blob/{sha256}</c>), re-hashed, so a
/// silo needs no shared disk and reads exactly the bytes the coordinator's record lists. The record's ballot context
/// (<see cref="NativeRecord.OpenBallotContext"/>) is opened once per silo and record, not once per shard.
/// </summary>
internal static class ShardSources
{
    private const int MaxContexts = 8;

    private static readonly ConcurrentDictionary<string, Lazy<Task<NativeRecord>>> Contexts = new(StringComparer.Ordinal);

    private static readonly ConcurrentDictionary<string, LogArtifactSource> Boards = new(StringComparer.Ordinal);

    /// <summary>Whether <paramref name="source"/> is an http(s) URL.</summary>
    public static bool IsBoard(string source, out Uri? board)
    {
        board = Uri.TryCreate(source, UriKind.Absolute, out Uri? uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) ? uri : null;
        return board is not null;
    }

    /// <summary>Verifies <paramref name="order"/>'s ballots; a file that cannot be read or fetched is the result's input error.</summary>
    public static async Task<BallotShardResult> VerifyAsync(BallotShardOrder order, CancellationToken cancellationToken)
    {
        VerificationOptions options = new() { AllowToyGroups = order.AllowToyGroups, Threads = Math.Clamp(order.Threads, 1, Environment.ProcessorCount) };
        try
        {
            NativeRecord record = await OpenAsync(order, cancellationToken).ConfigureAwait(false);
            return NativeVerifier.VerifyBallotShard(record, order.Files, Listed(order), options);
        }
        catch (RecordInputException e)
        {
            return new BallotShardResult { Steps = [], Notes = [], Ballots = [], Products = [], Unaggregatable = [], InputError = e };
        }
    }

    /// <summary>The record to verify <paramref name="order"/>'s ballots with: its context, reading the shard's ballots.</summary>
    /// <exception cref="RecordInputException">A file cannot be read or fetched; the message names it.</exception>
    public static async Task<NativeRecord> OpenAsync(BallotShardOrder order, CancellationToken cancellationToken)
    {
        if (!IsBoard(order.Source, out Uri? board))
        {
            return await ContextAsync(order, () => Task.FromResult(OpenDirectory(order))).ConfigureAwait(false);
        }

        NativeRecord context = await ContextAsync(order, () => FetchContextAsync(order, board!, cancellationToken)).ConfigureAwait(false);
        RecordFileSet ballots = await FetchAsync(board!, order.Files, order.Sha256, cancellationToken).ConfigureAwait(false);
        return context.WithBallots(ballots);
    }

    /// <summary>The SHA-256 listed for each file, as the verifier compares them.</summary>
    public static Dictionary<string, byte[]> Listed(BallotShardOrder order)
    {
        Dictionary<string, byte[]> listed = new(StringComparer.Ordinal);
        for (int i = 0; i < order.Files.Length; i++)
        {
            if (order.Sha256[i].Length > 0)
            {
                listed[order.Files[i]] = Convert.FromHexString(order.Sha256[i]);
            }
        }

        return listed;
    }

    private static async Task<NativeRecord> ContextAsync(BallotShardOrder order, Func<Task<NativeRecord>> open)
    {
        string key = order.Source + "\n" + string.Join("\n", order.ContextFiles.Zip(order.ContextSha256, (f, h) => f + " " + h));
        if (Contexts.Count >= MaxContexts)
        {
            Contexts.Clear();
        }

        Lazy<Task<NativeRecord>> lazy = Contexts.GetOrAdd(key, _ => new Lazy<Task<NativeRecord>>(open));
        try
        {
            NativeRecord context = await lazy.Value.ConfigureAwait(false);
            if (!Cacheable(order, context))
            {
                // The files are not the ones record.json lists: read them again for every shard, as they are.
                Contexts.TryRemove(new KeyValuePair<string, Lazy<Task<NativeRecord>>>(key, lazy));
            }

            return context;
        }
        catch
        {
            // A failed open is not kept: the next shard tries again (and reports the same error if it persists).
            Contexts.TryRemove(new KeyValuePair<string, Lazy<Task<NativeRecord>>>(key, lazy));
            throw;
        }
    }

    /// <summary>A context may be kept only when each of its files is the one record.json lists.</summary>
    private static bool Cacheable(BallotShardOrder order, NativeRecord context)
    {
        for (int i = 0; i < order.ContextFiles.Length; i++)
        {
            if (order.ContextSha256[i].Length == 0
                || !context.SmallFileHashes.TryGetValue(order.ContextFiles[i], out byte[]? actual)
                || !Convert.ToHexString(actual).Equals(order.ContextSha256[i], StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }

        return context.Guardians.Count == order.ContextFiles.Count(f => f.StartsWith("guardians/", StringComparison.Ordinal));
    }

    private static NativeRecord OpenDirectory(BallotShardOrder order) => NativeRecord.OpenBallotContext(new RecordDirectory(order.Source));

    private static async Task<NativeRecord> FetchContextAsync(BallotShardOrder order, Uri board, CancellationToken cancellationToken)
    {
        RecordFileSet files = await FetchAsync(board, order.ContextFiles, order.ContextSha256, cancellationToken).ConfigureAwait(false);
        return NativeRecord.OpenBallotContext(files);
    }

    /// <summary>Fetches <paramref name="paths"/> by their listed SHA-256 from the board, each re-hashed.</summary>
    private static async Task<RecordFileSet> FetchAsync(Uri board, string[] paths, string[] sha256, CancellationToken cancellationToken)
    {
        RecordFileSet set = new(board.ToString());
        Dictionary<Hash256, List<string>> wanted = [];
        for (int i = 0; i < paths.Length; i++)
        {
            if (sha256[i].Length == 0)
            {
                throw new RecordInputException(paths[i], $"record.json lists no SHA-256 for it, so it cannot be fetched from {board}: verify with the silos reading the record's directory instead.");
            }

            Hash256 hash = Hash256.FromHex(sha256[i].ToLowerInvariant());
            if (!wanted.TryGetValue(hash, out List<string>? names))
            {
                wanted[hash] = names = [];
            }

            names.Add(paths[i]);
        }

        LogArtifactSource source = Boards.GetOrAdd(board.ToString(), _ => new LogArtifactSource(board, new RetryPolicy { MaxAttempts = 4, MaxElapsed = TimeSpan.FromSeconds(20) }));
        Dictionary<Hash256, byte[]> found = [];
        try
        {
            foreach (Hash256[] bundle in wanted.Keys.Chunk(LogArtifactSource.MaxBlobsPerRequest))
            {
                foreach (byte[] bytes in await source.GetManyAsync(bundle, cancellationToken).ConfigureAwait(false))
                {
                    found[Hash256.Compute(bytes)] = bytes;
                }
            }

            foreach (Hash256 hash in wanted.Keys.Where(h => !found.ContainsKey(h)))
            {
                ArtifactServed served = await source.GetAsync(hash, cancellationToken).ConfigureAwait(false);
                if (served.Bytes is { } bytes && Hash256.Compute(bytes) == hash)
                {
                    found[hash] = bytes;
                    continue;
                }

                string why = served.Bytes is null ? served.Refusal ?? "not served" : "the bytes served do not hash to it";
                throw new RecordInputException(wanted[hash][0], $"{board} does not serve the file by the SHA-256 record.json lists for it ({hash.ToHex()}): {why}.");
            }
        }
        catch (HttpRequestException e)
        {
            throw new RecordInputException(paths.Length > 0 ? paths[0] : "record.json", $"{board} did not answer ({e.Message}); check that the board or mirror is reachable from every silo.", e);
        }

        foreach ((Hash256 hash, List<string> names) in wanted)
        {
            foreach (string name in names)
            {
                set.Add(name, found[hash]);
            }
        }

        return set;
    }
}
