using System.Numerics;
using Entente.Cryptography.Arithmetic;

namespace Entente.Cryptography.Tests.Arithmetic.Unit;

/// <summary>
/// The native IFMA engine keeps values below 2m with 52-bit digits ("almost Montgomery multiplication"):
/// a product of any two internal values up to 2m − 1, including ones whose every digit is 2^52 − 1, must be
/// a·b·R⁻¹ mod m, again below 2m, with every digit below 2^52 (its multiply-adds read only 52 bits of a
/// lane). These inputs cannot be reached through the public API on purpose, so the product is called directly.
/// </summary>
public class IfmaBoundsTests
{
    private const int DigitBits = IfmaMontgomery.DigitBits;

    public static TheoryData<string> Moduli() => [.. TestModuli.Names];

    [Theory]
    [MemberData(nameof(Moduli))]
    public void Products_of_values_up_to_twice_the_modulus_are_correct_and_stay_below_twice_the_modulus(string modulusName)
    {
        if (!IfmaMontgomery.IsSupported)
        {
            return;
        }

        BigInteger m = TestModuli.Get(modulusName);
        IfmaMontgomery engine = (IfmaMontgomery)Contract.EngineContractTests.Create(m, "ifma");
        int digits = engine.Digits;
        Assert.True(BigInteger.One << (DigitBits * digits) > 4 * m);
        Assert.Equal(0, digits % 8);
        BigInteger rInverse = Inverse(BigInteger.One << (DigitBits * digits), m);
        Random random = new(4343);
        List<BigInteger> values = [0, 1, m - 1, m, m + 1, (2 * m) - 1, (2 * m) - 2, TestModuli.Random(random, 2 * m), TestModuli.Random(random, 2 * m)];

        // Every digit 2^52 − 1 below a top digit as large as keeps the value below 2m.
        BigInteger low = (BigInteger.One << (DigitBits * (digits - 1))) - 1;
        BigInteger top = ((2 * m) - 1 - low) >> (DigitBits * (digits - 1));
        if (top >= 0)
        {
            values.Add((top << (DigitBits * (digits - 1))) + low);
        }

        ulong[] result = new ulong[digits];
        foreach (BigInteger a in values)
        {
            foreach (BigInteger b in values)
            {
                engine.ProductForTests(Digits(a, digits), Digits(b, digits), result);
                BigInteger value = Value(result);
                Assert.True(value < 2 * m, $"{a} · {b}: result is not below 2m");
                Assert.True(value % m == a * b * rInverse % m, $"{a} · {b}: wrong value");
                Assert.All(result, digit => Assert.True(digit < (1UL << DigitBits)));
            }
        }
    }

    [Fact]
    public void The_standard_prime_takes_eighty_digits()
    {
        if (!IfmaMontgomery.IsSupported)
        {
            return;
        }

        Assert.Equal(80, new IfmaMontgomery(TestModuli.ToLimbs(TestModuli.Get("p4096"), 64)).Digits);
    }

    private static BigInteger Value(ulong[] digits)
    {
        BigInteger value = BigInteger.Zero;
        for (int j = digits.Length - 1; j >= 0; j--)
        {
            value = (value << DigitBits) + digits[j];
        }

        return value;
    }

    private static ulong[] Digits(BigInteger value, int digits)
    {
        ulong[] result = new ulong[digits];
        BigInteger rest = value;
        for (int j = 0; j < digits; j++)
        {
            result[j] = (ulong)(rest & ((BigInteger.One << DigitBits) - 1));
            rest >>= DigitBits;
        }

        Assert.True(rest.IsZero);
        return result;
    }

    private static BigInteger Inverse(BigInteger a, BigInteger m)
    {
        BigInteger t = 0, newT = 1, r = m, newR = a % m;
        while (!newR.IsZero)
        {
            BigInteger quotient = r / newR;
            (t, newT) = (newT, t - (quotient * newT));
            (r, newR) = (newR, r - (quotient * newR));
        }

        return t < 0 ? t + m : t;
    }
}
