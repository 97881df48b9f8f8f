using System.Text;
using System.Text.Json;
using Entente.Transparency.Notes;

namespace Entente.Transparency.Tests.Kat;

/// <summary>Go sumdb/note vectors and the C2SP examples (vectors/tlog/signed-note, cosignatures).</summary>
public sealed class SignedNoteTests
{
    private static readonly JsonElement Go = Vectors.Json("signed-note/go-sumdb-note.json");

    [Fact]
    public void Signing_with_the_PeterNeumann_key_reproduces_the_go_note_byte_for_byte()
    {
        using Ed25519NoteSigner peter = Ed25519NoteSigner.FromSkey(Go.GetProperty("keys").GetProperty("PeterNeumann").GetProperty("skey").GetString()!);
        Assert.Equal(Go.GetProperty("keys").GetProperty("PeterNeumann").GetProperty("vkey").GetString(), peter.VerifierKey);
        SignedNote note = peter.SignNote(Go.GetProperty("text").GetString()!);
        Assert.Equal(Go.GetProperty("sign_peter_expected_note").GetString(), note.ToString());

        using Ed25519NoteSigner enoch = Ed25519NoteSigner.FromSeed("EnochRoot", new byte[32]);
        Assert.Equal(Go.GetProperty("keys").GetProperty("EnochRoot").GetProperty("vkey").GetString(), enoch.VerifierKey);
        SignedNote both = note.WithSignature(enoch.Sign(note.TextBytes));
        Assert.Equal(Go.GetProperty("sign_then_add_enoch_expected_note").GetString(), both.ToString());
        Assert.Equal(Go.GetProperty("keys").GetProperty("PeterNeumann").GetProperty("skey").GetString(), peter.ExportSkey());
    }

    public static TheoryData<int> OpenCases()
    {
        TheoryData<int> data = [];
        for (int i = 0; i < Go.GetProperty("open_cases").GetArrayLength(); i++)
        {
            data.Add(i);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(OpenCases))]
    public void Go_open_case_gives_the_expected_result(int caseIndex)
    {
        JsonElement c = Go.GetProperty("open_cases")[caseIndex];
        byte[] bytes = c.TryGetProperty("note_hex", out JsonElement hex)
            ? Convert.FromHexString(hex.GetString()!)
            : Encoding.UTF8.GetBytes(c.GetProperty("note").GetString()!);
        INoteVerifier[] verifiers = c.GetProperty("verifiers").EnumerateArray().Select(v => VerifierKeys.Parse(v.GetString()!)).ToArray();
        string expect = c.GetProperty("expect").GetString()!;

        if (expect == "error: malformed note")
        {
            Assert.Throws<NoteFormatException>(() => SignedNote.Parse(bytes));
            return;
        }

        SignedNote note = SignedNote.Parse(bytes);
        if (expect == "ok")
        {
            OpenedNote opened = NoteVerification.Open(note, verifiers);
            if (c.TryGetProperty("verified", out JsonElement verified))
            {
                Assert.Equal(verified.EnumerateArray().Select(e => e.GetString()), opened.Verified.Select(v => v.Name));
            }

            if (c.TryGetProperty("unverified_count", out JsonElement count))
            {
                Assert.Equal(count.GetInt32(), opened.Unverified.Count);
            }

            return;
        }

        NoteVerificationException e = Assert.Throws<NoteVerificationException>(() => NoteVerification.Open(note, verifiers));
        Assert.StartsWith(expect["error: ".Length..].Split(" (", 2)[0], e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==")]
    [InlineData("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")]
    [InlineData("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")]
    [InlineData("PeterNeuman+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")]
    [InlineData("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T")]
    [InlineData("PeterNeumann+c74f20a3")]
    [InlineData("+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")]
    [InlineData("PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")]
    public void Bad_verifier_keys_are_rejected(string vkey) =>
        Assert.False(VerifierKeys.TryParse(vkey, out _));

    [Fact]
    public void Every_truncation_of_a_good_verifier_key_is_rejected()
    {
        string good = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
        Assert.True(VerifierKeys.TryParse(good, out _));
        for (int i = 0; i < good.Length; i++)
        {
            Assert.False(VerifierKeys.TryParse(good[..i], out _), good[..i]);
        }
    }

    [Fact]
    public void The_C2SP_example_note_verifies_and_the_quasimodo_note_splits_at_the_last_blank_line()
    {
        JsonElement spec = Vectors.Json("signed-note/c2sp-spec-examples.json");
        JsonElement ex = spec.GetProperty("signed_note_example");
        SignedNote note = SignedNote.Parse(Encoding.UTF8.GetBytes(ex.GetProperty("note").GetString()!));
        OpenedNote opened = NoteVerification.Open(note, [VerifierKeys.Parse(ex.GetProperty("vkey").GetString()!)]);
        Assert.Single(opened.Verified);

        JsonElement q = spec.GetProperty("format_only_examples").GetProperty("quasimodo");
        SignedNote poem = SignedNote.Parse(q.GetProperty("note").GetString()!);
        Assert.Equal("Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n", poem.Text);
        Assert.Equal(q.GetProperty("note").GetString(), poem.ToString());

        JsonElement sofa = spec.GetProperty("format_only_examples").GetProperty("behind_the_sofa_checkpoint_with_cosig");
        SignedCheckpoint cp = SignedCheckpoint.Parse(Encoding.UTF8.GetBytes(sofa.GetProperty("note").GetString()!));
        Assert.Equal(20852163, cp.Checkpoint.Size);
        NoteSignature witness = cp.Note.Signatures[1];
        Assert.Equal(0x8d66cf3fu, witness.KeyId);
        Assert.Equal(72, witness.Signature.Length);
        Assert.Equal(1679315147ul, CosignatureV1Verifier.Timestamp(witness.Signature));
        Assert.Equal(sofa.GetProperty("cosignature_v1_signed_message").GetString(),
            Encoding.UTF8.GetString(CosignatureV1.Message(1679315147, cp.Note.TextBytes)));
    }

    [Fact]
    public void Witness_cosignature_is_reproduced_byte_for_byte_and_needs_the_0x04_key_id()
    {
        JsonElement v = Vectors.Json("cosignatures/derived-witness-cosignature.json");
        using Ed25519NoteSigner witness = Ed25519NoteSigner.FromSkey(v.GetProperty("witness_skey_go_format").GetString()!);
        Assert.Equal(v.GetProperty("witness_vkey_type01_upstream").GetString(), witness.VerifierKey);
        Assert.Equal(v.GetProperty("witness_cosig_vkey_type04").GetString(), witness.CosignerVerifierKey);

        SignedNote full = SignedNote.Parse(v.GetProperty("full_note").GetString()!);
        NoteSignature cosig = witness.Cosign(full.TextBytes, v.GetProperty("timestamp").GetUInt64());
        Assert.Equal(v.GetProperty("cosignature_line").GetString(), cosig.ToLine());
        Assert.Equal(v.GetProperty("signed_message").GetString(), Encoding.UTF8.GetString(CosignatureV1.Message(1700000000, full.TextBytes)));

        INoteVerifier log = VerifierKeys.Parse(v.GetProperty("log_vkey").GetString()!);
        // The 0x01 key published for the witness, turned into a cosigner: verifies.
        CosignatureV1Verifier fromType01 = VerifierKeys.ParseCosigner(v.GetProperty("witness_vkey_type01_upstream").GetString()!);
        OpenedNote opened = NoteVerification.Open(full, [log, fromType01]);
        Assert.Equal(2, opened.Verified.Count);
        // The same 0x01 key used as a plain Ed25519 verifier: the cosignature is ignored (key ID mismatch).
        OpenedNote ignored = NoteVerification.Open(full, [log, VerifierKeys.Parse(v.GetProperty("witness_vkey_type01_upstream").GetString()!)]);
        Assert.Single(ignored.Verified);
        Assert.Single(ignored.Unverified);

        // A changed timestamp or body fails.
        byte[] tampered = (byte[])cosig.Signature.Clone();
        tampered[7] ^= 1;
        Assert.False(fromType01.Verify(full.TextBytes, tampered));
        Assert.False(fromType01.Verify(Encoding.UTF8.GetBytes(full.Text.Replace("\n8\n", "\n9\n", StringComparison.Ordinal)), cosig.Signature));
    }

    [Fact]
    public void Ecdsa_P256_note_signatures_verify_with_the_SPKI_key_id()
    {
        using System.Security.Cryptography.ECDsa ecdsa = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        byte[] spki = ecdsa.ExportSubjectPublicKeyInfo();
        uint id = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(System.Security.Cryptography.SHA256.HashData(spki));
        string vkey = VerifierKeys.Format("rekor.example", id, NoteSignatureType.EcdsaP256, spki);
        INoteVerifier verifier = VerifierKeys.Parse(vkey);
        string text = "rekor.example - 1193050959916656506\n42\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\nTimestamp: 1\n";
        byte[] sig = ecdsa.SignData(Encoding.UTF8.GetBytes(text), System.Security.Cryptography.HashAlgorithmName.SHA256,
            System.Security.Cryptography.DSASignatureFormat.Rfc3279DerSequence);
        SignedNote note = new(text, [new NoteSignature("rekor.example", id, sig)]);
        Assert.Single(NoteVerification.Open(SignedNote.Parse(note.ToString()), [verifier]).Verified);
        sig[^1] ^= 1;
        SignedNote bad = new(text, [new NoteSignature("rekor.example", id, sig)]);
        Assert.Throws<NoteVerificationException>(() => NoteVerification.Open(bad, [verifier]));
    }
}
