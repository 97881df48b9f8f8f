using System.Text;
using Entente.Exchange.Canonical;
using Entente.Exchange.Envelopes;
using Entente.Exchange.Stix;
using Entente.Exchange.Taxii;

namespace Entente.Exchange.Tests.Attacks;

/// <summary>Inputs the exchange properties found (docs/threat-model.md, "Found by the parser properties"), kept as regressions.</summary>
public sealed class PropertyFoundExchangeParserTests : IDisposable
{
    private readonly ExchangeWorld _world = new();

    public void Dispose() => _world.Dispose();

    public static TheoryData<string, string> BadStrings => new()
    {
        { "\"name\":\"C2 server of the campaign\"", "\"name\":\"C2 server \\ud800 of the campaign\"" },
        { "\"name\":\"C2 server of the campaign\"", "\"name\":\"C2 server \\udc00\\ud83d of the campaign\"" },
        { "\"name\":\"C2 server of the campaign\"", "\"na\\ud800me\":\"C2 server of the campaign\"" },
        { "\"name\":\"C2 server of the campaign\"", "\"name\":\"C2 server \u00C3\u0028 of the campaign\"" },
    };

    [Theory]
    [MemberData(nameof(BadStrings))]
    public void A_STIX_object_with_invalid_UTF_8_or_an_unpaired_surrogate_escape_is_a_FormatException(string find, string replace)
    {
        byte[] bad = Spoil(_world.Indicator(ExchangeWorld.BlueId).ToJsonString(), find, replace);
        FormatException e = Assert.Throws<FormatException>(() => StixObject.Parse(bad));
        Assert.Contains("not valid UTF-8", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(BadStrings))]
    public void An_envelope_with_invalid_UTF_8_or_an_unpaired_surrogate_escape_is_a_FormatException(string find, string replace)
    {
        string envelope = Encoding.UTF8.GetString(_world.Seal(_world.Blue, ExchangeWorld.BlueId, _world.Indicator(ExchangeWorld.BlueId)).ToCanonicalJson());
        Assert.True(SignedEnvelope.Parse(Encoding.UTF8.GetBytes(envelope)).VerifySignature());
        FormatException e = Assert.Throws<FormatException>(() => SignedEnvelope.Parse(Spoil(envelope, find, replace)));
        Assert.Contains("not valid UTF-8", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(BadStrings))]
    public async Task A_TAXII_body_with_invalid_UTF_8_or_an_unpaired_surrogate_escape_is_a_400_not_an_exception(string find, string replace)
    {
        TaxiiService taxii = new(_world.Service, new TaxiiServerInfo("Entente", "Exchange", "unit@example.org", "/taxii2/api/"));
        string envelope = Encoding.UTF8.GetString(_world.Seal(_world.Blue, ExchangeWorld.BlueId, _world.Indicator(ExchangeWorld.BlueId)).ToCanonicalJson());
        TaxiiResponse response = await taxii.AddObjectsAsync(ExchangeWorld.BlueId, ExchangeWorld.SharedCollection, Spoil("{\"objects\":[" + envelope + "]}", find, replace));
        Assert.Equal(400, response.StatusCode);
        Assert.Contains("not valid UTF-8", response.Body["description"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("[1,]")]
    [InlineData("{\"a\":\"\\ud800\"}")]
    [InlineData("{\"\\udc00\":1}")]
    public void Canonicalising_text_that_is_not_I_JSON_is_a_FormatException(string json)
    {
        Assert.Throws<FormatException>(() => JsonCanonicalizer.Canonicalize(Encoding.UTF8.GetBytes(json)));
    }

    /// <summary>The text with one replacement, as Latin-1 bytes where the replacement spells raw bytes (\u00C3\u0028 is invalid UTF-8).</summary>
    private static byte[] Spoil(string json, string find, string replace)
    {
        Assert.Contains(find, json, StringComparison.Ordinal);
        string spoiled = json.Replace(find, replace, StringComparison.Ordinal);
        return replace.Contains('\u00C3', StringComparison.Ordinal) ? Encoding.Latin1.GetBytes(spoiled) : Encoding.UTF8.GetBytes(spoiled);
    }
}
