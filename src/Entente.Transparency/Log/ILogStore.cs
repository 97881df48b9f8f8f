namespace Entente.Transparency.Log;

/// <summary>
/// Durable storage of one log: its entries, its hash tiles, its latest signed checkpoint and the latest
/// cosigned version of a checkpoint.
/// <para><b>Atomicity.</b> <see cref="CommitAsync"/> applies a whole <see cref="LogCommit"/> (entries, tiles,
/// checkpoint) or nothing.</para>
/// <para><b>Durability.</b> When a write method returns, its effect survives a crash of the process or the
/// machine (SQLite: WAL with synchronous=FULL; PostgreSQL: synchronous commit).</para>
/// <para><b>Concurrency.</b> Readers may run concurrently with each other and with one writer and see only
/// committed states. Writers are serialised by compare-and-swap on the checkpoint: a commit succeeds only
/// if the stored checkpoint is byte-for-byte the one it extends, else it throws
/// <see cref="LogConflictException"/> and changes nothing. Two servers pointed at one store therefore
/// cannot fork the log.</para>
/// <para><b>Errors.</b> Other failures throw <see cref="LogStoreException"/> whose
/// <see cref="LogStoreException.IsTransient"/> says whether a retry can help. A failed write may have
/// landed: callers re-read the head to learn.</para>
/// <para><b>Identities.</b> Each entry is stored with its identity (<see cref="EntryIdentity"/>), indexed for
/// <see cref="FindIdentitiesAsync"/>, and unique among the entries the sequencer writes (a store may enforce it).
/// A store written before entries had identities is migrated by <see cref="CreateSchemaAsync"/>, which computes the
/// identity of every stored entry from its bytes; such a log may hold repeats of an identity, and then
/// <see cref="FindIdentitiesAsync"/> answers the first.</para>
/// </summary>
public interface ILogStore : IAsyncDisposable
{
    /// <summary>Creates the schema if missing, and migrates an older one (idempotent; safe when servers start together).</summary>
    Task CreateSchemaAsync(CancellationToken cancellationToken = default);

    /// <summary>The latest checkpoint, or null when the log was never initialised.</summary>
    Task<StoredCheckpoint?> ReadHeadAsync(CancellationToken cancellationToken = default);

    /// <summary>Stores the first checkpoint (size 0). Throws <see cref="LogConflictException"/> if the log exists.</summary>
    Task InitializeAsync(StoredCheckpoint first, CancellationToken cancellationToken = default);

    /// <summary>Atomically appends entries, writes tiles and replaces the checkpoint, if the head is still <see cref="LogCommit.Expected"/>.</summary>
    Task CommitAsync(LogCommit commit, CancellationToken cancellationToken = default);

    /// <summary>For each of these identities that is logged, the index of the first entry that has it.</summary>
    Task<IReadOnlyDictionary<Hash256, long>> FindIdentitiesAsync(IReadOnlyCollection<Hash256> identities, CancellationToken cancellationToken = default);

    /// <summary>The stored contents of tile (level, index): the latest width written, or null.</summary>
    Task<byte[]?> ReadTileAsync(int level, long index, CancellationToken cancellationToken = default);

    /// <summary>The entries with indexes <c>[start, start+count)</c> that exist, in order.</summary>
    Task<IReadOnlyList<byte[]>> ReadEntriesAsync(long start, int count, CancellationToken cancellationToken = default);

    /// <summary>The latest cosigned checkpoint note, or null.</summary>
    Task<StoredCheckpoint?> ReadCosignedAsync(CancellationToken cancellationToken = default);

    /// <summary>Stores a cosigned checkpoint unless one for a larger tree is stored (then false).</summary>
    Task<bool> WriteCosignedAsync(StoredCheckpoint cosigned, CancellationToken cancellationToken = default);
}

/// <summary>A stored checkpoint: size, root and the signed note bytes.</summary>
/// <param name="Size">Tree size.</param>
/// <param name="Root">Root hash.</param>
/// <param name="Note">The signed note, as served.</param>
public sealed record StoredCheckpoint(long Size, Hash256 Root, byte[] Note)
{
    /// <summary>Byte equality of the notes (and so of size and root).</summary>
    public bool SameAs(StoredCheckpoint? other) => other is not null && Size == other.Size && Note.AsSpan().SequenceEqual(other.Note);
}

/// <summary>One entry to append.</summary>
/// <param name="Index">Its index.</param>
/// <param name="LeafHash">RFC 6962 leaf hash.</param>
/// <param name="Identity">Its identity (<see cref="EntryIdentity"/>), what deduplication compares.</param>
/// <param name="Data">The entry bytes.</param>
public sealed record LogEntryRecord(long Index, Hash256 LeafHash, Hash256 Identity, byte[] Data);

/// <summary>One tile's full current contents.</summary>
/// <param name="Level">Tile level.</param>
/// <param name="Index">Tile index.</param>
/// <param name="Data">Width × 32 bytes.</param>
public sealed record TileRecord(int Level, long Index, byte[] Data);

/// <summary>An integration step: the head it extends, the entries and tiles it writes, the new head.</summary>
/// <param name="Expected">The checkpoint it extends (compare-and-swap).</param>
/// <param name="Entries">Entries with indexes Expected.Size .. Next.Size−1.</param>
/// <param name="Tiles">Tiles changed, with their full new contents.</param>
/// <param name="Next">The new checkpoint.</param>
public sealed record LogCommit(StoredCheckpoint Expected, IReadOnlyList<LogEntryRecord> Entries, IReadOnlyList<TileRecord> Tiles, StoredCheckpoint Next)
{
    /// <summary>
    /// Artifacts the entries commit to, stored in the same transaction (table <c>blobs</c>, keyed by SHA-256, of
    /// the same database; a store that is given blobs must have that table, which <see cref="IBlobStore"/>'s store
    /// of the same database creates). Empty for logs without artifacts.
    /// </summary>
    public IReadOnlyList<byte[]> Blobs { get; init; } = [];
}

/// <summary>A storage failure; <see cref="IsTransient"/> says whether retrying can help.</summary>
public class LogStoreException : Exception
{
    /// <summary>Creates the exception.</summary>
    public LogStoreException(string message, bool isTransient, Exception? innerException = null) : base(message, innerException) => IsTransient = isTransient;

    /// <summary>Creates the exception.</summary>
    public LogStoreException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public LogStoreException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public LogStoreException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>True when a retry may succeed.</summary>
    public bool IsTransient { get; }
}

/// <summary>A lost compare-and-swap: the stored checkpoint is not the one the writer extended. Another writer exists.</summary>
public sealed class LogConflictException : LogStoreException
{
    /// <summary>Creates the exception.</summary>
    public LogConflictException(string message) : base(message, isTransient: false)
    {
    }

    /// <summary>Creates the exception.</summary>
    public LogConflictException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public LogConflictException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

/// <summary>The log must stop: its state is not what it signed (another writer, a rollback, a corrupted store).</summary>
public sealed class LogFatalException : Exception
{
    /// <summary>Creates the exception.</summary>
    public LogFatalException(string message, Exception? innerException = null) : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    public LogFatalException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public LogFatalException(string message) : base(message)
    {
    }
}
