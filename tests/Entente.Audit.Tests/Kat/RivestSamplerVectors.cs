using System.Text.Json;
using Entente.Audit.Sampling;

namespace Entente.Audit.Tests.Kat;

public class RivestSamplerVectors
{
    public static TheoryData<int> Cases()
    {
        TheoryData<int> data = [];
        int count = Vectors.Load("rivest_sampler_tests.json").GetProperty("tests").GetArrayLength();
        for (int i = 0; i < count; i++)
        {
            data.Add(i);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_tests_json_case_reproduces_with_replacement(int index)
    {
        JsonElement test = Vectors.Load("rivest_sampler_tests.json").GetProperty("tests")[index];
        JsonElement data = test.GetProperty("data");
        long[] expected = [.. test.GetProperty("expected").EnumerateArray().Select(x => x.GetInt64())];
        IReadOnlyList<long> draws = RivestSampler.Draw(data.GetProperty("seed").GetString()!, data.GetProperty("total").GetInt64(),
            data.GetProperty("count").GetInt32(), withReplacement: true);
        Assert.Equal(expected, draws);
    }

    [Fact]
    public void Colorado_reference_seed_gives_Rivests_without_replacement_list()
    {
        // Rivest's sampler.py docstring example (also ColoradoRLA's PseudoRandomNumberGeneratorTest):
        // seed 3546311556112163624615351222, 1..876 without replacement; the 47th draw is 197 and counter 32 repeats 611.
        IReadOnlyList<long> draws = RivestSampler.Draw("3546311556112163624615351222", 876, 47, withReplacement: false);
        Assert.Equal([740, 180, 264, 789, 238, 448, 272, 611], draws.Take(8));
        Assert.Equal(197, draws[46]);
        Assert.Equal(47, draws.Distinct().Count());
        Assert.Equal(611, (long)RivestSampler.Pick("3546311556112163624615351222", 32, 1, 876));
    }

    [Fact]
    public void Skip_gives_the_expanded_sample_continuation()
    {
        IReadOnlyList<long> all = RivestSampler.Draw("3546311556112163624615351222", 876, 20, withReplacement: false);
        IReadOnlyList<long> later = RivestSampler.Draw("3546311556112163624615351222", 876, 12, withReplacement: false, skip: 8);
        Assert.Equal(all.Skip(8), later);
    }
}
