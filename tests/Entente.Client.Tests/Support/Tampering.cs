namespace Entente.Client.Tests.Support;

/// <summary>
/// A man in the middle (or a board that lies): lets every response through, except that <see cref="Alter"/> may
/// replace the body of a successful response to a path (relative to the site, e.g. <c>tile/entries/000.p/9</c>).
/// </summary>
internal sealed class Tampering : DelegatingHandler
{
    public Tampering()
        : base(new SocketsHttpHandler())
    {
    }

    /// <summary>Path and body in, new body out (null: unchanged).</summary>
    public Func<string, byte[], byte[]?>? Alter { get; set; }

    /// <summary>Paths whose body was replaced.</summary>
    public List<string> Altered { get; } = [];

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        HttpResponseMessage response = await base.SendAsync(request, cancellationToken);
        if (Alter is null || !response.IsSuccessStatusCode)
        {
            return response;
        }

        string path = request.RequestUri!.AbsolutePath.TrimStart('/');
        byte[] body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (Alter(path, body) is not byte[] changed)
        {
            response.Content = new ByteArrayContent(body);
            return response;
        }

        lock (Altered)
        {
            Altered.Add(path);
        }

        HttpResponseMessage replaced = new(response.StatusCode) { Content = new ByteArrayContent(changed), RequestMessage = request };
        response.Dispose();
        return replaced;
    }
}
