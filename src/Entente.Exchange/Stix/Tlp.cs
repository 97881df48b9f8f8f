using System.Collections.Frozen;

namespace Entente.Exchange.Stix;

/// <summary>
/// Traffic Light Protocol 2.0 marking definitions: the OASIS-published STIX extension
/// <c>extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d</c> (cti-stix-common-objects, tlp-2.0),
/// whose five marking-definition ids are fixed. Objects refer to them in <c>object_marking_refs</c>.
/// </summary>
public static class Tlp
{
    /// <summary>The TLP 2.0 extension definition.</summary>
    public const string ExtensionDefinitionId = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";

    /// <summary>TLP:CLEAR.</summary>
    public const string Clear = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487";

    /// <summary>TLP:GREEN.</summary>
    public const string Green = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";

    /// <summary>TLP:AMBER.</summary>
    public const string Amber = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421";

    /// <summary>TLP:AMBER+STRICT.</summary>
    public const string AmberStrict = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003";

    /// <summary>TLP:RED.</summary>
    public const string Red = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";

    /// <summary>The TLP 2.0 level ("clear", "green", "amber", "amber+strict", "red") of each marking id.</summary>
    public static readonly FrozenDictionary<string, string> Levels = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [Clear] = "clear",
        [Green] = "green",
        [Amber] = "amber",
        [AmberStrict] = "amber+strict",
        [Red] = "red",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The TLP 2.0 levels found in an object's <c>object_marking_refs</c>, in order.</summary>
    public static IReadOnlyList<string> LevelsOf(StixObject stixObject)
    {
        ArgumentNullException.ThrowIfNull(stixObject);
        List<string> levels = [];
        if (stixObject.Json.TryGetProperty("object_marking_refs", out System.Text.Json.JsonElement refs) && refs.ValueKind == System.Text.Json.JsonValueKind.Array)
        {
            foreach (System.Text.Json.JsonElement r in refs.EnumerateArray())
            {
                if (r.ValueKind == System.Text.Json.JsonValueKind.String && Levels.TryGetValue(r.GetString()!, out string? level))
                {
                    levels.Add(level);
                }
            }
        }

        return levels;
    }
}
