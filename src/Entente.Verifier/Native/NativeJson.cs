using System.Globalization;
using System.Text;
using System.Text.Json;
using Entente.Verifier.Framework;

namespace Entente.Verifier.Native;

/// <summary>
/// Parses one file of a native record (docs/record-format.md §2; read through <see cref="RecordDirectory"/>,
/// which checks its type, location and size limit before reading it) and gives strict access to it: JSON without comments, trailing commas or duplicate members, and the
/// canonical form (the file is written again canonically and must be the same bytes). Every error is a
/// <see cref="RecordInputException"/> naming the file and, for a field, its JSON path.
/// </summary>
internal static class NativeJson
{
    /// <summary>Largest file a reader accepts (§2).</summary>
    public const long MaxFileBytes = 64L * 1024 * 1024;

    /// <summary>Largest manifest a reader accepts (§2).</summary>
    public const long MaxManifestBytes = 16L * 1024 * 1024;

    private static readonly JsonDocumentOptions Options = new()
    {
        MaxDepth = 32,
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowDuplicateProperties = false,
    };

    /// <summary>Parses canonical JSON bytes; the root must be an object.</summary>
    public static JsonDocument Parse(string file, byte[] bytes)
    {
        if (bytes.Length == 0)
        {
            throw new RecordInputException(file, "the file is empty.");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, Options);
        }
        catch (JsonException e)
        {
            string where = e.LineNumber is long line
                ? string.Create(CultureInfo.InvariantCulture, $" (line {line + 1}, byte {e.BytePositionInLine + 1})")
                : "";
            throw new RecordInputException(file, $"not valid JSON{where}: {e.Message}", e);
        }

        try
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new RecordInputException(file, "the top level must be a JSON object.");
            }

            // Compared as it is written, never built: a 64 MiB list costs no second copy of itself (or two, as UTF-16).
            CanonicalCheck canonical = new(bytes);
            Write(file, document.RootElement, canonical);
            if (canonical.FirstDifference() is int at)
            {
                throw new RecordInputException(file, string.Create(CultureInfo.InvariantCulture,
                    $"not in canonical form (docs/record-format.md §2: no whitespace, no trailing newline, only the required escapes, plain numbers); the bytes first differ at offset {at}."));
            }

            return document;
        }
        catch
        {
            document.Dispose();
            throw;
        }
    }

    private static void Write(string file, JsonElement element, CanonicalCheck text)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                text.Append('{');
                bool first = true;
                foreach (JsonProperty property in element.EnumerateObject())
                {
                    if (!first)
                    {
                        text.Append(',');
                    }

                    first = false;
                    WriteString(file, property.Name, text);
                    text.Append(':');
                    Write(file, property.Value, text);
                }

                text.Append('}');
                break;
            case JsonValueKind.Array:
                text.Append('[');
                int n = 0;
                foreach (JsonElement item in element.EnumerateArray())
                {
                    if (n++ > 0)
                    {
                        text.Append(',');
                    }

                    Write(file, item, text);
                }

                text.Append(']');
                break;
            case JsonValueKind.String:
                string value;
                try
                {
                    value = element.GetString()!;
                }
                catch (InvalidOperationException e)
                {
                    throw new RecordInputException(file, "a string is not valid UTF-16 (unpaired surrogate escape).", e);
                }

                WriteString(file, value, text);
                break;
            default:
                // Numbers and literals are kept as written; the typed reader decides what it accepts.
                text.Append(element.GetRawText());
                break;
        }
    }

    private static void WriteString(string file, string value, CanonicalCheck text)
    {
        text.Append('"');
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (char.IsHighSurrogate(c) && (i + 1 >= value.Length || !char.IsLowSurrogate(value[i + 1])))
            {
                throw new RecordInputException(file, "a string holds an unpaired surrogate.");
            }

            if (char.IsLowSurrogate(c) && (i == 0 || !char.IsHighSurrogate(value[i - 1])))
            {
                throw new RecordInputException(file, "a string holds an unpaired surrogate.");
            }

            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\b': text.Append("\\b"); break;
                case '\f': text.Append("\\f"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                default:
                    if (c < 0x20)
                    {
                        text.Append("\\u00");
                        text.Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        text.Append(c);
                    }

                    break;
            }
        }

        text.Append('"');
    }
}

/// <summary>
/// The canonical form of a file compared with the file's bytes as it is written (UTF-8), so that checking a large file
/// allocates nothing in proportion to it. Remembers where the two first differ.
/// </summary>
internal sealed class CanonicalCheck(byte[] expected)
{
    private int _offset;
    private int? _difference;
    private char _high;

    public void Append(char c)
    {
        if (char.IsHighSurrogate(c))
        {
            _high = c; // the writer checked it is followed by its low surrogate
            return;
        }

        Span<char> chars = [_high, c];
        Compare(_high != 0 ? chars : chars[1..]);
        _high = '\0';
    }

    public void Append(string text)
    {
        foreach (char c in text)
        {
            Append(c);
        }
    }

    /// <summary>Where the canonical form and the bytes first differ, or null when they are the same bytes.</summary>
    public int? FirstDifference() => _difference ?? (_offset != expected.Length ? _offset : null);

    private void Compare(ReadOnlySpan<char> chars)
    {
        if (_difference is not null)
        {
            return;
        }

        Span<byte> encoded = stackalloc byte[8];
        int length = Encoding.UTF8.GetBytes(chars, encoded);
        ReadOnlySpan<byte> actual = expected.AsSpan(_offset, Math.Min(length, expected.Length - _offset));
        int common = encoded[..length].CommonPrefixLength(actual);
        if (common < length)
        {
            _difference = _offset + common;
            return;
        }

        _offset += length;
    }
}

/// <summary>
/// One JSON object of a native record file, read member by member in the order docs/record-format.md
/// lists them: a member out of order, an unknown member or a missing required member is an input
/// error naming the file and the JSON path.
/// </summary>
internal sealed class NObject
{
    private readonly List<JsonProperty> _members;
    private int _next;

    private NObject(string file, string path, List<JsonProperty> members)
    {
        File = file;
        Path = path;
        _members = members;
    }

    public string File { get; }

    public string Path { get; }

    public static NObject Of(string file, string path, JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new RecordInputException(file, $"{Describe(path)} must be a JSON object, found {element.ValueKind}.");
        }

        return new NObject(file, path, [.. element.EnumerateObject()]);
    }

    /// <summary>The next member, which must be <paramref name="name"/>.</summary>
    public JsonElement Required(string name)
        => Optional(name) ?? throw Error(name, $"is missing (or out of order; members follow docs/record-format.md){Found()}");

    /// <summary>The next member if it is <paramref name="name"/>, else null (an absent optional member).</summary>
    public JsonElement? Optional(string name)
    {
        if (_next < _members.Count && _members[_next].NameEquals(name))
        {
            return _members[_next++].Value;
        }

        return null;
    }

    /// <summary>Refuses members left over (unknown or out of order).</summary>
    public void End()
    {
        if (_next < _members.Count)
        {
            throw new RecordInputException(File, $"{Describe(Path)} has the unknown or misplaced member \"{_members[_next].Name}\".");
        }
    }

    public string Child(string name) => Path.Length == 0 ? name : $"{Path}.{name}";

    public RecordInputException Error(string name, string problem) => new(File, $"{Child(name)} {problem}.");

    public NObject Object(string name) => Of(File, Child(name), Required(name));

    public string String(string name) => StringValue(File, Child(name), Required(name));

    public string? OptionalString(string name) => Optional(name) is JsonElement e ? StringValue(File, Child(name), e) : null;

    public int Int(string name) => (int)Number(File, Child(name), Required(name), int.MaxValue);

    public int? OptionalInt(string name) => Optional(name) is JsonElement e ? (int)Number(File, Child(name), e, int.MaxValue) : null;

    public long Long(string name) => Number(File, Child(name), Required(name), (1L << 53) - 1);

    public byte[] Hex(string name, int bytes) => HexValue(File, Child(name), Required(name), bytes);

    public byte[] Hash(string name) => Hex(name, 32);

    public byte[]? OptionalHash(string name) => Optional(name) is JsonElement e ? HexValue(File, Child(name), e, 32) : null;

    /// <summary>A hex string of any whole number of bytes (length fixed by the caller's later checks).</summary>
    public byte[] HexAnyLength(string name) => HexValue(File, Child(name), Required(name), -1);

    public IReadOnlyList<T> Array<T>(string name, Func<JsonElement, string, T> read) => ArrayOf(name, Required(name), read);

    /// <summary>The next member's array if it is <paramref name="name"/>, else null (an absent optional member).</summary>
    public IReadOnlyList<T>? OptionalArray<T>(string name, Func<JsonElement, string, T> read)
        => Optional(name) is JsonElement e ? ArrayOf(name, e, read) : null;

    private List<T> ArrayOf<T>(string name, JsonElement value, Func<JsonElement, string, T> read)
    {
        string path = Child(name);
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw new RecordInputException(File, $"{path} must be a JSON array, found {value.ValueKind}.");
        }

        List<T> items = [];
        int i = 0;
        foreach (JsonElement item in value.EnumerateArray())
        {
            items.Add(read(item, string.Create(CultureInfo.InvariantCulture, $"{path}[{i++}]")));
        }

        return items;
    }

    public static string StringValue(string file, string path, JsonElement value)
        => value.ValueKind == JsonValueKind.String ? value.GetString()! : throw new RecordInputException(file, $"{path} must be a string, found {value.ValueKind}.");

    public static long Number(string file, string path, JsonElement value, long max)
    {
        if (value.ValueKind != JsonValueKind.Number)
        {
            throw new RecordInputException(file, $"{path} must be a number, found {value.ValueKind}.");
        }

        string raw = value.GetRawText();
        bool plain = raw.Length > 0 && raw.All(char.IsAsciiDigit) && (raw == "0" || raw[0] != '0');
        if (!plain || !long.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out long result) || result > max)
        {
            throw new RecordInputException(file, string.Create(CultureInfo.InvariantCulture, $"{path} must be a plain decimal integer from 0 to {max}, found {raw}."));
        }

        return result;
    }

    /// <summary>Uppercase hex of exactly <paramref name="bytes"/> bytes (any whole number of bytes when negative).</summary>
    public static byte[] HexValue(string file, string path, JsonElement value, int bytes)
    {
        string text = StringValue(file, path, value);
        if (bytes >= 0 && text.Length != 2 * bytes)
        {
            throw new RecordInputException(file, string.Create(CultureInfo.InvariantCulture, $"{path} must be {2 * bytes} hexadecimal digits, found {text.Length}."));
        }

        if (text.Length % 2 != 0 || !text.All(c => char.IsAsciiDigit(c) || c is >= 'A' and <= 'F'))
        {
            throw new RecordInputException(file, $"{path} must be uppercase hexadecimal digits (an even number of them).");
        }

        return Convert.FromHexString(text);
    }

    private string Found() => _next < _members.Count ? $"; found \"{_members[_next].Name}\" here" : "";

    private static string Describe(string path) => path.Length == 0 ? "the top level" : path;
}
