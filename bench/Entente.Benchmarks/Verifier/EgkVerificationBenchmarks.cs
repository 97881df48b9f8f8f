using BenchmarkDotNet.Attributes;
using Entente.Cryptography;
using Entente.Verifier.Egk;
using Entente.Verifier.Egk20;
using Entente.Verifier.Framework;

namespace Entente.Benchmarks.Verifier;

/// <summary>
/// <c>entente verify --format egk</c> on the egk 2.0 sample (11 ballots × 100 selections, 220 contest
/// limits, 15 guardian proofs, 100 tally decryptions), one thread and all threads, against one
/// general-base exponentiation x^e measured in the same run. The floor per 0/1 selection is about
/// 2 subgroup checks + 2 general-base + 2 fixed-base exponentiations per proof pair (2.0 V5).
/// Run from the repository root:
/// <c>dotnet run -c Release --project bench/Entente.Benchmarks -- --filter '*EgkVerificationBenchmarks*'</c>.
/// </summary>
[MemoryDiagnoser]
[InProcess]
[WarmupCount(1)]
[IterationCount(3)]
public class EgkVerificationBenchmarks
{
    private const string Sample = "tests/vectors/egk-2.0/someAvailable";
    private EgkRecord _record = null!;
    private ElementModP _element = null!;
    private ElementModQ _exponent = null!;

    [GlobalSetup]
    public void Setup()
    {
        string directory = Path.GetFullPath(Sample);
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"Run the benchmark from the repository root ({directory} is missing).");
        }

        _record = EgkRecord.Open(directory);
        _element = Group.Standard.GPow(ElementModQ.Random(Group.Standard));
        _exponent = ElementModQ.Random(Group.Standard);
    }

    [Benchmark(Baseline = true, Description = "x^e general base, public e")]
    public ElementModP GeneralPow() => _element.Pow(_exponent);

    [Benchmark(Description = "verify the egk sample, 1 thread")]
    public bool VerifySampleOneThread() => Egk20Verifier.Verify(_record, new VerificationOptions { Threads = 1 }).Passed;

    [Benchmark(Description = "verify the egk sample, all threads")]
    public bool VerifySampleAllThreads() => Egk20Verifier.Verify(_record, new VerificationOptions { Threads = Environment.ProcessorCount }).Passed;
}
