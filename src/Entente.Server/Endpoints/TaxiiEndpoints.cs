using Entente.Exchange.Taxii;
using Microsoft.Extensions.Primitives;

namespace Entente.Server.Endpoints;

/// <summary>
/// Who is calling, as the server's authentication established it: the caller's STIX identity id
/// (a registered party) or null for an anonymous request. The server registers one in DI together
/// with the <see cref="TaxiiService"/>; TAXII 2.1 §1.6.9 makes HTTP Basic the mandatory scheme.
/// </summary>
/// <param name="Resolve">Maps a request to the caller's identity id, or null.</param>
public sealed record TaxiiCallerResolver(Func<HttpContext, string?> Resolve);

/// <summary>
/// TAXII 2.1 over HTTP: maps each route to <see cref="TaxiiService"/> and copies its status code,
/// media type (application/taxii+json;version=2.1), body and X-TAXII-Date-Added-* headers. Routes
/// (TAXII 2.1 §4–5): <c>/taxii2/</c> discovery; <c>/taxii2/api/</c> API root; <c>status/{id}/</c>;
/// <c>collections/</c>; <c>collections/{id}/</c>; <c>manifest/</c>; <c>objects/</c> (GET, POST);
/// <c>objects/{object-id}/</c> (GET; DELETE answers 403: the log is append-only); <c>versions/</c>.
/// Mapped only when a <see cref="TaxiiService"/> is registered.
/// </summary>
public static class TaxiiEndpoints
{
    /// <summary>Maps the TAXII routes under <paramref name="prefix"/> (API root at <paramref name="prefix"/>/api/).</summary>
    public static IEndpointRouteBuilder MapTaxiiEndpoints(this IEndpointRouteBuilder app, string prefix = "/taxii2")
    {
        ArgumentNullException.ThrowIfNull(app);
        if (app.ServiceProvider.GetService<TaxiiService>() is null)
        {
            return app;
        }

        string root = prefix + "/api";
        app.MapGet(prefix + "/", (HttpContext c, TaxiiService t) => Read(c, _ => Task.FromResult(t.Discovery())));
        app.MapGet(root + "/", (HttpContext c, TaxiiService t) => Read(c, _ => Task.FromResult(t.ApiRoot())));
        app.MapGet(root + "/status/{statusId}/", (HttpContext c, TaxiiService t, string statusId) => Read(c, caller => Task.FromResult(t.Status(caller, statusId))));
        app.MapGet(root + "/collections/", (HttpContext c, TaxiiService t) => Read(c, caller => Task.FromResult(t.Collections(caller))));
        app.MapGet(root + "/collections/{id}/", (HttpContext c, TaxiiService t, string id) => Read(c, caller => Task.FromResult(t.Collection(caller, id))));
        app.MapGet(root + "/collections/{id}/manifest/", (HttpContext c, TaxiiService t, string id) => Read(c, caller => t.GetManifestAsync(caller, id, Query(c.Request), c.RequestAborted)));
        app.MapGet(root + "/collections/{id}/objects/", (HttpContext c, TaxiiService t, string id) => Read(c, caller => t.GetObjectsAsync(caller, id, Query(c.Request), c.RequestAborted)));
        app.MapPost(root + "/collections/{id}/objects/", (HttpContext c, TaxiiService t, string id) => PostAsync(c, t, id))
            .RequireRateLimiting(BoardEndpoints.WritePolicy);
        app.MapGet(root + "/collections/{id}/objects/{objectId}/", (HttpContext c, TaxiiService t, string id, string objectId) =>
            Read(c, caller => t.GetObjectAsync(caller, id, objectId, Query(c.Request), c.RequestAborted)));
        app.MapDelete(root + "/collections/{id}/objects/{objectId}/", (HttpContext c) =>
            Write(c, TaxiiService.Error(403, "Forbidden", "The exchange is an append-only log: objects are revoked by a new version, never deleted.")))
            .RequireRateLimiting(BoardEndpoints.WritePolicy);
        app.MapGet(root + "/collections/{id}/objects/{objectId}/versions/", (HttpContext c, TaxiiService t, string id, string objectId) =>
            Read(c, caller => t.GetVersionsAsync(caller, id, objectId, Query(c.Request), c.RequestAborted)));
        return app;
    }

    private static async Task<IResult> Read(HttpContext context, Func<string?, Task<TaxiiResponse>> handler)
    {
        if (TaxiiService.CheckAccept(context.Request.Headers.Accept.ToString() is { Length: > 0 } accept ? accept : null) is { } notAcceptable)
        {
            return Write(context, notAcceptable);
        }

        return Write(context, await handler(Caller(context)));
    }

    private static async Task<IResult> PostAsync(HttpContext context, TaxiiService taxii, string collectionId)
    {
        if (TaxiiService.CheckAccept(context.Request.Headers.Accept.ToString() is { Length: > 0 } accept ? accept : null) is { } notAcceptable)
        {
            return Write(context, notAcceptable);
        }

        if (TaxiiService.CheckContentType(context.Request.ContentType) is { } unsupported)
        {
            return Write(context, unsupported);
        }

        if (context.Request.ContentLength > taxii.MaxContentLength)
        {
            return Write(context, TaxiiService.Error(413, "Payload Too Large", $"max_content_length is {taxii.MaxContentLength} bytes."));
        }

        using MemoryStream body = new();
        byte[] buffer = new byte[81920];
        int read;
        while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
        {
            if (body.Length + read > taxii.MaxContentLength)
            {
                return Write(context, TaxiiService.Error(413, "Payload Too Large", $"max_content_length is {taxii.MaxContentLength} bytes."));
            }

            body.Write(buffer, 0, read);
        }

        return Write(context, await taxii.AddObjectsAsync(Caller(context), collectionId, body.ToArray(), context.RequestAborted));
    }

    private static string? Caller(HttpContext context) => context.RequestServices.GetService<TaxiiCallerResolver>()?.Resolve(context);

    private static Microsoft.AspNetCore.Http.HttpResults.ContentHttpResult Write(HttpContext context, TaxiiResponse response)
    {
        foreach (KeyValuePair<string, string> header in response.Headers)
        {
            context.Response.Headers[header.Key] = header.Value;
        }

        if (response.StatusCode == StatusCodes.Status401Unauthorized)
        {
            // RFC 9110 §15.5.2: a 401 names the scheme to authenticate with; here, HTTP Message Signatures.
            Auth.RequestAuthenticator.AddChallenge(context.Response);
        }

        return TypedResults.Text(response.Body.ToJsonString(), response.ContentType, System.Text.Encoding.UTF8, response.StatusCode);
    }

    private static TaxiiQuery Query(HttpRequest request)
    {
        static string? One(StringValues values) => values.Count == 0 ? null : string.Join(",", values.ToArray());
        return new TaxiiQuery
        {
            AddedAfter = One(request.Query["added_after"]),
            Limit = One(request.Query["limit"]),
            Next = One(request.Query["next"]),
            MatchId = One(request.Query["match[id]"]),
            MatchType = One(request.Query["match[type]"]),
            MatchVersion = One(request.Query["match[version]"]),
            MatchSpecVersion = One(request.Query["match[spec_version]"]),
        };
    }
}
