using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text;
using Entente.Client.Http;
using Entente.Transparency.Mirror;
using Entente.Transparency.Witness;

namespace Entente.Client.Mirror;

/// <summary>
/// The HTTP transport of C2SP tlog-mirror for a log that pushes to mirrors (<see cref="MirrorUploader"/>, through the
/// board's <see cref="CosignatureCollector"/>): <c>POST &lt;prefix&gt;add-checkpoint</c> and
/// <c>POST &lt;prefix&gt;add-entries</c> (gzip-compressed, as the spec recommends), answers returned as they came.
/// </summary>
public sealed class MirrorClient : IMirrorSubmitter, IDisposable
{
    /// <summary>Largest answer read (signature lines or mirror-info).</summary>
    public const int MaxAnswerBytes = 1 << 16;

    private readonly HttpClient _http;
    private readonly bool _ownsHttp;

    /// <summary>A client over <paramref name="http"/> (its timeout and handlers apply).</summary>
    public MirrorClient(HttpClient http, bool ownsClient = false)
    {
        _http = http ?? throw new ArgumentNullException(nameof(http));
        _ownsHttp = ownsClient;
    }

    /// <inheritdoc/>
    public Task<WitnessResponse> AddCheckpointAsync(Uri submissionPrefix, byte[] body, CancellationToken cancellationToken) =>
        PostAsync(submissionPrefix, "add-checkpoint", new ByteArrayContent(body ?? throw new ArgumentNullException(nameof(body))), cancellationToken);

    /// <inheritdoc/>
    public Task<WitnessResponse> AddEntriesAsync(Uri submissionPrefix, byte[] body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        using MemoryStream compressed = new();
        using (GZipStream gzip = new(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(body);
        }

        ByteArrayContent content = new(compressed.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Headers.ContentEncoding.Add("gzip");
        return PostAsync(submissionPrefix, "add-entries", content, cancellationToken);
    }

    private async Task<WitnessResponse> PostAsync(Uri prefix, string path, HttpContent content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        using HttpRequestMessage request = new(HttpMethod.Post, new Uri(ClientResponses.WithSlash(prefix), path)) { Content = content };
        using HttpResponseMessage response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        string body;
        try
        {
            body = Encoding.UTF8.GetString(await ClientResponses.ReadLimitedAsync(request, response, MaxAnswerBytes, cancellationToken).ConfigureAwait(false));
        }
        catch (FormatException e)
        {
            body = e.Message;
        }

        return new WitnessResponse((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType ?? "", body);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }
}
