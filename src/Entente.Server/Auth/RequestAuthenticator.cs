using Entente.Client.Http;
using Entente.Server.Log;
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
/// Checks RFC 9421 request signatures against the charter's keys. A request must carry <c>Signature-Input</c> and
/// <c>Signature</c> with one signature whose parameters name a <c>keyid</c> (a charter member), a <c>created</c>
/// time within the clock-skew window, a <c>nonce</c> not seen before from that key within the window and, if
/// given, <c>alg="ed25519"</c>; it covers at least <c>@method</c>, <c>@path</c> (or <c>@target-uri</c>),
/// <c>@query</c> when the request has a query, and <c>content-digest</c>, whose value must match the body.
/// Failures are ProblemDetails: 401 (missing, malformed, unknown key, bad signature, digest mismatch, stale or
/// replayed), 413 (body over the route's limit), 503 (replay cache full). Roles are checked by the caller (403).
/// </summary>
public sealed class RequestAuthenticator
{
    /// <summary>Problem type of authentication failures.</summary>
    public const string ProblemType = "https://www.rfc-editor.org/rfc/rfc9421";

    /// <summary>What a client should send (RFC 9421 §5.1), also returned with every 401.</summary>
    public const string AcceptSignature = "sig1=(\"@method\" \"@authority\" \"@path\" \"@query\" \"content-digest\");created;nonce;keyid;alg=\"ed25519\"";

    private static readonly string[] AlwaysCovered = ["@method", "content-digest"];

    private readonly Func<Charter> _charter;
    private readonly TimeProvider _time;
    private readonly SignatureOptions _options;
    private readonly NonceCache _nonces;

    /// <summary>Creates the authenticator over the current charter.</summary>
    public RequestAuthenticator(Func<Charter> charter, SignatureOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(charter);
        ArgumentNullException.ThrowIfNull(options);
        _charter = charter;
        _options = options;
        _time = time ?? TimeProvider.System;
        _nonces = new NonceCache(options.NonceCapacity);
    }

    /// <summary>Number of nonces remembered now.</summary>
    public int RememberedNonces => _nonces.Count;

    /// <summary>The keyid a request claims (unverified), for rate-limit partitions; null when there is none.</summary>
    public static string? ClaimedKeyId(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        string header = request.Headers["Signature-Input"].ToString();
        return header.Length > 0 && StructuredFields.TryParseSignatureInput(header, out Dictionary<string, SignatureParameters> inputs, out _)
            ? inputs.Values.First().KeyId
            : null;
    }

    /// <summary>Whether the request carries RFC 9421 signature headers (which must then verify).</summary>
    public static bool HasSignature(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Headers.ContainsKey("Signature-Input") || request.Headers.ContainsKey("Signature");
    }

    /// <summary>Reads the body (at most <paramref name="maxBody"/> bytes) and authenticates the request.</summary>
    public async Task<(SignedRequest? Request, IResult? Failure)> AuthenticateAsync(HttpContext context, int maxBody, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        HttpRequest request = context.Request;
        string inputHeader = request.Headers["Signature-Input"].ToString();
        string signatureHeader = request.Headers["Signature"].ToString();
        if (inputHeader.Length == 0 || signatureHeader.Length == 0)
        {
            return Fail(context, "Signature required", "Writes are signed (RFC 9421 HTTP Message Signatures, Ed25519): a request needs both the Signature-Input and the Signature header. See docs/http-api.md.");
        }

        if (!StructuredFields.TryParseSignatureInput(inputHeader, out Dictionary<string, SignatureParameters> inputs, out string? problem))
        {
            return Fail(context, "Malformed signature", $"Signature-Input: {problem}.");
        }

        if (!StructuredFields.TryParseByteDictionary(signatureHeader, out Dictionary<string, byte[]>? signatures))
        {
            return Fail(context, "Malformed signature", "Signature: each member is label=:base64:.");
        }

        (string label, SignatureParameters parameters) = inputs.First();
        if (!signatures.TryGetValue(label, out byte[]? signature))
        {
            return Fail(context, "Malformed signature", $"Signature has no member \"{label}\" for the Signature-Input member of that label.");
        }

        if (parameters.KeyId is not string keyId)
        {
            return Fail(context, "Malformed signature", $"Signature-Input {label}: the parameter keyid (the charter name of the signing key) is required.");
        }

        if (_charter().Find(keyId) is not CharterMember member)
        {
            return Fail(context, "Unknown key", $"Signature-Input {label}: keyid \"{keyId}\" is not a key in the charter.");
        }

        if (parameters.Algorithm is string alg && alg != HttpMessageSignatures.Ed25519)
        {
            return Fail(context, "Unsupported algorithm", $"Signature-Input {label}: alg \"{alg}\" is not supported; use \"ed25519\".");
        }

        if (parameters.Created is not long created || parameters.Nonce is not string nonce || nonce.Length is 0 or > 128)
        {
            return Fail(context, "Malformed signature", $"Signature-Input {label}: the parameters created (Unix seconds) and nonce (1..128 characters) are required.");
        }

        bool hasTarget = parameters.Components.Contains("@target-uri");
        foreach (string required in AlwaysCovered
            .Concat(hasTarget ? [] : ["@path"])
            .Concat(!hasTarget && request.QueryString.HasValue ? ["@query"] : []))
        {
            if (!parameters.Components.Contains(required))
            {
                return Fail(context, "Signature covers too little", $"Signature-Input {label}: the signature must cover \"{required}\".");
            }
        }

        if (request.ContentLength > maxBody)
        {
            return (null, TooLarge(maxBody));
        }

        byte[]? body = await ReadLimitedAsync(request, maxBody, cancellationToken);
        if (body is null)
        {
            return (null, TooLarge(maxBody));
        }

        if (HttpMessageSignatures.CheckContentDigest(request.Headers["Content-Digest"].ToString(), body) is string digestProblem)
        {
            return Fail(context, "Content digest mismatch", $"Content-Digest: {digestProblem}.");
        }

        byte[] signatureBase;
        try
        {
            signatureBase = HttpMessageSignatures.SignatureBase(parameters, c => Component(request, c));
        }
        catch (FormatException e)
        {
            return Fail(context, "Malformed signature", $"Signature-Input {label}: {e.Message}");
        }

        if (!member.Key.Verify(signatureBase, signature))
        {
            return Fail(context, "Bad signature", $"Signature {label}: the Ed25519 signature by \"{keyId}\" does not verify over the signature base (RFC 9421 §2.5).");
        }

        long now = _time.GetUtcNow().ToUnixTimeSeconds();
        if (Math.Abs(now - created) > _options.ClockSkewSeconds || (parameters.Expires is long expires && expires < now))
        {
            return Fail(context, "Stale signature", $"Signature-Input {label}: created={created} is more than {_options.ClockSkewSeconds} s from the server's time {now} (or the signature expired); sign again with the current time.");
        }

        switch (_nonces.TryAdd(keyId, nonce, now, created + _options.ClockSkewSeconds + 1))
        {
            case NonceCache.Outcome.Replayed:
                return Fail(context, "Replayed request", $"Signature-Input {label}: nonce \"{nonce}\" of \"{keyId}\" was already used; every request needs a fresh nonce.");
            case NonceCache.Outcome.Full:
                context.Response.Headers.RetryAfter = "1";
                return (null, Problem(StatusCodes.Status503ServiceUnavailable, "Replay cache full", $"The server remembers at most {_options.NonceCapacity} recent nonces; retry in a second."));
            default:
                return (new SignedRequest(member, body), null);
        }
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

    /// <summary>Reads at most <paramref name="max"/> bytes of body; null when it is longer.</summary>
    public static async Task<byte[]?> ReadLimitedAsync(HttpRequest request, int max, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentLength > max)
        {
            return null;
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

    private static (SignedRequest?, IResult?) Fail(HttpContext context, string title, string detail)
    {
        context.Response.Headers.WWWAuthenticate = "Signature realm=\"entente\", alg=\"ed25519\"";
        context.Response.Headers["Accept-Signature"] = AcceptSignature;
        return (null, Problem(StatusCodes.Status401Unauthorized, title, detail, ProblemType));
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
