using System.Globalization;
using System.Numerics;
using System.Text.Json;
using Entente.Cryptography.Arithmetic;

namespace Entente.Cryptography.Tests.Arithmetic;

/// <summary>The moduli the arithmetic tests run on, by name, and helpers to move between limbs and BigInteger.</summary>
internal static class TestModuli
{
    public static readonly BigInteger Q = (BigInteger.One << 256) - 189;

    private static readonly Lazy<(BigInteger P, BigInteger G)> Standard = new(() => LoadParameters("eg_params_4096.json"));
    private static readonly Lazy<(BigInteger P, BigInteger G)> Reduced = new(() => LoadParameters("eg_params_3072.json"));

    /// <summary>Names usable in MemberData.</summary>
    public static readonly string[] Names =
    [
        "p4096", "p3072", "q256", "p127", "p64", "p32", "p16", "p3",
    ];

    /// <summary>The modulus with that name.</summary>
    public static BigInteger Get(string name) => name switch
    {
        "p4096" => Standard.Value.P,
        "p3072" => Reduced.Value.P,
        "q256" => Q,
        "p127" => (BigInteger.One << 127) - 1,          // Mersenne prime: one limb with a zero top bit, two limbs
        "p64" => ulong.MaxValue - 58,                    // 2^64 − 59: a one-limb prime with the top bit set
        "p32" => 0xFB2F475F,                             // the 32-bit toy p of the ElectionGuard appendix
        "p16" => 65267,                                  // a 16-bit toy prime
        "p3" => 3,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown modulus"),
    };

    /// <summary>The generator g of the standard group (4096-bit p).</summary>
    public static BigInteger StandardG => Standard.Value.G;

    /// <summary>Number of 64-bit limbs for the modulus.</summary>
    public static int LimbsOf(BigInteger modulus) => (int)((modulus.GetBitLength() + 63) / 64);

    public static ulong[] ToLimbs(BigInteger value, int limbs)
    {
        ulong[] result = new ulong[limbs];
        ReferenceArithmetic.FromBigInteger(value, result);
        return result;
    }

    public static BigInteger FromLimbs(ReadOnlySpan<ulong> limbs) => ReferenceArithmetic.ToBigInteger(limbs);

    /// <summary>A uniformly random value in [0, bound) from a seeded generator (for reproducible property tests).</summary>
    public static BigInteger Random(Random random, BigInteger bound)
    {
        byte[] bytes = new byte[(bound.GetBitLength() + 7) / 8 + 8];
        random.NextBytes(bytes);
        return new BigInteger(bytes, isUnsigned: true) % bound;
    }

    private static (BigInteger P, BigInteger G) LoadParameters(string file)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "vectors", "electionguard-params", file);
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(path));
        return (Hex(document.RootElement.GetProperty("p").GetString()!), Hex(document.RootElement.GetProperty("g").GetString()!));
    }

    private static BigInteger Hex(string hex) => BigInteger.Parse("0" + hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
}
