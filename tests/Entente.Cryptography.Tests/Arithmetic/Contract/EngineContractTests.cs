using System.Numerics;
using Entente.Cryptography.Arithmetic;
using Entente.Testing;
using Xunit.Abstractions;

namespace Entente.Cryptography.Tests.Arithmetic.Contract;

/// <summary>
/// One suite, every engine (reference, scalar, AVX2, AVX-512 and the native IFMA engine where the machine
/// has them), every test modulus:
/// each operation must equal BigInteger.ModPow on edge inputs (0, 1, p − 1, exponent 0 and 1,
/// exponents ≥ q, long exponents such as p − 2) and on random inputs from a fixed, printed seed.
/// </summary>
public class EngineContractTests(ITestOutputHelper output)
{
    public static TheoryData<string, string> Cases()
    {
        TheoryData<string, string> data = [];
        foreach (string modulus in TestModuli.Names)
        {
            foreach (string engine in EngineKinds())
            {
                data.Add(modulus, engine);
            }
        }

        return data;
    }

    /// <summary>Whether this CPU can run the engine <paramref name="kind"/>.</summary>
    internal static bool IsRunnable(string kind) => kind switch
    {
        "avx2" => Avx2Montgomery.IsSupported,
        "avx512" => Avx512Montgomery.IsSupported,
        "ifma" => IfmaMontgomery.IsSupported,
        _ => true,
    };

    internal static IEnumerable<string> EngineKinds()
    {
        yield return "reference";
        yield return "scalar";
        if (Avx2Montgomery.IsSupported)
        {
            yield return "avx2";
        }

        if (Avx512Montgomery.IsSupported)
        {
            yield return "avx512";
        }

        if (IfmaMontgomery.IsSupported)
        {
            yield return "ifma";
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Engine_reports_its_kind_and_modulus(string modulusName, string kind)
    {
        BigInteger m = TestModuli.Get(modulusName);
        IModularArithmetic engine = Create(m, kind);
        Assert.Equal(kind, engine.EngineName);
        Assert.Equal(TestModuli.LimbsOf(m), engine.LimbCount);
        Assert.Equal(m, TestModuli.FromLimbs(engine.Modulus));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Multiply_matches_BigInteger_on_edge_and_random_operands(string modulusName, string kind)
    {
        BigInteger m = TestModuli.Get(modulusName);
        IModularArithmetic engine = Create(m, kind);
        Random random = Seeded(1001);
        List<BigInteger> operands = [.. Edges(m), .. Enumerable.Range(0, 6).Select(_ => TestModuli.Random(random, m))];
        ulong[] result = new ulong[engine.LimbCount];
        foreach (BigInteger a in operands)
        {
            foreach (BigInteger b in operands)
            {
                engine.Multiply(Limbs(engine, a), Limbs(engine, b), result);
                Assert.Equal(a * b % m, TestModuli.FromLimbs(result));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Multiply_may_write_its_result_over_an_operand(string modulusName, string kind)
    {
        BigInteger m = TestModuli.Get(modulusName);
        IModularArithmetic engine = Create(m, kind);
        Random random = Seeded(1002);
        BigInteger a = TestModuli.Random(random, m), b = TestModuli.Random(random, m);
        ulong[] x = Limbs(engine, a);
        engine.Multiply(x, x, x);
        Assert.Equal(a * a % m, TestModuli.FromLimbs(x));
        ulong[] y = Limbs(engine, b);
        engine.Multiply(x, y, y);
        Assert.Equal(a * a % m * b % m, TestModuli.FromLimbs(y));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Values_kept_in_internal_form_multiply_to_the_products_of_Multiply(string modulusName, string kind)
    {
        BigInteger m = TestModuli.Get(modulusName);
        IModularArithmetic engine = Create(m, kind);
        Random random = Seeded(1008);
        List<BigInteger> operands = [.. Edges(m), .. Enumerable.Range(0, 4).Select(_ => TestModuli.Random(random, m))];
        int width = engine.InternalLength;
        ulong[] x = new ulong[width], y = new ulong[width], z = new ulong[width];
        ulong[] result = new ulong[engine.LimbCount];
        foreach (BigInteger a in operands)
        {
            engine.ToInternal(Limbs(engine, a), x);
            engine.FromInternal(x, result);
            Assert.Equal(a, TestModuli.FromLimbs(result));
            foreach (BigInteger b in operands)
            {
                engine.ToInternal(Limbs(engine, b), y);
                engine.MultiplyInternal(x, y, z);
                engine.MultiplyInternal(z, y, z);  // the output of a product is again an input
                engine.FromInternal(z, result);
                Assert.Equal(a * b % m * b % m, TestModuli.FromLimbs(result));
            }
        }

        // The product of many internal values, and of none.
        ulong[] values = new ulong[operands.Count * width];
        BigInteger expected = BigInteger.One;
        for (int k = 0; k < operands.Count; k++)
        {
            engine.ToInternal(Limbs(engine, operands[k]), values.AsSpan(k * width, width));
            expected = expected * operands[k] % m;
        }

        engine.ProductInternal(values, z);
        engine.FromInternal(z, result);
        Assert.Equal(expected, TestModuli.FromLimbs(result));
        engine.ProductInternal([], z);
        engine.FromInternal(z, result);
        Assert.Equal(BigInteger.One % m, TestModuli.FromLimbs(result));
    }

    /// <summary>
    /// As <see cref="Cases"/>, less the reference engine on the two large primes: it is BigInteger.ModPow
    /// itself there, and comparing it with itself on ~100 long exponentiations only costs time.
    /// </summary>
    public static TheoryData<string, string> PowCases()
    {
        TheoryData<string, string> data = [];
        foreach (string modulus in TestModuli.Names)
        {
            foreach (string engine in EngineKinds())
            {
                if (engine != "reference" || modulus is not ("p4096" or "p3072"))
                {
                    data.Add(modulus, engine);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(PowCases))]
    public void Pow_matches_BigInteger_ModPow_on_edge_and_random_inputs(string modulusName, string kind)
        => CheckPow(modulusName, kind, 1003, (engine, b, e, r) => engine.Pow(b, e, r));

    [Theory]
    [MemberData(nameof(PowCases))]
    public void PowSecret_matches_BigInteger_ModPow_on_edge_and_random_inputs(string modulusName, string kind)
        => CheckPow(modulusName, kind, 1004, (engine, b, e, r) => engine.PowSecret(b, e, r));

    [Theory]
    [MemberData(nameof(Cases))]
    public void PowProduct_matches_the_product_of_two_ModPows(string modulusName, string kind)
    {
        BigInteger m = TestModuli.Get(modulusName);
        IModularArithmetic engine = Create(m, kind);
        Random random = Seeded(1005);
        BigInteger[] bases = [0, 1, m - 1, TestModuli.Random(random, m), TestModuli.Random(random, m)];
        BigInteger[] exponents = [0, 1, 2, TestModuli.Q, TestModuli.Q + 1, TestModuli.Random(random, TestModuli.Q), TestModuli.Random(random, BigInteger.One << 40)];
        ulong[] result = new ulong[engine.LimbCount];
        for (int i = 0; i < 12; i++)
        {
            BigInteger b1 = bases[random.Next(bases.Length)], b2 = bases[random.Next(bases.Length)];
            BigInteger e1 = exponents[random.Next(exponents.Length)], e2 = exponents[random.Next(exponents.Length)];
            engine.PowProduct(Limbs(engine, b1), ExponentLimbs(e1), Limbs(engine, b2), ExponentLimbs(e2), result);
            BigInteger expected = BigInteger.ModPow(b1, e1, m) * BigInteger.ModPow(b2, e2, m) % m;
            Assert.True(expected == TestModuli.FromLimbs(result), $"{b1}^{e1} · {b2}^{e2} mod {m}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Fixed_base_table_Pow_and_PowSecret_match_BigInteger_ModPow(string modulusName, string kind)
    {
        BigInteger m = TestModuli.Get(modulusName);
        IModularArithmetic engine = Create(m, kind);
        Random random = Seeded(1006);
        BigInteger g = modulusName == "p4096" ? TestModuli.StandardG : TestModuli.Random(random, m);
        IFixedBaseTable table = engine.CreateFixedBaseTable(Limbs(engine, g), 256);
        Assert.Equal(256, table.MaxExponentBits);
        Assert.InRange(table.TableBytes, 1, MontgomeryEngine.MaxTableBytes);
        BigInteger[] exponents =
        [
            0, 1, 2, 255, 256, TestModuli.Q - 1, TestModuli.Q, TestModuli.Q + 1, (BigInteger.One << 256) - 1,
            TestModuli.Random(random, TestModuli.Q), TestModuli.Random(random, TestModuli.Q), TestModuli.Random(random, BigInteger.One << 64),
        ];
        ulong[] result = new ulong[engine.LimbCount];
        foreach (BigInteger e in exponents)
        {
            BigInteger expected = BigInteger.ModPow(g, e, m);
            table.Pow(ExponentLimbs(e), result);
            Assert.True(expected == TestModuli.FromLimbs(result), $"table Pow {e}");
            table.PowSecret(ExponentLimbs(e, 4), result);
            Assert.True(expected == TestModuli.FromLimbs(result), $"table PowSecret {e}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Fixed_base_table_batch_gives_the_values_of_one_exponentiation_at_a_time(string modulusName, string kind)
    {
        BigInteger m = TestModuli.Get(modulusName);
        IModularArithmetic engine = Create(m, kind);
        Random random = Seeded(1007);
        BigInteger g = modulusName == "p4096" ? TestModuli.StandardG : TestModuli.Random(random, m);
        IFixedBaseTable table = engine.CreateFixedBaseTable(Limbs(engine, g), 256);
        BigInteger[] exponents =
        [
            0, 1, TestModuli.Q - 1, (BigInteger.One << 256) - 1, TestModuli.Random(random, TestModuli.Q),
            TestModuli.Random(random, TestModuli.Q), 0, TestModuli.Random(random, BigInteger.One << 64),
        ];
        int limbs = engine.LimbCount;
        foreach (int count in new[] { 0, 1, 2, exponents.Length })
        {
            ulong[] packed = new ulong[count * 4];
            for (int n = 0; n < count; n++)
            {
                ExponentLimbs(exponents[n], 4).CopyTo(packed.AsSpan(n * 4));
            }

            ulong[] results = new ulong[count * limbs];
            table.PowSecretBatch(packed, 4, results);
            for (int n = 0; n < count; n++)
            {
                Assert.True(BigInteger.ModPow(g, exponents[n], m) == TestModuli.FromLimbs(results.AsSpan(n * limbs, limbs).ToArray()), $"batch of {count}, exponent {n}");
            }
        }

        Assert.Throws<ArgumentException>(() => table.PowSecretBatch(new ulong[8], 4, new ulong[limbs]));
        Assert.Throws<ArgumentOutOfRangeException>(() => table.PowSecretBatch([0, 0, 0, 0, 0, 0, 0, 1], 8, new ulong[limbs]));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Fixed_base_table_for_the_zero_and_one_bases_gives_zero_and_one(string modulusName, string kind)
    {
        BigInteger m = TestModuli.Get(modulusName);
        IModularArithmetic engine = Create(m, kind);
        ulong[] result = new ulong[engine.LimbCount];
        foreach (BigInteger b in new BigInteger[] { 0, 1, m - 1 })
        {
            IFixedBaseTable table = engine.CreateFixedBaseTable(Limbs(engine, b), 20);
            foreach (BigInteger e in new BigInteger[] { 0, 1, 2, 3, (1 << 20) - 1 })
            {
                table.PowSecret(ExponentLimbs(e), result);
                Assert.Equal(BigInteger.ModPow(b, e, m), TestModuli.FromLimbs(result));
                table.Pow(ExponentLimbs(e), result);
                Assert.Equal(BigInteger.ModPow(b, e, m), TestModuli.FromLimbs(result));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Fixed_base_table_rejects_an_exponent_longer_than_it_was_built_for(string modulusName, string kind)
    {
        IModularArithmetic engine = Create(TestModuli.Get(modulusName), kind);
        ulong[] one = new ulong[engine.LimbCount];
        one[0] = 1;
        IFixedBaseTable table = engine.CreateFixedBaseTable(one, 100);
        ulong[] result = new ulong[engine.LimbCount];
        ulong[] tooLong = [0, 1UL << 36]; // bit 100
        Assert.Throws<ArgumentOutOfRangeException>(() => table.Pow(tooLong, result));
        Assert.Throws<ArgumentOutOfRangeException>(() => table.PowSecret(tooLong, result));
        table.Pow([0, (1UL << 36) - 1], result); // bits 64..99: accepted
        Assert.Equal(1UL, result[0]);
    }

    private void CheckPow(string modulusName, string kind, int fixedSeed, Action<IModularArithmetic, ulong[], ulong[], ulong[]> pow)
    {
        BigInteger m = TestModuli.Get(modulusName);
        IModularArithmetic engine = Create(m, kind);
        Random random = Seeded(fixedSeed);
        List<BigInteger> bases = [.. Edges(m), TestModuli.Random(random, m), TestModuli.Random(random, m)];
        List<BigInteger> exponents =
        [
            0, 1, 2, 3, 65537, TestModuli.Q - 1, TestModuli.Q, TestModuli.Q + 1, 2 * TestModuli.Q + 7,
            BigInteger.One << 255, TestModuli.Random(random, TestModuli.Q), TestModuli.Random(random, BigInteger.One << 64),
        ];
        ulong[] result = new ulong[engine.LimbCount];
        foreach (BigInteger b in bases)
        {
            foreach (BigInteger e in exponents)
            {
                pow(engine, Limbs(engine, b), ExponentLimbs(e), result);
                Assert.True(ModPow(b, e, m) == TestModuli.FromLimbs(result), $"{b}^{e} mod {m}");
            }

            // Leading zero limbs change nothing.
            pow(engine, Limbs(engine, b), ExponentLimbs(TestModuli.Q - 2, 6), result);
            Assert.Equal(ModPow(b, TestModuli.Q - 2, m), TestModuli.FromLimbs(result));
        }

        // Long exponents: p − 2 (the Fermat inverse, when m is prime) and p − 1.
        BigInteger x = TestModuli.Random(random, m - 2) + 2;
        foreach (BigInteger e in new[] { m - 2, m - 1 })
        {
            pow(engine, Limbs(engine, x), ExponentLimbs(e), result);
            Assert.Equal(ModPow(x, e, m), TestModuli.FromLimbs(result));
        }
    }

    /// <summary>BigInteger.ModPow, remembered: every engine is checked against the same expected values.</summary>
    private static BigInteger ModPow(BigInteger b, BigInteger e, BigInteger m)
        => Expected.GetOrAdd((b, e, m), key => BigInteger.ModPow(key.B, key.E, key.M));

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(BigInteger B, BigInteger E, BigInteger M), BigInteger> Expected = new();

    private Random Seeded(int fixedSeed)
    {
        int seed = TestSeeds.Resolve(fixedSeed);
        output.WriteLine($"seed {seed} (replay with ENTENTE_TEST_SEED={seed})");
        return new Random(seed);
    }

    internal static IModularArithmetic Create(BigInteger m, string kind)
        => ArithmeticEngine.Create(TestModuli.ToLimbs(m, TestModuli.LimbsOf(m)), kind);

    internal static ulong[] Limbs(IModularArithmetic engine, BigInteger value) => TestModuli.ToLimbs(value, engine.LimbCount);

    internal static ulong[] ExponentLimbs(BigInteger e, int minimumLimbs = 1)
        => TestModuli.ToLimbs(e, Math.Max(minimumLimbs, TestModuli.LimbsOf(e)));

    private static IEnumerable<BigInteger> Edges(BigInteger m)
    {
        HashSet<BigInteger> edges = [0, 1, m - 1, 2 % m, m / 2, m - 2 < 0 ? 0 : m - 2];
        return edges.Where(x => x >= 0 && x < m);
    }
}
