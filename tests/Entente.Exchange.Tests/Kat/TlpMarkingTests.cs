using System.Text;
using System.Text.Json;
using Entente.Exchange.Stix;

namespace Entente.Exchange.Tests.Kat;

/// <summary>TLP 2.0 marking definitions from cti-stix-common-objects against our constants, and their use on exchanged objects.</summary>
public sealed class TlpMarkingTests : IDisposable
{
    private readonly ExchangeWorld _world = new();

    [Theory]
    [InlineData("cti-stix-common-objects/tlp-clear.json", Tlp.Clear, "clear")]
    [InlineData("cti-stix-common-objects/tlp-amber.json", Tlp.Amber, "amber")]
    [InlineData("cti-stix-common-objects/tlp-amber+strict.json", Tlp.AmberStrict, "amber+strict")]
    public void Official_tlp_2_marking_has_the_fixed_id_and_level(string file, string id, string level)
    {
        JsonElement json = Vectors.Json(file);
        JsonElement marking = json.ValueKind == JsonValueKind.Array ? json[0] : json.TryGetProperty("objects", out JsonElement objects) ? objects.EnumerateArray().First(o => o.GetProperty("type").GetString() == "marking-definition") : json;

        Assert.Equal(id, marking.GetProperty("id").GetString());
        Assert.Equal(level, marking.GetProperty("extensions").GetProperty(Tlp.ExtensionDefinitionId).GetProperty("tlp_2_0").GetString());
        Assert.Empty(StixValidator.Validate(StixObject.FromElement(marking)));
    }

    [Fact]
    public async Task An_amber_marked_indicator_is_accepted_and_its_level_read_back()
    {
        System.Text.Json.Nodes.JsonObject indicator = _world.Indicator(ExchangeWorld.BlueId);
        indicator["object_marking_refs"] = new System.Text.Json.Nodes.JsonArray(Tlp.Amber);

        Exchange.ExchangeReceipt receipt = await _world.SendAsync(_world.Blue, ExchangeWorld.BlueId, indicator);

        Assert.Equal(["amber"], Tlp.LevelsOf(ExchangeService.ReadObject(receipt.Entry)));
    }

    [Fact]
    public void Stix_object_parse_rejects_oversized_duplicate_and_non_object_input()
    {
        FormatException oversized = Assert.Throws<FormatException>(() => StixObject.Parse(new byte[2048], maxBytes: 1024));
        FormatException duplicate = Assert.Throws<FormatException>(() => StixObject.Parse("{\"type\":\"note\",\"type\":\"note\"}"u8));
        FormatException array = Assert.Throws<FormatException>(() => StixObject.Parse("[1]"u8));
        FormatException deep = Assert.Throws<FormatException>(() => StixObject.Parse(Encoding.UTF8.GetBytes(new string('[', 100) + new string(']', 100))));

        Assert.Contains("over the limit", oversized.Message, StringComparison.Ordinal);
        Assert.Contains("Not valid JSON", duplicate.Message, StringComparison.Ordinal);
        Assert.Contains("JSON object", array.Message, StringComparison.Ordinal);
        Assert.Contains("Not valid JSON", deep.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _world.Dispose();
}
