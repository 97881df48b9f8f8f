using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Client.Http;
using Entente.Exchange;
using Entente.Exchange.Envelopes;
using Entente.Exchange.Log;
using Entente.Exchange.Sealing;
using Entente.Exchange.Stix;
using Entente.Exchange.Storage;
using Entente.Server.Auth;
using Entente.Transparency;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;
using Entente.Transparency.Policy;

namespace Entente.Cli.Commands.Incident;

/// <summary>
/// The exchange hosted by <c>entente serve</c> (docs/exchange.md, "Hosted by entente serve"). Every request is signed
/// (RFC 9421, <see cref="HttpSignatureHandler"/>) with the party's charter key, which also signs the envelopes.
/// Writes: POST a TAXII envelope to the collection's <c>objects/</c>, then poll the status resource. Reads: TAXII
/// <c>objects/</c> pages (<c>added_after</c>, <c>next</c>), then each message's proof bundle from
/// <c>/exchange/objects/{id}</c>, verified with <see cref="BoardExchangeVerifier"/> against the witness policy
/// (<c>--policy</c>, else the one the server publishes, which the output says).
/// </summary>
internal sealed class RemoteIncidentTarget : IIncidentTarget
{
    private const string TaxiiMedia = "application/taxii+json;version=2.1";
    private readonly HttpClient _http;
    private readonly Ed25519NoteSigner _signer;
    private readonly PartyKey _partyKey;
    private readonly List<CollectionDefinition> _collections;
    private readonly TrustPolicy _policy;
    private readonly Dictionary<string, INoteVerifier> _boardKeys;
    private ReaderView? _view;
    private EncryptionKey? _encryptionKey;
    private readonly Dictionary<long, BoardExchangeProof> _proofs = [];

    private RemoteIncidentTarget(HttpClient http, Ed25519NoteSigner signer, PartyKey partyKey, PartyRegistry parties, List<CollectionDefinition> collections, TrustPolicy policy, Dictionary<string, INoteVerifier> boardKeys, bool pinned)
    {
        _http = http;
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
        HttpClient http = new(new HttpSignatureHandler(signer)) { BaseAddress = baseUri, Timeout = TimeSpan.FromSeconds(30) };
        try
        {
            JsonNode unit = await GetJsonAsync(http, "exchange/unit", cancellationToken).ConfigureAwait(false);
            PartyRegistry parties = new([.. unit["parties"]!.AsArray().Select(p => new Party(p!["name"]!.GetValue<string>(), p["identity"]!.GetValue<string>(),
                Convert.FromBase64String(p["public_key"]!.GetValue<string>()), IncidentWorkspace.ReadEncryptionKey(p["encryption_key"])))]);
            List<CollectionDefinition> collections = [.. unit["collections"]!.AsArray().Select(c => new CollectionDefinition(
                c!["id"]!.GetValue<string>(), c["title"]!.GetValue<string>(), c["description"]!.GetValue<string>(),
                c["can_read"]!.AsArray().Select(x => x!.GetValue<string>()).ToHashSet(StringComparer.Ordinal),
                c["can_write"]!.AsArray().Select(x => x!.GetValue<string>()).ToHashSet(StringComparer.Ordinal),
                c["allow_custom_objects"]!.GetValue<bool>(),
                c["public"]?.GetValue<bool>() ?? true))];
            Dictionary<string, INoteVerifier> boardKeys = new(StringComparer.Ordinal);
            foreach (JsonNode? k in unit["board_keys"]!.AsArray())
            {
                INoteVerifier v = VerifierKeys.Parse(k!.GetValue<string>());
                boardKeys[v.Name] = v;
            }

            string policyText = policyPath is null ? unit["policy"]!.GetValue<string>() : await ReadPolicyAsync(policyPath, cancellationToken).ConfigureAwait(false);
            TrustPolicy policy = TrustPolicy.Parse(policyText);
            return new RemoteIncidentTarget(http, signer, partyKey, parties, collections, policy, boardKeys, policyPath is not null);
        }
        catch (Exception e) when (e is JsonException or NullReferenceException or InvalidOperationException or FormatException or NoteFormatException or ArgumentException)
        {
            http.Dispose();
            signer.Dispose();
            partyKey.Dispose();
            throw new IncidentInputException($"{baseUri}exchange/unit: not an Entente exchange description ({e.Message}); is --server an `entente serve` board with the exchange enabled?");
        }
        catch
        {
            http.Dispose();
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

        // Every readable collection's objects over TAXII (added_after/next paging), then each object's messages with proofs.
        HashSet<string> ids = new(StringComparer.Ordinal);
        List<string> order = [];
        foreach (CollectionDefinition collection in _collections.Where(c => c.CanRead(Me().IdentityRef)))
        {
            string? next = null;
            do
            {
                string query = "?limit=200" + (next is null ? "" : "&next=" + Uri.EscapeDataString(next));
                JsonNode page = await GetJsonAsync(_http, $"taxii2/api/collections/{collection.Id}/objects/{query}", cancellationToken, TaxiiMedia).ConfigureAwait(false);
                foreach (JsonNode? o in page["objects"]?.AsArray() ?? [])
                {
                    // A sealed message is served as its sealed envelope; its label names the object.
                    string id = (o!["envelope"]?.GetValue<string>() == SealedEnvelope.Format ? o["label"]!["id"] : o["id"])!.GetValue<string>();
                    if (ids.Add(id))
                    {
                        order.Add(id);
                    }
                }

                next = page["more"]?.GetValue<bool>() == true ? page["next"]?.GetValue<string>() : null;
            }
            while (next is not null);
        }

        SortedDictionary<long, BoardExchangeProof> byIndex = [];
        foreach (string id in order)
        {
            JsonNode found = await GetJsonAsync(_http, "exchange/objects/" + Uri.EscapeDataString(id), cancellationToken).ConfigureAwait(false);
            foreach (JsonNode? p in found["proofs"]!.AsArray())
            {
                BoardExchangeProof proof = ParseProof(p!);
                byIndex[proof.Entry.Index] = proof;
            }
        }

        // The mirror numbers the messages it may read from 0 in log order; statuses depend only on order and times.
        MemoryExchangeStore mirror = new();
        long n = 0;
        foreach (BoardExchangeProof proof in byIndex.Values)
        {
            await mirror.AppendAsync(proof.Entry with { Index = n }, cancellationToken).ConfigureAwait(false);
            _proofs[n] = proof;
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
        byte[] body = Encoding.UTF8.GetBytes("{\"objects\":[" + Encoding.UTF8.GetString(envelope.ToCanonicalJson()) + "]}");
        return await PostEnvelopeAsync(collection, body, envelope.ObjectId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>POSTs a TAXII envelope, polls its status, and returns the logged entry of <paramref name="objectId"/>.</summary>
    internal async Task<ExchangeReceipt> PostEnvelopeAsync(string collection, byte[] body, string objectId, CancellationToken cancellationToken)
    {
        using HttpRequestMessage post = new(HttpMethod.Post, $"taxii2/api/collections/{collection}/objects/") { Content = new ByteArrayContent(body) };
        post.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(TaxiiMedia);
        post.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse(TaxiiMedia));
        JsonNode status = await SendJsonAsync(post, cancellationToken).ConfigureAwait(false);
        for (int attempt = 0; status["status"]?.GetValue<string>() != "complete"; attempt++)
        {
            if (attempt == 20)
            {
                throw new IncidentInputException($"The server did not complete status {status["id"]} in time; run `entente incident list` later.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100 * (attempt + 1)), cancellationToken).ConfigureAwait(false);
            status = await GetJsonAsync(_http, $"taxii2/api/status/{status["id"]!.GetValue<string>()}/", cancellationToken, TaxiiMedia).ConfigureAwait(false);
        }

        if (status["failures"]?.AsArray() is { Count: > 0 } failures)
        {
            throw new IncidentRemoteRefusedException(string.Join("; ", failures.Select(f => f!["message"]?.GetValue<string>() ?? f.ToJsonString())));
        }

        string message = status["successes"]?.AsArray().FirstOrDefault()?["message"]?.GetValue<string>() ?? "";
        JsonNode found = await GetJsonAsync(_http, "exchange/objects/" + Uri.EscapeDataString(objectId), cancellationToken).ConfigureAwait(false);
        BoardExchangeProof proof = ParseProof(found["proofs"]!.AsArray()[^1]!);
        return new ExchangeReceipt(proof.Entry, message.StartsWith("already present", StringComparison.Ordinal));
    }

    public async Task<VerifiedProof> ProveAsync(ExchangeEntry entry, CancellationToken cancellationToken)
    {
        await StoreAsync(cancellationToken).ConfigureAwait(false);
        BoardExchangeProof proof = _proofs[entry.Index];
        BoardExchangeVerification result = BoardExchangeVerifier.Verify(proof, Parties, _policy, name => _boardKeys.GetValueOrDefault(name));
        JsonObject json = ProofJson(proof);
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
        ["server"] = _http.BaseAddress!.ToString(),
        ["board_keys"] = new JsonArray([.. _boardKeys.Values.Select(k => (JsonNode)k.Name!)]),
        ["parties"] = IncidentTargetJson.Parties(Parties),
    };

    public void Dispose()
    {
        _encryptionKey?.Dispose();
        _http.Dispose();
        _signer.Dispose();
        _partyKey.Dispose();
    }

    /// <summary>The proof JSON the server serves (<c>entente-exchange-board-proof/v1</c>).</summary>
    internal static JsonObject ProofJson(BoardExchangeProof proof) => Server.Exchange.HostedExchange.ProofJson(proof);

    private static BoardExchangeProof ParseProof(JsonNode p)
    {
        byte[] envelopeBytes = Convert.FromBase64String(p["envelope"]!.GetValue<string>());
        IExchangeEnvelope envelope = ExchangeEnvelope.Parse(envelopeBytes, int.MaxValue, int.MaxValue);
        ExchangeEntry entry = new(
            p["index"]!.GetValue<long>(),
            StixTimestamp.Parse(p["logged_at"]!.GetValue<string>(), "logged_at"),
            p["collection"]!.GetValue<string>(),
            p["sender"]!.GetValue<string>(),
            p["object_id"]!.GetValue<string>(),
            p["object_type"]!.GetValue<string>(),
            p["object_version"]?.GetValue<string>(),
            envelopeBytes,
            envelope.Signature,
            envelope.Nonce);
        return new BoardExchangeProof(entry, p["board_index"]!.GetValue<long>(), Convert.FromBase64String(p["board_entry"]!.GetValue<string>()),
            [.. p["inclusion_proof"]!.AsArray().Select(h => Hash256.FromHex(h!.GetValue<string>()))], p["checkpoint"]!.GetValue<string>());
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

    private static async Task<JsonNode> GetJsonAsync(HttpClient http, string path, CancellationToken cancellationToken, string? accept = null)
    {
        // 503 + Retry-After: the message is logged but the published (cosigned) checkpoint does not cover it yet.
        for (int attempt = 0; ; attempt++)
        {
            HttpRequestMessage get = new(HttpMethod.Get, path);
            if (accept is not null)
            {
                get.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse(accept));
            }

            try
            {
                return await SendJsonAsync(http, get, cancellationToken).ConfigureAwait(false);
            }
            catch (RetryLaterException e) when (attempt < 30)
            {
                await Task.Delay(e.After, cancellationToken).ConfigureAwait(false);
            }
            catch (RetryLaterException e)
            {
                throw new IncidentInputException(e.Message + " (still after 30 attempts; are the witnesses running?)");
            }
        }
    }

    private sealed class RetryLaterException(string message, TimeSpan after) : Exception(message)
    {
        public TimeSpan After { get; } = after;
    }

    private Task<JsonNode> SendJsonAsync(HttpRequestMessage request, CancellationToken cancellationToken) => SendJsonAsync(_http, request, cancellationToken);

    private static async Task<JsonNode> SendJsonAsync(HttpClient http, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using (request)
        {
            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException e)
            {
                throw new IncidentInputException($"{http.BaseAddress}: {e.Message}; is `entente serve` running there?");
            }

            using (response)
            {
                string text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    string detail = text;
                    try
                    {
                        JsonNode? error = JsonNode.Parse(text);
                        detail = error?["description"]?.GetValue<string>() ?? error?["detail"]?.GetValue<string>() ?? error?["title"]?.GetValue<string>() ?? text;
                    }
                    catch (JsonException)
                    {
                    }

                    string what = $"{request.Method} {request.RequestUri}: {(int)response.StatusCode} {response.ReasonPhrase}: {detail}";
                    if (response.StatusCode == HttpStatusCode.ServiceUnavailable && response.Headers.RetryAfter?.Delta is TimeSpan after)
                    {
                        throw new RetryLaterException(what, TimeSpan.FromMilliseconds(Math.Clamp(after.TotalMilliseconds / 2, 100, 2000)));
                    }

                    throw response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.UnprocessableContent or HttpStatusCode.BadRequest or HttpStatusCode.Conflict
                        ? new IncidentRemoteRefusedException(what)
                        : new IncidentInputException(what);
                }

                return JsonNode.Parse(text) ?? throw new IncidentInputException($"{request.RequestUri}: empty answer.");
            }
        }
    }
}

/// <summary>The server refused a request or a submission (exit code 2), with its reason.</summary>
internal sealed class IncidentRemoteRefusedException(string message) : Exception(message);
