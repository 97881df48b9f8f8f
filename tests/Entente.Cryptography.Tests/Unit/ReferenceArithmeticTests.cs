using Entente.Cryptography.Arithmetic;

namespace Entente.Cryptography.Tests.Unit;

public class ReferenceArithmeticTests
{
    [Fact]
    public void Pow_matches_a_hand_computed_value_on_the_16_bit_toy_prime()
    {
        // 3^10 = 59049; 59049 mod 65267 = 59049 (sanity), 3^20 mod 65267 = 59049^2 mod 65267.
        ReferenceArithmetic arithmetic = new([65267UL]);
        ulong[] result = new ulong[1];
        arithmetic.Pow([3UL], [20UL], result);
        Assert.Equal((ulong)(59049L * 59049L % 65267L), result[0]);
    }

    [Fact]
    public void Constructor_rejects_an_even_modulus()
    {
        Assert.Throws<ArgumentException>(() => new ReferenceArithmetic([65268UL]));
    }
}
