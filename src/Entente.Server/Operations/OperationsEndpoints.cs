using System.Text.Json;
using Entente.Server.Log;
using Microsoft.AspNetCore.Http.Features;

namespace Entente.Server.Operations;

/// <summary>
/// What an operator's probes and scrapers read (docs/http-api.md, "Operations"): <c>GET /healthz</c> (liveness: the
/// process answers, nothing else is touched), <c>GET /readyz</c> (<see cref="Readiness"/>: 200 when every check passes,
/// 503 naming what fails, a JSON body with every check either way) and <c>GET /metrics</c> (OpenTelemetry's Prometheus
/// exporter), and the middleware that counts and logs every 4xx answer by status and problem title.
/// </summary>
internal static partial class OperationsEndpoints
{
    /// <summary>Key of the problem title in <see cref="HttpContext.Items"/>, set where a ProblemDetails is written.</summary>
    internal const string ProblemTitleItem = "entente.problem.title";

    public static void MapOperationsEndpoints(this WebApplication app, LogService log)
    {
        app.MapGet("/healthz", () => Results.Text("{\"status\":\"ok\"}", "application/json"))
            .WithName("Healthz").WithSummary("Liveness: the process answers (touches nothing else).").WithTags("operations")
            .Produces(StatusCodes.Status200OK, contentType: "application/json");
        app.MapGet("/readyz", async (CancellationToken ct) =>
            {
                IReadOnlyList<ReadinessCheck> checks = await Readiness.CheckAsync(log, TimeProvider.System, ct);
                bool ready = checks.All(c => c.Ok);
                return Results.Text(Body(ready, checks), "application/json", System.Text.Encoding.UTF8, ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
            })
            .WithName("Readyz").WithSummary("Readiness: the store, each configured witness, and the age of the latest cosigned checkpoint.").WithTags("operations")
            .Produces(StatusCodes.Status200OK, contentType: "application/json")
            .Produces(StatusCodes.Status503ServiceUnavailable, contentType: "application/json");
        app.MapPrometheusScrapingEndpoint("/metrics");
    }

    /// <summary>Counts and logs every answer with a 4xx status, tagged by the problem's title when one was written.</summary>
    public static void UseRefusalMetrics(this WebApplication app, ServerMetrics metrics)
    {
        ILogger logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Entente.Server.Requests");
        app.Use(async (context, next) =>
        {
            await next(context);
            int status = context.Response.StatusCode;
            if (status is >= 400 and < 500)
            {
                string? title = context.Items.TryGetValue(ProblemTitleItem, out object? t) ? t as string : null;
                metrics.Refused(status, title);
                // The route template, not the path: a path can carry a ballot id or a confirmation code, the template cannot.
                string route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "(no route)";
                LogRefusal(logger, context.Request.Method, route, status, title ?? "");
            }
        });
    }

    /// <summary>Records a ProblemDetails' title for <see cref="UseRefusalMetrics"/> (ProblemDetailsOptions.CustomizeProblemDetails).</summary>
    public static void NoteProblem(ProblemDetailsContext context)
    {
        if (context.ProblemDetails.Title is string title)
        {
            context.HttpContext.Items[ProblemTitleItem] = title;
        }
    }

    private static string Body(bool ready, IReadOnlyList<ReadinessCheck> checks)
    {
        using MemoryStream buffer = new();
        using (Utf8JsonWriter w = new(buffer))
        {
            w.WriteStartObject();
            w.WriteString("status", ready ? "ready" : "not_ready");
            w.WriteStartArray("failing");
            foreach (ReadinessCheck c in checks.Where(c => !c.Ok))
            {
                w.WriteStringValue(c.Name);
            }

            w.WriteEndArray();
            w.WriteStartArray("checks");
            foreach (ReadinessCheck c in checks)
            {
                w.WriteStartObject();
                w.WriteString("name", c.Name);
                w.WriteString("status", c.Ok ? "pass" : "fail");
                w.WriteString("detail", c.Detail);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Refused {Method} {Route} with {Status} {Title}")]
    private static partial void LogRefusal(ILogger logger, string method, string route, int status, string title);
}
