using System.Collections.Concurrent;
using Entente.Exchange.Storage;
using Entente.Transparency;

namespace Entente.Exchange.Sealing;

/// <summary>
/// An exchange store as one reader sees it: every sealed entry the reader can open (<see cref="SealedEnvelope.TryOpen"/>)
/// comes back with <see cref="ExchangeEntry.Opened"/> set, so <see cref="ExchangeService.ReadObject"/>, the
/// <see cref="Assistance.AssistanceTracker"/> and the CLI read it like a plaintext entry; the bytes that are logged and
/// hashed (<see cref="ExchangeEntry.Envelope"/>) are never replaced. Sealed entries it cannot open (not a reader, no
/// key, or an envelope that fails a check) stay sealed, and <see cref="Unopened"/> says why. Writes go to the inner
/// store unchanged. Safe for concurrent use; each entry is opened once.
/// </summary>
public sealed class ReaderView : IExchangeStore
{
    private readonly IExchangeStore _inner;
    private readonly string? _reader;
    private readonly EncryptionKey? _key;
    private readonly Envelopes.PartyRegistry? _parties;
    private readonly ConcurrentDictionary<long, OpenOutcome> _opened = new();
    private readonly ConcurrentDictionary<long, string> _unopened = new();

    /// <summary>Creates the view for <paramref name="readerIdentity"/> holding <paramref name="key"/> (either null: nothing sealed opens).</summary>
    /// <param name="inner">The store.</param>
    /// <param name="readerIdentity">The reader's identity id.</param>
    /// <param name="key">The reader's encryption key.</param>
    /// <param name="parties">When given, a sealed envelope opens only if its outer signature verifies under its sender's registered key (use it whenever the store is not the reader's own).</param>
    public ReaderView(IExchangeStore inner, string? readerIdentity, EncryptionKey? key, Envelopes.PartyRegistry? parties = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _parties = parties;
        _inner = inner;
        _reader = readerIdentity;
        _key = key;
    }

    /// <summary>The sealed entries read so far that did not open, by index, with the reason.</summary>
    public IReadOnlyDictionary<long, string> Unopened => _unopened;

    /// <inheritdoc />
    public Task<long> CountAsync(CancellationToken cancellationToken = default) => _inner.CountAsync(cancellationToken);

    /// <inheritdoc />
    public Task AppendAsync(ExchangeEntry entry, CancellationToken cancellationToken = default) => _inner.AppendAsync(entry, cancellationToken);

    /// <inheritdoc />
    public async Task<ExchangeEntry?> GetAsync(long index, CancellationToken cancellationToken = default) =>
        Open(await _inner.GetAsync(index, cancellationToken).ConfigureAwait(false));

    /// <inheritdoc />
    public async Task<IReadOnlyList<ExchangeEntry>> ReadRangeAsync(long start, int limit, CancellationToken cancellationToken = default) =>
        OpenAll(await _inner.ReadRangeAsync(start, limit, cancellationToken).ConfigureAwait(false));

    /// <inheritdoc />
    public async Task<IReadOnlyList<ExchangeEntry>> ReadCollectionAsync(string collection, long afterIndex, int limit, CancellationToken cancellationToken = default) =>
        OpenAll(await _inner.ReadCollectionAsync(collection, afterIndex, limit, cancellationToken).ConfigureAwait(false));

    /// <inheritdoc />
    public async Task<IReadOnlyList<ExchangeEntry>> FindByObjectIdAsync(string objectId, CancellationToken cancellationToken = default) =>
        OpenAll(await _inner.FindByObjectIdAsync(objectId, cancellationToken).ConfigureAwait(false));

    /// <inheritdoc />
    public async Task<IReadOnlyList<ExchangeEntry>> FindByTypesAsync(IReadOnlyCollection<string> objectTypes, CancellationToken cancellationToken = default) =>
        OpenAll(await _inner.FindByTypesAsync(objectTypes, cancellationToken).ConfigureAwait(false));

    /// <inheritdoc />
    public async Task<ExchangeEntry?> FindBySignatureAsync(ReadOnlyMemory<byte> signature, CancellationToken cancellationToken = default) =>
        Open(await _inner.FindBySignatureAsync(signature, cancellationToken).ConfigureAwait(false));

    /// <inheritdoc />
    public Task<bool> NonceUsedAsync(string sender, string nonce, CancellationToken cancellationToken = default) => _inner.NonceUsedAsync(sender, nonce, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<Hash256>> ReadLeafHashesAsync(long start, int limit, CancellationToken cancellationToken = default) =>
        _inner.ReadLeafHashesAsync(start, limit, cancellationToken);

    private List<ExchangeEntry> OpenAll(IReadOnlyList<ExchangeEntry> entries) => [.. entries.Select(e => Open(e)!)];

    private ExchangeEntry? Open(ExchangeEntry? entry)
    {
        if (entry is null || !entry.IsSealed || entry.Opened is not null)
        {
            return entry;
        }

        OpenOutcome result = _opened.GetOrAdd(entry.Index, _ => TryOpen(entry));
        if (result.Envelope is null)
        {
            _unopened[entry.Index] = result.Problem;
            return entry;
        }

        return entry with { Opened = result.Envelope };
    }

    private OpenOutcome TryOpen(ExchangeEntry entry)
    {
        if (_key is null || _reader is null)
        {
            return new OpenOutcome(null, "no party key given to open sealed messages");
        }

        SealedEnvelope sealedEnvelope;
        try
        {
            sealedEnvelope = SealedEnvelope.Parse(entry.Envelope, int.MaxValue);
        }
        catch (FormatException e)
        {
            return new OpenOutcome(null, "malformed sealed envelope: " + e.Message);
        }

        if (sealedEnvelope.ObjectId != entry.ObjectId || sealedEnvelope.ObjectType != entry.ObjectType || sealedEnvelope.ObjectVersion != entry.ObjectVersion
            || sealedEnvelope.Sender != entry.Sender || sealedEnvelope.Collection != entry.Collection)
        {
            return new OpenOutcome(null, "the sealed envelope does not match its log entry");
        }

        if (_parties is not null && (!_parties.TryGetByKey(sealedEnvelope.PublicKey, out Envelopes.Party? owner) || owner.IdentityRef != sealedEnvelope.Sender || !sealedEnvelope.VerifySignature()))
        {
            return new OpenOutcome(null, "the sealed envelope is not signed by its sender's registered key");
        }

        return sealedEnvelope.TryOpen(_key, _reader, out Envelopes.SignedEnvelope? opened, out string problem)
            ? new OpenOutcome(opened, "")
            : new OpenOutcome(null, problem);
    }

    /// <summary>The outcome of opening one entry (cached: entries are immutable).</summary>
    private sealed record OpenOutcome(Envelopes.SignedEnvelope? Envelope, string Problem);
}
