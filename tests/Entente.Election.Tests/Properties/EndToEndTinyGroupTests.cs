using Entente.Cryptography;
using Entente.Election.Decryption;
using Entente.Election.Encryption;
using Entente.Election.Manifest;
using Entente.Election.Record;
using Entente.Testing;
using Xunit.Abstractions;

namespace Entente.Election.Tests.Properties;

public class EndToEndTinyGroupTests(ITestOutputHelper output)
{
    internal static ElectionManifest Manifest(string json) => ManifestReader.Parse(System.Text.Encoding.UTF8.GetBytes(json));

    internal const string TwoContests = """
        {"label":"Tiny","contests":[
          {"label":"Mayor","contest_options":[{"label":"A"},{"label":"B"},{"label":"C"}]},
          {"label":"Council","selection_limit":2,"contest_options":[{"label":"D"},{"label":"E","selection_limit":2},{"label":"F"}],"contest_data_blocks":1}],
         "ballot_styles":[{"label":"all","contests":[1,2]},{"label":"mayor only","contests":[1]}]}
        """;

    internal static IEnumerable<int[]> Subsets(int n, int minimumSize)
    {
        for (int mask = 1; mask < 1 << n; mask++)
        {
            int[] subset = [.. Enumerable.Range(1, n).Where(i => (mask & (1 << (i - 1))) != 0)];
            if (subset.Length >= minimumSize)
            {
                yield return subset;
            }
        }
    }

    internal static long[][] ExpectedTotals(ElectionManifest manifest, ElectionRecord record, IReadOnlyList<PlaintextBallot> plaintexts)
    {
        long[][] totals = [.. manifest.Contests.Select(c => new long[c.Options.Count])];
        for (int b = 0; b < plaintexts.Count; b++)
        {
            if (record.Ballots[b].State != BallotState.Cast)
            {
                continue;
            }

            foreach ((int contest, int[] values) in plaintexts[b].Selections)
            {
                for (int j = 0; j < values.Length; j++)
                {
                    totals[contest - 1][j] += values[j] * (long)plaintexts[b].Weight;
                }
            }
        }

        return totals;
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 2)]
    [InlineData(5, 3)]
    public void Every_quorum_subset_decrypts_the_tally_to_the_sum_of_the_cast_plaintexts(int n, int k)
    {
        int seed = TestSeeds.Resolve(2026 + n);
        output.WriteLine($"seed {seed}");
        ElectionManifest manifest = Manifest(TwoContests);
        foreach (int[] subset in Subsets(n, k))
        {
            ElectionRecord record = ElectionSimulator.Run(manifest, Group.Tiny, n, k, ballots: 6, challenged: 2, new Random(seed), subset);
            Assert.Equal(subset, record.Tally.Guardians);
            long[][] expected = ExpectedTotalsFromReplay(manifest, record, seed, 6);
            for (int c = 0; c < manifest.Contests.Count; c++)
            {
                Assert.Equal(expected[c], record.Tally.Contests[c].Options.Select(o => o.Value));
            }

            Assert.Equal(2, record.Challenged.Count);
            Assert.Empty(RecordSelfCheck.Check(record));
        }
    }

    /// <summary>Replays the simulator's plaintext choices (same seed, same order of draws).</summary>
    internal static long[][] ExpectedTotalsFromReplay(ElectionManifest manifest, ElectionRecord record, int seed, int ballots)
    {
        Random random = new(seed);
        PlaintextBallot[] plaintexts = [.. Enumerable.Range(0, ballots).Select(_ => ElectionSimulator.RandomBallot(manifest, random))];
        return ExpectedTotals(manifest, record, plaintexts);
    }

    [Fact]
    public void Fewer_guardians_than_the_quorum_is_a_clear_error()
    {
        ElectionManifest manifest = Manifest(TwoContests);
        ElectionFormatException ex = Assert.Throws<ElectionFormatException>(() =>
            ElectionSimulator.Run(manifest, Group.Tiny, 3, 2, ballots: 1, challenged: 0, new Random(1), [2]));
        Assert.Contains("needs a quorum of k = 2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Challenged_ballots_open_to_their_plaintexts_and_contest_data()
    {
        int seed = TestSeeds.Resolve(77);
        ElectionManifest manifest = Manifest(TwoContests);
        ElectionRecord record = ElectionSimulator.Run(manifest, Group.Tiny, 3, 2, ballots: 4, challenged: 4, new Random(seed), [1, 3]);
        Random replay = new(seed);
        PlaintextBallot[] plaintexts = [.. Enumerable.Range(0, 4).Select(_ => ElectionSimulator.RandomBallot(manifest, replay))];
        Assert.All(record.Tally.Contests.SelectMany(c => c.Options), o => Assert.Equal(0, o.Value));
        for (int b = 0; b < 4; b++)
        {
            OpenedBallot opened = record.Challenged.Single(o => o.Id.Equals(record.Ballots[b].Id));
            foreach (OpenedContest contest in opened.Contests)
            {
                Assert.Equal(plaintexts[b].Selections[contest.ContestIndex], contest.Selections.Select(s => s.Value));
                if (contest.ContestData is { } data)
                {
                    byte[] expected = new byte[32];
                    plaintexts[b].ContestData[contest.ContestIndex].CopyTo(expected, 0);
                    Assert.Equal(expected, data.Data);
                }
            }
        }
    }
}
