using System.Text;
using System.Text.Json.Nodes;
using Entente.Exchange;
using Entente.Exchange.Envelopes;
using Entente.Exchange.Log;
using Entente.Exchange.Storage;
using Entente.Exchange.Taxii;
using Entente.Server.Log;
using Entente.Transparency;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;

namespace Entente.Server.Exchange;

/// <summary>
/// The incident exchange that <c>entente serve</c> hosts next to the board: the exchange store (in the board's store:
/// the board's PostgreSQL database and schema when the board is on PostgreSQL, else a SQLite file in the data folder;
/// <see cref="StoreLocator.OpenExchangeAsync"/>), the parties (charter members with a STIX <c>identity</c>; their charter key is their exchange key), the
/// collections of the configuration (default: one that every party reads and writes), and a <see cref="BoardAnchor"/>
/// on the board's sequencer and blob store, so every accepted message is an <c>exchange.&lt;type&gt;</c> board entry
/// covered by the board's witnessed checkpoint. The anchoring entries are signed by the log key (the operator
/// sequences them; the envelope inside carries the party's own signature). After a restart each stored message finds its
/// board entry by content — an <c>exchange.*</c> entry signed by the log key whose <c>sha256</c> is the message's exchange
/// leaf — never by counting entries of a type, which anyone able to log that type could shift.
/// </summary>
public sealed class HostedExchange : IDisposable
{
    /// <summary>The default collection's id when the configuration lists none.</summary>
    public const string DefaultCollectionId = "5f0c4b1e-7d2a-4c39-9e61-2b8f0a6d3c47";

    private readonly LogService _log;
    private readonly IExchangeStore _store;
    private readonly RecordingAnchor _anchor;

    private HostedExchange(LogService log, IExchangeStore store, ExchangeService service, RecordingAnchor anchor, TaxiiService taxii)
    {
        _log = log;
        _store = store;
        Service = service;
        _anchor = anchor;
        Taxii = taxii;
    }

    /// <summary>The exchange (validation, envelopes, requests for assistance, anchoring).</summary>
    public ExchangeService Service { get; }

    /// <summary>The TAXII 2.1 service over <see cref="Service"/>.</summary>
    public TaxiiService Taxii { get; }

    /// <summary>Opens the store, replays which board entries anchor which exchange entries, and anchors what a crash left pending.</summary>
    public static async Task<HostedExchange> OpenAsync(LogService log, HostedExchangeOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(options);
        PartyRegistry parties = Parties(log.Charter);
        List<CollectionDefinition> collections = Collections(options, log.Charter);
        IExchangeStore store = await StoreLocator.OpenExchangeAsync(log.Options, options, cancellationToken);
        List<long> onBoard = await AnchoredOnBoardAsync(log.Store, log.Sequencer.Head.Size, log.LogKey, store, cancellationToken);
        Ed25519NoteSigner signer = log.SigningKey;
        RecordingAnchor anchor = new(new BoardAnchor(log.Sequencer, log.Blobs, _ => signer, onBoard.Count), onBoard);
        ExchangeService service = new(store, parties, collections, TimeProvider.System, anchor: anchor);
        try
        {
            // Entries a crash left between the exchange store's append and the board's.
            await service.AnchorPendingAsync(cancellationToken);
        }
        catch
        {
            service.Dispose();
            throw;
        }

        TaxiiService taxii = new(service, new TaxiiServerInfo("Entente incident exchange", "Signed STIX 2.1 messages between the parties, each on the board's log.", "", "/taxii2/api/"));
        return new HostedExchange(log, store, service, anchor, taxii);
    }

    /// <summary>The charter members with a STIX identity, as exchange parties (their charter Ed25519 key signs their envelopes).</summary>
    public static PartyRegistry Parties(Charter charter)
    {
        ArgumentNullException.ThrowIfNull(charter);
        return new PartyRegistry([.. charter.Members.Where(m => m.Identity is not null).Select(m => new Party(m.Name, m.Identity!, m.Key.PublicKeyBytes))]);
    }

    private static List<CollectionDefinition> Collections(HostedExchangeOptions options, Charter charter)
    {
        if (options.Collections.Count == 0)
        {
            return [new CollectionDefinition(DefaultCollectionId, "Joint incidents", "Incident reports, indicators and requests for assistance between the charter's parties.",
                new HashSet<string>(StringComparer.Ordinal), new HashSet<string>(StringComparer.Ordinal), false)];
        }

        HashSet<string> Identities(List<string> names, string collection, string field) => [.. names.Select(n =>
            charter.Find(n)?.Identity ?? throw new FormatException($"configuration: exchange.collections[{collection}].{field}: {n} is not a charter member with an identity."))];
        return [.. options.Collections.Select(c => new CollectionDefinition(
            Guid.TryParse(c.Id, out _) ? c.Id : throw new FormatException($"configuration: exchange.collections: id \"{c.Id}\" is not a UUID."),
            c.Title, c.Description, Identities(c.CanRead, c.Id, "canRead"), Identities(c.CanWrite, c.Id, "canWrite"), c.AllowCustomObjects))];
    }

    /// <summary>
    /// The board index of each stored exchange message, in exchange order, as far as the messages are anchored: message
    /// i's board entry is the first <c>exchange.*</c> entry among the first <paramref name="size"/> that is signed by
    /// <paramref name="anchorKey"/> and commits to message i's exchange leaf (<c>sha256</c> = SHA-256 of
    /// <see cref="ExchangeEntry.ToLeafBytes"/>). The list stops at the first message without one: it and those after it
    /// are anchored again (the sequencer answers the index of any that is logged already).
    /// </summary>
    public static async Task<List<long>> AnchoredOnBoardAsync(ILogStore board, long size, INoteVerifier anchorKey, IExchangeStore exchange, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(board);
        ArgumentNullException.ThrowIfNull(anchorKey);
        ArgumentNullException.ThrowIfNull(exchange);
        Dictionary<Hash256, long> byLeaf = [];
        for (long i = 0; i < size; i += 256)
        {
            IReadOnlyList<byte[]> batch = await board.ReadEntriesAsync(i, (int)Math.Min(256, size - i), cancellationToken);
            for (int j = 0; j < batch.Count; j++)
            {
                LogEntry entry;
                SignedNote note;
                try
                {
                    (entry, note) = LogEntry.Parse(batch[j]);
                }
                catch (NoteFormatException)
                {
                    continue;
                }

                if (BoardAnchor.IsExchangeType(entry.Type) && entry.Party == anchorKey.Name && NoteVerification.HasValidSignature(note, anchorKey))
                {
                    byLeaf.TryAdd(entry.Sha256, i + j);
                }
            }
        }

        List<long> anchored = [];
        long count = await exchange.CountAsync(cancellationToken);
        for (long index = 0; index < count; index++)
        {
            if (await exchange.GetAsync(index, cancellationToken) is not ExchangeEntry message || !byLeaf.TryGetValue(Hash256.Compute(message.ToLeafBytes()), out long boardIndex))
            {
                break;
            }

            anchored.Add(boardIndex);
        }

        return anchored;
    }

    /// <summary>
    /// The board index of every <c>exchange.*</c> entry among the first <paramref name="size"/> board entries, in order,
    /// whoever signed it: a diagnostic. Never match messages to entries by this count (<see cref="AnchoredOnBoardAsync"/>).
    /// </summary>
    public static async Task<List<long>> ExchangeBoardIndexesAsync(ILogStore store, long size, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        List<long> indexes = [];
        for (long i = 0; i < size; i += 256)
        {
            IReadOnlyList<byte[]> batch = await store.ReadEntriesAsync(i, (int)Math.Min(256, size - i), cancellationToken);
            for (int j = 0; j < batch.Count; j++)
            {
                string? type;
                try
                {
                    type = LogEntry.Parse(batch[j]).Entry.Type;
                }
                catch (NoteFormatException)
                {
                    type = null;
                }

                if (BoardAnchor.IsExchangeType(type))
                {
                    indexes.Add(i + j);
                }
            }
        }

        return indexes;
    }

    /// <summary>
    /// What a client needs to verify proofs: the parties, the collections, the board keys that may sign anchoring
    /// entries (the log key and the charter's submitters) and the board's witness policy (C2SP tlog-policy text).
    /// A careful client pins the log key and the policy it got from elsewhere.
    /// </summary>
    public JsonObject Unit()
    {
        // The policy /checkpoint is published under (LogService.Policy); without one, the log key alone.
        string policy = _log.PolicyText ?? $"log {_log.SigningKey.VerifierKey}\nquorum none\n";

        JsonArray boardKeys = [_log.SigningKey.VerifierKey];
        foreach (CharterMember m in _log.Charter.Members.Where(m => m.Roles.Contains(Charter.SubmitterRole)))
        {
            boardKeys.Add(VerifierKeys.Format(m.Key.Name, m.Key.KeyId, NoteSignatureType.Ed25519, m.Key.PublicKeyBytes));
        }

        return new JsonObject
        {
            ["format"] = "entente-exchange-unit/v1",
            ["parties"] = new JsonArray([.. Service.Parties.All.Select(p => (JsonNode)new JsonObject { ["name"] = p.Name, ["identity"] = p.IdentityRef, ["public_key"] = p.PublicKeyBase64 })]),
            ["collections"] = new JsonArray([.. Service.Collections.Select(c => (JsonNode)new JsonObject
            {
                ["id"] = c.Id,
                ["title"] = c.Title,
                ["description"] = c.Description,
                ["can_read"] = new JsonArray([.. c.Readers.Select(r => (JsonNode)r!)]),
                ["can_write"] = new JsonArray([.. c.Writers.Select(w => (JsonNode)w!)]),
                ["allow_custom_objects"] = c.AllowCustomObjects,
            })]),
            ["board_keys"] = boardKeys,
            ["policy"] = policy,
        };
    }

    /// <summary>
    /// The proof of exchange entry <paramref name="index"/> against the published board checkpoint, or null when
    /// there is no such entry or it is not yet covered by the published (cosigned) checkpoint.
    /// </summary>
    public async Task<(ExchangeEntry? Entry, BoardExchangeProof? Proof)> ProveAsync(long index, CancellationToken cancellationToken)
    {
        ExchangeEntry? entry = index < 0 ? null : await _store.GetAsync(index, cancellationToken);
        if (entry is null || _anchor.BoardIndex(index) is not long boardIndex)
        {
            return (entry, null);
        }

        StoredCheckpoint checkpoint = await _log.PublishedCheckpointAsync(cancellationToken);
        if (boardIndex >= checkpoint.Size)
        {
            return (entry, null);
        }

        byte[] boardEntry = (await _log.Store.ReadEntriesAsync(boardIndex, 1, cancellationToken))[0];
        Hash256[] path = await _log.Reader.InclusionProofAsync(boardIndex, checkpoint.Size, cancellationToken);
        return (entry, new BoardExchangeProof(entry, boardIndex, boardEntry, path, Encoding.UTF8.GetString(checkpoint.Note)));
    }

    /// <summary>The stored entries of <paramref name="objectId"/> (every version), in log order.</summary>
    public Task<IReadOnlyList<ExchangeEntry>> FindAsync(string objectId, CancellationToken cancellationToken) => _store.FindByObjectIdAsync(objectId, cancellationToken);

    /// <summary>The JSON of a proof (<c>entente-exchange-board-proof/v1</c>; docs/exchange.md).</summary>
    public static JsonObject ProofJson(BoardExchangeProof proof)
    {
        ArgumentNullException.ThrowIfNull(proof);
        ExchangeEntry e = proof.Entry;
        return new JsonObject
        {
            ["format"] = "entente-exchange-board-proof/v1",
            ["index"] = e.Index,
            ["logged_at"] = e.LoggedAtText,
            ["collection"] = e.Collection,
            ["sender"] = e.Sender,
            ["object_id"] = e.ObjectId,
            ["object_type"] = e.ObjectType,
            ["object_version"] = e.ObjectVersion,
            ["envelope"] = Convert.ToBase64String(e.Envelope),
            ["board_index"] = proof.BoardIndex,
            ["board_entry"] = Convert.ToBase64String(proof.BoardEntry),
            ["inclusion_proof"] = new JsonArray([.. proof.InclusionProof.Select(h => (JsonNode)h.ToHex()!)]),
            ["checkpoint"] = proof.Checkpoint,
        };
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Service.Dispose();
        (_store as IDisposable)?.Dispose();
    }

    /// <summary>Wraps the board anchor to record, thread-safely, the board index of each exchange entry.</summary>
    private sealed class RecordingAnchor(BoardAnchor inner, List<long> onBoard) : IExchangeAnchor
    {
        private readonly Lock _lock = new();

        public Task<long> AnchoredCountAsync(CancellationToken cancellationToken = default) => inner.AnchoredCountAsync(cancellationToken);

        public async Task AnchorAsync(ExchangeEntry entry, CancellationToken cancellationToken = default)
        {
            await inner.AnchorAsync(entry, cancellationToken).ConfigureAwait(false);
            lock (_lock)
            {
                onBoard.Add(inner.BoardIndexes[^1]);
            }
        }

        public long? BoardIndex(long exchangeIndex)
        {
            lock (_lock)
            {
                return exchangeIndex < onBoard.Count ? onBoard[(int)exchangeIndex] : null;
            }
        }
    }
}
