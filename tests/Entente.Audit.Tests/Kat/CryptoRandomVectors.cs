using System.Numerics;
using System.Text.Json;
using Entente.Audit.Sampling;

namespace Entente.Audit.Tests.Kat;

public class CryptoRandomVectors
{
    private static readonly JsonElement Root = Vectors.Load("cryptorandom_sha256_vectors.json");
    private static readonly string Seed = Root.GetProperty("seed").GetRawText();

    [Fact]
    public void Truncated_integers_reproduce()
    {
        CryptoRandomSha256 prng = new(Seed);
        int[] expected = [.. Root.GetProperty("randint_trunc(1, 1001, size=5)  [= 1 + int(output_k) mod 1000, k=0..4]").EnumerateArray().Select(x => x.GetInt32())];
        Assert.Equal(expected, Enumerable.Range(0, 5).Select(_ => (int)prng.NextTruncated(1, 1001)));
    }

    [Fact]
    public void Uniform_doubles_reproduce()
    {
        CryptoRandomSha256 prng = new(Seed);
        double[] expected = [.. Root.GetProperty("random(2)  [= int(output_k) * 2**-256, k=0,1]").EnumerateArray().Select(x => x.GetDouble())];
        Assert.Equal(expected[0], prng.NextDouble(), 15);
        Assert.Equal(expected[1], prng.NextDouble(), 15);
    }

    [Fact]
    public void Bit_harvesting_integers_reproduce()
    {
        CryptoRandomSha256 prng = new(Seed);
        int[] expected = [.. Root.GetProperty("randint(0, 5, size=3)  [bit-harvesting rejection sampler]").EnumerateArray().Select(x => x.GetInt32())];
        Assert.Equal(expected, Enumerable.Range(0, 3).Select(_ => (int)prng.NextInteger(0, 5)));
        Assert.Equal(Root.GetProperty("randbelow_from_randbits(5)").GetInt32(), (int)new CryptoRandomSha256(Seed).NextBelow(5));
    }

    [Fact]
    public void Second_output_matches_the_published_bytes()
    {
        CryptoRandomSha256 prng = new(Seed);
        prng.NextInteger();
        BigInteger second = prng.NextInteger();
        Assert.Equal(Root.GetProperty("output_1 bytes (after one next())").GetString(),
            Convert.ToHexStringLower(second.ToByteArray(isUnsigned: true, isBigEndian: true)).PadLeft(64, '0'));
    }
}
