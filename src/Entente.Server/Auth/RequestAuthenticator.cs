using System.Threading.Channels;
using Entente.Client.Http;
using Entente.Transparency.Log;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Entente.Server.Auth;

/// <summary>Settings of write authentication (JSON member <c>auth</c> of the server configuration).</summary>
public sealed class SignatureOptions
{
    /// <summary>How far <c>created</c> may be from the server's clock, either way (seconds).</summary>
    [System.Text.Json.Serialization.JsonPropertyName("clockSkewSeconds")]
    public int ClockSkewSeconds { get; set; } = 60;

    /// <summary>How many (keyid, nonce) pairs the replay cache holds at most; when full, writes answer 503.</summary>
    [System.Text.Json.Serialization.JsonPropertyName("nonceCapacity")]
    public int NonceCapacity { get; set; } = 1_000_000;
}

/// <summary>An authenticated write: the signer (a charter member) and the request body it signed.</summary>
/// <param name="Member">The charter member whose key verified the signature.</param>
/// <param name="Body">The request body, at most the route's limit, matching its Content-Digest.</param>
public sealed record SignedRequest(CharterMember Member, byte[] Body);

/// <summary>
/// Checks RFC 9421 request signatures against the charter's keys, in three steps that the server runs at different points
/// of a request so that nobody spends another party's budget or replays a request:
/// <list type="number">
/// <item><see cref="Verify"/>, before the rate limiter and without reading the body: <c>Signature-Input</c> and
/// <c>Signature</c> with one signature whose parameters name a <c>keyid</c> (a charter member), a <c>created</c> time
/// within the clock-skew window, a <c>nonce</c> not seen from that key within the window and, if given,
/// <c>alg="ed25519"</c>; it covers at least <c>@method</c>, <c>@authority</c> (or <c>@target-uri</c>), <c>@path</c>,
/// <c>@query</c> when the request has a query, and <c>content-digest</c>; the authority is one of the board's own names;
/// the Ed25519 signature verifies over the signature base (which holds the <c>Content-Digest</c> value). The rate limiter
/// then partitions by the verified key, or by the client address (<see cref="PartitionOf"/>).</item>
/// <item><see cref="RememberAsync"/>, after the rate limiter: the nonce is made durable in the board's store (group
/// commit), so a restarted server, or another server on the same store, refuses the request again.</item>
/// <item><see cref="AuthenticateAsync"/>, in the endpoint: reads the body up to the route's limit and checks it against
/// <c>Content-Digest</c>.</item>
/// </list>
/// Failures are ProblemDetails: 401 with <c>WWW-Authenticate</c> and <c>Accept-Signature</c> (missing, malformed, unknown
/// key, bad signature, wrong authority, digest mismatch, stale or replayed), 413 (body over the route's limit), 503
/// (replay cache full, or the store unreachable). Roles are checked by the caller (403).
/// </summary>
public sealed class RequestAuthenticator : IAsyncDisposable
{
    /// <summary>Problem type of authentication failures.</summary>
    public const string ProblemType = "https://www.rfc-editor.org/rfc/rfc9421";

    /// <summary>What a client should send (RFC 9421 §5.1), also returned with every 401.</summary>
    public const string AcceptSignature = "sig1=(\"@method\" \"@authority\" \"@path\" \"@query\" \"content-digest\");created;nonce;keyid;alg=\"ed25519\"";

    /// <summary>The <c>WWW-Authenticate</c> challenge of every 401 (RFC 9110 §11.6.1): the scheme is HTTP Message Signatures.</summary>
    public const string Challenge = "Signature realm=\"entente\", alg=\"ed25519\"";

    private const string StateItem = "entente.signature";

    private readonly Func<Charter> _charter;
    private readonly Func<IReadOnlyCollection<string>>? _authorities;
    private readonly TimeProvider _time;
    private readonly SignatureOptions _options;
    private readonly NonceCache _nonces;
    private readonly NonceJournal? _journal;

    /// <summary>
    /// Creates the authenticator over the current charter. <paramref name="authorities"/> gives the board's own names
    /// (lowercase <c>host[:port]</c>); null accepts any authority the signature covers. <paramref name="nonces"/> keeps the
    /// replay window across restarts; null keeps it in memory only (a tool or a test, never a server).
    /// </summary>
    public RequestAuthenticator(Func<Charter> charter, SignatureOptions options, Func<IReadOnlyCollection<string>>? authorities = null,
        INonceStore? nonces = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(charter);
        ArgumentNullException.ThrowIfNull(options);
        _charter = charter;
        _options = options;
        _authorities = authorities;
        _time = time ?? TimeProvider.System;
        _nonces = new NonceCache(options.NonceCapacity);
        _journal = nonces is null ? null : new NonceJournal(nonces, _time);
    }

    /// <summary>Number of nonces remembered in memory now.</summary>
    public int RememberedNonces => _nonces.Count;

    /// <summary>Loads the replay window the store holds (from before a restart) into memory.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_journal is not null)
        {
            long now = _time.GetUtcNow().ToUnixTimeSeconds();
            foreach (RequestNonce n in await _journal.Store.ReadLiveAsync(now, cancellationToken))
            {
                _nonces.TryAdd(n.KeyId, n.Nonce, now, n.Expires);
            }
        }
    }

    /// <summary>Whether the request carries RFC 9421 signature headers (which must then verify).</summary>
    public static bool HasSignature(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Headers.ContainsKey("Signature-Input") || request.Headers.ContainsKey("Signature");
    }

    /// <summary>
    /// The rate-limit partition of a request: <c>key:&lt;name&gt;</c> once <see cref="Verify"/> verified its signature,
    /// otherwise (unsigned, or the signature failed) <c>address:&lt;client address&gt;</c>. A claimed key id is never trusted.
    /// </summary>
    public static string PartitionOf(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return StateOf(context) is { Member: CharterMember m, Failure: null }
            ? "key:" + m.Name
            : "address:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
    }

    /// <summary>
    /// Step 1: verifies the request's signature headers without reading its body, and records the outcome on the request
    /// (once). Cheap enough to run before the rate limiter: header parsing, one Ed25519 verification, a memory lookup.
    /// </summary>
    public void Verify(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (StateOf(context) is null)
        {
            context.Items[StateItem] = Check(context.Request);
        }
    }

    /// <summary>
    /// Step 2: makes a verified request's nonce durable in the board's store, once (a no-op without a store). The answer to
    /// send instead when the store knows the nonce already (another server took it) or cannot be reached; else null.
    /// </summary>
    public async Task<IResult?> RememberAsync(HttpContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (StateOf(context) is not { Member: not null, Failure: null, Remembered: false } state)
        {
            return StateOf(context) is { Failure: Failure f } ? Answer(context, f) : null;
        }

        if (_journal is not null)
        {
            bool fresh;
            try
            {
                fresh = await _journal.RememberAsync(state.Nonce!.Value, cancellationToken);
            }
            catch (LogStoreException e)
            {
                state.Failure = new Failure(StatusCodes.Status503ServiceUnavailable, "Replay window unavailable",
                    $"The server cannot record the request's nonce in its store ({(e.IsTransient ? "retry shortly" : "a permanent store error")}); nothing was done.");
                context.Response.Headers.RetryAfter = "1";
                return Answer(context, state.Failure);
            }

            if (!fresh)
            {
                state.Failure = Replayed(state.Label, state.Nonce!.Value.Nonce, state.Member.Name);
                return Answer(context, state.Failure);
            }
        }

        state.Remembered = true;
        return null;
    }

    /// <summary>
    /// Step 3 (the endpoint): runs steps 1 and 2 if the pipeline did not, then reads the body (at most
    /// <paramref name="maxBody"/> bytes) and checks it against <c>Content-Digest</c>.
    /// </summary>
    public async Task<(SignedRequest? Request, IResult? Failure)> AuthenticateAsync(HttpContext context, int maxBody, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        Verify(context);
        if (await RememberAsync(context, cancellationToken) is IResult failure)
        {
            return (null, failure);
        }

        SignatureState state = StateOf(context)!;
        HttpRequest request = context.Request;
        if (request.ContentLength > maxBody || await ReadLimitedAsync(request, maxBody, cancellationToken) is not byte[] body)
        {
            return (null, TooLarge(maxBody));
        }

        if (HttpMessageSignatures.CheckContentDigest(request.Headers["Content-Digest"].ToString(), body) is string digestProblem)
        {
            return (null, Answer(context, Unauthorized("Content digest mismatch", $"Content-Digest: {digestProblem}.")));
        }

        return (new SignedRequest(state.Member!, body), null);
    }

    /// <summary>The charter member whose signature on this request verified and whose nonce is recorded, or null.</summary>
    public static CharterMember? VerifiedMember(HttpContext context) =>
        StateOf(context) is { Member: CharterMember m, Failure: null, Remembered: true } ? m : null;

    private static SignatureState? StateOf(HttpContext context) => context.Items.TryGetValue(StateItem, out object? s) ? s as SignatureState : null;

    private SignatureState Check(HttpRequest request)
    {
        string inputHeader = request.Headers["Signature-Input"].ToString();
        string signatureHeader = request.Headers["Signature"].ToString();
        if (inputHeader.Length == 0 || signatureHeader.Length == 0)
        {
            return SignatureState.Failed(Unauthorized("Signature required", "Writes are signed (RFC 9421 HTTP Message Signatures, Ed25519): a request needs both the Signature-Input and the Signature header. See docs/http-api.md."));
        }

        if (!StructuredFields.TryParseSignatureInput(inputHeader, out Dictionary<string, SignatureParameters> inputs, out string? problem))
        {
            return SignatureState.Failed(Unauthorized("Malformed signature", $"Signature-Input: {problem}."));
        }

        if (!StructuredFields.TryParseByteDictionary(signatureHeader, out Dictionary<string, byte[]>? signatures))
        {
            return SignatureState.Failed(Unauthorized("Malformed signature", "Signature: each member is label=:base64:."));
        }

        (string label, SignatureParameters parameters) = inputs.First();
        if (!signatures.TryGetValue(label, out byte[]? signature))
        {
            return SignatureState.Failed(Unauthorized("Malformed signature", $"Signature has no member \"{label}\" for the Signature-Input member of that label."));
        }

        if (parameters.KeyId is not string keyId)
        {
            return SignatureState.Failed(Unauthorized("Malformed signature", $"Signature-Input {label}: the parameter keyid (the charter name of the signing key) is required."));
        }

        if (_charter().Find(keyId) is not CharterMember member)
        {
            return SignatureState.Failed(Unauthorized("Unknown key", $"Signature-Input {label}: keyid \"{keyId}\" is not a key in the charter."));
        }

        if (parameters.Algorithm is string alg && alg != HttpMessageSignatures.Ed25519)
        {
            return SignatureState.Failed(Unauthorized("Unsupported algorithm", $"Signature-Input {label}: alg \"{alg}\" is not supported; use \"ed25519\"."));
        }

        if (parameters.Created is not long created || parameters.Nonce is not string nonce || nonce.Length is 0 or > 128)
        {
            return SignatureState.Failed(Unauthorized("Malformed signature", $"Signature-Input {label}: the parameters created (Unix seconds) and nonce (1..128 characters) are required."));
        }

        bool hasTarget = parameters.Components.Contains("@target-uri");
        string[] required = hasTarget
            ? ["@method", "content-digest"]
            : ["@method", "@authority", "@path", .. request.QueryString.HasValue ? new[] { "@query" } : [], "content-digest"];
        foreach (string component in required)
        {
            if (!parameters.Components.Contains(component))
            {
                return SignatureState.Failed(Unauthorized("Signature covers too little", $"Signature-Input {label}: the signature must cover \"{component}\"."));
            }
        }

        string authority = request.Host.Value?.ToLowerInvariant() ?? "";
        if (_authorities?.Invoke() is IReadOnlyCollection<string> names && !names.Contains(authority))
        {
            return SignatureState.Failed(Unauthorized("Wrong authority",
                $"Signature-Input {label}: the request is signed for \"{authority}\", which is not a name of this board ({string.Join(", ", names)}); sign for the board you send to, or add its name to the server's \"authorities\" (entente serve --authority)."));
        }

        byte[] signatureBase;
        try
        {
            signatureBase = HttpMessageSignatures.SignatureBase(parameters, c => Component(request, c));
        }
        catch (FormatException e)
        {
            return SignatureState.Failed(Unauthorized("Malformed signature", $"Signature-Input {label}: {e.Message}"));
        }

        if (!member.Key.Verify(signatureBase, signature))
        {
            return SignatureState.Failed(Unauthorized("Bad signature", $"Signature {label}: the Ed25519 signature by \"{keyId}\" does not verify over the signature base (RFC 9421 §2.5)."));
        }

        long now = _time.GetUtcNow().ToUnixTimeSeconds();
        if (Math.Abs(now - created) > _options.ClockSkewSeconds || (parameters.Expires is long expires && expires < now))
        {
            return SignatureState.Failed(Unauthorized("Stale signature", $"Signature-Input {label}: created={created} is more than {_options.ClockSkewSeconds} s from the server's time {now} (or the signature expired); sign again with the current time."));
        }

        RequestNonce remembered = new(keyId, nonce, created + _options.ClockSkewSeconds + 1);
        return _nonces.TryAdd(keyId, nonce, now, remembered.Expires) switch
        {
            NonceCache.Outcome.Replayed => SignatureState.Failed(Replayed(label, nonce, keyId)),
            NonceCache.Outcome.Full => SignatureState.Failed(new Failure(StatusCodes.Status503ServiceUnavailable, "Replay cache full",
                $"The server remembers at most {_options.NonceCapacity} recent nonces; retry in a second.")),
            _ => new SignatureState { Member = member, Label = label, Nonce = remembered },
        };
    }

    private static Failure Replayed(string label, string nonce, string keyId) =>
        Unauthorized("Replayed request", $"Signature-Input {label}: nonce \"{nonce}\" of \"{keyId}\" was already used; every request needs a fresh nonce.");

    private static Failure Unauthorized(string title, string detail) => new(StatusCodes.Status401Unauthorized, title, detail);

    /// <summary>The response of a failure: 401 with the challenge headers, 503 with Retry-After.</summary>
    private static ProblemHttpResult Answer(HttpContext context, Failure failure)
    {
        if (failure.Status == StatusCodes.Status401Unauthorized)
        {
            AddChallenge(context.Response);
            return Problem(failure.Status, failure.Title, failure.Detail, ProblemType);
        }

        context.Response.Headers.RetryAfter = "1";
        return Problem(failure.Status, failure.Title, failure.Detail);
    }

    /// <summary>Adds <c>WWW-Authenticate</c> (RFC 9110 §11.6.1) and <c>Accept-Signature</c> (RFC 9421 §5.1) to a 401.</summary>
    public static void AddChallenge(HttpResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.Headers.WWWAuthenticate = Challenge;
        response.Headers["Accept-Signature"] = AcceptSignature;
    }

    /// <summary>A component's value in the request as received (RFC 9421 §2.1–2.2).</summary>
    public static string? Component(HttpRequest request, string component)
    {
        ArgumentNullException.ThrowIfNull(request);
        string path = request.PathBase.Add(request.Path).ToUriComponent();
        string query = request.QueryString.HasValue ? request.QueryString.Value! : "?";
        return component switch
        {
            "@method" => request.Method,
            "@authority" => request.Host.Value?.ToLowerInvariant(),
            "@scheme" => request.Scheme.ToLowerInvariant(),
            "@path" => path.Length == 0 ? "/" : path,
            "@query" => query,
            "@request-target" => (path.Length == 0 ? "/" : path) + (request.QueryString.HasValue ? request.QueryString.Value : ""),
            "@target-uri" => $"{request.Scheme.ToLowerInvariant()}://{request.Host.Value?.ToLowerInvariant()}{(path.Length == 0 ? "/" : path)}{(request.QueryString.HasValue ? request.QueryString.Value : "")}",
            _ when component.StartsWith('@') => null,
            _ => HttpMessageSignatures.FieldValue(request.Headers.TryGetValue(component, out Microsoft.Extensions.Primitives.StringValues v) ? v.Select(x => x ?? "") : null),
        };
    }

    /// <summary>The largest declared body <see cref="ReadLimitedAsync"/> allocates whole before any of it arrives.</summary>
    private const int PreallocateAtMost = 1 << 20;

    /// <summary>
    /// Reads at most <paramref name="max"/> bytes of body; null when it is longer. A body of declared length up to
    /// <see cref="PreallocateAtMost"/> is read straight into one array of that length (a batch of ballots is hundreds
    /// of kilobytes: growing a buffer for it would allocate and copy it several times on the large-object heap); a
    /// larger one grows with what arrives, so that a client that declares a large body and sends nothing costs the
    /// server little until the server's minimum data rate drops it. The server ends a body at its declared length, and
    /// one that ends early is returned as it came (the signed digest or the entry's signature refuses it).
    /// </summary>
    public static async Task<byte[]?> ReadLimitedAsync(HttpRequest request, int max, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentLength > max)
        {
            return null;
        }

        if (request.ContentLength is long declared && declared <= PreallocateAtMost)
        {
            byte[] body = new byte[declared];
            int filled = 0;
            while (filled < body.Length)
            {
                int n = await request.Body.ReadAsync(body.AsMemory(filled), ct);
                if (n == 0)
                {
                    return body[..filled];
                }

                filled += n;
            }

            return body;
        }

        using MemoryStream ms = new();
        byte[] buffer = new byte[16384];
        int read;
        while ((read = await request.Body.ReadAsync(buffer, ct)) > 0)
        {
            if (ms.Length + read > max)
            {
                return null;
            }

            ms.Write(buffer, 0, read);
        }

        return ms.ToArray();
    }

    /// <summary>413 with the route's limit.</summary>
    public static ProblemHttpResult TooLarge(int max) =>
        Problem(StatusCodes.Status413PayloadTooLarge, "Request too large", $"The body of this route is at most {max} bytes.");

    private static ProblemHttpResult Problem(int status, string title, string detail, string? type = null) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title, type: type ?? Endpoints.LogEndpoints.ProblemType(status));

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_journal is not null)
        {
            await _journal.DisposeAsync();
        }
    }

    /// <summary>Why a request is refused.</summary>
    private sealed record Failure(int Status, string Title, string Detail);

    /// <summary>What the steps learned about one request's signature.</summary>
    private sealed class SignatureState
    {
        public CharterMember? Member { get; init; }

        public string Label { get; init; } = "";

        public RequestNonce? Nonce { get; init; }

        public Failure? Failure { get; set; }

        public bool Remembered { get; set; }

        public static SignatureState Failed(Failure failure) => new() { Failure = failure };
    }

    /// <summary>
    /// Makes nonces durable with group commit: requests wait while one batch is written, then the next batch takes every
    /// nonce that arrived meanwhile, so a burst of signed requests costs a few store transactions, not one each.
    /// Expired rows are pruned once a minute.
    /// </summary>
    private sealed class NonceJournal : IAsyncDisposable
    {
        private const int MaxBatch = 1024;
        private readonly Channel<(RequestNonce Nonce, TaskCompletionSource<bool> Done)> _queue =
            Channel.CreateUnbounded<(RequestNonce, TaskCompletionSource<bool>)>(new UnboundedChannelOptions { SingleReader = true });

        private readonly TimeProvider _time;
        private readonly Task _loop;
        private long _pruned;

        public NonceJournal(INonceStore store, TimeProvider time)
        {
            Store = store;
            _time = time;
            _loop = Task.Run(RunAsync);
        }

        public INonceStore Store { get; }

        public async Task<bool> RememberAsync(RequestNonce nonce, CancellationToken cancellationToken)
        {
            TaskCompletionSource<bool> done = new(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!_queue.Writer.TryWrite((nonce, done)))
            {
                throw new LogStoreException("The server is stopping.", isTransient: true);
            }

            return await done.Task.WaitAsync(cancellationToken);
        }

        private async Task RunAsync()
        {
            List<(RequestNonce Nonce, TaskCompletionSource<bool> Done)> batch = [];
            while (await _queue.Reader.WaitToReadAsync())
            {
                batch.Clear();
                while (batch.Count < MaxBatch && _queue.Reader.TryRead(out (RequestNonce, TaskCompletionSource<bool>) item))
                {
                    batch.Add(item);
                }

                long now = _time.GetUtcNow().ToUnixTimeSeconds();
                try
                {
                    IReadOnlyList<bool> fresh = await Store.RememberAsync([.. batch.Select(b => b.Nonce)], now);
                    for (int i = 0; i < batch.Count; i++)
                    {
                        batch[i].Done.TrySetResult(fresh[i]);
                    }

                    if (now - _pruned >= 60)
                    {
                        _pruned = now;
                        await Store.PruneAsync(now);
                    }
                }
                catch (Exception e)
                {
                    // Every waiter hears of it (as a store failure) and the loop goes on with the next batch.
                    LogStoreException failure = e as LogStoreException ?? new LogStoreException($"Recording request nonces failed: {e.Message}", isTransient: true, e);
                    foreach ((_, TaskCompletionSource<bool> done) in batch)
                    {
                        done.TrySetException(failure);
                    }
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            _queue.Writer.TryComplete();
            await _loop;
        }
    }

    private sealed class NonceCache(int capacity)
    {
        private readonly Dictionary<string, long> _seen = new(StringComparer.Ordinal);
        private readonly Queue<(string Key, long Expires)> _order = new();
        private readonly Lock _gate = new();

        public enum Outcome
        {
            Added,
            Replayed,
            Full,
        }

        public int Count
        {
            get
            {
                lock (_gate)
                {
                    return _seen.Count;
                }
            }
        }

        public Outcome TryAdd(string keyId, string nonce, long now, long expires)
        {
            string key = keyId + "\n" + nonce;
            lock (_gate)
            {
                while (_order.Count > 0 && _order.Peek().Expires < now)
                {
                    (string old, long oldExpires) = _order.Dequeue();
                    if (_seen.TryGetValue(old, out long e) && e == oldExpires)
                    {
                        _seen.Remove(old);
                    }
                }

                if (_seen.ContainsKey(key))
                {
                    return Outcome.Replayed;
                }

                if (_seen.Count >= capacity)
                {
                    return Outcome.Full;
                }

                _seen[key] = expires;
                _order.Enqueue((key, expires));
                return Outcome.Added;
            }
        }
    }
}
