namespace Entente.Testing;

/// <summary>
/// Seeds for property tests. Each test prints its seed so that a failure can be replayed;
/// ENTENTE_TEST_SEED overrides the default to explore.
/// </summary>
public static class TestSeeds
{
    /// <summary>The seed a property test uses: ENTENTE_TEST_SEED if set, else <paramref name="fixedSeed"/>.</summary>
    public static int Resolve(int fixedSeed)
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable("ENTENTE_TEST_SEED");
        return int.TryParse(fromEnvironment, System.Globalization.CultureInfo.InvariantCulture, out int seed) ? seed : fixedSeed;
    }
}
