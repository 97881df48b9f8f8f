using System.CommandLine;
using System.Diagnostics;
using System.Runtime.Intrinsics.X86;
using System.Text.Json;
using Entente.Benchmarks.Arithmetic;
using Entente.Benchmarks.Gmp;
using Entente.Cryptography.Arithmetic;
using Spectre.Console;

namespace Entente.Cli.Commands;

/// <summary>
/// <c>entente bench</c>: a quick, human-readable timing of the core 4096-bit operations (median of
/// N runs each) next to GMP (when libgmp is installed) and System.Numerics.BigInteger, on the same
/// inputs in the same process. For publishable figures use the BenchmarkDotNet suite in bench/.
/// </summary>
internal static partial class BenchCommand
{
    private const int ClockThreadCpuTime = 3; // CLOCK_THREAD_CPUTIME_ID

    private static bool _cpuClock;

    public static Command Create()
    {
        Option<int> iterations = new("--iterations", "-n")
        {
            Description = "Timed runs per operation (multiplication runs 100 times as many).",
            DefaultValueFactory = _ => 25,
        };
        Option<bool> json = new("--json") { Description = "Print the results as JSON instead of a table." };
        Option<string> clock = new("--clock")
        {
            Description = "wall: elapsed time; cpu: CPU time of the timing thread (Linux), steadier on a busy machine.",
            DefaultValueFactory = _ => "wall",
        };
        Option<string?> engine = new("--engine")
        {
            Description = "Force an engine: ifma, avx512, avx2, scalar or reference (default: the fastest this machine supports).",
        };
        Command command = new("bench", "Time the core modular arithmetic (4096-bit p, 256-bit exponents) against GMP and BigInteger.");
        command.Options.Add(iterations);
        command.Options.Add(json);
        command.Options.Add(engine);
        command.Options.Add(clock);
        command.SetAction(parseResult =>
        {
            int n = parseResult.GetValue(iterations);
            if (n is < 1 or > 100_000)
            {
                Console.Error.WriteLine("--iterations must be between 1 and 100000.");
                return ExitCodes.UsageOrInput;
            }

            string? kind = parseResult.GetValue(engine);
            if (kind is not null && kind is not ("ifma" or "avx512" or "avx2" or "scalar" or "reference"))
            {
                Console.Error.WriteLine("--engine must be ifma, avx512, avx2, scalar or reference.");
                return ExitCodes.UsageOrInput;
            }

            if (kind == "ifma" && !IfmaMontgomery.IsSupported)
            {
                Console.Error.WriteLine($"The IFMA engine cannot run here ({IfmaNative.Status}): choose --engine avx512, avx2 or scalar.");
                return ExitCodes.UsageOrInput;
            }

            if (kind == "avx2" && !Avx2Montgomery.IsSupported)
            {
                Console.Error.WriteLine("This CPU has no AVX2: choose --engine scalar.");
                return ExitCodes.UsageOrInput;
            }

            if (kind == "avx512" && !Avx512Montgomery.IsSupported)
            {
                Console.Error.WriteLine("This CPU has no AVX-512F: choose --engine avx2 or scalar.");
                return ExitCodes.UsageOrInput;
            }

            string clockName = parseResult.GetValue(clock) ?? "wall";
            if (clockName is not ("wall" or "cpu") || (clockName == "cpu" && !OperatingSystem.IsLinux()))
            {
                Console.Error.WriteLine("--clock must be wall or cpu (cpu needs Linux).");
                return ExitCodes.UsageOrInput;
            }

            _cpuClock = clockName == "cpu";
            return Run(n, kind, parseResult.GetValue(json));
        });
        return command;
    }

    private static int Run(int iterations, string? engineKind, bool asJson)
    {
        GmpLibrary.TryLoad(out GmpLibrary? gmp);
        using ArithmeticWorkload workload = new(engineKind, gmp);
        string? problem = workload.Verify();
        if (problem is not null)
        {
            Console.Error.WriteLine($"Self-check failed before timing: {problem}.");
            return ExitCodes.CheckFailed;
        }

        List<Row> rows = [];
        void Measure()
        {
            Func<object> big;
            rows.Add(Time("modmul", iterations * 100, workload.ModMul, gmp is null ? null : workload.GmpModMul, () => workload.BigModMul(), "mpz_mul + mpz_mod"));
            rows.Add(Time("pow (public exponent)", iterations, workload.Pow, gmp is null ? null : workload.GmpPow, () => workload.BigPow()));
            rows.Add(Time("pow secret (constant time)", iterations, workload.PowSecret, gmp is null ? null : workload.GmpPowSecret, () => workload.BigPow(), "mpz_powm_sec"));
            big = () => workload.BigFixedBasePow();
            rows.Add(Time("fixed-base pow", iterations, workload.FixedBasePow, gmp is null ? null : workload.GmpFixedBasePow, big));
            rows.Add(Time("fixed-base pow secret", iterations, workload.FixedBasePowSecret, gmp is null ? null : workload.GmpPowSecret, big, "mpz_powm_sec"));
            rows.Add(Time("pow product g^a·h^b", iterations, workload.PowProduct, gmp is null ? null : workload.GmpPowProduct, () => workload.BigPowProduct(), "2 × mpz_powm"));
            rows.Add(Time("fixed-base table build", Math.Max(1, iterations / 5), () => workload.BuildTable(), null, null));
        }

        if (asJson)
        {
            Measure();
            WriteJson(workload, gmp, rows);
            return ExitCodes.Ok;
        }

        AnsiConsole.Status().Start("Timing 4096-bit operations…", _ => Measure());
        Table table = new Table().Border(TableBorder.Rounded)
            .Title($"[bold]4096-bit arithmetic[/], engine [green]{workload.Engine.EngineName}[/], median of {iterations} runs ({(_cpuClock ? "thread CPU time" : "wall clock")})")
            .AddColumn("operation")
            .AddColumn(new TableColumn("ours").RightAligned())
            .AddColumn(new TableColumn("GMP").RightAligned())
            .AddColumn(new TableColumn("× GMP").RightAligned())
            .AddColumn(new TableColumn("BigInteger").RightAligned())
            .AddColumn(new TableColumn("× BigInteger").RightAligned());
        foreach (Row row in rows)
        {
            table.AddRow(
                Markup.Escape(row.Name),
                Format(row.Ours),
                row.Gmp is null ? "–" : $"{Format(row.Gmp.Value)} [grey]{Markup.Escape(row.GmpName ?? "")}[/]",
                row.Gmp is null ? "–" : Ratio(row.Ours / row.Gmp.Value),
                row.BigInteger is null ? "–" : Format(row.BigInteger.Value),
                row.BigInteger is null ? "–" : Ratio(row.Ours / row.BigInteger.Value));
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"CPU: AVX2 {Avx2.IsSupported}, BMI2 {Bmi2.X64.IsSupported}, AVX-512F {Avx512F.IsSupported}, AVX-512 IFMA {IfmaNative.CpuSupported}; {Environment.ProcessorCount} cores; .NET {Environment.Version}");
        AnsiConsole.MarkupLine($"Native IFMA engine: {Markup.Escape(IfmaNative.Status)}.");
        AnsiConsole.MarkupLine(gmp is null
            ? "[yellow]GMP (libgmp.so.10) not found: GMP columns skipped.[/] Install it with: apt-get install libgmp10"
            : $"GMP {Markup.Escape(gmp.Version)}; fixed-base table for g: {workload.Table.TableBytes / 1048576.0:F2} MiB.");
        AnsiConsole.MarkupLine("[grey]Ratios below 1 mean faster than the baseline. For publishable figures: dotnet run -c Release --project bench/Entente.Benchmarks -- --filter '*Arithmetic*'[/]");
        return ExitCodes.Ok;
    }

    private sealed record Row(string Name, double Ours, double? Gmp, string? GmpName, double? BigInteger);

    /// <summary>
    /// Median time in microseconds of each implementation after a warm-up. Ours and GMP run
    /// alternately, so that both see the same load on a shared machine.
    /// </summary>
    private static Row Time(string name, int runs, Action ours, Action? gmp, Func<object>? big, string gmpName = "mpz_powm")
    {
        for (int i = 0; i < Math.Min(runs, 20); i++)
        {
            ours(); // warm-up
            gmp?.Invoke();
        }

        double[] oursTimes = new double[runs];
        double[] gmpTimes = new double[runs];
        for (int i = 0; i < runs; i++)
        {
            oursTimes[i] = Once(ours);
            if (gmp is not null)
            {
                gmpTimes[i] = Once(gmp);
            }
        }

        double? bigTime = null;
        if (big is not null)
        {
            double[] bigTimes = new double[Math.Max(1, runs / 5)];
            for (int i = 0; i < bigTimes.Length; i++)
            {
                bigTimes[i] = Once(() => big());
            }

            bigTime = Median(bigTimes);
        }

        return new Row(name, Median(oursTimes), gmp is null ? null : Median(gmpTimes), gmp is null ? null : gmpName, bigTime);
    }

    private static double Once(Action action)
    {
        if (_cpuClock)
        {
            double before = ThreadCpuMicroseconds();
            action();
            return ThreadCpuMicroseconds() - before;
        }

        long start = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(start).TotalMicroseconds;
    }

    private static double ThreadCpuMicroseconds()
    {
        _ = ClockGetTime(ClockThreadCpuTime, out TimeSpec time);
        return (time.Seconds * 1e6) + (time.Nanoseconds / 1e3);
    }

    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    private static double Median(double[] times)
    {
        Array.Sort(times);
        return times[times.Length / 2];
    }

    private static string Format(double microseconds) => microseconds switch
    {
        >= 10_000 => $"{microseconds / 1000:F1} ms",
        >= 1000 => $"{microseconds / 1000:F2} ms",
        >= 10 => $"{microseconds:F0} µs",
        _ => $"{microseconds:F2} µs",
    };

    private static string Ratio(double ratio) => ratio <= 1 ? $"[green]{ratio:F2}×[/]" : $"[yellow]{ratio:F2}×[/]";

    private static void WriteJson(ArithmeticWorkload workload, GmpLibrary? gmp, List<Row> rows)
    {
        using Stream stdout = Console.OpenStandardOutput();
        using Utf8JsonWriter writer = new(stdout, new JsonWriterOptions { Indented = true });
        writer.WriteStartObject();
        writer.WriteString("engine", workload.Engine.EngineName);
        writer.WriteString("ifmaStatus", IfmaNative.Status);
        writer.WriteString("clock", _cpuClock ? "thread-cpu" : "wall");
        writer.WriteNumber("modulusBits", 4096);
        writer.WriteNumber("exponentBits", 256);
        if (gmp is null)
        {
            writer.WriteNull("gmpVersion");
        }
        else
        {
            writer.WriteString("gmpVersion", gmp.Version);
        }

        writer.WriteNumber("fixedBaseTableBytes", workload.Table.TableBytes);
        writer.WriteStartArray("operations");
        foreach (Row row in rows)
        {
            writer.WriteStartObject();
            writer.WriteString("name", row.Name);
            writer.WriteNumber("oursMicroseconds", Math.Round(row.Ours, 3));
            WriteOptional(writer, "gmpMicroseconds", row.Gmp);
            if (row.GmpName is not null)
            {
                writer.WriteString("gmpFunction", row.GmpName);
            }

            WriteOptional(writer, "ratioToGmp", row.Gmp is null ? null : row.Ours / row.Gmp.Value);
            WriteOptional(writer, "bigIntegerMicroseconds", row.BigInteger);
            WriteOptional(writer, "ratioToBigInteger", row.BigInteger is null ? null : row.Ours / row.BigInteger.Value);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.Flush();
        stdout.WriteByte((byte)'\n');
    }

    private static void WriteOptional(Utf8JsonWriter writer, string name, double? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteNumber(name, Math.Round(value.Value, 4));
        }
    }
}
