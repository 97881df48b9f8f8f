using System.IO.Compression;
using Entente.Server.Mirror;
using Entente.Transparency;
using Entente.Transparency.Log;
using Entente.Transparency.Tiles;
using Entente.Transparency.Witness;

namespace Entente.Server.Endpoints;

/// <summary>
/// A C2SP tlog-mirror's HTTP API (docs/http-api.md, "Mirror"): the submission prefix (<c>POST /add-checkpoint</c>,
/// <c>POST /add-entries</c>, plain bodies and the spec's statuses) and, under the monitoring prefix
/// <c>/&lt;origin hash&gt;/</c>, the tlog-tiles read path of the copy (<c>checkpoint</c>, <c>tile/…</c>) plus every
/// artifact (<c>blob/{sha256}</c>), so that a client reads the log from the mirror as it would from the board.
/// </summary>
internal static class MirrorEndpoints
{
    private const string Immutable = "public, max-age=31536000, immutable";

    public static IEndpointRouteBuilder MapMirrorEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/add-checkpoint", AddCheckpointAsync);
        app.MapPost("/add-entries", AddEntriesAsync);
        app.MapGet("/{origin}/checkpoint", GetCheckpointAsync);
        app.MapGet("/{origin}/tile/{level}/{**index}", GetTileAsync);
        app.MapGet("/{origin}/blob/{sha256}", GetBlobAsync);
        return app;
    }

    private static async Task<IResult> AddCheckpointAsync(HttpRequest request, MirrorHost host, CancellationToken ct)
    {
        if (request.ContentLength > Witness.MaxBodyBytes)
        {
            return TypedResults.Text($"request body larger than {Witness.MaxBodyBytes} bytes\n", "text/plain; charset=utf-8", statusCode: 400);
        }

        using MemoryStream ms = new();
        await request.Body.CopyToAsync(ms, ct);
        return Answer(await host.Mirror.AddCheckpointAsync(ms.ToArray(), ct));
    }

    private static async Task<IResult> AddEntriesAsync(HttpRequest request, HttpResponse response, MirrorHost host, CancellationToken ct)
    {
        response.Headers.AcceptEncoding = "gzip";
        Stream body = request.Body;
        string encoding = request.Headers.ContentEncoding.ToString();
        if (encoding is not ("gzip" or "" or "identity"))
        {
            return TypedResults.Text($"Content-Encoding {encoding} is not supported: send gzip or no encoding\n", "text/plain; charset=utf-8", statusCode: 415);
        }

        bool gzip = encoding == "gzip";
        await using Stream source = gzip ? new GZipStream(body, CompressionMode.Decompress, leaveOpen: true) : body;
        using MemoryStream ms = new();
        byte[] buffer = new byte[81920];
        int read;
        while ((read = await source.ReadAsync(buffer, ct)) > 0)
        {
            if (ms.Length + read > Transparency.Mirror.Mirror.MaxAddEntriesBytes)
            {
                return TypedResults.Text($"request body larger than {Transparency.Mirror.Mirror.MaxAddEntriesBytes} bytes: send fewer packages per request\n", "text/plain; charset=utf-8", statusCode: 413);
            }

            ms.Write(buffer, 0, read);
        }

        return Answer(await host.Mirror.AddEntriesAsync(ms.ToArray(), ct));
    }

    private static async Task<IResult> GetCheckpointAsync(string origin, MirrorHost host, HttpContext http, CancellationToken ct)
    {
        if (origin != host.Mirror.OriginHash)
        {
            return UnknownLog(origin);
        }

        StoredCheckpoint head = await host.Mirror.HeadAsync(ct);
        if (head.Note.Length == 0)
        {
            return LogEndpoints.Problem(StatusCodes.Status404NotFound, "Nothing mirrored yet", $"The mirror holds no checkpoint of {host.Mirror.Origin} yet.");
        }

        http.Response.Headers.CacheControl = "public, max-age=1";
        return TypedResults.Bytes(head.Note, "text/plain; charset=utf-8");
    }

    private static async Task<IResult> GetTileAsync(string origin, string level, string index, MirrorHost host, HttpContext http, CancellationToken ct)
    {
        if (origin != host.Mirror.OriginHash)
        {
            return UnknownLog(origin);
        }

        if (!TilePath.TryParse(level, index, out TilePath path))
        {
            return LogEndpoints.Problem(StatusCodes.Status400BadRequest, "Bad tile path", $"\"tile/{level}/{index}\" is not a tlog-tiles path.");
        }

        long size = (await host.Mirror.HeadAsync(ct)).Size;
        byte[]? data = await host.Mirror.Reader.ReadTileAsync(path, size, ct);
        if (data is null)
        {
            return LogEndpoints.Problem(StatusCodes.Status404NotFound, "No such tile", $"{path} does not exist in the mirrored tree of size {size}.");
        }

        http.Response.Headers.CacheControl = Immutable;
        return TypedResults.Bytes(data, "application/octet-stream");
    }

    private static async Task<IResult> GetBlobAsync(string origin, string sha256, MirrorHost host, HttpContext http, CancellationToken ct)
    {
        if (origin != host.Mirror.OriginHash)
        {
            return UnknownLog(origin);
        }

        if (!Hash256.TryFromHex(sha256, out Hash256 h))
        {
            return LogEndpoints.Problem(StatusCodes.Status400BadRequest, "Bad blob address", "A blob is addressed by its SHA-256 in 64 lowercase hex digits.");
        }

        byte[]? data;
        try
        {
            data = await host.Mirror.Blobs.GetCheckedAsync(h, ct);
        }
        catch (LogStoreException e) when (!e.IsTransient)
        {
            return LogEndpoints.Problem(StatusCodes.Status500InternalServerError, "Corrupted blob", $"The mirror's store holds bytes for blob {sha256} that do not hash to it ({e.Message}).");
        }

        if (data is null)
        {
            return LogEndpoints.Problem(StatusCodes.Status404NotFound, "No such blob", $"The mirror holds no blob {sha256}.");
        }

        http.Response.Headers.CacheControl = Immutable;
        return TypedResults.Bytes(data, "application/octet-stream");
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult UnknownLog(string origin) =>
        LogEndpoints.Problem(StatusCodes.Status404NotFound, "Unknown log", $"\"{origin}\" is not the origin hash of the log this mirror holds.");

    private static Microsoft.AspNetCore.Http.HttpResults.ContentHttpResult Answer(WitnessResponse response) => TypedResults.Text(response.Body, response.ContentType, statusCode: response.Status);
}
