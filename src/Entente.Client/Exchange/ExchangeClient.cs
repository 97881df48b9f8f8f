using System.Globalization;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Entente.Client.Http;

namespace Entente.Client.Exchange;

/// <summary>The query of a TAXII objects, manifest or versions request (TAXII 2.1 §3.4); null members are not sent.</summary>
public sealed record TaxiiQuery
{
    /// <summary><c>added_after</c>: only what the server added after this time.</summary>
    public DateTimeOffset? AddedAfter { get; init; }

    /// <summary><c>limit</c>: the page size asked for (the server may return fewer).</summary>
    public int? Limit { get; init; }

    /// <summary><c>next</c>: the token of the page to continue from.</summary>
    public string? Next { get; init; }

    /// <summary><c>match[id]</c>.</summary>
    public IReadOnlyList<string>? MatchId { get; init; }

    /// <summary><c>match[type]</c>.</summary>
    public IReadOnlyList<string>? MatchType { get; init; }

    /// <summary><c>match[version]</c>: last (the server's default), first, all, or timestamps.</summary>
    public IReadOnlyList<string>? MatchVersion { get; init; }

    /// <summary>The query string, starting with <c>?</c> (or empty).</summary>
    public string ToQueryString()
    {
        List<string> parts = [];
        void Add(string name, string? value)
        {
            if (value is not null)
            {
                parts.Add(Uri.EscapeDataString(name) + "=" + Uri.EscapeDataString(value));
            }
        }

        Add("added_after", AddedAfter?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));
        Add("limit", Limit?.ToString(CultureInfo.InvariantCulture));
        Add("next", Next);
        Add("match[id]", MatchId is null ? null : string.Join(',', MatchId));
        Add("match[type]", MatchType is null ? null : string.Join(',', MatchType));
        Add("match[version]", MatchVersion is null ? null : string.Join(',', MatchVersion));
        return parts.Count == 0 ? "" : "?" + string.Join('&', parts);
    }
}

/// <summary>One page of a TAXII objects request, with the <c>X-TAXII-Date-Added-First/Last</c> headers (TAXII 2.1 §3.4.3).</summary>
/// <param name="Envelope">The page.</param>
/// <param name="DateAddedFirst">When the server added the page's first object, or null.</param>
/// <param name="DateAddedLast">When the server added the page's last object, or null (resume with <c>added_after</c> = this).</param>
public sealed record TaxiiPage(TaxiiEnvelope Envelope, DateTimeOffset? DateAddedFirst, DateTimeOffset? DateAddedLast);

/// <summary>
/// A client of the incident exchange an Entente board hosts (docs/http-api.md, "Incident exchange"): TAXII 2.1 under
/// <c>/taxii2/</c> (discovery, API root, collections, objects with <c>next</c> paging and <c>added_after</c>, manifest,
/// versions, posting envelopes and polling their status) and the proof endpoints under <c>/exchange/</c> (the unit
/// description, a message's proof bundle by exchange index or by object). Every document is a record type read with
/// source-generated JSON. Requests are signed when the client is built over an <see cref="HttpSignatureHandler"/> (the
/// exchange authenticates TAXII callers by their charter key). A proof not yet covered by the published checkpoint
/// answers 503 with <c>Retry-After</c>, which the <see cref="RetryHandler"/> waits out within its bound.
/// </summary>
public sealed class ExchangeClient : IDisposable
{
    /// <summary>The TAXII 2.1 media type.</summary>
    public const string TaxiiMediaType = "application/taxii+json;version=2.1";

    private readonly HttpClient _http;
    private readonly string _apiRoot;

    /// <summary>A client of the board at <paramref name="board"/>; pass an <see cref="HttpSignatureHandler"/> as <paramref name="inner"/> to act as a party.</summary>
    public ExchangeClient(Uri board, RetryPolicy? retry = null, HttpMessageHandler? inner = null, string apiRoot = "taxii2/api/")
    {
        ArgumentException.ThrowIfNullOrEmpty(apiRoot);
        _http = ClientResponses.Create(board, retry, inner);
        _apiRoot = apiRoot.EndsWith('/') ? apiRoot.TrimStart('/') : apiRoot.TrimStart('/') + "/";
    }

    /// <summary>The board's URL.</summary>
    public Uri Board => _http.BaseAddress!;

    // ------------------------------------------------------------------ TAXII 2.1

    /// <summary>GET /taxii2/ (discovery).</summary>
    public Task<TaxiiDiscovery> GetDiscoveryAsync(CancellationToken cancellationToken = default) =>
        TaxiiAsync("taxii2/", TaxiiJsonContext.Default.TaxiiDiscovery, cancellationToken);

    /// <summary>GET {api-root}/.</summary>
    public Task<TaxiiApiRoot> GetApiRootAsync(CancellationToken cancellationToken = default) =>
        TaxiiAsync(_apiRoot, TaxiiJsonContext.Default.TaxiiApiRoot, cancellationToken);

    /// <summary>GET {api-root}/collections/: the collections the caller can read or write.</summary>
    public async Task<IReadOnlyList<TaxiiCollectionInfo>> GetCollectionsAsync(CancellationToken cancellationToken = default) =>
        (await TaxiiAsync(_apiRoot + "collections/", TaxiiJsonContext.Default.TaxiiCollections, cancellationToken).ConfigureAwait(false)).Collections ?? [];

    /// <summary>GET {api-root}/collections/{id}/.</summary>
    public Task<TaxiiCollectionInfo> GetCollectionAsync(string collection, CancellationToken cancellationToken = default) =>
        TaxiiAsync($"{_apiRoot}collections/{Segment(collection)}/", TaxiiJsonContext.Default.TaxiiCollectionInfo, cancellationToken);

    /// <summary>GET {api-root}/collections/{id}/objects/: one page.</summary>
    public async Task<TaxiiPage> GetObjectsAsync(string collection, TaxiiQuery? query = null, CancellationToken cancellationToken = default)
    {
        string path = $"{_apiRoot}collections/{Segment(collection)}/objects/{(query ?? new TaxiiQuery()).ToQueryString()}";
        using HttpRequestMessage request = TaxiiRequest(HttpMethod.Get, path);
        using HttpResponseMessage response = await ClientResponses.SendAsync(_http, request, cancellationToken).ConfigureAwait(false);
        byte[] body = await ClientResponses.ReadLimitedAsync(request, response, ClientResponses.MaxJsonBytes, cancellationToken).ConfigureAwait(false);
        TaxiiEnvelope envelope = ClientResponses.Deserialize(body, TaxiiJsonContext.Default.TaxiiEnvelope, $"GET {request.RequestUri}");
        return new TaxiiPage(envelope, DateHeader(response, "X-TAXII-Date-Added-First"), DateHeader(response, "X-TAXII-Date-Added-Last"));
    }

    /// <summary>
    /// Every object of a collection (TAXII 2.1 §3.4): pages of <paramref name="pageSize"/> followed by <c>next</c>
    /// while the server says <c>more</c>, from <paramref name="addedAfter"/> on when given.
    /// </summary>
    public async IAsyncEnumerable<StixObjectDocument> ReadObjectsAsync(string collection, DateTimeOffset? addedAfter = null, int pageSize = 200,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        TaxiiQuery query = new() { AddedAfter = addedAfter, Limit = pageSize };
        HashSet<string> tokens = new(StringComparer.Ordinal);
        while (true)
        {
            TaxiiPage page = await GetObjectsAsync(collection, query, cancellationToken).ConfigureAwait(false);
            foreach (StixObjectDocument o in page.Envelope.Objects ?? [])
            {
                yield return o;
            }

            if (page.Envelope.More != true)
            {
                yield break;
            }

            string next = page.Envelope.Next ?? throw new FormatException($"{Board}{_apiRoot}collections/{collection}/objects/: \"more\" is true but there is no \"next\" token.");
            if (!tokens.Add(next))
            {
                throw new FormatException($"{Board}{_apiRoot}collections/{collection}/objects/: the server returned the token \"{next}\" twice; paging would not end.");
            }

            query = query with { Next = next };
        }
    }

    /// <summary>GET {api-root}/collections/{id}/objects/{object-id}/: the object's versions (by <paramref name="query"/>'s match[version]).</summary>
    public Task<TaxiiEnvelope> GetObjectAsync(string collection, string objectId, TaxiiQuery? query = null, CancellationToken cancellationToken = default) =>
        TaxiiAsync($"{_apiRoot}collections/{Segment(collection)}/objects/{Segment(objectId)}/{(query ?? new TaxiiQuery()).ToQueryString()}", TaxiiJsonContext.Default.TaxiiEnvelope, cancellationToken);

    /// <summary>GET {api-root}/collections/{id}/manifest/: one page.</summary>
    public Task<TaxiiManifest> GetManifestAsync(string collection, TaxiiQuery? query = null, CancellationToken cancellationToken = default) =>
        TaxiiAsync($"{_apiRoot}collections/{Segment(collection)}/manifest/{(query ?? new TaxiiQuery()).ToQueryString()}", TaxiiJsonContext.Default.TaxiiManifest, cancellationToken);

    /// <summary>GET {api-root}/collections/{id}/objects/{object-id}/versions/.</summary>
    public Task<TaxiiVersions> GetVersionsAsync(string collection, string objectId, TaxiiQuery? query = null, CancellationToken cancellationToken = default) =>
        TaxiiAsync($"{_apiRoot}collections/{Segment(collection)}/objects/{Segment(objectId)}/versions/{(query ?? new TaxiiQuery()).ToQueryString()}", TaxiiJsonContext.Default.TaxiiVersions, cancellationToken);

    /// <summary>GET {api-root}/status/{id}/.</summary>
    public Task<TaxiiStatus> GetStatusAsync(string statusId, CancellationToken cancellationToken = default) =>
        TaxiiAsync($"{_apiRoot}status/{Segment(statusId)}/", TaxiiJsonContext.Default.TaxiiStatus, cancellationToken);

    /// <summary>
    /// POST {api-root}/collections/{id}/objects/: a TAXII envelope of Entente signed envelopes (each the canonical JSON
    /// of a <c>SignedEnvelope</c>). Returns the status (202); a resubmitted envelope is a success "already present".
    /// </summary>
    public async Task<TaxiiStatus> AddObjectsAsync(string collection, IEnumerable<byte[]> signedEnvelopes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(signedEnvelopes);
        using MemoryStream buffer = new();
        using (Utf8JsonWriter w = new(buffer))
        {
            w.WriteStartObject();
            w.WriteStartArray("objects");
            foreach (byte[] envelope in signedEnvelopes)
            {
                w.WriteRawValue(envelope);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        using HttpRequestMessage request = TaxiiRequest(HttpMethod.Post, $"{_apiRoot}collections/{Segment(collection)}/objects/");
        request.Content = new ByteArrayContent(buffer.ToArray());
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(TaxiiMediaType);
        return await ClientResponses.SendJsonAsync(_http, request, TaxiiJsonContext.Default.TaxiiStatus, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Polls a status until it is complete (at most <paramref name="attempts"/> times, backing off), or <see cref="TimeoutException"/>.</summary>
    public async Task<TaxiiStatus> WaitForStatusAsync(TaxiiStatus status, int attempts = 20, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(status);
        for (int attempt = 0; !status.Complete; attempt++)
        {
            if (attempt == attempts)
            {
                throw new TimeoutException($"{Board}{_apiRoot}status/{status.Id}/ is still {status.Status} after {attempts} polls.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100 * (attempt + 1)), cancellationToken).ConfigureAwait(false);
            status = await GetStatusAsync(status.Id, cancellationToken).ConfigureAwait(false);
        }

        return status;
    }

    // ------------------------------------------------------------------ Entente's exchange proofs

    /// <summary>GET /exchange/unit: parties, collections, board keys and the witness policy.</summary>
    public async Task<ExchangeUnit> GetUnitAsync(CancellationToken cancellationToken = default)
    {
        ExchangeUnit unit = await ClientResponses.GetJsonAsync(_http, "exchange/unit", ExchangeJsonContext.Default.ExchangeUnit, cancellationToken).ConfigureAwait(false);
        return unit.Format == ExchangeUnit.FormatId ? unit : throw new FormatException($"{Board}exchange/unit: $.format \"{unit.Format}\" is not {ExchangeUnit.FormatId}.");
    }

    /// <summary>GET /exchange/entries/{index}: one message with its proof bundle.</summary>
    public Task<ExchangeProofDocument> GetEntryProofAsync(long index, CancellationToken cancellationToken = default) =>
        ClientResponses.GetJsonAsync(_http, "exchange/entries/" + index.ToString(CultureInfo.InvariantCulture), ExchangeJsonContext.Default.ExchangeProofDocument, cancellationToken);

    /// <summary>GET /exchange/objects/{id}: every version of a STIX object the caller may read, each with its proof bundle.</summary>
    public async Task<IReadOnlyList<ExchangeProofDocument>> GetObjectProofsAsync(string objectId, CancellationToken cancellationToken = default) =>
        (await ClientResponses.GetJsonAsync(_http, "exchange/objects/" + Segment(objectId), ExchangeJsonContext.Default.ExchangeObjectProofs, cancellationToken).ConfigureAwait(false)).Proofs;

    /// <summary>The JSON of a proof bundle, as the board serves it (for export and display).</summary>
    public static string ToJson(ExchangeProofDocument proof) => JsonSerializer.Serialize(proof, ExchangeJsonContext.Default.ExchangeProofDocument);

    /// <inheritdoc/>
    public void Dispose() => _http.Dispose();

    private async Task<T> TaxiiAsync<T>(string path, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, CancellationToken cancellationToken) =>
        await ClientResponses.GetJsonAsync(_http, path, type, cancellationToken, TaxiiMediaType).ConfigureAwait(false);

    private static HttpRequestMessage TaxiiRequest(HttpMethod method, string path)
    {
        HttpRequestMessage request = new(method, path);
        request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse(TaxiiMediaType));
        return request;
    }

    private static string Segment(string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(value);
        return Uri.EscapeDataString(value);
    }

    private static DateTimeOffset? DateHeader(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out IEnumerable<string>? values)
        && DateTimeOffset.TryParse(values.First(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset when)
            ? when
            : null;
}
