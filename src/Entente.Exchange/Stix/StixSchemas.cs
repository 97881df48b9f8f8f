using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using Json.Schema;

namespace Entente.Exchange.Stix;

/// <summary>
/// The official STIX 2.1 JSON Schemas (embedded, unchanged; Schemas/README.md names source and
/// licence) and Entente's own request-for-assistance schemas, built once into a private registry so
/// that nothing is ever fetched from the network.
/// </summary>
internal static class StixSchemas
{
    private const string OfficialBase = "http://raw.githubusercontent.com/oasis-open/cti-stix2-json-schemas/stix2.1/schemas/";
    private const string ResourcePrefix = "Entente.Exchange.Schemas.";

    private static readonly Lazy<Loaded> Instance = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    private sealed record Loaded(BuildOptions Options, ConcurrentDictionary<string, JsonSchema> ByPath);

    /// <summary>The evaluation options: hierarchical output, so that errors of failed branches under a passing anyOf can be ignored.</summary>
    public static EvaluationOptions Evaluation { get; } = new() { OutputFormat = OutputFormat.Hierarchical };

    /// <summary>The schema at <paramref name="path"/> relative to the official schemas folder (e.g. <c>sdos/note.json</c>), or <c>entente/…</c>.</summary>
    public static JsonSchema Get(string path)
    {
        Loaded loaded = Instance.Value;
        return loaded.ByPath.TryGetValue(path, out JsonSchema? schema)
            ? schema
            : throw new KeyNotFoundException($"No embedded schema {path}.");
    }

    private static Loaded Load()
    {
        Assembly assembly = typeof(StixSchemas).Assembly;
        BuildOptions options = new() { SchemaRegistry = new SchemaRegistry() };
        List<(string Path, string Text)> documents = [];
        foreach (string name in assembly.GetManifestResourceNames())
        {
            if (!name.StartsWith(ResourcePrefix, StringComparison.Ordinal) || !name.EndsWith(".json", StringComparison.Ordinal))
            {
                continue;
            }

            // LogicalName keeps the folder: "Entente.Exchange.Schemas.stix21/sdos/note.json".
            string relative = name[ResourcePrefix.Length..].Replace('\\', '/');
            if (relative.StartsWith(AssistanceExtension.ObjectsFolder, StringComparison.Ordinal))
            {
                continue; // STIX objects shipped with the schemas (the extension definition), not schemas
            }

            string path = relative.StartsWith("stix21/", StringComparison.Ordinal) ? relative["stix21/".Length..] : relative;
            using Stream stream = assembly.GetManifestResourceStream(name)!;
            using StreamReader reader = new(stream);
            documents.Add((path, reader.ReadToEnd()));
        }

        // Register every document first so $ref between them resolves inside the private registry.
        ConcurrentDictionary<string, JsonSchema> byPath = new(StringComparer.Ordinal);
        List<(string Path, string Text)> pending = documents;
        for (int round = 0; pending.Count > 0; round++)
        {
            List<(string Path, string Text)> failed = [];
            Exception? last = null;
            foreach ((string path, string text) in pending)
            {
                try
                {
                    Uri baseUri = new(path.StartsWith("entente/", StringComparison.Ordinal)
                        ? "https://entente.invalid/schemas/" + path
                        : OfficialBase + path);
                    byPath[path] = JsonSchema.FromText(text, options, baseUri);
                }
                catch (Exception e) when (e is JsonSchemaException or RefResolutionException or InvalidOperationException)
                {
                    failed.Add((path, text));
                    last = e;
                }
            }

            if (failed.Count == pending.Count || round > 10)
            {
                throw new InvalidOperationException($"Embedded STIX schemas do not build: {failed[0].Path}: {last?.Message}", last);
            }

            pending = failed;
        }

        return new Loaded(options, byPath);
    }

    /// <summary>Evaluates <paramref name="instance"/> against the schema at <paramref name="path"/>.</summary>
    public static EvaluationResults Evaluate(string path, JsonElement instance) => Get(path).Evaluate(instance, Evaluation);
}
