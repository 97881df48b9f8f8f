using System.Globalization;
using System.Numerics;
using System.Text.Json;
using Entente.Verifier.Framework;

namespace Entente.Verifier.Egk;

/// <summary>
/// Strict access to the fields of one JSON object of a record file. Every error becomes a
/// <see cref="RecordInputException"/> naming the file and the JSON path of the field. Duplicate
/// property names are rejected (a reader could otherwise see another value than a second tool).
/// Unknown properties are tolerated: the egk format is not ours and adds fields between versions.
/// </summary>
internal readonly struct JsonFields
{
    private readonly Dictionary<string, JsonElement> _properties;

    private JsonFields(string file, string path, Dictionary<string, JsonElement> properties)
    {
        File = file;
        Path = path;
        _properties = properties;
    }

    public string File { get; }

    public string Path { get; }

    public static JsonFields Of(JsonElement element, string file, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new RecordInputException(file, $"{Describe(path)} must be a JSON object, found {element.ValueKind}.");
        }

        Dictionary<string, JsonElement> properties = new(StringComparer.Ordinal);
        foreach (JsonProperty property in element.EnumerateObject())
        {
            if (!properties.TryAdd(property.Name, property.Value))
            {
                throw new RecordInputException(file, $"{Describe(path)} has the property \"{property.Name}\" twice.");
            }
        }

        return new JsonFields(file, path, properties);
    }

    public bool Has(string name) => _properties.TryGetValue(name, out JsonElement value) && value.ValueKind != JsonValueKind.Null;

    public JsonElement Required(string name)
    {
        if (!_properties.TryGetValue(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            throw Error(name, "is missing");
        }

        return value;
    }

    public JsonFields Object(string name) => Of(Required(name), File, Child(name));

    public JsonFields? OptionalObject(string name) => Has(name) ? Object(name) : null;

    public string String(string name)
    {
        JsonElement value = Required(name);
        return value.ValueKind == JsonValueKind.String ? value.GetString()! : throw Error(name, $"must be a string, found {value.ValueKind}");
    }

    public string? OptionalString(string name) => Has(name) ? String(name) : null;

    public int Int(string name)
    {
        JsonElement value = Required(name);
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int result)
            ? result
            : throw Error(name, $"must be a 32-bit integer, found {Show(value)}");
    }

    public int? OptionalInt(string name) => Has(name) ? Int(name) : null;

    public long Long(string name)
    {
        JsonElement value = Required(name);
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out long result)
            ? result
            : throw Error(name, $"must be an integer, found {Show(value)}");
    }

    public bool Bool(string name)
    {
        JsonElement value = Required(name);
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Error(name, $"must be true or false, found {Show(value)}"),
        };
    }

    public bool? OptionalBool(string name) => Has(name) ? Bool(name) : null;

    /// <summary>An array; each element handed to <paramref name="read"/> with its path.</summary>
    public IReadOnlyList<T> Array<T>(string name, Func<JsonElement, string, T> read)
    {
        JsonElement value = Required(name);
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw Error(name, $"must be an array, found {value.ValueKind}");
        }

        List<T> items = new(value.GetArrayLength());
        int index = 0;
        foreach (JsonElement item in value.EnumerateArray())
        {
            items.Add(read(item, $"{Child(name)}[{index}]"));
            index++;
        }

        return items;
    }

    /// <summary>An array of objects.</summary>
    public IReadOnlyList<T> Objects<T>(string name, Func<JsonFields, T> read)
    {
        string file = File;
        return Array(name, (item, path) => read(Of(item, file, path)));
    }

    /// <summary>An array of strings.</summary>
    public IReadOnlyList<string> Strings(string name)
    {
        string file = File;
        return Array(name, (item, path) => item.ValueKind == JsonValueKind.String
            ? item.GetString()!
            : throw new RecordInputException(file, $"{Describe(path)} must be a string."));
    }

    /// <summary>
    /// A non-negative integer written in hexadecimal, at most <paramref name="maxBytes"/> bytes long
    /// (leading zero digits allowed). Range checks against p or q are verification checks, not input errors.
    /// </summary>
    public BigInteger Hex(string name, int maxBytes)
    {
        byte[] bytes = HexBytes(name);
        int significant = bytes.Length - bytes.TakeWhile(b => b == 0).Count();
        if (significant > maxBytes)
        {
            throw Error(name, $"is {significant} bytes long; at most {maxBytes} are allowed");
        }

        return new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
    }

    /// <summary>Bytes written as hexadecimal digits (upper or lower case, even count).</summary>
    public byte[] HexBytes(string name)
    {
        string text = String(name);
        return TryParseHex(text, out byte[] bytes) ? bytes : throw Error(name, "is not hexadecimal (an even number of 0-9, A-F)");
    }

    /// <summary>Exactly 32 bytes written as 64 hexadecimal digits (a UInt256 of egk).</summary>
    public byte[] Hash(string name)
    {
        byte[] bytes = HexBytes(name);
        return bytes.Length == 32 ? bytes : throw Error(name, $"must be 32 bytes (64 hex digits), found {bytes.Length} bytes");
    }

    /// <summary>A byte array written as a JSON array of numbers 0..255 (egk's baux0).</summary>
    public byte[] ByteArray(string name)
    {
        string file = File;
        return [.. Array(name, (item, path) => item.ValueKind == JsonValueKind.Number && item.TryGetByte(out byte b)
            ? b
            : throw new RecordInputException(file, $"{Describe(path)} must be a byte (0..255)."))];
    }

    public RecordInputException Error(string name, string problem)
        => new(File, $"{Describe(Child(name))} {problem}.");

    public static bool TryParseHex(string text, out byte[] bytes)
    {
        bytes = [];
        if (text.Length % 2 != 0)
        {
            return false;
        }

        byte[] result = new byte[text.Length / 2];
        for (int i = 0; i < result.Length; i++)
        {
            if (!byte.TryParse(text.AsSpan(2 * i, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out result[i]))
            {
                return false;
            }
        }

        bytes = result;
        return true;
    }

    private string Child(string name) => Path.Length == 0 ? name : $"{Path}.{name}";

    private static string Describe(string path) => path.Length == 0 ? "the document" : $"field \"{path}\"";

    private static string Show(JsonElement value)
    {
        string text = value.GetRawText();
        return text.Length > 40 ? text[..40] + "…" : text;
    }
}
