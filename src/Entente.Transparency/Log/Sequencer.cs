using System.Threading.Channels;
using Entente.Transparency.Merkle;
using Entente.Transparency.Notes;
using Entente.Transparency.Tiles;

namespace Entente.Transparency.Log;

/// <summary>Settings of a <see cref="Sequencer"/>.</summary>
public sealed class SequencerOptions
{
    /// <summary>Largest entry accepted, at most 65,535 bytes (the entry-bundle limit).</summary>
    public int MaxEntrySize { get; init; } = EntryBundle.MaxEntrySize;

    /// <summary>Most entries integrated in one commit.</summary>
    public int MaxBatchSize { get; init; } = 4096;

    /// <summary>Most submissions waiting; further <c>AddAsync</c> calls wait (back-pressure).</summary>
    public int MaxPending { get; init; } = 65536;

    /// <summary>
    /// Group commit: after a commit completes, how long the next batch may wait for the submitters that commit
    /// answered, while fewer entries are queued than submitters are waiting. Zero turns the wait off. Default 3 ms.
    /// </summary>
    public TimeSpan GroupCommitWait { get; init; } = TimeSpan.FromMilliseconds(3);

    /// <summary>First delay before retrying a failed commit (doubles up to 2 s).</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(20);
}

/// <summary>The result of an add: the entry's index, and whether it was already in the log.</summary>
/// <param name="Index">The entry's index.</param>
/// <param name="Duplicate">True when an entry of the same identity (<see cref="EntryIdentity"/>) was already sequenced (its index is returned).</param>
public readonly record struct AddResult(long Index, bool Duplicate);

/// <summary>
/// The log's single writer. Concurrent <see cref="AddAsync(ReadOnlyMemory{byte}, CancellationToken)"/> calls are batched; each batch is deduplicated
/// (an entry whose identity, <see cref="EntryIdentity"/>, is logged or earlier in the batch gets the index of the
/// first: a signed note with other signature lines is the same entry), appended to the tiles, given a signed checkpoint and
/// committed to the store in one compare-and-swap. An add completes only once its entry is durably
/// committed. A signed batch is retried until the store shows it committed — never replaced by a different
/// one — so the log never signs two inconsistent checkpoints. If the store shows a head the sequencer did
/// not write, it stops with <see cref="LogFatalException"/>.
/// </summary>
public sealed class Sequencer : IAsyncDisposable
{
    private readonly ILogStore _store;
    private readonly Ed25519NoteSigner _signer;
    private readonly string _origin;
    private readonly SequencerOptions _options;
    private readonly TimeProvider _time;
    private readonly Channel<Pending> _queue;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private TileEdge _edge;
    private volatile StoredCheckpoint _head;
    private volatile Exception? _fatal;
    private int _waiting;
    private TaskCompletionSource<StoredCheckpoint> _nextHead = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed record Pending(byte[] Entry, Hash256 LeafHash, Hash256 Identity, TaskCompletionSource<AddResult> Done, byte[]? Artifact = null);

    private Sequencer(ILogStore store, Ed25519NoteSigner signer, string origin, SequencerOptions options, TimeProvider time, StoredCheckpoint head, TileEdge edge)
    {
        _store = store;
        _signer = signer;
        _origin = origin;
        _options = options;
        _time = time;
        _head = head;
        _edge = edge;
        _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(options.MaxPending) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _loop = Task.Run(RunAsync);
    }

    /// <summary>The latest committed checkpoint.</summary>
    public StoredCheckpoint Head => _head;

    /// <summary>The fatal error that stopped the sequencer, if any.</summary>
    public Exception? Fatal => _fatal;

    /// <summary>Entries submitted to <see cref="AddAsync(ReadOnlyMemory{byte}, CancellationToken)"/> and not yet committed (queued or in the batch being written).</summary>
    public int QueueDepth => Volatile.Read(ref _waiting);

    /// <summary>Creates the log's first (empty) checkpoint in <paramref name="store"/>.</summary>
    public static async Task<StoredCheckpoint> InitializeLogAsync(ILogStore store, Ed25519NoteSigner signer, string origin, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(signer);
        await store.CreateSchemaAsync(cancellationToken).ConfigureAwait(false);
        StoredCheckpoint first = Sign(signer, new Checkpoint(origin, 0, Rfc6962.EmptyRoot));
        await store.InitializeAsync(first, cancellationToken).ConfigureAwait(false);
        return first;
    }

    /// <summary>
    /// Starts the sequencer on an initialised store: reads the head, checks it is signed by
    /// <paramref name="signer"/> for <paramref name="origin"/>, rebuilds the tile edge and checks its root.
    /// </summary>
    public static async Task<Sequencer> StartAsync(ILogStore store, Ed25519NoteSigner signer, string origin, SequencerOptions? options = null,
        TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(signer);
        options ??= new SequencerOptions();
        if (options.MaxEntrySize is < 1 or > EntryBundle.MaxEntrySize)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"MaxEntrySize must be 1..{EntryBundle.MaxEntrySize}.");
        }

        StoredCheckpoint head = await store.ReadHeadAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new LogFatalException("The log store holds no log; initialise it first (entente log init).");
        SignedCheckpoint signed = SignedCheckpoint.Open(head.Note, signer.Verifier);
        if (signed.Checkpoint.Origin != origin || signed.Checkpoint.Size != head.Size || signed.Checkpoint.Root != head.Root)
        {
            throw new LogFatalException($"The stored checkpoint is for {signed.Checkpoint.Origin} at size {signed.Checkpoint.Size}, not the log {origin}.");
        }

        TileEdge edge = await TileEdge.LoadAsync(store, head.Size, cancellationToken).ConfigureAwait(false);
        if (edge.Root() != head.Root)
        {
            throw new LogFatalException($"The stored tiles give root {edge.Root()} but the checkpoint at size {head.Size} says {head.Root}.");
        }

        return new Sequencer(store, signer, origin, options, time ?? TimeProvider.System, head, edge);
    }

    /// <summary>
    /// Submits an entry and returns its index once it is durably committed under a signed checkpoint.
    /// An entry of the same identity (<see cref="EntryIdentity"/>) already in the log returns the existing index.
    /// </summary>
    public Task<AddResult> AddAsync(ReadOnlyMemory<byte> entry, CancellationToken cancellationToken = default)
        => AddAsync(entry, null, cancellationToken);

    /// <summary>
    /// Submits an entry with the artifact it commits to: both are stored in the batch's one transaction
    /// (<see cref="LogCommit.Blobs"/>), so a batch of entries and artifacts costs one durable write, and no entry is
    /// ever committed without its artifact. An entry already in the log returns the existing index and stores nothing
    /// (its artifact was stored with it); the caller stores the artifact itself when it must be sure.
    /// </summary>
    public async Task<AddResult> AddAsync(ReadOnlyMemory<byte> entry, ReadOnlyMemory<byte>? artifact, CancellationToken cancellationToken = default)
    {
        Task<AddResult> committed = await EnqueueAsync(entry, artifact, cancellationToken).ConfigureAwait(false);
        return await committed.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Queues an entry (and the artifact it commits to, as <see cref="AddAsync(ReadOnlyMemory{byte}, ReadOnlyMemory{byte}?, CancellationToken)"/>)
    /// and returns once it holds its place in the queue, with a task that completes when it is durably committed. Entries
    /// queued one after another by one caller are sequenced in that order, so a caller that checks rules in order (the
    /// board, under its gate) can queue an entry, go on checking the next one, and wait for both commits together: one
    /// durable write for the lot. Once queued an entry is committed whatever becomes of the caller; the returned task is
    /// not cancellable. It faults with <see cref="LogFatalException"/> when the log stops first.
    /// </summary>
    public async Task<Task<AddResult>> EnqueueAsync(ReadOnlyMemory<byte> entry, ReadOnlyMemory<byte>? artifact, CancellationToken cancellationToken = default)
    {
        if (entry.Length == 0 || entry.Length > _options.MaxEntrySize)
        {
            throw new ArgumentException($"An entry is 1..{_options.MaxEntrySize} bytes; this one is {entry.Length}.", nameof(entry));
        }

        ThrowIfFatal();
        byte[] copy = entry.ToArray();
        // The identity is computed here, on the submitter's thread, so that the single writer only looks it up.
        Pending pending = new(copy, Rfc6962.LeafHash(copy), EntryIdentity.Of(copy), new TaskCompletionSource<AddResult>(TaskCreationOptions.RunContinuationsAsynchronously), artifact?.ToArray());
        Interlocked.Increment(ref _waiting);
        try
        {
            await _queue.Writer.WriteAsync(pending, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            Interlocked.Decrement(ref _waiting);
            ThrowIfFatal();
            throw new ObjectDisposedException(nameof(Sequencer), "The sequencer is stopped.");
        }
        catch
        {
            Interlocked.Decrement(ref _waiting);
            throw;
        }

        return CommittedAsync(pending.Done.Task);
    }

    private async Task<AddResult> CommittedAsync(Task<AddResult> done)
    {
        try
        {
            return await done.ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
    }

    /// <summary>Completes when a checkpoint larger than <paramref name="size"/> is committed.</summary>
    public async Task<StoredCheckpoint> WaitForSizeAboveAsync(long size, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task<StoredCheckpoint> next = Volatile.Read(ref _nextHead).Task;
            StoredCheckpoint head = _head;
            if (head.Size > size)
            {
                return head;
            }

            await next.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private void ThrowIfFatal()
    {
        if (_fatal is not null)
        {
            throw new LogFatalException("The log has stopped: " + _fatal.Message, _fatal);
        }
    }

    private async Task RunAsync()
    {
        CancellationToken stop = _stop.Token;
        List<Pending> batch = [];
        InFlight? current = null;
        try
        {
            while (true)
            {
                batch = await GatherAsync(current, stop).ConfigureAwait(false);
                if (batch.Count == 0)
                {
                    break;
                }

                // Deduplicate against the store while the previous batch commits: the lookup sees every
                // batch before it, and the previous batch's own entries are checked from memory below.
                Dictionary<Hash256, long> inBatch = [];
                List<Hash256> unique = [];
                foreach (Pending p in batch)
                {
                    if (inBatch.TryAdd(p.Identity, -1))
                    {
                        unique.Add(p.Identity);
                    }
                }

                IReadOnlyDictionary<Hash256, long> existing = await RetryAsync(ct => _store.FindIdentitiesAsync(unique, ct), stop).ConfigureAwait(false);
                IReadOnlyDictionary<Hash256, long>? previous = null;
                if (current is not null)
                {
                    await current.Committed.ConfigureAwait(false);
                    previous = current.Indexes;
                    current = null;
                }

                current = Prepare(batch, inBatch, existing, previous, stop);
            }

            if (current is not null)
            {
                await current.Committed.ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            Exception stopped = new ObjectDisposedException(nameof(Sequencer), "The sequencer was stopped before the entry was committed.");
            await SettleAsync(current).ConfigureAwait(false);
            Fail(current, batch, stopped);
            DrainQueue(stopped);
        }
        catch (LogFatalException e)
        {
            _fatal = e;
            Fail(current, batch, e);
            DrainQueue(e);
        }
    }

    /// <summary>
    /// Waits for at least one submission, then for up to <see cref="SequencerOptions.GroupCommitWait"/> after the
    /// commit in flight completes while fewer entries are queued than there are submitters waiting (adaptive group
    /// commit: the submitters answered by that commit usually come back at once). Empty when the queue is closed.
    /// </summary>
    private async Task<List<Pending>> GatherAsync(InFlight? current, CancellationToken stop)
    {
        List<Pending> batch = [];
        if (!await _queue.Reader.WaitToReadAsync(stop).ConfigureAwait(false))
        {
            return batch;
        }

        int target = Math.Min(_options.MaxBatchSize, Volatile.Read(ref _waiting));
        Drain(batch);
        if (current is null || batch.Count >= target || _options.GroupCommitWait <= TimeSpan.Zero)
        {
            return batch;
        }

        Task? lingerEnd = null;
        while (batch.Count < target)
        {
            Task deadline;
            if (!current.Committed.IsCompleted)
            {
                deadline = current.Committed;
            }
            else
            {
                lingerEnd ??= Task.Delay(_options.GroupCommitWait, _time, stop);
                deadline = lingerEnd;
            }

            if (_queue.Reader.TryPeek(out _))
            {
                Drain(batch);
                continue;
            }

            Task<bool> more = _queue.Reader.WaitToReadAsync(stop).AsTask();
            if (await Task.WhenAny(more, deadline).ConfigureAwait(false) != more)
            {
                if (deadline == lingerEnd || current.Committed.IsFaulted)
                {
                    break;
                }

                continue;
            }

            if (!await more.ConfigureAwait(false))
            {
                break;
            }

            Drain(batch);
        }

        stop.ThrowIfCancellationRequested();
        return batch;

        void Drain(List<Pending> into)
        {
            while (into.Count < _options.MaxBatchSize && _queue.Reader.TryRead(out Pending? p))
            {
                into.Add(p);
            }
        }
    }

    /// <summary>Assigns indexes, extends a copy of the edge, signs, and starts the commit (which answers the batch).</summary>
    private InFlight Prepare(List<Pending> batch, Dictionary<Hash256, long> inBatch, IReadOnlyDictionary<Hash256, long> existing,
        IReadOnlyDictionary<Hash256, long>? previous, CancellationToken stop)
    {
        StoredCheckpoint head = _head;
        List<LogEntryRecord> entries = [];
        List<byte[]> blobs = [];
        long[] results = new long[batch.Count];
        bool[] duplicate = new bool[batch.Count];
        long next = head.Size;
        for (int i = 0; i < batch.Count; i++)
        {
            Pending p = batch[i];
            if (existing.TryGetValue(p.Identity, out long old) || (previous is not null && previous.TryGetValue(p.Identity, out old)))
            {
                (results[i], duplicate[i]) = (old, true);
            }
            else if (inBatch[p.Identity] >= 0)
            {
                (results[i], duplicate[i]) = (inBatch[p.Identity], true);
            }
            else
            {
                inBatch[p.Identity] = next;
                entries.Add(new LogEntryRecord(next, p.LeafHash, p.Identity, p.Entry));
                if (p.Artifact is not null)
                {
                    blobs.Add(p.Artifact);
                }

                results[i] = next++;
            }
        }

        Dictionary<Hash256, long> indexes = [];
        foreach (LogEntryRecord e in entries)
        {
            indexes[e.Identity] = e.Index;
        }

        if (entries.Count == 0)
        {
            Answer(batch, results, duplicate);
            return new InFlight(Task.CompletedTask, batch, indexes);
        }

        TileEdge edge = _edge.Clone();
        List<Hash256> leaves = new(entries.Count);
        foreach (LogEntryRecord e in entries)
        {
            leaves.Add(e.LeafHash);
        }

        List<TileRecord> tiles = edge.Append(leaves);
        StoredCheckpoint signed = Sign(_signer, new Checkpoint(_origin, edge.Size, edge.Root()));
        Task committed = CommitAndAnswerAsync(new LogCommit(head, entries, tiles, signed) { Blobs = blobs }, edge, batch, results, duplicate, stop);
        return new InFlight(committed, batch, indexes);
    }

    private async Task CommitAndAnswerAsync(LogCommit commit, TileEdge edge, List<Pending> batch, long[] results, bool[] duplicate, CancellationToken stop)
    {
        try
        {
            await CommitUntilKnownAsync(commit, stop).ConfigureAwait(false);
        }
        catch (LogFatalException e)
        {
            // Answer this batch now and close the queue; the loop sees the same exception when it awaits this commit.
            _fatal = e;
            FailAll(batch, e);
            _queue.Writer.TryComplete();
            throw;
        }

        _edge = edge;
        _head = commit.Next;
        TaskCompletionSource<StoredCheckpoint> fired = Interlocked.Exchange(ref _nextHead, new TaskCompletionSource<StoredCheckpoint>(TaskCreationOptions.RunContinuationsAsynchronously));
        fired.TrySetResult(commit.Next);
        Answer(batch, results, duplicate);
    }

    private static void Answer(List<Pending> batch, long[] results, bool[] duplicate)
    {
        for (int i = 0; i < batch.Count; i++)
        {
            batch[i].Done.TrySetResult(new AddResult(results[i], duplicate[i]));
        }
    }

    /// <summary>Lets a commit in flight finish (it stops at the cancellation) so the store is not disposed under it.</summary>
    private static async Task SettleAsync(InFlight? current)
    {
        if (current is null)
        {
            return;
        }

        try
        {
            await current.Committed.ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or LogFatalException or LogStoreException)
        {
            // Its submitters are failed below; the store's head tells what landed.
        }
    }

    private static void Fail(InFlight? current, List<Pending> batch, Exception e)
    {
        if (current is not null)
        {
            FailAll(current.Batch, e);
        }

        FailAll(batch, e);
    }

    /// <summary>A batch whose commit is under way; <see cref="Indexes"/> maps its new entries' identities to their indexes.</summary>
    private sealed record InFlight(Task Committed, List<Pending> Batch, Dictionary<Hash256, long> Indexes);

    private async Task CommitUntilKnownAsync(LogCommit commit, CancellationToken stop)
    {
        TimeSpan delay = _options.RetryDelay;
        while (true)
        {
            Exception failure;
            try
            {
                await _store.CommitAsync(commit, stop).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception e) when (e is not LogFatalException)
            {
                failure = e;
            }

            // The write may have landed. The stored head decides: ours (done), the old one (retry the same
            // signed commit), or anything else (another writer or a rollback: stop).
            StoredCheckpoint? now = await RetryAsync(ct => _store.ReadHeadAsync(ct), stop).ConfigureAwait(false);
            if (commit.Next.SameAs(now))
            {
                return;
            }

            if (!commit.Expected.SameAs(now))
            {
                throw new LogFatalException(
                    $"The store's checkpoint (size {now?.Size}) is neither the one this sequencer extended (size {commit.Expected.Size}) nor the one it wrote (size {commit.Next.Size}); another writer or a rollback.",
                    failure);
            }

            if (failure is LogStoreException { IsTransient: false })
            {
                // Not landed, and the store says a retry cannot help (a constraint, a corrupt file): stop rather
                // than retry forever.
                throw new LogFatalException($"The store refused the commit up to size {commit.Next.Size} permanently: {failure.Message}", failure);
            }

            await Task.Delay(delay, _time, stop).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
        }
    }

    private async Task<T> RetryAsync<T>(Func<CancellationToken, Task<T>> read, CancellationToken stop)
    {
        TimeSpan delay = _options.RetryDelay;
        while (true)
        {
            try
            {
                return await read(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception e) when (e is not LogFatalException and not OperationCanceledException)
            {
                _ = e;
                await Task.Delay(delay, _time, stop).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
            }
        }
    }

    internal static StoredCheckpoint Sign(Ed25519NoteSigner signer, Checkpoint checkpoint)
    {
        byte[] note = signer.SignNote(checkpoint.ToText()).ToBytes();
        return new StoredCheckpoint(checkpoint.Size, checkpoint.Root, note);
    }

    private static void FailAll(List<Pending> batch, Exception e)
    {
        foreach (Pending p in batch)
        {
            p.Done.TrySetException(e);
        }
    }

    private void DrainQueue(Exception e)
    {
        _queue.Writer.TryComplete();
        while (_queue.Reader.TryRead(out Pending? p))
        {
            p.Done.TrySetException(e);
        }
    }

    /// <summary>Stops the sequencer; pending adds fail.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    /// <summary>The origin line this sequencer signs.</summary>
    public string Origin => _origin;
}
