using System.Text;
using System.Text.Json.Nodes;
using Entente.Exchange.Taxii;

namespace Entente.Exchange.Tests.Unit;

/// <summary>TAXII 2.1 round trips through the transport-independent service: paging, filters, manifest, versions, status, errors.</summary>
public sealed class TaxiiServiceTests : IDisposable
{
    private readonly ExchangeWorld _world = new();
    private readonly TaxiiService _taxii;

    public TaxiiServiceTests() =>
        _taxii = new TaxiiService(_world.Service, new TaxiiServerInfo("Entente exchange", "Joint incident exchange", "unit@example.org", "/taxii2/api/"));

    private async Task<TaxiiResponse> PostAsync(string caller, params JsonObject[] signedEnvelopes)
    {
        JsonObject body = new() { ["objects"] = new JsonArray([.. signedEnvelopes.Select(e => (JsonNode)e)]) };
        return await _taxii.AddObjectsAsync(caller, ExchangeWorld.SharedCollection, Encoding.UTF8.GetBytes(body.ToJsonString()));
    }

    private JsonObject Signed(Envelopes.PartyKey key, string sender, JsonObject stix) =>
        JsonNode.Parse(_world.Seal(key, sender, stix).ToCanonicalJson())!.AsObject();

    [Fact]
    public async Task Posted_objects_come_back_in_pages_that_neither_skip_nor_repeat()
    {
        List<string> ids = [];
        for (int i = 0; i < 7; i++)
        {
            JsonObject indicator = _world.Indicator(ExchangeWorld.BlueId);
            ids.Add(indicator["id"]!.GetValue<string>());
            TaxiiResponse posted = await PostAsync(ExchangeWorld.BlueId, Signed(_world.Blue, ExchangeWorld.BlueId, indicator));
            Assert.Equal(202, posted.StatusCode);
            Assert.Equal(1, posted.Body["success_count"]!.GetValue<int>());
        }

        List<string> seen = [];
        string? next = null;
        int pages = 0;
        do
        {
            TaxiiResponse page = await _taxii.GetObjectsAsync(ExchangeWorld.RedId, ExchangeWorld.SharedCollection, new TaxiiQuery { Limit = "3", Next = next });
            Assert.Equal(200, page.StatusCode);
            Assert.Equal(TaxiiService.MediaType, page.ContentType);
            Assert.True(page.Headers.ContainsKey("X-TAXII-Date-Added-First"));
            seen.AddRange(page.Body["objects"]!.AsArray().Select(o => o!["id"]!.GetValue<string>()));
            next = page.Body["more"]!.GetValue<bool>() ? page.Body["next"]!.GetValue<string>() : null;
            pages++;
        }
        while (next is not null);

        Assert.Equal(3, pages);
        Assert.Equal(ids, seen);
    }

    [Fact]
    public async Task Match_filters_and_added_after_select_the_right_objects_and_versions()
    {
        JsonObject v1 = _world.Indicator(ExchangeWorld.BlueId);
        string id = v1["id"]!.GetValue<string>();
        await PostAsync(ExchangeWorld.BlueId, Signed(_world.Blue, ExchangeWorld.BlueId, v1));
        _world.Time.Advance(TimeSpan.FromMinutes(1));
        string afterFirst = Stix.StixTimestamp.FormatMicroseconds(_world.Time.GetUtcNow().AddSeconds(-1));
        JsonObject v2 = (JsonObject)v1.DeepClone();
        v2["modified"] = _world.Now;
        v2["name"] = "C2 server, confirmed";
        await PostAsync(ExchangeWorld.BlueId, Signed(_world.Blue, ExchangeWorld.BlueId, v2));
        JsonObject note = new()
        {
            ["type"] = "note",
            ["spec_version"] = "2.1",
            ["id"] = Stix.StixId.NewV4("note").ToString(),
            ["created"] = _world.Now,
            ["modified"] = _world.Now,
            ["created_by_ref"] = ExchangeWorld.RedId,
            ["content"] = "We see this address too.",
            ["object_refs"] = new JsonArray(id),
        };
        await PostAsync(ExchangeWorld.RedId, Signed(_world.Red, ExchangeWorld.RedId, note));

        TaxiiResponse last = await _taxii.GetObjectsAsync(ExchangeWorld.RedId, ExchangeWorld.SharedCollection, new TaxiiQuery { MatchId = id });
        TaxiiResponse all = await _taxii.GetObjectsAsync(ExchangeWorld.RedId, ExchangeWorld.SharedCollection, new TaxiiQuery { MatchId = id, MatchVersion = "all" });
        TaxiiResponse first = await _taxii.GetObjectsAsync(ExchangeWorld.RedId, ExchangeWorld.SharedCollection, new TaxiiQuery { MatchId = id, MatchVersion = "first" });
        TaxiiResponse notes = await _taxii.GetObjectsAsync(ExchangeWorld.RedId, ExchangeWorld.SharedCollection, new TaxiiQuery { MatchType = "note" });
        TaxiiResponse recent = await _taxii.GetObjectsAsync(ExchangeWorld.RedId, ExchangeWorld.SharedCollection, new TaxiiQuery { AddedAfter = afterFirst });
        TaxiiResponse versions = await _taxii.GetVersionsAsync(ExchangeWorld.RedId, ExchangeWorld.SharedCollection, id, new TaxiiQuery());
        TaxiiResponse manifest = await _taxii.GetManifestAsync(ExchangeWorld.RedId, ExchangeWorld.SharedCollection, new TaxiiQuery { MatchVersion = "all" });
        TaxiiResponse exact = await _taxii.GetObjectAsync(ExchangeWorld.RedId, ExchangeWorld.SharedCollection, id, new TaxiiQuery { MatchVersion = v1["modified"]!.GetValue<string>() });

        Assert.Equal(["C2 server, confirmed"], last.Body["objects"]!.AsArray().Select(o => o!["name"]!.GetValue<string>()));
        Assert.Equal(2, all.Body["objects"]!.AsArray().Count);
        Assert.Equal("C2 server of the campaign", first.Body["objects"]![0]!["name"]!.GetValue<string>());
        Assert.Equal("note", notes.Body["objects"]![0]!["type"]!.GetValue<string>());
        Assert.Single(notes.Body["objects"]!.AsArray());
        Assert.Equal(2, recent.Body["objects"]!.AsArray().Count);
        Assert.Equal([v1["modified"]!.GetValue<string>(), v2["modified"]!.GetValue<string>()], versions.Body["versions"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.Equal(3, manifest.Body["objects"]!.AsArray().Count);
        Assert.All(manifest.Body["objects"]!.AsArray(), r => Assert.Equal(TaxiiService.StixMediaType, r!["media_type"]!.GetValue<string>()));
        Assert.Equal("C2 server of the campaign", exact.Body["objects"]![0]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Status_lists_successes_and_failures_and_unsigned_objects_are_refused()
    {
        JsonObject good = Signed(_world.Blue, ExchangeWorld.BlueId, _world.Indicator(ExchangeWorld.BlueId));
        JsonObject unsigned = _world.Indicator(ExchangeWorld.BlueId);
        JsonObject forRed = Signed(_world.Red, ExchangeWorld.RedId, _world.Indicator(ExchangeWorld.RedId));

        TaxiiResponse posted = await PostAsync(ExchangeWorld.BlueId, good, unsigned, forRed);
        TaxiiResponse status = _taxii.Status(ExchangeWorld.BlueId, posted.Body["id"]!.GetValue<string>());
        TaxiiResponse othersStatus = _taxii.Status(ExchangeWorld.RedId, posted.Body["id"]!.GetValue<string>());

        Assert.Equal(202, posted.StatusCode);
        Assert.Equal(200, status.StatusCode);
        Assert.Equal("complete", status.Body["status"]!.GetValue<string>());
        Assert.Equal(1, status.Body["success_count"]!.GetValue<int>());
        Assert.Equal(2, status.Body["failure_count"]!.GetValue<int>());
        Assert.Contains("Unsigned", status.Body["failures"]![0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("authenticated as", status.Body["failures"]![1]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(404, othersStatus.StatusCode);
        Assert.Equal(1, await _world.Store.CountAsync());
    }

    [Fact]
    public async Task Access_rules_and_bad_requests_get_taxii_error_bodies_and_codes()
    {
        TaxiiResponse anonymous = _taxii.Collections(null);
        TaxiiResponse unknown = _taxii.Collection(ExchangeWorld.BlueId, "00000000-0000-4000-8000-000000000000");
        TaxiiResponse redWrites = await _taxii.AddObjectsAsync(ExchangeWorld.RedId, ExchangeWorld.BlueOnlyCollection, "{\"objects\":[]}"u8.ToArray());
        TaxiiResponse badLimit = await _taxii.GetObjectsAsync(ExchangeWorld.BlueId, ExchangeWorld.SharedCollection, new TaxiiQuery { Limit = "-1" });
        TaxiiResponse badNext = await _taxii.GetObjectsAsync(ExchangeWorld.BlueId, ExchangeWorld.SharedCollection, new TaxiiQuery { Next = "'; DROP TABLE" });
        TaxiiResponse notJson = await _taxii.AddObjectsAsync(ExchangeWorld.BlueId, ExchangeWorld.SharedCollection, "nope"u8.ToArray());
        TaxiiResponse noObjects = await _taxii.AddObjectsAsync(ExchangeWorld.BlueId, ExchangeWorld.SharedCollection, "{}"u8.ToArray());
        TaxiiResponse missing = await _taxii.GetObjectAsync(ExchangeWorld.BlueId, ExchangeWorld.SharedCollection, "indicator--00000000-0000-4000-8000-000000000000", new TaxiiQuery());

        Assert.Equal(401, anonymous.StatusCode);
        Assert.Equal(404, unknown.StatusCode);
        Assert.Equal(403, redWrites.StatusCode);
        Assert.Equal(400, badLimit.StatusCode);
        Assert.Equal(400, badNext.StatusCode);
        Assert.Equal(400, notJson.StatusCode);
        Assert.Equal(422, noObjects.StatusCode);
        Assert.Equal(404, missing.StatusCode);
        Assert.All([anonymous, unknown, redWrites, badLimit, notJson], r => Assert.NotNull(r.Body["title"]));
        Assert.Equal("403", redWrites.Body["http_status"]!.GetValue<string>());
    }

    [Fact]
    public void Discovery_api_root_collections_and_media_types_follow_the_spec()
    {
        TaxiiResponse discovery = _taxii.Discovery();
        TaxiiResponse root = _taxii.ApiRoot();
        TaxiiResponse collections = _taxii.Collections(ExchangeWorld.RedId);

        Assert.Equal("/taxii2/api/", discovery.Body["default"]!.GetValue<string>());
        Assert.Equal(TaxiiService.MediaType, root.Body["versions"]![0]!.GetValue<string>());
        JsonObject blueOnly = collections.Body["collections"]!.AsArray().Single(c => c!["id"]!.GetValue<string>() == ExchangeWorld.BlueOnlyCollection)!.AsObject();
        Assert.True(blueOnly["can_read"]!.GetValue<bool>());
        Assert.False(blueOnly["can_write"]!.GetValue<bool>());
        Assert.Null(TaxiiService.CheckAccept("application/taxii+json;version=2.1"));
        Assert.Null(TaxiiService.CheckAccept("application/json, application/taxii+json"));
        Assert.Equal(406, TaxiiService.CheckAccept("application/taxii+json;version=2.0")!.StatusCode);
        Assert.Equal(406, TaxiiService.CheckAccept("text/html")!.StatusCode);
        Assert.Equal(415, TaxiiService.CheckContentType("application/json")!.StatusCode);
        Assert.Null(TaxiiService.CheckContentType("application/taxii+json; version=2.1"));
    }

    public void Dispose() => _world.Dispose();
}
