// The audit seed's records as board artifacts (docs/audit.md, "The seed on a board"; docs/http-api.md): canonical
// JSON, members in this order, no whitespace, hex in lowercase.
//
//   audit.commit  {"audit": id, "party": name, "parties": [names, as listed at init], "dice": bool, "commitment": 64 hex}
//   audit.reveal  {"audit": id, "party": name, "secret": 64 hex}
//   audit.dice    {"audit": id, "digits": "0123…"}
//
// Every commit of an audit repeats its parties and whether public dice follow the reveals, so the board can enforce
// the order of the protocol without any other state: no reveal before every party committed, a reveal must match its
// party's commitment, dice only after every party revealed.
using System.Text;
using System.Text.Json;
using Entente.Audit.Io;

namespace Entente.Audit.Seed;

/// <summary>A party's commitment to its secret, on a board.</summary>
/// <param name="AuditId">The audit.</param>
/// <param name="Party">The committing party (the signer of its entry).</param>
/// <param name="Parties">Every party of the audit, in the order of its state.</param>
/// <param name="Dice">True when public dice are rolled after the reveals (the audit has a dice window).</param>
/// <param name="Commitment">SHA-256 commitment to the secret (<see cref="SeedProtocol.Commitment"/>).</param>
public sealed record SeedCommitArtifact(string AuditId, string Party, IReadOnlyList<string> Parties, bool Dice, byte[] Commitment);

/// <summary>A party's secret, revealed on a board.</summary>
/// <param name="AuditId">The audit.</param>
/// <param name="Party">The revealing party.</param>
/// <param name="Secret">Its 32-byte secret.</param>
public sealed record SeedRevealArtifact(string AuditId, string Party, byte[] Secret);

/// <summary>Public dice rolls, on a board (a joint artifact: every party signs the same digits).</summary>
/// <param name="AuditId">The audit.</param>
/// <param name="Digits">The digits, 1 to <see cref="SeedProtocol.MaxDiceDigits"/> of 0-9.</param>
public sealed record SeedDiceArtifact(string AuditId, string Digits);

/// <summary>Writes and strictly reads the seed artifacts (see the file header); errors are <see cref="AuditInputException"/> naming the field.</summary>
public static class SeedArtifacts
{
    /// <summary>Log entry type of a commitment.</summary>
    public const string CommitType = "audit.commit";

    /// <summary>Log entry type of a reveal.</summary>
    public const string RevealType = "audit.reveal";

    /// <summary>Log entry type of dice.</summary>
    public const string DiceType = "audit.dice";

    /// <summary>Largest artifact accepted.</summary>
    public const int MaxBytes = 64 * 1024;

    /// <summary>The id of a party's commitment or reveal in its board collection: <c>audit:party</c>.</summary>
    public static string Id(string auditId, string party) => auditId + ":" + party;

    /// <summary>Canonical bytes of a commitment.</summary>
    public static byte[] Write(SeedCommitArtifact commit)
    {
        ArgumentNullException.ThrowIfNull(commit);
        return Json(w =>
        {
            w.WriteString("audit", commit.AuditId);
            w.WriteString("party", commit.Party);
            w.WriteStartArray("parties");
            foreach (string party in commit.Parties)
            {
                w.WriteStringValue(party);
            }

            w.WriteEndArray();
            w.WriteBoolean("dice", commit.Dice);
            w.WriteString("commitment", Convert.ToHexStringLower(commit.Commitment));
        });
    }

    /// <summary>Canonical bytes of a reveal.</summary>
    public static byte[] Write(SeedRevealArtifact reveal)
    {
        ArgumentNullException.ThrowIfNull(reveal);
        return Json(w =>
        {
            w.WriteString("audit", reveal.AuditId);
            w.WriteString("party", reveal.Party);
            w.WriteString("secret", Convert.ToHexStringLower(reveal.Secret));
        });
    }

    /// <summary>Canonical bytes of dice.</summary>
    public static byte[] Write(SeedDiceArtifact dice)
    {
        ArgumentNullException.ThrowIfNull(dice);
        return Json(w =>
        {
            w.WriteString("audit", dice.AuditId);
            w.WriteString("digits", dice.Digits);
        });
    }

    /// <summary>Reads a commitment strictly.</summary>
    public static SeedCommitArtifact ReadCommit(string file, byte[] bytes)
    {
        using JsonDocument document = Parse(file, bytes);
        JsonElement o = Members(file, document.RootElement, "audit", "party", "parties", "dice", "commitment");
        JsonElement parties = o.GetProperty("parties");
        if (parties.ValueKind != JsonValueKind.Array || parties.GetArrayLength() == 0)
        {
            throw new AuditInputException(file, 0, "parties", "a non-empty array of party names is required");
        }

        List<string> names = [.. parties.EnumerateArray().Select((e, n) => Text(file, e, $"parties[{n}]"))];
        if (names.Distinct(StringComparer.Ordinal).Count() != names.Count)
        {
            throw new AuditInputException(file, 0, "parties", "each party is listed once");
        }

        JsonElement dice = o.GetProperty("dice");
        if (dice.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            throw new AuditInputException(file, 0, "dice", "true or false is required");
        }

        SeedCommitArtifact commit = new(Text(file, o.GetProperty("audit"), "audit"), Text(file, o.GetProperty("party"), "party"), names, dice.GetBoolean(), Hex32(file, o, "commitment"));
        return Canonical(file, bytes, commit, Write);
    }

    /// <summary>Reads a reveal strictly.</summary>
    public static SeedRevealArtifact ReadReveal(string file, byte[] bytes)
    {
        using JsonDocument document = Parse(file, bytes);
        JsonElement o = Members(file, document.RootElement, "audit", "party", "secret");
        SeedRevealArtifact reveal = new(Text(file, o.GetProperty("audit"), "audit"), Text(file, o.GetProperty("party"), "party"), Hex32(file, o, "secret"));
        return Canonical(file, bytes, reveal, Write);
    }

    /// <summary>Reads dice strictly (1 to <see cref="SeedProtocol.MaxDiceDigits"/> digits 0-9).</summary>
    public static SeedDiceArtifact ReadDice(string file, byte[] bytes)
    {
        using JsonDocument document = Parse(file, bytes);
        JsonElement o = Members(file, document.RootElement, "audit", "digits");
        string digits = Text(file, o.GetProperty("digits"), "digits");
        if (!SeedProtocol.IsValidDice(Encoding.ASCII.GetBytes(digits)) || digits.Any(c => c > '~'))
        {
            throw new AuditInputException(file, 0, "digits", $"dice are 1 to {SeedProtocol.MaxDiceDigits} digits 0-9");
        }

        return Canonical(file, bytes, new SeedDiceArtifact(Text(file, o.GetProperty("audit"), "audit"), digits), Write);
    }

    private static byte[] Json(Action<Utf8JsonWriter> members)
    {
        using MemoryStream buffer = new();
        using (Utf8JsonWriter w = new(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            members(w);
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static JsonDocument Parse(string file, byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (bytes.Length > MaxBytes)
        {
            throw new AuditInputException(file, 0, "", $"{bytes.Length} bytes; at most {MaxBytes} are accepted");
        }

        try
        {
            return JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 8, AllowDuplicateProperties = false });
        }
        catch (JsonException e)
        {
            throw new AuditInputException(file, 0, "", "not valid JSON: " + e.Message.Split(" Path:")[0]);
        }
    }

    private static JsonElement Members(string file, JsonElement o, params string[] members)
    {
        if (o.ValueKind != JsonValueKind.Object)
        {
            throw new AuditInputException(file, 0, "", "an object is required");
        }

        foreach (JsonProperty property in o.EnumerateObject())
        {
            if (Array.IndexOf(members, property.Name) < 0)
            {
                throw new AuditInputException(file, 0, property.Name, "unknown member");
            }
        }

        foreach (string member in members)
        {
            if (!o.TryGetProperty(member, out _))
            {
                throw new AuditInputException(file, 0, member, "the member is missing");
            }
        }

        return o;
    }

    private static string Text(string file, JsonElement e, string field) =>
        e.ValueKind == JsonValueKind.String && e.GetString() is { Length: > 0 and <= 128 } s && !s.Any(c => c <= ' ' || c == ':')
            ? s
            : throw new AuditInputException(file, 0, field, "1 to 128 printable characters without spaces or ':' are required");

    private static byte[] Hex32(string file, JsonElement o, string field)
    {
        JsonElement e = o.GetProperty(field);
        string? hex = e.ValueKind == JsonValueKind.String ? e.GetString() : null;
        if (hex is not { Length: 2 * SeedProtocol.SecretLength } || hex.Any(c => c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f'))))
        {
            throw new AuditInputException(file, 0, field, $"{SeedProtocol.SecretLength} bytes in lowercase hex are required");
        }

        return Convert.FromHexString(hex);
    }

    private static T Canonical<T>(string file, byte[] bytes, T value, Func<T, byte[]> write)
    {
        if (!write(value).AsSpan().SequenceEqual(bytes))
        {
            throw new AuditInputException(file, 0, "", "not in canonical form (members in order, no whitespace; docs/audit.md)");
        }

        return value;
    }
}
