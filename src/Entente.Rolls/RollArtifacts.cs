using System.Globalization;
using System.Text.Json;
using Entente.Transparency;

namespace Entente.Rolls;

/// <summary>What a roll change does to a record.</summary>
public enum RollOperation
{
    /// <summary>A new registration (or a registration again after a removal).</summary>
    Add,

    /// <summary>A change of the record (precinct, name, address, a correction).</summary>
    Update,

    /// <summary>The record leaves the roll.</summary>
    Remove,
}

/// <summary>A jurisdiction's roll opened on the board: its precincts and the reason codes its changes may give.</summary>
/// <param name="Jurisdiction">The jurisdiction id.</param>
/// <param name="Precincts">Its precincts, sorted, distinct.</param>
/// <param name="Reasons">Its reason codes, sorted, distinct.</param>
public sealed record RollInit(string Jurisdiction, IReadOnlyList<string> Precincts, IReadOnlyList<string> Reasons);

/// <summary>
/// One change of the roll, as logged (docs/rolls.md, "Log entries"): never personal data, only the record's key and the
/// commitment to its new content, with the precinct (public, for the per-precinct counts and the alert rules), a reason
/// code, the authority's time, the record's version and the SHA-256 of the record's previous change artifact (so the
/// latest change binds the record's whole history, and a voter's check needs one inclusion proof).
/// </summary>
/// <param name="Jurisdiction">The roll.</param>
/// <param name="Operation">add, update or remove.</param>
/// <param name="Key">The record's key.</param>
/// <param name="Version">1 for the first registration, then +1 per change.</param>
/// <param name="Commitment">The commitment to the record's new content; null for a removal.</param>
/// <param name="Precinct">The record's precinct after the change (for a removal: the precinct it left).</param>
/// <param name="Reason">The reason code.</param>
/// <param name="At">When the authority made the change (UTC, to the second).</param>
/// <param name="Previous">SHA-256 of the record's previous change artifact; null for version 1.</param>
public sealed record RollChange(string Jurisdiction, RollOperation Operation, Hash256 Key, int Version, Hash256? Commitment, string Precinct, string Reason, DateTimeOffset At, Hash256? Previous)
{
    /// <summary>The log entry type of the change.</summary>
    public string Type => RollArtifacts.TypeOf(Operation);

    /// <summary>Its id in the board collection: key-version.</summary>
    public string Id => RollArtifacts.ChangeId(Key, Version);
}

/// <summary>A snapshot of a roll: the Merkle root of its registered records sorted by key, and the count per precinct.</summary>
/// <param name="Jurisdiction">The roll.</param>
/// <param name="Number">1 for the first snapshot of the roll, then +1.</param>
/// <param name="Root">RFC 6962 root over the leaves key ‖ commitment of every registered record, sorted by key.</param>
/// <param name="Size">The number of registered records.</param>
/// <param name="Precincts">Registered records per precinct (every precinct of the roll, zeros included).</param>
/// <param name="At">When the authority took it (the close of registration).</param>
public sealed record RollSnapshot(string Jurisdiction, int Number, Hash256 Root, long Size, IReadOnlyDictionary<string, long> Precincts, DateTimeOffset At)
{
    /// <summary>Its id in the board collection: jurisdiction:number.</summary>
    public string Id => Jurisdiction + ":" + Number.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// The roll artifacts' JSON: canonical (keys sorted, no white space, times as yyyy-MM-ddTHH:mm:ssZ, hashes as lowercase
/// hex), read strictly (unknown, missing or repeated fields refused; only the canonical bytes accepted).
/// </summary>
public static class RollArtifacts
{
    /// <summary>Entry type of a roll's opening.</summary>
    public const string InitType = "roll.init";

    /// <summary>Entry type of a snapshot.</summary>
    public const string SnapshotType = "roll.snapshot";

    /// <summary>Entry types of the changes.</summary>
    public static readonly IReadOnlyList<string> ChangeTypes = ["roll.add", "roll.update", "roll.remove"];

    /// <summary>The reason codes a roll uses when its opening names none.</summary>
    public static readonly IReadOnlyList<string> DefaultReasons =
        ["address-change", "correction", "deceased", "duplicate", "list-maintenance", "moved-out", "name-change", "new-registration", "re-registration", "voter-request"];

    /// <summary>Largest roll artifact read (bytes).</summary>
    public const int MaxBytes = 1 << 20;

    /// <summary>The entry type of <paramref name="operation"/>.</summary>
    public static string TypeOf(RollOperation operation) => ChangeTypes[(int)operation];

    /// <summary>The board id of a change.</summary>
    public static string ChangeId(Hash256 key, int version) => key.ToHex() + "-" + version.ToString(CultureInfo.InvariantCulture);

    /// <summary>The canonical bytes of a roll's opening.</summary>
    public static byte[] Write(RollInit init)
    {
        ArgumentNullException.ThrowIfNull(init);
        return Json(w =>
        {
            w.WriteString("jurisdiction", init.Jurisdiction);
            w.WriteStartArray("precincts");
            foreach (string p in init.Precincts)
            {
                w.WriteStringValue(p);
            }

            w.WriteEndArray();
            w.WriteStartArray("reasons");
            foreach (string r in init.Reasons)
            {
                w.WriteStringValue(r);
            }

            w.WriteEndArray();
        });
    }

    /// <summary>The canonical bytes of a change.</summary>
    public static byte[] Write(RollChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        return Json(w =>
        {
            w.WriteString("at", Time(change.At));
            Hash("commitment", change.Commitment, w);
            w.WriteString("jurisdiction", change.Jurisdiction);
            w.WriteString("key", change.Key.ToHex());
            w.WriteString("op", change.Operation.ToString().ToLowerInvariant());
            w.WriteString("precinct", change.Precinct);
            Hash("previous", change.Previous, w);
            w.WriteString("reason", change.Reason);
            w.WriteNumber("version", change.Version);
        });
    }

    /// <summary>The canonical bytes of a snapshot.</summary>
    public static byte[] Write(RollSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return Json(w =>
        {
            w.WriteString("at", Time(snapshot.At));
            w.WriteString("jurisdiction", snapshot.Jurisdiction);
            w.WriteNumber("number", snapshot.Number);
            w.WriteStartObject("precincts");
            foreach ((string p, long n) in snapshot.Precincts.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                w.WriteNumber(p, n);
            }

            w.WriteEndObject();
            w.WriteString("root", snapshot.Root.ToHex());
            w.WriteNumber("size", snapshot.Size);
        });
    }

    /// <summary>Reads a roll's opening or throws <see cref="RollFormatException"/>.</summary>
    public static RollInit ReadInit(ReadOnlySpan<byte> bytes)
    {
        RollInit init = Read(bytes, "roll opening", ["jurisdiction", "precincts", "reasons"], root => new RollInit(
            TokenField(root, "jurisdiction"), Tokens(root, "precincts"), Tokens(root, "reasons")));
        if (init.Precincts.Count == 0 || init.Reasons.Count == 0)
        {
            throw new RollFormatException("roll opening: $.precincts and $.reasons each list at least one code.");
        }

        if (!Sorted(init.Precincts) || !Sorted(init.Reasons))
        {
            throw new RollFormatException("roll opening: $.precincts and $.reasons are sorted (ordinal) without repeats.");
        }

        return Canonical(bytes, Write(init), "roll opening", init);
    }

    /// <summary>Reads a change or throws <see cref="RollFormatException"/>.</summary>
    public static RollChange ReadChange(ReadOnlySpan<byte> bytes)
    {
        RollChange change = Read(bytes, "roll change", ["at", "commitment", "jurisdiction", "key", "op", "precinct", "previous", "reason", "version"], root =>
        {
            RollOperation op = String(root, "op") switch
            {
                "add" => RollOperation.Add,
                "update" => RollOperation.Update,
                "remove" => RollOperation.Remove,
                _ => throw new RollFormatException("roll change: $.op: expected \"add\", \"update\" or \"remove\"."),
            };
            int version = root.GetProperty("version") is { ValueKind: JsonValueKind.Number } v && v.TryGetInt32(out int n) && n >= 1
                ? n : throw new RollFormatException("roll change: $.version: a whole number ≥ 1.");
            return new RollChange(TokenField(root, "jurisdiction"), op, HashField(root, "key")!.Value, version, HashField(root, "commitment"),
                TokenField(root, "precinct"), TokenField(root, "reason"), TimeField(root, "at"), HashField(root, "previous"));
        });
        if ((change.Operation == RollOperation.Remove) != (change.Commitment is null))
        {
            throw new RollFormatException("roll change: $.commitment: null exactly for a removal.");
        }

        if ((change.Version == 1) != (change.Previous is null))
        {
            throw new RollFormatException("roll change: $.previous: null exactly for version 1.");
        }

        return Canonical(bytes, Write(change), "roll change", change);
    }

    /// <summary>Reads a snapshot or throws <see cref="RollFormatException"/>.</summary>
    public static RollSnapshot ReadSnapshot(ReadOnlySpan<byte> bytes)
    {
        RollSnapshot snapshot = Read(bytes, "roll snapshot", ["at", "jurisdiction", "number", "precincts", "root", "size"], root =>
        {
            JsonElement precincts = root.GetProperty("precincts");
            if (precincts.ValueKind != JsonValueKind.Object)
            {
                throw new RollFormatException("roll snapshot: $.precincts: an object of precinct → count.");
            }

            Dictionary<string, long> counts = new(StringComparer.Ordinal);
            foreach (JsonProperty p in precincts.EnumerateObject())
            {
                if (!RollText.IsToken(p.Name) || p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt64(out long c) || c < 0 || !counts.TryAdd(p.Name, c))
                {
                    throw new RollFormatException($"roll snapshot: $.precincts: entry \"{p.Name}\" is not a precinct with a count ≥ 0 (once).");
                }
            }

            return new RollSnapshot(TokenField(root, "jurisdiction"), Whole(root, "number", 1), HashField(root, "root")!.Value, Whole(root, "size", 0), counts, TimeField(root, "at"));
        });
        return Canonical(bytes, Write(snapshot), "roll snapshot", snapshot);
    }

    /// <summary>A time as the artifacts write it.</summary>
    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    /// <summary>A time truncated to the second (what an artifact can carry).</summary>
    public static DateTimeOffset ToSecond(DateTimeOffset at) => DateTimeOffset.FromUnixTimeSeconds(at.ToUnixTimeSeconds());

    private static bool Sorted(IReadOnlyList<string> codes) => codes.Zip(codes.Skip(1)).All(p => string.CompareOrdinal(p.First, p.Second) < 0);

    private static byte[] Json(Action<Utf8JsonWriter> body)
    {
        using MemoryStream stream = new();
        using (Utf8JsonWriter w = new(stream, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }

        return stream.ToArray();
    }

    private static void Hash(string name, Hash256? value, Utf8JsonWriter w)
    {
        if (value is Hash256 h)
        {
            w.WriteString(name, h.ToHex());
        }
        else
        {
            w.WriteNull(name);
        }
    }

    private static T Read<T>(ReadOnlySpan<byte> bytes, string what, string[] fields, Func<JsonElement, T> read)
    {
        if (bytes.Length > MaxBytes)
        {
            throw new RollFormatException($"{what}: larger than {MaxBytes} bytes.");
        }

        try
        {
            using JsonDocument doc = JsonDocument.Parse(bytes.ToArray(), new JsonDocumentOptions { MaxDepth = 8 });
            JsonElement root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new RollFormatException($"{what}: not a JSON object.");
            }

            HashSet<string> seen = new(StringComparer.Ordinal);
            foreach (JsonProperty p in root.EnumerateObject())
            {
                if (!fields.Contains(p.Name))
                {
                    throw new RollFormatException($"{what}: $.{p.Name}: unknown field (fields are {string.Join(", ", fields)}).");
                }

                if (!seen.Add(p.Name))
                {
                    throw new RollFormatException($"{what}: $.{p.Name}: the field appears twice.");
                }
            }

            if (fields.FirstOrDefault(f => !seen.Contains(f)) is string missing)
            {
                throw new RollFormatException($"{what}: $.{missing}: the field is missing.");
            }

            return read(root);
        }
        catch (JsonException e)
        {
            throw new RollFormatException($"{what}: not JSON: {e.Message}", e);
        }
    }

    private static T Canonical<T>(ReadOnlySpan<byte> bytes, byte[] canonical, string what, T value) =>
        bytes.SequenceEqual(canonical) ? value : throw new RollFormatException($"{what}: not in canonical form (keys sorted, no white space, times to the second in UTC, hashes in lowercase hex, lists sorted without repeats).");

    private static string String(JsonElement root, string name)
    {
        JsonElement e = root.GetProperty(name);
        return e.ValueKind == JsonValueKind.String ? e.GetString()! : throw new RollFormatException($"$.{name}: a string is expected.");
    }

    private static string TokenField(JsonElement root, string name)
    {
        string s = String(root, name);
        return RollText.IsToken(s) ? s : throw new RollFormatException($"$.{name}: expected 1 to {RollText.MaxTokenLength} of A–Z, a–z, 0–9, '.', '_', '-'.");
    }

    private static List<string> Tokens(JsonElement root, string name)
    {
        JsonElement e = root.GetProperty(name);
        if (e.ValueKind != JsonValueKind.Array)
        {
            throw new RollFormatException($"$.{name}: a list of codes is expected.");
        }

        List<string> list = [];
        foreach (JsonElement item in e.EnumerateArray())
        {
            string? s = item.ValueKind == JsonValueKind.String ? item.GetString() : null;
            list.Add(RollText.IsToken(s) ? s! : throw new RollFormatException($"$.{name}[{list.Count}]: expected a code of A–Z, a–z, 0–9, '.', '_', '-'."));
        }

        return list;
    }

    private static Hash256? HashField(JsonElement root, string name)
    {
        JsonElement e = root.GetProperty(name);
        if (e.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return e.ValueKind == JsonValueKind.String && Hash256.TryFromHex(e.GetString()!, out Hash256 h)
            ? h
            : throw new RollFormatException($"$.{name}: 64 lowercase hexadecimal digits are expected.");
    }

    private static DateTimeOffset TimeField(JsonElement root, string name)
    {
        string s = String(root, name);
        return DateTimeOffset.TryParseExact(s, "yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset t)
            ? t : throw new RollFormatException($"$.{name}: a UTC time written yyyy-MM-ddTHH:mm:ssZ is expected.");
    }

    private static int Whole(JsonElement root, string name, int minimum)
    {
        JsonElement e = root.GetProperty(name);
        return e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int n) && n >= minimum ? n : throw new RollFormatException($"$.{name}: a whole number ≥ {minimum}.");
    }
}
