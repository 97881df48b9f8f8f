using System.Text;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;
using Entente.Transparency.Tests.Properties;
using Entente.Transparency.Tiles;

namespace Entente.Transparency.Tests.Attacks;

/// <summary>Inputs the parser properties found (docs/threat-model.md, "Found by the parser properties"), kept as regressions.</summary>
public sealed class PropertyFoundParserTests
{
    private const string Base64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    [Theory]
    [InlineData("\r\n")]
    [InlineData(" ")]
    [InlineData("\t")]
    public void A_verifier_key_with_white_space_inside_its_base64_is_refused(string space)
    {
        foreach (string vkey in (string[])[TransparencyGen.Signers[4].VerifierKey, TransparencyGen.Signers[1].CosignerVerifierKey])
        {
            int cut = vkey.LastIndexOf('+') + 9;
            NoteFormatException e = Assert.Throws<NoteFormatException>(() => VerifierKeys.Parse(vkey[..cut] + space + vkey[cut..]));
            Assert.Contains("not canonical base64", e.Message, StringComparison.Ordinal);
            Assert.Throws<NoteFormatException>(() => VerifierKeys.ParseCosigner(vkey[..cut] + space + vkey[cut..]));
            Assert.NotNull(VerifierKeys.Parse(vkey));
        }
    }

    [Fact]
    public void A_tlog_proof_whose_extra_line_is_not_canonical_base64_is_refused()
    {
        Ed25519NoteSigner log = TransparencyGen.Signers[0];
        string checkpoint = log.SignNote(new Checkpoint("log.example/board", 1, Hash256.Compute("x"u8)).ToText()).ToString();
        string good = "c2sp.org/tlog-proof@v1\nextra AAAA\nindex 0\n\n" + checkpoint;
        Assert.Equal(good, TlogProof.Parse(good).ToString());
        foreach (string extra in (string[])["extra  AAAA", "extra AA AA", "extra AB==", "extra AAB="])
        {
            NoteFormatException e = Assert.Throws<NoteFormatException>(() => TlogProof.Parse(good.Replace("extra AAAA", extra, StringComparison.Ordinal)));
            Assert.Contains("extra line is not canonical base64", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_log_entry_whose_signature_has_non_zero_padding_bits_is_refused_though_the_note_reads()
    {
        Ed25519NoteSigner blue = TransparencyGen.Signers[1];
        byte[] signed = new LogEntry("ballot.cast", Hash256.Compute("ballot"u8), blue.Name, "b-1", "C0DE").Sign(blue);
        string text = Encoding.UTF8.GetString(signed);
        byte[] respelled = Encoding.UTF8.GetBytes(WithPaddingBitSet(text[..^1]) + "\n");

        // signed-note readers tolerate the spelling (the same signature bytes)...
        Assert.Equal(SignedNote.Parse(signed).Signatures, SignedNote.Parse(respelled).Signatures);

        // ...but the entry, our own format, has one spelling only: a captured entry cannot be re-spelled into new bytes.
        NoteFormatException e = Assert.Throws<NoteFormatException>(() => LogEntry.Parse(respelled));
        Assert.Contains("signature line 1 is not canonical base64", e.Message, StringComparison.Ordinal);
        Assert.Equal(text, LogEntry.Parse(signed).Note.ToString());
    }

    [Theory]
    [InlineData("8", "000.p/76")]
    [InlineData("16", "000.p/76")]
    [InlineData("63", "x999/x999/x999/x999/x999/999.p/255")]
    public async Task A_hash_tile_at_level_8_or_above_exists_in_no_tree(string level, string index)
    {
        Assert.True(TilePath.TryParse(level, index, out TilePath path));
        foreach (long size in (long[])[1, 76, 1000, long.MaxValue])
        {
            // The shift by 8·level wrapped modulo 64, so level 8 was read as level 0 and the store was asked for a tile it lacks.
            Assert.Null(TilePath.TileIn(path.Level, path.Index, size));
            Assert.Null(await new LogReader(new WholeTreeStore(size)).ReadTileAsync(path, size));
        }
    }

    [Fact]
    public async Task An_entry_bundle_index_above_2_to_the_55_is_no_such_bundle_not_an_overflow()
    {
        Assert.True(TilePath.TryParse("entries", "x036/x028/x797/x018/x963/968", out TilePath path));
        Assert.Equal(1L << 55, path.Index);
        foreach (long size in (long[])[1000, long.MaxValue])
        {
            Assert.Null(await new LogReader(new WholeTreeStore(size)).ReadTileAsync(path, size));
        }
    }

    [Fact]
    public void A_charter_with_a_null_party_is_refused_with_a_FormatException()
    {
        FormatException e = Assert.Throws<FormatException>(() => Charter.Parse("{\"parties\":[null]}"));
        Assert.Contains("parties[0] is null", e.Message, StringComparison.Ordinal);
    }

    /// <summary>The same base64 with the padding bits of its last group set: the same bytes spelled otherwise.</summary>
    private static string WithPaddingBitSet(string text)
    {
        int at = text.TrimEnd('=').Length - 1;
        int value = Base64Alphabet.IndexOf(text[at], StringComparison.Ordinal);
        Assert.Equal(0, value & 1);
        return text[..at] + Base64Alphabet[value | 1] + text[(at + 1)..];
    }
}
