using System.Security.Cryptography;
using System.Text;
using Entente.Election.Record;
using Entente.Election.Tests.Contract;

namespace Entente.Election.Tests.Attacks;

public class RecordTamperingTests
{
    private static async Task<string> WrittenRecord(TestFiles.TempFolder folder)
    {
        string dir = folder.File("record");
        await RecordStore.WriteAsync(RecordRoundTripTests.SmallRecord(), dir);
        return dir;
    }

    /// <summary>Rewrites one file and its digest in record.json, so only the content checks can catch it.</summary>
    private static void Replace(string dir, string relative, byte[] bytes)
    {
        string path = Path.Combine(dir, relative);
        string oldDigest = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
        File.WriteAllBytes(path, bytes);
        string index = File.ReadAllText(Path.Combine(dir, "record.json"));
        File.WriteAllText(Path.Combine(dir, "record.json"), index.Replace(oldDigest, Convert.ToHexString(SHA256.HashData(bytes)), StringComparison.Ordinal));
    }

    private static string FirstBallot(string dir) => "ballots/" + Path.GetFileName(Directory.GetFiles(Path.Combine(dir, "ballots"))[0]);

    [Fact]
    public async Task A_changed_file_is_refused_by_its_digest()
    {
        using TestFiles.TempFolder folder = new();
        string dir = await WrittenRecord(folder);
        string ballot = Path.Combine(dir, FirstBallot(dir));
        byte[] bytes = File.ReadAllBytes(ballot);
        bytes[^5] ^= 1;
        File.WriteAllBytes(ballot, bytes);
        ElectionFormatException ex = await Assert.ThrowsAsync<ElectionFormatException>(() => RecordStore.ReadAsync(dir));
        Assert.Equal(ballot, ex.File);
        Assert.Contains("SHA-256", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_truncated_ballot_is_refused_naming_the_file()
    {
        using TestFiles.TempFolder folder = new();
        string dir = await WrittenRecord(folder);
        string relative = FirstBallot(dir);
        byte[] bytes = File.ReadAllBytes(Path.Combine(dir, relative));
        Replace(dir, relative, bytes[..(bytes.Length / 2)]);
        ElectionFormatException ex = await Assert.ThrowsAsync<ElectionFormatException>(() => RecordStore.ReadAsync(dir));
        Assert.Equal(Path.Combine(dir, relative), ex.File);
        Assert.Contains("not valid JSON", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_value_out_of_the_group_is_refused_naming_object_and_field()
    {
        using TestFiles.TempFolder folder = new();
        string dir = await WrittenRecord(folder);
        string relative = FirstBallot(dir);
        string text = File.ReadAllText(Path.Combine(dir, relative));
        int at = text.IndexOf("\"alpha\":\"", StringComparison.Ordinal) + 9;
        string tampered = text[..at] + new string('F', 8) + text[(at + 8)..]; // ≥ p for the 32-bit group
        Replace(dir, relative, Encoding.UTF8.GetBytes(tampered));
        ElectionFormatException ex = await Assert.ThrowsAsync<ElectionFormatException>(() => RecordStore.ReadAsync(dir));
        Assert.Equal("$.contests[0].selections[0].alpha", ex.Location);
        Assert.Contains("order-q subgroup", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Non_canonical_json_is_refused()
    {
        using TestFiles.TempFolder folder = new();
        string dir = await WrittenRecord(folder);
        byte[] bytes = File.ReadAllBytes(Path.Combine(dir, "election.json"));
        Replace(dir, "election.json", [.. bytes[..1], (byte)' ', .. bytes[1..]]);
        ElectionFormatException ex = await Assert.ThrowsAsync<ElectionFormatException>(() => RecordStore.ReadAsync(dir));
        Assert.Contains("canonical", ex.Problem, StringComparison.Ordinal);
        string lower = Encoding.UTF8.GetString(bytes).Replace("\"h_e\":\"", "\"h_e\":\"a", StringComparison.Ordinal);
        Replace(dir, "election.json", Encoding.UTF8.GetBytes(lower.Remove(lower.IndexOf("\"h_e\":\"a", StringComparison.Ordinal) + 8, 1)));
        ex = await Assert.ThrowsAsync<ElectionFormatException>(() => RecordStore.ReadAsync(dir));
        Assert.Equal("$.h_e", ex.Location);
    }

    [Fact]
    public async Task Files_of_another_election_are_refused()
    {
        using TestFiles.TempFolder folder = new();
        string dir = await WrittenRecord(folder);
        string other = folder.File("other");
        await RecordStore.WriteAsync(RecordRoundTripTests.SmallRecord(12), other);
        Replace(dir, "election.json", File.ReadAllBytes(Path.Combine(other, "election.json")));
        ElectionFormatException ex = await Assert.ThrowsAsync<ElectionFormatException>(() => RecordStore.ReadAsync(dir));
        Assert.EndsWith("election.json", ex.File, StringComparison.Ordinal);
        Assert.Equal("$.k_vote", ex.Location);
    }

    [Fact]
    public async Task An_unlisted_file_and_an_unknown_member_are_refused()
    {
        using TestFiles.TempFolder folder = new();
        string dir = await WrittenRecord(folder);
        File.WriteAllText(Path.Combine(dir, "ballots", "extra.json"), "{}");
        ElectionFormatException ex = await Assert.ThrowsAsync<ElectionFormatException>(() => RecordStore.ReadAsync(dir));
        Assert.Contains("not listed", ex.Problem, StringComparison.Ordinal);
        File.Delete(Path.Combine(dir, "ballots", "extra.json"));
        string text = File.ReadAllText(Path.Combine(dir, "election.json"));
        Replace(dir, "election.json", Encoding.UTF8.GetBytes(text[..^1] + ",\"x\":1}"));
        ex = await Assert.ThrowsAsync<ElectionFormatException>(() => RecordStore.ReadAsync(dir));
        Assert.Contains("unknown member \"x\"", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tampered_tally_value_fails_the_self_check()
    {
        using TestFiles.TempFolder folder = new();
        string dir = await WrittenRecord(folder);
        string text = File.ReadAllText(Path.Combine(dir, "tally/tally.json"));
        int at = text.IndexOf("\"value\":", StringComparison.Ordinal) + 8;
        int end = text.IndexOf(',', at);
        long value = long.Parse(text[at..end], System.Globalization.CultureInfo.InvariantCulture);
        Replace(dir, "tally/tally.json", Encoding.UTF8.GetBytes(text[..at] + (value + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) + text[end..]));
        ElectionRecord read = await RecordStore.ReadAsync(dir);
        Assert.Contains(RecordSelfCheck.Check(read), f => f.StartsWith("V10 contest 1 option 1", StringComparison.Ordinal));
    }
}
