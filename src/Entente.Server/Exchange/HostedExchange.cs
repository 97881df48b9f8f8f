using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Entente.Exchange;
using Entente.Exchange.Envelopes;
using Entente.Exchange.Log;
using Entente.Exchange.Sealing;
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
/// <para>Confidentiality (docs/exchange.md, "Sealed messages"): each charter party may publish an <c>encryption_key</c>
/// signed by its charter key, checked at start (a bad signature stops the server); messages that
/// <see cref="DisclosurePolicy"/> keeps with their collection's readers are refused in the clear when the configuration
/// requires sealing, are never published as board blobs (<see cref="BoardAnchor"/> knows the collections), and the blobs an
/// older server published for such messages are withheld from <c>GET /blob</c> (<see cref="IsWithheld"/>).</para>
/// </summary>
public sealed class HostedExchange : IDisposable
{
    /// <summary>The default collection's id when the configuration lists none.</summary>
    public const string DefaultCollectionId = "5f0c4b1e-7d2a-4c39-9e61-2b8f0a6d3c47";

    private readonly LogService _log;
    private readonly IExchangeStore _store;
    private readonly RecordingAnchor _anchor;

    private HostedExchange(LogService log, IExchangeStore store, ExchangeService service, RecordingAnchor anchor, TaxiiService taxii, HostedExchangeOptions options)
    {
        _log = log;
        _store = store;
        Service = service;
        _anchor = anchor;
        Taxii = taxii;
        Options = options;
    }

    /// <summary>The configuration the exchange runs under.</summary>
    public HostedExchangeOptions Options { get; }

    /// <summary>
    /// True when <paramref name="sha256"/> is the envelope or the exchange leaf of a message for its collection's readers
    /// only: <c>GET /blob</c> never serves it, even when a server before sealing stored it as a public blob.
    /// </summary>
    public bool IsWithheld(Hash256 sha256) => _anchor.IsWithheld(sha256);

    /// <summary>The exchange (validation, envelopes, requests for assistance, anchoring).</summary>
    public ExchangeService Service { get; }

    /// <summary>The TAXII 2.1 service over <see cref="Service"/>.</summary>
    public TaxiiService Taxii { get; }

    /// <summary>Opens the store, replays which board entries anchor which exchange entries, and anchors what a crash left pending.</summary>
    public static async Task<HostedExchange> OpenAsync(LogService log, HostedExchangeOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(options);
        (PartyRegistry parties, List<CollectionDefinition> collections) = Check(log.Charter, options);
        IExchangeStore store = await StoreLocator.OpenExchangeAsync(log.Options, options, cancellationToken);
        List<long> onBoard = await AnchoredOnBoardAsync(log.Store, log.Sequencer.Head.Size, log.LogKey, store, cancellationToken);
        Ed25519NoteSigner signer = log.SigningKey;
        // The anchor knows the collections: a message of a collection that is not public is never published in the clear.
        BoardAnchor boardAnchor = new(log.Sequencer, log.Blobs, _ => signer, onBoard.Count, collections);
        RecordingAnchor anchor = new(boardAnchor, onBoard);
        ExchangeService service = new(store, parties, collections, TimeProvider.System, options.ToExchangeOptions(), anchor);
        try
        {
            // What an older server published as public blobs for messages that are for their readers only is withheld.
            long count = await store.CountAsync(cancellationToken);
            for (long i = 0; i < count; i += 512)
            {
                foreach (ExchangeEntry entry in await store.ReadRangeAsync(i, 512, cancellationToken))
                {
                    anchor.Withhold(entry);
                }
            }

            // Entries a crash left between the exchange store's append and the board's.
            await service.AnchorPendingAsync(cancellationToken);
        }
        catch
        {
            service.Dispose();
            throw;
        }

        TaxiiService taxii = new(service, new TaxiiServerInfo("Entente incident exchange", "Signed STIX 2.1 messages between the parties, each on the board's log; confidential ones sealed to their readers.", "", "/taxii2/api/"))
        {
            // RFC 9110 §11.6.1 and RFC 9421 §5.1: every TAXII 401 names the scheme and the signature the board expects.
            AuthenticationChallenge = Auth.RequestAuthenticator.Challenge,
            UnauthorizedHeaders = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["Accept-Signature"] = Auth.RequestAuthenticator.AcceptSignature },
        };
        return new HostedExchange(log, store, service, anchor, taxii, options);
    }

    /// <summary>
    /// The parties and collections of <paramref name="options"/> over <paramref name="charter"/>, every encryption key's
    /// signature checked: what the server checks before it starts.
    /// </summary>
    /// <exception cref="FormatException">One line naming the party or collection at fault.</exception>
    public static (PartyRegistry Parties, List<CollectionDefinition> Collections) Check(Charter charter, HostedExchangeOptions options)
    {
        ArgumentNullException.ThrowIfNull(charter);
        ArgumentNullException.ThrowIfNull(options);
        return (Parties(charter), Collections(options, charter));
    }

    /// <summary>
    /// The charter members with a STIX identity, as exchange parties: their charter Ed25519 key signs their envelopes, and
    /// their <c>encryption_key</c>, when the charter gives one, is the X25519 key messages are sealed to for them.
    /// </summary>
    /// <exception cref="FormatException">An encryption key that is malformed or not signed by its party's charter key for its identity.</exception>
    public static PartyRegistry Parties(Charter charter)
    {
        ArgumentNullException.ThrowIfNull(charter);
        List<Party> parties = [];
        foreach (CharterMember m in charter.Members.Where(m => m.Identity is not null).OrderBy(m => m.Name, StringComparer.Ordinal))
        {
            PartyEncryptionKey? key = null;
            if (m.EncryptionKey is { } stated)
            {
                try
                {
                    key = PartyEncryptionKey.Parse(stated.X25519, stated.Signature);
                }
                catch (FormatException e)
                {
                    throw new FormatException($"charter: party {m.Name}: encryption_key.{e.Message}", e);
                }

                if (!key.Verify(m.Identity!, m.Key.PublicKeyBytes))
                {
                    throw new FormatException($"charter: party {m.Name}: encryption_key {stated.X25519} is not signed by {m.Name}'s charter key for {m.Identity} (a forged or copied binding); fix the charter: the server does not start with it.");
                }
            }

            parties.Add(new Party(m.Name, m.Identity!, m.Key.PublicKeyBytes, key));
        }

        return new PartyRegistry(parties);
    }

    /// <summary>
    /// The encryption key of a party whose charter key is <paramref name="charterKey"/> (its C2SP private key text), as the
    /// charter states it: X25519 derived from the charter key (<see cref="EncryptionKey.Derive"/>, so the party keeps one
    /// secret) and bound to <paramref name="identity"/> by the charter key's signature.
    /// </summary>
    public static CharterEncryptionKey EncryptionKeyFor(string charterKey, string identity)
    {
        ArgumentNullException.ThrowIfNull(charterKey);
        ArgumentException.ThrowIfNullOrEmpty(identity);
        string[] fields = charterKey.Trim().Split('+', 5);
        if (fields.Length != 5 || fields[0] != "PRIVATE" || fields[1] != "KEY")
        {
            throw new FormatException("Not a charter private key (PRIVATE+KEY+<name>+<id>+<base64>).");
        }

        byte[] blob = Convert.FromBase64String(fields[4]);
        try
        {
            if (blob.Length != 1 + PartyKey.SeedSize)
            {
                throw new FormatException("Not an Ed25519 charter private key.");
            }

            using PartyKey partyKey = PartyKey.FromSeed(blob.AsSpan(1, PartyKey.SeedSize));
            using EncryptionKey encryption = EncryptionKey.Derive(partyKey);
            PartyEncryptionKey binding = PartyEncryptionKey.Create(partyKey, identity, encryption);
            return new CharterEncryptionKey(binding.PublicKeyBase64, Convert.ToBase64String(binding.Signature));
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(blob);
        }
    }

    private static List<CollectionDefinition> Collections(HostedExchangeOptions options, Charter charter)
    {
        if (options.Collections.Count == 0)
        {
            return [new CollectionDefinition(DefaultCollectionId, "Joint incidents", "Incident reports, indicators and requests for assistance between the charter's parties.",
                new HashSet<string>(StringComparer.Ordinal), new HashSet<string>(StringComparer.Ordinal), false, options.IsPublic(null))];
        }

        HashSet<string> Identities(List<string> names, string collection, string field) => [.. names.Select(n =>
            charter.Find(n)?.Identity ?? throw new FormatException($"configuration: exchange.collections[{collection}].{field}: {n} is not a charter member with an identity."))];
        return [.. options.Collections.Select(c => new CollectionDefinition(
            Guid.TryParse(c.Id, out _) ? c.Id : throw new FormatException($"configuration: exchange.collections: id \"{c.Id}\" is not a UUID."),
            c.Title, c.Description, Identities(c.CanRead, c.Id, "canRead"), Identities(c.CanWrite, c.Id, "canWrite"), c.AllowCustomObjects, options.IsPublic(c)))];
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
            ["parties"] = new JsonArray([.. Service.Parties.All.Select(p =>
            {
                JsonObject party = new() { ["name"] = p.Name, ["identity"] = p.IdentityRef, ["public_key"] = p.PublicKeyBase64 };
                if (p.EncryptionKey is { } key)
                {
                    party["encryption_key"] = new JsonObject { ["x25519"] = key.PublicKeyBase64, ["signature"] = Convert.ToBase64String(key.Signature) };
                }

                return (JsonNode)party;
            })]),
            ["collections"] = new JsonArray([.. Service.Collections.Select(c => (JsonNode)new JsonObject
            {
                ["id"] = c.Id,
                ["title"] = c.Title,
                ["description"] = c.Description,
                ["can_read"] = new JsonArray([.. c.Readers.Select(r => (JsonNode)r!)]),
                ["can_write"] = new JsonArray([.. c.Writers.Select(w => (JsonNode)w!)]),
                ["allow_custom_objects"] = c.AllowCustomObjects,
                ["public"] = c.Public,
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

    /// <summary>Wraps the board anchor to record, thread-safely, the board index of each exchange entry and the blobs withheld.</summary>
    private sealed class RecordingAnchor(BoardAnchor inner, List<long> onBoard) : IExchangeAnchor
    {
        private readonly Lock _lock = new();
        private readonly ConcurrentDictionary<Hash256, bool> _withheld = new();

        public Task<long> AnchoredCountAsync(CancellationToken cancellationToken = default) => inner.AnchoredCountAsync(cancellationToken);

        public bool IsWithheld(Hash256 sha256) => _withheld.ContainsKey(sha256);

        /// <summary>Withholds the envelope and the leaf of <paramref name="entry"/> when it is for its collection's readers only.</summary>
        public void Withhold(ExchangeEntry entry)
        {
            if (!inner.IsPublic(entry))
            {
                _withheld.TryAdd(entry.EnvelopeHash, true);
                _withheld.TryAdd(Hash256.Compute(entry.ToLeafBytes()), true);
            }
        }

        public async Task AnchorAsync(ExchangeEntry entry, CancellationToken cancellationToken = default)
        {
            Withhold(entry);
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
