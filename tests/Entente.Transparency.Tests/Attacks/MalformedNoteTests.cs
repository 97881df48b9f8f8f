using System.Text;
using Entente.Transparency.Notes;

namespace Entente.Transparency.Tests.Attacks;

public sealed class MalformedNoteTests
{
    private const string Good = "example\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n— example AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";

    [Theory]
    [InlineData("\t")]
    [InlineData("\r")]
    [InlineData("\0")]
    [InlineData("\x1b")]
    [InlineData("\x7f")]
    public void Control_characters_anywhere_are_rejected(string control)
    {
        Assert.NotNull(SignedNote.Parse(Good));
        Assert.Throws<NoteFormatException>(() => SignedNote.Parse(Good.Insert(3, control)));
    }

    [Fact]
    public void Bad_utf8_and_oversized_notes_are_rejected_before_anything_else()
    {
        byte[] bytes = Encoding.UTF8.GetBytes(Good);
        bytes[2] = 0xC0;
        NoteFormatException e = Assert.Throws<NoteFormatException>(() => SignedNote.Parse(bytes));
        Assert.Contains("UTF-8", e.Message, StringComparison.Ordinal);
        Assert.Throws<NoteFormatException>(() => SignedNote.Parse(Encoding.UTF8.GetBytes(Good), maxBytes: 50));
    }

    [Theory]
    [InlineData("— example AAAA\n")]
    [InlineData("— example !!!!\n")]
    [InlineData("- example AAAAAAAA\n")]
    [InlineData("—  AAAAAAAA\n")]
    [InlineData("— a+b AAAAAAAA\n")]
    public void Bad_signature_lines_are_rejected(string line) =>
        Assert.Throws<NoteFormatException>(() => SignedNote.Parse("text\n\n" + line));

    [Fact]
    public void An_unknown_key_never_verifies_a_note()
    {
        using Ed25519NoteSigner a = Ed25519NoteSigner.Generate("a");
        using Ed25519NoteSigner b = Ed25519NoteSigner.Generate("a");
        SignedNote note = a.SignNote("hello\n");
        Assert.Throws<NoteVerificationException>(() => NoteVerification.Open(note, [b.Verifier]));
        Assert.DoesNotContain("PRIVATE", a.ToString(), StringComparison.Ordinal);
    }
}
