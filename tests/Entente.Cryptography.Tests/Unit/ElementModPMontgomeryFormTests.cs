using System.Numerics;

namespace Entente.Cryptography.Tests.Unit;

/// <summary>
/// ElementModP may hold its value as limbs, in the engine's Montgomery form, or both: whatever the form of
/// the operands, products, encodings, equality and hashing must be those of the value.
/// </summary>
public class ElementModPMontgomeryFormTests
{
    public static TheoryData<string> Groups => ["standard", "reduced", "tiny", "toy-256"];

    [Theory]
    [MemberData(nameof(Groups))]
    public void Products_in_Montgomery_form_equal_products_on_limbs(string name)
    {
        Assert.True(Group.TryGetByName(name, out Group? group));
        ElementModP a = group.GPow(ElementModQ.FromInt64(group, 1234567));
        ElementModP b = group.GPow(ElementModQ.FromInt64(group, 7654321));
        ElementModP c = group.GPow(ElementModQ.FromInt64(group, 1111));
        BigInteger p = group.P;
        BigInteger expected = Value(a) * Value(b) % p * Value(c) % p;

        ElementModP onLimbs = a * b;                  // neither operand in Montgomery form: computed on limbs
        Assert.False(onLimbs.HasInternal);
        _ = c.Internal;                               // c now holds its Montgomery form
        ElementModP chained = onLimbs * c;            // so this product is one Montgomery product
        Assert.True(chained.HasInternal);
        ElementModP chainedAgain = c * onLimbs * group.OneModP;
        Assert.Equal(expected, Value(chained));
        Assert.Equal(chained, chainedAgain);
        Assert.Equal(chained.GetHashCode(), chainedAgain.GetHashCode());
        Assert.Equal(chained.Encode(), (a * b * c).Encode());
        Assert.Equal(expected, Value(ElementModP.Product(group, [a, b, c])));
        Assert.Equal(group.OneModP, ElementModP.Product(group, []));
        Assert.True((chained * chained.Inverse()).IsOne);

        // An element made in Montgomery form decodes back to itself and exponentiates like its limbs.
        ElementModP decoded = ElementModP.Decode(group, chained.Encode(), "chained");
        Assert.Equal(chained, decoded);
        ElementModQ e = ElementModQ.FromInt64(group, 987654321);
        Assert.Equal(decoded.Pow(e), chained.Pow(e));
    }

    [Fact]
    public void Both_forms_are_safe_to_compute_from_several_threads_at_once()
    {
        Group group = Group.Standard;
        ElementModP x = group.GPow(ElementModQ.FromInt64(group, 42));
        _ = x.Internal;
        ElementModP made = x * x;   // Montgomery form only
        byte[] expected = (group.GPow(ElementModQ.FromInt64(group, 84))).Encode();
        Parallel.For(0, 8, _ => Assert.Equal(expected, made.Encode()));
    }

    private static BigInteger Value(ElementModP x) => new(x.Encode(), isUnsigned: true, isBigEndian: true);
}
