using System.Globalization;
using System.Net;
using System.Text;
using Entente.Client.Http;
using Entente.Transparency;
using Entente.Transparency.Notes;
using Entente.Transparency.Witness;

namespace Entente.Client.Witness;

/// <summary>
/// A client of C2SP tlog-witness witnesses (docs/http-api.md, "Witness"): <c>POST &lt;prefix&gt;add-checkpoint</c> with
/// the old size, the consistency proof and the signed checkpoint; the answer is the cosignature lines (200), the
/// witness's size (409, <c>text/x.tlog.size</c>) or a refusal with its reason. The board's
/// <see cref="CosignatureCollector"/> submits through it (<see cref="IWitnessSubmitter"/>); it verifies the
/// cosignatures against each witness's key itself.
/// </summary>
public sealed class WitnessClient : IWitnessSubmitter, IDisposable
{
    /// <summary>Largest answer read (a few signature lines).</summary>
    public const int MaxAnswerBytes = 1 << 16;

    private readonly HttpClient _http;
    private readonly bool _ownsHttp;

    /// <summary>A client that retries under <paramref name="retry"/> (a collector that asks again on its own passes <see cref="RetryPolicy.None"/>).</summary>
    public WitnessClient(RetryPolicy? retry = null, HttpMessageHandler? inner = null)
        : this(new HttpClient(new RetryHandler(inner ?? new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) }, retry)) { Timeout = TimeSpan.FromSeconds(30) }, ownsClient: true)
    {
    }

    /// <summary>A client over <paramref name="http"/> (its timeout and handlers apply).</summary>
    public WitnessClient(HttpClient http, bool ownsClient = false)
    {
        ArgumentNullException.ThrowIfNull(http);
        _http = http;
        _ownsHttp = ownsClient;
    }

    /// <summary>Submits a checkpoint to the witness at <paramref name="submissionPrefix"/> (its URL prefix; <c>add-checkpoint</c> is appended).</summary>
    public async Task<WitnessSubmission> AddCheckpointAsync(Uri submissionPrefix, long oldSize, IReadOnlyList<Hash256> proof, byte[] checkpointNote, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(submissionPrefix);
        Uri url = new(ClientResponses.WithSlash(submissionPrefix), "add-checkpoint");
        using HttpRequestMessage request = new(HttpMethod.Post, url) { Content = new ByteArrayContent(Transparency.Witness.Witness.FormatRequest(oldSize, proof, checkpointNote)) };
        using HttpResponseMessage response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        string body;
        try
        {
            body = Encoding.UTF8.GetString(await ClientResponses.ReadLimitedAsync(request, response, MaxAnswerBytes, cancellationToken).ConfigureAwait(false));
        }
        catch (FormatException e)
        {
            return new WitnessSubmission.Refused((int)response.StatusCode, e.Message);
        }

        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            string size = body.EndsWith('\n') ? body[..^1] : body;
            return size.Length is > 0 and <= 19 && size.All(char.IsAsciiDigit) && (size.Length == 1 || size[0] != '0')
                && long.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out long held)
                ? new WitnessSubmission.SizeConflict(held)
                : new WitnessSubmission.Refused(409, $"a 409 without a tree size: {Trim(body)}");
        }

        if (response.StatusCode != HttpStatusCode.OK)
        {
            return new WitnessSubmission.Refused((int)response.StatusCode, Trim(body));
        }

        // The answer is signature lines only; parse them as the signatures of a note.
        try
        {
            return new WitnessSubmission.Cosigned(SignedNote.Parse("x\n\n" + body, MaxAnswerBytes + 3).Signatures);
        }
        catch (NoteFormatException e)
        {
            return new WitnessSubmission.Refused(200, $"the answer is not cosignature lines: {e.Message}");
        }
    }

    /// <inheritdoc/>
    async Task<WitnessSubmission> IWitnessSubmitter.SubmitAsync(WitnessEndpoint witness, long oldSize, IReadOnlyList<Hash256> proof, byte[] checkpointNote, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(witness);
        try
        {
            return await AddCheckpointAsync(witness.SubmissionPrefix, oldSize, proof, checkpointNote, cancellationToken).ConfigureAwait(false);
        }
        catch (ServiceUnavailableException e)
        {
            // The interface's transport failure, so that the collector notes it and asks again later.
            throw new HttpRequestException(e.Message, e);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    private static string Trim(string body) => body.Length > 500 ? body[..500].Trim() + "…" : body.Trim();
}
