using System.Diagnostics;
using System.Globalization;
using CsCheck;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Entente.Testing.Properties;

/// <summary>
/// Runs a property over generated cases, deterministically: every case comes from one CsCheck PCG stream that
/// starts at a fixed seed, so the same run happens in CI and on every machine, and the seed of the case that
/// fails replays it exactly. Each case has a time bound (a parser that hangs fails the test, naming the case),
/// and a failure is then shrunk with CsCheck (from the failing seed) to a smaller input where it can be.
/// Environment (docs/testing.md):
/// <list type="bullet">
/// <item><c>ENTENTE_PROPERTY_ITERATIONS</c>: cases per property (default: each property's own, a few hundred);</item>
/// <item><c>ENTENTE_PROPERTY_SEED</c>: the seed of the first case (replays a printed seed);</item>
/// <item><c>ENTENTE_PROPERTY_CASE_SECONDS</c>: the time bound of one case (default 10).</item>
/// </list>
/// </summary>
public static class PropertyRunner
{
    /// <summary>Environment variable overriding the number of cases of every property.</summary>
    public const string IterationsVariable = "ENTENTE_PROPERTY_ITERATIONS";

    /// <summary>Environment variable giving the seed of the first case.</summary>
    public const string SeedVariable = "ENTENTE_PROPERTY_SEED";

    /// <summary>Environment variable giving the time bound of one case, in seconds.</summary>
    public const string CaseSecondsVariable = "ENTENTE_PROPERTY_CASE_SECONDS";

    // All properties draw from one PCG stream; the fixed seed picks the starting state.
    private const uint Stream = 14;

    /// <summary>The number of cases: <see cref="IterationsVariable"/> when set, else <paramref name="defaultIterations"/>.</summary>
    public static int Iterations(int defaultIterations) =>
        int.TryParse(Environment.GetEnvironmentVariable(IterationsVariable), NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0
            ? n
            : defaultIterations;

    /// <summary>The seed string of <paramref name="fixedSeed"/>, or <see cref="SeedVariable"/> when set.</summary>
    public static string Seed(ulong fixedSeed) =>
        Environment.GetEnvironmentVariable(SeedVariable) is { Length: > 0 } seed ? seed : new PCG(Stream, fixedSeed).ToString();

    /// <summary>
    /// Checks <paramref name="property"/> (which throws when it does not hold) on <paramref name="iterations"/> cases of
    /// <paramref name="gen"/>, starting at <paramref name="fixedSeed"/>; prints the seed and the count to
    /// <paramref name="output"/>.
    /// </summary>
    public static void Check<T>(
        ITestOutputHelper output,
        Gen<T> gen,
        Action<T> property,
        ulong fixedSeed,
        int iterations,
        Func<T, string>? print = null,
        [System.Runtime.CompilerServices.CallerMemberName] string name = "")
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(gen);
        ArgumentNullException.ThrowIfNull(property);
        print ??= v => v?.ToString() ?? "null";
        string seed = Seed(fixedSeed);
        int count = Iterations(iterations);
        TimeSpan bound = TimeSpan.FromSeconds(
            int.TryParse(Environment.GetEnvironmentVariable(CaseSecondsVariable), NumberStyles.None, CultureInfo.InvariantCulture, out int s) && s > 0 ? s : 10);
        output.WriteLine($"{name}: {count} cases from seed {seed} (replay: {SeedVariable}={seed}; longer: {IterationsVariable}=N)");

        PCG pcg = PCG.Parse(seed);
        CaseState state = new(seed, Stopwatch.GetTimestamp());
        Failure? failure = null;
        int passed = 0;
        Thread worker = new(() =>
        {
            for (int i = 0; i < count; i++)
            {
                string caseSeed = pcg.ToString();
                state.Start(caseSeed);
                T value = default!;
                bool generated = false;
                try
                {
                    value = gen.Generate(pcg, null, out _);
                    generated = true;
                    property(value);
                    passed++;
                }
                catch (Exception e)
                {
                    failure = new Failure(i, caseSeed, generated ? print(value) : "(generation failed)", e);
                    return;
                }
            }
        })
        {
            IsBackground = true,
            Name = "property " + name,
        };
        worker.Start();
        while (!worker.Join(TimeSpan.FromMilliseconds(50)))
        {
            (string current, long started) = state.Read();
            if (Stopwatch.GetElapsedTime(started) > bound)
            {
                // The worker cannot be stopped; it is a background thread and dies with the test process.
                throw new XunitException(
                    $"{name}: the case from seed {current} ran longer than {bound.TotalSeconds:0} s (a hang?). " +
                    $"Replay it with {SeedVariable}={current} {IterationsVariable}=1.");
            }
        }

        if (failure is null)
        {
            output.WriteLine($"{name}: {passed} cases passed");
            return;
        }

        string shrunk = Shrink(gen, property, failure.Seed, print);
        throw new XunitException(
            $"{name}: case {failure.Index} (seed {failure.Seed}) fails: {failure.Exception.GetType().Name}: {failure.Exception.Message}\n" +
            $"input: {failure.Input}\n" +
            $"replay: {SeedVariable}={failure.Seed} {IterationsVariable}=1\n" +
            shrunk + "\n" + failure.Exception);
    }

    private static string Shrink<T>(Gen<T> gen, Action<T> property, string seed, Func<T, string> print)
    {
        try
        {
            // CsCheck starts from the failing seed and keeps the smallest failing case it meets.
            gen.Sample(property, seed: seed, iter: 2000, threads: 1, print: print);
            return "shrinking: the failing case did not fail again (the property depends on state?)";
        }
        catch (CsCheckException e)
        {
            return "shrunk by CsCheck: " + e.Message;
        }
    }

    private sealed record Failure(int Index, string Seed, string Input, Exception Exception);

    private sealed class CaseState(string seed, long started)
    {
        private readonly Lock _lock = new();
        private string _seed = seed;
        private long _started = started;

        public void Start(string seed)
        {
            lock (_lock)
            {
                _seed = seed;
                _started = Stopwatch.GetTimestamp();
            }
        }

        public (string Seed, long Started) Read()
        {
            lock (_lock)
            {
                return (_seed, _started);
            }
        }
    }
}
