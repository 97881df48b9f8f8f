using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Entente.Client.Tests.Support;

/// <summary>
/// A static tlog-tiles site on a loopback Kestrel port: GET of a path answers the bytes stored under it, or 404
/// (as a log published on a plain web server or a CDN is read). Tests change <see cref="Files"/> to serve a
/// faulty log.
/// </summary>
internal sealed class StaticSite : IAsyncDisposable
{
    private readonly WebApplication _app;

    private StaticSite(WebApplication app, ConcurrentDictionary<string, byte[]> files)
    {
        _app = app;
        Files = files;
    }

    /// <summary>The files by path (no leading slash).</summary>
    public ConcurrentDictionary<string, byte[]> Files { get; }

    /// <summary>Requests answered, by path, in order.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>When set, answers every request in place of <see cref="Files"/> (a server that refuses, or answers as a test says).</summary>
    public Func<HttpContext, IResult>? Answer { get; set; }

    public Uri Address => new(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");

    public static async Task<StaticSite> StartAsync(IEnumerable<KeyValuePair<string, byte[]>> files)
    {
        ConcurrentDictionary<string, byte[]> map = new(files, StringComparer.Ordinal);
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        WebApplication app = builder.Build();
        StaticSite site = new(app, map);
        app.MapGet("/{**path}", (string path, HttpContext context) =>
        {
            site.Requests.Enqueue(path);
            return site.Answer?.Invoke(context) ?? (map.TryGetValue(path, out byte[]? bytes) ? Results.Bytes(bytes, "application/octet-stream") : Results.NotFound());
        });
        await app.StartAsync();
        return site;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
