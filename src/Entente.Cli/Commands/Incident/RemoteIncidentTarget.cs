using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Client.Exchange;
using Entente.Client.Http;
using Entente.Exchange;
using Entente.Exchange.Envelopes;
using Entente.Exchange.Log;
using Entente.Exchange.Sealing;
using Entente.Exchange.Stix;
using Entente.Exchange.Storage;
using Entente.Transparency.Notes;
using Entente.Transparency.Policy;

namespace Entente.Cli.Commands.Incident;

/// <summary>
/// The exchange hosted by <c>entente serve</c> (docs/exchange.md, "Hosted by entente serve"), through
/// <see cref="ExchangeClient"/>. Every request is signed (RFC 9421, <see cref="HttpSignatureHandler"/>) with the party's
/// charter key, which also signs the envelopes. Writes: POST a TAXII envelope to the collection's <c>objects/</c>, then
/// poll the status resource. Reads: TAXII <c>objects/</c> pages (<c>next</c>), then each message's proof bundle from
/// <c>/exchange/objects/{id}</c>, verified with <see cref="BoardExchangeVerifier"/> against the witness policy
/// (<c>--policy</c>, else the one the server publishes, which the output says). Failures of the client become the
/// verbs' errors: a refusal (400, 401, 403, 409, 422) <see cref="IncidentRemoteRefusedException"/>, anything else
/// (unreachable after the retry bound, a malformed answer) <see cref="IncidentInputException"/>.
/// </summary>
internal sealed class RemoteIncidentTarget : IIncidentTarget
{
    private readonly ExchangeClient _client;
    private readonly Ed25519NoteSigner _signer;
    private readonly PartyKey _partyKey;
    private readonly List<CollectionDefinition> _collections;
    private readonly TrustPolicy _policy;
    private readonly Dictionary<string, INoteVerifier> _boardKeys;
    private ReaderView? _view;
    private EncryptionKey? _encryptionKey;
    private readonly Dictionary<long, (BoardExchangeProof Proof, ExchangeProofDocument Document)> _proofs = [];

    private RemoteIncidentTarget(ExchangeClient client, Ed25519NoteSigner signer, PartyKey partyKey, PartyRegistry parties, List<CollectionDefinition> collections, TrustPolicy policy, Dictionary<string, INoteVerifier> boardKeys, bool pinned)
    {
        _client = client;
        _signer = signer;
        _partyKey = partyKey;
        Parties = parties;
        _collections = collections;
        _policy = policy;
        _boardKeys = boardKeys;
        PolicyPinned = pinned;
    }

    public PartyRegistry Parties { get; }

    public IReadOnlyCollection<CollectionDefinition> Collections => _collections;

    /// <summary>True when the witness policy came from <c>--policy</c>, not from the server.</summary>
    public bool PolicyPinned { get; }

    public static async Task<RemoteIncidentTarget> OpenAsync(string server, string keyPath, string? policyPath, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(server.EndsWith('/') ? server : server + "/", UriKind.Absolute, out Uri? baseUri) || (baseUri.Scheme != Uri.UriSchemeHttp && baseUri.Scheme != Uri.UriSchemeHttps))
        {
            throw new IncidentInputException($"--server: \"{server}\" is not an http(s) URL such as http://127.0.0.1:5080.");
        }

        (Ed25519NoteSigner signer, PartyKey partyKey) = LoadCharterKey(keyPath);
        ExchangeClient client = new(baseUri, inner: new HttpSignatureHandler(signer));
        try
        {
            ExchangeUnit unit = await CallAsync(() => client.GetUnitAsync(cancellationToken)).ConfigureAwait(false);
            Dictionary<string, INoteVerifier> boardKeys = new(StringComparer.Ordinal);
            foreach (string k in unit.BoardKeys)
            {
                INoteVerifier v = VerifierKeys.Parse(k);
                boardKeys[v.Name] = v;
            }

            string policyText = policyPath is null ? unit.Policy : await ReadPolicyAsync(policyPath, cancellationToken).ConfigureAwait(false);
            return new RemoteIncidentTarget(client, signer, partyKey, unit.ToParties(), [.. unit.ToCollections()], TrustPolicy.Parse(policyText), boardKeys, policyPath is not null);
        }
        catch (Exception e) when (e is IncidentInputException or IncidentRemoteRefusedException || e is FormatException or ArgumentException)
        {
            client.Dispose();
            signer.Dispose();
            partyKey.Dispose();
            throw e is FormatException or ArgumentException
                ? new IncidentInputException($"{baseUri}exchange/unit: not an Entente exchange description ({e.Message}); is --server an `entente serve` board with the exchange enabled?")
                : e;
        }
        catch
        {
            client.Dispose();
            signer.Dispose();
            partyKey.Dispose();
            throw;
        }
    }

    public async Task<IExchangeStore> StoreAsync(CancellationToken cancellationToken)
    {
        if (_view is not null)
        {
            return _view;
        }

        // Every readable collection's objects over TAXII (next paging), then each object's messages with proofs.
        HashSet<string> ids = new(StringComparer.Ordinal);
        List<string> order = [];
        foreach (CollectionDefinition collection in _collections.Where(c => c.CanRead(Me().IdentityRef)))
        {
            await CallAsync(async () =>
            {
                await foreach (StixObjectDocument o in _client.ReadObjectsAsync(collection.Id, cancellationToken: cancellationToken).ConfigureAwait(false))
                {
                    if (ids.Add(o.ObjectId))
                    {
                        order.Add(o.ObjectId);
                    }
                }

                return true;
            }).ConfigureAwait(false);
        }

        SortedDictionary<long, (BoardExchangeProof, ExchangeProofDocument)> byIndex = [];
        foreach (string id in order)
        {
            foreach (ExchangeProofDocument document in await CallAsync(() => _client.GetObjectProofsAsync(id, cancellationToken)).ConfigureAwait(false))
            {
                BoardExchangeProof proof = ToProof(document);
                byIndex[proof.Entry.Index] = (proof, document);
            }
        }

        // The mirror numbers the messages it may read from 0 in log order; statuses depend only on order and times.
        MemoryExchangeStore mirror = new();
        long n = 0;
        foreach ((BoardExchangeProof proof, ExchangeProofDocument document) in byIndex.Values)
        {
            await mirror.AppendAsync(proof.Entry with { Index = n }, cancellationToken).ConfigureAwait(false);
            _proofs[n] = (proof, document);
            n++;
        }

        _encryptionKey = EncryptionKey.Derive(_partyKey);
        _view = new ReaderView(mirror, Parties.TryGetByKey(_partyKey.PublicKey, out Party? me) ? me.IdentityRef : null, _encryptionKey, Parties);
        return _view;
    }

    public Party Me() =>
        Parties.TryGetByKey(_partyKey.PublicKey, out Party? me)
            ? me
            : throw new IncidentInputException($"Your key ({_signer.Name}) is not a party of the server's charter with an identity; ask the unit to add it.");

    public Party Find(string nameOrIdentity) =>
        Parties.All.FirstOrDefault(p => string.Equals(p.Name, nameOrIdentity, StringComparison.OrdinalIgnoreCase) || p.IdentityRef == nameOrIdentity)
        ?? throw new IncidentInputException($"No party \"{nameOrIdentity}\" on the server (known: {string.Join(", ", Parties.All.Select(p => p.Name))}).");

    public string Collection(string? id)
    {
        if (id is not null)
        {
            return _collections.Any(c => c.Id == id) ? id : throw new IncidentInputException($"No collection {id} on the server.");
        }

        return _collections.FirstOrDefault()?.Id ?? throw new IncidentInputException("The server's exchange has no collection.");
    }

    public async Task<ExchangeReceipt> SendAsync(JsonNode stixObject, string collection, string? recipient, CancellationToken cancellationToken)
    {
        IExchangeEnvelope envelope = IncidentSend.Envelope(_partyKey, Me(), stixObject, _collections.First(c => c.Id == collection), Parties, recipient);
        return await PostEnvelopeAsync(collection, envelope.ToCanonicalJson(), envelope.ObjectId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>POSTs a signed envelope over TAXII, polls its status, and returns the logged entry of <paramref name="objectId"/>.</summary>
    internal async Task<ExchangeReceipt> PostEnvelopeAsync(string collection, byte[] signedEnvelope, string objectId, CancellationToken cancellationToken)
    {
        TaxiiStatus status = await CallAsync(() => _client.AddObjectsAsync(collection, [signedEnvelope], cancellationToken)).ConfigureAwait(false);
        try
        {
            status = await CallAsync(() => _client.WaitForStatusAsync(status, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new IncidentInputException($"The server did not complete status {status.Id} in time; run `entente incident list` later.");
        }

        if (status.Failures is { Count: > 0 } failures)
        {
            throw new IncidentRemoteRefusedException(string.Join("; ", failures.Select(f => f.Message ?? f.Id)));
        }

        string message = status.Successes is { Count: > 0 } successes ? successes[0].Message ?? "" : "";
        IReadOnlyList<ExchangeProofDocument> found = await CallAsync(() => _client.GetObjectProofsAsync(objectId, cancellationToken)).ConfigureAwait(false);
        if (found.Count == 0)
        {
            throw new IncidentInputException($"{_client.Board}exchange/objects/{objectId}: the server lists no message for the object it just accepted.");
        }

        return new ExchangeReceipt(ToProof(found[^1]).Entry, message.StartsWith("already present", StringComparison.Ordinal));
    }

    public async Task<VerifiedProof> ProveAsync(ExchangeEntry entry, CancellationToken cancellationToken)
    {
        await StoreAsync(cancellationToken).ConfigureAwait(false);
        (BoardExchangeProof proof, ExchangeProofDocument document) = _proofs[entry.Index];
        BoardExchangeVerification result = BoardExchangeVerifier.Verify(proof, Parties, _policy, name => _boardKeys.GetValueOrDefault(name));
        JsonObject json = JsonNode.Parse(ExchangeClient.ToJson(document))!.AsObject();
        json["verification"] = new JsonObject
        {
            ["signature"] = result.Signature,
            ["board_entry"] = result.Leaf,
            ["inclusion"] = result.Inclusion,
            ["checkpoint"] = result.Checkpoint,
        };
        string checkpoint = _policy.Witnesses.Count == 0 ? "checkpoint (log key only: the policy names no witness)" : "witnessed checkpoint";
        return new VerifiedProof(proof.Entry.Index, json, result.Failures,
            $"signature, board entry {proof.BoardIndex}, inclusion, {checkpoint}{(PolicyPinned ? "" : " (policy from the server; pin it with --policy)")}");
    }

    public JsonObject ProofsHeader() => new()
    {
        ["format"] = "entente-exchange-board-proofs/v1",
        ["server"] = _client.Board.ToString(),
        ["board_keys"] = new JsonArray([.. _boardKeys.Values.Select(k => (JsonNode)k.Name!)]),
        ["parties"] = IncidentTargetJson.Parties(Parties),
    };

    public void Dispose()
    {
        _encryptionKey?.Dispose();
        _client.Dispose();
        _signer.Dispose();
        _partyKey.Dispose();
    }

    private static BoardExchangeProof ToProof(ExchangeProofDocument document)
    {
        try
        {
            return document.ToProof();
        }
        catch (FormatException e)
        {
            throw new IncidentInputException($"exchange message {document.Index}: the proof bundle is malformed: {e.Message}");
        }
    }

    /// <summary>Runs a client call, turning its failures into the verbs' errors (the server's reason included).</summary>
    private static async Task<T> CallAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (RequestRefusedException e) when (e.Status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.UnprocessableContent or HttpStatusCode.BadRequest or HttpStatusCode.Conflict)
        {
            throw new IncidentRemoteRefusedException(e.Message);
        }
        catch (RequestRefusedException e)
        {
            throw new IncidentInputException(e.Message);
        }
        catch (ServiceUnavailableException e)
        {
            throw new IncidentInputException(e.Message + " Is `entente serve` running there (and are its witnesses, when a proof waits for a cosigned checkpoint)?");
        }
    }

    private static async Task<string> ReadPolicyAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            throw new IncidentInputException($"--policy: {path} not found (a C2SP witness policy: log, witness, group, quorum lines).");
        }

        return await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
    }

    private static (Ed25519NoteSigner Signer, PartyKey PartyKey) LoadCharterKey(string path)
    {
        if (!File.Exists(path))
        {
            throw new IncidentInputException($"--key: {path} not found; with --server, --key is your charter key file (PRIVATE+KEY+<name>+…).");
        }

        string text = File.ReadAllText(path).Trim();
        Ed25519NoteSigner signer;
        try
        {
            signer = Ed25519NoteSigner.FromSkey(text);
        }
        catch (NoteFormatException e)
        {
            throw new IncidentInputException($"--key: {path} is not a charter key (PRIVATE+KEY+<name>+…): {e.Message}");
        }

        // The charter key is also the exchange key (one Ed25519 key per party): its seed is the skey's blob after the type byte.
        // PRIVATE+KEY+<name>+<8 hex key id>+<base64, which may itself hold '+'>.
        string[] fields = text.Split('+', 5);
        byte[] blob = Convert.FromBase64String(fields[4]);
        try
        {
            return (signer, PartyKey.FromSeed(blob.AsSpan(1, PartyKey.SeedSize)));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(blob);
        }
    }
}

/// <summary>The server refused a request or a submission (exit code 2), with its reason.</summary>
internal sealed class IncidentRemoteRefusedException(string message) : Exception(message);
