using Entente.Cryptography.Arithmetic;

namespace Entente.Cryptography.Tests.Arithmetic.Unit;

public class LimbMathTests
{
    [Theory]
    [InlineData(0u, 0u, ulong.MaxValue)]
    [InlineData(7u, 7u, ulong.MaxValue)]
    [InlineData(uint.MaxValue, uint.MaxValue, ulong.MaxValue)]
    [InlineData(0u, 1u, 0UL)]
    [InlineData(0u, uint.MaxValue, 0UL)]
    [InlineData(255u, 254u, 0UL)]
    public void EqualMask_is_all_ones_exactly_when_equal(uint a, uint b, ulong expected)
        => Assert.Equal(expected, LimbMath.EqualMask(a, b));

    [Fact]
    public void Bits_reads_windows_across_limb_boundaries_and_beyond_the_end()
    {
        ulong[] value = [0xF000_0000_0000_0001UL, 0x0000_0000_0000_0005UL];
        Assert.Equal(1, LimbMath.Bits(value, 0, 4));
        Assert.Equal(0b01_1111, LimbMath.Bits(value, 60, 6));  // bits 60..63 = 1111, 64..65 = 01
        Assert.Equal(0b101, LimbMath.Bits(value, 64, 8));
        Assert.Equal(0, LimbMath.Bits(value, 128, 8));
        Assert.Equal(0, LimbMath.Bits(value, 500, 32));
    }

    [Fact]
    public void HasBitsFrom_sees_only_bits_at_or_above_the_position()
    {
        ulong[] value = [ulong.MaxValue, 1UL << 35, 0];
        Assert.False(LimbMath.HasBitsFrom(value, 100));
        Assert.True(LimbMath.HasBitsFrom(value, 99));
        Assert.True(LimbMath.HasBitsFrom(value, 64));
        Assert.False(LimbMath.HasBitsFrom([ulong.MaxValue], 64));
    }

    [Fact]
    public void NegativeInverse_times_the_number_is_minus_one_for_random_odd_numbers()
    {
        Random random = new(31337);
        for (int i = 0; i < 1000; i++)
        {
            ulong x = (ulong)random.NextInt64() | 1;
            Assert.Equal(ulong.MaxValue, unchecked(x * LimbMath.NegativeInverse(x)));
        }
    }

    [Fact]
    public void ConditionalSubtract_subtracts_only_when_the_value_is_at_least_the_modulus()
    {
        ulong[] m = [5, 7];
        ulong[] scratch = new ulong[2];
        ulong[] below = [4, 7];
        LimbMath.ConditionalSubtract(below, 0, m, scratch);
        Assert.Equal(new ulong[] { 4, 7 }, below);
        ulong[] equal = [5, 7];
        LimbMath.ConditionalSubtract(equal, 0, m, scratch);
        Assert.Equal(new ulong[] { 0, 0 }, equal);
        ulong[] above = [2, 8];          // 8·2^64 + 2 − (7·2^64 + 5) = 2^64 − 3
        LimbMath.ConditionalSubtract(above, 0, m, scratch);
        Assert.Equal(new ulong[] { ulong.MaxValue - 2, 0 }, above);
        ulong[] carried = [0, 0];        // 2^128 − (7·2^64 + 5)
        LimbMath.ConditionalSubtract(carried, 1, m, scratch);
        Assert.Equal(new ulong[] { ulong.MaxValue - 4, ulong.MaxValue - 7 }, carried);
    }

    [Fact]
    public void SelectMasked_returns_exactly_the_requested_entry_and_nothing_for_an_absent_index()
    {
        const int width = 7, entries = 9;
        ulong[] table = new ulong[width * entries];
        for (int i = 0; i < table.Length; i++)
        {
            table[i] = unchecked((ulong)(i + 1) * 0x9E3779B97F4A7C15UL);
        }

        ulong[] destination = new ulong[width];
        for (int index = 0; index < entries; index++)
        {
            MontgomeryEngine.SelectMasked(table, width, entries, index, destination);
            Assert.Equal(table.AsSpan(index * width, width).ToArray(), destination);
        }

        MontgomeryEngine.SelectMasked(table, width, entries, -1, destination);
        Assert.All(destination, x => Assert.Equal(0UL, x));
    }
}
