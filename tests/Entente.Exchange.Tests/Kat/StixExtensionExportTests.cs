using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Exchange.Stix;
using Entente.Exchange.Storage;

namespace Entente.Exchange.Tests.Kat;

/// <summary>
/// Issue #14, item 10: the request-for-assistance types are defined through a STIX 2.1 extension definition
/// (new-sdo) shipped with its schema and placed in every export, no object uses a reserved property name (§3.8), and
/// every export passes the official schemas and the OASIS validator's checks that apply (<see cref="OasisStixChecks"/>).
/// Issue #14, item 6: an export never carries readers-only content, and says what it left out and why.
/// </summary>
public sealed class StixExtensionExportTests : IDisposable
{
    private readonly ExchangeWorld _world = new();

    [Fact]
    public void A_reserved_property_name_is_refused_on_any_object()
    {
        JsonObject indicator = _world.Indicator(ExchangeWorld.BlueId);
        indicator["severity"] = "high";
        JsonObject request = _world.Request(ExchangeWorld.BlueId, ExchangeWorld.RedId, TimeSpan.FromHours(1), TimeSpan.FromHours(2));
        request["severity"] = "high";

        IReadOnlyList<StixValidationError> onIndicator = StixValidator.Validate(ExchangeWorld.ToStix(indicator));
        IReadOnlyList<StixValidationError> onRequest = StixValidator.Validate(ExchangeWorld.ToStix(request));

        Assert.Equal([("severity", "STIX 2.1 §3.8")], onIndicator.Select(e => (e.Property, e.Rule)));
        Assert.Contains(onRequest, e => e.Property == "severity" && e.Rule == "STIX 2.1 §3.8");
    }

    [Fact]
    public void A_failed_not_in_a_schema_is_reported_rather_than_passed()
    {
        // relationship.json: source_ref must not be a sighting (a "not" with a pattern); the error used to be dropped.
        JsonObject relationship = new()
        {
            ["type"] = "relationship",
            ["spec_version"] = "2.1",
            ["id"] = StixId.NewV4("relationship").ToString(),
            ["created"] = _world.Now,
            ["modified"] = _world.Now,
            ["created_by_ref"] = ExchangeWorld.BlueId,
            ["relationship_type"] = "related-to",
            ["source_ref"] = StixId.NewV4("sighting").ToString(),
            ["target_ref"] = StixId.NewV4("indicator").ToString(),
        };

        IReadOnlyList<StixValidationError> errors = StixValidator.Validate(ExchangeWorld.ToStix(relationship));

        Assert.Contains(errors, e => e.Property == "source_ref");
    }

    [Fact]
    public void A_request_for_assistance_must_name_its_extension_definition()
    {
        JsonObject marked = _world.Request(ExchangeWorld.BlueId, ExchangeWorld.RedId, TimeSpan.FromHours(1), TimeSpan.FromHours(2));
        JsonObject unmarked = (JsonObject)marked.DeepClone();
        unmarked.Remove("extensions");
        JsonObject wrongKind = (JsonObject)marked.DeepClone();
        wrongKind["extensions"]![AssistanceTypes.ExtensionDefinitionId]!["extension_type"] = "property-extension";

        Assert.Empty(StixValidator.Validate(ExchangeWorld.ToStix(marked)));
        Assert.Contains(StixValidator.Validate(ExchangeWorld.ToStix(unmarked)), e => e.Property == "extensions");
        Assert.NotEmpty(StixValidator.Validate(ExchangeWorld.ToStix(wrongKind)));
    }

    [Fact]
    public async Task The_legacy_request_form_is_accepted_only_where_the_host_allows_it_and_is_never_exported()
    {
        JsonObject legacy = _world.Request(ExchangeWorld.BlueId, ExchangeWorld.RedId, TimeSpan.FromHours(1), TimeSpan.FromHours(2));
        legacy.Remove("extensions");
        legacy.Remove("priority");
        legacy["severity"] = "high";
        using ExchangeWorld current = new(options: new ExchangeOptions { AcceptLegacyAssistanceForm = false });

        ExchangeRejectedException refused = await Assert.ThrowsAsync<ExchangeRejectedException>(() => current.SendAsync(current.Blue, ExchangeWorld.BlueId, legacy));
        ExchangeReceipt accepted = await _world.SendAsync(_world.Blue, ExchangeWorld.BlueId, legacy);
        StixExport export = StixExporter.Build([accepted.Entry], _world.Collections);

        Assert.Equal(ExchangeRejection.InvalidStix, refused.Reason);
        Assert.Equal("high", (await Assistance.AssistanceTracker.GetCasesAsync(_world.Store, _world.Time))[0].Severity);
        Assert.Empty(export.Included);
        Assert.Contains("not valid STIX 2.1", export.LeftOut.Single().Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_shipped_extension_definition_and_its_author_are_valid_stix_2_1()
    {
        StixObject definition = AssistanceExtension.Definition;

        Assert.Equal(AssistanceTypes.ExtensionDefinitionId, definition.Id);
        Assert.Equal(["new-sdo"], definition.Json.GetProperty("extension_types").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(AssistanceExtension.Author.Id, definition.CreatedByRef);
        Assert.Empty(StixValidator.ValidateForExport(definition));
        Assert.Empty(StixValidator.ValidateForExport(AssistanceExtension.Author));
    }

    [Fact]
    public async Task Every_export_passes_the_official_schemas_the_extension_schema_and_the_oasis_checks()
    {
        await FullRequestCycleAsync();

        StixExport export = StixExporter.Build(await _world.Store.ReadRangeAsync(0, 100), _world.Collections);
        using JsonDocument bundle = JsonDocument.Parse(export.Bundle.ToJsonString());
        List<string> types = [.. bundle.RootElement.GetProperty("objects").EnumerateArray().Select(o => o.GetProperty("type").GetString()!)];

        Assert.Empty(OasisStixChecks.Check(bundle.RootElement));
        Assert.Empty(StixValidator.ValidateBundle(bundle.RootElement));
        Assert.Equal(["identity", "extension-definition", "indicator", AssistanceTypes.Request, AssistanceTypes.Acknowledgement, AssistanceTypes.Response], types);
        Assert.Empty(export.LeftOut);
    }

    [Fact]
    public void The_independent_checks_catch_what_the_old_export_did_wrong()
    {
        // The pre-extension export: a custom type without an extension, using the reserved 'severity', and no definition.
        JsonObject legacy = _world.Request(ExchangeWorld.BlueId, ExchangeWorld.RedId, TimeSpan.FromHours(1), TimeSpan.FromHours(2));
        legacy.Remove("extensions");
        legacy["severity"] = "high";
        JsonObject bundle = new() { ["type"] = "bundle", ["id"] = StixId.NewV4("bundle").ToString(), ["objects"] = new JsonArray(legacy) };
        using JsonDocument parsed = JsonDocument.Parse(bundle.ToJsonString());

        List<string> problems = OasisStixChecks.Check(parsed.RootElement);

        Assert.Contains(problems, p => p.Contains("common/core.json", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("extensions-use", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_export_leaves_out_every_readers_only_message_and_says_why()
    {
        ExchangeReceipt clear = await _world.SendAsync(_world.Blue, ExchangeWorld.BlueId, ExchangeWorld.Marked(_world.Indicator(ExchangeWorld.BlueId), Tlp.Clear));
        ExchangeReceipt green = await _world.SendAsync(_world.Blue, ExchangeWorld.BlueId, ExchangeWorld.Marked(_world.Indicator(ExchangeWorld.BlueId), Tlp.Green));
        ExchangeReceipt amber = await _world.SendAsync(_world.Blue, ExchangeWorld.BlueId, ExchangeWorld.Marked(_world.Indicator(ExchangeWorld.BlueId), Tlp.Amber));
        ExchangeReceipt red = await _world.Service.SubmitAsync(_world.SealTo(_world.Red, ExchangeWorld.RedId, ExchangeWorld.Marked(_world.Indicator(ExchangeWorld.RedId), Tlp.Red)).ToCanonicalJson());
        ExchangeReceipt confidential = await _world.Service.SubmitAsync(_world.SealTo(_world.Red, ExchangeWorld.RedId, _world.Indicator(ExchangeWorld.RedId)).ToCanonicalJson());
        IReadOnlyList<ExchangeEntry> entries = await new Sealing.ReaderView(_world.Store, ExchangeWorld.RedId, _world.RedEncryption).ReadRangeAsync(0, 100);
        CollectionDefinition[] sharedOnly = [.. _world.Collections.Where(c => c.Id != ExchangeWorld.SharedCollection)];

        StixExport export = StixExporter.Build(entries, _world.Collections);
        StixExport unknownCollection = StixExporter.Build(entries, sharedOnly);

        Assert.Equal([clear.Entry.Index, green.Entry.Index], export.Included.Select(e => e.Index));
        Assert.Equal([amber.Entry.Index, red.Entry.Index, confidential.Entry.Index], export.LeftOut.Select(o => o.Index));
        Assert.Contains("TLP:AMBER", export.LeftOut[0].Reason, StringComparison.Ordinal);
        Assert.Contains("sealed", export.LeftOut[1].Reason, StringComparison.Ordinal);
        Assert.Contains("sealed", export.LeftOut[2].Reason, StringComparison.Ordinal);
        string text = export.Bundle.ToJsonString();
        Assert.DoesNotContain(amber.Entry.ObjectId, text, StringComparison.Ordinal);
        Assert.DoesNotContain(red.Entry.ObjectId, text, StringComparison.Ordinal);
        Assert.Empty(unknownCollection.Included);
        Assert.All(unknownCollection.LeftOut.Take(2), o => Assert.Contains("unknown", o.Reason, StringComparison.Ordinal));
    }

    private async Task FullRequestCycleAsync()
    {
        JsonObject indicator = ExchangeWorld.Marked(_world.Indicator(ExchangeWorld.RedId), Tlp.Green);
        await _world.SendAsync(_world.Red, ExchangeWorld.RedId, indicator);
        JsonObject request = _world.Request(ExchangeWorld.RedId, ExchangeWorld.BlueId, TimeSpan.FromHours(1), TimeSpan.FromHours(2), indicator["id"]!.GetValue<string>());
        request["description"] = "Is this address yours?";
        await _world.SendAsync(_world.Red, ExchangeWorld.RedId, request);
        string requestId = request["id"]!.GetValue<string>();
        _world.Time.Advance(TimeSpan.FromMinutes(5));
        await _world.SendAsync(_world.Blue, ExchangeWorld.BlueId, _world.Ack(ExchangeWorld.BlueId, requestId));
        _world.Time.Advance(TimeSpan.FromMinutes(5));
        await _world.SendAsync(_world.Blue, ExchangeWorld.BlueId, _world.Response(ExchangeWorld.BlueId, requestId, "answered", "Not ours; now blocked."));
    }

    public void Dispose() => _world.Dispose();
}
