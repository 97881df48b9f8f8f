using System.Text;
using CsCheck;
using Entente.Testing.Properties;
using Entente.Transparency.Notes;
using Entente.Transparency.Tests.Kat;
using Entente.Transparency.Witness;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Entente.Transparency.Tests.Properties;

/// <summary>
/// Checkpoints, signed checkpoints with cosignatures, tlog-proof receipts and witness add-checkpoint requests under
/// random and mutated input: parsed and written back to the same text, or refused with <see cref="NoteFormatException"/>
/// (the witness: a 4xx answer); never another exception.
/// </summary>
public sealed class CheckpointParserProperties(ITestOutputHelper output)
{
    private static readonly Ed25519NoteSigner Log = TransparencyGen.Signers[0];

    [Fact]
    public void Checkpoint_bodies_round_trip_or_are_refused_with_NoteFormatException()
    {
        PropertyRunner.Check(output, Mutations.Of(TransparencyGen.Checkpoint.Select(c => Encoding.UTF8.GetBytes(c.ToText()))), input =>
        {
            string text = input.Text;
            Checkpoint? checkpoint = Outcome.Of<Checkpoint, NoteFormatException>(() => Checkpoint.Parse(text));
            if (checkpoint is not null)
            {
                Assert.Equal(text, checkpoint.ToText());
                Assert.Equal(text, Checkpoint.Parse(checkpoint.ToText()).ToText());
            }
        }, fixedSeed: 1411, iterations: 1500);
    }

    [Fact]
    public void Signed_checkpoints_and_cosignatures_round_trip_or_are_refused_and_verify_only_unchanged()
    {
        PropertyRunner.Check(output, Mutations.Of(TransparencyGen.SignedCheckpoint), input =>
        {
            SignedCheckpoint? signed = Outcome.Of<SignedCheckpoint, NoteFormatException>(() => SignedCheckpoint.Parse(input.Bytes));
            if (signed is null)
            {
                return;
            }

            Assert.Equal(SignedNoteParserProperties.WithoutRepeatedSignatureLines(input.Bytes), signed.Note.ToString());
            Assert.Equal(signed.Checkpoint.ToText(), signed.Note.Text);
            byte[] text = signed.Note.TextBytes;
            foreach (NoteSignature s in signed.Note.Signatures)
            {
                // A cosignature's timestamp is read only from a well-formed 72-byte cosignature.
                if (s.Signature.Length == 72)
                {
                    CosignatureV1Verifier.Timestamp(s.Signature);
                }
            }

            foreach (Ed25519NoteSigner witness in TransparencyGen.Signers[3..])
            {
                foreach (NoteSignature s in signed.Note.Signatures.Where(s => s.Name == witness.Name && s.KeyId == witness.CosignatureKeyId))
                {
                    if (witness.CosignatureVerifier.Verify(text, s.Signature))
                    {
                        // Only the genuine cosignature of an untouched checkpoint verifies.
                        Assert.Equal(s.Signature.AsSpan(8).ToArray(), witness.Cosign(text, CosignatureV1Verifier.Timestamp(s.Signature)).Signature.AsSpan(8).ToArray());
                    }
                }
            }

            if (NoteVerification.HasValidSignature(signed.Note, Log.Verifier))
            {
                Assert.Equal(signed.Note, SignedCheckpoint.Open(signed.Note.ToBytes(), Log.Verifier).Note, NoteComparer.Instance);
            }
        }, fixedSeed: 1412, iterations: 1500);
    }

    [Fact]
    public void Tlog_proofs_round_trip_or_are_refused_with_NoteFormatException()
    {
        Gen<byte[]> proofs = Gen.Select(Gen.Byte.Array[0, 40].Null(0.5), Gen.Long[0, long.MaxValue], Gen.Byte.Array[32, 32].Array[0, 5], TransparencyGen.SignedCheckpoint,
            (extra, index, hashes, checkpoint) => Encoding.UTF8.GetBytes(
                new TlogProof(extra, index, [.. hashes.Select(h => Hash256.FromBytes(h))], SignedCheckpoint.Parse(checkpoint)).ToString()));
        PropertyRunner.Check(output, Mutations.Of(proofs), input =>
        {
            string text = input.Text;
            TlogProof? proof = Outcome.Of<TlogProof, NoteFormatException>(() => TlogProof.Parse(text));
            if (proof is null)
            {
                return;
            }

            int blank = text.IndexOf("\n\n", StringComparison.Ordinal);
            string head = text[..(blank + 2)];
            Assert.Equal(head + SignedNoteParserProperties.WithoutRepeatedSignatureLines(Encoding.UTF8.GetBytes(text[(blank + 2)..])), proof.ToString());
            Assert.Equal(proof.ToString(), TlogProof.Parse(proof.ToString()).ToString());
        }, fixedSeed: 1413, iterations: 1500);
    }

    [Fact]
    public void Witness_requests_get_an_answer_and_never_an_exception()
    {
        Gen<byte[]> requests = Gen.Select(Gen.Long[0, 3], Gen.Byte.Array[32, 32].Array[0, 3], TransparencyGen.SignedCheckpoint,
            (old, hashes, checkpoint) => Witness.Witness.FormatRequest(old, [.. hashes.Select(h => Hash256.FromBytes(h))], checkpoint));
        WitnessedLog log = new("log.example/board", [Log.Verifier]);
        using Ed25519NoteSigner key = Ed25519NoteSigner.FromSeed("witness.example", new byte[32]);
        PropertyRunner.Check(output, Mutations.Of(requests), input =>
        {
            WitnessProtocolTests.MemoryWitnessStore store = new();
            Witness.Witness witness = new(key, [log], store, new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000)));
            WitnessResponse response = witness.AddCheckpointAsync(input.Bytes).GetAwaiter().GetResult();
            Assert.Contains(response.Status, (int[])[200, 400, 403, 404, 409, 422]);
            Assert.NotEmpty(response.Body);
            if (response.Status == 200)
            {
                // What the witness cosigned and kept is a checkpoint it can read back.
                WitnessState kept = store.GetAsync("log.example/board").GetAwaiter().GetResult()!;
                Assert.Equal(kept.Root, SignedCheckpoint.Parse(kept.Note).Checkpoint.Root);
            }
        }, fixedSeed: 1414, iterations: 1000);
    }

    private sealed class NoteComparer : IEqualityComparer<SignedNote>
    {
        public static readonly NoteComparer Instance = new();

        public bool Equals(SignedNote? x, SignedNote? y) => x?.ToString() == y?.ToString();

        public int GetHashCode(SignedNote obj) => obj.ToString().GetHashCode(StringComparison.Ordinal);
    }
}
