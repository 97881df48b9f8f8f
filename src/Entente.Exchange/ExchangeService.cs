using System.Text.Json;
using Entente.Exchange.Envelopes;
using Entente.Exchange.Storage;
using Entente.Exchange.Stix;

namespace Entente.Exchange;

/// <summary>The result of a submission.</summary>
/// <param name="Entry">The log entry holding the object.</param>
/// <param name="AlreadyPresent">True when this exact object version was already in the log (TAXII 2.1 §5.4: not an error); nothing new was stored.</param>
public sealed record ExchangeReceipt(ExchangeEntry Entry, bool AlreadyPresent);

/// <summary>
/// The write path of the exchange: checks a signed envelope and appends it to the log. Checks, in
/// order (each failure is an <see cref="ExchangeRejectedException"/> and nothing is stored):
/// size; envelope syntax; the key is registered; the key's party is the sender; signature; clock
/// skew against the injected <see cref="TimeProvider"/>; collection and write right; STIX 2.1
/// validity under the collection's policy; created_by_ref is the sender; replay (signature, nonce);
/// STIX versioning (§3.6: only the creator versions, strictly later modified, nothing after
/// revocation, marking definitions never versioned, same (id, version) with other content is
/// equivocation); the request-for-assistance protocol. The append is a compare-and-swap on the log
/// size, re-validated on a lost race, so concurrent writers never break these rules.
/// </summary>
public sealed class ExchangeService : IDisposable
{
    private readonly IExchangeStore _store;
    private readonly PartyRegistry _parties;
    private readonly Dictionary<string, CollectionDefinition> _collections;
    private readonly TimeProvider _time;
    private readonly ExchangeOptions _options;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Log.IExchangeAnchor? _anchor;

    /// <summary>Creates the service.</summary>
    /// <param name="store">The exchange store.</param>
    /// <param name="parties">The registered parties.</param>
    /// <param name="collections">The TAXII collections.</param>
    /// <param name="time">The log's clock.</param>
    /// <param name="options">Limits; defaults when null.</param>
    /// <param name="anchor">Where every accepted entry is also sequenced (the election board's log), or null for the exchange's own log only.</param>
    public ExchangeService(IExchangeStore store, PartyRegistry parties, IEnumerable<CollectionDefinition> collections, TimeProvider time, ExchangeOptions? options = null, Log.IExchangeAnchor? anchor = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(parties);
        ArgumentNullException.ThrowIfNull(collections);
        ArgumentNullException.ThrowIfNull(time);
        _store = store;
        _parties = parties;
        _collections = collections.ToDictionary(c => c.Id, StringComparer.Ordinal);
        _time = time;
        _options = options ?? new ExchangeOptions();
        _anchor = anchor;
    }

    /// <summary>The registered parties.</summary>
    public PartyRegistry Parties => _parties;

    /// <summary>The collections.</summary>
    public IReadOnlyCollection<CollectionDefinition> Collections => _collections.Values;

    /// <summary>The store.</summary>
    public IExchangeStore Store => _store;

    /// <summary>The clock.</summary>
    public TimeProvider Time => _time;

    /// <summary>Checks and appends an envelope received as JSON bytes.</summary>
    /// <exception cref="ExchangeRejectedException">Refused; nothing stored.</exception>
    public async Task<ExchangeReceipt> SubmitAsync(ReadOnlyMemory<byte> envelopeJson, CancellationToken cancellationToken = default)
    {
        if (envelopeJson.Length > _options.MaxEnvelopeBytes)
        {
            throw new ExchangeRejectedException(ExchangeRejection.Oversized,
                $"The envelope is {envelopeJson.Length} bytes; the limit is {_options.MaxEnvelopeBytes} bytes. Send large evidence as an artifact referenced by hash.");
        }

        SignedEnvelope envelope;
        try
        {
            envelope = SignedEnvelope.Parse(envelopeJson.Span, _options.MaxEnvelopeBytes);
        }
        catch (FormatException e)
        {
            throw new ExchangeRejectedException(ExchangeRejection.Malformed, "Malformed envelope: " + e.Message, null, e);
        }

        return await SubmitAsync(envelope, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Checks and appends a parsed envelope.</summary>
    /// <exception cref="ExchangeRejectedException">Refused; nothing stored.</exception>
    public async Task<ExchangeReceipt> SubmitAsync(SignedEnvelope envelope, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        Party sender = Authenticate(envelope);
        CollectionDefinition collection = Authorise(envelope, sender);
        StixObject stixObject = envelope.Payload;
        IReadOnlyList<StixValidationError> errors = StixValidator.Validate(stixObject, collection.Policy);
        if (errors.Count > 0)
        {
            throw new ExchangeRejectedException(ExchangeRejection.InvalidStix,
                $"{stixObject.Type} {stixObject.Id} is not valid STIX 2.1: {string.Join("; ", errors.Take(10))}{(errors.Count > 10 ? $" (and {errors.Count - 10} more)" : "")}", errors);
        }

        CheckAttribution(stixObject, sender);

        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            for (int attempt = 1; ; attempt++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                ExchangeEntry? existing = await CheckAgainstLogAsync(envelope, cancellationToken).ConfigureAwait(false);
                if (existing is not null)
                {
                    return new ExchangeReceipt(existing, AlreadyPresent: true);
                }

                long index = await _store.CountAsync(cancellationToken).ConfigureAwait(false);
                DateTimeOffset now = TruncateToMicroseconds(_time.GetUtcNow());
                if (index > 0)
                {
                    ExchangeEntry? last = await _store.GetAsync(index - 1, cancellationToken).ConfigureAwait(false);
                    if (last is not null && last.LoggedAt > now)
                    {
                        now = last.LoggedAt; // log time never goes backwards along the log
                    }
                }

                ExchangeEntry entry = new(index, now, envelope.Collection, envelope.Sender, stixObject.Id, stixObject.Type,
                    StixTypes.IsObservable(stixObject.Type) ? null : stixObject.Version, envelope.ToCanonicalJson(), envelope.Signature, envelope.Nonce);
                try
                {
                    await _store.AppendAsync(entry, cancellationToken).ConfigureAwait(false);
                }
                catch (ExchangeStoreConflictException e) when (e.Conflict == ExchangeConflict.IndexTaken && attempt < _options.MaxAppendAttempts)
                {
                    // Another writer appended first: re-validate against the longer log and retry.
                    continue;
                }
                catch (ExchangeStoreConflictException e) when (e.Conflict is ExchangeConflict.DuplicateSignature or ExchangeConflict.DuplicateNonce)
                {
                    throw new ExchangeRejectedException(ExchangeRejection.Replay, "Replayed envelope: " + e.Message, null, e);
                }

                await AnchorPendingAsync(cancellationToken).ConfigureAwait(false);
                return new ExchangeReceipt(entry, AlreadyPresent: false);
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// Sequences on the anchor every stored entry it does not hold yet, in index order (called after each
    /// append, so an earlier failure or a crash between the two appends is caught up). Call it once at
    /// start-up too. Without an anchor it does nothing.
    /// </summary>
    public async Task AnchorPendingAsync(CancellationToken cancellationToken = default)
    {
        if (_anchor is null)
        {
            return;
        }

        long count = await _store.CountAsync(cancellationToken).ConfigureAwait(false);
        for (long next = await _anchor.AnchoredCountAsync(cancellationToken).ConfigureAwait(false); next < count; next++)
        {
            ExchangeEntry pending = await _store.GetAsync(next, cancellationToken).ConfigureAwait(false)
                                    ?? throw new ExchangeStoreException($"Entry {next} vanished from the store.", false);
            await _anchor.AnchorAsync(pending, cancellationToken).ConfigureAwait(false);
        }
    }

    private Party Authenticate(SignedEnvelope envelope)
    {
        if (!_parties.TryGetByKey(envelope.PublicKey, out Party? keyOwner))
        {
            throw new ExchangeRejectedException(ExchangeRejection.UnregisteredKey,
                $"The envelope is signed with key {Convert.ToBase64String(envelope.PublicKey)}, which no registered party holds.");
        }

        if (!string.Equals(keyOwner.IdentityRef, envelope.Sender, StringComparison.Ordinal))
        {
            string claimed = _parties.TryGetByIdentity(envelope.Sender, out Party? claimedParty) ? claimedParty.Name : envelope.Sender;
            throw new ExchangeRejectedException(ExchangeRejection.SignedForAnotherParty,
                $"The envelope claims to come from {claimed} but is signed with the key of {keyOwner.Name}: a party can only send as itself.");
        }

        if (!envelope.VerifySignature())
        {
            throw new ExchangeRejectedException(ExchangeRejection.BadSignature,
                $"The signature of the envelope from {keyOwner.Name} does not verify: the envelope was altered or signed over other bytes.");
        }

        DateTimeOffset sentAt = StixTimestamp.Parse(envelope.SentAt, "sent_at");
        DateTimeOffset now = _time.GetUtcNow();
        TimeSpan skew = (sentAt - now).Duration();
        if (skew > _options.MaxClockSkew)
        {
            throw new ExchangeRejectedException(ExchangeRejection.ClockSkew,
                $"sent_at {envelope.SentAt} is {skew.TotalSeconds:F0} s from the log's clock ({StixTimestamp.FormatMicroseconds(now)}); the bound is {_options.MaxClockSkew.TotalSeconds:F0} s. Check the sender's clock.");
        }

        return keyOwner;
    }

    private CollectionDefinition Authorise(SignedEnvelope envelope, Party sender)
    {
        if (!_collections.TryGetValue(envelope.Collection, out CollectionDefinition? collection))
        {
            throw new ExchangeRejectedException(ExchangeRejection.UnknownCollection, $"There is no collection {envelope.Collection}.");
        }

        if (!collection.CanWrite(sender.IdentityRef))
        {
            throw new ExchangeRejectedException(ExchangeRejection.Forbidden, $"{sender.Name} may not write to collection \"{collection.Title}\".");
        }

        if (envelope.Recipient is not null && !_parties.TryGetByIdentity(envelope.Recipient, out _))
        {
            throw new ExchangeRejectedException(ExchangeRejection.Protocol, $"recipient {envelope.Recipient} is not a registered party.");
        }

        return collection;
    }

    private static void CheckAttribution(StixObject stixObject, Party sender)
    {
        if (StixTypes.IsObservable(stixObject.Type))
        {
            return; // SCOs have no creator (§6); they are attributed by the envelope.
        }

        if (stixObject.CreatedByRef is null)
        {
            if (stixObject.Type == "identity" && stixObject.Id == sender.IdentityRef)
            {
                return; // a party publishing its own identity
            }

            throw new ExchangeRejectedException(ExchangeRejection.Misattributed,
                $"{stixObject.Id}: property 'created_by_ref' is required in the exchange and must be the sender {sender.IdentityRef}.");
        }

        if (!string.Equals(stixObject.CreatedByRef, sender.IdentityRef, StringComparison.Ordinal))
        {
            throw new ExchangeRejectedException(ExchangeRejection.Misattributed,
                $"{stixObject.Id}: property 'created_by_ref' is {stixObject.CreatedByRef}, but the sender is {sender.Name} ({sender.IdentityRef}). Others' objects are answered with a note, opinion or derived-from relationship, never re-sent as one's own.");
        }
    }

    /// <summary>Replay, versioning and protocol checks against the log. Returns the stored entry for an exact duplicate.</summary>
    private async Task<ExchangeEntry?> CheckAgainstLogAsync(SignedEnvelope envelope, CancellationToken cancellationToken)
    {
        ExchangeEntry? sameSignature = await _store.FindBySignatureAsync(envelope.Signature, cancellationToken).ConfigureAwait(false);
        if (sameSignature is not null)
        {
            throw new ExchangeRejectedException(ExchangeRejection.Replay,
                $"Replayed envelope: the same signature is already in the log at index {sameSignature.Index}.");
        }

        if (await _store.NonceUsedAsync(envelope.Sender, envelope.Nonce, cancellationToken).ConfigureAwait(false))
        {
            throw new ExchangeRejectedException(ExchangeRejection.Replay, "Replayed envelope: the sender already used this nonce.");
        }

        StixObject stixObject = envelope.Payload;
        IReadOnlyList<ExchangeEntry> versions = await _store.FindByObjectIdAsync(stixObject.Id, cancellationToken).ConfigureAwait(false);
        if (versions.Count > 0)
        {
            ExchangeEntry? duplicate = await CheckVersioningAsync(stixObject, envelope.Sender, versions).ConfigureAwait(false);
            if (duplicate is not null)
            {
                return duplicate;
            }
        }

        await Assistance.AssistanceProtocol.CheckAsync(_store, _parties, envelope, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        return null;
    }

    private static Task<ExchangeEntry?> CheckVersioningAsync(StixObject stixObject, string sender, IReadOnlyList<ExchangeEntry> versions)
    {
        // Exact duplicate of a stored version: no-op (TAXII 2.1 §5.4); other content: equivocation.
        foreach (ExchangeEntry version in versions)
        {
            if (string.Equals(version.ObjectVersion, StixTypes.IsObservable(stixObject.Type) ? null : stixObject.Version, StringComparison.Ordinal))
            {
                StixObject stored = SignedEnvelope.Parse(version.Envelope, int.MaxValue).Payload;
                if (stored.Canonical.Span.SequenceEqual(stixObject.Canonical.Span))
                {
                    return Task.FromResult<ExchangeEntry?>(version);
                }

                throw new ExchangeRejectedException(ExchangeRejection.Equivocation,
                    $"{stixObject.Id} version {stixObject.Version ?? "-"} is already in the log at index {version.Index} with different content: one version has one content (STIX 2.1 §3.6).");
            }
        }

        if (StixTypes.IsObservable(stixObject.Type))
        {
            throw new ExchangeRejectedException(ExchangeRejection.Versioning,
                $"{stixObject.Id} is already in the log with other content: cyber-observables are not versioned (STIX 2.1 §3.6).");
        }

        if (stixObject.Type == "marking-definition")
        {
            throw new ExchangeRejectedException(ExchangeRejection.Versioning,
                $"{stixObject.Id} is already in the log: marking definitions cannot be versioned (STIX 2.1 §7.2.1).");
        }

        ExchangeEntry first = versions[0];
        if (!string.Equals(first.Sender, sender, StringComparison.Ordinal))
        {
            throw new ExchangeRejectedException(ExchangeRejection.Versioning,
                $"{stixObject.Id} was created by {first.Sender}; only the creator may version it (STIX 2.1 §3.6). Create a new object with a derived-from relationship instead.");
        }

        ExchangeEntry latest = versions.MaxBy(v => StixTimestamp.Parse(v.ObjectVersion, "modified"))!;
        StixObject latestObject = SignedEnvelope.Parse(latest.Envelope, int.MaxValue).Payload;
        if (latestObject.Revoked)
        {
            throw new ExchangeRejectedException(ExchangeRejection.Versioning,
                $"{stixObject.Id} was revoked at index {latest.Index}; a revoked object gets no new version (STIX 2.1 §3.6.2).");
        }

        if (StixTimestamp.Parse(stixObject.Modified, "modified") <= StixTimestamp.Parse(latest.ObjectVersion, "modified"))
        {
            throw new ExchangeRejectedException(ExchangeRejection.Versioning,
                $"{stixObject.Id}: property 'modified' {stixObject.Modified} must be later than the latest version {latest.ObjectVersion} (STIX 2.1 §3.6).");
        }

        if (!string.Equals(stixObject.Created, latestObject.Created, StringComparison.Ordinal))
        {
            throw new ExchangeRejectedException(ExchangeRejection.Versioning,
                $"{stixObject.Id}: property 'created' {stixObject.Created} differs from earlier versions ({latestObject.Created}); created never changes (STIX 2.1 §3.6).");
        }

        return Task.FromResult<ExchangeEntry?>(null);
    }

    private static DateTimeOffset TruncateToMicroseconds(DateTimeOffset value) =>
        new(value.UtcTicks - (value.UtcTicks % 10), TimeSpan.Zero);

    /// <inheritdoc />
    public void Dispose() => _writeLock.Dispose();

    /// <summary>Reads the object of a stored entry.</summary>
    public static StixObject ReadObject(ExchangeEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return SignedEnvelope.Parse(entry.Envelope, int.MaxValue).Payload;
    }

    /// <summary>The JSON of a stored entry's object.</summary>
    public static JsonElement ReadObjectJson(ExchangeEntry entry) => ReadObject(entry).Json;
}
