using System.Text;
using System.Text.Json.Nodes;
using Entente.Exchange.Envelopes;
using Entente.Exchange.Stix;

namespace Entente.Exchange.Tests.Attacks;

/// <summary>Every bad envelope is refused with a clear reason, and the log does not change.</summary>
public sealed class EnvelopeAttackTests : IDisposable
{
    private readonly ExchangeWorld _world = new();

    private async Task<ExchangeRejectedException> RefusedAsync(byte[] envelope, ExchangeRejection expected)
    {
        long before = await _world.Store.CountAsync();
        ExchangeRejectedException e = await Assert.ThrowsAsync<ExchangeRejectedException>(() => _world.Service.SubmitAsync(envelope));
        Assert.Equal(expected, e.Reason);
        Assert.Equal(before, await _world.Store.CountAsync());
        return e;
    }

    [Fact]
    public async Task A_good_envelope_is_accepted_and_logged()
    {
        ExchangeReceipt receipt = await _world.SendAsync(_world.Blue, ExchangeWorld.BlueId, _world.Indicator(ExchangeWorld.BlueId));

        Assert.False(receipt.AlreadyPresent);
        Assert.Equal(0, receipt.Entry.Index);
        Assert.Equal(1, await _world.Store.CountAsync());
    }

    [Fact]
    public async Task Replayed_envelope_is_refused()
    {
        byte[] envelope = _world.Seal(_world.Blue, ExchangeWorld.BlueId, _world.Indicator(ExchangeWorld.BlueId)).ToCanonicalJson();
        await _world.Service.SubmitAsync(envelope);

        ExchangeRejectedException e = await RefusedAsync(envelope, ExchangeRejection.Replay);

        Assert.Contains("same signature", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Envelope_signed_by_an_unregistered_key_is_refused()
    {
        byte[] envelope = _world.Seal(_world.Outsider, ExchangeWorld.BlueId, _world.Indicator(ExchangeWorld.BlueId)).ToCanonicalJson();

        ExchangeRejectedException e = await RefusedAsync(envelope, ExchangeRejection.UnregisteredKey);

        Assert.Contains("no registered party", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task One_party_signing_for_another_is_refused()
    {
        // Red signs with its own key but claims to be Blue (and puts Blue as creator).
        byte[] envelope = _world.Seal(_world.Red, ExchangeWorld.BlueId, _world.Indicator(ExchangeWorld.BlueId)).ToCanonicalJson();

        ExchangeRejectedException e = await RefusedAsync(envelope, ExchangeRejection.SignedForAnotherParty);

        Assert.Contains("claims to come from Blue but is signed with the key of Red", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Object_attributed_to_the_other_party_is_refused()
    {
        byte[] envelope = _world.Seal(_world.Red, ExchangeWorld.RedId, _world.Indicator(ExchangeWorld.BlueId)).ToCanonicalJson();

        ExchangeRejectedException e = await RefusedAsync(envelope, ExchangeRejection.Misattributed);

        Assert.Contains("'created_by_ref'", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-6)]
    [InlineData(6)]
    public async Task Clock_skew_beyond_the_bound_is_refused(int minutes)
    {
        SignedEnvelope envelope = SignedEnvelope.Create(_world.Blue, ExchangeWorld.BlueId, ExchangeWorld.SharedCollection, null,
            _world.Time.GetUtcNow().AddMinutes(minutes), ExchangeWorld.ToStix(_world.Indicator(ExchangeWorld.BlueId)));

        ExchangeRejectedException e = await RefusedAsync(envelope.ToCanonicalJson(), ExchangeRejection.ClockSkew);

        Assert.Contains("360 s from the log's clock", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clock_skew_within_the_bound_is_accepted()
    {
        SignedEnvelope envelope = SignedEnvelope.Create(_world.Blue, ExchangeWorld.BlueId, ExchangeWorld.SharedCollection, null,
            _world.Time.GetUtcNow().AddMinutes(4), ExchangeWorld.ToStix(_world.Indicator(ExchangeWorld.BlueId)));

        await _world.Service.SubmitAsync(envelope.ToCanonicalJson());

        Assert.Equal(1, await _world.Store.CountAsync());
    }

    [Fact]
    public async Task Tampered_object_fails_the_signature()
    {
        string json = Encoding.UTF8.GetString(_world.Seal(_world.Blue, ExchangeWorld.BlueId, _world.Indicator(ExchangeWorld.BlueId)).ToCanonicalJson());
        byte[] tampered = Encoding.UTF8.GetBytes(json.Replace("198.51.100.7", "198.51.100.8", StringComparison.Ordinal));

        await RefusedAsync(tampered, ExchangeRejection.BadSignature);
    }

    [Fact]
    public async Task Oversized_envelope_is_refused_before_parsing()
    {
        byte[] huge = new byte[SignedEnvelope.DefaultMaxBytes + 1];

        ExchangeRejectedException e = await RefusedAsync(huge, ExchangeRejection.Oversized);

        Assert.Contains("limit", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json", "Malformed")]
    [InlineData("[]", "JSON object")]
    [InlineData("{\"envelope\":\"entente-exchange/v1\",\"extra\":1}", "\"extra\"")]
    [InlineData("{\"envelope\":\"entente-exchange/v1\",\"envelope\":\"x\"}", "Malformed")]
    public async Task Malformed_envelope_is_refused_naming_the_problem(string text, string expected)
    {
        ExchangeRejectedException e = await RefusedAsync(Encoding.UTF8.GetBytes(text), ExchangeRejection.Malformed);

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_stix_is_refused_naming_the_property()
    {
        JsonObject indicator = _world.Indicator(ExchangeWorld.BlueId);
        indicator.Remove("pattern_type");

        ExchangeRejectedException e = await RefusedAsync(_world.Seal(_world.Blue, ExchangeWorld.BlueId, indicator).ToCanonicalJson(), ExchangeRejection.InvalidStix);

        Assert.Contains(e.ValidationErrors, v => v.Property == "pattern_type");
    }

    [Fact]
    public async Task Unknown_type_is_kept_only_where_the_collection_allows_custom_objects()
    {
        JsonObject custom = new()
        {
            ["type"] = "election-observation",
            ["spec_version"] = "2.1",
            ["id"] = StixId.NewV4("election-observation").ToString(),
            ["created"] = _world.Now,
            ["modified"] = _world.Now,
            ["created_by_ref"] = ExchangeWorld.BlueId,
            ["polling_station"] = "PS-0042",
        };

        ExchangeRejectedException e = await RefusedAsync(_world.Seal(_world.Blue, ExchangeWorld.BlueId, custom).ToCanonicalJson(), ExchangeRejection.InvalidStix);
        ExchangeReceipt kept = await _world.SendAsync(_world.Blue, ExchangeWorld.BlueId, custom, ExchangeWorld.CustomCollection);

        Assert.Contains("custom objects", e.Message, StringComparison.Ordinal);
        Assert.Equal("election-observation", kept.Entry.ObjectType);
    }

    [Fact]
    public async Task Party_without_write_access_is_refused()
    {
        await RefusedAsync(_world.Seal(_world.Red, ExchangeWorld.RedId, _world.Indicator(ExchangeWorld.RedId), ExchangeWorld.BlueOnlyCollection).ToCanonicalJson(),
            ExchangeRejection.Forbidden);
    }

    [Fact]
    public async Task Same_version_with_other_content_is_equivocation()
    {
        JsonObject first = _world.Indicator(ExchangeWorld.BlueId);
        await _world.SendAsync(_world.Blue, ExchangeWorld.BlueId, first);
        JsonObject other = (JsonObject)first.DeepClone();
        other["name"] = "Something else";

        ExchangeRejectedException e = await RefusedAsync(_world.Seal(_world.Blue, ExchangeWorld.BlueId, other).ToCanonicalJson(), ExchangeRejection.Equivocation);

        Assert.Contains("different content", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exact_duplicate_object_in_a_new_envelope_is_a_no_op()
    {
        JsonObject first = _world.Indicator(ExchangeWorld.BlueId);
        ExchangeReceipt original = await _world.SendAsync(_world.Blue, ExchangeWorld.BlueId, first);

        ExchangeReceipt again = await _world.SendAsync(_world.Blue, ExchangeWorld.BlueId, (JsonObject)first.DeepClone());

        Assert.True(again.AlreadyPresent);
        Assert.Equal(original.Entry.Index, again.Entry.Index);
        Assert.Equal(1, await _world.Store.CountAsync());
    }

    [Fact]
    public async Task Only_the_creator_versions_and_modified_must_increase_and_revocation_is_final()
    {
        JsonObject v1 = _world.Indicator(ExchangeWorld.BlueId);
        string id = v1["id"]!.GetValue<string>();
        await _world.SendAsync(_world.Blue, ExchangeWorld.BlueId, v1);

        _world.Time.Advance(TimeSpan.FromMinutes(1));
        JsonObject byRed = (JsonObject)v1.DeepClone();
        byRed["created_by_ref"] = ExchangeWorld.RedId;
        byRed["modified"] = _world.Now;
        ExchangeRejectedException notCreator = await RefusedAsync(_world.Seal(_world.Red, ExchangeWorld.RedId, byRed).ToCanonicalJson(), ExchangeRejection.Versioning);
        Assert.Contains("only the creator", notCreator.Message, StringComparison.Ordinal);

        JsonObject older = (JsonObject)v1.DeepClone();
        older["modified"] = StixTimestamp.FormatMilliseconds(ExchangeWorld.Start.AddSeconds(-1));
        older["created"] = older["modified"]!.GetValue<string>();
        await RefusedAsync(_world.Seal(_world.Blue, ExchangeWorld.BlueId, older).ToCanonicalJson(), ExchangeRejection.Versioning);

        JsonObject revoked = (JsonObject)v1.DeepClone();
        revoked["modified"] = _world.Now;
        revoked["revoked"] = true;
        await _world.SendAsync(_world.Blue, ExchangeWorld.BlueId, revoked);

        _world.Time.Advance(TimeSpan.FromMinutes(1));
        JsonObject afterRevocation = (JsonObject)v1.DeepClone();
        afterRevocation["modified"] = _world.Now;
        ExchangeRejectedException e = await RefusedAsync(_world.Seal(_world.Blue, ExchangeWorld.BlueId, afterRevocation).ToCanonicalJson(), ExchangeRejection.Versioning);

        Assert.Contains("revoked", e.Message, StringComparison.Ordinal);
        Assert.Equal(2, (await _world.Store.FindByObjectIdAsync(id)).Count);
    }

    public void Dispose() => _world.Dispose();
}
