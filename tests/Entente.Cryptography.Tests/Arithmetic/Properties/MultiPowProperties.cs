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
    [InlineData("p4096", "scalar", 9002)]
    [InlineData("p64", "scalar", 9003)]
    [InlineData("p127", "reference", 9004)]
    public void Multi_power_is_the_product_of_the_single_powers(string modulusName, string kind, int fixedSeed)
    {
        if (kind == "avx2" && !Avx2Montgomery.IsSupported)
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
