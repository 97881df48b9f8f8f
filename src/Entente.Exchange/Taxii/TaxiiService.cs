using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Exchange.Envelopes;
using Entente.Exchange.Sealing;
using Entente.Exchange.Storage;
using Entente.Exchange.Stix;

namespace Entente.Exchange.Taxii;

/// <summary>A TAXII response, independent of the HTTP stack: status code, media type, JSON body and headers.</summary>
/// <param name="StatusCode">HTTP status code.</param>
/// <param name="Body">JSON body (a TAXII resource or a TAXII error message).</param>
/// <param name="Headers">Extra headers (X-TAXII-Date-Added-First/Last).</param>
/// <param name="ContentType">The response media type: always TAXII 2.1's (TAXII 2.1 §1.6.8).</param>
public sealed record TaxiiResponse(int StatusCode, JsonObject Body, IReadOnlyDictionary<string, string> Headers, string ContentType = TaxiiService.MediaType);

/// <summary>Query parameters of the objects, manifest and versions endpoints (TAXII 2.1 §3.4).</summary>
public sealed record TaxiiQuery
{
    /// <summary>added_after: only entries the server added after this time.</summary>
    public string? AddedAfter { get; init; }

    /// <summary>limit: page size requested.</summary>
    public string? Limit { get; init; }

    /// <summary>next: the opaque paging token returned earlier.</summary>
    public string? Next { get; init; }

    /// <summary>match[id].</summary>
    public string? MatchId { get; init; }

    /// <summary>match[type].</summary>
    public string? MatchType { get; init; }

    /// <summary>match[version]: last (default), first, all, or timestamps.</summary>
    public string? MatchVersion { get; init; }

    /// <summary>match[spec_version].</summary>
    public string? MatchSpecVersion { get; init; }
}

/// <summary>Server description for discovery and the API root.</summary>
/// <param name="Title">Title of the server and API root.</param>
/// <param name="Description">Description.</param>
/// <param name="Contact">Contact information.</param>
/// <param name="ApiRoot">The API root path or URL, ending in '/' (e.g. <c>/taxii2/api/</c>).</param>
public sealed record TaxiiServerInfo(string Title, string Description, string Contact, string ApiRoot);

/// <summary>
/// TAXII 2.1 endpoint logic (OASIS TAXII 2.1 §4–5) over the exchange, with no HTTP types: the
/// server maps each route to one method and copies status, media type, body and headers. Caller
/// identity comes from the transport's authentication (null = anonymous). Every read of a
/// collection requires a registered party with read access; every write a registered party with
/// write access, whose objects arrive as Entente signed or sealed envelopes (docs/exchange.md: a plain STIX
/// object in a POST is refused, since nothing unsigned enters the log). A sealed message is served as its sealed
/// envelope (media type <see cref="SealedEnvelope.MediaType"/>): the host cannot open it, its readers do. Every 401
/// carries <see cref="UnauthorizedHeaders"/> (RFC 9110 §11.6.1: a WWW-Authenticate challenge). Paging: the <c>next</c>
/// token is the log index of the last entry returned, so pages never skip or repeat entries that
/// share a timestamp; it is parsed strictly and never trusted beyond that.
/// </summary>
public sealed class TaxiiService
{
    /// <summary>TAXII 2.1 media type.</summary>
    public const string MediaType = "application/taxii+json;version=2.1";

    /// <summary>STIX 2.1 media type.</summary>
    public const string StixMediaType = "application/stix+json;version=2.1";

    /// <summary>Default and maximum page size.</summary>
    public const int MaxPageSize = 1000;

    private readonly ExchangeService _exchange;
    private readonly TaxiiServerInfo _info;
    private readonly ConcurrentDictionary<string, JsonObject> _statuses = new(StringComparer.Ordinal);

    /// <summary>Creates the service.</summary>
    public TaxiiService(ExchangeService exchange, TaxiiServerInfo info)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        ArgumentNullException.ThrowIfNull(info);
        _exchange = exchange;
        _info = info;
    }

    /// <summary>Largest request body accepted (api-root max_content_length).</summary>
    public int MaxContentLength { get; init; } = 10 * 1024 * 1024;

    /// <summary>
    /// The challenge of the server's authentication, sent with every 401 as <c>WWW-Authenticate</c> (RFC 9110 §11.6.1
    /// requires one). The default names HTTP Message Signatures (RFC 9421, Ed25519 keys of the charter), which is how
    /// the hosted exchange authenticates callers; a host with another scheme sets its own.
    /// </summary>
    public string AuthenticationChallenge { get; init; } = "Signature realm=\"taxii\", alg=\"ed25519\"";

    /// <summary>Further headers sent with every 401 (for example RFC 9421 <c>Accept-Signature</c>).</summary>
    public IReadOnlyDictionary<string, string> UnauthorizedHeaders { get; init; } = new Dictionary<string, string>();

    /// <summary>406 unless the Accept header admits the TAXII 2.1 media type (TAXII 2.1 §1.6.8.1).</summary>
    public static TaxiiResponse? CheckAccept(string? accept)
    {
        if (accept is null)
        {
            return Error(406, "Not Acceptable", $"Send Accept: {MediaType}.");
        }

        foreach (string range in accept.Split(','))
        {
            string[] parts = range.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0 || !parts[0].Equals("application/taxii+json", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            string? version = parts.Skip(1).Select(p => p.Replace(" ", "", StringComparison.Ordinal))
                .FirstOrDefault(p => p.StartsWith("version=", StringComparison.OrdinalIgnoreCase));
            if (version is null || version.Equals("version=2.1", StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }
        }

        return Error(406, "Not Acceptable", $"This server speaks {MediaType} only.");
    }

    /// <summary>415 unless a POST's Content-Type is the TAXII 2.1 media type.</summary>
    public static TaxiiResponse? CheckContentType(string? contentType)
    {
        string normalised = (contentType ?? "").Replace(" ", "", StringComparison.Ordinal);
        return normalised.Equals(MediaType, StringComparison.OrdinalIgnoreCase) || normalised.Equals("application/taxii+json", StringComparison.OrdinalIgnoreCase)
            ? null
            : Error(415, "Unsupported Media Type", $"POST a TAXII envelope with Content-Type: {MediaType}.");
    }

    /// <summary>GET /taxii2/ (TAXII 2.1 §4.1).</summary>
    public TaxiiResponse Discovery() => Ok(new JsonObject
    {
        ["title"] = _info.Title,
        ["description"] = _info.Description,
        ["contact"] = _info.Contact,
        ["default"] = _info.ApiRoot,
        ["api_roots"] = new JsonArray(_info.ApiRoot),
    });

    /// <summary>GET {api-root}/ (TAXII 2.1 §4.2).</summary>
    public TaxiiResponse ApiRoot() => Ok(new JsonObject
    {
        ["title"] = _info.Title,
        ["description"] = _info.Description,
        ["versions"] = new JsonArray(MediaType),
        ["max_content_length"] = MaxContentLength,
    });

    /// <summary>GET {api-root}/status/{id}/ (TAXII 2.1 §4.3).</summary>
    public TaxiiResponse Status(string? caller, string statusId)
    {
        if (Authenticate(caller) is { } denied)
        {
            return denied;
        }

        return _statuses.TryGetValue(statusId, out JsonObject? status) && status["x_entente_caller"]?.GetValue<string>() == caller
            ? Ok(WithoutCaller(status))
            : Error(404, "Not Found", $"No status {statusId} for you.");
    }

    /// <summary>GET {api-root}/collections/ (TAXII 2.1 §5.1): the collections the caller can read or write.</summary>
    public TaxiiResponse Collections(string? caller)
    {
        if (Authenticate(caller) is { } denied)
        {
            return denied;
        }

        JsonArray list = [.. _exchange.Collections.Where(c => c.CanRead(caller) || c.CanWrite(caller)).OrderBy(c => c.Id, StringComparer.Ordinal)
            .Select(c => (JsonNode)CollectionJson(c, caller))];
        return Ok(list.Count == 0 ? [] : new JsonObject { ["collections"] = list });
    }

    /// <summary>GET {api-root}/collections/{id}/ (TAXII 2.1 §5.2).</summary>
    public TaxiiResponse Collection(string? caller, string collectionId)
    {
        if (Authenticate(caller) is { } denied)
        {
            return denied;
        }

        CollectionDefinition? c = _exchange.Collections.FirstOrDefault(x => x.Id == collectionId);
        return c is null || !(c.CanRead(caller) || c.CanWrite(caller))
            ? Error(404, "Not Found", $"No collection {collectionId}.")
            : Ok(CollectionJson(c, caller));
    }

    /// <summary>GET {api-root}/collections/{id}/objects/ (TAXII 2.1 §5.4).</summary>
    public async Task<TaxiiResponse> GetObjectsAsync(string? caller, string collectionId, TaxiiQuery query, CancellationToken cancellationToken = default)
    {
        (TaxiiResponse? error, Page? page) = await SelectAsync(caller, collectionId, query, objectId: null, cancellationToken).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        JsonArray objects = [.. page!.Entries.Select(ObjectJson)];
        return PageResponse(page, objects.Count == 0 ? [] : new JsonObject { ["objects"] = objects });
    }

    /// <summary>The object as served: a plaintext entry's STIX object, or a sealed entry's sealed envelope.</summary>
    private static JsonNode ObjectJson(ExchangeEntry entry) =>
        entry.IsSealed ? JsonNode.Parse(entry.Envelope)! : JsonNode.Parse(ExchangeService.ReadObjectJson(entry).GetRawText())!;

    /// <summary>GET {api-root}/collections/{id}/objects/{object-id}/ (TAXII 2.1 §5.6).</summary>
    public async Task<TaxiiResponse> GetObjectAsync(string? caller, string collectionId, string objectId, TaxiiQuery query, CancellationToken cancellationToken = default)
    {
        (TaxiiResponse? error, Page? page) = await SelectAsync(caller, collectionId, query with { MatchId = null }, objectId, cancellationToken).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        if (page!.Entries.Count == 0 && page.TotalForObject == 0)
        {
            return Error(404, "Not Found", $"No object {objectId} in collection {collectionId}.");
        }

        JsonArray objects = [.. page.Entries.Select(ObjectJson)];
        return PageResponse(page, objects.Count == 0 ? [] : new JsonObject { ["objects"] = objects });
    }

    /// <summary>GET {api-root}/collections/{id}/manifest/ (TAXII 2.1 §5.3).</summary>
    public async Task<TaxiiResponse> GetManifestAsync(string? caller, string collectionId, TaxiiQuery query, CancellationToken cancellationToken = default)
    {
        (TaxiiResponse? error, Page? page) = await SelectAsync(caller, collectionId, query, objectId: null, cancellationToken).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        JsonArray records = [.. page!.Entries.Select(e => (JsonNode)new JsonObject
        {
            ["id"] = e.ObjectId,
            ["date_added"] = e.LoggedAtText,
            ["version"] = e.ObjectVersion ?? e.LoggedAtText,
            ["media_type"] = e.IsSealed ? SealedEnvelope.MediaType : StixMediaType,
        })];
        return PageResponse(page, records.Count == 0 ? [] : new JsonObject { ["objects"] = records });
    }

    /// <summary>GET {api-root}/collections/{id}/objects/{object-id}/versions/ (TAXII 2.1 §5.7).</summary>
    public async Task<TaxiiResponse> GetVersionsAsync(string? caller, string collectionId, string objectId, TaxiiQuery query, CancellationToken cancellationToken = default)
    {
        (TaxiiResponse? error, Page? page) = await SelectAsync(caller, collectionId, query with { MatchVersion = "all", MatchId = null }, objectId, cancellationToken).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        if (page!.TotalForObject == 0)
        {
            return Error(404, "Not Found", $"No object {objectId} in collection {collectionId}.");
        }

        JsonArray versions = [.. page.Entries.Select(e => (JsonNode)(e.ObjectVersion ?? e.LoggedAtText))];
        return PageResponse(page, new JsonObject { ["versions"] = versions });
    }

    /// <summary>
    /// POST {api-root}/collections/{id}/objects/ (TAXII 2.1 §5.5): a TAXII envelope whose objects are
    /// Entente signed envelopes. Answers 202 with a status resource listing each success and failure.
    /// </summary>
    public async Task<TaxiiResponse> AddObjectsAsync(string? caller, string collectionId, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
    {
        if (Authenticate(caller) is { } denied)
        {
            return denied;
        }

        CollectionDefinition? collection = _exchange.Collections.FirstOrDefault(x => x.Id == collectionId);
        if (collection is null || !(collection.CanRead(caller) || collection.CanWrite(caller)))
        {
            return Error(404, "Not Found", $"No collection {collectionId}.");
        }

        if (!collection.CanWrite(caller))
        {
            return Error(403, "Forbidden", $"You may not write to collection {collectionId}.");
        }

        if (body.Length > MaxContentLength)
        {
            return Error(413, "Payload Too Large", $"The body is {body.Length} bytes; max_content_length is {MaxContentLength}.");
        }

        JsonElement root;
        try
        {
            root = StixObject.ParseStrict(body.Span);
        }
        catch (FormatException e)
        {
            return Error(400, "Bad Request", "The body is not a JSON TAXII envelope: " + e.Message);
        }

        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("objects", out JsonElement objects) || objects.ValueKind != JsonValueKind.Array)
        {
            return Error(422, "Unprocessable Content", "A TAXII envelope needs an \"objects\" array.");
        }

        DateTimeOffset requested = _exchange.Time.GetUtcNow();
        JsonArray successes = [];
        JsonArray failures = [];
        int position = 0;
        foreach (JsonElement item in objects.EnumerateArray())
        {
            string label = item.ValueKind == JsonValueKind.Object
                           && (item.TryGetProperty("object", out JsonElement inner) || item.TryGetProperty("label", out inner)) && inner.ValueKind == JsonValueKind.Object
                           && inner.TryGetProperty("id", out JsonElement innerId) && innerId.ValueKind == JsonValueKind.String
                ? innerId.GetString()!
                : item.ValueKind == JsonValueKind.Object && item.TryGetProperty("id", out JsonElement plainId) && plainId.ValueKind == JsonValueKind.String
                    ? plainId.GetString()!
                    : $"objects[{position}]";
            position++;
            try
            {
                if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("envelope", out _))
                {
                    throw new ExchangeRejectedException(ExchangeRejection.Malformed, $"Unsigned object: wrap it in a {SignedEnvelope.Format} envelope signed by your party key (or a {SealedEnvelope.Format} one sealed to the collection's readers).");
                }

                IExchangeEnvelope envelope = ExchangeEnvelope.Parse(System.Text.Encoding.UTF8.GetBytes(item.GetRawText()));
                if (envelope.Sender != caller)
                {
                    throw new ExchangeRejectedException(ExchangeRejection.SignedForAnotherParty, $"You are authenticated as {caller} but the envelope's sender is {envelope.Sender}.");
                }

                if (envelope.Collection != collectionId)
                {
                    throw new ExchangeRejectedException(ExchangeRejection.Protocol, $"The envelope is signed for collection {envelope.Collection}, not {collectionId}.");
                }

                ExchangeReceipt receipt = await _exchange.SubmitAsync(envelope, cancellationToken).ConfigureAwait(false);
                successes.Add(new JsonObject
                {
                    ["id"] = receipt.Entry.ObjectId,
                    ["version"] = receipt.Entry.ObjectVersion ?? receipt.Entry.LoggedAtText,
                    ["message"] = receipt.AlreadyPresent ? $"already present at log index {receipt.Entry.Index}" : $"logged at index {receipt.Entry.Index}",
                });
            }
            catch (Exception e) when (e is ExchangeRejectedException or FormatException)
            {
                failures.Add(new JsonObject { ["id"] = label, ["message"] = e.Message });
            }
        }

        string statusId = Guid.NewGuid().ToString("D", CultureInfo.InvariantCulture);
        JsonObject status = new()
        {
            ["id"] = statusId,
            ["status"] = "complete",
            ["request_timestamp"] = StixTimestamp.FormatMicroseconds(requested),
            ["total_count"] = successes.Count + failures.Count,
            ["success_count"] = successes.Count,
            ["successes"] = successes,
            ["failure_count"] = failures.Count,
            ["failures"] = failures,
            ["pending_count"] = 0,
            ["x_entente_caller"] = caller,
        };
        _statuses[statusId] = status;
        return new TaxiiResponse(202, WithoutCaller(status), new Dictionary<string, string>());
    }

    private sealed record Page(IReadOnlyList<ExchangeEntry> Entries, bool More, int TotalForObject);

    private async Task<(TaxiiResponse? Error, Page? Page)> SelectAsync(string? caller, string collectionId, TaxiiQuery query, string? objectId, CancellationToken cancellationToken)
    {
        if (Authenticate(caller) is { } denied)
        {
            return (denied, null);
        }

        CollectionDefinition? collection = _exchange.Collections.FirstOrDefault(x => x.Id == collectionId);
        if (collection is null || !(collection.CanRead(caller) || collection.CanWrite(caller)))
        {
            return (Error(404, "Not Found", $"No collection {collectionId}."), null);
        }

        if (!collection.CanRead(caller))
        {
            return (Error(403, "Forbidden", $"You may not read collection {collectionId}."), null);
        }

        if (ParseQuery(query) is not { } parsed)
        {
            return (Error(400, "Bad Request", BadQueryMessage(query)), null);
        }

        IReadOnlyList<ExchangeEntry> all = objectId is null
            ? await _exchange.Store.ReadCollectionAsync(collectionId, -1, int.MaxValue, cancellationToken).ConfigureAwait(false)
            : [.. (await _exchange.Store.FindByObjectIdAsync(objectId, cancellationToken).ConfigureAwait(false)).Where(e => e.Collection == collectionId)];
        int totalForObject = all.Count;
        IEnumerable<ExchangeEntry> selected = all;
        if (parsed.Ids is { } ids)
        {
            selected = selected.Where(e => ids.Contains(e.ObjectId));
        }

        if (parsed.Types is { } types)
        {
            selected = selected.Where(e => types.Contains(e.ObjectType));
        }

        if (parsed.SpecVersions is { } specVersions)
        {
            // A sealed object's spec_version is inside the seal: it is served as STIX 2.1, the only version accepted.
            selected = selected.Where(e => specVersions.Contains(e.IsSealed ? "2.1" : ExchangeService.ReadObject(e).SpecVersion ?? "2.1"));
        }

        selected = FilterVersions(selected.ToList(), parsed.Versions);
        if (parsed.AddedAfter is { } after)
        {
            selected = selected.Where(e => e.LoggedAt > after);
        }

        if (parsed.NextIndex is { } cursor)
        {
            selected = selected.Where(e => e.Index > cursor);
        }

        List<ExchangeEntry> ordered = [.. selected.OrderBy(e => e.Index)];
        List<ExchangeEntry> page = [.. ordered.Take(parsed.Limit)];
        return (null, new Page(page, ordered.Count > page.Count, totalForObject));
    }

    private static IEnumerable<ExchangeEntry> FilterVersions(List<ExchangeEntry> entries, IReadOnlySet<string> versions)
    {
        if (versions.Contains("all"))
        {
            return entries;
        }

        HashSet<ExchangeEntry> keep = [];
        foreach (IGrouping<string, ExchangeEntry> group in entries.GroupBy(e => e.ObjectId, StringComparer.Ordinal))
        {
            List<ExchangeEntry> byVersion = [.. group.OrderBy(e => VersionTime(e)).ThenBy(e => e.Index)];
            if (versions.Contains("last"))
            {
                keep.Add(byVersion[^1]);
            }

            if (versions.Contains("first"))
            {
                keep.Add(byVersion[0]);
            }

            foreach (ExchangeEntry e in byVersion)
            {
                if (e.ObjectVersion is not null && StixTimestamp.TryParse(e.ObjectVersion, out DateTimeOffset v)
                    && versions.Any(x => StixTimestamp.TryParse(x, out DateTimeOffset wanted) && wanted == v))
                {
                    keep.Add(e);
                }
            }
        }

        return entries.Where(keep.Contains);
    }

    private static DateTimeOffset VersionTime(ExchangeEntry e) =>
        e.ObjectVersion is not null && StixTimestamp.TryParse(e.ObjectVersion, out DateTimeOffset v) ? v : e.LoggedAt;

    private sealed record ParsedQuery(DateTimeOffset? AddedAfter, int Limit, long? NextIndex, IReadOnlySet<string>? Ids, IReadOnlySet<string>? Types,
        IReadOnlySet<string> Versions, IReadOnlySet<string>? SpecVersions);

    private static ParsedQuery? ParseQuery(TaxiiQuery q)
    {
        DateTimeOffset? addedAfter = null;
        if (q.AddedAfter is not null)
        {
            if (!StixTimestamp.TryParse(q.AddedAfter, out DateTimeOffset a))
            {
                return null;
            }

            addedAfter = a;
        }

        int limit = MaxPageSize;
        if (q.Limit is not null && (!int.TryParse(q.Limit, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1))
        {
            return null;
        }

        limit = Math.Min(limit, MaxPageSize);
        long? next = null;
        if (q.Next is not null)
        {
            if (q.Next.Length > 19 || !long.TryParse(q.Next, NumberStyles.None, CultureInfo.InvariantCulture, out long n))
            {
                return null;
            }

            next = n;
        }

        IReadOnlySet<string>? ids = Split(q.MatchId);
        if (ids is not null && ids.Any(i => !StixId.TryParse(i, out _)))
        {
            return null;
        }

        IReadOnlySet<string>? types = Split(q.MatchType);
        if (types is not null && types.Any(t => !StixTypes.IsValidTypeName(t)))
        {
            return null;
        }

        IReadOnlySet<string> versions = Split(q.MatchVersion) ?? new HashSet<string>(StringComparer.Ordinal) { "last" };
        if (versions.Any(v => v is not ("last" or "first" or "all") && !StixTimestamp.TryParse(v, out _)))
        {
            return null;
        }

        IReadOnlySet<string>? specVersions = Split(q.MatchSpecVersion);
        if (specVersions is not null && specVersions.Any(v => v is not ("2.0" or "2.1")))
        {
            return null;
        }

        return new ParsedQuery(addedAfter, limit, next, ids, types, versions, specVersions);
    }

    private static string BadQueryMessage(TaxiiQuery q) =>
        "Bad query parameters: added_after must be an RFC 3339 UTC timestamp, limit a positive integer, next a token from an earlier page, "
        + "match[id] STIX ids, match[type] type names, match[version] last/first/all or timestamps, match[spec_version] 2.0 or 2.1 "
        + $"(got added_after={q.AddedAfter ?? "-"}, limit={q.Limit ?? "-"}, next={(q.Next is null ? "-" : StixId.Truncate(q.Next))}).";

    private static HashSet<string>? Split(string? value) =>
        value is null ? null : new HashSet<string>(value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal);

    private static TaxiiResponse PageResponse(Page page, JsonObject body)
    {
        Dictionary<string, string> headers = new(StringComparer.Ordinal);
        if (page.Entries.Count > 0)
        {
            headers["X-TAXII-Date-Added-First"] = page.Entries[0].LoggedAtText;
            headers["X-TAXII-Date-Added-Last"] = page.Entries[^1].LoggedAtText;
            body["more"] = page.More;
            if (page.More)
            {
                body["next"] = page.Entries[^1].Index.ToString(CultureInfo.InvariantCulture);
            }
        }

        return new TaxiiResponse(200, body, headers);
    }

    private static JsonObject CollectionJson(CollectionDefinition c, string? caller) => new()
    {
        ["id"] = c.Id,
        ["title"] = c.Title,
        ["description"] = c.Description,
        ["can_read"] = c.CanRead(caller),
        ["can_write"] = c.CanWrite(caller),
        ["media_types"] = c.Public ? new JsonArray(StixMediaType, SealedEnvelope.MediaType) : new JsonArray(SealedEnvelope.MediaType),
    };

    private TaxiiResponse? Authenticate(string? caller)
    {
        if (caller is not null && _exchange.Parties.TryGetByIdentity(caller, out _))
        {
            return null;
        }

        TaxiiResponse denied = Error(401, "Unauthorized", "Authenticate as a registered party to use the collections.");
        Dictionary<string, string> headers = new(UnauthorizedHeaders, StringComparer.OrdinalIgnoreCase) { ["WWW-Authenticate"] = AuthenticationChallenge };
        return denied with { Headers = headers };
    }

    private static JsonObject WithoutCaller(JsonObject status)
    {
        JsonObject copy = (JsonObject)status.DeepClone();
        copy.Remove("x_entente_caller");
        return copy;
    }

    private static TaxiiResponse Ok(JsonObject body) => new(200, body, new Dictionary<string, string>());

    /// <summary>A TAXII error message (TAXII 2.1 §3.6.1).</summary>
    public static TaxiiResponse Error(int status, string title, string description) =>
        new(status, new JsonObject
        {
            ["title"] = title,
            ["description"] = description,
            ["http_status"] = status.ToString(CultureInfo.InvariantCulture),
        }, new Dictionary<string, string>());
}
