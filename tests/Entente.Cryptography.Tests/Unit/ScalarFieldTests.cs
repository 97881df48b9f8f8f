using Xunit.Abstractions;
using System.Numerics;

namespace Entente.Cryptography.Tests.Unit;

/// <summary>The mod-q arithmetic against BigInteger, on random and edge values, for the standard q and toy q's.</summary>
public class ScalarFieldTests(ITestOutputHelper output)
{
    public static TheoryData<string> Groups => ["standard", "toy-16", "toy-64", "toy-128", "toy-256"];

    [Theory]
    [MemberData(nameof(Groups))]
    public void Add_subtract_multiply_negate_and_invert_agree_with_BigInteger(string name)
    {
        Group group = ByName(name);
        int seed = Entente.Testing.TestSeeds.Resolve(2101);
        output.WriteLine($"seed {seed}");
        Random random = new(seed);
        BigInteger q = group.Q;
        List<BigInteger> values = [BigInteger.Zero, BigInteger.One, q - 1, q - 2, q / 2];
        for (int i = 0; i < 40; i++)
        {
            values.Add(RandomBelow(random, q));
        }

        foreach (BigInteger a in values)
        {
            BigInteger b = RandomBelow(random, q);
            ElementModQ x = ElementModQ.FromBigInteger(group, a);
            ElementModQ y = ElementModQ.FromBigInteger(group, b);
            Assert.Equal((a + b) % q, (x + y).ToBigInteger());
            Assert.Equal(((a - b) % q + q) % q, (x - y).ToBigInteger());
            Assert.Equal(a * b % q, (x * y).ToBigInteger());
            Assert.Equal((q - a) % q, (-x).ToBigInteger());
            if (!a.IsZero)
            {
                Assert.Equal(BigInteger.One, a * x.Inverse().ToBigInteger() % q);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Groups))]
    public void Reducing_512_bits_agrees_with_BigInteger(string name)
    {
        Group group = ByName(name);
        Random random = new(Entente.Testing.TestSeeds.Resolve(2102));
        for (int i = 0; i < 50; i++)
        {
            byte[] bytes = new byte[i == 0 ? 64 : random.Next(1, 65)];
            if (i == 0)
            {
                Array.Fill(bytes, (byte)0xFF);
            }
            else
            {
                random.NextBytes(bytes);
            }

            BigInteger expected = new BigInteger(bytes, isUnsigned: true, isBigEndian: true) % group.Q;
            Assert.Equal(expected, ElementModQ.FromBytesReduced(group, bytes).ToBigInteger());
        }
    }

    [Fact]
    public void From_int64_handles_negative_values_and_the_extremes()
    {
        Group group = Group.Standard;
        Assert.Equal(group.Q - 5, ElementModQ.FromInt64(group, -5).ToBigInteger());
        Assert.Equal(group.Q - new BigInteger(long.MaxValue) - 1, ElementModQ.FromInt64(group, long.MinValue).ToBigInteger());
        Assert.Equal(new BigInteger(long.MaxValue), ElementModQ.FromInt64(group, long.MaxValue).ToBigInteger());
        Assert.Equal(BigInteger.Zero, ElementModQ.FromInt64(Group.Toy(16), 127).ToBigInteger());
    }

    [Fact]
    public void Zero_has_no_inverse()
    {
        Assert.Throws<DivideByZeroException>(() => Group.Standard.ZeroModQ.Inverse());
    }

    [Fact]
    public void Random_values_are_below_q_and_differ()
    {
        Group group = Group.Toy(256);
        HashSet<BigInteger> seen = [];
        for (int i = 0; i < 200; i++)
        {
            BigInteger value = ElementModQ.Random(group).ToBigInteger();
            Assert.InRange(value, BigInteger.Zero, group.Q - 1);
            seen.Add(value);
        }

        Assert.True(seen.Count > 190);
    }

    internal static Group ByName(string name) =>
        Group.TryGetByName(name, out Group? group) ? group : throw new ArgumentException(name);

    internal static BigInteger RandomBelow(Random random, BigInteger bound)
    {
        byte[] bytes = new byte[bound.GetByteCount(isUnsigned: true) + 8];
        random.NextBytes(bytes);
        return new BigInteger(bytes, isUnsigned: true) % bound;
    }
}
