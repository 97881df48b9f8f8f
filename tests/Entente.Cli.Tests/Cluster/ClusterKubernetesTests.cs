using Entente.Cli.Tests.Election;
using Entente.Cluster;

namespace Entente.Cli.Tests.Cluster;

/// <summary>
/// <c>entente cluster silo --kubernetes</c> (Microsoft.Orleans.Hosting.Kubernetes). No Kubernetes cluster is available
/// to these tests, so they check what can be checked here: the silo refuses to start outside a pod set up for it,
/// naming what is missing or wrong, and the manifest in deploy/kubernetes gives a pod everything the silo asks for.
/// </summary>
public sealed class ClusterKubernetesTests
{
    private static readonly Dictionary<string, string> Pod = new(StringComparer.Ordinal)
    {
        ["POD_NAME"] = "entente-silo-7d9f-x2k4q",
        ["POD_NAMESPACE"] = "entente",
        ["POD_IP"] = "10.1.2.3",
        ["ORLEANS_SERVICE_ID"] = "entente",
        ["ORLEANS_CLUSTER_ID"] = "entente",
        ["KUBERNETES_SERVICE_HOST"] = "10.0.0.1",
        ["KUBERNETES_SERVICE_PORT"] = "443",
    };

    private static string? Problem(Dictionary<string, string> pod, string clusterId = ClusterHosts.DefaultClusterId) =>
        ClusterHosts.KubernetesProblem(v => pod.GetValueOrDefault(v), clusterId);

    private static Dictionary<string, string> With(string name, string? value)
    {
        Dictionary<string, string> pod = new(Pod, StringComparer.Ordinal);
        if (value is null)
        {
            pod.Remove(name);
        }
        else
        {
            pod[name] = value;
        }

        return pod;
    }

    [Fact]
    public void A_pod_with_every_variable_and_entente_s_ids_may_run_a_silo_and_anything_less_is_named()
    {
        Assert.Null(Problem(Pod));
        Assert.Contains("POD_IP, KUBERNETES_SERVICE_HOST are not set", Problem(With("POD_IP", null).Where(p => p.Key != "KUBERNETES_SERVICE_HOST").ToDictionary()), StringComparison.Ordinal);
        Assert.Contains("POD_NAME is not set", Problem(With("POD_NAME", " ")), StringComparison.Ordinal);
        Assert.Contains("POD_IP \"pod-ip\" is not an IP address", Problem(With("POD_IP", "pod-ip")), StringComparison.Ordinal);
        Assert.Contains("set the pod label orleans/serviceId to entente", Problem(With("ORLEANS_SERVICE_ID", "dictionary-app")), StringComparison.Ordinal);
        Assert.Contains("ORLEANS_CLUSTER_ID is \"blue\" but --cluster-id is \"entente\"", Problem(With("ORLEANS_CLUSTER_ID", "blue")), StringComparison.Ordinal);
        Assert.Null(Problem(With("ORLEANS_CLUSTER_ID", "blue"), "blue"));
    }

    [Fact]
    public void The_silo_refuses_kubernetes_outside_a_pod_without_postgres_or_with_an_advertised_address()
    {
        (int code, _, string error) = EntenteProcess.Run("cluster", "silo", "--kubernetes");
        Assert.Equal(2, code);
        Assert.Contains("--kubernetes needs --postgres", error, StringComparison.Ordinal);

        (code, _, error) = EntenteProcess.Run("cluster", "silo", "--kubernetes", "--postgres", "Host=127.0.0.1;Port=1", "--advertise", "10.1.2.3");
        Assert.Equal(2, code);
        Assert.Contains("--advertise is not for --kubernetes", error, StringComparison.Ordinal);

        // Not a pod (every variable but one emptied, whatever machine runs the test): the silo names every variable it
        // lacks before it touches the database.
        Dictionary<string, string> partial = ClusterHosts.KubernetesVariables.ToDictionary(v => v, _ => "", StringComparer.Ordinal);
        partial["POD_NAME"] = "entente-silo-0";
        (code, _, error) = EntenteProcess.Run(partial, "cluster", "silo", "--kubernetes", "--postgres", "Host=127.0.0.1;Port=1");
        Assert.Equal(2, code);
        Assert.Contains("this is not a Kubernetes pod set up for Entente: POD_NAMESPACE, POD_IP, ORLEANS_SERVICE_ID, ORLEANS_CLUSTER_ID, KUBERNETES_SERVICE_HOST, KUBERNETES_SERVICE_PORT are not set", error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_manifest_gives_the_pod_every_variable_and_label_the_silo_needs()
    {
        string root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "Entente.slnx")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("the repository root was not found above the test's folder");
        }

        string manifest = File.ReadAllText(Path.Combine(root, "deploy", "kubernetes", "entente-silo.yaml"));
        // Kubernetes sets KUBERNETES_SERVICE_HOST and _PORT in every pod; the manifest sets the rest.
        foreach (string variable in ClusterHosts.KubernetesVariables.Where(v => !v.StartsWith("KUBERNETES_", StringComparison.Ordinal)))
        {
            Assert.Contains($"- name: {variable}\n", manifest.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        }

        Assert.Contains($"orleans/serviceId: {ClusterHosts.ServiceId}\n", manifest.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains($"orleans/clusterId: {ClusterHosts.DefaultClusterId}\n", manifest.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("\"cluster\", \"silo\", \"--kubernetes\", \"--postgres\"", manifest, StringComparison.Ordinal);
        Assert.Contains("verbs: [\"get\", \"list\", \"watch\", \"delete\"]", manifest, StringComparison.Ordinal);
    }
}
