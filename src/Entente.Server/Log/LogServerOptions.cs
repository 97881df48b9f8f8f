using System.Text.Json;
using System.Text.Json.Serialization;

namespace Entente.Server.Log;

/// <summary>
/// Configuration of a log server (JSON, file paths relative to the file):
/// <code>
/// { "origin": "entente.example/log", "store": "sqlite:log.db" | "postgres:Host=…", "key": "log.key",
///   "charter": "charter.json", "maxEntrySize": 65535,
///   "witnesses": [ { "key": "witness.blue+…+…", "url": "http://127.0.0.1:8081/" } ], "quorum": 1,
///   "mirrors": [ { "key": "mirror.blue+…+…", "url": "http://127.0.0.1:8091/" } ], "mirrorQuorum": 1,
///   "policy": "witness-policy.txt", "authorities": ["board.example"] }
/// </code>
/// </summary>
public sealed class LogServerOptions
{
    [JsonPropertyName("origin")]
    public string Origin { get; set; } = "";

    [JsonPropertyName("store")]
    public string Store { get; set; } = "";

    /// <summary>PostgreSQL schema holding the tables (ignored for SQLite).</summary>
    [JsonPropertyName("schema")]
    public string Schema { get; set; } = "entente";

    [JsonPropertyName("key")]
    public string Key { get; set; } = "";

    [JsonPropertyName("charter")]
    public string Charter { get; set; } = "";

    [JsonPropertyName("maxEntrySize")]
    public int MaxEntrySize { get; set; } = 65535;

    [JsonPropertyName("witnesses")]
    public List<WitnessRef> Witnesses { get; set; } = [];

    [JsonPropertyName("quorum")]
    public int Quorum { get; set; }

    /// <summary>C2SP tlog-mirrors the board pushes its checkpoints and entries to, after the witnesses (docs/mirror.md).</summary>
    [JsonPropertyName("mirrors")]
    public List<WitnessRef> Mirrors { get; set; } = [];

    /// <summary>Mirror cosignatures a checkpoint needs before it is stored as cosigned (null: every configured mirror).</summary>
    [JsonPropertyName("mirrorQuorum")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? MirrorQuorum { get; set; }

    [JsonPropertyName("witnessIntervalMs")]
    public int WitnessIntervalMs { get; set; } = 1000;

    /// <summary>
    /// The board's witness policy (a C2SP tlog-policy file): <c>GET /checkpoint</c> publishes the latest checkpoint that
    /// satisfies it. Empty: the policy of <see cref="Witnesses"/> and <see cref="Quorum"/>; with neither, the head.
    /// </summary>
    [JsonPropertyName("policy")]
    public string Policy { get; set; } = "";

    /// <summary>
    /// The board's own names (<c>host</c> or <c>host:port</c>, as clients write them in URLs), besides the addresses it
    /// listens on: the <c>@authority</c> a request signature covers must be one of them, so that a request signed for one
    /// board cannot be replayed to another.
    /// </summary>
    [JsonPropertyName("authorities")]
    public List<string> Authorities { get; set; } = [];

    /// <summary>Host the election board API (<c>/board</c>) over this log (what <c>entente serve</c> does).</summary>
    [JsonPropertyName("board")]
    public bool Board { get; set; }

    /// <summary>Request-signature settings (clock skew, replay cache).</summary>
    [JsonPropertyName("auth")]
    public Auth.SignatureOptions Auth { get; set; } = new();

    /// <summary>Board request size limits.</summary>
    [JsonPropertyName("limits")]
    public Board.BoardLimits Limits { get; set; } = new();

    /// <summary>Write rate limits: per verified signing key, and per client address for requests without a verified signature.</summary>
    [JsonPropertyName("rateLimit")]
    public RateLimitOptions RateLimit { get; set; } = new();

    /// <summary>Readiness (<c>/readyz</c>): how stale the witnessed checkpoint may grow (docs/http-api.md, "Operations").</summary>
    [JsonPropertyName("health")]
    public HealthOptions Health { get; set; } = new();

    /// <summary>
    /// The incident exchange hosted with the board (TAXII 2.1 under <c>/taxii2/</c>, proofs under <c>/exchange/</c>);
    /// null: no exchange. <c>entente serve</c> turns it on by default.
    /// </summary>
    [JsonPropertyName("exchange")]
    public HostedExchangeOptions? Exchange { get; set; }

    /// <summary>The folder relative paths resolve against.</summary>
    [JsonIgnore]
    public string BaseDirectory { get; set; } = ".";

    public string Resolve(string path) => Path.GetFullPath(path, BaseDirectory);

    public static LogServerOptions Load(string file)
    {
        LogServerOptions options = ConfigFile.Load(file, ServerJsonContext.Default.LogServerOptions);
        options.BaseDirectory = Path.GetDirectoryName(Path.GetFullPath(file))!;
        return options;
    }

    public void Save(string file) => File.WriteAllText(file, JsonSerializer.Serialize(this, ServerJsonContext.Default.LogServerOptions));
}

/// <summary>Reads a JSON configuration file strictly (unknown fields rejected), naming the file in errors.</summary>
internal static class ConfigFile
{
    public static T Load<T>(string file, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(file), type) ?? throw new FormatException($"{file}: empty configuration.");
        }
        catch (JsonException e)
        {
            throw new FormatException($"{file}: {e.Message}", e);
        }
    }
}

/// <summary>
/// A token bucket on every write route: per signing key once the request's signature verified, per client address for
/// every other request (unsigned, or whose signature failed). The defaults are generous so that the demo and the
/// benchmarks are never throttled.
/// </summary>
public sealed class RateLimitOptions
{
    /// <summary>Tokens added per second.</summary>
    [JsonPropertyName("permitsPerSecond")]
    public int PermitsPerSecond { get; set; } = 20_000;

    /// <summary>Bucket size (largest burst).</summary>
    [JsonPropertyName("burst")]
    public int Burst { get; set; } = 20_000;
}

/// <summary>What <c>/readyz</c> checks against.</summary>
public sealed class HealthOptions
{
    /// <summary>
    /// The oldest the latest cosigned checkpoint may be, in seconds, while the log has entries it does not cover; a log
    /// whose head is cosigned is ready however idle it is (the collector asks the witnesses only when the log grows).
    /// </summary>
    [JsonPropertyName("maxCheckpointAgeSeconds")]
    public int MaxCheckpointAgeSeconds { get; set; } = 300;

    /// <summary>How long each witness has to answer the reachability probe, in milliseconds.</summary>
    [JsonPropertyName("witnessTimeoutMs")]
    public int WitnessTimeoutMs { get; set; } = 2000;
}

/// <summary>The incident exchange hosted by <c>entente serve</c> (docs/exchange.md, "Hosted by entente serve").</summary>
public sealed class HostedExchangeOptions
{
    /// <summary>Host the exchange (default true when the section is present).</summary>
    [JsonPropertyName("enabled")]
    public bool Enabled { get; set; } = true;

    /// <summary>The exchange store: a SQLite file (relative to the data folder).</summary>
    [JsonPropertyName("store")]
    public string Store { get; set; } = "exchange.db";

    /// <summary>The TAXII collections; empty: one default collection every charter party reads and writes.</summary>
    [JsonPropertyName("collections")]
    public List<ExchangeCollectionOptions> Collections { get; set; } = [];

    /// <summary>
    /// TLP:AMBER and AMBER+STRICT messages must arrive sealed too (<see cref="Entente.Exchange.ExchangeOptions.RequireSealing"/>;
    /// TLP:RED and every message of a collection that is not public must arrive sealed whatever this says). Configurations
    /// written by Entente state <c>true</c>. Absent (null): the configuration predates sealing, and the host keeps its old
    /// behaviour — AMBER accepted in the clear, the legacy request-for-assistance form accepted, collections public
    /// (<see cref="IsLegacy"/>; docs/exchange.md, "Configurations written before sealing").
    /// </summary>
    [JsonPropertyName("requireSealing")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? RequireSealing { get; set; }

    /// <summary>
    /// Accept requests for assistance in the form logged before the STIX extension (a <c>severity</c> property instead of
    /// <c>priority</c>). Configurations written by Entente state <c>false</c>. Absent: false, unless the whole configuration
    /// predates sealing (<see cref="IsLegacy"/>), when it is true.
    /// </summary>
    [JsonPropertyName("acceptLegacyAssistanceForm")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? AcceptLegacyAssistanceForm { get; set; }

    /// <summary>True when the configuration predates sealing: it does not state <see cref="RequireSealing"/>.</summary>
    [JsonIgnore]
    public bool IsLegacy => RequireSealing is null;

    /// <summary>The options of a new configuration: sealing required, the legacy assistance form refused, collections not public unless stated.</summary>
    public static HostedExchangeOptions Current() => new() { RequireSealing = true, AcceptLegacyAssistanceForm = false };

    /// <summary>The exchange's settings: the stated values, else the defaults of a new configuration, else (<see cref="IsLegacy"/>) the old behaviour.</summary>
    public Entente.Exchange.ExchangeOptions ToExchangeOptions() => new()
    {
        RequireSealing = RequireSealing ?? false,
        AcceptLegacyAssistanceForm = AcceptLegacyAssistanceForm ?? IsLegacy,
    };

    /// <summary>Whether <paramref name="collection"/> is public: as stated, else false, or true in a configuration that predates sealing.</summary>
    public bool IsPublic(ExchangeCollectionOptions? collection) => collection?.Public ?? IsLegacy;
}

/// <summary>One TAXII collection of the hosted exchange; readers and writers are charter party names (empty: every party).</summary>
public sealed class ExchangeCollectionOptions
{
    /// <summary>The collection id (a UUID).</summary>
    [JsonPropertyName("id")]
    public string Id { get; set; } = "";

    /// <summary>Title.</summary>
    [JsonPropertyName("title")]
    public string Title { get; set; } = "";

    /// <summary>Description.</summary>
    [JsonPropertyName("description")]
    public string Description { get; set; } = "";

    /// <summary>Charter party names that may read (empty: every party).</summary>
    [JsonPropertyName("canRead")]
    public List<string> CanRead { get; set; } = [];

    /// <summary>Charter party names that may write (empty: every party).</summary>
    [JsonPropertyName("canWrite")]
    public List<string> CanWrite { get; set; } = [];

    /// <summary>Whether custom STIX objects are kept.</summary>
    [JsonPropertyName("allowCustomObjects")]
    public bool AllowCustomObjects { get; set; }

    /// <summary>
    /// Whether the collection's TLP:CLEAR, GREEN and unmarked messages may travel and be published in the clear; false seals
    /// every message to the collection's readers. Absent: false (true in a configuration that predates sealing,
    /// <see cref="HostedExchangeOptions.IsPublic"/>).
    /// </summary>
    [JsonPropertyName("public")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? Public { get; set; }
}

/// <summary>A witness the log submits to.</summary>
public sealed class WitnessRef
{
    [JsonPropertyName("key")]
    public string Key { get; set; } = "";

    [JsonPropertyName("url")]
    public string Url { get; set; } = "";
}

/// <summary>Configuration of a witness server: its key file, its state store and the logs it follows.</summary>
public sealed class WitnessServerOptions
{
    [JsonPropertyName("key")]
    public string Key { get; set; } = "";

    [JsonPropertyName("store")]
    public string Store { get; set; } = "";

    [JsonPropertyName("logs")]
    public List<WitnessedLogRef> Logs { get; set; } = [];

    [JsonIgnore]
    public string BaseDirectory { get; set; } = ".";

    public string Resolve(string path) => Path.GetFullPath(path, BaseDirectory);

    public static WitnessServerOptions Load(string file)
    {
        WitnessServerOptions options = ConfigFile.Load(file, ServerJsonContext.Default.WitnessServerOptions);
        options.BaseDirectory = Path.GetDirectoryName(Path.GetFullPath(file))!;
        return options;
    }

    public void Save(string file) => File.WriteAllText(file, JsonSerializer.Serialize(this, ServerJsonContext.Default.WitnessServerOptions));
}

/// <summary>A log a witness follows.</summary>
public sealed class WitnessedLogRef
{
    [JsonPropertyName("origin")]
    public string Origin { get; set; } = "";

    [JsonPropertyName("keys")]
    public List<string> Keys { get; set; } = [];
}

[JsonSourceGenerationOptions(WriteIndented = true, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow, AllowDuplicateProperties = false)]
[JsonSerializable(typeof(LogServerOptions))]
[JsonSerializable(typeof(WitnessServerOptions))]
[JsonSerializable(typeof(Entente.Client.Log.AddResponse))]
[JsonSerializable(typeof(Entente.Client.Log.ProofResponse))]
[JsonSerializable(typeof(Entente.Client.Log.BlobResponse))]
[JsonSerializable(typeof(Microsoft.AspNetCore.Mvc.ProblemDetails))]
[JsonSerializable(typeof(Microsoft.AspNetCore.Http.HttpValidationProblemDetails))]
[JsonSerializable(typeof(Entente.Client.Board.BoardArtifact))]
[JsonSerializable(typeof(Entente.Client.Board.BoardPage))]
[JsonSerializable(typeof(Entente.Client.Board.BoardStatus))]
internal sealed partial class ServerJsonContext : JsonSerializerContext
{
}
