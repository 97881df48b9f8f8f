using Entente.Transparency.Merkle;

namespace Entente.Transparency.Tests.Properties;

/// <summary>Every proof generated for trees up to 70 leaves verifies, and any single-bit change breaks it.</summary>
public sealed class MerkleProofProperties
{
    [Fact]
    public void Every_inclusion_and_consistency_proof_up_to_size_70_verifies_and_tampering_fails()
    {
        MemoryMerkleTree tree = new();
        List<Hash256> leaves = [];
        for (int i = 0; i < 70; i++)
        {
            byte[] entry = [(byte)i, (byte)(i >> 8), 0x42];
            tree.AppendEntry(entry);
            leaves.Add(Rfc6962.LeafHash(entry));
        }

        for (long n = 1; n <= 70; n++)
        {
            Hash256 root = tree.Root(n);
            Assert.Equal(MerkleMath.RootFromLeafHashes(leaves.GetRange(0, (int)n)), root);
            for (long i = 0; i < n; i++)
            {
                Hash256[] proof = MerkleMath.InclusionProof(tree, i, n);
                Assert.Equal(MerkleMath.InclusionProofLength(i, n), proof.Length);
                Assert.True(MerkleMath.VerifyInclusion(i, n, leaves[(int)i], proof, root));
                Assert.False(MerkleMath.VerifyInclusion(i, n, Rfc6962.LeafHash([0xFF]), proof, root));
                if (proof.Length > 0)
                {
                    byte[] bad = proof[0].ToArray();
                    bad[(int)(i % 32)] ^= 1;
                    Hash256[] tampered = [Hash256.FromBytes(bad), .. proof[1..]];
                    Assert.False(MerkleMath.VerifyInclusion(i, n, leaves[(int)i], tampered, root));
                }
            }

            for (long m = 1; m <= n; m++)
            {
                Hash256[] proof = MerkleMath.ConsistencyProof(tree, m, n);
                Assert.True(MerkleMath.VerifyConsistency(m, n, tree.Root(m), root, proof), $"consistency {m}->{n}");
                if (m < n)
                {
                    Assert.Equal(MerkleMath.ConsistencyProofLength(m, n), proof.Length);
                    Assert.False(MerkleMath.VerifyConsistency(m, n, root, root, proof));
                }
            }
        }
    }

    [Fact]
    public void Every_subtree_consistency_proof_up_to_size_600_verifies_and_fails_against_another_root()
    {
        MemoryMerkleTree tree = new();
        List<Hash256> leaves = [];
        for (int i = 0; i < 600; i++)
        {
            byte[] entry = [(byte)i, (byte)(i >> 8), 0x17];
            tree.AppendEntry(entry);
            leaves.Add(Rfc6962.LeafHash(entry));
        }

        int checkedProofs = 0;
        foreach (long n in new long[] { 1, 2, 3, 5, 8, 13, 64, 255, 256, 257, 300, 511, 512, 513, 600 })
        {
            Hash256 root = tree.Root(n);
            for (long start = 0; start < n; start++)
            {
                for (long end = start + 1; end <= n; end++)
                {
                    if (!MerkleMath.IsValidSubtree(start, end))
                    {
                        continue;
                    }

                    Hash256 subtree = MerkleMath.RootFromLeafHashes(leaves.GetRange((int)start, (int)(end - start)));
                    byte[][] proof = [.. MerkleMath.SubtreeConsistencyProof(tree, start, end, n).Select(h => h.ToArray())];
                    Assert.True(MerkleMath.VerifySubtreeConsistency(start, end, n, subtree.Span, root.Span, proof), $"[{start}, {end}) in {n}");
                    if (!(start == 0 && end == n))
                    {
                        Assert.False(MerkleMath.VerifySubtreeConsistency(start, end, n, subtree.Span, Hash256.Compute([0xEE]).Span, proof));
                        Assert.False(MerkleMath.VerifySubtreeConsistency(start, end, n, Rfc6962.LeafHash([0xFF]).Span, root.Span, proof));
                    }

                    checkedProofs++;
                }
            }
        }

        Assert.True(checkedProofs > 1000, $"{checkedProofs} subtree proofs checked");
    }
}
