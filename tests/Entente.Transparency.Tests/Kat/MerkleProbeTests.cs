using System.Text.Json;
using Entente.Transparency.Merkle;

namespace Entente.Transparency.Tests.Kat;

/// <summary>
/// The transparency-dev/merkle JSON probes, every one: testdata/inclusion, testdata/consistency, and the Merkle Tree
/// Certificates probes testdata/subtreeinclusion and testdata/subtreeconsistency.
/// </summary>
public sealed class MerkleProbeTests
{
    public static TheoryData<string> InclusionProbes() => Probes("inclusion");

    public static TheoryData<string> ConsistencyProbes() => Probes("consistency");

    private static TheoryData<string> Probes(string kind)
    {
        string dir = Vectors.PathOf(Path.Combine("transparency-dev-merkle", "testdata", kind));
        TheoryData<string> data = [];
        foreach (string file in Directory.EnumerateFiles(dir, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(Vectors.Root, file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(InclusionProbes))]
    public void Inclusion_probe_gives_the_expected_verdict(string probe)
    {
        JsonElement v = Vectors.Json(probe);
        bool wantErr = v.GetProperty("wantErr").GetBoolean();
        bool ok = MerkleMath.VerifyInclusion(
            Int(v, "leafIdx"), Int(v, "treeSize"),
            Vectors.B64(v.GetProperty("leafHash")), Vectors.B64List(v.GetProperty("proof")), Vectors.B64(v.GetProperty("root")));
        Assert.Equal(!wantErr, ok);
    }

    [Theory]
    [MemberData(nameof(ConsistencyProbes))]
    public void Consistency_probe_gives_the_expected_verdict(string probe)
    {
        JsonElement v = Vectors.Json(probe);
        bool wantErr = v.GetProperty("wantErr").GetBoolean();
        bool ok = MerkleMath.VerifyConsistency(
            Int(v, "size1"), Int(v, "size2"),
            Vectors.B64(v.GetProperty("root1")), Vectors.B64(v.GetProperty("root2")), Vectors.B64List(v.GetProperty("proof")));
        Assert.Equal(!wantErr, ok);
    }

    public static TheoryData<string> SubtreeInclusionProbes() => Probes("subtreeinclusion");

    [Theory]
    [MemberData(nameof(SubtreeInclusionProbes))]
    public void Subtree_inclusion_probe_gives_the_expected_verdict(string probe)
    {
        JsonElement v = Vectors.Json(probe);
        bool wantErr = v.GetProperty("wantErr").GetBoolean();
        bool ok = MerkleMath.VerifySubtreeInclusion(
            Int(v, "leafIdx"), Int(v, "start"), Int(v, "end"),
            Vectors.B64(v.GetProperty("leafHash")), Vectors.B64List(v.GetProperty("proof")), Vectors.B64(v.GetProperty("root")));
        Assert.Equal(!wantErr, ok);
    }

    public static TheoryData<string> SubtreeConsistencyProbes() => Probes("subtreeconsistency");

    [Theory]
    [MemberData(nameof(SubtreeConsistencyProbes))]
    public void Subtree_consistency_probe_gives_the_expected_verdict(string probe)
    {
        JsonElement v = Vectors.Json(probe);
        bool wantErr = v.GetProperty("wantErr").GetBoolean();
        bool ok = MerkleMath.VerifySubtreeConsistency(
            Int(v, "start"), Int(v, "end"), Int(v, "size"),
            Vectors.B64(v.GetProperty("root1")), Vectors.B64(v.GetProperty("root2")), Vectors.B64List(v.GetProperty("proof")));
        Assert.Equal(!wantErr, ok);
    }

    // Probes use Go uint64; values above 2^63-1 become negative longs, which every verifier rejects.
    private static long Int(JsonElement v, string name) => unchecked((long)v.GetProperty(name).GetUInt64());

    [Fact]
    public void There_are_196_inclusion_and_consistency_probes() =>
        Assert.Equal(196, InclusionProbes().Count + ConsistencyProbes().Count);

    [Fact]
    public void There_are_322_subtree_probes() =>
        Assert.Equal(322, SubtreeInclusionProbes().Count + SubtreeConsistencyProbes().Count);
}
