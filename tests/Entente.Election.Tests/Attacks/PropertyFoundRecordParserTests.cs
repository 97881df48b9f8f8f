using System.Text;
using Entente.Cryptography;
using Entente.Election.KeyCeremony;
using Entente.Election.Manifest;
using Entente.Election.Parameters;
using Entente.Election.Record;
using Entente.Election.Tests.Properties;

namespace Entente.Election.Tests.Attacks;

/// <summary>Inputs the record-file properties found (docs/threat-model.md, "Found by the parser properties"), kept as regressions.</summary>
public sealed class PropertyFoundRecordParserTests
{
    private static readonly ElectionParameters Parameters = ElectionParameters.Create(
        Group.Tiny, EndToEndTinyGroupTests.Manifest(EndToEndTinyGroupTests.TwoContests), 3, 2);

    private static readonly Approval Complaint = new(2, Hash256.Random(), [(3, "the share from 3 does not match")]);

    [Theory]
    [InlineData("the share from 3 does not match", "the share \xC3\x28 from 3")]
    [InlineData("the share from 3 does not match", "the share \\ud800 from 3")]
    [InlineData("the share from 3 does not match", "the share \\udc00\\ud800 from 3")]
    [InlineData("\"reason\"", "\"rea\\ud800son\"")]
    [InlineData("\"verdict\"", "\"\\udfffverdict\"")]
    public void A_record_file_with_invalid_UTF_8_or_an_unpaired_surrogate_escape_is_an_ElectionFormatException(string find, string replace)
    {
        byte[] good = RecordFormat.WriteApproval(Complaint);
        Assert.Equal(good, RecordFormat.WriteApproval(RecordFormat.ReadApproval("approval.json", good, Parameters)));

        // Latin-1 keeps the raw bytes of the replacement (\xC3\x28 is invalid UTF-8) as they are.
        byte[] bad = Encoding.Latin1.GetBytes(Encoding.UTF8.GetString(good).Replace(find, replace, StringComparison.Ordinal));
        ElectionFormatException e = Assert.Throws<ElectionFormatException>(() => RecordFormat.ReadApproval("approval.json", bad, Parameters));
        Assert.Contains("not valid UTF-8 or holds an unpaired surrogate escape", e.Message, StringComparison.Ordinal);
        Assert.StartsWith("approval.json: ", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"label":"L","contests":[null],"ballot_styles":[{"label":"s","contests":[1]}]}""", "$.contests[0]")]
    [InlineData("""{"label":"L","contests":[{"label":"C","options":[null]}],"ballot_styles":[{"label":"s","contests":[1]}]}""", "$.contests[0].options[0]")]
    [InlineData("""{"label":"L","contests":[{"label":"C","contest_options":[{"label":"a"},null]}],"ballot_styles":[{"label":"s","contests":[1]}]}""", "$.contests[0].contest_options[1]")]
    [InlineData("""{"label":"L","contests":[{"label":"C","options":[{"label":"a"}]}],"ballot_styles":[null]}""", "$.ballot_styles[0]")]
    public void A_manifest_with_a_null_contest_option_or_ballot_style_is_an_ElectionFormatException_naming_it(string json, string location)
    {
        ElectionFormatException e = Assert.Throws<ElectionFormatException>(() => ManifestReader.Parse(Encoding.UTF8.GetBytes(json), "manifest.json"));
        Assert.Equal(location, e.Location);
        Assert.Contains("not null", e.Message, StringComparison.Ordinal);
    }
}
