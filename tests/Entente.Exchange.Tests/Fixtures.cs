using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Exchange.Envelopes;
using Entente.Exchange.Sealing;
using Entente.Exchange.Stix;
using Entente.Exchange.Storage;

namespace Entente.Exchange.Tests;

/// <summary>A clock the test moves by hand.</summary>
internal sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;

    public void Set(DateTimeOffset to) => _now = to;
}

/// <summary>
/// Two parties (Blue, Red) with their encryption keys, an unregistered outsider, a shared collection, a custom-object
/// collection, a collection only Blue writes, a confidential (not public) collection, and a service over a store.
/// </summary>
internal sealed class ExchangeWorld : IDisposable
{
    public const string SharedCollection = "9cfa669c-ee94-4ece-afd2-f8edac37d8fd";
    public const string CustomCollection = "365fed99-08fa-fdcd-a1b3-fb247eb41d01";
    public const string BlueOnlyCollection = "91a7b528-80eb-42ed-a74d-c6fbd5a26116";
    public const string ConfidentialCollection = "c0f1d3e7-5a2b-4c8d-9e0f-1a2b3c4d5e6f";
    public static readonly DateTimeOffset Start = new(2026, 11, 3, 8, 0, 0, TimeSpan.Zero);

    public ExchangeWorld(IExchangeStore? store = null, ExchangeOptions? options = null)
    {
        Store = store ?? new MemoryExchangeStore();
        Blue = PartyKey.FromSeed(Enumerable.Repeat((byte)1, 32).ToArray());
        Red = PartyKey.FromSeed(Enumerable.Repeat((byte)2, 32).ToArray());
        Outsider = PartyKey.FromSeed(Enumerable.Repeat((byte)3, 32).ToArray());
        BlueEncryption = EncryptionKey.Derive(Blue);
        RedEncryption = EncryptionKey.Derive(Red);
        BlueParty = new Party("Blue", BlueId, Blue.PublicKey, PartyEncryptionKey.Create(Blue, BlueId, BlueEncryption));
        RedParty = new Party("Red", RedId, Red.PublicKey, PartyEncryptionKey.Create(Red, RedId, RedEncryption));
        Parties = new PartyRegistry([BlueParty, RedParty]);
        Collections =
        [
            new CollectionDefinition(SharedCollection, "Shared", "Both parties", new HashSet<string>(), new HashSet<string>(), false),
            new CollectionDefinition(CustomCollection, "Custom", "Keeps custom objects", new HashSet<string>(), new HashSet<string>(), true),
            new CollectionDefinition(BlueOnlyCollection, "Blue notes", "Blue writes, both read", new HashSet<string>(), new HashSet<string> { BlueId }, false),
            new CollectionDefinition(ConfidentialCollection, "Confidential", "Both parties; nothing published", new HashSet<string>(), new HashSet<string>(), false, Public: false),
        ];
        Time = new ManualTimeProvider(Start);
        Service = new ExchangeService(Store, Parties, Collections, Time, options);
    }

    public const string BlueId = "identity--b1a5e0c0-0000-4000-8000-000000000001";
    public const string RedId = "identity--7ed00000-0000-4000-8000-000000000002";

    public IExchangeStore Store { get; }
    public PartyKey Blue { get; }
    public PartyKey Red { get; }
    public PartyKey Outsider { get; }
    public EncryptionKey BlueEncryption { get; }
    public EncryptionKey RedEncryption { get; }
    public Party BlueParty { get; }
    public Party RedParty { get; }
    public PartyRegistry Parties { get; }
    public IReadOnlyList<CollectionDefinition> Collections { get; }
    public ManualTimeProvider Time { get; }
    public ExchangeService Service { get; }

    public string Now => StixTimestamp.FormatMilliseconds(Time.GetUtcNow());

    public JsonObject Indicator(string createdBy, string? id = null, string? modified = null)
    {
        string now = Now;
        return new JsonObject
        {
            ["type"] = "indicator",
            ["spec_version"] = "2.1",
            ["id"] = id ?? StixId.NewV4("indicator").ToString(),
            ["created"] = now,
            ["modified"] = modified ?? now,
            ["created_by_ref"] = createdBy,
            ["name"] = "C2 server of the campaign",
            ["pattern"] = "[ipv4-addr:value = '198.51.100.7']",
            ["pattern_type"] = "stix",
            ["valid_from"] = now,
        };
    }

    public JsonObject Request(string from, string to, TimeSpan ackIn, TimeSpan answerIn, params string[] evidence)
    {
        string now = Now;
        JsonObject request = new()
        {
            ["type"] = AssistanceTypes.Request,
            ["spec_version"] = "2.1",
            ["id"] = StixId.NewV4(AssistanceTypes.Request).ToString(),
            ["created"] = now,
            ["modified"] = now,
            ["created_by_ref"] = from,
            ["subject"] = "Scanning of the results portal from addresses in your jurisdiction",
            ["priority"] = "high",
            ["extensions"] = AssistanceExtension.Marker(),
            ["recipient_ref"] = to,
            ["ack_deadline"] = StixTimestamp.FormatMilliseconds(Time.GetUtcNow() + ackIn),
            ["answer_deadline"] = StixTimestamp.FormatMilliseconds(Time.GetUtcNow() + answerIn),
        };
        if (evidence.Length > 0)
        {
            request["evidence_refs"] = new JsonArray([.. evidence.Select(e => (JsonNode)e!)]);
        }

        return request;
    }

    public JsonObject Ack(string from, string requestId) => new()
    {
        ["type"] = AssistanceTypes.Acknowledgement,
        ["spec_version"] = "2.1",
        ["id"] = StixId.NewV4(AssistanceTypes.Acknowledgement).ToString(),
        ["created"] = Now,
        ["modified"] = Now,
        ["created_by_ref"] = from,
        ["request_ref"] = requestId,
        ["extensions"] = AssistanceExtension.Marker(),
    };

    public JsonObject Response(string from, string requestId, string outcome, string content) => new()
    {
        ["type"] = AssistanceTypes.Response,
        ["spec_version"] = "2.1",
        ["id"] = StixId.NewV4(AssistanceTypes.Response).ToString(),
        ["created"] = Now,
        ["modified"] = Now,
        ["created_by_ref"] = from,
        ["request_ref"] = requestId,
        ["extensions"] = AssistanceExtension.Marker(),
        ["outcome"] = outcome,
        ["content"] = content,
    };

    public static StixObject ToStix(JsonObject json) => StixObject.Parse(JsonSerializer.SerializeToUtf8Bytes(json));

    public SignedEnvelope Seal(PartyKey key, string sender, JsonObject json, string collection = SharedCollection, string? recipient = null) =>
        SignedEnvelope.Create(key, sender, collection, recipient, Time.GetUtcNow(), ToStix(json));

    public Task<ExchangeReceipt> SendAsync(PartyKey key, string sender, JsonObject json, string collection = SharedCollection) =>
        Service.SubmitAsync(Seal(key, sender, json, collection).ToCanonicalJson());

    /// <summary>Signs <paramref name="json"/> and seals it to the readers of <paramref name="collection"/>.</summary>
    public SealedEnvelope SealTo(PartyKey key, string sender, JsonObject json, string collection = ConfidentialCollection, HpkeAead aead = HpkeAead.ChaCha20Poly1305) =>
        SealedEnvelope.SealToReaders(key, Seal(key, sender, json, collection), Collections.Single(c => c.Id == collection), Parties, aead);

    public static JsonObject Marked(JsonObject json, string marking)
    {
        json["object_marking_refs"] = new JsonArray(marking);
        return json;
    }

    public void Dispose()
    {
        Service.Dispose();
        BlueEncryption.Dispose();
        RedEncryption.Dispose();
        Blue.Dispose();
        Red.Dispose();
        Outsider.Dispose();
    }
}
