using System.Globalization;
using System.Threading.RateLimiting;
using Entente.Client.Board;
using Entente.Server.Auth;
using Entente.Server.Board;
using Entente.Server.Endpoints;
using Entente.Server.Log;
using Entente.Server.Operations;
using Entente.Server.Pages;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;
using Entente.Transparency.Witness;
using OpenTelemetry.Metrics;

namespace Entente.Server;

/// <summary>
/// Builds the Kestrel host. Each area registers its services and maps its endpoints from its own file under
/// Endpoints/ (LogEndpoints, WitnessEndpoints, …); errors are ProblemDetails.
/// </summary>
public static class ServerApp
{
    private static readonly (string Name, string Description)[] SignatureHeaders =
    [
        ("Content-Digest", "RFC 9530 digest of the body, e.g. sha-256=:base64:."),
        ("Signature-Input", "RFC 9421 signature parameters: covered components (@method @authority @path @query content-digest), created, nonce, keyid, alg=\"ed25519\"."),
        ("Signature", "RFC 9421 Ed25519 signature over the signature base, sig1=:base64:."),
    ];

    /// <summary>Key of the authenticated charter member in <see cref="HttpContext.Items"/> (TAXII requests).</summary>
    public const string CallerItem = "entente.caller";

    /// <summary>
    /// The log server on <paramref name="urls"/> (e.g. http://127.0.0.1:8080): the log's read and write paths, the
    /// election board when <see cref="LogServerOptions.Board"/> is set, TAXII when <paramref name="configure"/>
    /// registers a <see cref="Entente.Exchange.Taxii.TaxiiService"/>, <c>/openapi/v1.json</c>, request signatures on
    /// every write (their nonces kept in the board's store, their authority checked against the board's names), per-route
    /// size limits, and write rate limits per verified key or, for anything unverified, per client address.
    /// </summary>
    public static Task<WebApplication> BuildLogAsync(LogServerOptions options, string urls, CancellationToken cancellationToken = default) =>
        BuildLogAsync(options, urls, configure: null, cancellationToken);

    /// <summary>As <see cref="BuildLogAsync(LogServerOptions, string, CancellationToken)"/>, with extra services (e.g. TAXII).</summary>
    public static async Task<WebApplication> BuildLogAsync(LogServerOptions options, string urls, Action<IServiceCollection>? configure, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return await BuildAsync(await LogService.StartAsync(options, cancellationToken), options, urls, configure, cancellationToken);
    }

    /// <summary>
    /// The board's pages and read APIs served from a mirror's copy, read-only (<c>entente serve --mirror</c>; docs/mirror.md):
    /// the same host as <see cref="BuildLogAsync(LogServerOptions, string, CancellationToken)"/> over
    /// <see cref="Mirror.MirrorPages.OpenAsync"/>, publishing the mirror checkpoint; every write answers 405 naming the board.
    /// </summary>
    public static async Task<WebApplication> BuildReadOnlyMirrorAsync(Mirror.MirrorServerOptions mirror, string pagesFolder, string urls, string? charterFile = null, CancellationToken cancellationToken = default)
    {
        LogService log = await Mirror.MirrorPages.OpenAsync(mirror, pagesFolder, charterFile, cancellationToken);
        return await BuildAsync(log, log.Options, urls, null, cancellationToken);
    }

    private static async Task<WebApplication> BuildAsync(LogService log, LogServerOptions options, string urls, Action<IServiceCollection>? configure, CancellationToken cancellationToken)
    {
        BoardService? board = null;
        try
        {
            board = options.Board ? await BoardService.OpenAsync(log, options.Limits, cancellationToken) : null;
        }
        catch
        {
            await log.DisposeAsync();
            throw;
        }

        Exchange.HostedExchange? exchange = null;
        try
        {
            if (board is not null && options.Exchange is { Enabled: true } exchangeOptions)
            {
                exchange = await Exchange.HostedExchange.OpenAsync(log, exchangeOptions, cancellationToken);
            }
        }
        catch
        {
            board?.Dispose();
            await log.DisposeAsync();
            throw;
        }

        // The board's names are known once Kestrel listens (a port of 0 is chosen then); the first signed request asks.
        WebApplication? started = null;
        IReadOnlySet<string>? authorities = null;
        IReadOnlyCollection<string> Authorities()
        {
            if (authorities is null && started?.Services.GetService<Microsoft.AspNetCore.Hosting.Server.IServer>()?.Features
                    .Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()?.Addresses is { Count: > 0 } listening
                && !listening.Any(a => a.EndsWith(":0", StringComparison.Ordinal)))
            {
                authorities = BoardAuthorities.From(listening, options.Authorities);
            }

            return authorities ?? BoardAuthorities.From(urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), options.Authorities);
        }

        RequestAuthenticator auth = new(() => log.Charter, options.Auth, Authorities, log.Nonces);
        try
        {
            await auth.StartAsync(cancellationToken);
        }
        catch
        {
            await auth.DisposeAsync();
            exchange?.Dispose();
            board?.Dispose();
            await log.DisposeAsync();
            throw;
        }

        long maxBody = Math.Max(options.Limits.MaxArtifactBytes, Math.Max(options.Limits.MaxBallotBytes, 16 << 20)) + 1;
        WebApplication app = Create(urls, services =>
        {
            services.AddSingleton(log);
            services.AddSingleton(auth);
            if (board is not null)
            {
                services.AddSingleton(board);
                services.AddEntentePages();
            }

            if (exchange is not null)
            {
                services.AddSingleton(exchange);
                services.AddSingleton(exchange.Taxii);
            }

            // TAXII 2.1 §1.6.9 names HTTP Basic; this deployment authenticates TAXII callers by the same request
            // signatures as every write: the signing key's charter member is the caller, its STIX identity the id.
            services.AddSingleton(new Entente.Server.Endpoints.TaxiiCallerResolver(c => c.Items.TryGetValue(CallerItem, out object? m) && m is CharterMember member ? member.Identity : null));
            services.AddOpenApi("v1", o =>
            {
                o.AddDocumentTransformer((document, _, _) =>
                {
                    document.Info = new() { Title = "Entente board", Version = "v1", Description = "The transparency log, the election board and the incident exchange of an Entente unit. Writes are signed with RFC 9421 HTTP Message Signatures (Ed25519): headers Content-Digest, Signature-Input and Signature; see docs/http-api.md." };
                    return Task.CompletedTask;
                });
                o.AddOperationTransformer((operation, context, _) =>
                {
                    if (context.Description.HttpMethod != "POST")
                    {
                        return Task.CompletedTask;
                    }

                    operation.Parameters ??= [];
                    foreach ((string name, string description) in SignatureHeaders)
                    {
                        operation.Parameters.Add(new Microsoft.OpenApi.OpenApiParameter { Name = name, In = Microsoft.OpenApi.ParameterLocation.Header, Required = true, Description = description });
                    }

                    if (context.Description.RelativePath?.StartsWith("board/", StringComparison.Ordinal) == true)
                    {
                        operation.Parameters.Add(new Microsoft.OpenApi.OpenApiParameter { Name = BoardProtocol.EntryHeader, In = Microsoft.OpenApi.ParameterLocation.Header, Required = true, Description = "Base64 of the signed log entry (entente.org/entry/v1) committing to the body." });
                    }

                    return Task.CompletedTask;
                });
            });
            services.AddRateLimiter(o =>
            {
                // The partition is what the server verified (RequestAuthenticator.Verify ran before the limiter): the
                // signing key, else the client address. A claimed keyid alone is never a partition.
                o.AddPolicy(BoardEndpoints.WritePolicy, context => RateLimitPartition.GetTokenBucketLimiter(
                    RequestAuthenticator.PartitionOf(context),
                    _ => new TokenBucketRateLimiterOptions
                    {
                        TokenLimit = Math.Max(1, options.RateLimit.Burst),
                        TokensPerPeriod = Math.Max(1, options.RateLimit.PermitsPerSecond),
                        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                        QueueLimit = 0,
                        AutoReplenishment = true,
                    }));
                o.OnRejected = async (rejected, ct) =>
                {
                    log.Metrics.RateLimited(RequestAuthenticator.PartitionOf(rejected.HttpContext).StartsWith("key:", StringComparison.Ordinal) ? "key" : "address");
                    TimeSpan retry = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out TimeSpan r) ? r : TimeSpan.FromSeconds(1);
                    int seconds = Math.Max(1, (int)Math.Ceiling(retry.TotalSeconds));
                    rejected.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                    string by = RequestAuthenticator.PartitionOf(rejected.HttpContext).StartsWith("key:", StringComparison.Ordinal)
                        ? "per signing key"
                        : "per client address for requests without a verified signature";
                    await LogEndpoints.Problem(StatusCodes.Status429TooManyRequests, "Too many requests",
                        $"Writes are limited to {options.RateLimit.PermitsPerSecond}/s {by} (bursts of {options.RateLimit.Burst}); retry after {seconds} s.").ExecuteAsync(rejected.HttpContext);
                };
            });
            // Operations (docs/http-api.md): the board's meter and ASP.NET Core's own, scraped on /metrics; every
            // ProblemDetails' title noted for the refusal counter.
            services.AddSingleton(log.Metrics);
            services.AddOpenTelemetry().WithMetrics(m => m
                .AddMeter(ServerMetrics.MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.RateLimiting")
                .AddPrometheusExporter());
            services.Configure<ProblemDetailsOptions>(o => o.CustomizeProblemDetails += OperationsEndpoints.NoteProblem);
            configure?.Invoke(services);
        }, maxBody);
        started = app;
        log.UseLogger(app.Services.GetRequiredService<ILoggerFactory>());
        app.UseRefusalMetrics(log.Metrics);
        if (log.ReadOnlyMirror is Mirror.ReadOnlyMirror readOnly)
        {
            // A mirror's copy takes no write: each is refused before anything reads its body or its signature.
            app.Use(async (context, next) =>
            {
                if (IsRead(context.Request.Method))
                {
                    await next(context);
                    return;
                }

                context.Response.Headers.Allow = "GET, HEAD";
                await LogEndpoints.Problem(StatusCodes.Status405MethodNotAllowed, "Read-only mirror",
                    $"This server is a read-only mirror of {readOnly.Origin} (the copy cosigned by {readOnly.MirrorName} at size {readOnly.Head.Size.ToString(CultureInfo.InvariantCulture)}); it takes no {context.Request.Method}. Post to the board at {readOnly.Board}.")
                    .ExecuteAsync(context);
            });
        }

        app.Use(async (context, next) =>
        {
            // Before the rate limiter: verify signatures (headers only, no body) so that the limiter partitions by the
            // verified key. Writes, and the TAXII and exchange routes whose caller is the signer; other reads are public.
            if (RequestAuthenticator.HasSignature(context.Request) && (!IsRead(context.Request.Method) || IsCallerPath(context.Request.Path)))
            {
                auth.Verify(context);
            }

            await next(context);
        });
        app.UseRateLimiter();
        app.Use(async (context, next) =>
        {
            // TAXII callers sign their requests like any writer; an unsigned TAXII request is anonymous. Other writes
            // finish authentication in their endpoint, which knows its body limit.
            if (IsCallerPath(context.Request.Path) && RequestAuthenticator.HasSignature(context.Request))
            {
                int max = context.RequestServices.GetService<Entente.Exchange.Taxii.TaxiiService>()?.MaxContentLength ?? (10 << 20);
                (SignedRequest? signed, IResult? failure) = await auth.AuthenticateAsync(context, max, context.RequestAborted);
                if (failure is not null)
                {
                    await failure.ExecuteAsync(context);
                    return;
                }

                context.Items[CallerItem] = signed!.Member;
                context.Request.Body = new MemoryStream(signed.Body, writable: false);
            }

            await next(context);
        });
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapOperationsEndpoints(log);
        app.MapLogEndpoints();
        if (board is not null)
        {
            app.MapBoardEndpoints();
        }

        app.MapTaxiiEndpoints();
        app.MapExchangeEndpoints();
        if (board is not null)
        {
            // The pages (Pages/): after every API route, with the answer to unknown URLs.
            app.MapEntentePages();
        }
        app.Lifetime.ApplicationStopped.Register(() =>
        {
            auth.DisposeAsync().AsTask().GetAwaiter().GetResult();
            exchange?.Dispose();
            board?.Dispose();
            log.DisposeAsync().AsTask().GetAwaiter().GetResult();
        });
        return app;
    }

    private static bool IsRead(string method) => HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method);

    private static bool IsCallerPath(PathString path) => path.StartsWithSegments("/taxii2") || path.StartsWithSegments("/exchange");

    /// <summary>The witness server on <paramref name="urls"/>.</summary>
    public static async Task<WebApplication> BuildWitnessAsync(WitnessServerOptions options, string urls, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        Ed25519NoteSigner key = Ed25519NoteSigner.FromSkey((await File.ReadAllTextAsync(options.Resolve(options.Key), cancellationToken)).Trim());
        IWitnessStore store = StoreLocator.OpenWitness(options.Store, options.Resolve);
        await store.CreateSchemaAsync(cancellationToken);
        Witness witness = new(key, options.Logs.Select(l => new WitnessedLog(l.Origin, l.Keys.Select(VerifierKeys.Parse).ToList())), store);
        WebApplication app = Create(urls, services => services.AddSingleton(witness));
        app.MapWitnessEndpoints();
        app.Lifetime.ApplicationStopped.Register(key.Dispose);
        return app;
    }

    /// <summary>A tlog-mirror server (<c>entente mirror serve</c>) over an opened <see cref="Mirror.MirrorHost"/>, whose pull loop it starts.</summary>
    public static WebApplication BuildMirror(Mirror.MirrorHost host, string urls)
    {
        ArgumentNullException.ThrowIfNull(host);
        WebApplication app = Create(urls, services => services.AddSingleton(host), maxRequestBody: Entente.Transparency.Mirror.Mirror.MaxAddEntriesBytes);
        app.MapMirrorEndpoints();
        host.Start();
        return app;
    }

    private static WebApplication Create(string urls, Action<IServiceCollection> configure, long? maxRequestBody = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(urls);
        if (maxRequestBody is long max)
        {
            // Routes enforce their own, smaller limits with a 413 ProblemDetails; this only lifts Kestrel's default 30 MB.
            builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = max);
        }

        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddExceptionHandler<Endpoints.BoardRefusalExceptionHandler>();
        builder.Services.AddProblemDetails();
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, ServerJsonContext.Default));
        configure(builder.Services);
        WebApplication app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        return app;
    }
}
