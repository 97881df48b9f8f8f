using System.Globalization;
using System.Runtime.InteropServices;
using Entente.Benchmarks.Election;
using Entente.Benchmarks.Gmp;
using Entente.Benchmarks.Verifier;
using Entente.Cryptography;
using Entente.Cryptography.Arithmetic;

namespace Entente.Benchmarks.Arithmetic;

/// <summary>
/// The measures of the arithmetic-engine targets (issue 16) as ratios to GMP in the same run, in thread
/// CPU time (CLOCK_THREAD_CPUTIME_ID, which a shared machine inflates far less than wall time): every
/// operation is timed repeatedly, all of them interleaved round by round with the GMP baselines, and the
/// median of each is divided by the median of its baseline. The engine is the default one (the native IFMA
/// engine where it runs) unless <c>ENTENTE_ARITHMETIC</c> names another. Linux only.
/// Run from the repository root:
/// <c>dotnet run -c Release --project bench/Entente.Benchmarks -- targets-cpu [rounds]</c>.
/// </summary>
internal static partial class TargetsCpuProbe
{
    private const int ClockThreadCpuTime = 3;

    public static int Run(int rounds)
    {
        if (!GmpLibrary.TryLoad(out GmpLibrary? gmp) || gmp is null)
        {
            Console.Error.WriteLine("GMP (libgmp.so.10) is needed for the baselines: apt-get install libgmp10.");
            return 2;
        }

        using ArithmeticWorkload workload = new(Environment.GetEnvironmentVariable(ArithmeticEngine.EnvironmentVariable), gmp);
        if (workload.Verify() is string problem)
        {
            Console.Error.WriteLine($"Self-check failed: {problem}.");
            return 1;
        }

        // ElementModP products: operands as decoded (limbs), and operands that hold their Montgomery form.
        Group group = Group.Standard;
        ElementModP a = ElementModP.Decode(group, group.GPow(ElementModQ.Random(group)).Encode(), "a");
        ElementModP b = ElementModP.Decode(group, group.GPow(ElementModQ.Random(group)).Encode(), "b");
        ElementModP aMont = ElementModP.Decode(group, a.Encode(), "a");
        ElementModP bMont = ElementModP.Decode(group, b.Encode(), "b");
        _ = aMont.Internal;
        _ = bMont.Internal;
        ElementModP[] factors = [.. Enumerable.Range(0, 100).Select(_ => group.GPow(ElementModQ.Random(group)))];
        ElementModP[] montgomeryFactors = [.. factors.Select(x => ElementModP.Decode(group, x.Encode(), "x"))];
        foreach (ElementModP x in montgomeryFactors)
        {
            _ = x.Internal;
        }

        ElectionEncryptionBenchmarks encryption = new();
        encryption.Setup();
        VerificationFloorBenchmarks verification = new();
        verification.Setup();

        (string Name, int PerInvoke, Func<object?> Action)[] operations =
        [
            ("GMP mpz_powm, 4096-bit p, 256-bit e", 1, () => { workload.GmpPow(); return null; }),
            ("GMP mpz_powm_sec", 1, () => { workload.GmpPowSecret(); return null; }),
            ("GMP mpz_mul + mpz_mod", 1, () => { workload.GmpModMul(); return null; }),
            ("pow, public 256-bit exponent", 1, () => { workload.Pow(); return null; }),
            ("pow secret, constant time", 1, () => { workload.PowSecret(); return null; }),
            ("fixed-base pow, public exponent", 1, () => { workload.FixedBasePow(); return null; }),
            ("fixed-base pow secret, one exponent", 1, () => { workload.FixedBasePowSecret(); return null; }),
            ("ElementModP a·b, operands as decoded (limbs)", 1, () => a * b),
            ("ElementModP a·b, operands in Montgomery form", 1, () => aMont * bMont),
            ("ElementModP.Product of 100 decoded elements, per factor (a conversion and a product each)", 100, () => ElementModP.Product(group, factors)),
            ("ElementModP.Product of 100 elements in Montgomery form, per factor", 100, () => ElementModP.Product(group, montgomeryFactors)),
            ("31 fixed-base exps of a smoke ballot, batched", 1, () => encryption.ExponentiationsOfOneSmokeBallot()),
            ("encrypt one smoke ballot, one core", 1, () => encryption.EncryptSmokeBallot()),
            ("verify one smoke ballot (egk 2.0 step 5, batched membership), one core", 10, () => verification.SmokeBallot()),
        ];

        int[] repeats = new int[operations.Length];
        for (int k = 0; k < operations.Length; k++)
        {
            double once = Time(operations[k].Action, 1);
            repeats[k] = Math.Max(1, (int)(20_000 / Math.Max(once, 1)));
        }

        List<double>[] samples = [.. operations.Select(_ => new List<double>())];
        for (int round = 0; round < rounds; round++)
        {
            for (int k = 0; k < operations.Length; k++)
            {
                samples[k].Add(Time(operations[k].Action, repeats[k]) / operations[k].PerInvoke);
            }
        }

        double powm = Median(samples[0]), powmSec = Median(samples[1]), modmul = Median(samples[2]);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"engine {workload.Engine.EngineName}; thread CPU time, median of {rounds} rounds; {Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}; GMP {gmp.Version}"));
        Console.WriteLine("| operation | CPU time | × its GMP baseline | × mpz_powm |");
        Console.WriteLine("|---|---:|---:|---:|");
        for (int k = 0; k < operations.Length; k++)
        {
            double median = Median(samples[k]);
            double baseline = k switch
            {
                4 or 6 => powmSec,
                7 or 8 or 9 or 10 => modmul,
                _ => powm,
            };
            string baselineName = k switch
            {
                4 or 6 => "mpz_powm_sec",
                7 or 8 or 9 or 10 => "mpz_mul + mpz_mod",
                _ => "mpz_powm",
            };
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {operations[k].Name} | {Format(median)} | {median / baseline:F3} ({baselineName}) | {median / powm:F3} |"));
        }

        return 0;
    }

    private static string Format(double microseconds) => microseconds >= 1000
        ? string.Create(CultureInfo.InvariantCulture, $"{microseconds / 1000:F2} ms")
        : string.Create(CultureInfo.InvariantCulture, $"{microseconds:F2} µs");

    /// <summary>Thread CPU microseconds per call of <paramref name="action"/>, over <paramref name="repeat"/> calls.</summary>
    internal static double Time(Func<object?> action, int repeat)
    {
        double start = Now();
        for (int i = 0; i < repeat; i++)
        {
            GC.KeepAlive(action());
        }

        return (Now() - start) / repeat;
    }

    internal static double Now()
    {
        if (ClockGetTime(ClockThreadCpuTime, out TimeSpec time) != 0)
        {
            throw new InvalidOperationException("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed (Linux only).");
        }

        return (time.Seconds * 1e6) + (time.Nanoseconds / 1e3);
    }

    internal static double Median(List<double> values)
    {
        List<double> sorted = [.. values.Order()];
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);
}
