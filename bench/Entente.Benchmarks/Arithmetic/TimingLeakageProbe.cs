using System.Globalization;
using Entente.Cryptography.Arithmetic;

namespace Entente.Benchmarks.Arithmetic;

/// <summary>
/// A dudect-style statistical timing test of the secret-exponent paths (Reparaz, Balasch and Verbauwhede,
/// "Dude, is my code constant time?", DATE 2017): each measurement runs one operation on an exponent of one
/// of two classes, chosen at random, and Welch's t statistic compares the two classes' timings, on all
/// measurements and again with the slowest ones cropped at several percentiles (as dudect does, to remove
/// the noise of a shared machine). |t| above 4.5 is evidence that the time depends on the exponent.
/// Each operation is timed in thread CPU time (CLOCK_THREAD_CPUTIME_ID), which leaves out the time the
/// thread was descheduled on a shared machine.
/// Classes: a fixed exponent (0, every window selecting the same entry; or 2^256 − 1) against uniformly
/// random 256-bit exponents. A positive control runs the same test on the public, variable-time
/// exponentiation (exponent 2^255: no multiplication in its sliding window) to show that the test sees
/// such a difference. The engine is the default one unless <c>ENTENTE_ARITHMETIC</c> names another.
/// Run from the repository root:
/// <c>dotnet run -c Release --project bench/Entente.Benchmarks -- dudect [measurements per path]</c>.
/// </summary>
internal static class TimingLeakageProbe
{
    private static readonly double[] CropPercentiles = [1.0, 0.99, 0.95, 0.90, 0.75, 0.5];

    public static int Run(int measurements)
    {
        using ArithmeticWorkload workload = new(Environment.GetEnvironmentVariable(ArithmeticEngine.EnvironmentVariable), gmp: null);
        IModularArithmetic engine = workload.Engine;
        Random random = new(20261206);
        ulong[] baseValue = new ulong[engine.LimbCount];
        ReferenceArithmetic.FromBigInteger(ArithmeticWorkload.G, baseValue);
        baseValue[0] ^= 0x5A5A; // any base below p
        ulong[] result = new ulong[engine.LimbCount];
        ulong[] batchResults = new ulong[8 * engine.LimbCount];
        ulong[] zero = new ulong[4];
        ulong[] ones = [ulong.MaxValue, ulong.MaxValue, ulong.MaxValue, ulong.MaxValue];
        ulong[] singleBit = [0, 0, 0, 1UL << 63];
        IFixedBaseTable table = workload.Table;

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"engine {engine.EngineName}; {measurements} measurements per path, classes interleaved at random; thread CPU time; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}"));
        Console.WriteLine("| path | fixed class | median fixed | median random | max \\|t\\| (crop) | verdict |");
        Console.WriteLine("|---|---|---:|---:|---:|---|");
        (string Path, string FixedName, ulong[] Fixed, int Count, Action<ulong[]> Operation, bool Control)[] tests =
        [
            ("PowSecret (variable base)", "0", zero, measurements, e => engine.PowSecret(baseValue, e, result), false),
            ("PowSecret (variable base)", "2^256 − 1", ones, measurements, e => engine.PowSecret(baseValue, e, result), false),
            ("fixed-base PowSecret (g)", "0", zero, measurements, e => table.PowSecret(e, result), false),
            ("fixed-base PowSecret (g)", "2^256 − 1", ones, measurements, e => table.PowSecret(e, result), false),
            ("fixed-base PowSecretBatch of 8 (g)", "0 (all 8)", zero, measurements / 4, e => table.PowSecretBatch(Repeat(e, 8), 4, batchResults), false),
            ("control: public Pow (variable time)", "2^255", singleBit, Math.Max(200, measurements / 10), e => engine.Pow(baseValue, e, result), true),
        ];

        bool leak = false;
        foreach ((string path, string fixedName, ulong[] fixedExponent, int count, Action<ulong[]> operation, bool control) in tests)
        {
            (double medianFixed, double medianRandom, double t, double crop) = Measure(operation, fixedExponent, count, random);
            bool detected = Math.Abs(t) > 4.5;
            leak |= detected && !control;
            string verdict = control
                ? detected ? "leak detected, as it must be (the test works)" : "NOT detected: the test lacks power"
                : detected ? "**leak detected**" : "no leak detected";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {path} | {fixedName} | {medianFixed / 1000:F1} µs | {medianRandom / 1000:F1} µs | {Math.Abs(t):F2} ({crop:P0}) | {verdict} |"));
        }

        return leak ? 1 : 0;
    }

    /// <summary>Medians of the two classes (ns) and the largest |t| over the crops, with the crop that gave it.</summary>
    private static (double MedianFixed, double MedianRandom, double T, double Crop) Measure(Action<ulong[]> operation, ulong[] fixedExponent, int count, Random random)
    {
        ulong[] randomExponent = new ulong[4];
        for (int i = 0; i < 20; i++)
        {
            operation(fixedExponent); // warm-up: JIT, caches
            operation(randomExponent);
        }

        double[] times = new double[count];
        bool[] isFixed = new bool[count];
        for (int i = 0; i < count; i++)
        {
            isFixed[i] = random.Next(2) == 0;
            ulong[] exponent = fixedExponent;
            if (!isFixed[i])
            {
                for (int k = 0; k < 4; k++)
                {
                    randomExponent[k] = (ulong)random.NextInt64() ^ ((ulong)random.Next() << 63);
                }

                exponent = randomExponent;
            }

            double start = TargetsCpuProbe.Now();
            operation(exponent);
            times[i] = (TargetsCpuProbe.Now() - start) * 1000; // ns
        }

        double[] sorted = [.. times.Order()];
        double bestT = 0, bestCrop = 1, medianFixed = 0, medianRandom = 0;
        foreach (double percentile in CropPercentiles)
        {
            double threshold = sorted[Math.Min(sorted.Length - 1, (int)(percentile * (sorted.Length - 1)))];
            Welford f = default, r = default;
            for (int i = 0; i < count; i++)
            {
                if (times[i] <= threshold)
                {
                    if (isFixed[i])
                    {
                        f.Add(times[i]);
                    }
                    else
                    {
                        r.Add(times[i]);
                    }
                }
            }

            double t = (f.Mean - r.Mean) / Math.Sqrt((f.Variance / f.Count) + (r.Variance / r.Count));

            if (double.IsFinite(t) && Math.Abs(t) >= Math.Abs(bestT))
            {
                bestT = t;
                bestCrop = percentile;
            }
        }

        medianFixed = MedianOf(times, isFixed, true);
        medianRandom = MedianOf(times, isFixed, false);
        return (medianFixed, medianRandom, bestT, bestCrop);
    }

    private static double MedianOf(double[] times, bool[] isFixed, bool fixedClass)
    {
        List<double> values = [];
        for (int i = 0; i < times.Length; i++)
        {
            if (isFixed[i] == fixedClass)
            {
                values.Add(times[i]);
            }
        }

        return TargetsCpuProbe.Median(values);
    }

    private static ulong[] Repeat(ulong[] exponent, int times)
    {
        ulong[] all = new ulong[exponent.Length * times];
        for (int n = 0; n < times; n++)
        {
            exponent.CopyTo(all, n * exponent.Length);
        }

        return all;
    }

    /// <summary>Running mean and variance (Welford).</summary>
    private struct Welford
    {
        public long Count;
        public double Mean;
        private double _m2;

        public readonly double Variance => Count > 1 ? _m2 / (Count - 1) : 0;

        public void Add(double x)
        {
            Count++;
            double delta = x - Mean;
            Mean += delta / Count;
            _m2 += delta * (x - Mean);
        }
    }
}
