using System.Globalization;
using System.Text.Json;
using Entente.Audit.Sampling;

namespace Entente.Audit.Tests.Kat;

public class ConsistentSamplerVectors
{
    private static readonly JsonElement Root = Vectors.Load("consistent_sampler_vectors.json");

    [Fact]
    public void Primitives_reproduce()
    {
        JsonElement p = Root.GetProperty("primitives");
        Assert.Equal(p.GetProperty("sha256_hex('abc')").GetString(), ConsistentSampler.Sha256Hex("abc"));
        Assert.Equal(p.GetProperty("sha256_uniform('abc')").GetString(), ConsistentSampler.Sha256Uniform("abc"));
        Assert.Equal(p.GetProperty("first_fraction(id='AB-130', seed='01382438112797316654')").GetString(), ConsistentSampler.FirstFraction("AB-130", "01382438112797316654"));
        Assert.Equal(p.GetProperty("next_fraction('0.25471')").GetString(), ConsistentSampler.NextFraction("0.25471"));
        Assert.Equal(p.GetProperty("next_fraction('0.26299714122838008416507544297546663599715395525154425586041245287750224561854') (gen 2 of AB-130)").GetString(),
            ConsistentSampler.NextFraction("0.26299714122838008416507544297546663599715395525154425586041245287750224561854"));
        Assert.Equal(p.GetProperty("next_fraction('0.234')").GetString(), ConsistentSampler.NextFraction("0.234"));
        Assert.Equal(p.GetProperty("trim('0.9991234567890', 4)").GetString(), ConsistentSampler.Trim("0.9991234567890", 4));
        foreach (string animal in new[] { "cat", "dog", "fish", "goat" })
        {
            Assert.Equal(p.GetProperty($"first_fraction('{animal}', 'xy()134!g2n')").GetString(), ConsistentSampler.FirstFraction(animal, "xy()134!g2n"));
        }
    }

    public static TheoryData<string> Cases()
    {
        TheoryData<string> data = [];
        foreach (JsonElement c in Root.GetProperty("cases").EnumerateArray())
        {
            data.Add(c.GetProperty("name").GetString()!);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_sampler_case_reproduces(string name)
    {
        JsonElement c = Root.GetProperty("cases").EnumerateArray().Single(x => x.GetProperty("name").GetString() == name);
        List<string> ids = Ids(c.GetProperty("ids"));
        string seed = PythonRepr.Str(ToPython(c.GetProperty("seed")));
        long? take = c.GetProperty("take").ValueKind == JsonValueKind.Null ? null : c.GetProperty("take").GetInt64();
        bool withReplacement = c.GetProperty("with_replacement").GetBoolean();
        IReadOnlyList<SampledTicket> sample = ConsistentSampler.Sample(ids, seed, take, c.GetProperty("drop").GetInt64(), withReplacement);
        int digits = c.GetProperty("digits").GetInt32();
        JsonElement[] expected = [.. c.GetProperty("expected").EnumerateArray()];
        if (name.Contains("ticket < '0.01'", StringComparison.Ordinal))
        {
            // The documented stratum listings show every ticket below 0.01.
            sample = [.. sample.TakeWhile(t => string.CompareOrdinal(t.Number, "0.01") < 0)];
        }

        Assert.Equal(expected.Length, sample.Count);
        for (int i = 0; i < expected.Length; i++)
        {
            if (c.GetProperty("output").GetString() == "id")
            {
                Assert.Equal(PythonRepr.Str(ToPython(expected[i])), ids[sample[i].IdIndex]);
            }
            else
            {
                Assert.Equal(expected[i][0].GetString(), sample[i].Trimmed(digits));
                Assert.Equal(PythonRepr.Str(ToPython(expected[i][1])), ids[sample[i].IdIndex]);
                Assert.Equal(expected[i][2].GetInt32(), sample[i].Generation);
            }
        }
    }

    [Fact]
    public void Arlo_draw_sample_snapshot_reproduces_with_its_continuation()
    {
        JsonElement v = Vectors.Load("arlo_draw_sample_snapshot.json");
        List<string> ids = [];
        foreach (JsonProperty batch in v.GetProperty("manifest").EnumerateObject())
        {
            for (int p = 1; p <= batch.Value.GetInt32(); p++)
            {
                ids.Add(PythonRepr.Str(new object[] { batch.Name, p }));
            }
        }

        string seed = v.GetProperty("seed").GetString()!;
        JsonElement[] expected = [.. v.GetProperty("expected").EnumerateArray()];
        IReadOnlyList<SampledTicket> sample = ConsistentSampler.Sample(ids, seed, 20, 0, withReplacement: true);
        IReadOnlyList<SampledTicket> second = ConsistentSampler.Sample(ids, seed, 10, 10, withReplacement: true);
        for (int i = 0; i < 20; i++)
        {
            string expectedId = PythonRepr.Str(new object[] { expected[i][1][0].GetString()!, expected[i][1][1].GetInt32() });
            Assert.Equal(expected[i][0].GetString(), sample[i].Trimmed(18));
            Assert.Equal(expectedId, ids[sample[i].IdIndex]);
            Assert.Equal(expected[i][2].GetInt32(), sample[i].Generation);
        }

        Assert.Equal(sample.Skip(10), second);
    }

    private static List<string> Ids(JsonElement ids)
    {
        if (ids.ValueKind == JsonValueKind.Array)
        {
            return [.. ids.EnumerateArray().Select(x => PythonRepr.Str(ToPython(x)))];
        }

        string spec = ids.GetString()!;
        List<string> ab = [.. Enumerable.Range(0, 2000).Select(i => string.Create(CultureInfo.InvariantCulture, $"AB-{i}"))];
        List<string> cd = [.. Enumerable.Range(0, 1000).Select(i => string.Create(CultureInfo.InvariantCulture, $"CD-{i}"))];
        return spec switch
        {
            _ when spec.StartsWith("range(100)", StringComparison.Ordinal) => [.. Enumerable.Range(0, 100).Select(i => i.ToString(CultureInfo.InvariantCulture))],
            _ when spec.StartsWith("['AB-0'", StringComparison.Ordinal) => ab,
            _ when spec.StartsWith("'CD-{}'", StringComparison.Ordinal) => cd,
            "AB list + CD list" => [.. ab, .. cd],
            _ => throw new InvalidOperationException("Unknown id spec " + spec),
        };
    }

    /// <summary>JSON to the Python value it stands for: arrays are tuples; 3.0 stays a float.</summary>
    private static object? ToPython(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number when e.GetRawText().Contains('.', StringComparison.Ordinal) => e.GetDouble(),
        JsonValueKind.Number => e.GetInt64(),
        JsonValueKind.Array => e.EnumerateArray().Select(ToPython).ToArray(),
        JsonValueKind.Null => null,
        _ => throw new InvalidOperationException(),
    };
}
