using System.Numerics;
using Entente.Cryptography.Arithmetic;

namespace Entente.Cryptography.Tests.Arithmetic.Unit;

public class ArithmeticEngineFactoryTests
{
    private static ulong[] Modulus(string name)
    {
        BigInteger m = TestModuli.Get(name);
        return TestModuli.ToLimbs(m, TestModuli.LimbsOf(m));
    }

    [Fact]
    public void Default_engine_for_the_standard_prime_is_ifma_then_avx512_then_avx2_when_the_machine_has_them_and_scalar_otherwise()
    {
        IModularArithmetic engine = ArithmeticEngine.Create(Modulus("p4096"), kind: null);
        string expected = IfmaMontgomery.IsSupported ? "ifma" : Avx512Montgomery.IsSupported ? "avx512" : Avx2Montgomery.IsSupported ? "avx2" : "scalar";
        Assert.Equal(expected, engine.EngineName);
    }

    [Fact]
    public void Default_engine_between_eight_and_sixteen_limbs_is_not_avx512()
    {
        // 2^521 − 1: nine limbs.
        BigInteger m = (BigInteger.One << 521) - 1;
        IModularArithmetic engine = ArithmeticEngine.Create(TestModuli.ToLimbs(m, TestModuli.LimbsOf(m)), kind: null);
        Assert.Equal(Avx2Montgomery.IsSupported ? "avx2" : "scalar", engine.EngineName);
    }

    [Theory]
    [InlineData("q256")]
    [InlineData("p64")]
    [InlineData("p16")]
    public void Default_engine_for_moduli_below_eight_limbs_is_scalar(string name)
        => Assert.Equal("scalar", ArithmeticEngine.Create(Modulus(name), kind: "").EngineName);

    [Theory]
    [InlineData("reference", "reference")]
    [InlineData("SCALAR", "scalar")]
    [InlineData(" scalar ", "scalar")]
    public void Named_engine_is_created_whatever_the_case(string kind, string expected)
        => Assert.Equal(expected, ArithmeticEngine.Create(Modulus("q256"), kind).EngineName);

    [Fact]
    public void Avx2_can_be_forced_for_a_toy_prime_when_the_cpu_has_it()
    {
        if (!Avx2Montgomery.IsSupported)
        {
            Assert.Throws<PlatformNotSupportedException>(() => ArithmeticEngine.Create(Modulus("p16"), "avx2"));
            return;
        }

        Assert.Equal("avx2", ArithmeticEngine.Create(Modulus("p16"), "avx2").EngineName);
    }

    [Fact]
    public void Avx512_can_be_forced_for_a_toy_prime_when_the_cpu_has_it()
    {
        if (!Avx512Montgomery.IsSupported)
        {
            PlatformNotSupportedException error = Assert.Throws<PlatformNotSupportedException>(() => ArithmeticEngine.Create(Modulus("p16"), "avx512"));
            Assert.Contains("AVX-512F", error.Message, StringComparison.Ordinal);
            return;
        }

        Assert.Equal("avx512", ArithmeticEngine.Create(Modulus("p16"), "AVX512").EngineName);
    }

    [Fact]
    public void Ifma_can_be_forced_where_it_runs_and_otherwise_the_error_says_why()
    {
        if (!IfmaMontgomery.IsSupported)
        {
            PlatformNotSupportedException error = Assert.Throws<PlatformNotSupportedException>(() => ArithmeticEngine.Create(Modulus("p16"), "ifma"));
            Assert.Contains(IfmaNative.Status, error.Message, StringComparison.Ordinal);
            return;
        }

        Assert.Equal("ifma", ArithmeticEngine.Create(Modulus("p16"), "IFMA").EngineName);
        Assert.StartsWith("loaded from ", IfmaNative.Status, StringComparison.Ordinal);
    }

    [Fact]
    public void The_ifma_engine_runs_wherever_the_cpu_has_ifma_and_the_build_had_a_compiler()
    {
        // The test command installs a C compiler before it builds, so in CI on a CPU with IFMA the library
        // must have been built and loaded: a missing library there is a failure, not a reason to skip.
        // (A developer's build without a compiler runs the managed engines, as intended.)
        if (IfmaNative.CpuSupported && Environment.GetEnvironmentVariable("CI") == "true")
        {
            Assert.True(IfmaMontgomery.IsSupported, IfmaNative.Status);
        }

        if (IfmaMontgomery.IsSupported)
        {
            Assert.True(IfmaNative.CpuSupported);
        }
    }

    [Fact]
    public void Unknown_engine_name_is_rejected_with_the_variable_named()
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => ArithmeticEngine.Create(Modulus("q256"), "gpu"));
        Assert.Contains(ArithmeticEngine.EnvironmentVariable, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("scalar")]
    [InlineData("avx2")]
    [InlineData("avx512")]
    [InlineData("ifma")]
    [InlineData("reference")]
    public void Even_empty_and_unit_moduli_are_rejected(string kind)
    {
        if (!Contract.EngineContractTests.IsRunnable(kind))
        {
            return;
        }

        Assert.Throws<ArgumentException>(() => ArithmeticEngine.Create([65268UL], kind));
        Assert.Throws<ArgumentException>(() => ArithmeticEngine.Create([], kind));
        if (kind != "reference")
        {
            Assert.Throws<ArgumentException>(() => ArithmeticEngine.Create([1UL], kind));
            Assert.Throws<ArgumentException>(() => ArithmeticEngine.Create(new ulong[MontgomeryEngine.MaxLimbs + 1].Select(_ => ulong.MaxValue).ToArray(), kind));
        }
    }

    [Theory]
    [MemberData(nameof(ModulusNames))]
    public void Avx2_radix_is_above_four_times_the_modulus(string name)
    {
        if (!Avx2Montgomery.IsSupported)
        {
            return;
        }

        BigInteger m = TestModuli.Get(name);
        Avx2Montgomery engine = new(Modulus(name));
        Assert.True(BigInteger.One << (27 * engine.Digits) > 4 * m);
        Assert.Equal(0, engine.Digits % 4);
    }

    [Theory]
    [MemberData(nameof(ModulusNames))]
    public void Avx512_radix_is_above_four_times_the_modulus_and_digits_go_eight_at_a_time(string name)
    {
        if (!Avx512Montgomery.IsSupported)
        {
            return;
        }

        BigInteger m = TestModuli.Get(name);
        Avx512Montgomery engine = new(Modulus(name));
        Assert.True(BigInteger.One << (27 * engine.Digits) > 4 * m);
        Assert.Equal(0, engine.Digits % 8);
        if (name == "p4096")
        {
            Assert.Equal(152, engine.Digits);
        }
    }

    public static TheoryData<string> ModulusNames() => [.. TestModuli.Names];
}
