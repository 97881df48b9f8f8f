using System.Text;
using Entente.Cryptography;
using Entente.Election.Decryption;
using Entente.Election.Encryption;
using Entente.Election.Board;
using Entente.Election.KeyCeremony;
using Entente.Election.Parameters;
using Entente.Election.Record;
using Entente.Election.Tally;
using Entente.Election.Tests.Properties;

namespace Entente.Election.Tests.Contract;

/// <summary>The whole election as separate guardian steps exchanging files (what the CLI verbs do).</summary>
public class FileCeremonyEndToEndTests
{
    private const string Ballots = """
        {"ballots":[
          {"style":"all","selections":{"Mayor":{"B":1},"Council":{"D":1,"F":1}},"contest_data":{"Council":"Ada Lovelace"}},
          {"style":"all","selections":{"Mayor":{"B":1},"Council":{"E":2}}},
          {"style":"mayor only","selections":{"Mayor":{"C":1}}},
          {"style":"all","selections":{"Mayor":{"A":1},"Council":{"D":1}},"contest_data":{"Council":"write-in"},"challenge":true}
        ]}
        """;

    internal static GuardianSecretAccess Secret(TestFiles.TempFolder temp, int i) => new(temp.File($"g{i}.secret.json"), null, true);

    /// <summary>Guardians 1..3 (quorum 2) run the key ceremony step by step in one folder; every share is accepted.</summary>
    internal static async Task<FolderElectionBoard> KeyCeremonyAsync(TestFiles.TempFolder temp)
    {
        FolderElectionBoard folder = new(temp.File("ceremony"));
        await KeyCeremonySteps.InitializeAsync(folder, ElectionParameters.Create(Group.Tiny, EndToEndTinyGroupTests.Manifest(EndToEndTinyGroupTests.TwoContests), 3, 2));
        for (int i = 1; i <= 3; i++)
        {
            await KeyCeremonySteps.KeygenAsync(folder, i, $"G{i}", Secret(temp, i));
        }

        for (int i = 1; i <= 3; i++)
        {
            await KeyCeremonySteps.ShareAsync(folder, i, Secret(temp, i));
        }

        for (int i = 1; i <= 3; i++)
        {
            Assert.Empty(await KeyCeremonySteps.ReceiveAsync(folder, i, Secret(temp, i)));
        }

        for (int i = 1; i <= 3; i++)
        {
            await KeyCeremonySteps.ApproveAsync(folder, i, Secret(temp, i));
        }

        return folder;
    }

    [Fact]
    public async Task Guardians_in_separate_steps_produce_a_record_that_reads_back_and_checks()
    {
        using TestFiles.TempFolder temp = new();
        FolderElectionBoard folder = await KeyCeremonyAsync(temp);

        ElectionContext context = await folder.LoadContextAsync();
        IReadOnlyList<PlaintextBallotEntry> entries = PlaintextBallotReader.Parse("ballots.json", Encoding.UTF8.GetBytes(Ballots), context.Parameters.Manifest);
        await EncryptionSteps.EncryptAsync(folder, entries, "booth-1", "Booth 1, Town Hall", TimeProvider.System);
        await TallySteps.TallyAsync(folder);
        int[] u = [2, 3];
        foreach (int i in u)
        {
            await DecryptionExchange.CommitAsync(folder, i, u, Secret(temp, i));
        }

        await Assert.ThrowsAsync<ElectionFormatException>(() => DecryptionExchange.RespondAsync(folder, 2, Secret(temp, 2)));
        foreach (int i in u)
        {
            await DecryptionExchange.RevealAsync(folder, i, Secret(temp, i));
        }

        foreach (int i in u)
        {
            await DecryptionExchange.RespondAsync(folder, i, Secret(temp, i));
        }

        // A nonce answers once: the session is gone, and responding again publishes nothing new.
        Assert.False(File.Exists(Secret(temp, 2).SecretPath + ".decryption-session"));
        Assert.Equal(PublicationState.AlreadyPublished, (await DecryptionExchange.RespondAsync(folder, 2, Secret(temp, 2))).State);
        await DecryptionExchange.CombineAsync(folder, temp.File("record"));
        ElectionRecord record = await RecordStore.ReadAsync(temp.File("record"));
        Assert.Empty(RecordSelfCheck.Check(record));
        Assert.Equal(new long[] { 0, 2, 1 }, record.Tally.Contests[0].Options.Select(o => o.Value));
        Assert.Equal(new long[] { 1, 2, 1 }, record.Tally.Contests[1].Options.Select(o => o.Value));
        Assert.All(record.Tally.Contests.SelectMany(c => c.Options), o => Assert.Equal(u, o.Shares.Select(s => s.GuardianIndex)));
        OpenedBallot opened = Assert.Single(record.Challenged);
        Assert.Equal(new[] { 1, 0, 0 }, opened.Contests[0].Selections.Select(s => s.Value));
        Assert.StartsWith("write-in", Encoding.UTF8.GetString(opened.Contests[1].ContestData!.Data), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_request_names_cast_ballots_whose_write_ins_the_guardians_decrypt_with_the_tally_in_separate_steps()
    {
        using TestFiles.TempFolder temp = new();
        FolderElectionBoard folder = await KeyCeremonyAsync(temp);

        ElectionContext context = await folder.LoadContextAsync();
        IReadOnlyList<PlaintextBallotEntry> entries = PlaintextBallotReader.Parse("ballots.json", Encoding.UTF8.GetBytes(Ballots), context.Parameters.Manifest);
        await EncryptionSteps.EncryptAsync(folder, entries, "booth-1", "Booth 1, Town Hall", TimeProvider.System);
        await TallySteps.TallyAsync(folder);
        (IReadOnlyList<DeviceRecord> devices, IReadOnlyList<EncryptedBallot> ballots) = await folder.LoadBallotsAsync(context);
        EncryptedBallot ada = ballots.Single(b => b.Id.Equals(devices.Single().Ballots[0])); // the first ballot encrypted (ballots are listed by id)
        EncryptedBallot challenged = ballots.Single(b => b.State == BallotState.Challenged);

        // A challenged ballot, an unknown ballot and a contest without data are refused before anything is written.
        await Assert.ThrowsAsync<ElectionFormatException>(() => DecryptionExchange.RequestContestDataAsync(folder, [(challenged.Id, null)]));
        await Assert.ThrowsAsync<ElectionFormatException>(() => DecryptionExchange.RequestContestDataAsync(folder, [(Hash256.Decode(new byte[32], "id"), null)]));
        await Assert.ThrowsAsync<ElectionFormatException>(() => DecryptionExchange.RequestContestDataAsync(folder, [(ada.Id, 1)]));
        Assert.False(File.Exists(folder.Describe(ElectionDocument.ContestDataRequest)));
        Assert.Equal(1, (await DecryptionExchange.RequestContestDataAsync(folder, [(ada.Id, null)])).Contests);

        int[] u = [1, 3];
        foreach (int i in u)
        {
            await DecryptionExchange.CommitAsync(folder, i, u, Secret(temp, i));
        }

        // Once a guardian committed, the request cannot change.
        await Assert.ThrowsAsync<ElectionFormatException>(() => DecryptionExchange.RequestContestDataAsync(folder, [(ada.Id, 2)]));
        foreach (int i in u)
        {
            await DecryptionExchange.RevealAsync(folder, i, Secret(temp, i));
        }

        foreach (int i in u)
        {
            await DecryptionExchange.RespondAsync(folder, i, Secret(temp, i));
        }

        await DecryptionExchange.CombineAsync(folder, temp.File("record"));
        ElectionRecord record = await RecordStore.ReadAsync(temp.File("record"));
        Assert.Empty(RecordSelfCheck.Check(record));
        DecryptedBallotContestData decrypted = Assert.Single(record.ContestData);
        Assert.Equal(ada.Id, decrypted.BallotId);
        Assert.Equal(u, decrypted.Guardians);
        Assert.Equal("Ada Lovelace", ContestDataDecryption.TextOf(Assert.Single(decrypted.Contests).Data));
        Assert.True(File.Exists(Path.Combine(temp.File("record"), "contest_data", $"{ada.Id}.json")));
        Assert.Equal(new long[] { 1, 2, 1 }, record.Tally.Contests[1].Options.Select(o => o.Value));
    }

    [Fact]
    public void A_ballots_file_breaking_the_manifest_is_refused_naming_file_ballot_and_field()
    {
        Manifest.ElectionManifest manifest = EndToEndTinyGroupTests.Manifest(EndToEndTinyGroupTests.TwoContests);
        ElectionFormatException ex = Assert.Throws<ElectionFormatException>(() => PlaintextBallotReader.Parse("b.json",
            Encoding.UTF8.GetBytes("""{"ballots":[{"style":"all","selections":{"Mayor":{"Z":1}}}]}"""), manifest));
        Assert.Equal("b.json", ex.File);
        Assert.Equal("$.ballots[0].selections[\"Mayor\"][\"Z\"]", ex.Location);
        ex = Assert.Throws<ElectionFormatException>(() => PlaintextBallotReader.Parse("b.json",
            Encoding.UTF8.GetBytes("""{"ballots":[{"style":"all","selections":{"Mayor":{"A":1,"B":1}}}]}"""), manifest));
        Assert.Equal("$.ballots[0].contests[1].selections", ex.Location);
        ex = Assert.Throws<ElectionFormatException>(() => PlaintextBallotReader.Parse("b.json",
            Encoding.UTF8.GetBytes("""{"ballots":[{"style":"mayor only","selections":{"Council":{"D":1}}}]}"""), manifest));
        Assert.Contains("not on ballot style", ex.Problem, StringComparison.Ordinal);
    }
}
