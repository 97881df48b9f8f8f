using System.Text.Json;
using System.Text.Json.Serialization;
using Entente.Transparency.Notes;

namespace Entente.Transparency.Log;

/// <summary>
/// The unit's charter: the parties (and devices), each with an Ed25519 verifier key and roles. Loaded from JSON:
/// <code>{ "parties": [ { "name": "blue.example", "key": "blue.example+1a2b3c4d+AUm...", "roles": ["submitter", "party", "guardian"],
///                      "guardians": [1, 2], "identity": "identity--…",
///                      "encryption_key": { "x25519": "&lt;base64, 32 bytes&gt;", "signature": "&lt;base64, 64 bytes&gt;" } } ] }</code>
/// The key's name must equal the party name. Roles: <c>submitter</c> (may add raw log entries), <c>party</c>
/// (signs joint artifacts: charter, manifest, parameters, joint key, tallies, openings), <c>guardian</c> (posts the
/// ceremony and decryption messages of the guardian indices listed in <c>guardians</c>), <c>device</c> (posts
/// encrypted ballots and its device record), <c>witness</c>. <c>identity</c> is the party's STIX identity id
/// for the incident exchange (TAXII); <c>encryption_key</c> (only with an identity) is the X25519 key the exchange seals
/// confidential messages to for this party, bound to its identity by a signature of its charter key (the exchange checks
/// the signature when the server starts; this parser checks the shape). An optional top-level <c>deadlines</c> object gives,
/// per step (<see cref="DeadlineSteps"/>), the seconds a party has from the entry that opens the step (docs/record-format.md
/// §11). Unknown fields are rejected.
/// </summary>
public sealed class Charter
{
    /// <summary>Role allowing a party to add log entries.</summary>
    public const string SubmitterRole = "submitter";

    /// <summary>Role of the parties that jointly run the election (they sign joint artifacts).</summary>
    public const string PartyRole = "party";

    /// <summary>Role of a party holding guardians (listed in <c>guardians</c>).</summary>
    public const string GuardianRole = "guardian";

    /// <summary>Role of an encryption device.</summary>
    public const string DeviceRole = "device";

    /// <summary>Role of a witness operator.</summary>
    public const string WitnessRole = "witness";

    private readonly Dictionary<string, CharterMember> _parties;

    /// <summary>The entry types of the steps a charter may set a deadline for (docs/record-format.md §11).</summary>
    public static readonly IReadOnlyList<string> DeadlineSteps =
        ["guardian.commitment", "guardian.share", "guardian.approval", "decryption.commit", "decryption.reveal", "decryption.response"];

    /// <summary>The longest deadline a charter may set (one year).</summary>
    public const long MaxDeadlineSeconds = 366L * 24 * 3600;

    private Charter(Dictionary<string, CharterMember> parties, byte[] bytes, IReadOnlyDictionary<string, TimeSpan> deadlines)
    {
        _parties = parties;
        Bytes = bytes;
        Deadlines = deadlines;
    }

    /// <summary>
    /// The time each step has from the entry that opens it, by the step's entry type (optional <c>deadlines</c> of the
    /// charter, in seconds); a step without one has no deadline.
    /// </summary>
    public IReadOnlyDictionary<string, TimeSpan> Deadlines { get; }

    /// <summary>The parties' names.</summary>
    public IEnumerable<string> Parties => _parties.Keys;

    /// <summary>The members, in no particular order.</summary>
    public IEnumerable<CharterMember> Members => _parties.Values;

    /// <summary>The charter's bytes as loaded.</summary>
    public byte[] Bytes { get; }

    /// <summary>The member named <paramref name="name"/>, or null.</summary>
    public CharterMember? Find(string name) => _parties.GetValueOrDefault(name);

    /// <summary>The party's key if it holds <paramref name="role"/>.</summary>
    public Ed25519NoteVerifier? KeyFor(string party, string role) =>
        _parties.TryGetValue(party, out CharterMember? p) && p.Roles.Contains(role) ? p.Key : null;

    /// <summary>The member holding guardian <paramref name="index"/>, or null.</summary>
    public CharterMember? GuardianHolder(int index) => _parties.Values.FirstOrDefault(p => p.Roles.Contains(GuardianRole) && p.Guardians.Contains(index));

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

        Dictionary<string, CharterMember> parties = new(StringComparer.Ordinal);
        HashSet<int> guardians = [];
        for (int i = 0; i < doc.Parties.Count; i++)
        {
            PartyJson? p = doc.Parties[i];
            if (p is null)
            {
                throw new FormatException($"Charter: parties[{i}] is null; each party is an object with name, key and roles.");
            }

            if (p.Name is null || p.Key is null || p.Roles is null)
            {
                throw new FormatException($"Charter: parties[{i}] needs name, key and roles.");
            }

            if (VerifierKeys.Parse(p.Key) is not Ed25519NoteVerifier key || key.Name != p.Name)
            {
                throw new FormatException($"Charter: parties[{i}].key must be an Ed25519 verifier key named \"{p.Name}\".");
            }

            foreach (int g in p.Guardians ?? [])
            {
                if (g < 1 || !guardians.Add(g))
                {
                    throw new FormatException($"Charter: parties[{i}].guardians: guardian {g} is out of range or held by two parties.");
                }
            }

            if ((p.Guardians?.Count ?? 0) > 0 && !p.Roles.Contains(GuardianRole))
            {
                throw new FormatException($"Charter: parties[{i}] lists guardians but lacks the role \"{GuardianRole}\".");
            }

            if (p.Identity is not null && !(p.Identity.StartsWith("identity--", StringComparison.Ordinal) && Guid.TryParse(p.Identity["identity--".Length..], out _)))
            {
                throw new FormatException($"Charter: parties[{i}].identity must be a STIX identity id (identity--<uuid>).");
            }

            CharterEncryptionKey? encryptionKey = null;
            if (p.EncryptionKey is not null)
            {
                if (p.Identity is null)
                {
                    throw new FormatException($"Charter: parties[{i}].encryption_key needs an identity: the key is bound to the party's STIX identity.");
                }

                if (p.EncryptionKey.X25519 is null || p.EncryptionKey.Signature is null)
                {
                    throw new FormatException($"Charter: parties[{i}].encryption_key needs x25519 and signature (base64).");
                }

                encryptionKey = new CharterEncryptionKey(p.EncryptionKey.X25519, p.EncryptionKey.Signature);
            }

            CharterMember member = new(p.Name, key, new HashSet<string>(p.Roles, StringComparer.Ordinal), [.. (p.Guardians ?? []).Order()], p.Identity, encryptionKey);
            if (!parties.TryAdd(p.Name, member))
            {
                throw new FormatException($"Charter: party \"{p.Name}\" is listed twice.");
            }
        }

        Dictionary<string, TimeSpan> deadlines = new(StringComparer.Ordinal);
        foreach ((string step, long seconds) in doc.Deadlines ?? [])
        {
            if (!DeadlineSteps.Contains(step))
            {
                throw new FormatException($"Charter: deadlines.{step}: not a step with a deadline (one of {string.Join(", ", DeadlineSteps)}).");
            }

            if (seconds is < 1 or > MaxDeadlineSeconds)
            {
                throw new FormatException($"Charter: deadlines.{step}: {seconds} is not a number of seconds from 1 to {MaxDeadlineSeconds}.");
            }

            deadlines[step] = TimeSpan.FromSeconds(seconds);
        }

        return new Charter(parties, System.Text.Encoding.UTF8.GetBytes(json), deadlines);
    }
}

internal sealed class CharterJson
{
    [JsonPropertyName("parties")]
    public List<PartyJson>? Parties { get; set; }

    [JsonPropertyName("deadlines")]
    public Dictionary<string, long>? Deadlines { get; set; }
}

internal sealed class PartyJson
{
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("key")]
    public string? Key { get; set; }

    [JsonPropertyName("roles")]
    public List<string>? Roles { get; set; }

    [JsonPropertyName("guardians")]
    public List<int>? Guardians { get; set; }

    [JsonPropertyName("identity")]
    public string? Identity { get; set; }

    [JsonPropertyName("encryption_key")]
    public EncryptionKeyJson? EncryptionKey { get; set; }
}

internal sealed class EncryptionKeyJson
{
    [JsonPropertyName("x25519")]
    public string? X25519 { get; set; }

    [JsonPropertyName("signature")]
    public string? Signature { get; set; }
}

/// <summary>One member of the charter.</summary>
/// <param name="Name">The member's name (also its key's name and the <c>keyid</c> of its request signatures).</param>
/// <param name="Key">Its Ed25519 key.</param>
/// <param name="Roles">Its roles.</param>
/// <param name="Guardians">The guardian indices it holds (role guardian).</param>
/// <param name="Identity">Its STIX identity id, if any.</param>
/// <param name="EncryptionKey">Its published exchange encryption key as the charter states it (not yet checked), if any.</param>
public sealed record CharterMember(string Name, Ed25519NoteVerifier Key, IReadOnlySet<string> Roles, IReadOnlyList<int> Guardians, string? Identity, CharterEncryptionKey? EncryptionKey = null);

/// <summary>
/// A party's exchange encryption key as the charter states it: the X25519 public key and the Ed25519 signature of the
/// party's charter key binding it to the party's identity (format <c>entente-encryption-key/v1</c>, docs/exchange.md).
/// Base64 text, as written; the exchange decodes and checks both when the server starts.
/// </summary>
/// <param name="X25519">Base64 of the 32-byte X25519 public key.</param>
/// <param name="Signature">Base64 of the 64-byte Ed25519 signature.</param>
public sealed record CharterEncryptionKey(string X25519, string Signature);

[JsonSourceGenerationOptions(UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow, AllowDuplicateProperties = false)]
[JsonSerializable(typeof(CharterJson))]
internal sealed partial class CharterJsonContext : JsonSerializerContext
{
}
