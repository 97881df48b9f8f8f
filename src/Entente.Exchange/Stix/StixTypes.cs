using System.Collections.Frozen;
using System.Text.RegularExpressions;

namespace Entente.Exchange.Stix;

/// <summary>The STIX 2.1 object types this exchange knows, and how each is checked.</summary>
public static partial class StixTypes
{
    /// <summary>The types the unit exchanges (issue 7): SDOs, SROs and the marking definition.</summary>
    public static readonly FrozenSet<string> Exchanged = FrozenSet.ToFrozenSet(
    [
        "report", "incident", "indicator", "observed-data", "sighting", "note", "opinion",
        "relationship", "identity", "marking-definition",
    ], StringComparer.Ordinal);

    /// <summary>The three SDO types of Entente's request-for-assistance extension.</summary>
    public static readonly FrozenSet<string> Assistance = FrozenSet.ToFrozenSet(
    [
        AssistanceTypes.Request, AssistanceTypes.Acknowledgement, AssistanceTypes.Response,
    ], StringComparer.Ordinal);

    /// <summary>Every type with an official STIX 2.1 schema embedded in this library, mapped to the schema's path.</summary>
    internal static readonly FrozenDictionary<string, string> OfficialSchemaPaths = BuildOfficial();

    /// <summary>Cyber-observable types (SCOs): spec_version optional, no created/modified, UUIDv5 ids.</summary>
    public static bool IsObservable(string type) =>
        OfficialSchemaPaths.TryGetValue(type, out string? path) && path.StartsWith("observables/", StringComparison.Ordinal);

    /// <summary>True for a type with an official STIX 2.1 schema.</summary>
    public static bool IsOfficial(string type) => OfficialSchemaPaths.ContainsKey(type);

    /// <summary>A syntactically valid STIX type name (STIX 2.1 §2.9 / core.json: 3–250 chars, a–z, 0–9, hyphen).</summary>
    public static bool IsValidTypeName(string? type) =>
        type is not null && type.Length is >= 3 and <= 250 && TypeName().IsMatch(type);

    private static FrozenDictionary<string, string> BuildOfficial()
    {
        Dictionary<string, string> map = new(StringComparer.Ordinal);
        string[] sdos =
        [
            "attack-pattern", "campaign", "course-of-action", "grouping", "identity", "incident", "indicator",
            "infrastructure", "intrusion-set", "location", "malware-analysis", "malware", "note", "observed-data",
            "opinion", "report", "threat-actor", "tool", "vulnerability",
        ];
        string[] observables =
        [
            "artifact", "autonomous-system", "directory", "domain-name", "email-addr", "email-message", "file",
            "ipv4-addr", "ipv6-addr", "mac-addr", "mutex", "network-traffic", "process", "software", "url",
            "user-account", "windows-registry-key", "x509-certificate",
        ];
        foreach (string t in sdos)
        {
            map[t] = "sdos/" + t + ".json";
        }

        foreach (string t in observables)
        {
            map[t] = "observables/" + t + ".json";
        }

        map["relationship"] = "sros/relationship.json";
        map["sighting"] = "sros/sighting.json";
        map["marking-definition"] = "common/marking-definition.json";
        map["extension-definition"] = "common/extension-definition.json";
        map["language-content"] = "common/language-content.json";
        map["bundle"] = "common/bundle.json";
        return map.ToFrozenDictionary(StringComparer.Ordinal);
    }

    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex TypeName();
}

/// <summary>Type names of the Entente request-for-assistance extension (docs/exchange.md).</summary>
public static class AssistanceTypes
{
    /// <summary>A request for assistance: subject, evidence, severity, two deadlines, the addressee.</summary>
    public const string Request = "entente-assistance-request";

    /// <summary>The addressee's acknowledgement of a request.</summary>
    public const string Acknowledgement = "entente-assistance-ack";

    /// <summary>The addressee's answer, or its refusal with a reason.</summary>
    public const string Response = "entente-assistance-response";

    /// <summary>The extension-definition id under which the three types are declared (a fixed UUIDv4).</summary>
    public const string ExtensionDefinitionId = "extension-definition--2f1c4a53-8f61-4d0e-9a27-5b9c8e3d7a41";
}
