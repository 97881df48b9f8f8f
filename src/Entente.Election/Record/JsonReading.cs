using System.Globalization;
using System.Text.Json;
using Entente.Cryptography;

namespace Entente.Election.Record;

/// <summary>
/// Strict access to one parsed record file: every member is required unless read with an Optional
/// method, unknown members are refused, and each error names the file, the JSON path and the field.
/// </summary>
internal sealed class JsonReading
{
    private readonly string _file;
    private Dictionary<string, ElementModP?>? _checkedElements;

    public JsonReading(string file, Group? group)
    {
        _file = file;
        Group = group;
    }

    public Group? Group { get; set; }

    public static JsonDocument Parse(string file, ReadOnlyMemory<byte> bytes)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 32, AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow, AllowDuplicateProperties = false });
        }
        catch (JsonException ex)
        {
            string where = ex.LineNumber is long line ? $"line {line + 1}, byte {ex.BytePositionInLine + 1}" : "$";
            throw new ElectionFormatException(file, where, "not valid JSON (truncated or corrupted?): " + ex.Message.Split(" Path:")[0], ex);
        }
        catch (InvalidOperationException ex)
        {
            // The duplicate-member check unescapes member names and throws this for an unpaired surrogate escape.
            throw new ElectionFormatException(file, "$", "a member name is not valid UTF-8 or holds an unpaired surrogate escape (\\uD800-\\uDFFF)", ex);
        }

        try
        {
            CheckStrings(file, document.RootElement, "$");
            return document;
        }
        catch
        {
            document.Dispose();
            throw;
        }
    }

    /// <summary>
    /// JsonDocument checks strings only when they are read, and then throws InvalidOperationException: every string
    /// and member name is read here once, so that invalid UTF-8 or an unpaired surrogate escape is a format error.
    /// </summary>
    private static void CheckStrings(string file, JsonElement element, string path)
    {
        try
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (JsonProperty property in element.EnumerateObject())
                    {
                        string name = property.Name;
                        CheckStrings(file, property.Value, path + "." + name);
                    }

                    break;
                case JsonValueKind.Array:
                    int i = 0;
                    foreach (JsonElement item in element.EnumerateArray())
                    {
                        CheckStrings(file, item, string.Create(CultureInfo.InvariantCulture, $"{path}[{i++}]"));
                    }

                    break;
                case JsonValueKind.String:
                    element.GetString();
                    break;
                default:
                    break;
            }
        }
        catch (InvalidOperationException ex)
        {
            throw new ElectionFormatException(file, path, "a string or member name is not valid UTF-8 or holds an unpaired surrogate escape (\\uD800-\\uDFFF)", ex);
        }
    }

    public ElectionFormatException Error(string path, string problem) => new(_file, path, problem);

    public JsonElement Object(JsonElement element, string path, params string[] members)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw Error(path, "an object is required");
        }

        foreach (JsonProperty property in element.EnumerateObject())
        {
            if (System.Array.IndexOf(members, property.Name) < 0)
            {
                throw Error(path, $"unknown member \"{property.Name}\"");
            }
        }

        return element;
    }

    public JsonElement Member(JsonElement obj, string path, string name)
    {
        if (!obj.TryGetProperty(name, out JsonElement value))
        {
            throw Error(path, $"the member \"{name}\" is missing");
        }

        return value;
    }

    public static bool Has(JsonElement obj, string name) => obj.TryGetProperty(name, out _);

    public int Int(JsonElement obj, string path, string name, int min = 0, int max = int.MaxValue)
    {
        JsonElement value = Member(obj, path, name);
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out int result))
        {
            throw Error($"{path}.{name}", "an integer is required");
        }

        if (result < min || result > max)
        {
            throw Error($"{path}.{name}", string.Create(CultureInfo.InvariantCulture, $"{result} is outside {min}..{max}"));
        }

        return result;
    }

    public long Long(JsonElement obj, string path, string name, long max)
    {
        JsonElement value = Member(obj, path, name);
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out long result) || result < 0 || result > max)
        {
            throw Error($"{path}.{name}", string.Create(CultureInfo.InvariantCulture, $"an integer from 0 to {max} is required"));
        }

        return result;
    }

    public string String(JsonElement obj, string path, string name)
    {
        JsonElement value = Member(obj, path, name);
        if (value.ValueKind != JsonValueKind.String)
        {
            throw Error($"{path}.{name}", "a string is required");
        }

        return value.GetString()!;
    }

    public JsonElement Array(JsonElement obj, string path, string name, int? exactly = null, int min = 0)
    {
        JsonElement value = Member(obj, path, name);
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw Error($"{path}.{name}", "an array is required");
        }

        int count = value.GetArrayLength();
        if (exactly is int n && count != n)
        {
            throw Error($"{path}.{name}", string.Create(CultureInfo.InvariantCulture, $"{count} entries; exactly {n} are required"));
        }

        if (count < min)
        {
            throw Error($"{path}.{name}", string.Create(CultureInfo.InvariantCulture, $"{count} entries; at least {min} are required"));
        }

        return value;
    }

    public ElementModP P(JsonElement obj, string path, string name) => PValue(Member(obj, path, name), $"{path}.{name}");

    public ElementModP PValue(JsonElement value, string path)
    {
        string hex = HexString(value, path, 2 * RequireGroup().PByteLength);
        if (_checkedElements is not null && _checkedElements.TryGetValue(hex, out ElementModP? member) && member is not null)
        {
            return member;
        }

        try
        {
            return ElementModP.DecodeHex(RequireGroup(), hex, path);
        }
        catch (FormatException ex)
        {
            throw Error(path, "not an element of the group's order-q subgroup (" + ex.Message + ")");
        }
    }

    public ElementModQ Q(JsonElement obj, string path, string name) => QValue(Member(obj, path, name), $"{path}.{name}");

    public ElementModQ QValue(JsonElement value, string path)
    {
        string hex = HexString(value, path, 2 * RequireGroup().QByteLength);
        try
        {
            return ElementModQ.DecodeHex(RequireGroup(), hex, path);
        }
        catch (FormatException ex)
        {
            throw Error(path, "not a value below q (" + ex.Message + ")");
        }
    }

    public Hash256 Hash(JsonElement obj, string path, string name) => HashValue(Member(obj, path, name), $"{path}.{name}");

    public Hash256 HashValue(JsonElement value, string path) => Hash256.Decode(Convert.FromHexString(HexString(value, path, 64)), path);

    public byte[] Bytes(JsonElement obj, string path, string name, int length) =>
        Convert.FromHexString(HexString(Member(obj, path, name), $"{path}.{name}", 2 * length));

    private string HexString(JsonElement value, string path, int digits)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            throw Error(path, "a hex string is required");
        }

        string hex = value.GetString()!;
        if (hex.Length != digits)
        {
            throw Error(path, string.Create(CultureInfo.InvariantCulture, $"{hex.Length} hex digits; exactly {digits} are required"));
        }

        foreach (char c in hex)
        {
            if (c is not (>= '0' and <= '9') and not (>= 'A' and <= 'F'))
            {
                throw Error(path, "only uppercase hex digits 0-9 A-F are allowed");
            }
        }

        return hex;
    }

    /// <summary>
    /// Checks the membership in Z_p^r of every string under <paramref name="root"/> that has the length of a group
    /// element, all at once (<see cref="SubgroupBatch"/>, docs/verifier-batch-checks.md: a Legendre symbol per value and one
    /// multi-exponentiation, instead of an exponentiation by q per value), so that <see cref="PValue"/> then costs no
    /// exponentiation. A value that fails the batch, or that is not covered, is decoded alone by <see cref="PValue"/>,
    /// which names the problem exactly as before. Nothing changes for groups without the batch structure.
    /// </summary>
    public void CheckElementsTogether(JsonElement root)
    {
        Group group = RequireGroup();
        if (!SubgroupBatch.IsBatchSound(group))
        {
            return;
        }

        int length = 2 * group.PByteLength;
        List<string> values = [];
        HashSet<string> seen = new(StringComparer.Ordinal);
        Stack<JsonElement> pending = new();
        pending.Push(root);
        while (pending.Count > 0)
        {
            JsonElement element = pending.Pop();
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (JsonProperty property in element.EnumerateObject())
                    {
                        pending.Push(property.Value);
                    }

                    break;
                case JsonValueKind.Array:
                    foreach (JsonElement item in element.EnumerateArray())
                    {
                        pending.Push(item);
                    }

                    break;
                case JsonValueKind.String when element.GetString() is string text && text.Length == length && seen.Add(text):
                    values.Add(text);
                    break;
            }
        }

        List<string> hexes = [];
        List<ReadOnlyMemory<byte>> encodings = [];
        foreach (string text in values)
        {
            byte[] bytes = new byte[group.PByteLength];
            if (Convert.FromHexString(text, bytes, out _, out int written) == System.Buffers.OperationStatus.Done && written == bytes.Length)
            {
                hexes.Add(text);
                encodings.Add(bytes);
            }
        }

        if (encodings.Count < 2)
        {
            return;
        }

        SubgroupBatchResult result = SubgroupBatch.Decode(group, encodings);
        _checkedElements = new Dictionary<string, ElementModP?>(hexes.Count, StringComparer.Ordinal);
        for (int i = 0; i < hexes.Count; i++)
        {
            _checkedElements[hexes[i]] = result.Elements[i];
        }
    }

    private Group RequireGroup() => Group ?? throw new InvalidOperationException("group unknown");
}
