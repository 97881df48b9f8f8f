using System.Text;
using System.Text.Json.Nodes;
using Entente.Exchange.Envelopes;
using Entente.Exchange.Sealing;
using Entente.Exchange.Storage;
using Entente.Exchange.Stix;
using Entente.Exchange.Taxii;

namespace Entente.Exchange.Tests.Attacks;

/// <summary>
/// TLP 2.0 enforced on the write path and on every read (issue #14, item 6): readers-only messages never travel,
/// are never stored and never served in the clear; a sealed message is logged, served to readers only, and reads
/// back for each reader.
/// </summary>
public sealed class ConfidentialityAttackTests : IDisposable
{
    private readonly ExchangeWorld _world = new();

    private static async Task<ExchangeRejectedException> RefusedAsync(ExchangeService service, IExchangeEnvelope envelope, ExchangeRejection reason)
    {
        long before = await service.Store.CountAsync();
        ExchangeRejectedException e = await Assert.ThrowsAsync<ExchangeRejectedException>(() => service.SubmitAsync(envelope.ToCanonicalJson()));
        Assert.Equal(reason, e.Reason);
        Assert.Equal(before, await service.Store.CountAsync());
        return e;
    }

    [Fact]
    public async Task A_tlp_red_message_in_the_clear_is_refused_and_nothing_is_stored()
    {
        JsonObject red = ExchangeWorld.Marked(_world.Indicator(ExchangeWorld.BlueId), Tlp.Red);

        ExchangeRejectedException e = await RefusedAsync(_world.Service, _world.Seal(_world.Blue, ExchangeWorld.BlueId, red), ExchangeRejection.MustBeSealed);

        Assert.Contains("TLP:RED", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tlp_red_on_a_granular_marking_or_in_tlp_1_also_keeps_the_message_with_its_readers()
    {
        JsonObject granular = _world.Indicator(ExchangeWorld.BlueId);
        granular["granular_markings"] = new JsonArray(new JsonObject { ["marking_ref"] = Tlp.Red, ["selectors"] = new JsonArray("pattern") });
        JsonObject v1 = ExchangeWorld.Marked(_world.Indicator(ExchangeWorld.BlueId), Tlp.V1Red);

        await RefusedAsync(_world.Service, _world.Seal(_world.Blue, ExchangeWorld.BlueId, granular), ExchangeRejection.MustBeSealed);
        await RefusedAsync(_world.Service, _world.Seal(_world.Blue, ExchangeWorld.BlueId, v1), ExchangeRejection.MustBeSealed);
    }

    [Fact]
    public async Task Any_message_of_a_collection_that_is_not_public_is_refused_in_the_clear()
    {
        JsonObject clear = ExchangeWorld.Marked(_world.Indicator(ExchangeWorld.BlueId), Tlp.Clear);

        ExchangeRejectedException e = await RefusedAsync(_world.Service, _world.Seal(_world.Blue, ExchangeWorld.BlueId, clear, ExchangeWorld.ConfidentialCollection), ExchangeRejection.MustBeSealed);

        Assert.Contains("not public", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tlp_amber_in_the_clear_is_refused_where_sealing_is_required_and_otherwise_kept_off_the_public_record()
    {
        using ExchangeWorld strict = new(options: new ExchangeOptions { RequireSealing = true });
        JsonObject amber = ExchangeWorld.Marked(_world.Indicator(ExchangeWorld.BlueId), Tlp.AmberStrict);

        await RefusedAsync(strict.Service, strict.Seal(strict.Blue, ExchangeWorld.BlueId, amber), ExchangeRejection.MustBeSealed);
        ExchangeReceipt compat = await _world.Service.SubmitAsync(_world.Seal(_world.Blue, ExchangeWorld.BlueId, amber));
        Assert.False(DisclosurePolicy.ForEntry(_world.Collections[0], compat.Entry).IsPublic);
    }

    [Fact]
    public async Task A_sealed_message_is_logged_under_its_label_and_reads_back_for_each_reader_only()
    {
        JsonObject red = ExchangeWorld.Marked(_world.Indicator(ExchangeWorld.BlueId), Tlp.Red);
        SealedEnvelope sealedEnvelope = _world.SealTo(_world.Blue, ExchangeWorld.BlueId, red);

        ExchangeReceipt receipt = await _world.Service.SubmitAsync(sealedEnvelope.ToCanonicalJson());
        ExchangeEntry stored = (await _world.Store.GetAsync(receipt.Entry.Index))!;
        ReaderView asRed = new(_world.Store, ExchangeWorld.RedId, _world.RedEncryption);
        ReaderView asOutsider = new(_world.Store, "identity--0badbad0-0000-4000-8000-000000000000", _world.RedEncryption);

        Assert.True(stored.IsSealed);
        Assert.Equal((red["id"]!.GetValue<string>(), "indicator", red["modified"]!.GetValue<string>()), (stored.ObjectId, stored.ObjectType, stored.ObjectVersion));
        Assert.DoesNotContain("198.51.100.7", Encoding.UTF8.GetString(stored.Envelope), StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => ExchangeService.ReadObject(stored));
        Assert.Equal("C2 server of the campaign", ExchangeService.ReadObjectJson((await asRed.GetAsync(receipt.Entry.Index))!).GetProperty("name").GetString());
        Assert.False(ExchangeService.TryReadObject((await asOutsider.GetAsync(receipt.Entry.Index))!, out _));
        Assert.Contains("not among the readers", asOutsider.Unopened[receipt.Entry.Index], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reader_view_checked_against_the_parties_refuses_a_sealed_message_forged_in_a_partys_name()
    {
        // A store the reader does not control (a server's mirror) holds a message "from Blue" sealed with an outsider's
        // key, inner message included: it opens cryptographically, but not as Blue's.
        JsonObject forged = ExchangeWorld.Marked(_world.Indicator(ExchangeWorld.BlueId), Tlp.Red);
        SignedEnvelope inner = SignedEnvelope.Create(_world.Outsider, ExchangeWorld.BlueId, ExchangeWorld.ConfidentialCollection, null, _world.Time.GetUtcNow(), ExchangeWorld.ToStix(forged));
        SealedEnvelope sealedEnvelope = SealedEnvelope.SealToReaders(_world.Outsider, inner, _world.Collections.Single(c => c.Id == ExchangeWorld.ConfidentialCollection), _world.Parties);
        MemoryExchangeStore mirror = new();
        await mirror.AppendAsync(new ExchangeEntry(0, _world.Time.GetUtcNow(), sealedEnvelope.Collection, sealedEnvelope.Sender, sealedEnvelope.ObjectId,
            sealedEnvelope.ObjectType, sealedEnvelope.ObjectVersion, sealedEnvelope.ToCanonicalJson(), sealedEnvelope.Signature, sealedEnvelope.Nonce));

        ReaderView checkedView = new(mirror, ExchangeWorld.RedId, _world.RedEncryption, _world.Parties);
        ExchangeEntry? seen = await checkedView.GetAsync(0);

        Assert.False(ExchangeService.TryReadObject(seen!, out _));
        Assert.Contains("registered key", checkedView.Unopened[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sealed_message_that_leaves_out_a_reader_or_uses_an_unregistered_key_is_refused()
    {
        JsonObject red = ExchangeWorld.Marked(_world.Indicator(ExchangeWorld.BlueId), Tlp.Red);
        SignedEnvelope inner = _world.Seal(_world.Blue, ExchangeWorld.BlueId, red, ExchangeWorld.ConfidentialCollection);
        using EncryptionKey rogue = EncryptionKey.Generate();
        SealedEnvelope blueOnly = SealedEnvelope.Seal(_world.Blue, inner, [new SealedReader(ExchangeWorld.BlueId, _world.BlueEncryption.PublicKey)]);
        SealedEnvelope rogueKey = SealedEnvelope.Seal(_world.Blue, inner,
            [new SealedReader(ExchangeWorld.BlueId, _world.BlueEncryption.PublicKey), new SealedReader(ExchangeWorld.RedId, rogue.PublicKey)]);

        await RefusedAsync(_world.Service, blueOnly, ExchangeRejection.Readers);
        ExchangeRejectedException e = await RefusedAsync(_world.Service, rogueKey, ExchangeRejection.Readers);

        Assert.Contains("registered encryption key", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sealed_message_to_a_collection_whose_reader_has_no_key_is_refused()
    {
        using PartyKey greenKey = PartyKey.FromSeed(Enumerable.Repeat((byte)5, 32).ToArray());
        const string greenId = "identity--9ee70000-0000-4000-8000-000000000005";
        PartyRegistry parties = new([_world.BlueParty, _world.RedParty, new Party("Green", greenId, greenKey.PublicKey)]);
        using ExchangeService service = new(new MemoryExchangeStore(), parties, _world.Collections, _world.Time);
        SealedEnvelope sealedEnvelope = _world.SealTo(_world.Blue, ExchangeWorld.BlueId, ExchangeWorld.Marked(_world.Indicator(ExchangeWorld.BlueId), Tlp.Red));

        ExchangeRejectedException e = await RefusedAsync(service, sealedEnvelope, ExchangeRejection.Readers);

        Assert.Contains("Green has no registered encryption key", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sealed_messages_keep_replay_versioning_and_attribution_rules_on_their_labels()
    {
        JsonObject red = ExchangeWorld.Marked(_world.Indicator(ExchangeWorld.BlueId), Tlp.Red);
        SealedEnvelope first = _world.SealTo(_world.Blue, ExchangeWorld.BlueId, red);
        await _world.Service.SubmitAsync(first.ToCanonicalJson());
        SealedEnvelope sameVersionAgain = _world.SealTo(_world.Blue, ExchangeWorld.BlueId, red);
        JsonObject byRed = (JsonObject)red.DeepClone();
        byRed["modified"] = StixTimestamp.FormatMilliseconds(_world.Time.GetUtcNow() + TimeSpan.FromSeconds(1));
        byRed["created_by_ref"] = ExchangeWorld.RedId;
        SealedEnvelope redVersionsBlues = _world.SealTo(_world.Red, ExchangeWorld.RedId, byRed);

        await RefusedAsync(_world.Service, first, ExchangeRejection.Replay);
        await RefusedAsync(_world.Service, sameVersionAgain, ExchangeRejection.Equivocation);
        await RefusedAsync(_world.Service, redVersionsBlues, ExchangeRejection.Versioning);
    }

    [Fact]
    public async Task A_sealed_message_altered_after_signing_or_signed_for_another_party_is_refused()
    {
        SealedEnvelope sealedEnvelope = _world.SealTo(_world.Blue, ExchangeWorld.BlueId, ExchangeWorld.Marked(_world.Indicator(ExchangeWorld.BlueId), Tlp.Red));
        JsonObject json = JsonNode.Parse(sealedEnvelope.ToCanonicalJson())!.AsObject();
        json["label"]!["id"] = StixId.NewV4("indicator").ToString();
        JsonObject asRed = JsonNode.Parse(sealedEnvelope.ToCanonicalJson())!.AsObject();
        asRed["sender"] = ExchangeWorld.RedId;

        ExchangeRejectedException altered = await Assert.ThrowsAsync<ExchangeRejectedException>(() => _world.Service.SubmitAsync(Encoding.UTF8.GetBytes(json.ToJsonString())));
        ExchangeRejectedException impersonated = await Assert.ThrowsAsync<ExchangeRejectedException>(() => _world.Service.SubmitAsync(Encoding.UTF8.GetBytes(asRed.ToJsonString())));

        Assert.Equal(ExchangeRejection.BadSignature, altered.Reason);
        Assert.Equal(ExchangeRejection.SignedForAnotherParty, impersonated.Reason);
        Assert.Equal(0, await _world.Store.CountAsync());
    }

    [Fact]
    public async Task Taxii_serves_a_sealed_message_as_its_sealed_envelope_to_readers_and_a_401_names_the_scheme()
    {
        TaxiiService taxii = new(_world.Service, new TaxiiServerInfo("Entente exchange", "test", "", "/taxii2/api/"));
        SealedEnvelope sealedEnvelope = _world.SealTo(_world.Blue, ExchangeWorld.BlueId, ExchangeWorld.Marked(_world.Indicator(ExchangeWorld.BlueId), Tlp.Red));
        JsonObject body = new() { ["objects"] = new JsonArray(JsonNode.Parse(sealedEnvelope.ToCanonicalJson())) };

        TaxiiResponse posted = await taxii.AddObjectsAsync(ExchangeWorld.BlueId, ExchangeWorld.ConfidentialCollection, Encoding.UTF8.GetBytes(body.ToJsonString()));
        TaxiiResponse objects = await taxii.GetObjectsAsync(ExchangeWorld.RedId, ExchangeWorld.ConfidentialCollection, new TaxiiQuery());
        TaxiiResponse manifest = await taxii.GetManifestAsync(ExchangeWorld.RedId, ExchangeWorld.ConfidentialCollection, new TaxiiQuery());
        TaxiiResponse anonymous = await taxii.GetObjectsAsync(null, ExchangeWorld.ConfidentialCollection, new TaxiiQuery());

        Assert.Equal(1, posted.Body["success_count"]!.GetValue<int>());
        Assert.Equal(SealedEnvelope.Format, objects.Body["objects"]![0]!["envelope"]!.GetValue<string>());
        Assert.Equal(sealedEnvelope.ToCanonicalJson(), Canonical.JsonCanonicalizer.Canonicalize(Encoding.UTF8.GetBytes(objects.Body["objects"]![0]!.ToJsonString())));
        Assert.Equal(SealedEnvelope.MediaType, manifest.Body["objects"]![0]!["media_type"]!.GetValue<string>());
        Assert.Equal(401, anonymous.StatusCode);
        Assert.StartsWith("Signature ", anonymous.Headers["WWW-Authenticate"], StringComparison.Ordinal);
    }

    public void Dispose() => _world.Dispose();
}
