using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Entente.Exchange.Envelopes;
using Entente.Exchange.Sealing;
using Entente.Exchange.Storage;
using Entente.Exchange.Stix;

namespace Entente.Exchange;

/// <summary>The result of a submission.</summary>
/// <param name="Entry">The log entry holding the object.</param>
/// <param name="AlreadyPresent">True when this exact object version was already in the log (TAXII 2.1 §5.4: not an error); nothing new was stored.</param>
public sealed record ExchangeReceipt(ExchangeEntry Entry, bool AlreadyPresent);

/// <summary>
/// The write path of the exchange: checks a signed or sealed envelope and appends it to the log. Checks, in
/// order (each failure is an <see cref="ExchangeRejectedException"/> and nothing is stored):
/// size; envelope syntax; the key is registered; the key's party is the sender; signature; clock
/// skew against the injected <see cref="TimeProvider"/>; collection and write right. A signed (plaintext)
/// envelope: STIX 2.1 validity under the collection's policy; created_by_ref is the sender; the
/// <see cref="DisclosurePolicy"/> (a readers-only message must arrive sealed). A sealed envelope: its label names a
/// type the collection accepts; it is sealed to exactly the collection's readers under their registered encryption
/// keys (its content is checked by each reader when opening). Then, for both: replay (signature, nonce);
/// STIX versioning (§3.6: only the creator versions, strictly later modified, nothing after
/// revocation, marking definitions never versioned, same (id, version) with other content is
/// equivocation); the request-for-assistance protocol (plaintext only). The append is a compare-and-swap on the log
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

    /// <summary>Checks and appends an envelope (signed or sealed) received as JSON bytes.</summary>
    /// <exception cref="ExchangeRejectedException">Refused; nothing stored.</exception>
    public async Task<ExchangeReceipt> SubmitAsync(ReadOnlyMemory<byte> envelopeJson, CancellationToken cancellationToken = default)
    {
        // Only a sealed envelope (base64 ciphertext) may exceed the plaintext limit; its format tag is read without building a document.
        int sealedLimit = SealedEnvelope.DefaultMaxBytes;
        if (envelopeJson.Length > Math.Max(sealedLimit, _options.MaxEnvelopeBytes)
            || (envelopeJson.Length > _options.MaxEnvelopeBytes && !ExchangeEnvelope.IsSealed(envelopeJson.Span)))
        {
            throw new ExchangeRejectedException(ExchangeRejection.Oversized,
                $"The envelope is {envelopeJson.Length} bytes; the limit is {_options.MaxEnvelopeBytes} bytes ({sealedLimit} sealed). Send large evidence as an artifact referenced by hash.");
        }

        IExchangeEnvelope envelope;
        try
        {
            envelope = ExchangeEnvelope.Parse(envelopeJson.Span, int.MaxValue, sealedLimit);
        }
        catch (FormatException e)
        {
            throw new ExchangeRejectedException(ExchangeRejection.Malformed, "Malformed envelope: " + e.Message, null, e);
        }

        return await SubmitAsync(envelope, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Checks and appends a parsed signed (plaintext) envelope.</summary>
    /// <exception cref="ExchangeRejectedException">Refused; nothing stored.</exception>
    public Task<ExchangeReceipt> SubmitAsync(SignedEnvelope envelope, CancellationToken cancellationToken = default) =>
        SubmitAsync((IExchangeEnvelope)envelope, cancellationToken);

    /// <summary>Checks and appends a parsed sealed envelope.</summary>
    /// <exception cref="ExchangeRejectedException">Refused; nothing stored.</exception>
    public Task<ExchangeReceipt> SubmitAsync(SealedEnvelope envelope, CancellationToken cancellationToken = default) =>
        SubmitAsync((IExchangeEnvelope)envelope, cancellationToken);

    /// <summary>Checks and appends a parsed envelope of either kind.</summary>
    /// <exception cref="ExchangeRejectedException">Refused; nothing stored.</exception>
    public async Task<ExchangeReceipt> SubmitAsync(IExchangeEnvelope envelope, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        Party sender = Authenticate(envelope);
        CollectionDefinition collection = Authorise(envelope, sender);
        switch (envelope)
        {
            case SignedEnvelope signed:
                CheckPlaintext(signed, collection, sender);
                break;
            case SealedEnvelope sealedEnvelope:
                CheckSealed(sealedEnvelope, collection);
                break;
            default:
                throw new ArgumentException($"Unknown envelope type {envelope.GetType().Name}.", nameof(envelope));
        }

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

                ExchangeEntry entry = new(index, now, envelope.Collection, envelope.Sender, envelope.ObjectId, envelope.ObjectType,
                    envelope.ObjectVersion, envelope.ToCanonicalJson(), envelope.Signature, envelope.Nonce);
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

    private Party Authenticate(IExchangeEnvelope envelope)
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

    private CollectionDefinition Authorise(IExchangeEnvelope envelope, Party sender)
    {
        if (!_collections.TryGetValue(envelope.Collection, out CollectionDefinition? collection))
        {
            throw new ExchangeRejectedException(ExchangeRejection.UnknownCollection, $"There is no collection {envelope.Collection}.");
        }

        if (!collection.CanWrite(sender.IdentityRef))
        {
            throw new ExchangeRejectedException(ExchangeRejection.Forbidden, $"{sender.Name} may not write to collection \"{collection.Title}\".");
        }

        if (envelope is SignedEnvelope { Recipient: { } recipient } && !_parties.TryGetByIdentity(recipient, out _))
        {
            throw new ExchangeRejectedException(ExchangeRejection.Protocol, $"recipient {recipient} is not a registered party.");
        }

        return collection;
    }

    /// <summary>STIX validity, attribution and the disclosure policy of a plaintext envelope.</summary>
    private void CheckPlaintext(SignedEnvelope envelope, CollectionDefinition collection, Party sender)
    {
        StixObject stixObject = envelope.Payload;
        IReadOnlyList<StixValidationError> errors = StixValidator.Validate(stixObject, collection.Policy with { AllowLegacyAssistance = _options.AcceptLegacyAssistanceForm });
        if (errors.Count > 0)
        {
            throw new ExchangeRejectedException(ExchangeRejection.InvalidStix,
                $"{stixObject.Type} {stixObject.Id} is not valid STIX 2.1: {string.Join("; ", errors.Take(10))}{(errors.Count > 10 ? $" (and {errors.Count - 10} more)" : "")}", errors);
        }

        CheckAttribution(stixObject, sender);
        if (DisclosurePolicy.MustArriveSealed(collection, stixObject, _options.RequireSealing) is { } reason)
        {
            throw new ExchangeRejectedException(ExchangeRejection.MustBeSealed,
                $"{stixObject.Type} {stixObject.Id} must travel sealed to the readers of \"{collection.Title}\" ({reason}); it was sent in the clear, and nothing was stored.");
        }
    }

    /// <summary>The label and the reader set of a sealed envelope (its content is for the readers to check).</summary>
    private void CheckSealed(SealedEnvelope envelope, CollectionDefinition collection)
    {
        SealedLabel label = envelope.Label;
        if (!StixTypes.IsOfficial(label.Type) && !StixTypes.Assistance.Contains(label.Type) && !collection.AllowCustomObjects)
        {
            throw new ExchangeRejectedException(ExchangeRejection.InvalidStix,
                $"{label.Id}: unknown object type \"{label.Type}\": collection \"{collection.Title}\" does not accept custom objects (STIX 2.1 §11.2).");
        }

        IReadOnlyList<Party> readers = collection.ReadersAmong(_parties);
        if (readers.FirstOrDefault(p => p.EncryptionKey is null) is { } keyless)
        {
            throw new ExchangeRejectedException(ExchangeRejection.Readers,
                $"Collection \"{collection.Title}\" cannot carry sealed messages: its reader {keyless.Name} has no registered encryption key.");
        }

        string expected = string.Join(", ", readers.Select(p => p.Name));
        if (envelope.Readers.Count != readers.Count)
        {
            throw new ExchangeRejectedException(ExchangeRejection.Readers,
                $"The message is sealed to {envelope.Readers.Count} reader(s); the readers of \"{collection.Title}\" are {expected}: seal to each of them, and only them.");
        }

        for (int i = 0; i < readers.Count; i++)
        {
            SealedRecipient got = envelope.Readers[i];
            if (got.IdentityRef != readers[i].IdentityRef)
            {
                throw new ExchangeRejectedException(ExchangeRejection.Readers,
                    $"The message is sealed to {got.IdentityRef}, which is not among the readers of \"{collection.Title}\" ({expected}), or misses one of them.");
            }

            if (!got.PublicKey.AsSpan().SequenceEqual(readers[i].EncryptionKey!.PublicKey))
            {
                throw new ExchangeRejectedException(ExchangeRejection.Readers,
                    $"The message is sealed to a key of {readers[i].Name} that is not its registered encryption key ({readers[i].EncryptionKey!.PublicKeyBase64}).");
            }
        }
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
    private async Task<ExchangeEntry?> CheckAgainstLogAsync(IExchangeEnvelope envelope, CancellationToken cancellationToken)
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

        IReadOnlyList<ExchangeEntry> versions = await _store.FindByObjectIdAsync(envelope.ObjectId, cancellationToken).ConfigureAwait(false);
        if (versions.Count > 0)
        {
            ExchangeEntry? duplicate = CheckVersioning(envelope, versions);
            if (duplicate is not null)
            {
                return duplicate;
            }
        }

        if (envelope is SignedEnvelope signed)
        {
            await Assistance.AssistanceProtocol.CheckAsync(_store, _parties, signed, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        }
        else if (StixTypes.Assistance.Contains(envelope.ObjectType) && versions.Count > 0)
        {
            throw new ExchangeRejectedException(ExchangeRejection.Protocol,
                $"{envelope.ObjectId} is already in the log: requests, acknowledgements and responses are never versioned; file a new one.");
        }

        return null;
    }

    private static ExchangeEntry? CheckVersioning(IExchangeEnvelope envelope, IReadOnlyList<ExchangeEntry> versions)
    {
        // Exact duplicate of a stored version: no-op (TAXII 2.1 §5.4); other content: equivocation. A sealed version
        // cannot be compared with anything, so an (id, version) that is logged sealed, or arrives sealed, is logged once.
        string objectId = envelope.ObjectId;
        string type = envelope.ObjectType;
        foreach (ExchangeEntry version in versions)
        {
            if (string.Equals(version.ObjectVersion, envelope.ObjectVersion, StringComparison.Ordinal))
            {
                if (envelope is SignedEnvelope plain && !version.IsSealed)
                {
                    StixObject stored = ReadObject(version);
                    if (stored.Canonical.Span.SequenceEqual(plain.Payload.Canonical.Span))
                    {
                        return version;
                    }
                }

                throw new ExchangeRejectedException(ExchangeRejection.Equivocation,
                    $"{objectId} version {envelope.ObjectVersion ?? "-"} is already in the log at index {version.Index}{(version.IsSealed || envelope.IsSealed ? " (sealed: one version is logged once)" : " with different content")}: one version has one content (STIX 2.1 §3.6).");
            }
        }

        if (StixTypes.IsObservable(type))
        {
            throw new ExchangeRejectedException(ExchangeRejection.Versioning,
                $"{objectId} is already in the log with other content: cyber-observables are not versioned (STIX 2.1 §3.6).");
        }

        if (type == "marking-definition")
        {
            throw new ExchangeRejectedException(ExchangeRejection.Versioning,
                $"{objectId} is already in the log: marking definitions cannot be versioned (STIX 2.1 §7.2.1).");
        }

        ExchangeEntry first = versions[0];
        if (!string.Equals(first.Sender, envelope.Sender, StringComparison.Ordinal))
        {
            throw new ExchangeRejectedException(ExchangeRejection.Versioning,
                $"{objectId} was created by {first.Sender}; only the creator may version it (STIX 2.1 §3.6). Create a new object with a derived-from relationship instead.");
        }

        ExchangeEntry latest = versions.MaxBy(v => StixTimestamp.Parse(v.ObjectVersion, "modified"))!;
        StixObject? latestObject = latest.IsSealed ? null : ReadObject(latest);
        if (latestObject is { Revoked: true })
        {
            throw new ExchangeRejectedException(ExchangeRejection.Versioning,
                $"{objectId} was revoked at index {latest.Index}; a revoked object gets no new version (STIX 2.1 §3.6.2).");
        }

        if (StixTimestamp.Parse(envelope.ObjectVersion, "modified") <= StixTimestamp.Parse(latest.ObjectVersion, "modified"))
        {
            throw new ExchangeRejectedException(ExchangeRejection.Versioning,
                $"{objectId}: property 'modified' {envelope.ObjectVersion} must be later than the latest version {latest.ObjectVersion} (STIX 2.1 §3.6).");
        }

        // Revocation and an unchanged 'created' across sealed versions are for the readers to check: the host cannot see them.
        if (envelope is SignedEnvelope signed && latestObject is not null && !string.Equals(signed.Payload.Created, latestObject.Created, StringComparison.Ordinal))
        {
            throw new ExchangeRejectedException(ExchangeRejection.Versioning,
                $"{objectId}: property 'created' {signed.Payload.Created} differs from earlier versions ({latestObject.Created}); created never changes (STIX 2.1 §3.6).");
        }

        return null;
    }

    private static DateTimeOffset TruncateToMicroseconds(DateTimeOffset value) =>
        new(value.UtcTicks - (value.UtcTicks % 10), TimeSpan.Zero);

    /// <inheritdoc />
    public void Dispose() => _writeLock.Dispose();

    /// <summary>
    /// Reads the object of a stored entry: a plaintext entry's object, or a sealed entry's object once a reader opened
    /// it (<see cref="ExchangeEntry.Opened"/>, <see cref="ReaderView"/>).
    /// </summary>
    /// <exception cref="InvalidOperationException">The entry is sealed and was not opened.</exception>
    public static StixObject ReadObject(ExchangeEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return TryReadObject(entry, out StixObject? stixObject)
            ? stixObject
            : throw new InvalidOperationException($"Exchange entry {entry.Index} ({entry.ObjectType} {entry.ObjectId}) is sealed to its collection's readers; open it with a reader's key first.");
    }

    /// <summary>The object of a plaintext entry or an opened sealed one; false for a sealed entry that was not opened.</summary>
    public static bool TryReadObject(ExchangeEntry entry, [NotNullWhen(true)] out StixObject? stixObject)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.IsSealed)
        {
            stixObject = entry.Opened?.Payload;
            return stixObject is not null;
        }

        stixObject = SignedEnvelope.Parse(entry.Envelope, int.MaxValue).Payload;
        return true;
    }

    /// <summary>The JSON of a stored entry's object (see <see cref="ReadObject"/>).</summary>
    public static JsonElement ReadObjectJson(ExchangeEntry entry) => ReadObject(entry).Json;
}
