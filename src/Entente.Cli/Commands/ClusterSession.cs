using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Entente.Cli.Commands.Demo;
using Entente.Cluster;
using Entente.Verifier.Framework;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Entente.Cli.Commands;

/// <summary>
/// The cluster a verification runs on: <c>dev</c> starts N <c>entente cluster silo</c> processes on loopback and
/// stops them at the end; a PostgreSQL connection string joins the silos already registered there. Either way the
/// session holds a connected Orleans client and a <see cref="ClusterShardRunner"/> for the record.
/// </summary>
internal sealed class ClusterSession : IAsyncDisposable
{
    private readonly List<ServerProcess> _silos;
    private readonly IHost _client;

    private readonly ClusterShardRunner? _runner;
    private readonly X509Certificate2? _tls;
    private readonly string? _tlsFolder;

    private ClusterSession(List<ServerProcess> silos, IHost client, ClusterShardRunner? runner, X509Certificate2? tls, string? tlsFolder)
    {
        _silos = silos;
        _client = client;
        _runner = runner;
        _tls = tls;
        _tlsFolder = tlsFolder;
    }

    /// <summary>The shard runner on this cluster (a session started for a verification).</summary>
    public ClusterShardRunner Runner => _runner ?? throw new InvalidOperationException("this cluster session was started without a record to verify");

    /// <summary>The connected Orleans client.</summary>
    public IClusterClient Client => _client.Services.GetRequiredService<IClusterClient>();

    /// <summary>The silo processes this session started (dev only).</summary>
    public IReadOnlyList<ServerProcess> Silos => _silos;

    /// <summary>Starts (dev) or joins (PostgreSQL) the cluster and connects a client, with a shard runner for <paramref name="record"/>.</summary>
    /// <exception cref="ClusterUnavailableException">A silo did not start or the cluster cannot be reached; the message says which.</exception>
    /// <param name="board">Where the silos read the record's files (a board or mirror URL), or null: the directory.</param>
    public static Task<ClusterSession> StartAsync(string cluster, int silos, string? tlsCertificate, string record, Uri? board, int shardSize, bool allowToyGroups, TextWriter progress, CancellationToken cancellationToken)
        => StartAsync(cluster, silos, tlsCertificate, client => new ClusterShardRunner(client, record)
        {
            Board = board,
            ShardSize = shardSize,
            AllowToyGroups = allowToyGroups,
            InFlight = cluster == "dev" ? 2 * silos : Math.Max(4, 2 * Environment.ProcessorCount),
        }, progress, cancellationToken);

    /// <summary>Starts (dev) or joins (PostgreSQL) the cluster and connects a client, for work other than a verification (a board's ballot validation).</summary>
    /// <exception cref="ClusterUnavailableException">A silo did not start or the cluster cannot be reached; the message says which.</exception>
    public static Task<ClusterSession> ConnectAsync(string cluster, int silos, string? tlsCertificate, TextWriter progress, CancellationToken cancellationToken)
        => StartAsync(cluster, silos, tlsCertificate, _ => null, progress, cancellationToken);

    /// <remarks>
    /// Every connection is mutual TLS pinned to the cluster's certificate (<see cref="ClusterTls"/>): <c>dev</c> makes a
    /// throwaway one for the silos it starts (deleted with the session); a PostgreSQL cluster uses
    /// <paramref name="tlsCertificate"/>, the file its silos were started with, or none when they were started without.
    /// </remarks>
    private static async Task<ClusterSession> StartAsync(string cluster, int silos, string? tlsCertificate, Func<IClusterClient, ClusterShardRunner?> runnerOf, TextWriter progress, CancellationToken cancellationToken)
    {
        List<ServerProcess> started = [];
        X509Certificate2? tls = null;
        string? tlsFolder = null;
        try
        {
            IHost client;
            if (cluster == "dev")
            {
                tlsFolder = Directory.CreateTempSubdirectory("entente-cluster-tls-").FullName;
                tlsCertificate = Path.Combine(tlsFolder, "cluster.pfx");
                tls = ClusterTls.CreateThrowaway(tlsCertificate);
                List<int> gateways = [];
                int primary = 0;
                EntenteExecutable entente = EntenteExecutable.Current();
                string clusterId = "entente-dev-" + Guid.NewGuid().ToString("N")[..12];
                long starting = System.Diagnostics.Stopwatch.GetTimestamp();
                progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cluster: starting {silos} silo process(es) on loopback (cluster id {clusterId})..."));
                for (int i = 0; i < silos; i++)
                {
                    int port = FreePort();
                    int gateway = FreePort();
                    primary = i == 0 ? port : primary;
                    started.Add(entente.Start($"silo {i + 1}", [
                        "cluster", "silo", "--port", Text(port), "--gateway-port", Text(gateway), "--primary-port", Text(primary), "--cluster-id", clusterId,
                        "--tls-certificate", tlsCertificate]));
                    gateways.Add(gateway);
                    if (i == 0)
                    {
                        // The others join through the primary: it must be up first.
                        await WaitReadyAsync(started[0], cancellationToken).ConfigureAwait(false);
                        progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cluster: silo 1 (primary) ready after {System.Diagnostics.Stopwatch.GetElapsedTime(starting).TotalSeconds:0.0} s"));
                    }
                }

                foreach (ServerProcess silo in started.Skip(1))
                {
                    await WaitReadyAsync(silo, cancellationToken).ConfigureAwait(false);
                }

                progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cluster: {silos} silo process(es) ready after {System.Diagnostics.Stopwatch.GetElapsedTime(starting).TotalSeconds:0.0} s"));
                client = await ClusterHosts.DevClientAsync(gateways, cancellationToken, clusterId, tls).ConfigureAwait(false);
            }
            else
            {
                tls = tlsCertificate is null ? null : ClusterTls.Load(tlsCertificate);
                client = await ClusterHosts.PostgresClientAsync(cluster, cancellationToken, tls: tls).ConfigureAwait(false);
            }

            return new ClusterSession(started, client, runnerOf(client.Services.GetRequiredService<IClusterClient>()), tls, tlsFolder);
        }
        catch (Exception e) when (e is not OperationCanceledException and not ClusterUnavailableException)
        {
            Clean(started, tls, tlsFolder);
            throw new ClusterUnavailableException(e is System.Security.Cryptography.CryptographicException
                ? $"the cluster certificate {tlsCertificate} cannot be used: {e.Message}"
                : $"the cluster cannot be reached: {e.Message}", e);
        }
        catch
        {
            Clean(started, tls, tlsFolder);
            throw;
        }
    }

    private static void Clean(List<ServerProcess> silos, X509Certificate2? tls, string? tlsFolder)
    {
        foreach (ServerProcess silo in silos)
        {
            silo.Dispose();
        }

        tls?.Dispose();
        if (tlsFolder is not null)
        {
            Directory.Delete(tlsFolder, recursive: true);
        }
    }

    private static string Text(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static int FreePort()
    {
        using TcpListener listener = new(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task WaitReadyAsync(ServerProcess silo, CancellationToken cancellationToken)
    {
        DateTime until = DateTime.UtcNow.AddMinutes(2);
        while (!silo.Log.Contains(ClusterCommand.ReadyPrefix, StringComparison.Ordinal))
        {
            if (silo.HasExited)
            {
                throw new ClusterUnavailableException($"{silo.Name} exited with code {silo.ExitCode}: {silo.Log.Trim()}");
            }

            if (DateTime.UtcNow > until)
            {
                throw new ClusterUnavailableException($"{silo.Name} did not report ready within 2 minutes: {silo.Log.Trim()}");
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using CancellationTokenSource stop = new(TimeSpan.FromSeconds(10));
            await _client.StopAsync(stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // the silos are stopped below anyway
        }

        _client.Dispose();
        Clean(_silos, _tls, _tlsFolder);
    }
}

/// <summary>The cluster could not be started or reached.</summary>
internal sealed class ClusterUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
