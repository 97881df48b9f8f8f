using System.Text;
using Entente.Election.Manifest;

namespace Entente.Election.Tests.Attacks;

public class ManifestRejectionTests
{
    private static ElectionFormatException Reject(string json) =>
        Assert.Throws<ElectionFormatException>(() => ManifestReader.Parse(Encoding.UTF8.GetBytes(json), "manifest.json"));

    private const string Styles = """ "ballot_styles":[{"label":"S","contests":[1]}] """;

    [Theory]
    [InlineData("""{"label":"E","contests":[{"label":"C","options":[{"label":"A"},{"label":"A"}]}],"ballot_styles":[{"label":"S","contests":[1]}]}""", "$.contests[0].options[1].label", "duplicate option label")]
    [InlineData("""{"label":"E","contests":[{"label":"C","options":[{"label":"A"}]},{"label":"C","options":[{"label":"A"}]}],"ballot_styles":[{"label":"S","contests":[1]}]}""", "$.contests[1].label", "duplicate contest label")]
    [InlineData("""{"label":"E","contests":[{"label":"C","options":[]}],"ballot_styles":[{"label":"S","contests":[1]}]}""", "$.contests[0].options", "no options")]
    [InlineData("""{"label":"E","contests":[],"ballot_styles":[{"label":"S","contests":[1]}]}""", "$.contests", "no contest")]
    [InlineData("""{"label":"E","contests":[{"label":"C","options":[{"label":"A"}]}],"ballot_styles":[{"label":"S","contests":[2]}]}""", "$.ballot_styles[0].contests[0]", "unknown contest index 2")]
    [InlineData("""{"label":"E","contests":[{"label":"C","options":[{"label":"A"}]}],"ballot_styles":[{"label":"S","contests":[1,1]}]}""", "$.ballot_styles[0].contests[1]", "listed twice")]
    [InlineData("""{"label":"E","contests":[{"label":"C","options":[{"label":"A"}]}],"ballot_styles":[{"label":"S","contests":[1]},{"label":"S","contests":[1]}]}""", "$.ballot_styles[1].label", "duplicate ballot style")]
    [InlineData("""{"label":"E","contests":[{"label":"C","selection_limit":0,"options":[{"label":"A"}]}],"ballot_styles":[{"label":"S","contests":[1]}]}""", "$.contests[0].options[0].selection_limit", "at least 1")]
    [InlineData("""{"label":"E","contests":[{"label":"C","selection_limit":"NO_LIMIT","options":[{"label":"A","selection_limit":"CONTEST_LIMIT"}]}],"ballot_styles":[{"label":"S","contests":[1]}]}""", "$.contests[0].options[0].selection_limit", "needs an integer contest limit")]
    [InlineData("""{"label":"E","contests":[{"label":"C","selection_limit":"CONTEST_LIMIT","options":[{"label":"A"}]}],"ballot_styles":[{"label":"S","contests":[1]}]}""", "$.contests[0].selection_limit", "integer or \"NO_LIMIT\"")]
    [InlineData("""{"label":" E","contests":[{"label":"C","options":[{"label":"A"}]}],"ballot_styles":[{"label":"S","contests":[1]}]}""", "$.label", "whitespace")]
    [InlineData("""{"label":"E","contests":[{"label":"C  D","options":[{"label":"A"}]}],"ballot_styles":[{"label":"S","contests":[1]}]}""", "$.contests[0].label", "consecutive whitespace")]
    [InlineData("""{"label":"E","contests":[{"label":"C","options":[{"label":"A"}]}],"ballot_styles":[{"label":"S","contests":[]}]}""", "$.ballot_styles[0].contests", "no contest")]
    [InlineData("""{"label":"E","contests":[{"label":"C","options":[{"label":"A"}],"contest_data_blocks":-1}],"ballot_styles":[{"label":"S","contests":[1]}]}""", "$.contests[0].contest_data_blocks", "from 0 to")]
    [InlineData("""{"label":"E","chaining_mode":"tree","contests":[{"label":"C","options":[{"label":"A"}]}],"ballot_styles":[{"label":"S","contests":[1]}]}""", "$.chaining_mode", "unknown chaining mode")]
    [InlineData("""{"label":"E","max_ballot_weight":0,"contests":[{"label":"C","options":[{"label":"A"}]}],"ballot_styles":[{"label":"S","contests":[1]}]}""", "$.max_ballot_weight", "positive")]
    public void Invalid_manifests_are_refused_naming_the_field(string json, string location, string problem)
    {
        ElectionFormatException ex = Reject(json);
        Assert.Equal("manifest.json", ex.File);
        Assert.Equal(location, ex.Location);
        Assert.Contains(problem, ex.Problem, StringComparison.Ordinal);
        Assert.StartsWith("manifest.json: " + location + ": ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_members_are_refused()
    {
        ElectionFormatException ex = Reject("""{"label":"E","colour":"red","contests":[{"label":"C","options":[{"label":"A"}]}],""" + Styles + "}");
        Assert.Contains("colour", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Duplicate_members_are_refused()
    {
        ElectionFormatException ex = Reject("""{"label":"E","label":"F","contests":[{"label":"C","options":[{"label":"A"}]}],""" + Styles + "}");
        Assert.Contains("label", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_required_members_are_refused()
    {
        Reject("""{"contests":[{"label":"C","options":[{"label":"A"}]}],""" + Styles + "}");
    }

    [Fact]
    public void Truncated_input_is_refused()
    {
        string json = """{"label":"E","contests":[{"label":"C","options":[{"label":"A"}]}],""" + Styles + "}";
        for (int cut = 1; cut < json.Length - 1; cut += 7)
        {
            Reject(json[..cut]);
        }
    }

    [Fact]
    public void Byte_order_mark_and_oversized_input_are_refused()
    {
        byte[] withBom = [0xEF, 0xBB, 0xBF, .. "{}"u8];
        Assert.Throws<ElectionFormatException>(() => ManifestReader.Parse(withBom));
        byte[] huge = new byte[ManifestReader.MaxBytes + 1];
        Assert.Contains("at most", Assert.Throws<ElectionFormatException>(() => ManifestReader.Parse(huge)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Both_option_member_names_at_once_are_refused()
    {
        ElectionFormatException ex = Reject("""{"label":"E","contests":[{"label":"C","options":[{"label":"A"}],"contest_options":[{"label":"A"}]}],""" + Styles + "}");
        Assert.Equal("$.contests[0]", ex.Location);
    }

    [Fact]
    public void Selection_limits_of_the_wrong_type_are_refused()
    {
        Reject("""{"label":"E","contests":[{"label":"C","selection_limit":1.5,"options":[{"label":"A"}]}],""" + Styles + "}");
        Reject("""{"label":"E","contests":[{"label":"C","selection_limit":"ALL","options":[{"label":"A"}]}],""" + Styles + "}");
        Reject("""{"label":"E","contests":[{"label":"C","selection_limit":2147483648,"options":[{"label":"A"}]}],""" + Styles + "}");
    }
}
