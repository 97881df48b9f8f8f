using System.Text.Json;
using System.Text.RegularExpressions;
using Json.Schema;

namespace Entente.Exchange.Stix;

/// <summary>One reason an object is not valid STIX 2.1, naming the object and the property.</summary>
/// <param name="ObjectId">The object's id (or its position in a bundle when it has none).</param>
/// <param name="Property">The property concerned, as a JSON path from the object (<c>modified</c>, <c>kill_chain_phases[0].phase_name</c>), or "" for the whole object.</param>
/// <param name="Message">What is wrong.</param>
/// <param name="Rule">Where the rule comes from: <c>schema:&lt;file&gt;</c> or a spec section such as <c>STIX 2.1 §3.2</c>.</param>
public sealed record StixValidationError(string ObjectId, string Property, string Message, string Rule)
{
    /// <inheritdoc />
    public override string ToString() =>
        Property.Length == 0 ? $"{ObjectId}: {Message} [{Rule}]" : $"{ObjectId}: property '{Property}': {Message} [{Rule}]";
}

/// <summary>How strict validation is about types outside the official STIX 2.1 set.</summary>
/// <param name="AllowCustomObjects">Accept object types that have no schema here (checked against the common core schema only).</param>
public sealed record StixValidationPolicy(bool AllowCustomObjects)
{
    /// <summary>
    /// Accept requests for assistance in their pre-extension form (<c>severity</c>, no extension marker), which is not
    /// valid STIX 2.1; only for hosts written before the extension (<see cref="ExchangeOptions.AcceptLegacyAssistanceForm"/>).
    /// </summary>
    public bool AllowLegacyAssistance { get; init; }

    /// <summary>Official STIX 2.1 types and the Entente assistance types only.</summary>
    public static StixValidationPolicy Strict { get; } = new(false);
}

/// <summary>
/// Validates STIX 2.1 objects against the official JSON Schemas (each object against its own type's
/// schema, since common/bundle.json does not check every type) and adds the spec rules that the
/// schemas cannot express (STIX 2.1 §2.9 ids, §3.2 timestamps, §3.6 versioning, type-specific
/// orderings). Every failure is collected; nothing stops at the first.
/// </summary>
public static partial class StixValidator
{
    /// <summary>Validates one object.</summary>
    public static IReadOnlyList<StixValidationError> Validate(StixObject stixObject, StixValidationPolicy? policy = null)
    {
        ArgumentNullException.ThrowIfNull(stixObject);
        List<StixValidationError> errors = [];
        ValidateInto(stixObject.Json, stixObject.Id.Length > 0 ? stixObject.Id : "(object without id)", policy ?? StixValidationPolicy.Strict, errors);
        return errors;
    }

    /// <summary>Validates a bundle: its own shape and then every object in it.</summary>
    public static IReadOnlyList<StixValidationError> ValidateBundle(JsonElement bundle, StixValidationPolicy? policy = null)
    {
        List<StixValidationError> errors = [];
        string bundleId = bundle.ValueKind == JsonValueKind.Object && bundle.TryGetProperty("id", out JsonElement id) && id.ValueKind == JsonValueKind.String
            ? id.GetString()!
            : "(bundle)";
        if (bundle.ValueKind != JsonValueKind.Object || !bundle.TryGetProperty("type", out JsonElement type) || type.ValueKind != JsonValueKind.String || type.GetString() != "bundle")
        {
            errors.Add(new StixValidationError(bundleId, "type", "a bundle's type must be \"bundle\"", "STIX 2.1 §8"));
            return errors;
        }

        if (!bundle.TryGetProperty("objects", out JsonElement objects))
        {
            return errors; // objects is optional in a bundle
        }

        if (objects.ValueKind != JsonValueKind.Array)
        {
            errors.Add(new StixValidationError(bundleId, "objects", "must be an array", "STIX 2.1 §8"));
            return errors;
        }

        int index = 0;
        foreach (JsonElement item in objects.EnumerateArray())
        {
            string where = item.ValueKind == JsonValueKind.Object && item.TryGetProperty("id", out JsonElement itemId) && itemId.ValueKind == JsonValueKind.String
                ? itemId.GetString()!
                : $"{bundleId} objects[{index}]";
            ValidateInto(item, where, policy ?? StixValidationPolicy.Strict, errors);
            index++;
        }

        return errors;
    }

    private static void ValidateInto(JsonElement json, string where, StixValidationPolicy policy, List<StixValidationError> errors)
    {
        if (json.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new StixValidationError(where, string.Empty, $"a STIX object must be a JSON object, not {json.ValueKind}", "STIX 2.1 §3"));
            return;
        }

        string? type = json.TryGetProperty("type", out JsonElement typeElement) && typeElement.ValueKind == JsonValueKind.String ? typeElement.GetString() : null;
        if (type is null || !StixTypes.IsValidTypeName(type))
        {
            errors.Add(new StixValidationError(where, "type", type is null ? "is required and must be a string" : $"\"{StixId.Truncate(type)}\" is not a valid type name (a–z, 0–9, single hyphens, 3–250 characters)", "STIX 2.1 §3.2"));
            return;
        }

        List<string> schemaPaths = [];
        bool legacy = false;
        if (StixTypes.OfficialSchemaPaths.TryGetValue(type, out string? official))
        {
            schemaPaths.Add(official);
        }
        else if (StixTypes.Assistance.Contains(type))
        {
            // STIX 2.1 §7.3: a new type names its extension definition (extension_type new-sdo). The form logged before
            // the extension existed (no marker, a reserved 'severity') is accepted only where the policy allows it.
            legacy = policy.AllowLegacyAssistance && !AssistanceExtension.IsMarked(json);
            schemaPaths.Add(legacy ? "entente/legacy/" + type + ".json" : "entente/" + type + ".json");
        }
        else if (policy.AllowCustomObjects)
        {
            schemaPaths.Add("common/core.json");
        }
        else
        {
            errors.Add(new StixValidationError(where, "type", $"unknown object type \"{type}\": this collection does not accept custom objects", "STIX 2.1 §11.2"));
            return;
        }

        // As the OASIS validator does with its schema folder: an object naming our extension also meets the extension's own schema.
        if (!legacy && json.TryGetProperty("extensions", out JsonElement extensions) && extensions.ValueKind == JsonValueKind.Object
            && extensions.TryGetProperty(AssistanceTypes.ExtensionDefinitionId, out _))
        {
            schemaPaths.Add("entente/" + AssistanceTypes.ExtensionDefinitionId + ".json");
        }

        foreach (string schemaPath in schemaPaths)
        {
            EvaluationResults results = StixSchemas.Evaluate(schemaPath, json);
            if (!results.IsValid)
            {
                AddSchemaErrors(results, json, where, schemaPath, errors);
            }
        }

        AddSpecRules(json, type, where, errors, legacy);
    }

    /// <summary>
    /// Validates an object as a third party will see it in an exported bundle (the OASIS STIX validator's checks that
    /// apply, docs/exchange.md): the official schema of its type, or the common core and its extension's schema for
    /// a new type; the spec rules; no legacy form; and a type that is neither official nor ours must name an extension
    /// definition with extension_type new-sdo, new-sco or new-sro ("extensions-use").
    /// </summary>
    public static IReadOnlyList<StixValidationError> ValidateForExport(StixObject stixObject)
    {
        ArgumentNullException.ThrowIfNull(stixObject);
        List<StixValidationError> errors = [];
        string where = stixObject.Id.Length > 0 ? stixObject.Id : "(object without id)";
        ValidateInto(stixObject.Json, where, new StixValidationPolicy(AllowCustomObjects: true), errors);
        string type = stixObject.Type;
        if (StixTypes.IsValidTypeName(type) && !StixTypes.IsOfficial(type) && !StixTypes.Assistance.Contains(type) && !UsesNewTypeExtension(stixObject.Json))
        {
            errors.Add(new StixValidationError(where, "extensions",
                $"custom type \"{type}\" must be defined by an extension definition named in 'extensions' with extension_type new-sdo, new-sco or new-sro", "STIX 2.1 §7.3"));
        }

        return errors;
    }

    private static bool UsesNewTypeExtension(JsonElement json)
    {
        if (!json.TryGetProperty("extensions", out JsonElement extensions) || extensions.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        foreach (JsonProperty extension in extensions.EnumerateObject())
        {
            if (extension.Name.StartsWith("extension-definition--", StringComparison.Ordinal) && extension.Value.ValueKind == JsonValueKind.Object
                && extension.Value.TryGetProperty("extension_type", out JsonElement kind) && kind.ValueKind == JsonValueKind.String
                && kind.GetString() is "new-sdo" or "new-sco" or "new-sro")
            {
                return true;
            }
        }

        return false;
    }

    private static void AddSchemaErrors(EvaluationResults results, JsonElement root, string where, string schemaPath, List<StixValidationError> errors)
    {
        HashSet<string> seen = new(StringComparer.Ordinal);
        int before = errors.Count;
        bool skippedCoreNot = false;
        bool skippedDefect = false;
        foreach (EvaluationResults node in Flatten(results))
        {
            // A "not" fails when its subschema passes: the failing node carries no message of its own, only a valid
            // child at …/not. The common core's "not" (reserved property names and the reserved type 'action', §3.8)
            // is reported by the spec rules, which name the property; any other "not" is reported here.
            foreach (EvaluationResults negated in (node.Details ?? []).Where(d => d.IsValid && d.EvaluationPath.ToString().EndsWith("/not", StringComparison.Ordinal)))
            {
                string location = negated.SchemaLocation.ToString();
                if (location.Contains("/common/core.json", StringComparison.Ordinal) || location.Contains("/common/cyber-observable-core.json", StringComparison.Ordinal))
                {
                    skippedCoreNot = true;
                    continue;
                }

                string property = PointerToPath(node.InstanceLocation.ToString());
                string message = $"matches what the schema forbids at {negated.EvaluationPath}";
                if (seen.Add(property + "\u0000" + message))
                {
                    errors.Add(new StixValidationError(where, property, message, "schema:" + schemaPath));
                }
            }

            if (node.Errors is null)
            {
                continue;
            }

            foreach (KeyValuePair<string, string> error in node.Errors)
            {
                string property = PointerToPath(node.InstanceLocation.ToString());
                string message = error.Value;
                if (error.Key == "required")
                {
                    // Name the missing property itself rather than its parent.
                    Match match = QuotedNames().Match(message);
                    if (match.Success)
                    {
                        string missing = match.Groups[1].Value;
                        property = property.Length == 0 ? missing : property + "." + missing;
                        message = "is required";
                    }
                }

                if (IsLangOnlyGranularMarkingDefect(root, property, message))
                {
                    skippedDefect = true;
                    continue;
                }

                if (seen.Add(property + "\u0000" + message))
                {
                    errors.Add(new StixValidationError(where, property, message, "schema:" + schemaPath));
                }
            }
        }

        if (errors.Count == before && !skippedCoreNot && !skippedDefect)
        {
            // Never let an invalid result through silently: the evaluator said no without a message we could place.
            errors.Add(new StixValidationError(where, string.Empty, "does not match its schema", "schema:" + schemaPath));
        }
    }

    /// <summary>
    /// Schema defect: common/granular-marking.json requires marking_ref, but STIX 2.1 §7.2.3 allows a
    /// granular marking that carries only <c>lang</c>. The spec is authoritative, so that one error is
    /// dropped when the marking has a <c>lang</c> (the spec's granular-markings-2 example).
    /// </summary>
    private static bool IsLangOnlyGranularMarkingDefect(JsonElement root, string property, string message)
    {
        Match match = GranularMarkingRef().Match(property);
        if (!match.Success || message != "is required" || !root.TryGetProperty("granular_markings", out JsonElement markings)
            || markings.ValueKind != JsonValueKind.Array)
        {
            return false;
        }

        int index = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        return index < markings.GetArrayLength() && markings[index].ValueKind == JsonValueKind.Object
            && markings[index].TryGetProperty("lang", out JsonElement lang) && lang.ValueKind == JsonValueKind.String;
    }

    private static IEnumerable<EvaluationResults> Flatten(EvaluationResults results)
    {
        // Walk only failed nodes: errors under a branch that failed while its anyOf/oneOf parent
        // passed do not explain anything.
        yield return results;
        if (results.Details is null)
        {
            yield break;
        }

        // A failed subschema under "not" is the passing case of that "not".
        foreach (EvaluationResults child in results.Details.Where(d => !d.IsValid && !d.EvaluationPath.ToString().EndsWith("/not", StringComparison.Ordinal)))
        {
            foreach (EvaluationResults nested in Flatten(child))
            {
                yield return nested;
            }
        }
    }

    private static string PointerToPath(string pointer)
    {
        if (pointer.Length == 0 || pointer == "#")
        {
            return string.Empty;
        }

        string trimmed = pointer.TrimStart('#').TrimStart('/');
        System.Text.StringBuilder path = new();
        foreach (string segment in trimmed.Split('/'))
        {
            string unescaped = segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            if (unescaped.Length > 0 && unescaped.All(char.IsAsciiDigit))
            {
                path.Append('[').Append(unescaped).Append(']');
            }
            else
            {
                if (path.Length > 0)
                {
                    path.Append('.');
                }

                path.Append(unescaped);
            }
        }

        return path.ToString();
    }

    /// <summary>Property names STIX 2.1 §3.8 reserves: no object may use them.</summary>
    public static readonly IReadOnlyList<string> ReservedPropertyNames = ["severity", "action", "username", "phone_numbers"];

    private static void AddSpecRules(JsonElement json, string type, string where, List<StixValidationError> errors, bool legacy)
    {
        bool observable = StixTypes.IsObservable(type);
        if (type == "action")
        {
            errors.Add(new StixValidationError(where, "type", "\"action\" is a reserved object type name", "STIX 2.1 §3.8"));
        }

        foreach (string reserved in ReservedPropertyNames)
        {
            if (json.TryGetProperty(reserved, out _) && !(legacy && reserved == "severity"))
            {
                errors.Add(new StixValidationError(where, reserved, "is a reserved property name and must not be used", "STIX 2.1 §3.8"));
            }
        }

        string? idText = String(json, "id");
        if (idText is null)
        {
            if (!json.TryGetProperty("id", out _))
            {
                errors.Add(new StixValidationError(where, "id", "is required", "STIX 2.1 §3.2"));
            }
        }
        else if (!StixId.TryParse(idText, out StixId? id))
        {
            errors.Add(new StixValidationError(where, "id", $"\"{StixId.Truncate(idText)}\" is not type--UUID with an RFC 4122 UUID of version 4 or 5", "STIX 2.1 §2.9"));
        }
        else if (!string.Equals(id.Type, type, StringComparison.Ordinal))
        {
            errors.Add(new StixValidationError(where, "id", $"the id's type part \"{id.Type}\" differs from type \"{type}\"", "STIX 2.1 §2.9"));
        }

        if (observable)
        {
            return; // SCOs: spec_version defaults to 2.1 and they have no created/modified (§3.2, §6).
        }

        if (String(json, "spec_version") is { } specVersion && specVersion != "2.1")
        {
            errors.Add(new StixValidationError(where, "spec_version", $"must be \"2.1\" for a STIX 2.1 object, not \"{specVersion}\"", "STIX 2.1 §3.2"));
        }

        string? created = String(json, "created");
        string? modified = String(json, "modified");
        CheckPrecision(json, "created", where, errors);
        CheckPrecision(json, "modified", where, errors);
        if (created is not null && modified is not null
            && StixTimestamp.TryParse(created, out DateTimeOffset c) && StixTimestamp.TryParse(modified, out DateTimeOffset m) && m < c)
        {
            errors.Add(new StixValidationError(where, "modified", $"{modified} is earlier than created {created}", "STIX 2.1 §3.2"));
        }

        if (type == "marking-definition" && json.TryGetProperty("modified", out _))
        {
            // Marking definitions cannot be versioned (§7.2.1); the schema does not forbid the property.
        }

        switch (type)
        {
            case "indicator":
                CheckOrder(json, "valid_from", "valid_until", strict: true, where, errors, "STIX 2.1 §4.7");
                break;
            case "observed-data":
                CheckOrder(json, "first_observed", "last_observed", strict: false, where, errors, "STIX 2.1 §4.14");
                break;
            case "sighting":
                CheckOrder(json, "first_seen", "last_seen", strict: false, where, errors, "STIX 2.1 §5.2");
                break;
            case "relationship":
                CheckOrder(json, "start_time", "stop_time", strict: true, where, errors, "STIX 2.1 §5.1");
                break;
            case AssistanceTypes.Request:
                CheckOrder(json, "ack_deadline", "answer_deadline", strict: false, where, errors, "docs/exchange.md");
                break;
            default:
                break;
        }
    }

    private static void CheckPrecision(JsonElement json, string name, string where, List<StixValidationError> errors)
    {
        if (String(json, name) is { } text && StixTimestamp.TryParse(text, out _) && !StixTimestamp.HasMillisecondPrecision(text))
        {
            errors.Add(new StixValidationError(where, name, $"{text} must have at least millisecond precision", "STIX 2.1 §3.2"));
        }
    }

    private static void CheckOrder(JsonElement json, string first, string second, bool strict, string where, List<StixValidationError> errors, string rule)
    {
        if (String(json, first) is { } a && String(json, second) is { } b
            && StixTimestamp.TryParse(a, out DateTimeOffset ta) && StixTimestamp.TryParse(b, out DateTimeOffset tb)
            && (strict ? tb <= ta : tb < ta))
        {
            errors.Add(new StixValidationError(where, second, $"{b} must be {(strict ? "later than" : "no earlier than")} {first} {a}", rule));
        }
    }

    private static string? String(JsonElement json, string name) =>
        json.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    [GeneratedRegex(@"^granular_markings\[([0-9]{1,6})\]\.marking_ref$", RegexOptions.CultureInvariant)]
    private static partial Regex GranularMarkingRef();

    [GeneratedRegex("\"([^\"]+)\"", RegexOptions.CultureInvariant)]
    private static partial Regex QuotedNames();
}
