using System.Text;
using CsCheck;
using Entente.Testing.Properties;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;
using Xunit.Abstractions;

namespace Entente.Transparency.Tests.Properties;

/// <summary>
/// Signed notes, log entries and verifier keys under random and mutated input: each parses to a value that writes
/// back to the same bytes (identical signature lines kept once, as SignedNote documents) or is refused with
/// <see cref="NoteFormatException"/>; nothing else is thrown.
/// </summary>
public sealed class SignedNoteParserProperties(ITestOutputHelper output)
{
    [Fact]
    public void Signed_notes_round_trip_to_their_bytes_or_are_refused_with_NoteFormatException()
    {
        PropertyRunner.Check(output, Mutations.Of(TransparencyGen.Note), input =>
        {
            SignedNote? note = Outcome.Of<SignedNote, NoteFormatException>(() => SignedNote.Parse(input.Bytes));
            if (note is null)
            {
                return;
            }

            Assert.Equal(WithoutRepeatedSignatureLines(input.Bytes), note.ToString());
            SignedNote again = SignedNote.Parse(note.ToBytes());
            Assert.Equal(note.Text, again.Text);
            Assert.Equal(note.Signatures, again.Signatures);

            // Verifying never throws, and a known key's signature verifies only over the text it signed.
            foreach (Ed25519NoteSigner key in TransparencyGen.Signers)
            {
                NoteVerification.HasValidSignature(note, key.Verifier);
                NoteVerification.HasValidSignature(note, key.CosignatureVerifier);
            }
        }, fixedSeed: 1401, iterations: 1500);
    }

    [Fact]
    public void Log_entries_round_trip_or_are_refused_with_NoteFormatException()
    {
        // Whatever rule the board applies to further signature lines (refuse or normalise), what LogEntry.Parse
        // accepts is an entry whose text is exactly the canonical entry text, and parsing what it writes gives it back.
        PropertyRunner.Check(output, Mutations.Of(TransparencyGen.Entry), input =>
        {
            (LogEntry Entry, SignedNote Note)? parsed = Outcome.Of<(LogEntry, SignedNote)?, NoteFormatException>(() => LogEntry.Parse(input.Bytes));
            if (parsed is not { } p)
            {
                return;
            }

            Assert.Equal(p.Entry.ToText(), p.Note.Text);
            (LogEntry again, SignedNote againNote) = LogEntry.Parse(p.Note.ToBytes());
            Assert.Equal(p.Entry, again);
            Assert.Equal(p.Note.ToString(), againNote.ToString());
            Assert.True(p.Note.ToString() == Encoding.UTF8.GetString(input.Bytes) || p.Note.ToString() == WithoutRepeatedSignatureLines(input.Bytes, canonicalBase64: false),
                "an accepted entry writes back to its own bytes (or to them with repeated signature lines removed)");
        }, fixedSeed: 1402, iterations: 1500);
    }

    [Fact]
    public void Verifier_keys_round_trip_or_are_refused_with_NoteFormatException()
    {
        Gen<byte[]> keys = Gen.Int[0, TransparencyGen.Signers.Length - 1].Select(Gen.Bool, (i, cosigner) =>
            Encoding.UTF8.GetBytes(cosigner ? TransparencyGen.Signers[i].CosignerVerifierKey : TransparencyGen.Signers[i].VerifierKey));
        PropertyRunner.Check(output, Mutations.Of(keys), input =>
        {
            string text = input.Text;
            INoteVerifier? key = Outcome.Of<INoteVerifier, NoteFormatException>(() => VerifierKeys.Parse(text));
            string? written = key switch
            {
                Ed25519NoteVerifier e => e.VerifierKey,
                CosignatureV1Verifier c => c.VerifierKey,
                _ => null,
            };
            if (written is not null)
            {
                Assert.Equal(text, written);
            }

            CosignatureV1Verifier? cosigner = Outcome.Of<CosignatureV1Verifier, NoteFormatException>(() => VerifierKeys.ParseCosigner(text));
            if (cosigner is not null)
            {
                Assert.Equal(VerifierKeys.Split(text).Key, cosigner.PublicKeyBytes);
            }
        }, fixedSeed: 1403, iterations: 1500);
    }

    /// <summary>
    /// The note as given with each distinct signature line once, in first-seen order, and, when
    /// <paramref name="canonicalBase64"/>, each signature re-encoded in canonical base64: signed-note readers (Go's
    /// included, and the litewitness vectors rely on it) accept base64 with non-zero padding bits, so a note is not
    /// canonical in that respect and is written back with the canonical spelling.
    /// </summary>
    internal static string WithoutRepeatedSignatureLines(byte[] bytes, bool canonicalBase64 = true)
    {
        string note = Encoding.UTF8.GetString(bytes);
        int split = note.LastIndexOf("\n\n", StringComparison.Ordinal);
        string[] lines = note[(split + 2)..^1].Split('\n');
        if (canonicalBase64)
        {
            lines = [.. lines.Select(l => l[..(l.LastIndexOf(' ') + 1)] + Convert.ToBase64String(Convert.FromBase64String(l[(l.LastIndexOf(' ') + 1)..])))];
        }

        return note[..(split + 2)] + string.Concat(lines.Distinct(StringComparer.Ordinal).Select(l => l + "\n"));
    }
}
