using System.Reflection;
using System.Text.Json;

namespace Entente.Exchange.Stix;

/// <summary>
/// The STIX 2.1 extension definition (§7.3, extension_type <c>new-sdo</c>) that declares the three
/// request-for-assistance types, and the identity of its author, as shipped in
/// <c>Schemas/entente/objects/</c>. Its JSON Schema is <c>Schemas/entente/&lt;extension id&gt;.json</c> (with one schema
/// per type). Every exported bundle carries both objects, so that a third-party validator finds the definition of
/// every custom type it meets.
/// </summary>
public static class AssistanceExtension
{
    /// <summary>Where the shipped STIX objects are, relative to the Schemas folder.</summary>
    internal const string ObjectsFolder = "entente/objects/";

    private static readonly Lazy<(StixObject Definition, StixObject Author)> Objects = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The extension-definition object (<see cref="AssistanceTypes.ExtensionDefinitionId"/>).</summary>
    public static StixObject Definition => Objects.Value.Definition;

    /// <summary>The identity object of the extension's author (its <c>created_by_ref</c>).</summary>
    public static StixObject Author => Objects.Value.Author;

    /// <summary>The <c>extensions</c> member a new-type object carries: <c>{ "&lt;extension id&gt;": { "extension_type": "new-sdo" } }</c>.</summary>
    public static System.Text.Json.Nodes.JsonObject Marker() => new()
    {
        [AssistanceTypes.ExtensionDefinitionId] = new System.Text.Json.Nodes.JsonObject { ["extension_type"] = "new-sdo" },
    };

    /// <summary>True when <paramref name="stixObject"/> names the extension with extension_type new-sdo.</summary>
    public static bool IsMarked(JsonElement stixObject) =>
        stixObject.ValueKind == JsonValueKind.Object
        && stixObject.TryGetProperty("extensions", out JsonElement extensions) && extensions.ValueKind == JsonValueKind.Object
        && extensions.TryGetProperty(AssistanceTypes.ExtensionDefinitionId, out JsonElement marker) && marker.ValueKind == JsonValueKind.Object
        && marker.TryGetProperty("extension_type", out JsonElement kind) && kind.ValueKind == JsonValueKind.String && kind.GetString() == "new-sdo";

    private static (StixObject, StixObject) Load()
    {
        Assembly assembly = typeof(AssistanceExtension).Assembly;
        StixObject Read(string file)
        {
            using Stream stream = assembly.GetManifestResourceStream("Entente.Exchange.Schemas." + ObjectsFolder + file)
                                  ?? throw new InvalidOperationException($"The shipped STIX object {file} is missing from the assembly.");
            using MemoryStream buffer = new();
            stream.CopyTo(buffer);
            return StixObject.Parse(buffer.ToArray());
        }

        return (Read(AssistanceTypes.ExtensionDefinitionId + ".json"), Read("entente-identity.json"));
    }
}
