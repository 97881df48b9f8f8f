using Entente.Transparency;

namespace Entente.Exchange.Storage;

/// <summary>
/// Where the exchange keeps its log of accepted envelopes. The exchange owns this contract; the
/// storage projects implement it and one contract suite (tests/Entente.Exchange.Tests/Contract) runs
/// against every implementation.
/// <para><b>Atomicity.</b> <see cref="AppendAsync"/> stores the whole entry or nothing. It is a
/// compare-and-swap on the log size: the entry's <see cref="ExchangeEntry.Index"/> must equal the
/// current number of entries, otherwise <see cref="ExchangeStoreConflictException"/> with
/// <see cref="ExchangeConflict.IndexTaken"/> and nothing changes. The same exception (nothing
/// changed) is raised when the signature, the (sender, nonce) pair or the (object id, version) pair
/// is already stored: these uniqueness rules are enforced by the store itself, not only by callers.</para>
/// <para><b>Durability.</b> When <see cref="AppendAsync"/> returns, the entry survives a crash of the
/// process (for SQLite: the transaction is committed in WAL mode with synchronous=FULL).</para>
/// <para><b>Concurrency.</b> Any number of readers and writers, in one or several processes, may use
/// one store; readers see a prefix of the log (never a gap, never a torn entry); two writers racing
/// for one index: exactly one wins, the other gets <see cref="ExchangeConflict.IndexTaken"/> and
/// may re-validate and retry.</para>
/// <para><b>Immutability.</b> Entries are never updated or deleted.</para>
/// </summary>
public interface IExchangeStore
{
    /// <summary>Number of entries (= index of the next one).</summary>
    Task<long> CountAsync(CancellationToken cancellationToken = default);

    /// <summary>Appends <paramref name="entry"/> at <see cref="ExchangeEntry.Index"/> (compare-and-swap on the size).</summary>
    /// <exception cref="ExchangeStoreConflictException">Index taken, or a uniqueness rule would break; nothing stored.</exception>
    /// <exception cref="ExchangeStoreException">The store failed; <see cref="ExchangeStoreException.IsTransient"/> says whether a retry can help.</exception>
    Task AppendAsync(ExchangeEntry entry, CancellationToken cancellationToken = default);

    /// <summary>The entry at <paramref name="index"/>, or null beyond the end.</summary>
    Task<ExchangeEntry?> GetAsync(long index, CancellationToken cancellationToken = default);

    /// <summary>Up to <paramref name="limit"/> entries from <paramref name="start"/>, ascending.</summary>
    Task<IReadOnlyList<ExchangeEntry>> ReadRangeAsync(long start, int limit, CancellationToken cancellationToken = default);

    /// <summary>Up to <paramref name="limit"/> entries of <paramref name="collection"/> with index &gt; <paramref name="afterIndex"/>, ascending.</summary>
    Task<IReadOnlyList<ExchangeEntry>> ReadCollectionAsync(string collection, long afterIndex, int limit, CancellationToken cancellationToken = default);

    /// <summary>Every entry carrying a version of <paramref name="objectId"/>, ascending.</summary>
    Task<IReadOnlyList<ExchangeEntry>> FindByObjectIdAsync(string objectId, CancellationToken cancellationToken = default);

    /// <summary>Every entry whose object type is one of <paramref name="objectTypes"/>, ascending.</summary>
    Task<IReadOnlyList<ExchangeEntry>> FindByTypesAsync(IReadOnlyCollection<string> objectTypes, CancellationToken cancellationToken = default);

    /// <summary>The entry holding <paramref name="signature"/>, if any.</summary>
    Task<ExchangeEntry?> FindBySignatureAsync(ReadOnlyMemory<byte> signature, CancellationToken cancellationToken = default);

    /// <summary>True when <paramref name="sender"/> already used <paramref name="nonce"/>.</summary>
    Task<bool> NonceUsedAsync(string sender, string nonce, CancellationToken cancellationToken = default);

    /// <summary>Leaf hashes of entries [<paramref name="start"/>, <paramref name="start"/>+<paramref name="limit"/>), ascending.</summary>
    Task<IReadOnlyList<Hash256>> ReadLeafHashesAsync(long start, int limit, CancellationToken cancellationToken = default);
}

/// <summary>Which uniqueness rule an append broke.</summary>
public enum ExchangeConflict
{
    /// <summary>Another entry already holds that index (lost compare-and-swap).</summary>
    IndexTaken,

    /// <summary>That signature is already stored (replay).</summary>
    DuplicateSignature,

    /// <summary>That sender already used that nonce (replay).</summary>
    DuplicateNonce,

    /// <summary>That (object id, version) is already stored.</summary>
    DuplicateVersion,
}

/// <summary>A storage failure.</summary>
public class ExchangeStoreException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ExchangeStoreException(string message, bool isTransient, Exception? inner = null) : base(message, inner) => IsTransient = isTransient;

    /// <summary>Creates the exception.</summary>
    public ExchangeStoreException() : this("Exchange store failure.", false) { }

    /// <summary>Creates the exception.</summary>
    public ExchangeStoreException(string message) : this(message, false) { }

    /// <summary>Creates the exception.</summary>
    public ExchangeStoreException(string message, Exception inner) : this(message, false, inner) { }

    /// <summary>True when retrying the same operation may succeed (busy database, lost connection).</summary>
    public bool IsTransient { get; }
}

/// <summary>An append refused by the store's compare-and-swap or uniqueness rules; nothing was stored.</summary>
public sealed class ExchangeStoreConflictException : ExchangeStoreException
{
    /// <summary>Creates the exception.</summary>
    public ExchangeStoreConflictException(ExchangeConflict conflict, string message)
        : base(message, isTransient: conflict == ExchangeConflict.IndexTaken) => Conflict = conflict;

    /// <summary>Creates the exception.</summary>
    public ExchangeStoreConflictException() : this(ExchangeConflict.IndexTaken, "Conflict.") { }

    /// <summary>Creates the exception.</summary>
    public ExchangeStoreConflictException(string message) : this(ExchangeConflict.IndexTaken, message) { }

    /// <summary>Creates the exception.</summary>
    public ExchangeStoreConflictException(string message, Exception inner) : base(message, true, inner) => Conflict = ExchangeConflict.IndexTaken;

    /// <summary>The rule that was broken.</summary>
    public ExchangeConflict Conflict { get; }
}
