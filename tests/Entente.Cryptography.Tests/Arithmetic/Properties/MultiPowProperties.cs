using System.Numerics;
using Entente.Cryptography.Arithmetic;
using Entente.Testing;
using Xunit.Abstractions;

namespace Entente.Cryptography.Tests.Arithmetic.Properties;

/// <summary>
/// The bucket multi-exponentiation Π b_i^(e_i) with 64-bit exponents agrees with the BigInteger product
/// of single powers, on every engine, for batch sizes on both sides of each window change.
/// </summary>
public class MultiPowProperties(ITestOutputHelper output)
{
    [Theory]
    [InlineData("p4096", "avx2", 9001)]
    [InlineData("p4096", "avx512", 9005)]
    [InlineData("p4096", "scalar", 9002)]
    [InlineData("p64", "scalar", 9003)]
    [InlineData("p127", "reference", 9004)]
    public void Multi_power_is_the_product_of_the_single_powers(string modulusName, string kind, int fixedSeed)
    {
        if (!Contract.EngineContractTests.IsRunnable(kind))
        {
            kind = "scalar";
        }

        int seed = TestSeeds.Resolve(fixedSeed);
        output.WriteLine($"seed {seed} (replay with ENTENTE_TEST_SEED={seed})");
        Random random = new(seed);
        BigInteger m = TestModuli.Get(modulusName);
        IModularArithmetic engine = Contract.EngineContractTests.Create(m, kind);
        int limbs = engine.LimbCount;
        foreach (int count in (int[])[0, 1, 2, 3, 7, 20, 33, 90, 260])
        {
            ulong[] bases = new ulong[count * limbs];
            ulong[] exponents = new ulong[count];
            BigInteger expected = BigInteger.One;
            for (int i = 0; i < count; i++)
            {
                BigInteger b = TestModuli.Random(random, m);
                TestModuli.ToLimbs(b, limbs).CopyTo(bases, i * limbs);
                exponents[i] = random.Next(6) switch
                {
                    0 => 0,
                    1 => ulong.MaxValue,
                    2 => (ulong)random.Next(1, 300),
                    _ => (ulong)random.NextInt64() ^ ((ulong)random.Next() << 40),
                };
                expected = expected * BigInteger.ModPow(b, exponents[i], m) % m;
            }

            ulong[] result = new ulong[limbs];
            engine.MultiPowSmall(bases, exponents, result);
            Assert.Equal(expected % m, ReferenceArithmetic.ToBigInteger(result));
        }
    }
}

/// <summary>One base, several exponents: each result is the single power, on every engine and exponent length.</summary>
public class PowManyProperties(ITestOutputHelper output)
{
    [Theory]
    [InlineData("p4096", "avx2", 9101)]
    [InlineData("p4096", "avx512", 9105)]
    [InlineData("p4096", "scalar", 9102)]
    [InlineData("p64", "scalar", 9103)]
    [InlineData("p127", "reference", 9104)]
    public void Each_power_of_a_shared_base_is_the_single_power(string modulusName, string kind, int fixedSeed)
    {
        if (!Contract.EngineContractTests.IsRunnable(kind))
        {
            kind = "scalar";
        }

        int seed = TestSeeds.Resolve(fixedSeed);
        output.WriteLine($"seed {seed} (replay with ENTENTE_TEST_SEED={seed})");
        Random random = new(seed);
        BigInteger m = TestModuli.Get(modulusName);
        IModularArithmetic engine = Contract.EngineContractTests.Create(m, kind);
        int limbs = engine.LimbCount;
        foreach (int bits in (int[])[1, 5, 17, 31, 32, 63, 64, 100, 127, 128, 200, 256])
        {
            foreach (int count in (int[])[1, 2, 3])
            {
                BigInteger b = TestModuli.Random(random, m);
                ulong[] exponents = new ulong[count * 4];
                BigInteger[] values = new BigInteger[count];
                for (int k = 0; k < count; k++)
                {
                    values[k] = random.Next(5) == 0 ? BigInteger.Zero : TestModuli.Random(random, BigInteger.One << bits);
                    TestModuli.ToLimbs(values[k], 4).CopyTo(exponents, k * 4);
                }

                ulong[] results = new ulong[count * limbs];
                engine.PowMany(TestModuli.ToLimbs(b, limbs), exponents, 4, results);
                for (int k = 0; k < count; k++)
                {
                    Assert.Equal(BigInteger.ModPow(b, values[k], m), ReferenceArithmetic.ToBigInteger(results.AsSpan(k * limbs, limbs)));
                }
            }
        }
    }
}
