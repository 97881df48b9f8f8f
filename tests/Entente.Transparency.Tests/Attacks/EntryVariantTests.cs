using System.Text;
using Entente.Transparency.Log;
using Entente.Transparency.Merkle;
using Entente.Transparency.Notes;
using Entente.Transparency.Tiles;

namespace Entente.Transparency.Tests.Attacks;

/// <summary>
/// Variants of a signed entry (other, repeated, foreign or non-canonical signature lines) are the same entry, or refused;
/// tile paths no 64-bit tree can hold are in no tree (issue #14, items 1 and 5).
/// </summary>
public sealed class EntryVariantTests
{
    private static readonly Ed25519NoteSigner Blue = Ed25519NoteSigner.Generate("blue.example");
    private static readonly Ed25519NoteSigner Red = Ed25519NoteSigner.Generate("red.example");
    private static readonly Charter TwoParties = Charter.Parse($$"""
        { "parties": [ { "name": "blue.example", "key": "{{Blue.VerifierKey}}", "roles": ["submitter"] },
                       { "name": "red.example", "key": "{{Red.VerifierKey}}", "roles": ["party"] } ] }
        """);

    private static readonly LogEntry Report = new("incident.report", Hash256.Compute([1]), "blue.example");

    private static byte[] With(byte[] entry, params string[] lines) => [.. entry, .. Encoding.UTF8.GetBytes(string.Concat(lines.Select(l => l + "\n")))];

    private static string Line(Ed25519NoteSigner key) => key.SignNote(Report.ToText()).ToString().TrimEnd('\n').Split('\n')[^1];

    /// <summary>What is wrong with an entry's signature lines: the parser refuses a non-canonical line outright, the charter check the rest.</summary>
    private static string? Problem(byte[] bytes)
    {
        try
        {
            return LogEntry.SignatureLinesProblem(bytes, LogEntry.Parse(bytes).Note, TwoParties);
        }
        catch (NoteFormatException e)
        {
            return e.Message;
        }
    }

    [Fact]
    public void Every_variant_of_a_signed_entry_has_the_identity_of_its_text_and_other_bytes_have_their_leaf_hash()
    {
        byte[] entry = Report.Sign(Blue);
        Hash256 identity = EntryIdentity.Of(entry);
        Assert.Equal(Hash256.Compute(Encoding.UTF8.GetBytes(Report.ToText())), identity);
        foreach (byte[] variant in new[] { With(entry, Line(Red)), With(entry, Line(Blue)), With(entry, "\u2014 x " + Convert.ToBase64String(new byte[68])) })
        {
            Assert.Equal(identity, EntryIdentity.Of(variant));
        }

        byte[] text = Encoding.UTF8.GetBytes(Report.ToText());
        Assert.Equal(Rfc6962.LeafHash(text), EntryIdentity.Of(text));
        Assert.NotEqual(identity, EntryIdentity.Of(text));
        Assert.NotEqual(identity, EntryIdentity.Of(new LogEntry("incident.report", Hash256.Compute([2]), "blue.example").Sign(Blue)));
    }

    [Fact]
    public void Only_distinct_valid_canonical_signature_lines_of_charter_members_pass()
    {
        byte[] entry = Report.Sign(Blue);
        Assert.Null(Problem(entry));
        Assert.Null(Problem(With(entry, Line(Red))));

        using Ed25519NoteSigner stranger = Ed25519NoteSigner.Generate("green.example");
        using Ed25519NoteSigner fakeRed = Ed25519NoteSigner.Generate("red.example");
        string blueLine = Line(Blue);
        const string Digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        string nonCanonical = blueLine[..^2] + Digits[Digits.IndexOf(blueLine[^2], StringComparison.Ordinal) ^ 1] + "=";
        (byte[] Bytes, string Expected)[] refused =
        [
            (With(entry, Line(stranger)), "not a member of the charter"),
            (With(entry, "\u2014 x " + Convert.ToBase64String(new byte[68])), "not a member of the charter"),
            (With(entry, Line(fakeRed)), "not a valid signature"),
            (With(entry, blueLine), "repeats signature line 1"),
            (With(entry, Line(Red), Line(Red)), "repeats signature line 2"),
            (Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(entry).Replace(blueLine, nonCanonical, StringComparison.Ordinal)), "signature line 1"),
        ];
        foreach ((byte[] bytes, string expected) in refused)
        {
            string? problem = Problem(bytes);
            Assert.NotNull(problem);
            Assert.Contains(expected, problem, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_reader_counts_each_identity_once_and_names_the_first()
    {
        byte[] entry = Report.Sign(Blue);
        DistinctEntries distinct = new();
        Assert.Null(distinct.FirstIndexOf(0, entry));
        Assert.Null(distinct.FirstIndexOf(1, new LogEntry("incident.report", Hash256.Compute([2]), "blue.example").Sign(Blue)));
        Assert.Equal(0, distinct.FirstIndexOf(2, With(entry, Line(Red))));
        Assert.Equal(0, distinct.FirstIndexOf(3, entry));
        Assert.Equal(2, distinct.Repeats);
    }

    [Theory]
    [InlineData(8, 0, 76)]
    [InlineData(16, 0, 76)]
    [InlineData(63, 0, 256)]
    [InlineData(7, 999_999_999_999_999_999, 256)]
    [InlineData(TilePath.EntriesLevel, 36_028_797_018_963_968, 256)]
    [InlineData(TilePath.EntriesLevel, 36_028_797_018_963_968, 5)]
    [InlineData(TilePath.EntriesLevel, 999_999_999_999_999_999, 1)]
    public void Tile_paths_that_no_64_bit_tree_holds_are_in_no_tree_without_overflow(int level, long index, int width)
    {
        TilePath path = new(level, index, width);
        Assert.False(path.IsIn(long.MaxValue));
        Assert.False(path.IsIn(1000));
        Assert.True(TilePath.TryParse(level == TilePath.EntriesLevel ? "entries" : level.ToString(System.Globalization.CultureInfo.InvariantCulture),
            TilePath.FormatIndex(index) + (width < 256 ? $".p/{width}" : ""), out TilePath parsed));
        Assert.Equal(path, parsed);
    }

    [Fact]
    public void Tile_paths_of_a_tree_are_in_it_and_only_up_to_their_width()
    {
        Assert.True(new TilePath(0, 0, 256).IsIn(300));
        Assert.True(new TilePath(0, 1, 44).IsIn(300));
        Assert.False(new TilePath(0, 1, 45).IsIn(300));
        Assert.True(new TilePath(1, 0, 1).IsIn(300));
        Assert.False(new TilePath(2, 0, 1).IsIn(300));
        Assert.True(new TilePath(TilePath.EntriesLevel, 1, 44).IsIn(300));
        Assert.False(new TilePath(TilePath.EntriesLevel, 1, 256).IsIn(300));
        Assert.True(new TilePath(7, 0, 127).IsIn(long.MaxValue));
        Assert.True(new TilePath(TilePath.EntriesLevel, (long.MaxValue / 256) - 1, 256).IsIn(long.MaxValue));
        Assert.False(new TilePath(0, 0, 1).IsIn(0));
    }
}
