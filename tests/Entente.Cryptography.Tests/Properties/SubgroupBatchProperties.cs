using System.Numerics;
using Entente.Cryptography.Arithmetic;
using Xunit.Abstractions;

namespace Entente.Cryptography.Tests.Properties;

/// <summary>
/// The batched membership check against the per-element check x^q = 1: random members pass; one
/// non-member of any kind (−x, an element of order dividing r, 0, a value ≥ p, a negative value) hidden
/// among members is caught and named, and so is every one of several. On the standard group and on the
/// 128-bit toy group (both have r = 2·r′ with r′ a prime above 2^64, so the batch test runs).
/// </summary>
public class SubgroupBatchProperties(ITestOutputHelper output)
{
    public static TheoryData<string, int> Groups => new()
    {
        { "toy-128", 8101 },
        { "standard", 8102 },
    };

    [Theory]
    [MemberData(nameof(Groups))]
    public void Random_members_pass_the_batch_check(string groupName, int fixedSeed)
    {
        PropertyContext context = Context(groupName, fixedSeed);
        List<BigInteger> values = [.. Enumerable.Range(0, 40).Select(_ => PropertyContext.Value(context.NextElement()))];
        SubgroupBatchResult result = SubgroupBatch.Check(context.Group, values, maxDegreeOfParallelism: 2);
        Assert.True(result.AllMembers);
        Assert.True(result.Batched);
        Assert.Equal(0, result.SingleChecks);
        for (int i = 0; i < values.Count; i++)
        {
            Assert.Equal(values[i], PropertyContext.Value(result.Elements[i]!));
        }
    }

    [Theory]
    [MemberData(nameof(Groups))]
    public void One_non_member_of_each_kind_is_caught_and_named(string groupName, int fixedSeed)
    {
        PropertyContext context = Context(groupName, fixedSeed);
        Group group = context.Group;
        int rounds = group.PBitLength > 512 ? 6 : 60;
        foreach (Kind kind in Enum.GetValues<Kind>())
        {
            for (int round = 0; round < rounds; round++)
            {
                List<BigInteger> values = [.. Enumerable.Range(0, 1 + context.Random.Next(12)).Select(_ => PropertyContext.Value(context.NextElement()))];
                int position = context.Random.Next(values.Count + 1);
                BigInteger bad = NonMember(context, kind);
                values.Insert(position, bad);
                Assert.False(IsMemberSingle(group, bad), $"{kind} is not a member");

                SubgroupBatchResult result = SubgroupBatch.Check(group, values);
                Assert.Equal([position], result.Rejected);
                Assert.Null(result.Elements[position]);
                Assert.Equal(Expected(kind), result.Failure(position));
                Assert.Equal(values.Count - 1, result.Elements.Count(e => e is not null));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Groups))]
    public void Every_non_member_is_named_when_there_are_several(string groupName, int fixedSeed)
    {
        PropertyContext context = Context(groupName, fixedSeed);
        Group group = context.Group;
        List<BigInteger> values = [];
        HashSet<int> bad = [];
        Kind[] kinds = Enum.GetValues<Kind>();
        for (int i = 0; i < 48; i++)
        {
            if (context.Random.Next(5) == 0)
            {
                bad.Add(i);
                values.Add(NonMember(context, kinds[context.Random.Next(kinds.Length)]));
            }
            else
            {
                values.Add(PropertyContext.Value(context.NextElement()));
            }
        }

        SubgroupBatchResult result = SubgroupBatch.Check(group, values, maxDegreeOfParallelism: 2);
        Assert.Equal(bad.Order(), result.Rejected);
        for (int i = 0; i < values.Count; i++)
        {
            Assert.Equal(IsMemberSingle(group, values[i]), result.Elements[i] is not null);
        }
    }

    [Fact]
    public void Two_order_r_components_that_cancel_in_a_plain_product_are_still_caught()
    {
        // z and z^-1 of order r′: z·z^-1 = 1, so the product alone would pass; random exponents do not.
        PropertyContext context = Context("standard", 8103);
        Group group = context.Group;
        BigInteger z = OrderDividingR(context, squares: true);
        BigInteger zInverse = BigInteger.ModPow(z, group.P - 2, group.P);
        BigInteger x = PropertyContext.Value(context.NextElement());
        List<BigInteger> values = [x * z % group.P, x * zInverse % group.P, x];
        SubgroupBatchResult result = SubgroupBatch.Check(group, values, [1, 2, 3]);
        Assert.Equal([0, 1], result.Rejected);
    }

    [Fact]
    public void The_same_seed_gives_the_same_outcome_and_decode_reads_fixed_width_bytes()
    {
        PropertyContext context = Context("toy-128", 8104);
        Group group = context.Group;
        List<BigInteger> values = [PropertyContext.Value(context.NextElement()), group.P - 1, PropertyContext.Value(context.NextElement())];
        SubgroupBatchResult first = SubgroupBatch.Check(group, values, [9, 9, 9]);
        SubgroupBatchResult second = SubgroupBatch.Check(group, values, [9, 9, 9]);
        Assert.Equal(first.Rejected, second.Rejected);
        Assert.Equal(first.BatchTests, second.BatchTests);
        Assert.Equal([1], first.Rejected);
        Assert.Equal(SubgroupCheckFailure.NotQuadraticResidue, first.Failure(1)); // p − 1 = −1 has order 2 (p ≡ 3 mod 4)

        ReadOnlyMemory<byte>[] encodings =
        [
            group.Generator.Encode(),
            new byte[group.PByteLength - 1],
            Fixed(group.P, group.PByteLength),
            Fixed(PropertyContext.Value(context.NextElement()), group.PByteLength),
        ];
        SubgroupBatchResult decoded = SubgroupBatch.Decode(group, encodings);
        Assert.Equal([1, 2], decoded.Rejected);
        Assert.Equal(SubgroupCheckFailure.OutOfRange, decoded.Failure(1));
        Assert.Equal(group.Generator, decoded.Elements[0]);
    }

    [Fact]
    public void Groups_without_the_batch_structure_check_each_value()
    {
        PropertyContext context = Context("toy-32", 8105);
        Group group = context.Group;
        Assert.False(SubgroupBatch.IsBatchSound(group)); // r′ = 32159 < 2^64
        List<BigInteger> values = [PropertyContext.Value(context.NextElement()), NonMember(context, Kind.OrderDividingR), PropertyContext.Value(context.NextElement())];
        SubgroupBatchResult result = SubgroupBatch.Check(group, values);
        Assert.False(result.Batched);
        Assert.Equal([1], result.Rejected);
        Assert.Equal(3, result.SingleChecks); // the order-r′ value is a square, so it reaches x^q
    }

    [Theory]
    [InlineData("toy-128", true)]
    [InlineData("toy-192", true)]
    [InlineData("toy-96", false)]
    [InlineData("toy-16", false)]
    public void Batch_structure_is_computed_for_small_groups(string groupName, bool sound)
    {
        Assert.True(Group.TryGetByName(groupName, out Group? group));
        Assert.Equal(sound, SubgroupBatch.HasBatchStructure(group, millerRabinRounds: 32));
        Assert.Equal(sound, SubgroupBatch.IsBatchSound(group));
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void Standard_and_reduced_groups_have_the_batch_structure_they_are_assumed_to_have()
    {
        // r = 2·r′, r′ prime (Miller–Rabin) and above 2^64, q ∤ r: what IsBatchSound takes on trust.
        Assert.True(SubgroupBatch.HasBatchStructure(Group.Standard, millerRabinRounds: 4));
        Assert.True(SubgroupBatch.HasBatchStructure(Group.Reduced3072, millerRabinRounds: 4));
    }

    [Theory]
    [MemberData(nameof(Groups))]
    public void Powers_of_a_shared_base_are_the_single_powers(string groupName, int fixedSeed)
    {
        PropertyContext context = Context(groupName, fixedSeed);
        ElementModP x = context.NextElement();
        ElementModQ[] exponents = [context.NextModQ(), context.NextModQ(), context.Group.ZeroModQ, context.NextModQ()];
        ElementModP[] powers = Exponentiation.PowMany(x, exponents);
        Assert.Equal(exponents.Length, powers.Length);
        for (int k = 0; k < exponents.Length; k++)
        {
            Assert.Equal(x.Pow(exponents[k]), powers[k]);
        }

        Assert.Throws<ArgumentException>(() => Exponentiation.PowMany(x, [Group.Tiny.OneModQ]));
    }

    private enum Kind
    {
        NegatedMember,      // −x: the order-2 component
        OrderDividingR,     // x·z with z of order r′ (a square): only the random exponents catch it
        Zero,
        AtLeastP,
        Negative,
    }

    private static SubgroupCheckFailure Expected(Kind kind) => kind switch
    {
        Kind.NegatedMember => SubgroupCheckFailure.NotQuadraticResidue,
        Kind.OrderDividingR => SubgroupCheckFailure.NotInSubgroup,
        Kind.Zero => SubgroupCheckFailure.NotQuadraticResidue,
        _ => SubgroupCheckFailure.OutOfRange,
    };

    private static BigInteger NonMember(PropertyContext context, Kind kind)
    {
        Group group = context.Group;
        BigInteger x = PropertyContext.Value(context.NextElement());
        return kind switch
        {
            Kind.NegatedMember => group.P - x,
            Kind.OrderDividingR => x * OrderDividingR(context, squares: true) % group.P,
            Kind.Zero => BigInteger.Zero,
            Kind.AtLeastP => group.P + (x % 1000),
            _ => -x,
        };
    }

    /// <summary>h^q for a random h: an element whose order divides r (of order r′ when squared).</summary>
    private static BigInteger OrderDividingR(PropertyContext context, bool squares)
    {
        Group group = context.Group;
        while (true)
        {
            BigInteger h = 2 + (PropertyContext.Value(context.NextElement()) * 7919 % (group.P - 3));
            BigInteger z = BigInteger.ModPow(h, squares ? 2 * group.Q : group.Q, group.P);
            if (!z.IsOne)
            {
                return z;
            }
        }
    }

    private static bool IsMemberSingle(Group group, BigInteger x)
        => x.Sign > 0 && x < group.P && BigInteger.ModPow(x, group.Q, group.P).IsOne;

    private static byte[] Fixed(BigInteger value, int length)
    {
        byte[] bytes = new byte[length];
        value.TryWriteBytes(bytes.AsSpan(length - value.GetByteCount(isUnsigned: true)), out _, isUnsigned: true, isBigEndian: true);
        return bytes;
    }

    private PropertyContext Context(string groupName, int fixedSeed)
    {
        Assert.True(Group.TryGetByName(groupName, out Group? group));
        return new PropertyContext(output, fixedSeed, group);
    }
}
