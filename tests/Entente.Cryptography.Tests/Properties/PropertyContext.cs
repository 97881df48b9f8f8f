using System.Numerics;
using Xunit.Abstractions;

namespace Entente.Cryptography.Tests.Properties;

/// <summary>
/// Shared set-up of the property tests: the toy group with a 32-bit q and 128-bit p (large enough that a
/// tampered proof passes by chance with probability about 2^-32, small enough to be fast) and a seeded
/// Random whose seed is printed, so a failure can be replayed with ENTENTE_TEST_SEED.
/// </summary>
internal sealed class PropertyContext
{
    public PropertyContext(ITestOutputHelper output, int fixedSeed, Group? group = null)
    {
        Seed = Entente.Testing.TestSeeds.Resolve(fixedSeed);
        output.WriteLine($"seed {Seed} (replay with ENTENTE_TEST_SEED={Seed})");
        Random = new Random(Seed);
        Group = group ?? Group.Toy(128);
    }

    public int Seed { get; }

    public Random Random { get; }

    public Group Group { get; }

    public ElementModQ NextModQ()
    {
        byte[] bytes = new byte[64];
        Random.NextBytes(bytes);
        return ElementModQ.FromBytesReduced(Group, bytes);
    }

    public ElementModQ NextNonZeroModQ()
    {
        ElementModQ value;
        do
        {
            value = NextModQ();
        }
        while (value.IsZero);

        return value;
    }

    public ElementModP NextElement() => Group.GPow(NextNonZeroModQ());

    public Hash256 NextHash()
    {
        byte[] bytes = new byte[32];
        Random.NextBytes(bytes);
        return Hash256.Decode(bytes);
    }

    public ElGamalKeyPair NextKeyPair() => ElGamalKeyPair.FromSecret(NextNonZeroModQ());

    public static ElementModQ Plus(ElementModQ value, long delta) => value + ElementModQ.FromInt64(value.Group, delta);

    public static BigInteger Value(ElementModP element) => new(element.Encode(), isUnsigned: true, isBigEndian: true);
}
