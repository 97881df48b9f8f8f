using System.CommandLine;
using System.Globalization;
using System.Net;
using Entente.Cluster;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Entente.Cli.Commands;

/// <summary>
/// <c>entente cluster silo [--postgres CONNSTRING] [--port N] [--gateway-port N] [--primary-port N]
/// [--cluster-id ID] [--advertise IP] [--tls-certificate FILE] [--kubernetes]</c>: runs one Orleans silo that verifies shards of records for
/// <c>entente verify --cluster</c> and checks ballots for <c>entente serve --cluster</c>, until it is stopped (Ctrl+C or SIGTERM). Without <c>--postgres</c> the silo joins
/// the loopback (dev) cluster whose primary silo listens on <c>--primary-port</c> (its own port when it is the
/// primary). Prints <c>silo ready: port N, gateway G</c> on standard output once it serves.
/// </summary>
internal static class ClusterCommand
{
    /// <summary>The line a silo prints once it takes work.</summary>
    public const string ReadyPrefix = "silo ready:";

    public static Command Create()
    {
        Command command = new("cluster", "Run verification and ballot validation on a Microsoft Orleans cluster: the silos that do the work.");
        command.Subcommands.Add(Silo());
        return command;
    }

    private static Command Silo()
    {
        Option<string> postgres = new("--postgres") { Description = "PostgreSQL connection string of the cluster's membership table (default: the loopback dev cluster)." };
        Option<int> port = new("--port") { Description = "Silo-to-silo port (default 11111).", DefaultValueFactory = _ => 11111 };
        Option<int> gateway = new("--gateway-port") { Description = "Port clients connect to (default 30000).", DefaultValueFactory = _ => 30000 };
        Option<int?> primary = new("--primary-port") { Description = "Dev cluster only: the silo port of the primary silo (default: this silo is the primary)." };
        Option<string> clusterId = new("--cluster-id") { Description = "Cluster id (default entente); silos and clients of one cluster share it.", DefaultValueFactory = _ => ClusterHosts.DefaultClusterId };
        Option<string> advertise = new("--advertise") { Description = "PostgreSQL clusters: the IP address other silos reach this one at (default 127.0.0.1)." };
        Option<FileInfo?> tlsCertificate = new("--tls-certificate")
        {
            Description = "The cluster's certificate (PKCS#12 with its key; password in ENTENTE_CLUSTER_CERTIFICATE_PASSWORD): every connection is then mutual TLS, and only silos and clients holding the same certificate are accepted. Give every silo and client of the cluster the same file.",
        };
        Option<bool> kubernetes = new("--kubernetes")
        {
            Description = "Run as a Kubernetes pod (with --postgres): the silo's name, address and cluster come from the pod (POD_NAME, POD_NAMESPACE, POD_IP, ORLEANS_SERVICE_ID, ORLEANS_CLUSTER_ID), and silos whose pods are gone are declared dead at once. See deploy/kubernetes/entente-silo.yaml.",
        };
        Command command = new("silo", "Run one silo until stopped; it verifies the ballot shards of `entente verify --cluster` and checks the ballots of `entente serve --cluster`.")
        {
            postgres, port, gateway, primary, clusterId, advertise, tlsCertificate, kubernetes,
        };
        command.SetAction(async (parse, ct) =>
        {
            int siloPort = parse.GetValue(port);
            int gatewayPort = parse.GetValue(gateway);
            if (siloPort is < 1 or > 65535 || gatewayPort is < 1 or > 65535 || siloPort == gatewayPort)
            {
                Console.Error.WriteLine("error: --port and --gateway-port must be two different ports in 1..65535.");
                return ExitCodes.UsageOrInput;
            }

            string? connection = parse.GetValue(postgres);
            IPAddress address = IPAddress.Loopback;
            if (parse.GetValue(advertise) is { } text && !IPAddress.TryParse(text, out address!))
            {
                Console.Error.WriteLine($"error: --advertise \"{text}\" is not an IP address.");
                return ExitCodes.UsageOrInput;
            }

            bool inPod = parse.GetValue(kubernetes);
            if (inPod)
            {
                string? why = connection is null
                    ? "--kubernetes needs --postgres: a Kubernetes cluster's membership is kept in PostgreSQL."
                    : parse.GetValue(advertise) is not null
                        ? "--advertise is not for --kubernetes: the silo is reached at its pod's IP (POD_IP)."
                        : ClusterHosts.KubernetesProblem(Environment.GetEnvironmentVariable, parse.GetValue(clusterId)!);
                if (why is not null)
                {
                    Console.Error.WriteLine($"error: {why}");
                    return ExitCodes.UsageOrInput;
                }
            }

            if (connection is not null)
            {
                try
                {
                    await PostgresMembership.EnsureTablesAsync(connection, ct).ConfigureAwait(false);
                }
                catch (Exception e) when (e is Npgsql.NpgsqlException or ArgumentException)
                {
                    Console.Error.WriteLine($"error: the membership database cannot be used: {e.Message}. Check --postgres.");
                    return ExitCodes.UsageOrInput;
                }
            }

            System.Security.Cryptography.X509Certificates.X509Certificate2? tls = null;
            if (parse.GetValue(tlsCertificate) is FileInfo certificate)
            {
                try
                {
                    tls = ClusterTls.Load(certificate.FullName);
                }
                catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or IOException or UnauthorizedAccessException)
                {
                    Console.Error.WriteLine($"error: --tls-certificate {certificate.FullName}: {e.Message}");
                    return ExitCodes.UsageOrInput;
                }
            }

            using System.Security.Cryptography.X509Certificates.X509Certificate2? held = tls;
            using IHost silo = connection is null
                ? ClusterHosts.DevSilo(siloPort, gatewayPort, parse.GetValue(primary) ?? siloPort, parse.GetValue(clusterId)!, tls)
                : inPod
                    ? ClusterHosts.KubernetesSilo(connection, siloPort, gatewayPort, tls)
                    : ClusterHosts.PostgresSilo(connection, siloPort, gatewayPort, address, parse.GetValue(clusterId)!, tls);
            try
            {
                await silo.StartAsync(ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is Orleans.Runtime.OrleansException or System.Net.Sockets.SocketException or IOException)
            {
                Console.Error.WriteLine($"error: the silo did not start: {e.Message}");
                return ExitCodes.UsageOrInput;
            }

            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{ReadyPrefix} port {siloPort}, gateway {gatewayPort}"));
            Console.Out.Flush();

            // Stopped by Ctrl+C or SIGTERM: the host's console lifetime takes the signal (and keeps the process alive
            // for an orderly stop), so wait on its stopping token as well as the command's.
            IHostApplicationLifetime lifetime = silo.Services.GetRequiredService<IHostApplicationLifetime>();
            using CancellationTokenSource stopping = CancellationTokenSource.CreateLinkedTokenSource(ct, lifetime.ApplicationStopping);
            try
            {
                await Task.Delay(Timeout.Infinite, stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // stopped
            }

            using CancellationTokenSource stop = new(TimeSpan.FromSeconds(20));
            await silo.StopAsync(stop.Token).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }
}
