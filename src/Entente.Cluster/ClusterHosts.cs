using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace Entente.Cluster;

/// <summary>
/// How Entente's silos and clients find each other. <b>dev</b>: localhost clustering, every silo on loopback, the
/// first one the primary (for <c>entente verify --cluster dev --silos N</c> and tests). <b>PostgreSQL</b>: the
/// ADO.NET membership table in a database every silo and client can reach (a real cluster; the tables are made by
/// <see cref="PostgresMembership"/>). With a certificate, every connection is mutual TLS pinned to it (<see cref="ClusterTls"/>).
/// </summary>
public static class ClusterHosts
{
    /// <summary>The Orleans service id of every Entente cluster.</summary>
    public const string ServiceId = "entente";

    /// <summary>The cluster id when none is given.</summary>
    public const string DefaultClusterId = "entente";

    /// <summary>A silo on loopback that joins the dev cluster whose primary silo listens on <paramref name="primaryPort"/>.</summary>
    public static IHost DevSilo(int siloPort, int gatewayPort, int primaryPort, string clusterId = DefaultClusterId, X509Certificate2? tls = null)
        => Silo(silo => silo.UseLocalhostClustering(siloPort, gatewayPort, new IPEndPoint(IPAddress.Loopback, primaryPort), ServiceId, clusterId), tls);

    /// <summary>A silo that joins the cluster whose membership is kept in PostgreSQL.</summary>
    public static IHost PostgresSilo(string connectionString, int siloPort, int gatewayPort, IPAddress advertised, string clusterId = DefaultClusterId, X509Certificate2? tls = null)
        => Silo(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ServiceId = ServiceId;
                o.ClusterId = clusterId;
            });
            silo.ConfigureEndpoints(advertised, siloPort, gatewayPort, listenOnAnyHostAddress: !advertised.Equals(IPAddress.Loopback));
            silo.UseAdoNetClustering(o =>
            {
                o.Invariant = PostgresMembership.Invariant;
                o.ConnectionString = connectionString;
            });
        }, tls);

    /// <summary>
    /// What a pod must give a silo that runs with <see cref="KubernetesSilo"/>: the pod's name, namespace and IP and the
    /// Orleans service and cluster ids (from the downward API and the pod's <c>orleans/serviceId</c> and
    /// <c>orleans/clusterId</c> labels, as <c>Microsoft.Orleans.Hosting.Kubernetes</c> reads them), and the Kubernetes
    /// API address every pod has.
    /// </summary>
    public static IReadOnlyList<string> KubernetesVariables { get; } =
        ["POD_NAME", "POD_NAMESPACE", "POD_IP", "ORLEANS_SERVICE_ID", "ORLEANS_CLUSTER_ID", "KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT"];

    /// <summary>
    /// Why a silo cannot run as a Kubernetes pod with this environment (<paramref name="variable"/> reads it), or null
    /// when it can: a variable of <see cref="KubernetesVariables"/> missing, a pod IP that is not one, or a service or
    /// cluster id other than the one Entente's clients connect to (<see cref="ServiceId"/>, <paramref name="clusterId"/>).
    /// </summary>
    public static string? KubernetesProblem(Func<string, string?> variable, string clusterId)
    {
        ArgumentNullException.ThrowIfNull(variable);
        string[] missing = [.. KubernetesVariables.Where(v => string.IsNullOrWhiteSpace(variable(v)))];
        if (missing.Length > 0)
        {
            return $"this is not a Kubernetes pod set up for Entente: {string.Join(", ", missing)} {(missing.Length == 1 ? "is" : "are")} not set. The pod spec in deploy/kubernetes/entente-silo.yaml sets them.";
        }

        if (!IPAddress.TryParse(variable("POD_IP"), out _))
        {
            return $"POD_IP \"{variable("POD_IP")}\" is not an IP address (set it from the downward API, status.podIP).";
        }

        if (variable("ORLEANS_SERVICE_ID") != ServiceId)
        {
            return $"ORLEANS_SERVICE_ID is \"{variable("ORLEANS_SERVICE_ID")}\"; Entente's clients connect to service \"{ServiceId}\": set the pod label orleans/serviceId to {ServiceId}.";
        }

        return variable("ORLEANS_CLUSTER_ID") == clusterId
            ? null
            : $"ORLEANS_CLUSTER_ID is \"{variable("ORLEANS_CLUSTER_ID")}\" but --cluster-id is \"{clusterId}\": set the pod label orleans/clusterId and --cluster-id alike (clients use --cluster-id's default, {DefaultClusterId}).";
    }

    /// <summary>
    /// A silo in a Kubernetes pod (<c>Microsoft.Orleans.Hosting.Kubernetes</c>): named after its pod, reached at the
    /// pod's IP, its service and cluster ids from the pod's labels, and silos whose pods are gone declared dead at once
    /// (by watching the API server, which needs the pod's service account to list, watch and delete pods); membership
    /// stays in PostgreSQL. Check <see cref="KubernetesProblem"/> first.
    /// </summary>
    public static IHost KubernetesSilo(string connectionString, int siloPort, int gatewayPort, X509Certificate2? tls = null)
        => Silo(silo =>
        {
            silo.Configure<EndpointOptions>(o =>
            {
                o.SiloPort = siloPort;
                o.GatewayPort = gatewayPort;
            });
            silo.UseKubernetesHosting();
            silo.UseAdoNetClustering(o =>
            {
                o.Invariant = PostgresMembership.Invariant;
                o.ConnectionString = connectionString;
            });
        }, tls);

    /// <summary>A client of the dev cluster through the given gateway ports, connected.</summary>
    public static Task<IHost> DevClientAsync(IReadOnlyList<int> gatewayPorts, CancellationToken cancellationToken, string clusterId = DefaultClusterId, X509Certificate2? tls = null)
        => ClientAsync(client => client.UseLocalhostClustering([.. gatewayPorts], ServiceId, clusterId), tls, cancellationToken);

    /// <summary>A client of the PostgreSQL-membership cluster, connected.</summary>
    public static Task<IHost> PostgresClientAsync(string connectionString, CancellationToken cancellationToken, string clusterId = DefaultClusterId, X509Certificate2? tls = null)
        => ClientAsync(
            client =>
            {
                client.Configure<ClusterOptions>(o =>
                {
                    o.ServiceId = ServiceId;
                    o.ClusterId = clusterId;
                });
                client.UseAdoNetClustering(o =>
                {
                    o.Invariant = PostgresMembership.Invariant;
                    o.ConnectionString = connectionString;
                });
            },
            tls,
            cancellationToken);

    private static IHost Silo(Action<ISiloBuilder> clustering, X509Certificate2? tls)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        Quiet(builder.Logging, LogLevel.Warning);
        builder.UseOrleans(silo =>
        {
            clustering(silo);
            if (tls is not null)
            {
                silo.UseTls(tls, o => ClusterTls.Configure(o, tls));
            }

            // A dead silo is declared dead within seconds, so that its shards move on quickly.
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(2);
                o.NumMissedProbesLimit = 2;
                o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(10);
            });
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromMinutes(30));
        });
        return builder.Build();
    }

    private static async Task<IHost> ClientAsync(Action<IClientBuilder> clustering, X509Certificate2? tls, CancellationToken cancellationToken)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        Quiet(builder.Logging, LogLevel.None);
        builder.UseOrleansClient(client =>
        {
            clustering(client);
            if (tls is not null)
            {
                client.UseTls(tls, o => ClusterTls.Configure(o, tls));
            }

            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromMinutes(30));
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));
        });
        IHost host = builder.Build();
        await host.StartAsync(cancellationToken).ConfigureAwait(false);
        return host;
    }

    /// <summary>
    /// Orleans logs from <paramref name="level"/> up, to standard error (standard output is the report's). A client
    /// logs nothing: the command that uses it reports what failed in one line.
    /// </summary>
    private static void Quiet(ILoggingBuilder logging, LogLevel level)
    {
        logging.ClearProviders();
        logging.SetMinimumLevel(level);
        if (level == LogLevel.None)
        {
            return;
        }

        logging.AddSimpleConsole(o => o.SingleLine = true);
        // The silo's start-up notes (garbage collector settings) are advice for other deployments, not warnings here.
        logging.AddFilter("Orleans.Runtime.Silo", LogLevel.Error);
        // One line per shard a silo verifies: what an operator watches, and how a test sees a silo at work.
        logging.AddFilter(typeof(BallotShardGrain).FullName, LogLevel.Information);
        logging.AddFilter(typeof(BallotValidationGrain).FullName, LogLevel.Information);
        logging.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
    }
}
