using System.Numerics;
using Entente.Cryptography.Arithmetic;

namespace Entente.Cryptography.Tests.Arithmetic.Unit;

/// <summary>
/// The 27-bit digit engines keep values below 2m, not below m ("almost Montgomery multiplication"):
/// a product of any two internal values up to 2m − 1, whose digits may also exceed 27 bits by the
/// little the final carry leaves, must be a·b·R⁻¹ mod m and again below 2m. These inputs cannot be
/// reached through the public API on purpose, so the products are called directly.
/// </summary>
public class AlmostMontgomeryBoundsTests
{
    private const int DigitBits = 27;

    public static TheoryData<string, string> Cases()
    {
        TheoryData<string, string> data = [];
        foreach (string modulus in new[] { "p4096", "p3072", "q256", "p127", "p16", "p3" })
        {
            foreach (string kind in Contract.EngineContractTests.EngineKinds().Where(k => k is "avx2" or "avx512"))
            {
                data.Add(modulus, kind);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Products_of_values_up_to_twice_the_modulus_are_correct_and_stay_below_twice_the_modulus(string modulusName, string kind)
    {
        BigInteger m = TestModuli.Get(modulusName);
        MontgomeryEngine engine = (MontgomeryEngine)Contract.EngineContractTests.Create(m, kind);
        int digits = ((DigitMontgomery)engine).Digits;
        BigInteger rInverse = Inverse(BigInteger.One << (DigitBits * digits), m);
        int width = engine.InternalWidthForTests;
        Random random = new(4242);
        List<ulong[]> inputs =
        [
            .. new[] { 0, 1, m - 1, m, m + 1, (2 * m) - 1, (2 * m) - 2, TestModuli.Random(random, 2 * m) }.Select(v => Digits(v, width, digits)),
        ];

        // Every digit as far above 27 bits as the final carry may leave it (2^27 + 2^10 − 1), the top
        // digit as large as keeps the value below 2m.
        ulong[] loose = new ulong[width];
        Array.Fill(loose, (1UL << DigitBits) + (1UL << 10) - 1, 0, digits - 1);
        BigInteger top = (2 * m / (BigInteger.One << (DigitBits * (digits - 1)))) - 2;
        if (top >= 0)
        {
            loose[digits - 1] = (ulong)top;
            Assert.True(Value(loose) < 2 * m);
            inputs.Add(loose);
        }

        // Values as the engine leaves them: a product of two inputs.
        ulong[] produced = new ulong[width];
        engine.MontgomeryProductForTests(inputs[5], inputs[^1], produced, square: false);
        inputs.Add(produced);

        ulong[] result = new ulong[width];
        foreach (ulong[] x in inputs)
        {
            BigInteger a = Value(x);
            foreach (ulong[] y in inputs)
            {
                engine.MontgomeryProductForTests(x, y, result, square: false);
                Check(a * Value(y) * rInverse % m, result, m, $"{a} · {Value(y)}");
            }

            engine.MontgomeryProductForTests(x, x, result, square: true);
            Check(a * a * rInverse % m, result, m, $"{a}²");
        }
    }

    private static void Check(BigInteger expected, ulong[] result, BigInteger m, string what)
    {
        BigInteger value = Value(result);
        Assert.True(value < 2 * m, $"{what}: result is not below 2m");
        Assert.True(value % m == expected, $"{what}: wrong value");
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

    private static ulong[] Digits(BigInteger value, int width, int digits)
    {
        ulong[] result = new ulong[width];
        BigInteger rest = value;
        for (int j = 0; j < digits; j++)
        {
            result[j] = (ulong)(rest & ((1 << DigitBits) - 1));
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
