using BenchmarkDotNet.Attributes;
using Entente.Cryptography;
using Entente.Verifier.Egk;
using Entente.Verifier.Egk20;
using Entente.Verifier.Framework;

namespace Entente.Benchmarks.Verifier;

/// <summary>
/// <c>entente verify --format egk</c> on a one-ballot copy of the egk 2.0 sample (one ballot of 100
/// selections and 20 contest limits, 15 guardian proofs, 100 tally decryptions; the aggregation step
/// fails, which costs nothing), one thread and all threads, against one general-base exponentiation
/// x^e measured in the same run. The floor per 0/1 selection is about 2 subgroup checks + 2
/// general-base + 2 fixed-base exponentiations per proof pair (2.0 V5). The whole 11-ballot sample
/// takes too long for an in-process run on the shared machine.
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
    private string _copy = "";
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

        _copy = Path.Combine(Path.GetTempPath(), "entente-bench-egk-" + Guid.NewGuid().ToString("N"));
        CopyDirectory(directory, _copy);
        foreach (string ballot in Directory.GetFiles(Path.Combine(_copy, "encrypted_ballots", "runWorkflowSomeAvailableJson"), "eballot-*.json")
                     .Where(f => !f.EndsWith("eballot-id-1.json", StringComparison.Ordinal)))
        {
            File.Delete(ballot);
        }

        _record = EgkRecord.Open(_copy);
        _element = Group.Standard.GPow(ElementModQ.Random(Group.Standard));
        _exponent = ElementModQ.Random(Group.Standard);
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_copy, recursive: true);

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (string directory in Directory.GetDirectories(from))
        {
            CopyDirectory(directory, Path.Combine(to, Path.GetFileName(directory)));
        }
    }

    [Benchmark(Baseline = true, Description = "x^e general base, public e")]
    public ElementModP GeneralPow() => _element.Pow(_exponent);

    [Benchmark(Description = "verify a one-ballot egk record, 1 thread")]
    public long VerifyOneBallotOneThread() => Egk20Verifier.Verify(_record, new VerificationOptions { Threads = 1 }).Steps.Sum(s => s.Checked);

    [Benchmark(Description = "verify a one-ballot egk record, all threads")]
    public long VerifyOneBallotAllThreads() => Egk20Verifier.Verify(_record, new VerificationOptions { Threads = Environment.ProcessorCount }).Steps.Sum(s => s.Checked);
}
