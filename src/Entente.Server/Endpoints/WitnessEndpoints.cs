using Entente.Transparency.Witness;

namespace Entente.Server.Endpoints;

/// <summary>The tlog-witness endpoint: <c>POST /add-checkpoint</c>, with the spec's status codes and bodies.</summary>
internal static class WitnessEndpoints
{
    public static IEndpointRouteBuilder MapWitnessEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/add-checkpoint", AddCheckpointAsync);
        return app;
    }

    private static async Task<IResult> AddCheckpointAsync(HttpRequest request, Witness witness, CancellationToken ct)
    {
        if (request.ContentLength > Witness.MaxBodyBytes)
        {
            return TypedResults.Text($"request body larger than {Witness.MaxBodyBytes} bytes\n", "text/plain; charset=utf-8", statusCode: 400);
        }

        using MemoryStream ms = new();
        await request.Body.CopyToAsync(ms, ct);
        WitnessResponse response = await witness.AddCheckpointAsync(ms.ToArray(), ct);
        return TypedResults.Text(response.Body, response.ContentType, statusCode: response.Status);
    }
}
