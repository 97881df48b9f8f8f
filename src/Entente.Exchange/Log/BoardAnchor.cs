using Entente.Exchange.Storage;
using Entente.Transparency;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;

namespace Entente.Exchange.Log;

/// <summary>
/// Where accepted exchange entries are also sequenced, so that one witnessed checkpoint commits to the
/// election and the incident exchange together. <see cref="ExchangeService"/> calls it inside its write
/// lock, after the exchange store's durable append, for every entry not yet anchored (so an anchor that
/// failed once, or a crash between the two appends, is caught up by the next submission).
/// <para>Contract: anchored entries are exactly the store's entries 0 … <see cref="AnchoredCountAsync"/>−1,
/// in index order; <see cref="AnchorAsync"/> is called with index = that count and is idempotent for an
/// entry that is already anchored (the board deduplicates identical entries).</para>
/// </summary>
public interface IExchangeAnchor
{
    /// <summary>How many exchange entries (from index 0) are already anchored.</summary>
    Task<long> AnchoredCountAsync(CancellationToken cancellationToken = default);

    /// <summary>Anchors <paramref name="entry"/>, whose index is <see cref="AnchoredCountAsync"/>.</summary>
    Task AnchorAsync(ExchangeEntry entry, CancellationToken cancellationToken = default);
}

/// <summary>
/// Anchors exchange entries on the election board's log (Entente.Transparency <see cref="Sequencer"/>):
/// each entry becomes one board entry (<see cref="LogEntry"/>, <c>entente.org/entry/v1</c>) of type
/// <c>exchange.&lt;STIX type&gt;</c> whose artifact is the exchange leaf (<see cref="ExchangeEntry.ToLeafBytes"/>,
/// which names the log time, collection, sender, object version and the envelope's SHA-256), signed by
/// the sender's board key. The leaf and the canonical envelope are stored as content-addressed blobs (which the
/// board serves to anyone) only when <see cref="DisclosurePolicy"/> calls the message public: a sealed message, a
/// TLP:RED or TLP:AMBER one, or any message of a collection that is not public leaves only its board entry (type,
/// SHA-256 of the leaf, signature) on the public record, and its readers get the leaf and the envelope through the
/// exchange's authenticated proofs. A reader so goes envelope → (SHA-256) exchange leaf → (SHA-256) board entry →
/// (inclusion proof) the board's witnessed checkpoint. The board entries of these types, in board order, are the
/// exchange's entries in index order.
/// </summary>
public sealed class BoardAnchor : IExchangeAnchor
{
    /// <summary>Prefix of the board entry types of exchange messages.</summary>
    public const string TypePrefix = "exchange.";

    private readonly Sequencer _sequencer;
    private readonly IBlobStore _blobs;
    private readonly Func<ExchangeEntry, Ed25519NoteSigner> _signerFor;
    private readonly Dictionary<string, CollectionDefinition> _collections;
    private long _anchored;

    /// <summary>Creates the anchor.</summary>
    /// <param name="sequencer">The board's sequencer (single writer of the board log).</param>
    /// <param name="blobs">The board's content-addressed blob store.</param>
    /// <param name="signerFor">The board key that signs the entry for its sender (in a deployment, the sender's own key or the operator's submitter key).</param>
    /// <param name="anchored">Exchange entries already on the board, found by content (each message's leaf hash in an entry signed by the anchoring key), never by counting types.</param>
    /// <param name="collections">The exchange's collections, so that messages of a collection that is not public are never published; without them the decision rests on the message alone (a collection that is not public only ever holds sealed messages).</param>
    public BoardAnchor(Sequencer sequencer, IBlobStore blobs, Func<ExchangeEntry, Ed25519NoteSigner> signerFor, long anchored = 0, IEnumerable<CollectionDefinition>? collections = null)
    {
        ArgumentNullException.ThrowIfNull(sequencer);
        ArgumentNullException.ThrowIfNull(blobs);
        ArgumentNullException.ThrowIfNull(signerFor);
        ArgumentOutOfRangeException.ThrowIfNegative(anchored);
        _sequencer = sequencer;
        _blobs = blobs;
        _signerFor = signerFor;
        _anchored = anchored;
        _collections = (collections ?? []).ToDictionary(c => c.Id, StringComparer.Ordinal);
    }

    /// <summary>The board's index of each anchored exchange entry, in exchange order (filled as entries are anchored).</summary>
    public IReadOnlyList<long> BoardIndexes => _boardIndexes;

    private readonly List<long> _boardIndexes = [];

    /// <summary>The board entry type of an exchange message carrying a <paramref name="stixType"/> object.</summary>
    public static string BoardType(string stixType) => TypePrefix + stixType;

    /// <summary>True when a board entry of <paramref name="boardType"/> anchors an exchange message.</summary>
    public static bool IsExchangeType(string? boardType) => boardType is not null && boardType.StartsWith(TypePrefix, StringComparison.Ordinal);

    /// <summary>The board entry (unsigned) that anchors <paramref name="entry"/> for board party <paramref name="party"/>.</summary>
    public static LogEntry BoardEntry(ExchangeEntry entry, string party)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return new LogEntry(BoardType(entry.ObjectType), Hash256.Compute(entry.ToLeafBytes()), party);
    }

    /// <summary>
    /// Counts the exchange entries among the first <paramref name="size"/> board entries, whoever signed them: a
    /// diagnostic, not a way to match messages to entries (a board that let anyone log an <c>exchange.*</c> entry would
    /// shift the count; match by each message's leaf hash and the anchoring key instead).
    /// </summary>
    public static async Task<long> CountOnBoardAsync(ILogStore store, long size, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        long count = 0;
        for (long i = 0; i < size; i += 256)
        {
            IReadOnlyList<byte[]> batch = await store.ReadEntriesAsync(i, (int)Math.Min(256, size - i), cancellationToken).ConfigureAwait(false);
            count += batch.Count(b => LogEntryType(b) is string t && IsExchangeType(t));
        }

        return count;
    }

    /// <inheritdoc />
    public Task<long> AnchoredCountAsync(CancellationToken cancellationToken = default) => Task.FromResult(Interlocked.Read(ref _anchored));

    /// <inheritdoc />
    public async Task AnchorAsync(ExchangeEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.Index != Interlocked.Read(ref _anchored))
        {
            throw new InvalidOperationException($"Exchange entry {entry.Index} is anchored out of order: {_anchored} entries are anchored.");
        }

        Ed25519NoteSigner signer = _signerFor(entry);
        if (IsPublic(entry))
        {
            await _blobs.PutAsync(entry.Envelope, cancellationToken).ConfigureAwait(false);
            await _blobs.PutAsync(entry.ToLeafBytes(), cancellationToken).ConfigureAwait(false);
        }

        AddResult added = await _sequencer.AddAsync(BoardEntry(entry, signer.Name).Sign(signer), cancellationToken).ConfigureAwait(false);
        _boardIndexes.Add(added.Index);
        Interlocked.Increment(ref _anchored);
    }

    /// <summary>True when <paramref name="entry"/>'s leaf and envelope may be published as public blobs.</summary>
    public bool IsPublic(ExchangeEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return DisclosurePolicy.ForEntry(_collections.GetValueOrDefault(entry.Collection), entry).IsPublic;
    }

    private static string? LogEntryType(byte[] bytes)
    {
        try
        {
            return LogEntry.Parse(bytes).Entry.Type;
        }
        catch (NoteFormatException)
        {
            return null;
        }
    }
}
