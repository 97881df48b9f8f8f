using System.Text.Json;
using System.Text.RegularExpressions;
using Json.Schema;

namespace Entente.Exchange.Tests;

/// <summary>
/// What the OASIS STIX 2.1 validator (oasis-open/cti-stix-validator, stix2validator/validator.py, v21/musts.py and
/// v21/shoulds.py) checks on a bundle, reproduced for our exports independently of the library's validator: the
/// official JSON Schemas read from disk (each object against its type's schema; a type without one against the
/// common core, plus the schema named by each extension-definition id it carries, as the validator's --schemas
/// folder works), judged by the evaluator's verdict alone; and the checks that apply to what we export: UUIDv4 ids
/// (v5 for cyber-observables), custom types only through a new-sdo/new-sco/new-sro extension ("extensions-use"), an
/// extension definition with a description, each extension a bundle uses defined in the bundle, modified ≥ created,
/// no duplicate (id, modified). "Strict": every warning is an error.
/// </summary>
internal static partial class OasisStixChecks
{
    private const string OfficialBase = "http://raw.githubusercontent.com/oasis-open/cti-stix2-json-schemas/stix2.1/schemas/";
    private static readonly Lazy<Dictionary<string, JsonSchema>> Schemas = new(Load);

    /// <summary>Every problem of <paramref name="bundle"/>, one line each; empty means it passes.</summary>
    public static List<string> Check(JsonElement bundle)
    {
        List<string> problems = [];
        if (bundle.GetProperty("type").GetString() != "bundle" || !IsUuid(bundle.GetProperty("id").GetString()!, "bundle", 4))
        {
            problems.Add("bundle: type must be bundle and id bundle--UUIDv4");
        }

        JsonElement objects = bundle.GetProperty("objects");
        if (objects.GetArrayLength() == 0)
        {
            problems.Add("bundle: objects must not be empty");
        }

        HashSet<string> definitions = [.. objects.EnumerateArray().Where(o => o.GetProperty("type").GetString() == "extension-definition").Select(o => o.GetProperty("id").GetString()!)];
        HashSet<(string, string)> versions = [];
        foreach (JsonElement o in objects.EnumerateArray())
        {
            string id = o.GetProperty("id").GetString()!;
            string type = o.GetProperty("type").GetString()!;
            bool observable = !o.TryGetProperty("created", out _) && type != "marking-definition";
            string? schemaFile = Official(type);
            foreach (string file in schemaFile is null ? [observable ? "common/cyber-observable-core.json" : "common/core.json"] : new[] { schemaFile })
            {
                if (!Schemas.Value[file].Evaluate(o).IsValid)
                {
                    problems.Add($"{id}: not valid under {file}");
                }
            }

            if (o.TryGetProperty("extensions", out JsonElement extensions))
            {
                foreach (JsonProperty extension in extensions.EnumerateObject().Where(e => e.Name.StartsWith("extension-definition--", StringComparison.Ordinal)))
                {
                    if (!definitions.Contains(extension.Name))
                    {
                        problems.Add($"{id}: extension {extension.Name} is not defined in the bundle");
                    }

                    if (Schemas.Value.TryGetValue("entente/" + extension.Name + ".json", out JsonSchema? own) && !own.Evaluate(o).IsValid)
                    {
                        problems.Add($"{id}: not valid under the schema of {extension.Name}");
                    }
                }
            }

            if (schemaFile is null && !UsesNewType(o))
            {
                problems.Add($"{id}: custom type {type} not implemented through an extension of type new-sdo/new-sco/new-sro (extensions-use)");
            }

            if (!IsUuid(id, type, observable ? 5 : 4))
            {
                problems.Add($"{id}: not {type}--UUIDv{(observable ? 5 : 4)} (uuid-check)");
            }

            if (type == "extension-definition" && !o.TryGetProperty("description", out _))
            {
                problems.Add($"{id}: an extension definition should have a description (extension-description)");
            }

            if (o.TryGetProperty("created", out JsonElement created) && o.TryGetProperty("modified", out JsonElement modified)
                && DateTimeOffset.Parse(modified.GetString()!, System.Globalization.CultureInfo.InvariantCulture) < DateTimeOffset.Parse(created.GetString()!, System.Globalization.CultureInfo.InvariantCulture))
            {
                problems.Add($"{id}: modified is earlier than created");
            }

            if (o.TryGetProperty("modified", out JsonElement m) && !versions.Add((id, m.GetString()!)))
            {
                problems.Add($"{id}: duplicate id with the same modified (duplicate-ids)");
            }
        }

        return problems;
    }

    private static string? Official(string type)
    {
        foreach (string folder in new[] { "sdos", "sros", "observables", "common" })
        {
            string path = folder + "/" + type + ".json";
            if (Schemas.Value.ContainsKey(path) && !(folder == "common" && type is "core" or "cyber-observable-core" or "properties"))
            {
                return path;
            }
        }

        return null;
    }

    private static bool UsesNewType(JsonElement o) =>
        o.TryGetProperty("extensions", out JsonElement extensions) && extensions.EnumerateObject().Any(e =>
            e.Value.ValueKind == JsonValueKind.Object && e.Value.TryGetProperty("extension_type", out JsonElement kind)
            && kind.GetString() is "new-sdo" or "new-sco" or "new-sro");

    private static bool IsUuid(string id, string type, int version)
    {
        Match match = TypedUuid().Match(id);
        return match.Success && match.Groups[1].Value == type && Guid.TryParse(match.Groups[2].Value, out Guid guid) && guid.Version == version;
    }

    private static Dictionary<string, JsonSchema> Load()
    {
        string root = Path.Combine(AppContext.BaseDirectory, "schemas");
        BuildOptions options = new() { SchemaRegistry = new SchemaRegistry() };
        List<(string Path, string Text)> pending = [];
        foreach (string file in Directory.EnumerateFiles(root, "*.json", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(root, file).Replace('\\', '/');
            if (!relative.Contains("/objects/", StringComparison.Ordinal) && !relative.Contains("/legacy/", StringComparison.Ordinal))
            {
                pending.Add((relative.StartsWith("stix21/", StringComparison.Ordinal) ? relative["stix21/".Length..] : relative, File.ReadAllText(file)));
            }
        }

        Dictionary<string, JsonSchema> schemas = new(StringComparer.Ordinal);
        for (int round = 0; pending.Count > 0 && round < 10; round++)
        {
            List<(string Path, string Text)> failed = [];
            foreach ((string path, string text) in pending)
            {
                try
                {
                    Uri baseUri = new(path.StartsWith("entente/", StringComparison.Ordinal) ? "https://entente.invalid/schemas/" + path : OfficialBase + path);
                    schemas[path] = JsonSchema.FromText(text, options, baseUri);
                }
                catch (Exception e) when (e is JsonSchemaException or RefResolutionException or InvalidOperationException)
                {
                    failed.Add((path, text));
                }
            }

            pending = failed;
        }

        Assert.Empty(pending);
        return schemas;
    }

    [GeneratedRegex("^([a-z0-9-]+)--([0-9a-f-]{36})$")]
    private static partial Regex TypedUuid();
}
