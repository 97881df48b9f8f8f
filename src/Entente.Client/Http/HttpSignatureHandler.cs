using System.Security.Cryptography;
using Entente.Transparency.Notes;

namespace Entente.Client.Http;

/// <summary>
/// Signs every outgoing request with RFC 9421 HTTP Message Signatures and Ed25519, the way the board expects
/// (docs/http-api.md, "Authentication"): it adds <c>Content-Digest</c> (RFC 9530, sha-256) and a signature
/// labelled <c>sig1</c> covering <c>@method</c>, <c>@authority</c>, <c>@path</c>, <c>@query</c> and
/// <c>content-digest</c>, with <c>created</c>, a fresh 128-bit <c>nonce</c>, <c>keyid</c> (the charter name
/// of the key) and <c>alg="ed25519"</c>. Use it under an <see cref="HttpClient"/>:
/// <code>using HttpClient http = new(new HttpSignatureHandler(partyKey)) { BaseAddress = board };</code>
/// The key is not owned: dispose it yourself after the client.
/// </summary>
public sealed class HttpSignatureHandler : DelegatingHandler
{
    /// <summary>The components the handler covers, in order.</summary>
    public static readonly IReadOnlyList<string> CoveredComponents = ["@method", "@authority", "@path", "@query", "content-digest"];

    private readonly Ed25519NoteSigner _key;
    private readonly TimeProvider _time;

    /// <summary>Signs with <paramref name="key"/> (its name is the keyid) over a new <see cref="SocketsHttpHandler"/>.</summary>
    public HttpSignatureHandler(Ed25519NoteSigner key, TimeProvider? time = null)
        : this(key, new SocketsHttpHandler(), time)
    {
    }

    /// <summary>Signs with <paramref name="key"/> and sends through <paramref name="inner"/>.</summary>
    public HttpSignatureHandler(Ed25519NoteSigner key, HttpMessageHandler inner, TimeProvider? time = null)
        : base(inner)
    {
        ArgumentNullException.ThrowIfNull(key);
        _key = key;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Adds Content-Digest, Signature-Input and Signature to <paramref name="request"/> (whose content is buffered).</summary>
    public static async Task SignAsync(HttpRequestMessage request, Ed25519NoteSigner key, DateTimeOffset now, string? nonce = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(key);
        Uri uri = request.RequestUri is { IsAbsoluteUri: true } absolute ? absolute : throw new ArgumentException("The request needs an absolute URI to be signed (the signature covers its authority and path).", nameof(request));
        byte[] body = [];
        if (request.Content is not null)
        {
            // Buffer first so that a stream content can still be sent after it was hashed.
            await request.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
            body = await request.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        }

        request.Headers.Remove("Content-Digest");
        request.Headers.Remove("Signature-Input");
        request.Headers.Remove("Signature");
        string digest = HttpMessageSignatures.ContentDigest(body);
        request.Headers.TryAddWithoutValidation("Content-Digest", digest);
        SignatureParameters parameters = new(CoveredComponents,
        [
            new("created", now.ToUnixTimeSeconds()),
            new("nonce", nonce ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)).TrimEnd('=')),
            new("keyid", key.Name),
            new("alg", HttpMessageSignatures.Ed25519),
        ]);
        byte[] signatureBase = HttpMessageSignatures.SignatureBase(parameters, component => Component(request, uri, component, digest));
        (string input, string signature) = HttpMessageSignatures.Headers("sig1", parameters, key.SignRaw(signatureBase));
        request.Headers.TryAddWithoutValidation("Signature-Input", input);
        request.Headers.TryAddWithoutValidation("Signature", signature);
    }

    /// <inheritdoc/>
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        await SignAsync(request, _key, _time.GetUtcNow(), cancellationToken: cancellationToken).ConfigureAwait(false);
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    private static string? Component(HttpRequestMessage request, Uri uri, string component, string digest) => component switch
    {
        "@method" => request.Method.Method,
        "@authority" => (request.Headers.Host ?? uri.Authority).ToLowerInvariant(),
        "@path" => uri.AbsolutePath.Length == 0 ? "/" : uri.AbsolutePath,
        "@query" => uri.Query.Length == 0 ? "?" : uri.Query,
        "content-digest" => digest,
        _ => null,
    };
}
