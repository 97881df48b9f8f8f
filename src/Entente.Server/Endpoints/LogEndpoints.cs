using System.Globalization;
using System.Text;
using Entente.Client.Log;
using Entente.Server.Auth;
using Entente.Server.Log;
using Entente.Transparency;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;
using Entente.Transparency.Tiles;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Entente.Server.Endpoints;

/// <summary>
/// The log's HTTP API (C2SP tlog-tiles read path plus Entente's write path): <c>GET /checkpoint</c>,
/// <c>GET /tile/…</c>, <c>GET /tile/entries/…</c>, <c>POST /add</c>, <c>POST /blob</c>, <c>GET /blob/{sha256}</c>, <c>GET /blobs</c>,
/// <c>GET /proof/inclusion</c>, <c>GET /proof/consistency</c>, <c>GET /receipt/{index}</c>. Documented in docs/http-api.md.
/// </summary>
internal static class LogEndpoints
{
    private const string Immutable = "public, max-age=31536000, immutable";
    private const int MaxBlobBytes = 16 << 20;

    public static IEndpointRouteBuilder MapLogEndpoints(this IEndpointRouteBuilder app)
    {
        RouteGroupBuilder log = app.MapGroup("").WithTags("Log");
        log.MapGet("/checkpoint", GetCheckpointAsync).WithName("GetCheckpoint")
            .WithSummary("The published signed checkpoint (C2SP tlog-checkpoint signed note, cosigned by the witnesses).")
            .Produces(StatusCodes.Status200OK, contentType: "text/plain");
        log.MapGet("/tile/{level}/{**index}", GetTileAsync).WithName("GetTile")
            .WithSummary("A C2SP tlog-tiles hash tile (tile/L/N[.p/W]) or entry bundle (tile/entries/N[.p/W]).")
            .Produces(StatusCodes.Status200OK, contentType: "application/octet-stream").ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        log.MapPost("/add", AddAsync).WithName("AddEntry")
            .WithSummary("Append an Entente entry signed by a charter submitter (its signature authenticates the write; an RFC 9421 request signature, if sent, must be that party's). Answers once the entry is durably sequenced.")
            .Accepts<byte[]>("text/plain").Produces<AddResponse>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status422UnprocessableEntity).ProducesProblem(StatusCodes.Status429TooManyRequests)
            .RequireRateLimiting(BoardEndpoints.WritePolicy);
        log.MapPost("/blob", PutBlobAsync).WithName("PutBlob")
            .WithSummary($"Store an artifact under its SHA-256 (signed request by any charter member; at most {MaxBlobBytes} bytes).")
            .Accepts<byte[]>("application/octet-stream").Produces<BlobResponse>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status429TooManyRequests)
            .RequireRateLimiting(BoardEndpoints.WritePolicy);
        log.MapGet("/blob/{sha256}", GetBlobAsync).WithName("GetBlob").WithSummary("An artifact by its SHA-256 (re-hashed before serving).")
            .Produces(StatusCodes.Status200OK, contentType: "application/octet-stream").ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        log.MapGet("/blobs", GetBlobsAsync).WithName("GetBlobs")
            .WithSummary("Several artifacts in one answer (a mirror's fetch): sha256=HEX,HEX,… (at most 64); each held one as 32 bytes of SHA-256, a 4-byte big-endian length and the bytes.")
            .Produces(StatusCodes.Status200OK, contentType: "application/octet-stream").ProducesProblem(StatusCodes.Status400BadRequest);
        log.MapGet("/proof/inclusion", InclusionAsync).WithName("GetInclusionProof").WithSummary("RFC 9162 inclusion proof of entry index in the tree of size.")
            .Produces<ProofResponse>(StatusCodes.Status200OK).ProducesProblem(StatusCodes.Status400BadRequest);
        log.MapGet("/proof/consistency", ConsistencyAsync).WithName("GetConsistencyProof").WithSummary("RFC 9162 consistency proof from old to size.")
            .Produces<ProofResponse>(StatusCodes.Status200OK).ProducesProblem(StatusCodes.Status400BadRequest);
        log.MapGet("/receipt/{index:long}", ReceiptAsync).WithName("GetReceipt").WithSummary("A C2SP tlog-proof receipt of the entry against the published checkpoint.")
            .Produces(StatusCodes.Status200OK, contentType: "text/plain").ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<IResult> GetCheckpointAsync(LogService log, HttpContext http, CancellationToken ct)
    {
        StoredCheckpoint cp = await log.PublishedCheckpointAsync(ct);
        http.Response.Headers.CacheControl = "public, max-age=1";
        return TypedResults.Bytes(cp.Note, "text/plain; charset=utf-8");
    }

    private static async Task<IResult> GetTileAsync(string level, string index, LogService log, HttpContext http, CancellationToken ct)
    {
        if (!TilePath.TryParse(level, index, out TilePath path))
        {
            return Problem(StatusCodes.Status400BadRequest, "Bad tile path", $"\"tile/{level}/{index}\" is not a tlog-tiles path.");
        }

        // Serve only what the published tree (or the head, which includes it) implies.
        byte[]? data = await log.Reader.ReadTileAsync(path, log.Sequencer.Head.Size, ct);
        if (data is null)
        {
            return Problem(StatusCodes.Status404NotFound, "No such tile", $"{path} does not exist in the tree of size {log.Sequencer.Head.Size}.");
        }

        http.Response.Headers.CacheControl = Immutable;
        return TypedResults.Bytes(data, "application/octet-stream");
    }

    /// <summary>
    /// POST /add. The entry is a signed note of a charter party, so its own signature authenticates the write: a
    /// request without RFC 9421 headers is accepted when the entry verifies under the key of its party, a
    /// <c>submitter</c> of the charter. Every signature line must be a valid signature by a distinct charter member,
    /// in canonical form (<see cref="LogEntry.SignatureLinesProblem"/>), and an entry is its signed text: re-sending it,
    /// with or without other signature lines, answers the index it has (deduplication on <see cref="EntryIdentity"/>), so
    /// nothing a replay could add needs the request's nonce. Types that a subsystem owns are refused here
    /// (<see cref="OwnerOf"/>). A request that does carry an RFC 9421 signature is checked in full as on every other
    /// write, and its signer must be the entry's party.
    /// </summary>
    private static async Task<IResult> AddAsync(HttpContext http, LogService log, RequestAuthenticator auth, CancellationToken ct)
    {
        int max = log.Options.MaxEntrySize;
        byte[] body;
        CharterMember? requestSigner = null;
        if (RequestAuthenticator.HasSignature(http.Request))
        {
            (SignedRequest? signed, IResult? failure) = await auth.AuthenticateAsync(http, max, ct);
            if (failure is not null)
            {
                return failure;
            }

            if (!signed!.Member.Roles.Contains(Charter.SubmitterRole))
            {
                return Problem(StatusCodes.Status403Forbidden, "Not a submitter", $"keyid: \"{signed.Member.Name}\" lacks the charter role \"{Charter.SubmitterRole}\" that adding log entries needs.");
            }

            body = signed.Body;
            requestSigner = signed.Member;
        }
        else
        {
            if (await RequestAuthenticator.ReadLimitedAsync(http.Request, max, ct) is not byte[] read)
            {
                return RequestAuthenticator.TooLarge(max);
            }

            body = read;
        }

        LogEntry entry;
        SignedNote note;
        try
        {
            (entry, note) = LogEntry.Parse(body, max);
        }
        catch (NoteFormatException e)
        {
            return Problem(StatusCodes.Status400BadRequest, "Malformed entry", e.Message);
        }

        if (requestSigner is not null && entry.Party != requestSigner.Name)
        {
            return Problem(StatusCodes.Status403Forbidden, "Wrong party", $"party: the entry is submitted as \"{entry.Party}\" but the request is signed by \"{requestSigner.Name}\".");
        }

        if (OwnerOf(entry.Type) is string path)
        {
            return Problem(StatusCodes.Status403Forbidden, "Owned entry type", $"type: \"{entry.Type}\" entries are logged only by the subsystem that checks them, never through POST /add; use {path}.");
        }

        if (log.Charter.Find(entry.Party) is not CharterMember party)
        {
            return Problem(StatusCodes.Status403Forbidden, "Unknown party", $"party: \"{entry.Party}\" is not a party of the charter.");
        }

        if (log.Charter.KeyFor(party.Name, Charter.SubmitterRole) is not Ed25519NoteVerifier key)
        {
            return Problem(StatusCodes.Status403Forbidden, "Not a submitter", $"party: \"{party.Name}\" lacks the charter role \"{Charter.SubmitterRole}\" that adding log entries needs.");
        }

        if (!note.Signatures.Any(s => s.Name == key.Name))
        {
            return Problem(StatusCodes.Status403Forbidden, "Bad signature", $"The entry carries no signature by the key of {entry.Party} in the charter; sign the entry with that party's key.");
        }

        if (LogEntry.SignatureLinesProblem(body, note, log.Charter) is string problem)
        {
            return Problem(StatusCodes.Status403Forbidden, "Bad signature", $"The entry's {problem}");
        }

        try
        {
            AddResult result = await log.Sequencer.AddAsync(body, ct);
            log.Metrics.Appended("log", result.Duplicate);
            return TypedResults.Ok(new AddResponse(result.Index, result.Duplicate));
        }
        catch (LogFatalException e)
        {
            return Problem(StatusCodes.Status503ServiceUnavailable, "Log stopped", e.Message);
        }
    }

    /// <summary>
    /// The path that logs entries of <paramref name="type"/> when a subsystem owns the type, or null for a raw entry type:
    /// every board artifact type (<see cref="Board.BoardKind.All"/>) belongs to <c>POST /board/…</c>, <c>exchange.*</c> to
    /// the TAXII collection routes, <c>audit.*</c> to the board's audit routes. Only those paths check what such an entry
    /// commits to, and readers that count them (the board's state, the exchange's anchors) trust that they did.
    /// </summary>
    internal static string? OwnerOf(string type)
    {
        ArgumentNullException.ThrowIfNull(type);
        if (Board.BoardKind.OfType(type) is Board.BoardKind kind)
        {
            return $"POST /board/{kind.Collection}{(kind.RouteParameter is null ? "" : "/" + kind.ArgumentOf(type))} with the artifact";
        }

        if (Entente.Exchange.Log.BoardAnchor.IsExchangeType(type))
        {
            return "POST /taxii2/api/collections/{id}/objects/ (TAXII 2.1) with the signed envelope; the exchange anchors it";
        }

        return type.StartsWith("audit.", StringComparison.Ordinal) ? "the audit seed routes under POST /board (commit, then reveal)" : null;
    }

    private static async Task<IResult> PutBlobAsync(HttpContext http, LogService log, RequestAuthenticator auth, CancellationToken ct)
    {
        (SignedRequest? signed, IResult? failure) = await auth.AuthenticateAsync(http, MaxBlobBytes, ct);
        if (failure is not null)
        {
            return failure;
        }

        Hash256 h = await log.Blobs.PutAsync(signed!.Body, ct);
        return TypedResults.Ok(new BlobResponse(h.ToHex()));
    }

    /// <summary>Most blobs asked for in one <c>GET /blobs</c>.</summary>
    public const int MaxBlobsPerRequest = 64;

    /// <summary>An answer of <c>GET /blobs</c> stops adding blobs past this many bytes (it always holds the first one held).</summary>
    public const int MaxBlobsAnswerBytes = 8 << 20;

    /// <summary>
    /// <c>GET /blobs?sha256=HEX,HEX,…</c>: the blobs asked for that the board holds and serves publicly (as
    /// <c>GET /blob/{sha256}</c> serves them, each re-hashed), in the order asked, each as its 32-byte SHA-256, its length
    /// (4 bytes, big-endian) and its bytes. A blob absent, withheld, damaged, or past <see cref="MaxBlobsAnswerBytes"/> is
    /// left out: ask <c>GET /blob/{sha256}</c> for why, or again for the rest. The reader re-hashes everything.
    /// </summary>
    private static async Task<IResult> GetBlobsAsync(HttpContext http, LogService log, CancellationToken ct)
    {
        string[] asked = http.Request.Query["sha256"].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries);
        if (asked.Length is 0 or > MaxBlobsPerRequest)
        {
            return Problem(StatusCodes.Status400BadRequest, "Bad blobs request", $"Ask for 1 to {MaxBlobsPerRequest} blobs: sha256=HEX,HEX,… (each 64 lowercase hex digits).");
        }

        List<Hash256> hashes = new(asked.Length);
        foreach (string hex in asked)
        {
            if (!Hash256.TryFromHex(hex, out Hash256 h))
            {
                return Problem(StatusCodes.Status400BadRequest, "Bad blob address", $"\"{(hex.Length > 70 ? hex[..70] + "…" : hex)}\" is not a SHA-256 in 64 lowercase hex digits.");
            }

            hashes.Add(h);
        }

        Exchange.HostedExchange? exchange = http.RequestServices.GetService<Exchange.HostedExchange>();
        // A confidential exchange message is never read; the rest in one read of the store.
        List<Hash256> served = [.. hashes.Distinct().Where(h => exchange is null || !exchange.IsWithheld(h))];
        IReadOnlyList<byte[]?> found = await log.Blobs.GetManyAsync(served, ct);
        using MemoryStream answer = new();
        byte[] length = new byte[4];
        for (int i = 0; i < served.Count; i++)
        {
            Hash256 h = served[i];
            byte[]? data = found[i];
            // Re-hashed as GET /blob does: a damaged blob is left out (GET /blob/{sha256} says why).
            if (data is null || Hash256.Compute(data) != h || (answer.Length > 0 && answer.Length + 36 + data.Length > MaxBlobsAnswerBytes))
            {
                continue;
            }

            answer.Write(h.Span);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(length, (uint)data.Length);
            answer.Write(length);
            answer.Write(data);
        }

        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.Bytes(answer.ToArray(), "application/octet-stream");
    }

    private static async Task<IResult> GetBlobAsync(string sha256, LogService log, HttpContext http, CancellationToken ct)
    {
        if (!Hash256.TryFromHex(sha256, out Hash256 h))
        {
            return Problem(StatusCodes.Status400BadRequest, "Bad blob address", "A blob is addressed by its SHA-256 in 64 lowercase hex digits.");
        }

        // A confidential exchange message (or its leaf) is never served, even if a server before sealing stored it as a blob.
        if (http.RequestServices.GetService<Exchange.HostedExchange>() is { } exchange && exchange.IsWithheld(h))
        {
            return Problem(StatusCodes.Status404NotFound, "Withheld",
                $"Blob {sha256} is a confidential incident message (or its exchange leaf) for its collection's readers only; they read it over TAXII with a signed request (docs/exchange.md).");
        }

        byte[]? data;
        try
        {
            data = await log.Blobs.GetCheckedAsync(h, ct);
        }
        catch (LogStoreException e) when (!e.IsTransient)
        {
            // The stored bytes do not hash to their address: say so (never serve them, never an unexplained 500).
            return Problem(StatusCodes.Status500InternalServerError, "Corrupted blob",
                $"The board's store holds bytes for blob {sha256} that do not hash to it: the stored artifact was altered or damaged ({e.Message}).");
        }

        if (data is null)
        {
            return Problem(StatusCodes.Status404NotFound, "No such blob", $"No blob {sha256}.");
        }

        http.Response.Headers.CacheControl = Immutable;
        return TypedResults.Bytes(data, "application/octet-stream");
    }

    private static async Task<IResult> InclusionAsync(long index, long size, LogService log, CancellationToken ct)
    {
        if (index < 0 || size <= index || size > log.Sequencer.Head.Size)
        {
            return Problem(StatusCodes.Status400BadRequest, "Bad proof request", $"Need 0 <= index < size <= {log.Sequencer.Head.Size}.");
        }

        Hash256[] proof = await log.Reader.InclusionProofAsync(index, size, ct);
        return TypedResults.Ok(new ProofResponse(proof.Select(h => h.ToBase64()).ToList()));
    }

    private static async Task<IResult> ConsistencyAsync(long old, long size, LogService log, CancellationToken ct)
    {
        if (old < 0 || old > size || size > log.Sequencer.Head.Size)
        {
            return Problem(StatusCodes.Status400BadRequest, "Bad proof request", $"Need 0 <= old <= size <= {log.Sequencer.Head.Size}.");
        }

        Hash256[] proof = await log.Reader.ConsistencyProofAsync(old, size, ct);
        return TypedResults.Ok(new ProofResponse(proof.Select(h => h.ToBase64()).ToList()));
    }

    private static async Task<IResult> ReceiptAsync(long index, LogService log, CancellationToken ct)
    {
        StoredCheckpoint cp = await log.PublishedCheckpointAsync(ct);
        if (index < 0 || index >= cp.Size)
        {
            return Problem(StatusCodes.Status404NotFound, "Not yet published", $"Entry {index} is not in the published checkpoint (size {cp.Size}).");
        }

        Hash256[] proof = await log.Reader.InclusionProofAsync(index, cp.Size, ct);
        TlogProof receipt = new(null, index, proof, SignedCheckpoint.Parse(cp.Note));
        return TypedResults.Text(receipt.ToString(), "text/plain; charset=utf-8", Encoding.UTF8);
    }

    internal static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title, type: ProblemType(status));

    /// <summary>The RFC section defining <paramref name="status"/>, for the ProblemDetails <c>type</c> of statuses ASP.NET Core leaves without one.</summary>
    internal static string? ProblemType(int status) => status switch
    {
        StatusCodes.Status413PayloadTooLarge => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.14",
        StatusCodes.Status429TooManyRequests => "https://www.rfc-editor.org/rfc/rfc6585#section-4",
        _ => null,
    };

    internal static string Decimal(long n) => n.ToString(CultureInfo.InvariantCulture);
}
