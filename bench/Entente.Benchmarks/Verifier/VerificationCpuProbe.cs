using System.Globalization;
using System.Runtime.InteropServices;

namespace Entente.Benchmarks.Verifier;

/// <summary>
/// The figures of <see cref="VerificationFloorBenchmarks"/> in thread CPU time (CLOCK_THREAD_CPUTIME_ID),
/// which a loaded machine inflates far less than wall-clock time: each operation is timed repeatedly,
/// the operations interleaved round by round, and the median of each is reported with its ratio to the
/// floor measured in the same rounds. Linux only.
/// Run from the repository root:
/// <c>dotnet run -c Release --project bench/Entente.Benchmarks -- verify-cpu [rounds]</c>.
/// </summary>
internal static partial class VerificationCpuProbe
{
    private const int ClockThreadCpuTime = 3;

    public static void Run(int rounds)
    {
        VerificationFloorBenchmarks bench = new();
        bench.Setup();
        (string Name, int PerInvoke, Func<object> Action)[] operations =
        [
            ("floor: 4 x^e + 4 g^e (one 0/1 selection)", 1, () => bench.Floor()),
            ("x^e, general base, 256-bit public e", 1, () => bench.VariableBasePow()),
            ("g^e, fixed-base table, 256-bit public e", 1, () => bench.FixedBasePow()),
            ("Legendre symbol (x | p), 4096 bits", 1, () => bench.Jacobi()),
            ("membership x^q = 1, one value", 1, () => bench.MembershipSingle()),
            ("membership in a batch of 200, per value", 200, () => bench.MembershipBatched()),
            ("one 0/1 selection, egk 2.0 step 5", 100, () => bench.Selection01()),
            ("one smoke ballot (4 selections + contest limit), 1 core", 10, () => bench.SmokeBallot()),
        ];

        // Warm-up (JIT, tables), then rounds; the cheap operations repeat inside a round to about 10 ms.
        int[] repeats = new int[operations.Length];
        for (int k = 0; k < operations.Length; k++)
        {
            double once = Time(operations[k].Action, 1);
            repeats[k] = Math.Max(1, (int)(10_000 / Math.Max(once, 1)));
        }

        List<double>[] samples = [.. operations.Select(_ => new List<double>())];
        for (int round = 0; round < rounds; round++)
        {
            for (int k = 0; k < operations.Length; k++)
            {
                samples[k].Add(Time(operations[k].Action, repeats[k]) / operations[k].PerInvoke);
            }
        }

        double floor = Median(samples[0]);
        Console.WriteLine($"thread CPU time, median of {rounds} rounds; {Environment.ProcessorCount} cores, load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
        Console.WriteLine("| operation | CPU time | ratio to the floor | ratio to x^e |");
        Console.WriteLine("|---|---:|---:|---:|");
        double pow = Median(samples[1]);
        for (int k = 0; k < operations.Length; k++)
        {
            double median = Median(samples[k]);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {operations[k].Name} | {median:F1} µs | {median / floor:F3} | {median / pow:F3} |"));
        }

        double computedFloor = (4 * pow) + (4 * Median(samples[2]));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"floor computed as 4 × x^e + 4 × g^e: {computedFloor:F1} µs; one 0/1 selection / computed floor: {Median(samples[6]) / computedFloor:F3}; smoke ballot / (5 × computed floor): {Median(samples[7]) / (5 * computedFloor):F3}"));
    }

    /// <summary>Thread CPU microseconds per call of <paramref name="action"/>, over <paramref name="repeat"/> calls.</summary>
    private static double Time(Func<object> action, int repeat)
    {
        double start = Now();
        for (int i = 0; i < repeat; i++)
        {
            GC.KeepAlive(action());
        }

        return (Now() - start) / repeat;
    }

    private static double Now()
    {
        if (ClockGetTime(ClockThreadCpuTime, out TimeSpec time) != 0)
        {
            throw new InvalidOperationException("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed (Linux only).");
        }

        return (time.Seconds * 1e6) + (time.Nanoseconds / 1e3);
    }

    private static double Median(List<double> values)
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
