using System.Text;
using Entente.Election.Board;
using Entente.Election.Decryption;
using Entente.Election.Encryption;
using Entente.Election.KeyCeremony;
using Entente.Election.PreEncryption;
using Entente.Election.Record;
using Entente.Election.Tally;

namespace Entente.Election.Tests.Contract;

/// <summary>Pre-encrypted ballots through a ceremony folder: generated, printed, marked, recorded, tallied with device ballots.</summary>
public class PreEncryptionStepsTests
{
    /// <summary>The key ceremony in a folder, then <paramref name="count"/> ballots of style "all" pre-encrypted by printer-1 into <c>printed</c>.</summary>
    internal static async Task<(FolderElectionBoard Folder, ElectionContext Context, string Printed, IReadOnlyList<PreEncryptedBallot> Ballots)> PrintAsync(TestFiles.TempFolder temp, int count)
    {
        FolderElectionBoard folder = await FileCeremonyEndToEndTests.KeyCeremonyAsync(temp);
        ElectionContext context = await folder.LoadContextAsync();
        string printed = temp.File("printed");
        IReadOnlyList<PreEncryptedBallot> ballots = await PreEncryptionSteps.GenerateAsync(folder, "all", count, "printer-1", "County print shop", ShortCodeFormat.Parse("hex4"), printed);
        return (folder, context, printed, ballots);
    }

    [Fact]
    public async Task Printed_ballots_marked_and_recorded_are_tallied_with_device_ballots_and_uncast_ones_are_opened()
    {
        using TestFiles.TempFolder temp = new();
        (FolderElectionBoard folder, ElectionContext context, string printed, IReadOnlyList<PreEncryptedBallot> ballots) = await PrintAsync(temp, 3);
        Assert.Equal(3, Directory.EnumerateFiles(Path.Combine(printed, "ballots")).Count());
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(printed, PreEncryptionSteps.NonceFile)));
        }

        string Code(PreEncryptedBallot b, int contest, int option) => b.Contests[contest - 1].Selections[option - 1].ShortCode;
        string marks = $$$"""
            {"ballots":[
              {"id":"{{{ballots[0].Id}}}","marks":{"Mayor":["{{{Code(ballots[0], 1, 2)}}}"],"Council":["{{{Code(ballots[0], 2, 1)}}}","{{{Code(ballots[0], 2, 2)}}}"]}},
              {"id":"{{{ballots[1].Id}}}","marks":{"Mayor":["{{{Code(ballots[1], 1, 3)}}}"]}},
              {"id":"{{{ballots[2].Id}}}","uncast":true}]}
            """;
        PreEncryptionRecordResult result = await PreEncryptionSteps.RecordAsync(folder, printed, "marks.json", Encoding.UTF8.GetBytes(marks), TimeProvider.System);
        Assert.Equal(2, result.Cast.Count);
        Assert.Single(result.Uncast);
        Assert.Empty(PreEncryptionCheck.CheckUncast(context, PreEncryptionFormat.ReadUncast("u", File.ReadAllBytes(Path.Combine(printed, "uncast", ballots[2].Id + ".json")), context)));

        IReadOnlyList<PlaintextBallotEntry> entries = PlaintextBallotReader.Parse("ballots.json", Encoding.UTF8.GetBytes("""{"ballots":[{"style":"mayor only","selections":{"Mayor":{"A":1}}}]}"""), context.Parameters.Manifest);
        await EncryptionSteps.EncryptAsync(folder, entries, "booth-1", "Booth 1", TimeProvider.System);
        await TallySteps.TallyAsync(folder);
        int[] u = [1, 2];
        foreach (int i in u)
        {
            await DecryptionExchange.CommitAsync(folder, i, u, FileCeremonyEndToEndTests.Secret(temp, i));
        }

        foreach (int i in u)
        {
            await DecryptionExchange.RevealAsync(folder, i, FileCeremonyEndToEndTests.Secret(temp, i));
        }

        foreach (int i in u)
        {
            await DecryptionExchange.RespondAsync(folder, i, FileCeremonyEndToEndTests.Secret(temp, i));
        }

        await DecryptionExchange.CombineAsync(folder, temp.File("record"));
        ElectionRecord record = await RecordStore.ReadAsync(temp.File("record"));
        Assert.Empty(RecordSelfCheck.Check(record));
        Assert.Equal(2, record.Ballots.Count(b => b.PreEncryption is not null));
        Assert.Equal(new long[] { 1, 1, 1 }, record.Tally.Contests[0].Options.Select(o => o.Value));
        Assert.Equal(new long[] { 1, 1, 0 }, record.Tally.Contests[1].Options.Select(o => o.Value));

        // Marks that name an unknown contest, or a ballot twice, are refused naming them.
        ElectionFormatException unknown = await Assert.ThrowsAsync<ElectionFormatException>(() => PreEncryptionSteps.RecordAsync(folder, printed, "marks.json",
            Encoding.UTF8.GetBytes($$$"""{"ballots":[{"id":"{{{ballots[2].Id}}}","marks":{"Sheriff":["00"]}}]}"""), TimeProvider.System));
        Assert.Contains("Sheriff", unknown.Problem, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ElectionFormatException>(() => PreEncryptionSteps.RecordAsync(folder, printed, "marks.json",
            Encoding.UTF8.GetBytes($$$"""{"ballots":[{"id":"{{{ballots[2].Id}}}","uncast":true},{"id":"{{{ballots[2].Id}}}","uncast":true}]}"""), TimeProvider.System));
    }
}
