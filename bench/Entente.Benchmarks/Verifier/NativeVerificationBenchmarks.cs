using BenchmarkDotNet.Attributes;
using Entente.Cryptography;
using Entente.Election.Manifest;
using Entente.Election.Record;
using Entente.Verifier.Framework;
using Entente.Verifier.Native;

namespace Entente.Benchmarks.Verifier;

/// <summary>
/// <c>entente verify</c> (native, ElectionGuard 2.1) on a standard-group "smoke" record simulated in the
/// setup: 20 ballots of one contest with 4 options (L = 1), n = 3, k = 2, against one general-base
/// exponentiation x^e and one fixed-base g^e measured in the same run. Per smoke ballot the floor is
/// 9 subgroup checks (8 ciphertext values and the ballot nonce's C0) + 21 general-base + 21 fixed-base
/// exponentiations (4 selections × (4 + 4), the limit proof 4 + 4, the nonce proof 1 + 1); divide the
/// verification time by 20 and compare with that count of the two baselines.
/// Run from the repository root:
/// <c>dotnet run -c Release --project bench/Entente.Benchmarks -- --filter '*NativeVerificationBenchmarks*'</c>.
/// </summary>
[MemoryDiagnoser]
[InProcess]
[WarmupCount(1)]
[IterationCount(3)]
public class NativeVerificationBenchmarks
{
    private const int Ballots = 20;
    private const string Smoke = """
        {"label":"Smoke","contests":[{"label":"Q","contest_options":[{"label":"A"},{"label":"B"},{"label":"C"},{"label":"D"}]}],
         "ballot_styles":[{"label":"s","contests":[1]}]}
        """;

    private string _directory = "";
    private NativeRecord _record = null!;
    private ElementModP _element = null!;
    private ElementModQ _exponent = null!;

    [GlobalSetup]
    public void Setup()
    {
        ElectionManifest manifest = ManifestReader.Parse(System.Text.Encoding.UTF8.GetBytes(Smoke));
        ElectionRecord record = ElectionSimulator.Run(manifest, Group.Standard, 3, 2, Ballots, 0, new Random(7));
        _directory = Path.Combine(Path.GetTempPath(), "entente-bench-native-" + Guid.NewGuid().ToString("N"));
        RecordStore.WriteAsync(record, _directory).GetAwaiter().GetResult();
        _record = NativeRecord.Open(_directory);
        _element = Group.Standard.GPow(ElementModQ.Random(Group.Standard));
        _exponent = ElementModQ.Random(Group.Standard);
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_directory, recursive: true);

    [Benchmark(Baseline = true, Description = "x^e, general base, public 256-bit e")]
    public ElementModP Pow() => _element.Pow(_exponent);

    [Benchmark(Description = "g^e, fixed base")]
    public ElementModP FixedBasePow() => Group.Standard.GPow(_exponent);

    [Benchmark(Description = "verify the 20-ballot smoke record, 1 thread")]
    public bool VerifyOneThread() => NativeVerifier.Verify(_record, new VerificationOptions { Threads = 1 }).Passed;

    [Benchmark(Description = "verify the 20-ballot smoke record, all threads")]
    public bool VerifyAllThreads() => NativeVerifier.Verify(_record, new VerificationOptions()).Passed;
}
