using Entente.Cryptography;
using Entente.Election.Encryption;
using Entente.Election.Manifest;
using Entente.Election.Record;
using Entente.Election.Tests.Properties;

namespace Entente.Election.Tests.Contract;

public class StreamedRecordTests
{
    [Fact]
    public async Task A_streamed_simulation_over_several_batches_writes_a_record_that_reads_back_checks_and_counts_every_ballot()
    {
        string manifestJson = EndToEndTinyGroupTests.TwoContests.Replace("\"label\":\"Tiny\",", "\"label\":\"Tiny\",\"chaining_mode\":\"simple\",\"max_ballot_weight\":2,", StringComparison.Ordinal);
        ElectionManifest manifest = EndToEndTinyGroupTests.Manifest(manifestJson);
        using TestFiles.TempFolder folder = new();
        string dir = folder.File("record");
        int ballots = ElectionSimulator.StreamBatch + 7;
        SimulationSummary summary = await ElectionSimulator.RunToDirectoryAsync(manifest, Group.Tiny, 3, 2, ballots, challenged: 3, new Random(2024), dir, [2, 3]);

        Assert.Empty(summary.SelfCheckFailures);
        Assert.Equal(ballots - 3, summary.BallotsCast);
        Assert.Equal(3, summary.BallotsChallenged);
        ElectionRecord read = await RecordStore.ReadAsync(dir);
        Assert.Equal(ballots, read.Ballots.Count);
        Assert.Equal(3, read.Challenged.Count);
        Assert.Equal(ballots, read.Devices.Single().Ballots.Count);
        Assert.Empty(RecordSelfCheck.Check(read));
        Assert.Equal([2, 3], read.Tally.Guardians);
        Assert.Equal(
            summary.Tally.Contests.SelectMany(c => c.Options).Select(o => o.Value),
            read.Tally.Contests.SelectMany(c => c.Options).Select(o => o.Value));

        // The streamed files are the canonical bytes the in-memory writer would produce for the same record.
        foreach ((string path, byte[] bytes) in RecordStore.Serialize(read))
        {
            Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(dir, path)));
        }

        Assert.Empty(Directory.GetDirectories(folder.Path, "record.partial-*"));
    }

    [Fact]
    public async Task A_streamed_simulation_decrypts_the_contest_data_of_the_first_N_cast_ballots_that_have_it()
    {
        ElectionManifest manifest = EndToEndTinyGroupTests.Manifest(EndToEndTinyGroupTests.TwoContests);
        using TestFiles.TempFolder folder = new();
        string dir = folder.File("record");
        SimulationSummary summary = await ElectionSimulator.RunToDirectoryAsync(manifest, Group.Tiny, 3, 2, 12, challenged: 3, new Random(78), dir, [1, 2], decryptContestData: 3);

        Assert.Empty(summary.SelfCheckFailures);
        ElectionRecord read = await RecordStore.ReadAsync(dir);
        Assert.Equal(3, read.ContestData.Count);
        Assert.Equal(3, summary.ContestDataDecrypted);
        Assert.Empty(RecordSelfCheck.Check(read));
        Assert.Equal(
            read.Ballots.Where(b => b.State == BallotState.Cast && b.Contests.Any(c => c.ContestData is not null)).Take(3).Select(b => b.Id.ToString()).Order(StringComparer.Ordinal),
            read.ContestData.Select(d => d.BallotId.ToString()).Order(StringComparer.Ordinal));
        Assert.All(read.ContestData, d => Assert.Equal([1, 2], d.Guardians));
        foreach ((string path, byte[] bytes) in RecordStore.Serialize(read))
        {
            Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(dir, path)));
        }
    }

    [Fact]
    public async Task A_streamed_simulation_refuses_a_non_empty_folder_and_an_unknown_guardian_before_writing_anything()
    {
        ElectionManifest manifest = EndToEndTinyGroupTests.Manifest(EndToEndTinyGroupTests.TwoContests);
        using TestFiles.TempFolder folder = new();
        string dir = folder.File("record");
        Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, "keep.txt"), "x");
        ElectionFormatException notEmpty = await Assert.ThrowsAsync<ElectionFormatException>(() =>
            ElectionSimulator.RunToDirectoryAsync(manifest, Group.Tiny, 3, 2, 2, 0, new Random(1), dir));
        Assert.Contains("not empty", notEmpty.Message, StringComparison.Ordinal);

        string other = folder.File("other");
        ElectionFormatException unknown = await Assert.ThrowsAsync<ElectionFormatException>(() =>
            ElectionSimulator.RunToDirectoryAsync(manifest, Group.Tiny, 3, 2, 2, 0, new Random(1), other, [1, 4]));
        Assert.Contains("guardian 4", unknown.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(other));
        Assert.Equal(["keep.txt"], Directory.GetFiles(dir).Select(Path.GetFileName));
        Assert.Empty(Directory.GetDirectories(folder.Path, "*.partial-*"));
    }

    [Fact]
    public void The_running_aggregate_equals_the_aggregate_of_the_whole_list()
    {
        ElectionRecord record = RecordRoundTripTests.SmallRecord(seed: 31, ballots: 6, challenged: 2);
        Tally.EncryptedTally.Accumulator accumulator = new(record.Context);
        foreach (EncryptedBallot ballot in record.Ballots)
        {
            accumulator.Add(ballot);
        }

        Tally.EncryptedTally running = accumulator.Result();
        Assert.Equal(record.EncryptedTally.Ballots, running.Ballots);
        Assert.True(record.EncryptedTally.SameBallots(running));
        Assert.Equal(record.EncryptedTally.TotalWeight, running.TotalWeight);
        Assert.Equal(
            record.EncryptedTally.Contests.SelectMany(c => c.Options).Select(o => o.Ciphertext),
            running.Contests.SelectMany(c => c.Options).Select(o => o.Ciphertext));
        Assert.Throws<ElectionFormatException>(() => accumulator.Add(record.Ballots[0]));
    }

    [Fact]
    public void Disposing_guardian_secrets_erases_them_and_a_decryption_guardian_then_refuses_to_work()
    {
        ElectionManifest manifest = EndToEndTinyGroupTests.Manifest(EndToEndTinyGroupTests.TwoContests);
        Parameters.ElectionParameters parameters = Parameters.ElectionParameters.Create(Group.Tiny, manifest, 3, 2);
        (KeyCeremony.ElectionContext context, KeyCeremony.GuardianSecrets[] secrets) = ElectionSimulator.RunKeyCeremony(parameters);
        KeyCeremony.GuardianSecrets first = secrets[0];
        Cryptography.ElementModQ share = first.VoteShare!;
        Cryptography.ElementModQ coefficient = first.VoteCoefficients[0];
        Decryption.DecryptionGuardian guardian = new(context, first);
        Assert.False(share.IsZero);
        foreach (KeyCeremony.GuardianSecrets secret in secrets)
        {
            secret.Dispose();
        }

        Assert.True(first.IsDisposed);
        Assert.True(share.IsZero);
        Assert.True(coefficient.IsZero);
        Assert.Null(first.VoteShare);
        Assert.Throws<ObjectDisposedException>(() => guardian.DecryptDataShare(context.Group.Generator));
        first.Dispose(); // twice is harmless
    }
}
