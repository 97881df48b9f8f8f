using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using Entente.Audit.Sampling;

namespace Entente.Benchmarks.Audit;

/// <summary>
/// Consistent sampler and Rivest sampler against the cost floor: one SHA-256 per ballot id (the baseline).
/// The consistent sampler needs two hashes per ballot plus the decimal ticket; a statewide manifest has millions.
/// </summary>
[MemoryDiagnoser]
public class SamplerBenchmarks
{
    private string[] _ids = [];

    [Params(100_000)]
    public int Ballots { get; set; }

    [GlobalSetup]
    public void Setup() =>
        _ids = [.. Enumerable.Range(0, Ballots).Select(i => string.Create(CultureInfo.InvariantCulture, $"T{i % 7}|B{i / 250}|{(i % 250) + 1}"))];

    [Benchmark(Baseline = true, Description = "SHA-256 of each id (floor)")]
    public int HashEachId()
    {
        int acc = 0;
        foreach (string id in _ids)
        {
            acc ^= SHA256.HashData(Encoding.UTF8.GetBytes(id))[0];
        }

        return acc;
    }

    [Benchmark(Description = "consistent sampler, 1000 draws with replacement")]
    public int ConsistentWithReplacement() => ConsistentSampler.Sample(_ids, "seed-31415926535897932384", 1000, 0, withReplacement: true).Count;

    [Benchmark(Description = "Rivest sampler.py, 1000 draws")]
    public int Rivest() => RivestSampler.Draw("seed-31415926535897932384", Ballots, 1000, withReplacement: true).Count;
}
