using Entente.Cryptography;
using Entente.Election.Manifest;
using Entente.Election.Record;
using Entente.Testing;
using Xunit.Abstractions;

namespace Entente.Election.Tests.Properties;

[Trait("Category", "Slow")]
public class EndToEndStandardGroupTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(1, 1, new[] { 1 })]
    [InlineData(3, 2, new[] { 2, 3 })]
    [InlineData(5, 3, new[] { 1, 3, 5 })]
    public async Task A_standard_group_election_decrypts_correctly_and_its_record_round_trips(int n, int k, int[] subset)
    {
        int seed = TestSeeds.Resolve(4096 + n);
        output.WriteLine($"seed {seed}");
        ElectionManifest manifest = EndToEndTinyGroupTests.Manifest(EndToEndTinyGroupTests.TwoContests);
        ElectionRecord record = ElectionSimulator.Run(manifest, Group.Standard, n, k, ballots: 3, challenged: 1, new Random(seed), subset);
        long[][] expected = EndToEndTinyGroupTests.ExpectedTotalsFromReplay(manifest, record, seed, 3);
        for (int c = 0; c < manifest.Contests.Count; c++)
        {
            Assert.Equal(expected[c], record.Tally.Contests[c].Options.Select(o => o.Value));
        }

        Assert.Equal(subset, record.Tally.Guardians);
        using TestFiles.TempFolder folder = new();
        await RecordStore.WriteAsync(record, folder.File("r"));
        ElectionRecord read = await RecordStore.ReadAsync(folder.File("r"));
        Assert.Empty(RecordSelfCheck.Check(read));
        Assert.Equal(1024, Convert.ToHexString(read.Context.VoteKey.Key.Encode()).Length);
    }
}
