using Entente.Cryptography;
using Entente.Election.PreEncryption;
using Entente.Election.Record;
using Entente.Election.Tests.Properties;

namespace Entente.Election.Tests.Contract;

/// <summary>Records with pre-encrypted ballots (docs/record-format.md revision 4): written, read, rewritten, self-checked.</summary>
public class PreEncryptedRecordTests
{
    internal static ElectionRecord MixedRecord(int seed = 19) =>
        ElectionSimulator.Run(EndToEndTinyGroupTests.Manifest(EndToEndTinyGroupTests.TwoContests), Group.Tiny, 3, 2, ballots: 4, challenged: 2, new Random(seed), [1, 3], preEncrypted: 4);

    [Fact]
    public async Task A_record_mixing_device_and_pre_encrypted_ballots_round_trips_byte_for_byte_and_checks()
    {
        using TestFiles.TempFolder folder = new();
        ElectionRecord record = MixedRecord();
        Assert.Equal(2, record.Uncast.Count);
        Assert.Equal(2, record.Ballots.Count(b => b.PreEncryption is not null));
        Assert.Empty(RecordSelfCheck.Check(record));
        string dir = folder.File("record");
        await RecordStore.WriteAsync(record, dir);
        ElectionRecord read = await RecordStore.ReadAsync(dir);
        Dictionary<string, byte[]> first = RecordStore.Serialize(record);
        Dictionary<string, byte[]> second = RecordStore.Serialize(read);
        Assert.Equal(2, first.Keys.Count(k => k.StartsWith("uncast/", StringComparison.Ordinal)));
        Assert.Equal(first.Keys.Order(), second.Keys.Order());
        foreach ((string path, byte[] bytes) in first)
        {
            Assert.Equal(bytes, second[path]);
        }

        Assert.Empty(RecordSelfCheck.Check(read));
        Assert.Equal(2, read.Ballots.Count(b => b.PreEncryption is not null));
    }

    [Fact]
    public async Task A_streamed_simulation_with_pre_encrypted_ballots_writes_a_record_that_reads_and_checks()
    {
        using TestFiles.TempFolder folder = new();
        string dir = folder.File("streamed");
        SimulationSummary summary = await ElectionSimulator.RunToDirectoryAsync(
            EndToEndTinyGroupTests.Manifest(EndToEndTinyGroupTests.TwoContests), Group.Tiny, 3, 2, 3, challenged: 1, new Random(7), dir, [1, 2], preEncrypted: 3);
        Assert.Empty(summary.SelfCheckFailures);
        Assert.Equal(1, summary.PreEncryptedUncast);
        Assert.Equal(2, summary.PreEncryptedCast);
        ElectionRecord read = await RecordStore.ReadAsync(dir);
        Assert.Single(read.Uncast);
        Assert.Empty(RecordSelfCheck.Check(read));
    }

    [Fact]
    public void An_uncast_file_with_a_label_that_is_not_the_manifests_is_refused()
    {
        ElectionRecord record = MixedRecord(23);
        UncastBallot uncast = record.Uncast[0];
        byte[] bytes = PreEncryptionFormat.WriteUncast(uncast, record.Context.Parameters.Manifest);
        string text = System.Text.Encoding.UTF8.GetString(bytes);
        byte[] relabelled = System.Text.Encoding.UTF8.GetBytes(text.Replace("\"label\":\"Mayor\"", "\"label\":\"Dog catcher\"", StringComparison.Ordinal));
        Assert.NotEqual(bytes, relabelled);
        Assert.Throws<ElectionFormatException>(() => PreEncryptionFormat.ReadUncast("uncast/x.json", relabelled, record.Context));
        Assert.Equal(uncast.ConfirmationCode, PreEncryptionFormat.ReadUncast("uncast/x.json", bytes, record.Context).ConfirmationCode);
    }
}
