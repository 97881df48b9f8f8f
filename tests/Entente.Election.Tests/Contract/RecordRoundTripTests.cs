using Entente.Cryptography;
using Entente.Election.Manifest;
using Entente.Election.Record;
using Entente.Election.Tests.Properties;

namespace Entente.Election.Tests.Contract;

public class RecordRoundTripTests
{
    internal static ElectionRecord SmallRecord(int seed = 11, string? manifest = null, int ballots = 4, int challenged = 1, int decryptContestData = 0) =>
        ElectionSimulator.Run(EndToEndTinyGroupTests.Manifest(manifest ?? EndToEndTinyGroupTests.TwoContests), Group.Tiny, 3, 2, ballots, challenged, new Random(seed), [1, 3], decryptContestData: decryptContestData);

    [Fact]
    public async Task Writing_reading_and_writing_again_gives_identical_bytes()
    {
        using TestFiles.TempFolder folder = new();
        ElectionRecord record = SmallRecord();
        string dir = folder.File("record");
        await RecordStore.WriteAsync(record, dir);
        ElectionRecord read = await RecordStore.ReadAsync(dir);
        Dictionary<string, byte[]> first = RecordStore.Serialize(record);
        Dictionary<string, byte[]> second = RecordStore.Serialize(read);
        Assert.Contains(PartialDecryptionsFile.Path, first.Keys); // every guardian's part of the tally's decryption (§4.12)
        Assert.Equal(first.Keys.Order(), second.Keys.Order());
        foreach ((string path, byte[] bytes) in first)
        {
            Assert.Equal(bytes, second[path]);
            Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(dir, path)));
        }

        Assert.Empty(RecordSelfCheck.Check(read));
        Assert.Equal(record.Tally.Contests.SelectMany(c => c.Options).Select(o => o.Value), read.Tally.Contests.SelectMany(c => c.Options).Select(o => o.Value));
    }

    [Fact]
    public async Task A_record_with_simple_chaining_and_weights_round_trips_and_checks()
    {
        string manifest = EndToEndTinyGroupTests.TwoContests.Replace("\"label\":\"Tiny\",", "\"label\":\"Tiny\",\"chaining_mode\":\"simple\",\"max_ballot_weight\":3,", StringComparison.Ordinal);
        using TestFiles.TempFolder folder = new();
        ElectionRecord record = SmallRecord(5, manifest, ballots: 5, challenged: 2);
        Assert.Equal(ChainingMode.Simple, record.Devices[0].ChainingMode);
        Assert.NotNull(record.Devices[0].ClosingHash);
        await RecordStore.WriteAsync(record, folder.File("r"));
        ElectionRecord read = await RecordStore.ReadAsync(folder.File("r"));
        Assert.Empty(RecordSelfCheck.Check(read));
        Assert.Equal(record.Devices[0].ClosingHash, read.Devices[0].ClosingHash);
    }

    [Fact]
    public async Task Writing_into_a_non_empty_folder_is_refused_and_leaves_it_untouched()
    {
        using TestFiles.TempFolder folder = new();
        File.WriteAllText(folder.File("keep.txt"), "x");
        await Assert.ThrowsAsync<ElectionFormatException>(() => RecordStore.WriteAsync(SmallRecord(), folder.Path));
        Assert.Equal(["keep.txt"], Directory.GetFileSystemEntries(folder.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_record_with_decrypted_contest_data_round_trips_byte_for_byte_and_passes_V12()
    {
        using TestFiles.TempFolder folder = new();
        ElectionRecord record = SmallRecord(21, ballots: 8, challenged: 2, decryptContestData: 2);
        Assert.Equal(2, record.ContestData.Count);
        string dir = folder.File("record");
        await RecordStore.WriteAsync(record, dir);
        ElectionRecord read = await RecordStore.ReadAsync(dir);

        Dictionary<string, byte[]> first = RecordStore.Serialize(record);
        Dictionary<string, byte[]> second = RecordStore.Serialize(read);
        Assert.Equal(first.Keys.Order(), second.Keys.Order());
        Assert.Equal(2, first.Keys.Count(k => k.StartsWith("contest_data/", StringComparison.Ordinal)));
        foreach ((string path, byte[] bytes) in first)
        {
            Assert.Equal(bytes, second[path]);
            Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(dir, path)));
        }

        Assert.Empty(RecordSelfCheck.Check(read));
        foreach (Decryption.DecryptedBallotContestData decrypted in read.ContestData)
        {
            Assert.Equal(Encryption.BallotState.Cast, read.Ballots.Single(b => b.Id.Equals(decrypted.BallotId)).State);
            Assert.Equal([1, 3], decrypted.Guardians);
            Decryption.DecryptedContestData contest = Assert.Single(decrypted.Contests);
            Assert.Equal(2, contest.ContestIndex);
            Assert.Equal(32, contest.Data.Length);
            Assert.StartsWith("write-in ", Decryption.ContestDataDecryption.TextOf(contest.Data), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_self_check_finds_a_wrong_decrypted_byte()
    {
        ElectionRecord record = SmallRecord(21, ballots: 8, challenged: 2, decryptContestData: 1);
        Decryption.DecryptedBallotContestData decrypted = Assert.Single(record.ContestData);
        Decryption.DecryptedContestData contest = decrypted.Contests[0];
        byte[] data = [.. contest.Data];
        data[0] ^= 1;
        ElectionRecord tampered = record with { ContestData = [decrypted with { Contests = [contest with { Data = data }] }] };

        string failure = Assert.Single(RecordSelfCheck.Check(tampered));
        Assert.StartsWith($"V12 ballot {decrypted.BallotId} contest 2", failure, StringComparison.Ordinal);
        await Task.CompletedTask;
    }

    [Fact]
    public void Contest_data_is_decrypted_only_for_cast_ballots_and_only_where_the_manifest_has_it()
    {
        const string noData = """{"label":"No data","contests":[{"label":"Q","contest_options":[{"label":"Y"},{"label":"N"}]}],"ballot_styles":[{"label":"s","contests":[1]}]}""";
        ElectionFormatException error = Assert.Throws<ElectionFormatException>(() => SmallRecord(1, noData, decryptContestData: 1));
        Assert.Contains("contest_data_blocks", error.Message, StringComparison.Ordinal);
        Assert.Throws<ElectionFormatException>(() => SmallRecord(1, decryptContestData: -1));

        ElectionRecord record = SmallRecord(21, ballots: 6, challenged: 6);
        Assert.Empty(record.ContestData);
        Assert.Throws<ElectionFormatException>(() => Decryption.ContestDataDecryption.DecryptBallot(record.Context, record.Ballots[0], null, []));
    }

    [Theory]
    [InlineData("7772697465000000", "wri" + "te")]
    [InlineData("0000000000000000", null)]
    [InlineData("4100410000000000", null)]
    [InlineData("FF00000000000000", null)]
    [InlineData("C3A9000000000000", "\u00E9")]
    public void The_text_of_contest_data_is_utf8_up_to_the_zero_padding(string hex, string? text)
    {
        string? expected = text is null ? null : System.Text.RegularExpressions.Regex.Unescape(text);
        Assert.Equal(expected, Decryption.ContestDataDecryption.TextOf(Convert.FromHexString(hex)));
    }
}
