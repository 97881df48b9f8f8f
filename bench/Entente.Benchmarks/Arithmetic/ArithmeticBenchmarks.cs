using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Entente.Benchmarks.Gmp;

namespace Entente.Benchmarks.Arithmetic;

/// <summary>
/// 4096-bit modular arithmetic with 256-bit exponents, each operation next to its baseline in the same
/// run: GMP's mpz_powm (general and fixed-base exponentiation, multi-exponentiation), mpz_powm_sec
/// (constant-time exponentiation), mpz_mul + mpz_mod (multiplication); BigInteger as a second
/// reference. Ratios are per category. Run with
/// <c>dotnet run -c Release --project bench/Entente.Benchmarks -- --filter '*Arithmetic*'</c>.
/// Without GMP the GMP rows print a message and time nothing.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class ArithmeticBenchmarks
{
    private ArithmeticWorkload _workload = null!;

    [Params("ifma", "avx512", "avx2", "scalar")]
    public string Engine { get; set; } = "avx2";

    [GlobalSetup]
    public void Setup()
    {
        if (!GmpLibrary.TryLoad(out GmpLibrary? gmp))
        {
            Console.WriteLine("// GMP (libgmp.so.10) not found: the GMP baselines are skipped.");
        }

        _workload = new ArithmeticWorkload(Engine, gmp);
        string? problem = _workload.Verify();
        if (problem is not null)
        {
            throw new InvalidOperationException(problem);
        }

        Console.WriteLine($"// engine {_workload.Engine.EngineName}; fixed-base table {_workload.Table.TableBytes / 1024.0 / 1024.0:F2} MiB, built in {_workload.TableBuildTime.TotalMilliseconds:F1} ms");
    }

    [GlobalCleanup]
    public void Cleanup() => _workload.Dispose();

    // ---- multiplication
    [Benchmark(Baseline = true), BenchmarkCategory("ModMul")]
    public void Gmp_ModMul() => GmpOrSkip(_workload.GmpModMul);

    [Benchmark, BenchmarkCategory("ModMul")]
    public void Ours_ModMul() => _workload.ModMul();

    [Benchmark, BenchmarkCategory("ModMul")]
    public object BigInteger_ModMul() => _workload.BigModMul();

    // ---- general exponentiation, public exponent
    [Benchmark(Baseline = true), BenchmarkCategory("Pow")]
    public void Gmp_Powm() => GmpOrSkip(_workload.GmpPow);

    [Benchmark, BenchmarkCategory("Pow")]
    public void Ours_Pow() => _workload.Pow();

    [Benchmark, BenchmarkCategory("Pow")]
    public object BigInteger_ModPow() => _workload.BigPow();

    // ---- constant time, secret exponent
    [Benchmark(Baseline = true), BenchmarkCategory("PowSecret")]
    public void Gmp_PowmSec() => GmpOrSkip(_workload.GmpPowSecret);

    [Benchmark, BenchmarkCategory("PowSecret")]
    public void Ours_PowSecret() => _workload.PowSecret();

    // ---- fixed base (g)
    [Benchmark(Baseline = true), BenchmarkCategory("FixedBase")]
    public void Gmp_Powm_g() => GmpOrSkip(_workload.GmpFixedBasePow);

    [Benchmark, BenchmarkCategory("FixedBase")]
    public void Ours_FixedBasePow() => _workload.FixedBasePow();

    [Benchmark, BenchmarkCategory("FixedBase")]
    public void Ours_FixedBasePowSecret() => _workload.FixedBasePowSecret();

    // ---- building a fixed-base table (target: under 100 ms, at most 8 MiB)
    [Benchmark, BenchmarkCategory("TableBuild")]
    public object Ours_FixedBaseTableBuild() => _workload.BuildTable();

    // ---- g^a·h^b
    [Benchmark(Baseline = true), BenchmarkCategory("PowProduct")]
    public void Gmp_TwoPowm() => GmpOrSkip(_workload.GmpPowProduct);

    [Benchmark, BenchmarkCategory("PowProduct")]
    public void Ours_PowProduct() => _workload.PowProduct();

    [Benchmark, BenchmarkCategory("PowProduct")]
    public object BigInteger_TwoModPow() => _workload.BigPowProduct();

    private void GmpOrSkip(Action gmp)
    {
        if (_workload.HasGmp)
        {
            gmp();
        }
    }
}
