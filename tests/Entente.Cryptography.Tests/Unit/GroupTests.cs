using System.Numerics;

namespace Entente.Cryptography.Tests.Unit;

public class GroupTests
{
    public static TheoryData<int> ToyBits => [16, 32, 48, 64, 96, 128, 192, 256];

    [Theory]
    [MemberData(nameof(ToyBits))]
    public void Every_toy_group_of_the_appendix_passes_its_self_check(int bits)
    {
        Group group = Group.Toy(bits);
        GroupSelfCheck check = group.SelfCheck(millerRabinRounds: 32);
        Assert.True(check.Passed, check.ToString());
        Assert.Equal(bits, group.PBitLength);
        Assert.True(group.IsInsecure);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void The_standard_group_passes_its_self_check()
    {
        GroupSelfCheck check = Group.Standard.SelfCheck(millerRabinRounds: 1);
        Assert.True(check.Passed, check.ToString());
        Assert.Equal(4096, Group.Standard.PBitLength);
        Assert.Equal(BigInteger.Pow(2, 256) - 189, Group.Standard.Q);
        Assert.Equal(512, Group.Standard.PByteLength);
        Assert.Equal(32, Group.Standard.QByteLength);
        Assert.Equal(BigInteger.ModPow(2, Group.Standard.R, Group.Standard.P), Group.Standard.G);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void The_reduced_group_passes_its_self_check_and_encodes_in_384_bytes()
    {
        GroupSelfCheck check = Group.Reduced3072.SelfCheck(millerRabinRounds: 1);
        Assert.True(check.Passed, check.ToString());
        Assert.Equal(3072, Group.Reduced3072.PBitLength);
        Assert.Equal(384, Group.Reduced3072.PByteLength);
        Assert.Equal(Group.Standard.Q, Group.Reduced3072.Q);
        Assert.Equal(BigInteger.ModPow(2, Group.Reduced3072.R, Group.Reduced3072.P), Group.Reduced3072.G);
    }

    [Fact]
    public void The_32_bit_toy_prime_is_the_corrected_value_and_the_printed_one_fails()
    {
        Group group = Group.Toy(32);
        Assert.Equal(new BigInteger(0xFB2F475F), group.P);
        BigInteger misprinted = 0xFB2B475F;
        bool misprintWorks = misprinted - 1 == group.Q * group.R && Primality.IsProbablePrime(misprinted, 16, null);
        Assert.False(misprintWorks);
    }

    [Fact]
    public void The_24_bit_toy_q_is_the_decimal_value_not_the_printed_hex()
    {
        Assert.Equal(new BigInteger(0xFFFFFD), Group.Toy(64).Q);
        Assert.Equal(24, Group.Toy(64).QBitLength);
    }

    [Fact]
    public void Miller_Rabin_rejects_composites_including_a_Carmichael_number()
    {
        Assert.False(Primality.IsProbablePrime(561, 8, null));
        Assert.False(Primality.IsProbablePrime(Group.Standard.Q + 2, 8, null));
        Assert.True(Primality.IsProbablePrime(Group.Standard.Q, 8, null));
    }

    [Theory]
    [InlineData("standard")]
    [InlineData("Reduced")]
    [InlineData("tiny")]
    [InlineData("toy-192")]
    public void Groups_are_found_by_name(string name)
    {
        Assert.True(Group.TryGetByName(name, out Group? group));
        Assert.NotNull(group);
    }

    [Fact]
    public void An_unknown_group_name_is_not_found()
    {
        Assert.False(Group.TryGetByName("toy-17", out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => Group.Toy(17));
    }

    [Fact]
    public void Fixed_base_powers_of_g_agree_with_BigInteger()
    {
        Group group = Group.Toy(128);
        Random random = new(Entente.Testing.TestSeeds.Resolve(2103));
        for (int i = 0; i < 20; i++)
        {
            BigInteger e = ScalarFieldTests.RandomBelow(random, group.Q);
            ElementModQ exponent = ElementModQ.FromBigInteger(group, e);
            BigInteger expected = BigInteger.ModPow(group.G, e, group.P);
            Assert.Equal(expected, ToBigInteger(group.GPow(exponent)));
            Assert.Equal(expected, ToBigInteger(group.GPowSecret(exponent)));
        }
    }

    internal static BigInteger ToBigInteger(ElementModP element) => new(element.Encode(), isUnsigned: true, isBigEndian: true);
}
