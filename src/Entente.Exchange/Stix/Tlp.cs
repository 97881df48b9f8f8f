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

    /// <summary>TLP 1.0 WHITE (STIX 2.1 §7.2.1.4).</summary>
    public const string V1White = "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9";

    /// <summary>TLP 1.0 GREEN (STIX 2.1 §7.2.1.4).</summary>
    public const string V1Green = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da";

    /// <summary>TLP 1.0 AMBER (STIX 2.1 §7.2.1.4).</summary>
    public const string V1Amber = "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82";

    /// <summary>TLP 1.0 RED (STIX 2.1 §7.2.1.4).</summary>
    public const string V1Red = "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed";

    /// <summary>The level of every TLP marking (2.0 and 1.0; 1.0 WHITE reads as "clear"), by marking id.</summary>
    private static readonly FrozenDictionary<string, string> AnyVersion = new Dictionary<string, string>(Levels, StringComparer.Ordinal)
    {
        [V1White] = "clear",
        [V1Green] = "green",
        [V1Amber] = "amber",
        [V1Red] = "red",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly string[] Order = ["clear", "green", "amber", "amber+strict", "red"];

    /// <summary>
    /// The most restrictive TLP level (2.0 or 1.0) that applies to any part of the object: its
    /// <c>object_marking_refs</c> and the <c>marking_ref</c> of each granular marking (a part that may not leave its
    /// readers keeps the whole object with them). Null when the object carries no TLP marking.
    /// </summary>
    public static string? MostRestrictive(StixObject stixObject)
    {
        ArgumentNullException.ThrowIfNull(stixObject);
        int worst = -1;
        void Consider(System.Text.Json.JsonElement reference)
        {
            if (reference.ValueKind == System.Text.Json.JsonValueKind.String && AnyVersion.TryGetValue(reference.GetString()!, out string? level))
            {
                worst = Math.Max(worst, Array.IndexOf(Order, level));
            }
        }

        System.Text.Json.JsonElement json = stixObject.Json;
        if (json.TryGetProperty("object_marking_refs", out System.Text.Json.JsonElement refs) && refs.ValueKind == System.Text.Json.JsonValueKind.Array)
        {
            foreach (System.Text.Json.JsonElement r in refs.EnumerateArray())
            {
                Consider(r);
            }
        }

        if (json.TryGetProperty("granular_markings", out System.Text.Json.JsonElement granular) && granular.ValueKind == System.Text.Json.JsonValueKind.Array)
        {
            foreach (System.Text.Json.JsonElement marking in granular.EnumerateArray())
            {
                if (marking.ValueKind == System.Text.Json.JsonValueKind.Object && marking.TryGetProperty("marking_ref", out System.Text.Json.JsonElement r))
                {
                    Consider(r);
                }
            }
        }

        return worst < 0 ? null : Order[worst];
    }

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
