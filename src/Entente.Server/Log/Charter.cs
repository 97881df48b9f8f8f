using System.Text.Json;
using System.Text.Json.Serialization;
using Entente.Transparency.Notes;

namespace Entente.Server.Log;

/// <summary>
/// The unit's charter, minimally: the parties, each with an Ed25519 verifier key and roles. Only a party with
/// the role <c>submitter</c> may add entries. Loaded from JSON:
/// <code>{ "parties": [ { "name": "blue.example", "key": "blue.example+1a2b3c4d+AUm...", "roles": ["submitter"] } ] }</code>
/// The key's name must equal the party name. Unknown fields are rejected.
/// </summary>
public sealed class Charter
{
    /// <summary>Role allowing a party to add log entries.</summary>
    public const string SubmitterRole = "submitter";

    private readonly Dictionary<string, (Ed25519NoteVerifier Key, HashSet<string> Roles)> _parties;

    private Charter(Dictionary<string, (Ed25519NoteVerifier, HashSet<string>)> parties) => _parties = parties;

    /// <summary>The parties' names.</summary>
    public IEnumerable<string> Parties => _parties.Keys;

    /// <summary>The party's key if it holds <paramref name="role"/>.</summary>
    public Ed25519NoteVerifier? KeyFor(string party, string role) =>
        _parties.TryGetValue(party, out (Ed25519NoteVerifier Key, HashSet<string> Roles) p) && p.Roles.Contains(role) ? p.Key : null;

    /// <summary>Parses a charter or throws <see cref="FormatException"/> naming the problem.</summary>
    public static Charter Parse(string json)
    {
        CharterJson? doc;
        try
        {
            doc = JsonSerializer.Deserialize(json, CharterJsonContext.Default.CharterJson);
        }
        catch (JsonException e)
        {
            throw new FormatException($"Charter: {e.Message}", e);
        }

        if (doc?.Parties is null || doc.Parties.Count == 0)
        {
            throw new FormatException("Charter: \"parties\" must list at least one party.");
        }

        Dictionary<string, (Ed25519NoteVerifier, HashSet<string>)> parties = new(StringComparer.Ordinal);
        for (int i = 0; i < doc.Parties.Count; i++)
        {
            PartyJson p = doc.Parties[i];
            if (p.Name is null || p.Key is null || p.Roles is null)
            {
                throw new FormatException($"Charter: parties[{i}] needs name, key and roles.");
            }

            if (VerifierKeys.Parse(p.Key) is not Ed25519NoteVerifier key || key.Name != p.Name)
            {
                throw new FormatException($"Charter: parties[{i}].key must be an Ed25519 verifier key named \"{p.Name}\".");
            }

            if (!parties.TryAdd(p.Name, (key, new HashSet<string>(p.Roles, StringComparer.Ordinal))))
            {
                throw new FormatException($"Charter: party \"{p.Name}\" is listed twice.");
            }
        }

        return new Charter(parties);
    }
}

internal sealed class CharterJson
{
    [JsonPropertyName("parties")]
    public List<PartyJson>? Parties { get; set; }
}

internal sealed class PartyJson
{
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("key")]
    public string? Key { get; set; }

    [JsonPropertyName("roles")]
    public List<string>? Roles { get; set; }
}

[JsonSourceGenerationOptions(UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow, AllowDuplicateProperties = false)]
[JsonSerializable(typeof(CharterJson))]
internal sealed partial class CharterJsonContext : JsonSerializerContext
{
}
