using System.Text;
using System.Text.Json.Serialization;
using Entente.Server.Endpoints;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Entente.Server.Pages;

/// <summary>
/// The board's pages (Razor components rendered on the server, <c>MapRazorComponents</c>), the two JSON documents their
/// browser checks fetch (<c>/api/ballot-check/{code}</c>, <c>/api/exchange/{index}</c>), the embedded stylesheet and
/// scripts, and the answer to unknown URLs: an HTML page for a browser (Accept: text/html), a ProblemDetails
/// document for anyone else. <see cref="AddEntentePages"/> registers the services; <see cref="MapEntentePages"/> maps
/// the routes, after the API's, so that every API route keeps its own answers. docs/pages.md lists the pages.
/// </summary>
public static class PageEndpoints
{
    private static readonly (string File, string Type)[] Assets =
    [
        ("site.css", "text/css"), ("verify.js", "text/javascript"), ("ballot-check.js", "text/javascript"),
        ("incident-check.js", "text/javascript"), ("live.js", "text/javascript"),
        ("roll-check.js", "text/javascript"), ("results-embed.js", "text/javascript"), ("audit-board.js", "text/javascript"),
    ];

    /// <summary>Registers the page services (the board must be registered too).</summary>
    public static IServiceCollection AddEntentePages(this IServiceCollection services)
    {
        services.AddRazorComponents();
        services.AddSingleton<RecordVerification>();
        services.AddHostedService(sp => sp.GetRequiredService<RecordVerification>());
        services.AddSingleton<BoardPages>();
        services.AddSingleton<BallotShapes>();
        return services;
    }

    private static readonly string[] PartyRoutes = ["/add", "/board", "/blob", "/checkpoint", "/entries", "/exchange", "/proof", "/receipt", "/tile", "/taxii2"];

    /// <summary>A request of a party's tool (the log, the board API, TAXII), not of a page or its live updates: the record verification waits for these to pause.</summary>
    private static bool IsPartyRequest(PathString path) => PartyRoutes.Any(route => path.StartsWithSegments(route, StringComparison.OrdinalIgnoreCase));

    /// <summary>Maps the pages, their JSON documents, the assets and the unknown-URL answer.</summary>
    public static WebApplication MapEntentePages(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        RecordVerification verification = app.Services.GetRequiredService<RecordVerification>();
        app.Use(async (context, next) =>
        {
            if (IsPartyRequest(context.Request.Path))
            {
                verification.NoteRequest();
            }

            try
            {
                await next(context);
            }
            catch (PageNotFoundException e) when (!context.Response.HasStarted)
            {
                // The page's render already used this request's component services: the answer renders in a fresh scope.
                context.Response.Clear();
                IServiceProvider services = context.RequestServices;
                await using AsyncServiceScope scope = services.CreateAsyncScope();
                context.RequestServices = scope.ServiceProvider;
                try
                {
                    await NotFound(context, e.Title, e.Detail).ExecuteAsync(context);
                }
                finally
                {
                    context.RequestServices = services;
                }
            }
        });

        // Pages have no forms that change anything (every form is a GET): a page answers GET and HEAD only, so it needs
        // no antiforgery token and adds no write route (every write route is rate limited; the pages are not writes).
        app.MapRazorComponents<App>().DisableAntiforgery().Add(endpoint =>
        {
            for (int i = endpoint.Metadata.Count - 1; i >= 0; i--)
            {
                if (endpoint.Metadata[i] is IHttpMethodMetadata)
                {
                    endpoint.Metadata.RemoveAt(i);
                }
            }

            endpoint.Metadata.Add(new HttpMethodMetadata(["GET", "HEAD"]));
        });
        RouteGroupBuilder api = app.MapGroup("/api").WithTags("Pages");
        api.MapGet("/ballot-check/{code}", (string code, BoardPages pages, CancellationToken ct) => PageApi.BallotCheckAsync(pages, code, ct))
            .WithSummary("What the ballot check page verifies in the browser: the ballot's log entry, its inclusion proof and the published checkpoint; a challenged ballot's opening.")
            .Produces<BallotCheckResponse>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        api.MapGet("/exchange/{index:long}", (long index, BoardPages pages, CancellationToken ct) => PageApi.ExchangeMessageAsync(pages, index, ct))
            .WithSummary("What the incident pages verify in the browser: an exchange message, its leaf, the board entry anchoring it, its inclusion proof and the published checkpoint.")
            .Produces<ExchangeMessageResponse>().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/roll-check/{key}", (string key, BoardPages pages, CancellationToken ct) => RollCheckApi.CheckAsync(pages, key, ct))
            .WithSummary("What the registration check verifies in the browser: every version of a voter record (by key), the latest entry's inclusion proof and the published checkpoint (docs/rolls.md).")
            .Produces<Entente.Rolls.RollCheckDocument>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        api.MapGet("/results/{jurisdiction}", (HttpContext context, string jurisdiction, BoardPages pages, CancellationToken ct) => ResultsFeedApi.FeedAsync(context, pages, jurisdiction, ct))
            .WithSummary("The signed results feed of a jurisdiction: every unit's latest unofficial results with its signed entry and inclusion proof in the published checkpoint (docs/results.md); any site may fetch it.")
            .Produces<Entente.Rolls.Results.ResultsFeed>().ProducesProblem(StatusCodes.Status404NotFound);
        foreach ((string file, string type) in Assets)
        {
            app.MapGet("/" + file, () => TypedResults.Stream(typeof(PageEndpoints).Assembly.GetManifestResourceStream("wwwroot/" + file)!, type + "; charset=utf-8"))
                .ExcludeFromDescription();
        }

        app.MapFallback("{*path}", (HttpContext context) => NotFound(context, "Not found", $"Nothing is at {context.Request.Path}. The pages are listed in the navigation; the API is described at /openapi/v1.json."))
            .WithMetadata(new HttpMethodMetadata(["GET", "HEAD"]))
            .ExcludeFromDescription();
        return app;
    }

    /// <summary>True when the client asks for HTML (a browser navigating).</summary>
    public static bool WantsHtml(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase) && a.Quality is null or > 0);
    }

    /// <summary>A 404: the not-found page for a browser, ProblemDetails for an API client.</summary>
    public static IResult NotFound(HttpContext context, string title, string detail)
    {
        ArgumentNullException.ThrowIfNull(context);
        return WantsHtml(context.Request)
            ? new RazorComponentResult<NotFoundPage>(new Dictionary<string, object?> { [nameof(NotFoundPage.Title)] = title, [nameof(NotFoundPage.Detail)] = detail })
            {
                StatusCode = StatusCodes.Status404NotFound,
                ContentType = "text/html; charset=utf-8",
            }
            : LogEndpoints.Problem(StatusCodes.Status404NotFound, title, detail);
    }
}

/// <summary>Thrown by a page whose subject does not exist (an entry past the head, an unknown request); answered with <see cref="PageEndpoints.NotFound"/>.</summary>
public sealed class PageNotFoundException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PageNotFoundException(string title, string detail)
        : base(detail)
    {
        Title = title;
        Detail = detail;
    }

    /// <summary>Creates the exception.</summary>
    public PageNotFoundException()
        : this("Not found", "Not found.")
    {
    }

    /// <summary>Creates the exception.</summary>
    public PageNotFoundException(string message)
        : this("Not found", message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public PageNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
        Title = "Not found";
        Detail = message;
    }

    /// <summary>The problem's title.</summary>
    public string Title { get; }

    /// <summary>What was not found, for people.</summary>
    public string Detail { get; }
}

/// <summary>The JSON of the pages' documents.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(BallotCheckResponse))]
[JsonSerializable(typeof(ExchangeMessageResponse))]
internal sealed partial class PagesJsonContext : JsonSerializerContext
{
}

/// <summary>Text helpers shared by the pages.</summary>
internal static class PageText
{
    /// <summary>"1 entry" / "2 entries".</summary>
    public static string Count(long n, string one, string many) => n.ToString(System.Globalization.CultureInfo.InvariantCulture) + " " + (n == 1 ? one : many);

    /// <summary>A UTC time to the second, as pages show it.</summary>
    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) + " UTC";

    /// <summary>A UTC time in the datetime attribute's form.</summary>
    public static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The first <paramref name="n"/> characters and an ellipsis.</summary>
    public static string Short(string s, int n = 16) => s.Length <= n ? s : s[..n] + "…";

    /// <summary>Hex of bytes, lowercase.</summary>
    public static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);

    /// <summary>A stable element id from text.</summary>
    public static string Id(string prefix, string text)
    {
        StringBuilder sb = new(prefix);
        foreach (char c in text)
        {
            sb.Append(char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-');
        }

        return sb.ToString();
    }
}
