using Entente.Exchange;
using Entente.Exchange.Log;
using Entente.Exchange.Storage;
using Entente.Server.Exchange;

namespace Entente.Server.Endpoints;

/// <summary>
/// The proofs of the hosted incident exchange (docs/exchange.md, "Hosted by entente serve"); TAXII 2.1 itself is in
/// <see cref="TaxiiEndpoints"/>. <c>GET /exchange/unit</c> (public): parties, collections, board keys and witness
/// policy. <c>GET /exchange/entries/{index}</c> and <c>GET /exchange/objects/{objectId}</c>: a message with its proof
/// bundle (envelope, board index, board entry, inclusion proof, cosigned checkpoint), for a signed caller who may read
/// the message's collection. Mapped only when a <see cref="HostedExchange"/> is registered.
/// </summary>
public static class ExchangeEndpoints
{
    /// <summary>Maps the routes.</summary>
    public static IEndpointRouteBuilder MapExchangeEndpoints(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (app.ServiceProvider.GetService<HostedExchange>() is null)
        {
            return app;
        }

        RouteGroupBuilder group = app.MapGroup("/exchange").WithTags("Exchange");
        group.MapGet("/unit", (HostedExchange x) => TypedResults.Text(x.Unit().ToJsonString(), "application/json"))
            .WithSummary("Parties, collections, board keys and witness policy of the hosted exchange.");
        group.MapGet("/entries/{index:long}", async Task<IResult> (long index, HttpContext http, HostedExchange x, CancellationToken ct) =>
        {
            (ExchangeEntry? entry, BoardExchangeProof? proof) = await x.ProveAsync(index, ct);
            if (entry is null || !CanRead(http, x, entry))
            {
                return LogEndpoints.Problem(StatusCodes.Status404NotFound, "No such message", $"index: no exchange entry {index} that you may read (sign the request with your charter key).");
            }

            return proof is null
                ? NotYet(http, index)
                : TypedResults.Text(HostedExchange.ProofJson(proof).ToJsonString(), "application/json");
        }).WithSummary("One exchange message with its proof bundle against the published board checkpoint.");
        group.MapGet("/objects/{objectId}", async Task<IResult> (string objectId, HttpContext http, HostedExchange x, CancellationToken ct) =>
        {
            IReadOnlyList<ExchangeEntry> entries = [.. (await x.FindAsync(objectId, ct)).Where(e => CanRead(http, x, e))];
            if (entries.Count == 0)
            {
                return LogEndpoints.Problem(StatusCodes.Status404NotFound, "No such object", $"objectId: no message carrying {objectId} that you may read (sign the request with your charter key).");
            }

            System.Text.Json.Nodes.JsonArray proofs = [];
            foreach (ExchangeEntry e in entries)
            {
                (_, BoardExchangeProof? proof) = await x.ProveAsync(e.Index, ct);
                if (proof is null)
                {
                    return NotYet(http, e.Index);
                }

                proofs.Add(HostedExchange.ProofJson(proof));
            }

            return TypedResults.Text(new System.Text.Json.Nodes.JsonObject { ["proofs"] = proofs }.ToJsonString(), "application/json");
        }).WithSummary("Every version of a STIX object in the exchange, each with its proof bundle.");
        return app;
    }

    private static bool CanRead(HttpContext http, HostedExchange exchange, ExchangeEntry entry)
    {
        string? caller = http.Items.TryGetValue(ServerApp.CallerItem, out object? m) && m is Entente.Transparency.Log.CharterMember member ? member.Identity : null;
        CollectionDefinition? collection = exchange.Service.Collections.FirstOrDefault(c => c.Id == entry.Collection);
        return collection is not null && exchange.Service.Parties.TryGetByIdentity(caller ?? "", out _) && collection.CanRead(caller);
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult NotYet(HttpContext http, long index)
    {
        http.Response.Headers.RetryAfter = "1";
        return LogEndpoints.Problem(StatusCodes.Status503ServiceUnavailable, "Not yet in the published checkpoint",
            $"index: exchange entry {index} is logged but the published (cosigned) board checkpoint does not cover it yet; retry shortly.");
    }
}
