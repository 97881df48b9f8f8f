using System.Globalization;
using Entente.Client.Board;
using Entente.Server.Auth;
using Entente.Server.Board;

namespace Entente.Server.Endpoints;

/// <summary>
/// The election board API under <c>/board</c> (docs/http-api.md): for every <see cref="BoardKind"/> a signed
/// <c>POST</c> (201 + Location, or ProblemDetails 400/401/403/409/413/422/429) and public reads — a single
/// document at <c>GET /board/{kind}</c>, or a collection page at <c>GET /board/{kind}?offset=&amp;limit=</c> and
/// one artifact at <c>GET /board/{kind}/{id}</c>; plus <c>GET /board</c> (status) and <c>GET /board/record</c>
/// (the record as a zip).
/// </summary>
internal static class BoardEndpoints
{
    /// <summary>Name of the write rate-limit policy.</summary>
    public const string WritePolicy = "writes";

    private const int MaxPage = 1000;

    public static IEndpointRouteBuilder MapBoardEndpoints(this IEndpointRouteBuilder app)
    {
        RouteGroupBuilder board = app.MapGroup("/board").WithTags("Board");
        board.MapGet("", (BoardService b) => TypedResults.Ok(b.Status()))
            .WithName("GetBoardStatus").WithSummary("The election's stage, artifacts per collection and the log size.");
        board.MapGet("/record", RecordAsync)
            .WithName("GetRecord").WithSummary("The election record (docs/record-format.md) as a zip, once the decrypted tally is on the board.")
            .Produces(StatusCodes.Status200OK, contentType: "application/zip").ProducesProblem(StatusCodes.Status409Conflict);
        board.MapGet("/schedule", (BoardService b) => TypedResults.Bytes(b.Schedule().ToJson(), "application/json"))
            .WithName("GetSchedule").WithSummary("Every party's step (key ceremony, decryption rounds) as on time, late, not done or pending, from the log's entries and their times (docs/record-format.md §11).")
            .Produces(StatusCodes.Status200OK, contentType: "application/json");
        board.MapGet("/proposals", async (BoardService b, CancellationToken ct) => TypedResults.Json(new BoardProposalList(await b.ProposalsAsync(ct)), BoardJsonContext.Default.BoardProposalList))
            .WithName("ListProposals").WithSummary("The joint artifacts waiting for a party's signature (docs/http-api.md, \"Joint artifacts\").")
            .Produces<BoardProposalList>(StatusCodes.Status200OK);
        board.MapGet("/proposals/{collection}", (string collection, BoardService b, CancellationToken ct) => ProposalAsync(collection, collection, b, ct))
            .WithName("GetProposal").WithSummary("The pending proposal of a single joint artifact (manifest, parameters, election, encrypted-tally, tally, charter).")
            .Produces<BoardProposal>(StatusCodes.Status200OK).ProducesProblem(StatusCodes.Status404NotFound);
        board.MapGet("/proposals/{collection}/{id}", (string collection, string id, BoardService b, CancellationToken ct) => ProposalAsync(collection, id, b, ct))
            .WithName("GetProposalItem").WithSummary("The pending proposal of a joint artifact of a collection (an opening).")
            .Produces<BoardProposal>(StatusCodes.Status200OK).ProducesProblem(StatusCodes.Status404NotFound);
        board.MapPost("/ballots/batch", PostBatchAsync)
            .WithName("PostBallotBatch")
            .WithSummary($"Post a batch of ballots from one device: one signed request (role device) whose body is {{\"ballots\":[{{\"entry\":base64,\"ballot\":base64}},…]}} (1 to limits.maxBatchBallots items); 200 with one result per item, in order: logged (201, index, href, sha256) or the ProblemDetails a single post of it would get.")
            .Accepts<byte[]>("application/json")
            .Produces<BoardBatchResult>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .RequireRateLimiting(WritePolicy);
        foreach (BoardKind kind in BoardKind.All)
        {
            string path = "/" + kind.Collection;
            string name = string.Concat(kind.Collection.Split('-').Select(p => char.ToUpperInvariant(p[0]) + p[1..]));
            RouteHandlerBuilder post = kind.RouteParameter is not null
                ? board.MapPost(path + "/{round}", (string round, HttpContext http, BoardService b, RequestAuthenticator auth, ILoggerFactory loggers, CancellationToken ct) => PostAsync(kind, round, http, b, auth, loggers, ct))
                : board.MapPost(path, (HttpContext http, BoardService b, RequestAuthenticator auth, ILoggerFactory loggers, CancellationToken ct) => PostAsync(kind, null, http, b, auth, loggers, ct));
            post.WithName("Post" + name)
                .WithSummary($"Post: {kind.Summary} Signed request (role {kind.Role}); header {BoardProtocol.EntryHeader} carries the signed log entry{(kind.Joint ? ", signed by every party" : "")}.")
                .Accepts<byte[]>("application/json")
                .Produces<BoardArtifact>(StatusCodes.Status201Created)
                .Produces<BoardProposal>(StatusCodes.Status202Accepted)
                .ProducesProblem(StatusCodes.Status400BadRequest)
                .ProducesProblem(StatusCodes.Status401Unauthorized)
                .ProducesProblem(StatusCodes.Status403Forbidden)
                .ProducesProblem(StatusCodes.Status409Conflict)
                .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
                .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
                .ProducesProblem(StatusCodes.Status429TooManyRequests)
                .RequireRateLimiting(WritePolicy);
            if (kind.Singleton)
            {
                board.MapGet(path, (HttpContext http, BoardService b, CancellationToken ct) => GetAsync(kind, kind.Collection, http, b, ct))
                    .WithName("Get" + name).WithSummary(kind.Summary)
                    .Produces(StatusCodes.Status200OK, contentType: "application/json").ProducesProblem(StatusCodes.Status404NotFound);
            }
            else
            {
                board.MapGet(path, (HttpContext http, BoardService b, int? offset, int? limit) => List(kind, http, b, offset, limit))
                    .WithName("List" + name).WithSummary($"A page of {kind.Collection} (offset, limit ≤ {MaxPage}) in log order.")
                    .Produces<BoardPage>(StatusCodes.Status200OK).ProducesProblem(StatusCodes.Status400BadRequest);
                board.MapGet(path + "/{id}", (string id, HttpContext http, BoardService b, CancellationToken ct) => GetAsync(kind, id, http, b, ct))
                    .WithName("Get" + name + "Item").WithSummary(kind.Summary)
                    .Produces(StatusCodes.Status200OK, contentType: "application/json").ProducesProblem(StatusCodes.Status404NotFound);
            }
        }

        return app;
    }

    private static async Task<IResult> PostAsync(BoardKind kind, string? argument, HttpContext http, BoardService board, RequestAuthenticator auth, ILoggerFactory loggers, CancellationToken ct)
    {
        if (kind == BoardKind.AuditReadings || kind == BoardKind.AuditTallies || kind == BoardKind.AuditSignOffs)
        {
            if (!RequestAuthenticator.HasSignature(http.Request) && AuditBoardEntry(http) is string entry)
            {
                // An audit board's page (docs/audit.md, "The audit-board screen"): no charter key signs the request; the entry
                // is signed by the audit board's registered key, and that signature is the authentication.
                if (await RequestAuthenticator.ReadLimitedAsync(http.Request, kind.MaxBytes(board.Limits), ct) is not byte[] body)
                {
                    return RequestAuthenticator.TooLarge(kind.MaxBytes(board.Limits));
                }

                BoardResult<BoardArtifact> posted = await board.SubmitAuditBoardAsync(kind, body, entry, ct);
                if (posted.Refusal is BoardRefusal refused)
                {
                    return Problem(refused);
                }

                BoardArtifact fromPage = posted.Value!;
                ILogger pageLogger = loggers.CreateLogger("Entente.Server.Board");
                BoardLog.Logged(pageLogger, fromPage.Type, fromPage.Collection, fromPage.Index, fromPage.Party, fromPage.Sha256);
                return TypedResults.Created(fromPage.Href, fromPage);
            }
        }

        (SignedRequest? request, IResult? failure) = await auth.AuthenticateAsync(http, kind.MaxBytes(board.Limits), ct);
        if (failure is not null)
        {
            return failure;
        }

        BoardResult<BoardPosted> result = await board.SubmitAsync(kind, argument, request!, http.Request.Headers[BoardProtocol.EntryHeader].ToString(), ct);
        if (result.Refusal is BoardRefusal refusal)
        {
            return Problem(refusal);
        }

        if (result.Value!.Pending is PendingProposal pending)
        {
            BoardProposal proposal = board.Describe(pending);
            http.Response.Headers.Location = proposal.Href;
            return TypedResults.Json(proposal, BoardJsonContext.Default.BoardProposal, statusCode: StatusCodes.Status202Accepted);
        }

        BoardArtifact logged = result.Value.Logged!;
        ILogger logger = loggers.CreateLogger("Entente.Server.Board");
        BoardLog.Logged(logger, logged.Type, logged.Collection, logged.Index, logged.Party, logged.Sha256);
        return TypedResults.Created(logged.Href, logged);
    }

    /// <summary>
    /// <c>POST /board/ballots/batch</c> (docs/http-api.md, "Ballots in a batch"): the request is authenticated as any post (a
    /// body longer than <see cref="BoardLimits.MaxBatchBytes"/> is refused 413 before it is read), the body read strictly
    /// (400 naming the item and the problem; more than <see cref="BoardLimits.MaxBatchBallots"/> items 413), then every ballot
    /// submitted (<see cref="BoardService.SubmitBallotBatchAsync"/>); 200 with one result per item once every logged one is durable.
    /// </summary>
    private static async Task<IResult> PostBatchAsync(HttpContext http, BoardService board, RequestAuthenticator auth, ILoggerFactory loggers, CancellationToken ct)
    {
        (SignedRequest? request, IResult? failure) = await auth.AuthenticateAsync(http, board.Limits.MaxBatchBytes(), ct);
        if (failure is not null)
        {
            return failure;
        }

        (IReadOnlyList<BatchBallot>? items, BatchProblem problem, string? detail) = BallotBatch.Parse(request!.Body, board.Limits);
        if (items is null)
        {
            return problem == BatchProblem.TooMany
                ? LogEndpoints.Problem(StatusCodes.Status413PayloadTooLarge, "Too many ballots", detail!)
                : LogEndpoints.Problem(StatusCodes.Status400BadRequest, "Malformed batch", detail!);
        }

        BoardResult<IReadOnlyList<BoardBatchItem>> result = await board.SubmitBallotBatchAsync(request, items, ct);
        if (result.Refusal is BoardRefusal refusal)
        {
            return Problem(refusal);
        }

        ILogger logger = loggers.CreateLogger("Entente.Server.Board");
        foreach (BoardBatchItem item in result.Value!)
        {
            if (item.Logged)
            {
                BoardLog.Logged(logger, "ballot", BoardKind.Ballots.Collection, item.Index!.Value, request.Member.Name, item.Sha256!);
            }
        }

        return TypedResults.Json(new BoardBatchResult(result.Value), BoardJsonContext.Default.BoardBatchResult);
    }

    /// <summary>The entry header when its party is an audit-board key (the post of an audit board's page), else null.</summary>
    private static string? AuditBoardEntry(HttpContext http)
    {
        string header = http.Request.Headers[BoardProtocol.EntryHeader].ToString();
        try
        {
            return header.Length > 0 && Entente.Transparency.Log.LogEntry.Parse(Convert.FromBase64String(header)).Entry.Party.StartsWith(Entente.Audit.Trail.AuditBoardKeys.PartyPrefix, StringComparison.Ordinal)
                ? header : null;
        }
        catch (Exception e) when (e is FormatException or Entente.Transparency.Notes.NoteFormatException)
        {
            return null; // the signed-request path reports the malformed header
        }
    }

    private static async Task<IResult> ProposalAsync(string collection, string id, BoardService board, CancellationToken ct)
    {
        if (BoardKind.Find(collection) is not { Joint: true } kind || (kind.Singleton && id != collection))
        {
            return LogEndpoints.Problem(StatusCodes.Status404NotFound, "No such joint artifact", $"collection: /board/{collection} is not a joint artifact; proposals exist for {string.Join(", ", BoardKind.All.Where(k => k.Joint).Select(k => k.Collection))}.");
        }

        return await board.ProposalAsync(kind.Collection, id, ct) is BoardProposal proposal
            ? TypedResults.Json(proposal, BoardJsonContext.Default.BoardProposal)
            : LogEndpoints.Problem(StatusCodes.Status404NotFound, "No pending proposal", $"{BoardService.ProposalHref(kind, id)}: no proposal is pending{(board.Lookup(kind.Collection, id) is BoardArtifact a ? $"; the artifact is on the board (log entry {a.Index})" : "")}.");
    }

    /// <summary>The HTTP status of a refusal.</summary>
    public static int StatusOf(RefusalKind kind) => kind switch
    {
        RefusalKind.Malformed => StatusCodes.Status400BadRequest,
        RefusalKind.Forbidden => StatusCodes.Status403Forbidden,
        RefusalKind.NotFound => StatusCodes.Status404NotFound,
        RefusalKind.Conflict => StatusCodes.Status409Conflict,
        RefusalKind.Invalid => StatusCodes.Status422UnprocessableEntity,
        RefusalKind.Unavailable => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>The ProblemDetails <c>type</c> of a status, as ASP.NET Core fills it in for the board's other answers (the item results of a batch).</summary>
    public static string ProblemTypeOf(int status) => LogEndpoints.ProblemType(status) ?? status switch
    {
        StatusCodes.Status400BadRequest => "https://tools.ietf.org/html/rfc9110#section-15.5.1",
        StatusCodes.Status403Forbidden => "https://tools.ietf.org/html/rfc9110#section-15.5.4",
        StatusCodes.Status404NotFound => "https://tools.ietf.org/html/rfc9110#section-15.5.5",
        StatusCodes.Status409Conflict => "https://tools.ietf.org/html/rfc9110#section-15.5.10",
        StatusCodes.Status422UnprocessableEntity => "https://tools.ietf.org/html/rfc9110#section-15.5.21",
        StatusCodes.Status503ServiceUnavailable => "https://tools.ietf.org/html/rfc9110#section-15.6.4",
        _ => "https://tools.ietf.org/html/rfc9110#section-15.6.1",
    };

    /// <summary>The ProblemDetails of a refusal.</summary>
    public static IResult Problem(BoardRefusal refusal)
    {
        int status = StatusOf(refusal.Kind);
        IResult problem = refusal.Extensions is null
            ? LogEndpoints.Problem(status, refusal.Title, refusal.Detail)
            : TypedResults.Problem(detail: refusal.Detail, statusCode: status, title: refusal.Title, type: LogEndpoints.ProblemType(status), extensions: refusal.Extensions);
        return refusal.Kind == RefusalKind.Unavailable ? new RetryLater(problem, refusal.RetryAfterSeconds) : problem;
    }

    /// <summary>A 503 with <c>Retry-After</c>: devices and other clients wait that long and post again (RetryHandler).</summary>
    private sealed class RetryLater(IResult problem, int seconds) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = Math.Max(1, seconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return problem.ExecuteAsync(httpContext);
        }
    }

    private static async Task<IResult> GetAsync(BoardKind kind, string id, HttpContext http, BoardService board, CancellationToken ct)
    {
        if (board.Lookup(kind.Collection, id) is not BoardArtifact artifact)
        {
            return LogEndpoints.Problem(StatusCodes.Status404NotFound, "Not on the board", $"id: /board/{kind.Collection}{(kind.Singleton ? "" : "/" + id)} is not on the board.");
        }

        byte[]? bytes = await board.ReadAsync(artifact, ct);
        if (bytes is null)
        {
            return LogEndpoints.Problem(StatusCodes.Status500InternalServerError, "Missing blob", $"The blob {artifact.Sha256} committed by log entry {artifact.Index} is missing from the store.");
        }

        http.Response.Headers.ETag = $"\"{artifact.Sha256}\"";
        http.Response.Headers["Entente-Log-Index"] = artifact.Index.ToString(CultureInfo.InvariantCulture);
        http.Response.Headers["Entente-Entry-Type"] = artifact.Type;
        return TypedResults.Bytes(bytes, "application/json");
    }

    private static IResult List(BoardKind kind, HttpContext http, BoardService board, int? offset, int? limit)
    {
        int from = offset ?? 0;
        int count = limit ?? 100;
        if (from < 0 || count is < 1 or > MaxPage)
        {
            return LogEndpoints.Problem(StatusCodes.Status400BadRequest, "Bad page", $"offset must be ≥ 0 and limit 1..{MaxPage} (got offset {from}, limit {count}).");
        }

        IQueryCollection q = http.Request.Query;
        List<Func<BoardArtifact, bool>> filters = [];
        string? type = null;
        if (kind.Collection == "shares")
        {
            if (q["to"].ToString() is { Length: > 0 } to)
            {
                filters.Add(a => a.Id.EndsWith("-to-" + to, StringComparison.Ordinal));
            }

            if (q["from"].ToString() is { Length: > 0 } fromGuardian)
            {
                filters.Add(a => a.Id.StartsWith(fromGuardian + "-to-", StringComparison.Ordinal));
            }
        }

        string? code = null;
        if (kind.IsBallot)
        {
            code = q["code"].ToString() is { Length: > 0 } c ? c : null;
            if (q["state"].ToString() is { Length: > 0 } state)
            {
                if (state is not ("cast" or "challenged"))
                {
                    return LogEndpoints.Problem(StatusCodes.Status400BadRequest, "Bad filter", "state must be cast or challenged.");
                }

                type = "ballot." + state; // the index keeps each type's log order (BoardIndex.List)
            }
        }

        // A confirmation code names at most one ballot: answered from the index's code lookup, not by reading every
        // ballot on the board (a scan under the index's lock, seconds at national scale, for each such request).
        (IReadOnlyList<BoardArtifact> items, int total) = code is not null
            ? ByCode(board, kind, code, type, from)
            : board.List(kind.Collection, from, count, filters.Count == 0 ? null : a => filters.All(f => f(a)), type);
        string? next = from + items.Count < total
            ? $"/board/{kind.Collection}?offset={from + items.Count}&limit={count}" + string.Concat(q.Where(p => p.Key is not ("offset" or "limit")).Select(p => $"&{p.Key}={Uri.EscapeDataString(p.Value.ToString())}"))
            : null;
        return TypedResults.Ok(new BoardPage(items, from, total, next));
    }

    /// <summary>
    /// The page of <c>?code=</c>: the ballot of that confirmation code (in any case) if it is in <paramref name="kind"/>'s
    /// collection and, with <c>?state=</c>, of entry type <paramref name="type"/>.
    /// </summary>
    private static (IReadOnlyList<BoardArtifact> Items, int Total) ByCode(BoardService board, BoardKind kind, string code, string? type, int from)
    {
        BoardArtifact? ballot = board.ByConfirmationCode(code) ?? board.ByConfirmationCode(code.ToUpperInvariant()) ?? board.ByConfirmationCode(code.ToLowerInvariant());
        bool found = ballot is not null && ballot.Collection == kind.Collection && (type is null || ballot.Type == type);
        return (found && from == 0 ? [ballot!] : [], found ? 1 : 0);
    }

    private static async Task<IResult> RecordAsync(HttpContext http, BoardService board, CancellationToken ct)
    {
        BoardResult<byte[]> zip = await board.RecordZipAsync(ct);
        return zip.Refusal is BoardRefusal refusal ? Problem(refusal) : TypedResults.File(zip.Value!, "application/zip", "record.zip");
    }
}

/// <summary>The board's structured log lines: what was logged, by whom, where; never an artifact's content.</summary>
internal static partial class BoardLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Debug, Message = "Board logged {Type} in {Collection} at entry {Index} by {Party} (sha256 {Sha256})")]
    public static partial void Logged(ILogger logger, string type, string collection, long index, string party, string sha256);
}
