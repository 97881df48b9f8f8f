using System.Numerics;
using Entente.Cryptography.Arithmetic;
using Entente.Testing;
using Xunit.Abstractions;

namespace Entente.Cryptography.Tests.Arithmetic.Properties;

/// <summary>
/// The limb Jacobi symbol agrees with the BigInteger reference (and, for the prime p of the groups,
/// with Euler's criterion x^((p−1)/2)) on random inputs from fixed, printed seeds.
/// </summary>
public class JacobiProperties(ITestOutputHelper output)
{
    [Theory]
    [InlineData(7101, 1)]
    [InlineData(7102, 2)]
    [InlineData(7103, 5)]
    [InlineData(7104, 64)]
    public void Limb_jacobi_agrees_with_the_reference_on_random_odd_moduli(int fixedSeed, int limbs)
    {
        Random random = Seeded(fixedSeed);
        Span<ulong> scratch = stackalloc ulong[LimbJacobi.ScratchLength(limbs)];
        int[] seen = new int[3];
        for (int i = 0; i < (limbs > 8 ? 150 : 3000); i++)
        {
            BigInteger n = RandomBits(random, random.Next(1, (64 * limbs) + 1)) | BigInteger.One;
            BigInteger a = random.Next(8) switch
            {
                0 => BigInteger.Zero,
                1 => n,                                   // not reduced: (n | n) = 0 unless n = 1
                2 => (RandomBits(random, 32) * 9) % (n + 1),
                _ => RandomBits(random, (int)n.GetBitLength()),
            };
            int expected = LimbJacobi.Reference(a, n);
            Assert.Equal(expected, LimbJacobi.Symbol(ToLimbs(a, limbs), ToLimbs(n, limbs), scratch));
            Assert.Equal(expected, LimbJacobi.SymbolBinary(ToLimbs(a, limbs), ToLimbs(n, limbs), scratch));
            seen[expected + 1]++;
        }

        Assert.True(seen[0] > 0 && seen[2] > 0, "both −1 and 1 occur");
    }

    [Theory]
    [InlineData("p4096", 7201)]
    [InlineData("p3072", 7202)]
    [InlineData("p64", 7203)]
    public void Limb_jacobi_is_eulers_criterion_for_a_prime_modulus(string modulusName, int fixedSeed)
    {
        Random random = Seeded(fixedSeed);
        BigInteger p = TestModuli.Get(modulusName);
        int limbs = TestModuli.LimbsOf(p);
        Span<ulong> scratch = stackalloc ulong[LimbJacobi.ScratchLength(limbs)];
        int residues = 0;
        for (int i = 0; i < 40; i++)
        {
            BigInteger a = TestModuli.Random(random, p);
            BigInteger euler = BigInteger.ModPow(a, (p - 1) / 2, p);
            int expected = euler.IsZero ? 0 : euler.IsOne ? 1 : -1;
            int symbol = LimbJacobi.Symbol(ToLimbs(a, limbs), ToLimbs(p, limbs), scratch);
            Assert.Equal(expected, symbol);
            Assert.Equal(expected, LimbJacobi.SymbolBinary(ToLimbs(a, limbs), ToLimbs(p, limbs), scratch));
            Assert.Equal(expected, LimbJacobi.Reference(a, p));
            residues += symbol == 1 ? 1 : 0;
        }

        Assert.InRange(residues, 5, 35);
    }

    [Fact]
    public void Limb_jacobi_knows_small_textbook_values()
    {
        Span<ulong> scratch = stackalloc ulong[2];
        // (a | 15) for a = 0..14 and (2 | 7) = 1, (2 | 3) = −1, (1001 | 9907) = −1.
        int[] mod15 = [0, 1, 1, 0, 1, 0, 0, -1, 1, 0, 0, -1, 0, -1, -1];
        for (int a = 0; a < 15; a++)
        {
            Assert.Equal(mod15[a], LimbJacobi.Symbol([(ulong)a], [15], scratch));
        }

        Assert.Equal(1, LimbJacobi.Symbol([2], [7], scratch));
        Assert.Equal(-1, LimbJacobi.Symbol([2], [3], scratch));
        Assert.Equal(-1, LimbJacobi.Symbol([1001], [9907], scratch));
        Assert.Equal(1, LimbJacobi.Symbol([0], [1], scratch));
        Assert.Throws<ArgumentException>(() => LimbJacobi.Symbol([3], [8], new ulong[2]));
    }

    [Fact]
    public void Limb_jacobi_does_not_allocate()
    {
        BigInteger p = TestModuli.Get("p4096");
        ulong[] a = ToLimbs(TestModuli.Random(new Random(3), p), 64);
        ulong[] n = ToLimbs(p, 64);
        ulong[] scratch = new ulong[LimbJacobi.ScratchLength(64)];
        LimbJacobi.Symbol(a, n, scratch);
        long before = GC.GetAllocatedBytesForCurrentThread();
        int symbol = LimbJacobi.Symbol(a, n, scratch);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(LimbJacobi.Reference(ReferenceArithmetic.ToBigInteger(a), p), symbol);
    }

    private Random Seeded(int fixedSeed)
    {
        int seed = TestSeeds.Resolve(fixedSeed);
        output.WriteLine($"seed {seed} (replay with ENTENTE_TEST_SEED={seed})");
        return new Random(seed);
    }

    private static BigInteger RandomBits(Random random, int bits)
    {
        byte[] bytes = new byte[(bits + 7) / 8 + 1];
        random.NextBytes(bytes);
        bytes[^1] = 0;
        return new BigInteger(bytes) & ((BigInteger.One << bits) - 1);
    }

    private static ulong[] ToLimbs(BigInteger value, int limbs)
    {
        ulong[] result = new ulong[limbs];
        ReferenceArithmetic.FromBigInteger(value, result);
        return result;
    }
}
