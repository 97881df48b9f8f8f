using System.Text;
using Entente.Transparency.Merkle;
using Entente.Transparency.Notes;
using Entente.Transparency.Policy;

namespace Entente.Transparency.Tests.Unit;

public sealed class PolicyAndProofTests
{
    [Fact]
    public void The_sigsum_production_policy_parses_with_a_2_of_3_quorum()
    {
        TrustPolicy policy = TrustPolicy.Parse(File.ReadAllText(Vectors.PathOf("public-keys/sigsum-generic-2025-1.policy")));
        Assert.Equal(2, policy.Logs.Count);
        Assert.Equal(3, policy.Witnesses.Count);
        Assert.False(policy.QuorumMet(new HashSet<string> { "witness.mullvad.net" }));
        Assert.True(policy.QuorumMet(new HashSet<string> { "witness.mullvad.net", "witness.glasklar.is" }));
    }

    [Theory]
    [InlineData("quorum nobody\n")]
    [InlineData("witness a 0000000000000000000000000000000000000000000000000000000000000001\nwitness a 0000000000000000000000000000000000000000000000000000000000000002\nquorum a\n")]
    [InlineData("group g 1 x\nquorum g\n")]
    [InlineData("witness a 0000000000000000000000000000000000000000000000000000000000000001\ngroup g 2 a\nquorum g\n")]
    [InlineData("witness a 0000000000000000000000000000000000000000000000000000000000000001\nquorum a\nquorum a\n")]
    [InlineData("log\nquorum none\n")]
    [InlineData("quorum none\x01\n")]
    [InlineData("# no quorum\n")]
    public void Bad_policies_are_rejected_with_the_line(string text) =>
        Assert.Throws<NoteFormatException>(() => TrustPolicy.Parse(text));

    [Fact]
    public void A_per_party_quorum_needs_every_party_and_a_tlog_proof_verifies_offline()
    {
        using Ed25519NoteSigner log = Ed25519NoteSigner.Generate("entente.example/log");
        using Ed25519NoteSigner blue1 = Ed25519NoteSigner.Generate("blue1.example");
        using Ed25519NoteSigner blue2 = Ed25519NoteSigner.Generate("blue2.example");
        using Ed25519NoteSigner red1 = Ed25519NoteSigner.Generate("red1.example");
        string policyText = $"""
            # Entente: a quorum of witnesses per party
            log {log.VerifierKey}
            witness blue1 {blue1.VerifierKey}
            witness blue2 {blue2.VerifierKey}
            witness red1 {red1.CosignerVerifierKey}
            group blue any blue1 blue2
            group red all red1
            group parties all blue red
            quorum parties

            """;
        TrustPolicy policy = TrustPolicy.Parse(policyText);

        MemoryMerkleTree tree = new();
        for (int i = 0; i < 10; i++)
        {
            tree.AppendEntry(Encoding.UTF8.GetBytes($"entry {i}"));
        }

        Checkpoint cp = new("entente.example/log", tree.Size, tree.Root());
        SignedNote note = log.SignNote(cp.ToText());
        Assert.False(policy.Check(note).Valid);
        note = note.WithSignature(blue2.Cosign(note.TextBytes, 1_800_000_000));
        Assert.False(policy.Check(note).Valid);
        note = note.WithSignature(red1.Cosign(note.TextBytes, 1_800_000_001));
        Assert.True(policy.Check(note).Valid);

        TlogProof receipt = new(Encoding.UTF8.GetBytes("ballot 7"), 7, MerkleMath.InclusionProof(tree, 7, tree.Size), new SignedCheckpoint(cp, note));
        TlogProof parsed = TlogProof.Parse(receipt.ToString());
        Assert.Equal(receipt.ToString(), parsed.ToString());
        Assert.True(parsed.Verify(Encoding.UTF8.GetBytes("entry 7"), policy));
        Assert.False(parsed.Verify(Encoding.UTF8.GetBytes("entry 8"), policy));

        // A bad cosignature by a known witness invalidates the check.
        NoteSignature forged = red1.Cosign(Encoding.UTF8.GetBytes("other\n"), 1);
        SignedNote withForged = new(note.Text, [.. note.Signatures.Where(s => s.Name != "red1.example"), forged]);
        Assert.False(policy.Check(withForged).Valid);
    }
}
