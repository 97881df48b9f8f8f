using System.Text;
using System.Text.Json;
using Entente.Transparency.Merkle;

namespace Entente.Transparency.Tests.Kat;

/// <summary>RFC 6962 known answers from transparency-dev/merkle and the derived proof sets (vectors README).</summary>
public sealed class Rfc6962Tests
{
    private static readonly JsonElement Kats = Vectors.Json("rfc6962/known-answers.json");

    [Fact]
    public void Hash_known_answers_match()
    {
        JsonElement[] k = Kats.GetProperty("hash_kats").EnumerateArray().ToArray();
        Assert.Equal(k[0].GetProperty("hex").GetString(), Rfc6962.EmptyRoot.ToHex());
        Assert.Equal(k[1].GetProperty("hex").GetString(), Rfc6962.LeafHash([]).ToHex());
        Assert.Equal(k[2].GetProperty("hex").GetString(), Rfc6962.LeafHash("L123456"u8).ToHex());
        Assert.Equal(k[3].GetProperty("hex").GetString(), Hash256.Compute([0x01, .. "N123"u8, .. "N456"u8]).ToHex());
    }

    [Fact]
    public void Eight_leaf_tree_has_the_published_node_hashes_and_roots()
    {
        MemoryMerkleTree tree = new();
        string[] leaves = Kats.GetProperty("leaf_inputs_hex").EnumerateArray().Select(e => e.GetString()!).ToArray();
        JsonElement roots = Kats.GetProperty("root_by_size_hex");
        Assert.Equal(roots.GetProperty("0").GetString(), tree.Root().ToHex());
        foreach (string leaf in leaves)
        {
            tree.AppendEntry(Convert.FromHexString(leaf));
            Assert.Equal(roots.GetProperty(tree.Size.ToString(System.Globalization.CultureInfo.InvariantCulture)).GetString(), tree.Root().ToHex());
        }

        JsonElement[] levels = Kats.GetProperty("node_hashes_by_level_hex").EnumerateArray().ToArray();
        for (int level = 0; level < levels.Length; level++)
        {
            string[] row = levels[level].EnumerateArray().Select(e => e.GetString()!).ToArray();
            for (int i = 0; i < row.Length; i++)
            {
                Assert.Equal(row[i], tree.PerfectSubtree(level, i).ToHex());
            }
        }
    }

    [Fact]
    public void Tessera_log_proofs_are_generated_exactly_and_verify()
    {
        JsonElement v = Vectors.Json("derived/tessera-testdata-log-proofs.json");
        MemoryMerkleTree tree = new();
        foreach (JsonElement leaf in v.GetProperty("leaf_data_utf8").EnumerateArray())
        {
            tree.AppendEntry(Encoding.UTF8.GetBytes(leaf.GetString()!));
        }

        CheckProofs(v, tree);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void Seventy_thousand_leaf_tree_matches_the_derived_roots_and_proofs()
    {
        JsonElement v = Vectors.Json("derived/leaf-N-tree.json");
        MemoryMerkleTree tree = new();
        for (int i = 0; i < 70000; i++)
        {
            tree.AppendEntry(Encoding.UTF8.GetBytes($"leaf {i}"));
        }

        foreach (JsonProperty root in v.GetProperty("roots_b64").EnumerateObject())
        {
            Assert.Equal(root.Value.GetString(), tree.Root(long.Parse(root.Name, System.Globalization.CultureInfo.InvariantCulture)).ToBase64());
        }

        CheckProofs(v, tree);
    }

    private static void CheckProofs(JsonElement v, MemoryMerkleTree tree)
    {
        int checkedCount = 0;
        foreach (JsonElement p in v.GetProperty("inclusion").EnumerateArray())
        {
            long index = p.GetProperty("index").GetInt64();
            long size = p.GetProperty("size").GetInt64();
            string[] expected = p.GetProperty("proof_b64").EnumerateArray().Select(e => e.GetString()!).ToArray();
            Hash256[] proof = MerkleMath.InclusionProof(tree, index, size);
            Assert.Equal(expected, proof.Select(h => h.ToBase64()));
            Assert.True(MerkleMath.VerifyInclusion(index, size, tree.PerfectSubtree(0, index), proof, tree.Root(size)));
            checkedCount++;
        }

        foreach (JsonElement p in v.GetProperty("consistency").EnumerateArray())
        {
            long size1 = p.GetProperty("size1").GetInt64();
            long size2 = p.GetProperty("size2").GetInt64();
            string[] expected = p.GetProperty("proof_b64").EnumerateArray().Select(e => e.GetString()!).ToArray();
            Hash256[] proof = MerkleMath.ConsistencyProof(tree, size1, size2);
            Assert.Equal(expected, proof.Select(h => h.ToBase64()));
            if (size1 > 0)
            {
                Assert.True(MerkleMath.VerifyConsistency(size1, size2, tree.Root(size1), tree.Root(size2), proof));
            }

            checkedCount++;
        }

        Assert.True(checkedCount > 0);
    }
}
