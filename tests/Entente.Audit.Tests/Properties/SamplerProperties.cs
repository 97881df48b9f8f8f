using System.Globalization;
using Entente.Audit.Io;
using Entente.Audit.Sampling;
using Entente.Testing;
using Xunit.Abstractions;

namespace Entente.Audit.Tests.Properties;

public class SamplerProperties(ITestOutputHelper output)
{
    private Random Rng(int fixedSeed)
    {
        int seed = TestSeeds.Resolve(fixedSeed);
        output.WriteLine($"seed = {seed} (ENTENTE_TEST_SEED overrides)");
        return new Random(seed);
    }

    private static BallotManifest RandomManifest(Random rng)
    {
        int batches = rng.Next(1, 12);
        return new BallotManifest(Enumerable.Range(1, batches).Select(i => new ManifestBatch(
            "C" + rng.Next(1, 4).ToString(CultureInfo.InvariantCulture), rng.Next(2) == 0 ? null : "T" + i.ToString(CultureInfo.InvariantCulture),
            "B" + i.ToString(CultureInfo.InvariantCulture), rng.Next(0, 30), i + 1)));
    }

    [Fact]
    public void A_consistent_sample_never_leaves_the_manifest()
    {
        Random rng = Rng(20261127);
        for (int trial = 0; trial < 40; trial++)
        {
            BallotManifest m = RandomManifest(rng);
            if (m.TotalBallots == 0)
            {
                continue;
            }

            var ballots = BallotIds.Enumerate(m, BallotIdScheme.Entente);
            string seed = rng.Next().ToString(CultureInfo.InvariantCulture);
            foreach (SampledTicket t in ConsistentSampler.Sample([.. ballots.Select(b => b.Id)], seed, rng.Next(1, 60), 0, withReplacement: true))
            {
                var (batch, position, _) = ballots[t.IdIndex];
                Assert.InRange(position, 1, batch.Ballots);
                Assert.Contains(batch, m.Batches);
            }
        }
    }

    [Fact]
    public void Without_replacement_never_repeats_and_is_in_ticket_order()
    {
        Random rng = Rng(4242);
        for (int trial = 0; trial < 30; trial++)
        {
            int n = rng.Next(1, 200);
            string[] ids = [.. Enumerable.Range(0, n).Select(i => i.ToString(CultureInfo.InvariantCulture))];
            IReadOnlyList<SampledTicket> s = ConsistentSampler.Sample(ids, rng.Next().ToString(CultureInfo.InvariantCulture), rng.Next(0, n + 5), 0, withReplacement: false);
            Assert.Equal(s.Count, s.Select(t => t.IdIndex).Distinct().Count());
            Assert.True(s.Zip(s.Skip(1)).All(p => string.CompareOrdinal(p.First.Number, p.Second.Number) < 0));
            IReadOnlyList<long> r = RivestSampler.Draw(rng.Next().ToString(CultureInfo.InvariantCulture), n, rng.Next(0, n + 1), withReplacement: false);
            Assert.Equal(r.Count, r.Distinct().Count());
            Assert.All(r, x => Assert.InRange(x, 1, n));
        }
    }

    [Fact]
    public void Continuing_a_round_gives_the_same_prefix()
    {
        Random rng = Rng(777);
        for (int trial = 0; trial < 20; trial++)
        {
            int n = rng.Next(1, 120);
            bool replace = rng.Next(2) == 0;
            string[] ids = [.. Enumerable.Range(0, n).Select(i => "b" + i.ToString(CultureInfo.InvariantCulture))];
            string seed = rng.Next().ToString(CultureInfo.InvariantCulture);
            int first = rng.Next(0, replace ? 80 : n + 1);
            int more = rng.Next(0, 40);
            IReadOnlyList<SampledTicket> whole = ConsistentSampler.Sample(ids, seed, first + more, 0, replace);
            IReadOnlyList<SampledTicket> round1 = ConsistentSampler.Sample(ids, seed, first, 0, replace);
            IReadOnlyList<SampledTicket> round2 = ConsistentSampler.Sample(ids, seed, more, first, replace);
            Assert.Equal(whole.Take(first), round1);
            Assert.Equal(whole.Skip(first), round2);
            IReadOnlyList<long> rAll = RivestSampler.Draw(seed, n, first + more, true);
            Assert.Equal(rAll.Skip(first), RivestSampler.Draw(seed, n, more, true, first));
        }
    }

    [Fact]
    public void Sampling_a_subset_gives_the_subsequence_of_the_whole_stream()
    {
        Random rng = Rng(31337);
        string[] all = [.. Enumerable.Range(0, 150).Select(i => "ballot-" + i.ToString(CultureInfo.InvariantCulture))];
        string[] subset = [.. all.Where(_ => rng.Next(3) == 0)];
        string seed = rng.Next().ToString(CultureInfo.InvariantCulture);
        string[] whole = [.. ConsistentSampler.Sample(all, seed, null, 0, false).Select(t => all[t.IdIndex])];
        string[] part = [.. ConsistentSampler.Sample(subset, seed, null, 0, false).Select(t => subset[t.IdIndex])];
        Assert.Equal(whole.Where(subset.Contains), part);
    }

    [Fact]
    public void Python_repr_matches_CPython_for_quotes_escapes_and_tuples()
    {
        Assert.Equal("(('J1', None, \"O'Brien\"), 5)", PythonRepr.Str(new object?[] { new object?[] { "J1", null, "O'Brien" }, 5 }));
        Assert.Equal("('a\\'\"b', 'tab\\there', 'ü', '\\x85', '\\u200b', '😀')", PythonRepr.Str(new object?[] { "a'\"b", "tab\there", "ü", "\u0085", "\u200b", "😀" }));
        Assert.Equal("('III', 3.0)", PythonRepr.Str(new object?[] { "III", 3.0 }));
        Assert.Equal("(1,)", PythonRepr.Str(new object?[] { 1 }));
        Assert.Equal("plain", PythonRepr.Str("plain"));
        Assert.Equal("1e+16", PythonRepr.Repr(1e16));
        Assert.Equal("0.1", PythonRepr.Repr(0.1));
        Assert.Equal("1234.5", PythonRepr.Repr(1234.5));
        Assert.Equal("1e-05", PythonRepr.Repr(0.00001));
        Assert.Equal("0.0001", PythonRepr.Repr(0.0001));
        Assert.Equal("1.5e+300", PythonRepr.Repr(1.5e300));
        Assert.Equal("-2.0", PythonRepr.Repr(-2.0));
        Assert.Equal("1000000000000000.0", PythonRepr.Repr(1e15));
    }

    [Fact]
    public void Entente_ids_escape_the_separator()
    {
        ManifestBatch b = new(null, "T|1", "B%2", 3, 2);
        Assert.Equal("T%7C1|B%252|7", BallotIds.Text(BallotIdScheme.Entente, b, 7, null));
        Assert.Equal("(('County', 'T|1', 'B%2'), 7)", BallotIds.Text(BallotIdScheme.Arlo, b, 7, "County"));
    }
}
