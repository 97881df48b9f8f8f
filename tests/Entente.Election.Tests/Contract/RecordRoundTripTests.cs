using Entente.Cryptography;
using Entente.Election.Manifest;
using Entente.Election.Record;
using Entente.Election.Tests.Properties;

namespace Entente.Election.Tests.Contract;

public class RecordRoundTripTests
{
    internal static ElectionRecord SmallRecord(int seed = 11, string? manifest = null, int ballots = 4, int challenged = 1) =>
        ElectionSimulator.Run(EndToEndTinyGroupTests.Manifest(manifest ?? EndToEndTinyGroupTests.TwoContests), Group.Tiny, 3, 2, ballots, challenged, new Random(seed), [1, 3]);

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
}
