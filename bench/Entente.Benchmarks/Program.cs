using BenchmarkDotNet.Running;

namespace Entente.Benchmarks;

internal static class Program
{
    private static int Main(string[] args)
    {
        // `server-load`: the board under load in a second process (ServerLoad/ServerLoad.cs); everything else is BenchmarkDotNet.
        if (args.Length > 0 && args[0] == "server-load")
        {
            return ServerLoad.ServerLoad.RunAsync(args[1..]).GetAwaiter().GetResult();
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
