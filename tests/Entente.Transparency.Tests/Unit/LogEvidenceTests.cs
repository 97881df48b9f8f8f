using System.Text;
using Entente.Transparency.Log;
using Entente.Transparency.Merkle;
using Entente.Transparency.Mirror;
using Entente.Transparency.Notes;

namespace Entente.Transparency.Tests.Unit;

/// <summary>Evidence of a log's misbehaviour checks offline with the log's key, and nothing else passes for it.</summary>
public sealed class LogEvidenceTests
{
    private static string Signed(Ed25519NoteSigner key, long size, Hash256 root) => key.SignNote(new Checkpoint(key.Name, size, root).ToText()).ToString();

    [Fact]
    public void Two_signed_checkpoints_of_one_size_with_different_roots_prove_a_split_view()
    {
        using Ed25519NoteSigner log = Ed25519NoteSigner.Generate("evidence.test/log");
        LogEvidence evidence = new()
        {
            Kind = "split-view",
            LogKey = log.VerifierKey,
            Checkpoints = [Signed(log, 7, Hash256.Compute([1])), Signed(log, 7, Hash256.Compute([2]))],
        };

        EvidenceVerdict verdict = LogEvidence.Parse(evidence.ToJson()).Check();
        Assert.True(verdict.Proven, string.Join("; ", verdict.Problems));
        Assert.Contains("two different trees of size 7", verdict.Finding, StringComparison.Ordinal);
    }

    [Fact]
    public void A_split_view_with_equal_roots_or_a_checkpoint_signed_by_another_key_proves_nothing()
    {
        using Ed25519NoteSigner log = Ed25519NoteSigner.Generate("evidence.test/log");
        using Ed25519NoteSigner other = Ed25519NoteSigner.Generate("evidence.test/log");
        Hash256 root = Hash256.Compute([1]);
        LogEvidence same = new() { Kind = "split-view", LogKey = log.VerifierKey, Checkpoints = [Signed(log, 7, root), Signed(log, 7, root)] };
        Assert.False(same.Check().Proven);
        LogEvidence forged = same with { Checkpoints = [Signed(log, 7, root), Signed(other, 7, Hash256.Compute([2]))] };
        EvidenceVerdict verdict = forged.Check();
        Assert.False(verdict.Proven);
        Assert.Contains("checkpoints[1]", verdict.Problems[0], StringComparison.Ordinal);
    }

    [Fact]
    public void An_altered_artifact_is_proven_by_the_included_entry_and_the_bytes_served_but_not_when_they_match()
    {
        using Ed25519NoteSigner log = Ed25519NoteSigner.Generate("evidence.test/log");
        using Ed25519NoteSigner party = Ed25519NoteSigner.Generate("blue.example");
        byte[] artifact = Encoding.UTF8.GetBytes("the artifact");
        MemoryMerkleTree tree = new();
        List<byte[]> entries = [];
        for (int i = 0; i < 5; i++)
        {
            byte[] entry = new LogEntry("manifest", Hash256.Compute(i == 3 ? artifact : [(byte)i]), party.Name).Sign(party);
            entries.Add(entry);
            tree.AppendEntry(entry);
        }

        LogEvidence evidence = new()
        {
            Kind = "artifact-altered",
            LogKey = log.VerifierKey,
            Checkpoints = [Signed(log, 5, tree.Root())],
            Index = 3,
            Entry = Convert.ToBase64String(entries[3]),
            InclusionProof = [.. MerkleMath.InclusionProof(tree, 3, 5).Select(h => h.ToBase64())],
            Served = Convert.ToBase64String(Encoding.UTF8.GetBytes("the artifacT")),
        };
        Assert.True(evidence.Check().Proven, string.Join("; ", evidence.Check().Problems));
        Assert.False((evidence with { Served = Convert.ToBase64String(artifact) }).Check().Proven);
        Assert.False((evidence with { Index = 2 }).Check().Proven);
        Assert.True((evidence with { Kind = "artifact-withheld", Served = null }).Check().Proven);
    }

    [Fact]
    public void Malformed_evidence_is_refused_naming_the_problem()
    {
        Assert.Contains("format", Assert.Throws<FormatException>(() => LogEvidence.Parse("""{"format":"x","kind":"split-view","log_key":"k","checkpoints":[]}"""u8)).Message, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => LogEvidence.Parse("""{"format":"entente.org/log-evidence/v1","kind":"split-view","log_key":"k","checkpoints":[],"extra":1}"""u8));
        Assert.Throws<FormatException>(() => LogEvidence.Parse("not json"u8));
    }
}
