using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Entente.Client.Http;

/// <summary>
/// An RFC 9457 ProblemDetails document (every Entente error), or the TAXII 2.1 error message (§3.6.1: title,
/// description, http_status), read leniently so that a refusal is always reported with its reason.
/// </summary>
/// <param name="Type">The problem type URI.</param>
/// <param name="Title">A short title.</param>
/// <param name="Status">The HTTP status.</param>
/// <param name="Detail">What is wrong (ProblemDetails).</param>
/// <param name="Description">What is wrong (TAXII error).</param>
public sealed record ProblemDocument(
    [property: JsonPropertyName("type")] string? Type,
    [property: JsonPropertyName("title")] string? Title,
    [property: JsonPropertyName("status")] int? Status,
    [property: JsonPropertyName("detail")] string? Detail,
    [property: JsonPropertyName("description")] string? Description);

/// <summary>
/// A server refused a request for a reason that retrying will not change (4xx, or a 5xx that is not transient):
/// the status, and the problem's title and detail as the server gave them.
/// </summary>
public sealed class RequestRefusedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RequestRefusedException(HttpStatusCode status, string title, string detail, string request)
        : base($"{request}: {(int)status} {title}: {detail}")
    {
        Status = status;
        Title = title;
        Detail = detail;
    }

    /// <summary>Creates the exception.</summary>
    public RequestRefusedException()
        : this(HttpStatusCode.BadRequest, "Refused", "the server refused the request", "request")
    {
    }

    /// <summary>Creates the exception.</summary>
    public RequestRefusedException(string message)
        : base(message)
    {
        Title = "Refused";
        Detail = message;
    }

    /// <summary>Creates the exception.</summary>
    public RequestRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
        Title = "Refused";
        Detail = message;
    }

    /// <summary>The HTTP status.</summary>
    public HttpStatusCode Status { get; }

    /// <summary>The problem's title.</summary>
    public string Title { get; }

    /// <summary>The problem's detail (or the body, when it was not a problem document).</summary>
    public string Detail { get; }
}

/// <summary>How the typed clients build their <see cref="HttpClient"/> and read answers: bounded, typed, never trusted.</summary>
internal static class ClientResponses
{
    /// <summary>Largest JSON document a client reads.</summary>
    public const int MaxJsonBytes = 16 << 20;

    /// <summary>
    /// An <see cref="HttpClient"/> on <paramref name="address"/> whose requests go through a <see cref="RetryHandler"/>
    /// with <paramref name="retry"/> and then <paramref name="inner"/> (default: a new <see cref="SocketsHttpHandler"/>;
    /// pass an <see cref="HttpSignatureHandler"/> to sign, so that each attempt is signed afresh).
    /// </summary>
    public static HttpClient Create(Uri address, RetryPolicy? retry, HttpMessageHandler? inner)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (!address.IsAbsoluteUri || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"\"{address}\" is not an http(s) URL.", nameof(address));
        }

        HttpMessageHandler handler = inner ?? new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) };
        return new HttpClient(new RetryHandler(handler, retry)) { BaseAddress = WithSlash(address), Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>The URL with a trailing slash, so that relative paths resolve under it.</summary>
    public static Uri WithSlash(Uri address) =>
        address.AbsoluteUri.EndsWith('/') ? address : new Uri(address.AbsoluteUri + "/");

    /// <summary>Sends, and returns the response when it is a success; otherwise throws <see cref="RequestRefusedException"/> with the server's reason.</summary>
    public static async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        HttpResponseMessage response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            throw await RefusalAsync(request, response, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>GETs <paramref name="path"/> and returns its body (at most <paramref name="maxBytes"/>), or throws.</summary>
    public static async Task<byte[]> GetBytesAsync(HttpClient http, string path, int maxBytes, CancellationToken cancellationToken, string? accept = null)
    {
        using HttpRequestMessage request = new(HttpMethod.Get, path);
        if (accept is not null)
        {
            request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse(accept));
        }

        using HttpResponseMessage response = await SendAsync(http, request, cancellationToken).ConfigureAwait(false);
        return await ReadLimitedAsync(request, response, maxBytes, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>GETs <paramref name="path"/> and returns its body, or null for 404; other failures throw.</summary>
    public static async Task<byte[]?> GetBytesOrNullAsync(HttpClient http, string path, int maxBytes, CancellationToken cancellationToken)
    {
        using HttpRequestMessage request = new(HttpMethod.Get, path);
        using HttpResponseMessage response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        if (!response.IsSuccessStatusCode)
        {
            throw await RefusalAsync(request, response, cancellationToken).ConfigureAwait(false);
        }

        return await ReadLimitedAsync(request, response, maxBytes, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>GETs a JSON document of type <typeparamref name="T"/>.</summary>
    public static async Task<T> GetJsonAsync<T>(HttpClient http, string path, JsonTypeInfo<T> type, CancellationToken cancellationToken, string? accept = null)
    {
        byte[] body = await GetBytesAsync(http, path, MaxJsonBytes, cancellationToken, accept ?? "application/json").ConfigureAwait(false);
        return Deserialize(body, type, new Uri(http.BaseAddress!, path).ToString());
    }

    /// <summary>Sends <paramref name="request"/> and reads a JSON answer of type <typeparamref name="T"/>.</summary>
    public static async Task<T> SendJsonAsync<T>(HttpClient http, HttpRequestMessage request, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        using HttpResponseMessage response = await SendAsync(http, request, cancellationToken).ConfigureAwait(false);
        byte[] body = await ReadLimitedAsync(request, response, MaxJsonBytes, cancellationToken).ConfigureAwait(false);
        return Deserialize(body, type, $"{request.Method} {request.RequestUri}");
    }

    /// <summary>Parses <paramref name="body"/> as <typeparamref name="T"/>, or throws <see cref="FormatException"/> naming <paramref name="what"/>.</summary>
    public static T Deserialize<T>(byte[] body, JsonTypeInfo<T> type, string what)
    {
        try
        {
            return JsonSerializer.Deserialize(body, type) ?? throw new FormatException($"{what}: the answer is JSON null.");
        }
        catch (JsonException e)
        {
            throw new FormatException($"{what}: the answer is not the expected document ({e.Message})", e);
        }
    }

    /// <summary>Reads a response body of at most <paramref name="maxBytes"/>, or throws <see cref="FormatException"/>.</summary>
    public static async Task<byte[]> ReadLimitedAsync(HttpRequestMessage request, HttpResponseMessage response, int maxBytes, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength > maxBytes)
        {
            throw new FormatException($"{request.Method} {request.RequestUri}: the answer of {response.Content.Headers.ContentLength} bytes is larger than the {maxBytes} bytes expected at most.");
        }

        Stream stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using MemoryStream buffer = new();
            byte[] chunk = new byte[81920];
            int read;
            while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > maxBytes)
                {
                    throw new FormatException($"{request.Method} {request.RequestUri}: the answer is larger than the {maxBytes} bytes expected at most.");
                }

                buffer.Write(chunk, 0, read);
            }

            return buffer.ToArray();
        }
    }

    /// <summary>The refusal of a failed response, with the problem's title and detail when the body is one.</summary>
    public static async Task<RequestRefusedException> RefusalAsync(HttpRequestMessage request, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        string what = $"{request.Method} {request.RequestUri}";
        byte[] body;
        try
        {
            body = await ReadLimitedAsync(request, response, 1 << 16, cancellationToken).ConfigureAwait(false);
        }
        catch (FormatException)
        {
            body = [];
        }

        string text = Encoding.UTF8.GetString(body).Trim();
        string title = response.ReasonPhrase ?? "";
        string detail = text;
        if (text.StartsWith('{'))
        {
            try
            {
                ProblemDocument? problem = JsonSerializer.Deserialize(body, ProblemJsonContext.Default.ProblemDocument);
                title = problem?.Title ?? title;
                detail = problem?.Detail ?? problem?.Description ?? text;
            }
            catch (JsonException)
            {
                // Not a problem document: the body itself is the detail.
            }
        }

        if (detail.Length > 2000)
        {
            detail = detail[..2000] + "…";
        }

        return new RequestRefusedException(response.StatusCode, title, detail.Length == 0 ? "(no detail)" : detail, what);
    }
}

/// <summary>Source-generated JSON of <see cref="ProblemDocument"/> (lenient: problem documents may carry extension members).</summary>
[JsonSourceGenerationOptions(UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip)]
[JsonSerializable(typeof(ProblemDocument))]
internal sealed partial class ProblemJsonContext : JsonSerializerContext;
