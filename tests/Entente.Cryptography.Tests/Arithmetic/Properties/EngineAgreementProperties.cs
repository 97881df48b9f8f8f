using System.Numerics;
using Entente.Cryptography.Arithmetic;
using Entente.Testing;
using Xunit.Abstractions;

namespace Entente.Cryptography.Tests.Arithmetic.Properties;

/// <summary>
/// Random inputs from fixed, printed seeds on the toy primes, q and the standard primes: the scalar, AVX2,
/// AVX-512 and native IFMA engines agree with each other bit for bit, and exponentiation behaves as a
/// homomorphism.
/// </summary>
public class EngineAgreementProperties(ITestOutputHelper output)
{
    [Theory]
    [InlineData("p16", 5001)]
    [InlineData("p32", 5002)]
    [InlineData("p64", 5003)]
    [InlineData("p127", 5004)]
    [InlineData("q256", 5005)]
    public void Scalar_and_avx2_engines_agree_on_every_operation(string modulusName, int fixedSeed)
        => EnginesAgree(modulusName, fixedSeed, Avx2Montgomery.IsSupported ? "avx2" : "reference");

    [Theory]
    [InlineData("p16", 5011)]
    [InlineData("p127", 5014)]
    [InlineData("q256", 5015)]
    [InlineData("p3072", 5016)]
    public void Scalar_and_avx512_engines_agree_on_every_operation(string modulusName, int fixedSeed)
        => EnginesAgree(modulusName, fixedSeed, Avx512Montgomery.IsSupported ? "avx512" : "reference");

    [Theory]
    [InlineData("p16", 5021)]
    [InlineData("p127", 5024)]
    [InlineData("q256", 5025)]
    [InlineData("p3072", 5026)]
    [InlineData("p4096", 5027)]
    public void Avx512_and_ifma_engines_agree_on_every_operation(string modulusName, int fixedSeed)
        => EnginesAgree(modulusName, fixedSeed, IfmaMontgomery.IsSupported ? "ifma" : "reference", Avx512Montgomery.IsSupported ? "avx512" : "scalar");

    private void EnginesAgree(string modulusName, int fixedSeed, string otherKind, string baseKind = "scalar")
    {
        int seed = TestSeeds.Resolve(fixedSeed);
        output.WriteLine($"seed {seed} (replay with ENTENTE_TEST_SEED={seed})");
        BigInteger m = TestModuli.Get(modulusName);
        IModularArithmetic scalar = Contract.EngineContractTests.Create(m, baseKind);
        IModularArithmetic other = Contract.EngineContractTests.Create(m, otherKind);
        Random random = new(seed);
        ulong[] x = new ulong[scalar.LimbCount], y = new ulong[scalar.LimbCount];
        int rounds = m.GetBitLength() > 1024 ? 40 : 200;
        for (int i = 0; i < rounds; i++)
        {
            ulong[] a = Contract.EngineContractTests.Limbs(scalar, TestModuli.Random(random, m));
            ulong[] b = Contract.EngineContractTests.Limbs(scalar, TestModuli.Random(random, m));
            ulong[] e = Contract.EngineContractTests.ExponentLimbs(TestModuli.Random(random, BigInteger.One << random.Next(1, 300)));
            scalar.Multiply(a, b, x);
            other.Multiply(a, b, y);
            Assert.Equal(x, y);
            scalar.Pow(a, e, x);
            other.PowSecret(a, e, y);
            Assert.Equal(x, y);
            scalar.PowProduct(a, e, b, e, x);
            other.PowProduct(a, e, b, e, y);
            Assert.Equal(x, y);
            scalar.MultiPowSmall([.. a, .. b], [e[0], (ulong)i], x);
            other.MultiPowSmall([.. a, .. b], [e[0], (ulong)i], y);
            Assert.Equal(x, y);
        }
    }

    [Theory]
    [InlineData("p32", 6001)]
    [InlineData("q256", 6002)]
    [InlineData("p4096", 6003)]
    public void Power_of_a_sum_is_the_product_of_the_powers(string modulusName, int fixedSeed)
    {
        int seed = TestSeeds.Resolve(fixedSeed);
        output.WriteLine($"seed {seed} (replay with ENTENTE_TEST_SEED={seed})");
        BigInteger m = TestModuli.Get(modulusName);
        IModularArithmetic engine = ArithmeticEngine.Create(TestModuli.ToLimbs(m, TestModuli.LimbsOf(m)), kind: null);
        Random random = new(seed);
        ulong[] left = new ulong[engine.LimbCount], first = new ulong[engine.LimbCount], second = new ulong[engine.LimbCount];
        for (int i = 0; i < 20; i++)
        {
            ulong[] a = Contract.EngineContractTests.Limbs(engine, TestModuli.Random(random, m));
            BigInteger e1 = TestModuli.Random(random, TestModuli.Q), e2 = TestModuli.Random(random, TestModuli.Q);
            engine.PowSecret(a, Contract.EngineContractTests.ExponentLimbs(e1 + e2), left);
            engine.Pow(a, Contract.EngineContractTests.ExponentLimbs(e1), first);
            engine.PowSecret(a, Contract.EngineContractTests.ExponentLimbs(e2, 4), second);
            engine.Multiply(first, second, first);
            Assert.Equal(left, first);

            // g^e1 · a^e2 from PowProduct equals the two powers multiplied.
            engine.PowProduct(a, Contract.EngineContractTests.ExponentLimbs(e1), left, Contract.EngineContractTests.ExponentLimbs(e2), first);
            engine.Pow(a, Contract.EngineContractTests.ExponentLimbs(e1), second);
            engine.Pow(left, Contract.EngineContractTests.ExponentLimbs(e2), left);
            engine.Multiply(second, left, second);
            Assert.Equal(second, first);
        }
    }
}
