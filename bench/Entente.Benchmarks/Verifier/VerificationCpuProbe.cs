using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Entente.Verifier.Egk;
using Entente.Verifier.Egk20;
using Entente.Verifier.Framework;

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
        VerifyEgkSample(pow, Median(samples[2]));
    }

    /// <summary>The whole egk 2.0 sample, against its own floor: its exponentiations counted from the record.</summary>
    private static void VerifyEgkSample(double pow, double fixedPow)
    {
        string directory = Path.GetFullPath("tests/vectors/egk-2.0/someAvailable");
        if (!Directory.Exists(directory))
        {
            Console.WriteLine($"(egk sample not found at {directory}: run from the repository root)");
            return;
        }

        EgkRecord record = EgkRecord.Open(directory);
        long variable = 0, fixedBase = 0, selections = 0;
        foreach (EgkGuardian guardian in record.Initialized.Guardians)
        {
            variable += guardian.CoefficientProofs.Count;         // K_i,j^c
            fixedBase += guardian.CoefficientProofs.Count;        // g^v
        }

        foreach (EgkBallotFile file in record.BallotFiles)
        {
            foreach (EgkEncryptedContest contest in record.ReadBallot(file).Contests)
            {
                foreach (EgkEncryptedSelection selection in contest.Selections)
                {
                    selections++;
                    variable += 2 * selection.Proof.Count;        // α^c_j, β^c_j
                    fixedBase += 2 * selection.Proof.Count;       // g^v_j, K^w_j
                }

                variable += 2 * contest.Proof.Count;
                fixedBase += 2 * contest.Proof.Count;
            }
        }

        foreach (EgkDecryptedTallyOrBallot decrypted in (IEnumerable<EgkDecryptedTallyOrBallot>)[record.DecryptedTally, .. record.ChallengedBallotFiles.Select(record.ReadChallengedBallot)])
        {
            foreach (EgkDecryptedContest contest in decrypted.Contests)
            {
                variable += 3 * contest.Selections.Count;         // T^-1 (x^(q−1)), A^v, M^c
                fixedBase += 3 * contest.Selections.Count;        // K^t, g^v, K^c
                if (contest.ContestData is not null)
                {
                    variable += 2;                                // C0^v, β^c
                    fixedBase += 2;                               // g^v, K^c
                }
            }
        }

        double floor = (variable * pow) + (fixedBase * fixedPow);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"egk sample: {record.BallotFiles.Count} ballots, {selections} selections; {variable} variable-base + {fixedBase} fixed-base exponentiations: floor {floor / 1000:F0} ms of CPU"));
        foreach (int threads in (int[])[1, 1, Environment.ProcessorCount])
        {
            Process process = Process.GetCurrentProcess();
            TimeSpan cpuBefore = process.TotalProcessorTime;
            Stopwatch wall = Stopwatch.StartNew();
            VerificationReport report = Egk20Verifier.Verify(EgkRecord.Open(directory), new VerificationOptions { Threads = threads });
            wall.Stop();
            process.Refresh();
            double cpu = (process.TotalProcessorTime - cpuBefore).TotalMilliseconds;
            bool passed = report.Steps.All(step => step.Failures.Count == 0);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"egk sample, {threads} thread(s): process CPU {cpu:F0} ms ({cpu * 1000 / floor:F3} × floor), wall {wall.ElapsedMilliseconds} ms, every step passed: {passed}"));
        }
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
