using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Exchange;
using Entente.Exchange.Envelopes;
using Entente.Exchange.Log;
using Entente.Exchange.Sealing;
using Entente.Storage.Sqlite.Exchange;
using Entente.Transparency.Notes;

namespace Entente.Cli.Commands.Incident;

/// <summary>A user-facing input problem (exit code 2) with a message that says what to do.</summary>
internal sealed class IncidentInputException(string message) : Exception(message);

/// <summary>
/// The local exchange a party works with: the unit file (parties and collections, JSON), the SQLite
/// store, the party's own key file and the log key that signs checkpoints.
/// <code>
/// unit.json: { "parties": [ { "name", "identity", "public_key" (base64), "encryption_key": { "x25519", "signature" } (optional) } ],
///              "collections": [ { "id", "title", "description", "can_read": [identity…], "can_write": [identity…], "allow_custom_objects",
///                                 "public" (optional, default true: false seals every message to the readers) } ] }
/// key file:  base64 of the 32-byte Ed25519 seed, one line (created 0600).
/// log key:   the local exchange log's own C2SP signed-note private key (PRIVATE+KEY+entente.local/exchange+…),
///            created on first use; a key named for any other origin (the board's) is refused.
/// </code>
/// </summary>
internal sealed class IncidentWorkspace : IDisposable
{
    /// <summary>The default collection created with a new unit file.</summary>
    public const string DefaultCollectionId = "2bd1a8a5-5d3b-4b58-9c49-8a3f63cb1c0e";

    private IncidentWorkspace(ExchangeService service, ExchangeLog log, Ed25519NoteSigner logKey, SqliteExchangeStore store)
    {
        Service = service;
        Log = log;
        LogKey = logKey;
        Store = store;
    }

    public ExchangeService Service { get; }

    public ExchangeLog Log { get; }

    public Ed25519NoteSigner LogKey { get; }

    public SqliteExchangeStore Store { get; }

    public PartyRegistry Parties => Service.Parties;

    public static async Task<IncidentWorkspace> OpenAsync(IncidentPaths paths, CancellationToken cancellationToken)
    {
        (PartyRegistry parties, List<CollectionDefinition> collections) = ReadUnit(paths.Unit);
        Ed25519NoteSigner logKey = LoadOrCreateLogKey(paths.LogKey);
        SqliteExchangeStore store = await SqliteExchangeStore.OpenAsync(paths.Store, cancellationToken).ConfigureAwait(false);
        ExchangeLog log;
        try
        {
            log = new ExchangeLog(store, ExchangeLog.LocalOrigin, logKey);
        }
        catch (ExchangeLogKeyException e)
        {
            logKey.Dispose();
            throw new IncidentInputException($"--log-key {paths.LogKey}: {e.Message}");
        }

        ExchangeService service = new(store, parties, collections, TimeProvider.System);
        return new IncidentWorkspace(service, log, logKey, store);
    }

    public static (PartyRegistry Parties, List<CollectionDefinition> Collections) ReadUnit(string path)
    {
        if (!File.Exists(path))
        {
            throw new IncidentInputException($"Unit file {path} not found. Create it with `entente incident keygen --name <party> --key <file> --unit {path}` for each party.");
        }

        try
        {
            JsonNode root = JsonNode.Parse(File.ReadAllBytes(path)) ?? throw new IncidentInputException($"{path}: empty.");
            List<Party> parties = [];
            foreach (JsonNode? p in root["parties"]?.AsArray() ?? [])
            {
                parties.Add(new Party(p!["name"]!.GetValue<string>(), p["identity"]!.GetValue<string>(), Convert.FromBase64String(p["public_key"]!.GetValue<string>()),
                    ReadEncryptionKey(p["encryption_key"])));
            }

            List<CollectionDefinition> collections = [];
            foreach (JsonNode? c in root["collections"]?.AsArray() ?? [])
            {
                collections.Add(new CollectionDefinition(
                    c!["id"]!.GetValue<string>(),
                    c["title"]?.GetValue<string>() ?? "",
                    c["description"]?.GetValue<string>() ?? "",
                    new HashSet<string>((c["can_read"]?.AsArray() ?? []).Select(x => x!.GetValue<string>()), StringComparer.Ordinal),
                    new HashSet<string>((c["can_write"]?.AsArray() ?? []).Select(x => x!.GetValue<string>()), StringComparer.Ordinal),
                    c["allow_custom_objects"]?.GetValue<bool>() ?? false,
                    c["public"]?.GetValue<bool>() ?? true));
            }

            return (new PartyRegistry(parties), collections);
        }
        catch (Exception e) when (e is JsonException or FormatException or ArgumentException or InvalidOperationException or NullReferenceException)
        {
            throw new IncidentInputException($"{path}: not a valid unit file ({e.Message}).");
        }
    }

    /// <summary>A party's published encryption key (<c>{"x25519", "signature"}</c>), or null when the unit lists none.</summary>
    public static PartyEncryptionKey? ReadEncryptionKey(JsonNode? node) =>
        node is null ? null : PartyEncryptionKey.Parse(node["x25519"]!.GetValue<string>(), node["signature"]!.GetValue<string>());

    /// <summary>The JSON form of a published encryption key.</summary>
    public static JsonObject EncryptionKeyJson(PartyEncryptionKey key) => new()
    {
        ["x25519"] = key.PublicKeyBase64,
        ["signature"] = Convert.ToBase64String(key.Signature),
    };

    public static Ed25519NoteSigner LoadOrCreateLogKey(string path)
    {
        if (!File.Exists(path))
        {
            using Ed25519NoteSigner created = Ed25519NoteSigner.Generate(ExchangeLog.LocalOrigin);
            WriteSecret(path, created.ExportSkey());
            // Never silently: the local log's key is a new file beside the store.
            Console.Error.WriteLine($"note: created {path}, the local exchange log's checkpoint key (--log-key); keep it with {Path.GetFileName(path[..^".logkey".Length])}.");
        }

        try
        {
            return Ed25519NoteSigner.FromSkey(File.ReadAllText(path).Trim());
        }
        catch (NoteFormatException e)
        {
            throw new IncidentInputException($"{path}: not a log key ({e.Message}).");
        }
    }

    public static PartyKey LoadPartyKey(string path)
    {
        if (!File.Exists(path))
        {
            throw new IncidentInputException($"Key file {path} not found. Create one with `entente incident keygen`.");
        }

        byte[] seed = new byte[PartyKey.SeedSize];
        try
        {
            if (!Convert.TryFromBase64String(File.ReadAllText(path).Trim(), seed, out int written) || written != PartyKey.SeedSize)
            {
                throw new IncidentInputException($"{path}: not a party key (base64 of a 32-byte Ed25519 seed).");
            }

            return PartyKey.FromSeed(seed);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    public static void WriteSecret(string path, string text)
    {
        FileStreamOptions options = new() { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using FileStream stream = new(path, options);
        using StreamWriter writer = new(stream);
        writer.WriteLine(text);
    }

    /// <summary>The registered party holding <paramref name="key"/>.</summary>
    public Party Me(PartyKey key) =>
        Parties.TryGetByKey(key.PublicKey, out Party? me)
            ? me
            : throw new IncidentInputException("Your key is not registered in the unit file; ask the unit to add your public key.");

    /// <summary>A party by name or identity id.</summary>
    public Party Find(string nameOrIdentity) =>
        Parties.All.FirstOrDefault(p => string.Equals(p.Name, nameOrIdentity, StringComparison.OrdinalIgnoreCase) || p.IdentityRef == nameOrIdentity)
        ?? throw new IncidentInputException($"No party \"{nameOrIdentity}\" in the unit file (known: {string.Join(", ", Parties.All.Select(p => p.Name))}).");

    /// <summary>The collection to use: the given id, else the only/first one.</summary>
    public string Collection(string? id)
    {
        if (id is not null)
        {
            return Service.Collections.Any(c => c.Id == id) ? id : throw new IncidentInputException($"No collection {id} in the unit file.");
        }

        return Service.Collections.FirstOrDefault()?.Id ?? throw new IncidentInputException("The unit file has no collection.");
    }

    public void Dispose()
    {
        Service.Dispose();
        Log.Dispose();
        LogKey.Dispose();
    }
}

/// <summary>Where the local exchange's files are.</summary>
internal sealed record IncidentPaths(string Store, string Unit, string LogKey);
