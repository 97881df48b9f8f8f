using Entente.Server.Endpoints;
using Entente.Server.Log;
using Entente.Transparency.Notes;
using Entente.Transparency.Witness;

namespace Entente.Server;

/// <summary>
/// Builds the Kestrel host. Each area registers its services and maps its endpoints from its own file under
/// Endpoints/ (LogEndpoints, WitnessEndpoints, …); errors are ProblemDetails.
/// </summary>
public static class ServerApp
{
    /// <summary>The log server on <paramref name="urls"/> (e.g. http://127.0.0.1:8080).</summary>
    public static async Task<WebApplication> BuildLogAsync(LogServerOptions options, string urls, CancellationToken cancellationToken = default)
    {
        LogService log = await LogService.StartAsync(options, cancellationToken);
        WebApplication app = Create(urls, services => services.AddSingleton(log));
        app.MapLogEndpoints();
        app.Lifetime.ApplicationStopped.Register(() => log.DisposeAsync().AsTask().GetAwaiter().GetResult());
        return app;
    }

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

    private static WebApplication Create(string urls, Action<IServiceCollection> configure)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(urls);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddProblemDetails();
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, ServerJsonContext.Default));
        configure(builder.Services);
        WebApplication app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        return app;
    }
}
