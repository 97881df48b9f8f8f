using System.Security.Cryptography.X509Certificates;
using Entente.Cli.Tests.Election;
using Entente.Cluster;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Entente.Cli.Tests.Cluster;

/// <summary>
/// A cluster's connections are mutual TLS pinned to the cluster's certificate (<see cref="ClusterTls"/>): a client holding
/// the same certificate gets work done; one holding another certificate, or none, is refused.
/// </summary>
public sealed class ClusterTlsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("entente-cluster-tls-test-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Only_a_client_holding_the_cluster_certificate_reaches_a_silo()
    {
        using X509Certificate2 cluster = ClusterTls.CreateThrowaway(Path.Combine(_folder, "cluster.pfx"));
        using X509Certificate2 stranger = ClusterTls.CreateThrowaway(Path.Combine(_folder, "stranger.pfx"));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_folder, "cluster.pfx")));
        }

        using X509Certificate2 loaded = ClusterTls.Load(Path.Combine(_folder, "cluster.pfx"));
        Assert.Equal(cluster.Thumbprint, loaded.Thumbprint);

        int port = ServerProcess.FreePort();
        int gateway = ServerProcess.FreePort();
        string clusterId = "tls-test-" + Guid.NewGuid().ToString("N")[..8];
        using IHost silo = ClusterHosts.DevSilo(port, gateway, port, clusterId, loaded);
        await silo.StartAsync();
        try
        {
            // The cluster's certificate: a call goes through (a worker that holds no election context answers null).
            using (CancellationTokenSource within = new(TimeSpan.FromMinutes(1)))
            using (IHost client = await ClusterHosts.DevClientAsync([gateway], within.Token, clusterId, cluster))
            {
                IBallotValidationGrain worker = client.Services.GetRequiredService<IClusterClient>().GetGrain<IBallotValidationGrain>(0);
                Assert.Null(await worker.ValidateAsync(new string('0', 64), []));
                await client.StopAsync();
            }

            // Another certificate, and none at all: the silo does not take the connection.
            Assert.False(await ReachesAsync(gateway, clusterId, stranger), "a client with another certificate reached the silo");
            Assert.False(await ReachesAsync(gateway, clusterId, null), "a client without TLS reached the silo");
        }
        finally
        {
            await silo.StopAsync();
        }
    }

    private static async Task<bool> ReachesAsync(int gateway, string clusterId, X509Certificate2? certificate)
    {
        using CancellationTokenSource within = new(TimeSpan.FromSeconds(15));
        try
        {
            using IHost client = await ClusterHosts.DevClientAsync([gateway], within.Token, clusterId, certificate);
            IBallotValidationGrain worker = client.Services.GetRequiredService<IClusterClient>().GetGrain<IBallotValidationGrain>(0);
            _ = await worker.ValidateAsync(new string('0', 64), []).WaitAsync(within.Token);
            return true;
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            return false;
        }
    }
}
