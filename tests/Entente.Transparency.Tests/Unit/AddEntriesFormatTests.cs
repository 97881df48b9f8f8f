using Entente.Transparency.Mirror;

namespace Entente.Transparency.Tests.Unit;

/// <summary>The tlog-mirror add-entries body and mirror-info answer, as the spec lays them out.</summary>
public sealed class AddEntriesFormatTests
{
    [Theory]
    [InlineData(0, 0, 0)]
    [InlineData(0, 1, 1)]
    [InlineData(0, 256, 1)]
    [InlineData(0, 257, 2)]
    [InlineData(255, 257, 2)]
    [InlineData(256, 512, 1)]
    [InlineData(300, 1000, 3)]
    public void The_canonical_sequence_has_one_package_per_256_aligned_block_touched(long start, long end, long packages) =>
        Assert.Equal(packages, AddEntries.PackageCount(start, end));

    [Fact]
    public void Packages_start_at_upload_start_and_prove_the_aligned_subtree()
    {
        Assert.Equal((300L, 512L, 256L), AddEntries.Package(300, 1000, 0));
        Assert.Equal((512L, 768L, 512L), AddEntries.Package(300, 1000, 1));
        Assert.Equal((768L, 1000L, 768L), AddEntries.Package(300, 1000, 2));
    }

    [Fact]
    public void A_header_and_package_round_trip_and_a_truncated_package_is_not_read()
    {
        byte[] header = AddEntries.FormatHeader("example.com/log", 2, 4, [9, 9]);
        byte[] package = AddEntries.FormatPackage([[1, 2], [3]], [Hash256.Compute([7])]);
        byte[] body = [.. header, .. package];
        Assert.True(AddEntries.TryParseHeader(body, out AddEntries.Header? parsed, out _));
        Assert.Equal(("example.com/log", 2L, 4L), (parsed!.Origin, parsed.UploadStart, parsed.UploadEnd));
        Assert.Equal(new byte[] { 9, 9 }, parsed.Ticket);
        int offset = parsed.PackagesOffset;
        Assert.True(AddEntries.TryReadPackage(body, ref offset, 2, 4, out List<byte[]> entries, out List<byte[]> proof));
        Assert.Equal(body.Length, offset);
        Assert.Equal([[1, 2], [3]], entries);
        Assert.Single(proof);
        int again = parsed.PackagesOffset;
        Assert.False(AddEntries.TryReadPackage(body.AsSpan(0, body.Length - 1), ref again, 2, 4, out _, out _));
        Assert.Equal(parsed.PackagesOffset, again);
        Assert.False(AddEntries.TryParseHeader(header.AsSpan(0, 5), out _, out string? error));
        Assert.Contains("header", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Mirror_info_is_three_lines_and_anything_else_is_refused()
    {
        string text = AddEntries.FormatMirrorInfo(1000, 512, [1, 2, 3]);
        Assert.Equal("1000\n512\nAQID\n", text);
        Assert.True(AddEntries.TryParseMirrorInfo(text, out long size, out long next, out byte[] ticket));
        Assert.Equal((1000L, 512L), (size, next));
        Assert.Equal(new byte[] { 1, 2, 3 }, ticket);
        Assert.False(AddEntries.TryParseMirrorInfo("1000\n0512\n\n", out _, out _, out _));
        Assert.False(AddEntries.TryParseMirrorInfo("1000\n512\n", out _, out _, out _));
        Assert.False(AddEntries.TryParseMirrorInfo("1000\n512\n!!\n", out _, out _, out _));
    }
}
