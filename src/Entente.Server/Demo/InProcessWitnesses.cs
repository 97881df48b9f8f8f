using System.Net;
using Entente.Transparency.Witness;

namespace Entente.Server.Demo;

/// <summary>
/// Routes the cosignature collector's tlog-witness requests (<c>POST {prefix}add-checkpoint</c>) to
/// witnesses running in this process, by host name, without a socket. The witnesses are the real
/// <see cref="Witness"/> logic with their own stores: they check the log signature and the consistency
/// proof exactly as a remote witness would.
/// </summary>
internal sealed class InProcessWitnesses(IReadOnlyDictionary<string, Witness> byHost) : HttpMessageHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.RequestUri is not { } uri || !byHost.TryGetValue(uri.Host, out Witness? witness)
            || request.Method != HttpMethod.Post || !uri.AbsolutePath.EndsWith("/add-checkpoint", StringComparison.Ordinal))
        {
            return new HttpResponseMessage(HttpStatusCode.NotFound) { RequestMessage = request };
        }

        byte[] body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        WitnessResponse answer = await witness.AddCheckpointAsync(body, cancellationToken).ConfigureAwait(false);
        HttpResponseMessage response = new((HttpStatusCode)answer.Status)
        {
            RequestMessage = request,
            Content = new StringContent(answer.Body),
        };
        response.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(answer.ContentType);
        return response;
    }
}
