using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Entente.Transparency.Log;
using Entente.Transparency.Merkle;
using Entente.Transparency.Notes;
using Entente.Transparency.Witness;

namespace Entente.Transparency.Mirror;

/// <summary>Where a mirror fetches the artifacts the entries commit to (the origin log's <c>GET /blob/{sha256}</c>).</summary>
public interface IArtifactSource
{
    /// <summary>What the source served for <paramref name="sha256"/>: the bytes, unchecked (the mirror re-hashes them), or its refusal.</summary>
    /// <exception cref="HttpRequestException">The source could not be reached (a retry may help).</exception>
    Task<ArtifactServed> GetAsync(Hash256 sha256, CancellationToken cancellationToken);

    /// <summary>
    /// Several artifacts in one round trip (the log's <c>GET /blobs</c>): the bytes served, unchecked and in any order
    /// (the mirror re-hashes each and keeps only what it asked for); those left out are asked for one by one with
    /// <see cref="GetAsync"/>. A source without such a route serves none this way.
    /// </summary>
    /// <exception cref="HttpRequestException">The source could not be reached (a retry may help).</exception>
    Task<IReadOnlyList<byte[]>> GetManyAsync(IReadOnlyList<Hash256> sha256, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<byte[]>>([]);
}

/// <summary>What a source answered for an artifact: its bytes, or why there are none (404, or the log's own refusal).</summary>
/// <param name="Bytes">The bytes served, or null.</param>
/// <param name="Refusal">The source's answer when it served none.</param>
public sealed record ArtifactServed(byte[]? Bytes, string? Refusal);

/// <summary>An artifact the mirror could not get: withheld (not served) or altered (its bytes do not hash to the entry's SHA-256).</summary>
/// <param name="Index">The entry's index.</param>
/// <param name="Entry">The entry's bytes.</param>
/// <param name="Sha256">The SHA-256 the entry commits to.</param>
/// <param name="Served">The bytes served instead (altered), or null (withheld).</param>
/// <param name="Refusal">What the log answered instead of the artifact (withheld), or null.</param>
public sealed record ArtifactFailure(long Index, byte[] Entry, Hash256 Sha256, byte[]? Served, string? Refusal)
{
    /// <summary>True when the log served nothing.</summary>
    public bool Withheld => Served is null;

    /// <inheritdoc/>
    public override string ToString() => Served is null
        ? $"entry {Index.ToString(CultureInfo.InvariantCulture)} (artifact sha256 {Sha256.ToHex()}): withheld: the log does not serve the artifact ({Refusal})"
        : $"entry {Index.ToString(CultureInfo.InvariantCulture)} (artifact sha256 {Sha256.ToHex()}): altered: the log serves {Served.Length.ToString(CultureInfo.InvariantCulture)} bytes whose SHA-256 is {Hash256.Compute(Served).ToHex()}";
}

/// <summary>What <see cref="Mirror.CommitAsync"/> did.</summary>
public abstract record MirrorCommit
{
    private MirrorCommit()
    {
    }

    /// <summary>The mirror checkpoint is at (or past) the size asked for; <paramref name="Head"/> is it.</summary>
    /// <param name="Head">The mirror checkpoint (the log's note with the mirror's cosignature when the mirror has a key).</param>
    /// <param name="Cosignature">The mirror's cosignature line on it, or null for a mirror without a key.</param>
    public sealed record Committed(StoredCheckpoint Head, NoteSignature? Cosignature) : MirrorCommit;

    /// <summary>The size is not the pending checkpoint's (it moved on) or is behind the mirror checkpoint.</summary>
    /// <param name="PendingSize">The pending checkpoint's size.</param>
    /// <param name="NextEntry">The mirror's next entry.</param>
    public sealed record Conflict(long PendingSize, long NextEntry) : MirrorCommit;

    /// <summary>Entries below the size are still missing.</summary>
    /// <param name="NextEntry">The first missing entry.</param>
    public sealed record Incomplete(long NextEntry) : MirrorCommit;

    /// <summary>Artifacts are withheld or altered: the mirror does not advance (and so does not cosign).</summary>
    /// <param name="Checkpoint">The pending checkpoint the entries are in.</param>
    /// <param name="Failures">Every artifact that failed.</param>
    public sealed record ArtifactsMissing(StoredCheckpoint Checkpoint, IReadOnlyList<ArtifactFailure> Failures) : MirrorCommit;

    /// <summary>The entries given do not hash to the pending checkpoint's root on top of the mirror's tree (they were dropped).</summary>
    /// <param name="Reason">What differed.</param>
    public sealed record Inconsistent(string Reason) : MirrorCommit;
}

/// <summary>
/// A C2SP tlog-mirror of one log that also holds every artifact the log's entries commit to. Its state, all durable:
/// the <i>mirror checkpoint</i> with the log copy (entries and tiles, an <see cref="ILogStore"/> whose head note is the
/// log's checkpoint with every signature it came with plus the mirror's cosignature), the artifacts (an
/// <see cref="IBlobStore"/>, each re-hashed before it is stored), and the <i>pending checkpoint</i> (an
/// <see cref="IWitnessStore"/>, moved only by the witness checks of <c>add-checkpoint</c>). Pending entries are kept in
/// memory: a restarted mirror's next entry falls back to its mirror checkpoint, and clients upload again (as the
/// spec allows). <see cref="CommitAsync"/> is the one way the mirror checkpoint moves: it needs every entry up to the
/// pending checkpoint, every artifact they commit to (fetched from the <see cref="IArtifactSource"/>, re-hashed and
/// stored), and the tree rebuilt from the stored tiles and those entries to have the pending checkpoint's root; only
/// then does it cosign and commit (compare-and-swap on the head). So the mirror's cosignature states that it holds the
/// log and every artifact up to that checkpoint.
/// </summary>
public sealed class Mirror : IDisposable
{
    /// <summary>Largest add-entries body accepted (a client sends at most 32 packages).</summary>
    public const int MaxAddEntriesBytes = 32 << 20;

    private const string TextType = "text/plain; charset=utf-8";

    /// <summary>Artifact requests in flight at once.</summary>
    private const int FetchWindow = 16;

    /// <summary>Artifacts asked for in one bundle request (the log's <c>GET /blobs</c> takes at most 64).</summary>
    private const int BundleSize = 64;

    /// <summary>Bundle requests in flight at once.</summary>
    private const int BundleWindow = 4;

    /// <summary>Most artifacts stored in one transaction.</summary>
    private const int StoreBatch = 512;
    private readonly Ed25519NoteSigner? _key;
    private readonly WitnessedLog _log;
    private readonly ILogStore _store;
    private readonly IBlobStore _blobs;
    private readonly IWitnessStore _pending;
    private readonly Witness.Witness _checkpoints;
    private readonly IArtifactSource _artifacts;
    private readonly Func<LogEntry, bool> _needsArtifact;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<long, byte[]> _pendingEntries = new();
    private readonly SemaphoreSlim _commit = new(1, 1);

    // Artifacts this process stored for a commit that has not happened yet (a retry does not fetch them again).
    private readonly ConcurrentDictionary<Hash256, bool> _storedNotCommitted = new();

    private Mirror(Ed25519NoteSigner? key, WitnessedLog log, ILogStore store, IBlobStore blobs, IWitnessStore pending, IArtifactSource artifacts,
        Func<LogEntry, bool> needsArtifact, TimeProvider time)
    {
        _key = key;
        _log = log;
        _store = store;
        _blobs = blobs;
        _pending = pending;
        _artifacts = artifacts;
        _needsArtifact = needsArtifact;
        _time = time;
        _checkpoints = Witness.Witness.ForPendingCheckpoints([log], pending, time);
        Reader = new LogReader(store);
    }

    /// <summary>The log mirrored.</summary>
    public string Origin => _log.Origin;

    /// <summary>The lowercase hex SHA-256 of the origin: the mirror serves the log under <c>&lt;monitoring prefix&gt;/&lt;origin hash&gt;/</c>.</summary>
    public string OriginHash => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(_log.Origin)));

    /// <summary>Reads the mirror's copy (tiles, bundles, proofs).</summary>
    public LogReader Reader { get; }

    /// <summary>The artifacts held.</summary>
    public IBlobStore Blobs => _blobs;

    /// <summary>The mirror's cosigner key (cosignature/v1), or null for a mirror that does not cosign (<c>entente mirror sync</c>).</summary>
    public string? CosignerVerifierKey => _key?.CosignerVerifierKey;

    /// <summary>
    /// Opens the mirror over its stores (creating their schemas, and the empty mirror checkpoint on first use).
    /// <paramref name="needsArtifact"/> says which entries commit to an artifact the log serves publicly.
    /// </summary>
    public static async Task<Mirror> OpenAsync(Ed25519NoteSigner? key, WitnessedLog log, ILogStore store, IBlobStore blobs, IWitnessStore pending,
        IArtifactSource artifacts, Func<LogEntry, bool> needsArtifact, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(blobs);
        ArgumentNullException.ThrowIfNull(pending);
        ArgumentNullException.ThrowIfNull(artifacts);
        ArgumentNullException.ThrowIfNull(needsArtifact);
        await store.CreateSchemaAsync(cancellationToken).ConfigureAwait(false);
        await pending.CreateSchemaAsync(cancellationToken).ConfigureAwait(false);
        StoredCheckpoint? head = await store.ReadHeadAsync(cancellationToken).ConfigureAwait(false);
        if (head is null)
        {
            try
            {
                // The empty copy: no note yet (nothing is served before the first checkpoint is mirrored).
                await store.InitializeAsync(new StoredCheckpoint(0, Rfc6962.EmptyRoot, []), cancellationToken).ConfigureAwait(false);
            }
            catch (LogConflictException)
            {
                // another process initialised it first
            }
        }
        else if (head.Size > 0)
        {
            SignedCheckpoint held = SignedCheckpoint.Open(head.Note, log.Keys[0]);
            if (held.Checkpoint.Origin != log.Origin)
            {
                throw new LogFatalException($"The mirror's store holds the log {held.Checkpoint.Origin}, not {log.Origin}.");
            }
        }

        return new Mirror(key, log, store, blobs, pending, artifacts, needsArtifact, time ?? TimeProvider.System);
    }

    /// <summary>The mirror checkpoint (size 0 with an empty note before the first commit).</summary>
    public async Task<StoredCheckpoint> HeadAsync(CancellationToken cancellationToken = default) =>
        await _store.ReadHeadAsync(cancellationToken).ConfigureAwait(false) ?? throw new LogFatalException("The mirror's store lost its head.");

    /// <summary>The pending checkpoint, or null before the first add-checkpoint.</summary>
    public Task<WitnessState?> PendingAsync(CancellationToken cancellationToken = default) => _pending.GetAsync(_log.Origin, cancellationToken);

    /// <summary>The first entry neither in the copy nor pending.</summary>
    public async Task<long> NextEntryAsync(CancellationToken cancellationToken = default)
    {
        long next = (await HeadAsync(cancellationToken).ConfigureAwait(false)).Size;
        while (_pendingEntries.ContainsKey(next))
        {
            next++;
        }

        return next;
    }

    /// <summary>tlog-mirror <c>add-checkpoint</c>: the witness checks, updating the pending checkpoint (never signing).</summary>
    public Task<WitnessResponse> AddCheckpointAsync(ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default) =>
        _checkpoints.AddCheckpointAsync(body, cancellationToken);

    /// <summary>
    /// Keeps entries starting at <paramref name="start"/> as pending (entries already held are skipped; the caller has
    /// authenticated them against the pending checkpoint, and <see cref="CommitAsync"/> checks the root again).
    /// </summary>
    public async Task AcceptEntriesAsync(long start, IReadOnlyList<byte[]> entries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        long head = (await HeadAsync(cancellationToken).ConfigureAwait(false)).Size;
        for (int i = 0; i < entries.Count; i++)
        {
            if (start + i >= head)
            {
                _pendingEntries[start + i] = entries[i];
            }
        }
    }

    /// <summary>
    /// tlog-mirror <c>add-entries</c> (the body read whole, at most <see cref="MaxAddEntriesBytes"/>): the spec's checks
    /// and statuses, each package authenticated by its subtree consistency proof against the checkpoint of size
    /// upload_end before its entries are kept; then, with every package received, <see cref="CommitAsync"/> and the
    /// mirror's cosignature line (200), or 202/409 with <c>text/x.tlog.mirror-info</c>.
    /// </summary>
    public async Task<WitnessResponse> AddEntriesAsync(ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
    {
        if (body.Length > MaxAddEntriesBytes)
        {
            return Text(413, $"request body larger than {MaxAddEntriesBytes} bytes: send fewer packages per request\n");
        }

        if (!AddEntries.TryParseHeader(body.Span, out AddEntries.Header? header, out string? error))
        {
            return Text(400, error + "\n");
        }

        if (header!.Origin != _log.Origin)
        {
            return Text(404, "unknown log origin\n");
        }

        WitnessState? pending = await PendingAsync(cancellationToken).ConfigureAwait(false);
        if (pending is null)
        {
            return Text(422, "no checkpoint of this log was received yet: call add-checkpoint first\n");
        }

        StoredCheckpoint head = await HeadAsync(cancellationToken).ConfigureAwait(false);
        long next = await NextEntryAsync(cancellationToken).ConfigureAwait(false);
        long start = header.UploadStart;
        long end = header.UploadEnd;
        if ((end != pending.Size && end != head.Size) || end < head.Size || start > next || start > end
            || Math.Min(end, next) - start > AddEntries.PackageWidth * AddEntries.MaxPackagesPerRequest)
        {
            return Info(409, pending.Size, next);
        }

        Hash256 root = end == pending.Size ? pending.Root : head.Root;
        long count = AddEntries.PackageCount(start, end);
        int offset = header.PackagesOffset;
        long done = 0;
        for (long i = 0; i < count; i++)
        {
            (long entriesStart, long packageEnd, long subtreeStart) = AddEntries.Package(start, end, i);
            if (!AddEntries.TryReadPackage(body.Span, ref offset, entriesStart, packageEnd, out List<byte[]> entries, out List<byte[]> proof))
            {
                break;
            }

            List<Hash256> leaves = new((int)(packageEnd - subtreeStart));
            if (entriesStart > subtreeStart && !await HeldLeafHashesAsync(subtreeStart, entriesStart, leaves, cancellationToken).ConfigureAwait(false))
            {
                return Info(409, pending.Size, await NextEntryAsync(cancellationToken).ConfigureAwait(false));
            }

            leaves.AddRange(entries.Select(e => Rfc6962.LeafHash(e)));
            Hash256 subtree = MerkleMath.RootFromLeafHashes(leaves);
            if (!MerkleMath.VerifySubtreeConsistency(subtreeStart, packageEnd, end, subtree.Span, root.Span, proof))
            {
                return Text(422, string.Create(CultureInfo.InvariantCulture, $"entry package [{entriesStart}, {packageEnd}): the subtree consistency proof does not verify against the checkpoint of size {end}\n"));
            }

            await AcceptEntriesAsync(entriesStart, entries, cancellationToken).ConfigureAwait(false);
            done++;
        }

        if (count > 0 && done == 0)
        {
            return Text(400, "no complete entry package in the body\n");
        }

        if (done < count)
        {
            return Info(202, end, await NextEntryAsync(cancellationToken).ConfigureAwait(false));
        }

        return await CommitAsync(end, cancellationToken).ConfigureAwait(false) switch
        {
            MirrorCommit.Committed c => new WitnessResponse(200, TextType, c.Cosignature?.ToLine() ?? ""),
            MirrorCommit.Conflict c => Info(409, c.PendingSize, c.NextEntry),
            MirrorCommit.Incomplete c => Info(202, end, c.NextEntry),
            MirrorCommit.ArtifactsMissing a => Text(422, $"the mirror cannot hold every artifact up to size {end}: " + string.Join("; ", a.Failures.Select(f => f.ToString())) + "\n"),
            MirrorCommit.Inconsistent x => Text(422, x.Reason + "\n"),
            _ => throw new System.Diagnostics.UnreachableException(),
        };
    }

    /// <summary>
    /// Moves the mirror checkpoint to the pending checkpoint of size <paramref name="size"/>: needs every entry up to it,
    /// every artifact they commit to (fetched, re-hashed and stored), and the rebuilt tree's root to be the checkpoint's;
    /// then cosigns and commits atomically (never rewinding). One commit at a time.
    /// </summary>
    public async Task<MirrorCommit> CommitAsync(long size, CancellationToken cancellationToken = default)
    {
        await _commit.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            StoredCheckpoint head = await HeadAsync(cancellationToken).ConfigureAwait(false);
            WitnessState? pending = await PendingAsync(cancellationToken).ConfigureAwait(false);
            if (size == head.Size && head.Size > 0)
            {
                return new MirrorCommit.Committed(head, OwnCosignature(head));
            }

            if (pending is null || size != pending.Size || size < head.Size)
            {
                return new MirrorCommit.Conflict(pending?.Size ?? 0, await NextEntryAsync(cancellationToken).ConfigureAwait(false));
            }

            List<LogEntryRecord> records = new((int)Math.Min(size - head.Size, 1 << 20));
            for (long i = head.Size; i < size; i++)
            {
                if (!_pendingEntries.TryGetValue(i, out byte[]? entry))
                {
                    return new MirrorCommit.Incomplete(i);
                }

                records.Add(new LogEntryRecord(i, Rfc6962.LeafHash(entry), EntryIdentity.Of(entry), entry));
            }

            TileEdge edge = await TileEdge.LoadAsync(_store, head.Size, cancellationToken).ConfigureAwait(false);
            List<TileRecord> tiles = edge.Append([.. records.Select(r => r.LeafHash)]);
            if (edge.Root() != pending.Root)
            {
                foreach (LogEntryRecord r in records)
                {
                    _pendingEntries.TryRemove(r.Index, out _);
                }

                return new MirrorCommit.Inconsistent(string.Create(CultureInfo.InvariantCulture,
                    $"the entries [{head.Size}, {size}) on top of the mirror's tree give root {edge.Root().ToBase64()}, not the checkpoint's {pending.Root.ToBase64()}"));
            }

            List<ArtifactFailure> failures = await FetchArtifactsAsync(records, cancellationToken).ConfigureAwait(false);
            if (failures.Count > 0)
            {
                return new MirrorCommit.ArtifactsMissing(new StoredCheckpoint(pending.Size, pending.Root, pending.Note), failures);
            }

            SignedNote note = SignedNote.Parse(pending.Note);
            NoteSignature? cosignature = null;
            if (_key is not null)
            {
                cosignature = _key.Cosign(Encoding.UTF8.GetBytes(note.Text), (ulong)_time.GetUtcNow().ToUnixTimeSeconds());
                note = new SignedNote(note.Text, [.. note.Signatures.Where(s => s.Name != _key.Name), cosignature]);
            }

            StoredCheckpoint next = new(size, pending.Root, note.ToBytes());
            await _store.CommitAsync(new LogCommit(head, records, tiles, next), cancellationToken).ConfigureAwait(false);
            _storedNotCommitted.Clear();
            foreach (LogEntryRecord r in records)
            {
                _pendingEntries.TryRemove(r.Index, out _);
            }

            return new MirrorCommit.Committed(next, cosignature);
        }
        finally
        {
            _commit.Release();
        }
    }

    /// <summary>The artifact of each entry that needs one: held already, or fetched, re-hashed and stored; the failures.</summary>
    private async Task<List<ArtifactFailure>> FetchArtifactsAsync(List<LogEntryRecord> records, CancellationToken cancellationToken)
    {
        List<(LogEntryRecord Record, Hash256 Sha256)> needed = [];
        foreach (LogEntryRecord r in records)
        {
            LogEntry entry;
            try
            {
                entry = LogEntry.Parse(r.Data).Entry;
            }
            catch (NoteFormatException)
            {
                continue; // not an Entente entry: it commits to nothing the mirror can know
            }

            if (_needsArtifact(entry))
            {
                needed.Add((r, entry.Sha256));
            }
        }

        // 1. Each address once, but for what this process stored for an earlier attempt that did not commit (a retry
        // fetches only what failed). What the mirror held before is not looked up one by one (a database read per
        // artifact cost more than fetching it again in a bundle); it is looked up only for an artifact the log no
        // longer serves, so that a mirror holding it still commits.
        HashSet<Hash256> seen = [];
        List<(LogEntryRecord Record, Hash256 Sha256)> missing = [];
        foreach ((LogEntryRecord Record, Hash256 Sha256) item in needed)
        {
            if (seen.Add(item.Sha256) && !_storedNotCommitted.ContainsKey(item.Sha256))
            {
                missing.Add(item);
            }
        }

        // 2. Fetched in bundles of up to BundleSize (a bounded window of requests), then one by one for what a bundle
        // left out (with the log's reason when it refuses). Each artifact is re-hashed and kept only when it is the one
        // an entry commits to, and only then handed to one writer that stores what has arrived in batches (one
        // transaction each, sorted by address so that the inserts walk the index in order) while the fetches go on.
        // Every artifact fetched is stored, also when others failed. The caller commits (and cosigns) only after the
        // writer finished, so a crash mid-batch leaves artifacts stored and the mirror checkpoint where it was.
        ConcurrentBag<ArtifactFailure> failures = [];
        ConcurrentBag<(LogEntryRecord Record, Hash256 Sha256)> single = [];
        Channel<(Hash256 Sha256, byte[] Bytes)> fetched = Channel.CreateBounded<(Hash256, byte[])>(new BoundedChannelOptions(4 * StoreBatch) { SingleReader = true });
        using CancellationTokenSource stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task writer = StoreFetchedAsync(fetched.Reader, stop);
        try
        {
            (LogEntryRecord Record, Hash256 Sha256)[][] bundles = [.. missing.Chunk(BundleSize)];
            await Parallel.ForEachAsync(bundles, new ParallelOptions { MaxDegreeOfParallelism = BundleWindow, CancellationToken = stop.Token }, async (bundle, ct) =>
            {
                Dictionary<Hash256, (LogEntryRecord Record, Hash256 Sha256)> asked = bundle.ToDictionary(b => b.Sha256);
                foreach (byte[] bytes in await _artifacts.GetManyAsync([.. asked.Keys], ct).ConfigureAwait(false))
                {
                    Hash256 h = Hash256.Compute(bytes);
                    if (asked.Remove(h))
                    {
                        await fetched.Writer.WriteAsync((h, bytes), ct).ConfigureAwait(false);
                    }
                }

                foreach ((LogEntryRecord Record, Hash256 Sha256) left in asked.Values)
                {
                    single.Add(left);
                }
            }).ConfigureAwait(false);

            await Parallel.ForEachAsync(single, new ParallelOptions { MaxDegreeOfParallelism = FetchWindow, CancellationToken = stop.Token }, async (item, ct) =>
            {
                ArtifactServed served = await _artifacts.GetAsync(item.Sha256, ct).ConfigureAwait(false);
                if (served.Bytes is null || Hash256.Compute(served.Bytes) != item.Sha256)
                {
                    if (await _blobs.GetCheckedAsync(item.Sha256, ct).ConfigureAwait(false) is not null)
                    {
                        return; // held already (stored for an earlier checkpoint): the log's answer does not matter
                    }

                    failures.Add(new ArtifactFailure(item.Record.Index, item.Record.Data, item.Sha256, served.Bytes, served.Bytes is null ? served.Refusal ?? "not served" : null));
                    return;
                }

                await fetched.Writer.WriteAsync((item.Sha256, served.Bytes), ct).ConfigureAwait(false);
            }).ConfigureAwait(false);
        }
        finally
        {
            fetched.Writer.TryComplete();
            await writer.ConfigureAwait(false);
        }

        // Every entry that commits to a failed artifact is named, in log order.
        HashSet<Hash256> failed = [.. failures.Select(f => f.Sha256)];
        Dictionary<Hash256, ArtifactFailure> first = failures.GroupBy(f => f.Sha256).ToDictionary(g => g.Key, g => g.First());
        return [.. needed.Where(n => failed.Contains(n.Sha256)).Select(n => first[n.Sha256] with { Index = n.Record.Index, Entry = n.Record.Data })];
    }

    /// <summary>
    /// Stores the artifacts as they arrive: whatever has arrived (at most <see cref="StoreBatch"/>) in one transaction,
    /// sorted by SHA-256; until the channel completes.
    /// </summary>
    private async Task StoreFetchedAsync(ChannelReader<(Hash256 Sha256, byte[] Bytes)> arrived, CancellationTokenSource stop)
    {
        try
        {
            List<(Hash256 Sha256, byte[] Bytes)> batch = new(StoreBatch);
            while (await arrived.WaitToReadAsync(stop.Token).ConfigureAwait(false))
            {
                while (batch.Count < StoreBatch && arrived.TryRead(out (Hash256, byte[]) item))
                {
                    batch.Add(item);
                }

                batch.Sort((a, b) => a.Sha256.Span.SequenceCompareTo(b.Sha256.Span));
                await _blobs.PutManyAsync([.. batch.Select(b => (ReadOnlyMemory<byte>)b.Bytes)], stop.Token).ConfigureAwait(false);
                foreach ((Hash256 Sha256, byte[] _) stored in batch)
                {
                    _storedNotCommitted[stored.Sha256] = true;
                }

                batch.Clear();
            }
        }
        catch
        {
            // A store that fails stops the fetches (nothing would take what they fetch); the failure is the pass's.
            await stop.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The leaf hashes of held entries [from, to) (copy or pending); false when one is missing.</summary>
    private async Task<bool> HeldLeafHashesAsync(long from, long to, List<Hash256> leaves, CancellationToken cancellationToken)
    {
        long head = (await HeadAsync(cancellationToken).ConfigureAwait(false)).Size;
        if (from < head)
        {
            long stored = Math.Min(to, head);
            IReadOnlyList<byte[]> entries = await _store.ReadEntriesAsync(from, (int)(stored - from), cancellationToken).ConfigureAwait(false);
            if (entries.Count != stored - from)
            {
                return false;
            }

            leaves.AddRange(entries.Select(e => Rfc6962.LeafHash(e)));
            from = stored;
        }

        for (long i = from; i < to; i++)
        {
            if (!_pendingEntries.TryGetValue(i, out byte[]? entry))
            {
                return false;
            }

            leaves.Add(Rfc6962.LeafHash(entry));
        }

        return true;
    }

    private NoteSignature? OwnCosignature(StoredCheckpoint head) =>
        _key is null ? null : SignedNote.Parse(head.Note).Signatures.FirstOrDefault(s => s.Name == _key.Name && s.KeyId == _key.CosignatureKeyId);

    /// <inheritdoc/>
    public void Dispose() => _commit.Dispose();

    private static WitnessResponse Info(int status, long pendingSize, long next) => new(status, AddEntries.MirrorInfoType, AddEntries.FormatMirrorInfo(pendingSize, next, []));

    private static WitnessResponse Text(int status, string body) => new(status, TextType, body);
}
