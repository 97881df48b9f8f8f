using BenchmarkDotNet.Running;

namespace Entente.Benchmarks;

internal static class Program
{
    private static int Main(string[] args)
    {
        // Thread-CPU-time ratios of the verification floor benchmarks (robust on a loaded machine).
        if (args.Length > 0 && args[0] == "verify-cpu")
        {
            Verifier.VerificationCpuProbe.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 15);
            return 0;
        }

        // Ratios to GMP of the arithmetic-engine targets, in thread CPU time (Arithmetic/TargetsCpuProbe.cs).
        if (args.Length > 0 && args[0] == "targets-cpu")
        {
            return Arithmetic.TargetsCpuProbe.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 11);
        }

        // dudect-style timing test of the secret-exponent paths (Arithmetic/TimingLeakageProbe.cs).
        if (args.Length > 0 && args[0] == "dudect")
        {
            return Arithmetic.TimingLeakageProbe.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 20_000);
        }

        // `board-index-memory`: the board index's live heap per ballot, in process (ServerLoad/BoardIndexMemory.cs).
        if (args.Length > 0 && args[0] == "board-index-memory")
        {
            return ServerLoad.BoardIndexMemory.Run(args[1..]);
        }

        // `server-load`: the board under load in a second process (ServerLoad/ServerLoad.cs).
        if (args.Length > 0 && args[0] == "server-load")
        {
            return ServerLoad.ServerLoad.RunAsync(args[1..]).GetAwaiter().GetResult();
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
