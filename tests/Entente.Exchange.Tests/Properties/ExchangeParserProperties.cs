using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using Entente.Exchange.Canonical;
using Entente.Exchange.Envelopes;
using Entente.Exchange.Stix;
using Entente.Exchange.Taxii;
using Entente.Testing.Properties;
using Xunit.Abstractions;

namespace Entente.Exchange.Tests.Properties;

/// <summary>
/// Signed envelopes, STIX objects and their validation, RFC 8785 canonicalisation and TAXII request bodies under random
/// and mutated input. JSON is not canonical on the wire, so what parses must canonicalise to a fixed point, and an
/// envelope whose signature still verifies after a mutation must be the same envelope; everything else is refused with
/// <see cref="FormatException"/> (TAXII: a 4xx answer, or a failure listed in the 202 status), never another exception.
/// </summary>
public sealed class ExchangeParserProperties(ITestOutputHelper output)
{
    private const string Nonce = "AAECAwQFBgcICQoLDA0ODw";

    /// <summary>STIX objects: the vectors' objects (bundles included) and the exchange's own kinds.</summary>
    private static readonly Lazy<byte[][]> Objects = new(() =>
    {
        using ExchangeWorld world = new();
        List<byte[]> objects = [.. Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "vectors", "exchange"), "*.json", SearchOption.AllDirectories)
            .Where(f => !f.Contains("medallion", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(File.ReadAllBytes)];
        objects.Add(Encoding.UTF8.GetBytes(world.Indicator(ExchangeWorld.BlueId, "indicator--0a2b4c6d-8e0f-4a2b-8c4d-6e8f0a2b4c6d").ToJsonString()));
        objects.Add(Encoding.UTF8.GetBytes(world.Request(ExchangeWorld.BlueId, ExchangeWorld.RedId, TimeSpan.FromHours(1), TimeSpan.FromDays(1)).ToJsonString()));
        return [.. objects];
    });

    /// <summary>Envelopes signed by Blue with a fixed nonce (so every run has the same bytes), carrying the indicator and request.</summary>
    private static readonly Lazy<byte[][]> Envelopes = new(() =>
    {
        using ExchangeWorld world = new();
        string sentAt = StixTimestamp.FormatMicroseconds(ExchangeWorld.Start);
        byte[][] envelopes =
        [
            Seal(world.Blue, ExchangeWorld.BlueId, ExchangeWorld.SharedCollection, null, sentAt, world.Indicator(ExchangeWorld.BlueId, "indicator--0a2b4c6d-8e0f-4a2b-8c4d-6e8f0a2b4c6d")),
            Seal(world.Blue, ExchangeWorld.BlueId, ExchangeWorld.SharedCollection, ExchangeWorld.RedId, sentAt,
                world.Request(ExchangeWorld.BlueId, ExchangeWorld.RedId, TimeSpan.FromHours(1), TimeSpan.FromDays(1))),
        ];
        Assert.All(envelopes, e => Assert.True(SignedEnvelope.Parse(e).VerifySignature()));
        return envelopes;
    });

    [Fact]
    public void Signed_envelopes_canonicalise_to_a_fixed_point_and_verify_only_when_unchanged_or_are_refused_with_FormatException()
    {
        PropertyRunner.Check(output, JsonMutations.Of(Gen.Int[0, Envelopes.Value.Length - 1].Select(i => Envelopes.Value[i])), input =>
        {
            SignedEnvelope? envelope = Outcome.Of<SignedEnvelope, FormatException>(() => SignedEnvelope.Parse(input.Bytes));
            if (envelope is null)
            {
                return;
            }

            byte[] canonical = envelope.ToCanonicalJson();
            Assert.Equal(canonical, SignedEnvelope.Parse(canonical).ToCanonicalJson());
            if (envelope.VerifySignature() && input.Original is not null)
            {
                Assert.Equal(SignedEnvelope.Parse(input.Original).ToCanonicalJson(), canonical);
            }
        }, fixedSeed: 1601, iterations: 1500);
    }

    [Fact]
    public void Stix_objects_parse_canonicalise_and_validate_without_throwing_or_are_refused_with_FormatException()
    {
        PropertyRunner.Check(output, JsonMutations.Of(Gen.Int[0, Objects.Value.Length - 1].Select(i => Objects.Value[i])), input =>
        {
            StixObject? stix = Outcome.Of<StixObject, FormatException>(() => StixObject.Parse(input.Bytes));
            if (stix is null)
            {
                return;
            }

            Assert.Equal(stix.Canonical.ToArray(), StixObject.Parse(stix.Canonical.Span).Canonical.ToArray());
            // Custom objects allowed: unknown types still go through the common schema and the spec rules.
            IReadOnlyList<StixValidationError> errors = stix.Type == "bundle"
                ? StixValidator.ValidateBundle(stix.Json, new StixValidationPolicy(AllowCustomObjects: true))
                : StixValidator.Validate(stix, new StixValidationPolicy(AllowCustomObjects: true));
            Assert.All(errors, e => Assert.False(string.IsNullOrWhiteSpace(e.Message)));
        }, fixedSeed: 1602, iterations: 200);
    }

    [Fact]
    public void Json_canonicalisation_reaches_a_fixed_point_or_refuses_with_FormatException()
    {
        PropertyRunner.Check(output, JsonMutations.Of(Gen.Int[0, Objects.Value.Length - 1].Select(i => Objects.Value[i])), input =>
        {
            byte[]? canonical = Outcome.Of<byte[], FormatException>(() => JsonCanonicalizer.Canonicalize(input.Bytes));
            if (canonical is not null)
            {
                Assert.Equal(canonical, JsonCanonicalizer.Canonicalize(canonical));
                Assert.Equal(canonical, JsonCanonicalizer.Canonicalize(Encoding.UTF8.GetBytes(JsonNode.Parse(canonical)!.ToJsonString())));
            }
        }, fixedSeed: 1603, iterations: 2000);
    }

    [Fact]
    public void Taxii_add_objects_answers_202_with_every_object_accounted_for_or_a_4xx_and_never_throws()
    {
        Gen<byte[]> bodies = Gen.Int[0, Envelopes.Value.Length - 1].Array[1, 2].Select(ids =>
            Encoding.UTF8.GetBytes("{\"objects\":[" + string.Join(",", ids.Select(i => Encoding.UTF8.GetString(Envelopes.Value[i]))) + "]}"));
        PropertyRunner.Check(output, JsonMutations.Of(bodies), input =>
        {
            using ExchangeWorld world = new();
            TaxiiService taxii = new(world.Service, new TaxiiServerInfo("Entente", "Exchange", "unit@example.org", "/taxii2/api/"));
            TaxiiResponse response = taxii.AddObjectsAsync(ExchangeWorld.BlueId, ExchangeWorld.SharedCollection, input.Bytes).GetAwaiter().GetResult();
            Assert.Contains(response.StatusCode, (int[])[202, 400, 413, 422]);
            if (response.StatusCode != 202)
            {
                return;
            }

            int objects = JsonDocument.Parse(input.Bytes).RootElement.GetProperty("objects").GetArrayLength();
            Assert.Equal(objects, response.Body["total_count"]!.GetValue<int>());
            Assert.Equal(objects, response.Body["success_count"]!.GetValue<int>() + response.Body["failure_count"]!.GetValue<int>());
            Assert.All(response.Body["failures"]!.AsArray(), f => Assert.False(string.IsNullOrWhiteSpace(f!["message"]!.GetValue<string>())));
        }, fixedSeed: 1604, iterations: 600);
    }

    [Fact]
    public async Task Taxii_queries_answer_200_or_400_and_never_throw()
    {
        Gen<string?> text = Gen.OneOf(
            Gen.Const((string?)null), Gen.Const<string?>(""), Gen.Const<string?>("last"), Gen.Const<string?>("indicator"),
            Gen.Const<string?>("2026-11-03T08:00:00.000Z"), Gen.Const<string?>("2026-02-30T08:00:00Z"), Gen.Const<string?>("2.1"),
            Gen.Const<string?>("indicator--0a2b4c6d-8e0f-4a2b-8c4d-6e8f0a2b4c6d,x"), Gen.Const<string?>(",,"),
            Gen.Int[0, Mutations.ExtremeNumbers.Length - 1].Select(i => (string?)Mutations.ExtremeNumbers[i]),
            Gen.Int[0, Mutations.Tokens.Length - 1].Select(i => (string?)Encoding.UTF8.GetString(Mutations.Tokens[i])));
        Gen<TaxiiQuery> queries = Gen.Select(text, text, text, text, text, text, text, (a, l, n, id, type, version, spec) =>
            new TaxiiQuery { AddedAfter = a, Limit = l, Next = n, MatchId = id, MatchType = type, MatchVersion = version, MatchSpecVersion = spec });
        using ExchangeWorld world = new();
        TaxiiService taxii = new(world.Service, new TaxiiServerInfo("Entente", "Exchange", "unit@example.org", "/taxii2/api/"));
        TaxiiResponse added = await taxii.AddObjectsAsync(ExchangeWorld.BlueId, ExchangeWorld.SharedCollection,
            Encoding.UTF8.GetBytes("{\"objects\":[" + Encoding.UTF8.GetString(Envelopes.Value[0]) + "]}"));
        Assert.Equal(1, added.Body["success_count"]!.GetValue<int>());
        PropertyRunner.Check(output, queries, query =>
        {
            foreach (TaxiiResponse response in (TaxiiResponse[])[
                taxii.GetObjectsAsync(ExchangeWorld.RedId, ExchangeWorld.SharedCollection, query).GetAwaiter().GetResult(),
                taxii.GetManifestAsync(ExchangeWorld.RedId, ExchangeWorld.SharedCollection, query).GetAwaiter().GetResult(),
                taxii.GetVersionsAsync(ExchangeWorld.RedId, ExchangeWorld.SharedCollection, "indicator--0a2b4c6d-8e0f-4a2b-8c4d-6e8f0a2b4c6d", query).GetAwaiter().GetResult()])
            {
                Assert.Contains(response.StatusCode, (int[])[200, 400, 404]);
            }
        }, fixedSeed: 1605, iterations: 1500);
    }

    /// <summary>An envelope as docs/exchange.md defines it, signed over the RFC 8785 form of every member but the signature.</summary>
    private static byte[] Seal(PartyKey key, string sender, string collection, string? recipient, string sentAt, JsonObject stix)
    {
        JsonObject envelope = new()
        {
            ["envelope"] = SignedEnvelope.Format,
            ["sender"] = sender,
            ["public_key"] = Convert.ToBase64String(key.PublicKey),
            ["collection"] = collection,
            ["sent_at"] = sentAt,
            ["nonce"] = Nonce,
            ["object"] = stix,
        };
        if (recipient is not null)
        {
            envelope["recipient"] = recipient;
        }

        byte[] message = [.. Encoding.UTF8.GetBytes(SignedEnvelope.Format + " signature\n"), .. JsonCanonicalizer.Canonicalize(Encoding.UTF8.GetBytes(envelope.ToJsonString()))];
        envelope["signature"] = Convert.ToBase64String(key.Sign(message));
        return Encoding.UTF8.GetBytes(envelope.ToJsonString());
    }
}
