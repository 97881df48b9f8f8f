using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;

namespace Entente.Testing.Properties;

/// <summary>The kinds of change <see cref="JsonMutations"/> makes to a JSON document.</summary>
public enum JsonMutationKind
{
    /// <summary>Replace a value by a special one (another type, an extreme number, a lone surrogate, deep nesting…).</summary>
    ReplaceValue,

    /// <summary>Change a string a little (hex case, one character more or less, white space around it).</summary>
    TweakString,

    /// <summary>Add or subtract a little from an integer, or make it extreme.</summary>
    TweakNumber,

    /// <summary>Remove a member of an object.</summary>
    RemoveMember,

    /// <summary>Repeat a member of an object (same name twice).</summary>
    DuplicateMember,

    /// <summary>Add a member that the format does not know.</summary>
    AddMember,

    /// <summary>Rename a member.</summary>
    RenameMember,

    /// <summary>Remove an item of an array.</summary>
    RemoveItem,

    /// <summary>Repeat an item of an array.</summary>
    DuplicateItem,

    /// <summary>Swap two items of an array or reorder two members.</summary>
    Reorder,
}

/// <summary>One JSON change: which node (pre-order index, modulo the count) and which variant.</summary>
/// <param name="Kind">What to do.</param>
/// <param name="Node">The node (pre-order index modulo the number of nodes).</param>
/// <param name="Choice">Which variant.</param>
public readonly record struct JsonMutation(JsonMutationKind Kind, uint Node, int Choice)
{
    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"json:{Kind}@{Node}/{Choice}");
}

/// <summary>
/// Structure-aware mutations of JSON documents, for the parsers of JSON formats: values replaced by other types or
/// extreme numbers, members removed, repeated, added or renamed, items removed or repeated. The mutated document
/// is written compactly, so what the parser sees differs from the valid one only where the mutation acted.
/// </summary>
public static class JsonMutations
{
    // Raw JSON texts that JsonNode cannot hold; they are spliced in through placeholder strings.
    private static readonly string[] RawValues =
    [
        "null", "true", "false", "0", "-1", "1.5", "-0", "1.0", "1e400", "9223372036854775808", "2147483648", "1E2", "\"\"",
        "\"x\"", "\"\\ud800\"", "\"\\udc00x\"", "\"\\u0000\"", "\"\\ud83d\\ude00\"", "[]", "{}", "[null]", "[{}]", "[[]]",
        new string('[', 40) + new string(']', 40), "\"" + new string('A', 5000) + "\"", "-9223372036854775809",
        "99999999999999999999999999999999", "\"1\"", "\"2016-01-20T12:31:12.123Z\"",
        "\"identity--00000000-0000-4000-8000-000000000000\"", "\"2016-02-30T12:00:00Z\"", "0.0000001", "\"\\\"\"",
    ];

    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>One random JSON mutation.</summary>
    public static Gen<JsonMutation> One { get; } = Gen.Select(
        Gen.Int[0, Enum.GetValues<JsonMutationKind>().Length - 1], Gen.UInt[0, 4096], Gen.Int[0, 1023],
        (kind, node, choice) => new JsonMutation((JsonMutationKind)kind, node, choice));

    /// <summary>
    /// Inputs for a parser of JSON <paramref name="valid"/> documents: valid ones, structure-aware mutations, byte-level
    /// mutations (<see cref="Mutations"/>), both, random bytes and token soup.
    /// </summary>
    public static Gen<FuzzInput> Of(Gen<byte[]> valid)
    {
        ArgumentNullException.ThrowIfNull(valid);
        return Gen.Frequency(
            (2, valid.Select(v => new FuzzInput("valid", v, v))),
            (10, Gen.Select(valid, One.Array[1, 3], (v, m) => new FuzzInput("valid + " + string.Join(" ", m), Apply(v, m), v))),
            (6, Gen.Select(valid, Mutations.Some(3), (v, m) => new FuzzInput("valid + " + string.Join(" ", m), Mutations.Apply(v, m), v))),
            (2, Gen.Select(valid, One.Array[1, 2], Mutations.Some(2),
                (v, j, m) => new FuzzInput("valid + " + string.Join(" ", j) + " " + string.Join(" ", m), Mutations.Apply(Apply(v, j), m), v))),
            (1, Mutations.RandomBytes),
            (1, Mutations.TokenSoup));
    }

    /// <summary>Applies <paramref name="mutations"/>; input that is not JSON is returned unchanged.</summary>
    public static byte[] Apply(byte[] json, IEnumerable<JsonMutation> mutations)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(mutations);
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { MaxDepth = 256 });
        }
        catch (JsonException)
        {
            return json;
        }

        if (root is null)
        {
            return json;
        }

        Dictionary<string, string> raw = [];
        foreach (JsonMutation m in mutations)
        {
            root = Apply(root, m, raw);
        }

        string text = root.ToJsonString(Compact);
        foreach ((string placeholder, string value) in raw)
        {
            text = text.Replace(placeholder, value, StringComparison.Ordinal);
        }

        return Encoding.UTF8.GetBytes(text);
    }

    private static JsonNode Apply(JsonNode root, JsonMutation m, Dictionary<string, string> raw)
    {
        List<JsonNode> nodes = [];
        Collect(root, nodes);
        JsonNode node = nodes[(int)(m.Node % (uint)nodes.Count)];
        JsonNode? parent = node.Parent;
        switch (m.Kind)
        {
            case JsonMutationKind.ReplaceValue:
                return Replace(root, node, Placeholder(raw, RawValues[m.Choice % RawValues.Length]));
            case JsonMutationKind.TweakString when node is JsonValue v && v.TryGetValue(out string? s):
                return Replace(root, node, JsonValue.Create(TweakString(s, m.Choice)));
            case JsonMutationKind.TweakNumber when node is JsonValue v && v.TryGetValue(out long n):
                string tweaked = (m.Choice % 6) switch
                {
                    0 => (n + 1).ToString(CultureInfo.InvariantCulture),
                    1 => (n - 1).ToString(CultureInfo.InvariantCulture),
                    2 => "-" + n.ToString(CultureInfo.InvariantCulture),
                    3 => n.ToString(CultureInfo.InvariantCulture) + ".0",
                    4 => "0" + n.ToString(CultureInfo.InvariantCulture),
                    _ => Mutations.ExtremeNumbers[(m.Choice / 6) % Mutations.ExtremeNumbers.Length],
                };
                return Replace(root, node, Placeholder(raw, tweaked));
            case JsonMutationKind.RemoveMember when parent is JsonObject o:
                o.Remove(node.GetPropertyName());
                return root;
            case JsonMutationKind.DuplicateMember when parent is JsonObject o:
                // JsonObject holds each name once: the copy gets a placeholder name, replaced in the text.
                string name = node.GetPropertyName();
                string key = "\u0001dup" + raw.Count.ToString(CultureInfo.InvariantCulture);
                raw["\"\\u0001dup" + raw.Count.ToString(CultureInfo.InvariantCulture) + "\""] = JsonSerializer.Serialize(name, Compact);
                o.Add(key, node.DeepClone());
                return root;
            case JsonMutationKind.AddMember when node is JsonObject o:
                string added = (m.Choice % 4) switch { 0 => "x_unknown", 1 => "", 2 => "Id", _ => "\u00e9" };
                if (!o.ContainsKey(added))
                {
                    o.Add(added, Placeholder(raw, RawValues[(m.Choice / 4) % RawValues.Length]));
                }

                return root;
            case JsonMutationKind.RenameMember when parent is JsonObject o:
                string old = node.GetPropertyName();
                string renamed = (m.Choice % 3) switch { 0 => old + "_", 1 => old.ToUpperInvariant(), _ => " " + old };
                if (!o.ContainsKey(renamed))
                {
                    int index = o.IndexOf(old);
                    o.RemoveAt(index);
                    o.Insert(index, renamed, node);
                }

                return root;
            case JsonMutationKind.RemoveItem when parent is JsonArray a:
                a.Remove(node);
                return root;
            case JsonMutationKind.DuplicateItem when parent is JsonArray a:
                a.Insert(a.IndexOf(node), node.DeepClone());
                return root;
            case JsonMutationKind.Reorder when parent is JsonArray a && a.Count > 1:
                int i = a.IndexOf(node);
                int j = (i + 1 + (m.Choice % (a.Count - 1))) % a.Count;
                JsonNode? first = a[i];
                JsonNode? second = a[j];
                a[i] = null;
                a[j] = null;
                a[i] = second;
                a[j] = first;
                return root;
            case JsonMutationKind.Reorder when parent is JsonObject o && o.Count > 1:
                string member = node.GetPropertyName();
                o.Remove(member);
                o.Insert(m.Choice % (o.Count + 1), member, node);
                return root;
            default:
                return root;
        }
    }

    private static string TweakString(string s, int choice)
    {
        bool hex = s.Length > 0 && s.All(Uri.IsHexDigit);
        return (choice % 9) switch
        {
            0 when hex => s.Any(char.IsAsciiLetterUpper) ? s.ToLowerInvariant() : s.ToUpperInvariant(),
            1 => s + (hex ? "0" : "x"),
            2 when s.Length > 0 => s[..^1],
            3 => " " + s,
            4 => s + " ",
            5 when s.Length > 0 => s[1..],
            6 => s + "\u00e9",
            7 => s.Replace('-', '_'),
            _ => (hex ? "00" : "") + s,
        };
    }

    private static JsonValue Placeholder(Dictionary<string, string> raw, string value)
    {
        string key = "\u0002raw" + raw.Count.ToString(CultureInfo.InvariantCulture);
        raw["\"\\u0002raw" + raw.Count.ToString(CultureInfo.InvariantCulture) + "\""] = value;
        return JsonValue.Create(key);
    }

    private static JsonNode Replace(JsonNode root, JsonNode node, JsonNode replacement)
    {
        switch (node.Parent)
        {
            case null:
                return replacement;
            case JsonObject o:
                o[node.GetPropertyName()] = replacement;
                return root;
            case JsonArray a:
                a[a.IndexOf(node)] = replacement;
                return root;
            default:
                return root;
        }
    }

    private static void Collect(JsonNode? node, List<JsonNode> nodes)
    {
        if (node is null)
        {
            return;
        }

        nodes.Add(node);
        switch (node)
        {
            case JsonObject o:
                foreach (KeyValuePair<string, JsonNode?> member in o.ToList())
                {
                    Collect(member.Value, nodes);
                }

                break;
            case JsonArray a:
                foreach (JsonNode? item in a.ToList())
                {
                    Collect(item, nodes);
                }

                break;
            default:
                break;
        }
    }
}
