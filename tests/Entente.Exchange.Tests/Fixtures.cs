using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Exchange.Envelopes;
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

/// <summary>Two parties (Blue, Red), an unregistered outsider, a shared collection and a service over a store.</summary>
internal sealed class ExchangeWorld : IDisposable
{
    public const string SharedCollection = "9cfa669c-ee94-4ece-afd2-f8edac37d8fd";
    public const string CustomCollection = "365fed99-08fa-fdcd-a1b3-fb247eb41d01";
    public const string BlueOnlyCollection = "91a7b528-80eb-42ed-a74d-c6fbd5a26116";
    public static readonly DateTimeOffset Start = new(2026, 11, 3, 8, 0, 0, TimeSpan.Zero);

    public ExchangeWorld(IExchangeStore? store = null, ExchangeOptions? options = null)
    {
        Store = store ?? new MemoryExchangeStore();
        Blue = PartyKey.FromSeed(Enumerable.Repeat((byte)1, 32).ToArray());
        Red = PartyKey.FromSeed(Enumerable.Repeat((byte)2, 32).ToArray());
        Outsider = PartyKey.FromSeed(Enumerable.Repeat((byte)3, 32).ToArray());
        BlueParty = new Party("Blue", BlueId, Blue.PublicKey);
        RedParty = new Party("Red", RedId, Red.PublicKey);
        Parties = new PartyRegistry([BlueParty, RedParty]);
        Collections =
        [
            new CollectionDefinition(SharedCollection, "Shared", "Both parties", new HashSet<string>(), new HashSet<string>(), false),
            new CollectionDefinition(CustomCollection, "Custom", "Keeps custom objects", new HashSet<string>(), new HashSet<string>(), true),
            new CollectionDefinition(BlueOnlyCollection, "Blue notes", "Blue writes, both read", new HashSet<string>(), new HashSet<string> { BlueId }, false),
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
            ["severity"] = "high",
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
        ["outcome"] = outcome,
        ["content"] = content,
    };

    public static StixObject ToStix(JsonObject json) => StixObject.Parse(JsonSerializer.SerializeToUtf8Bytes(json));

    public SignedEnvelope Seal(PartyKey key, string sender, JsonObject json, string collection = SharedCollection, string? recipient = null) =>
        SignedEnvelope.Create(key, sender, collection, recipient, Time.GetUtcNow(), ToStix(json));

    public Task<ExchangeReceipt> SendAsync(PartyKey key, string sender, JsonObject json, string collection = SharedCollection) =>
        Service.SubmitAsync(Seal(key, sender, json, collection).ToCanonicalJson());

    public void Dispose()
    {
        Service.Dispose();
        Blue.Dispose();
        Red.Dispose();
        Outsider.Dispose();
    }
}
