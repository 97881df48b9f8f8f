using System.Text.Json.Nodes;
using Entente.Exchange.Storage;

namespace Entente.Exchange.Stix;

/// <summary>A logged message an export left out, and why.</summary>
/// <param name="Index">The entry's log index.</param>
/// <param name="ObjectId">The object's id (as the log indexes it).</param>
/// <param name="ObjectType">The object's type.</param>
/// <param name="Reason">Why it was left out, in words a user can act on.</param>
public sealed record ExportOmission(long Index, string ObjectId, string ObjectType, string Reason);

/// <summary>An export: the STIX 2.1 bundle, the entries whose objects it holds, and what it left out.</summary>
/// <param name="Bundle">The bundle (<c>type</c>, <c>id</c>, <c>objects</c>).</param>
/// <param name="Included">The entries whose objects are in the bundle, in log order.</param>
/// <param name="LeftOut">The entries left out, with the reason, in log order.</param>
public sealed record StixExport(JsonObject Bundle, IReadOnlyList<ExchangeEntry> Included, IReadOnlyList<ExportOmission> LeftOut);

/// <summary>
/// Builds the STIX 2.1 bundle an export writes (docs/exchange.md, "Export"): one object per public message, in log
/// order, after the request-for-assistance extension definition and its author's identity (in every bundle, so a
/// third-party validator finds the definition of every Entente type). A message is left out, with its reason, when
/// <see cref="DisclosurePolicy"/> keeps it with its readers (TLP:RED, TLP:AMBER, AMBER+STRICT, a collection that is
/// not public or unknown, a sealed message) — an export file can go anywhere, so it never carries readers-only
/// content — or when its object is not valid STIX 2.1 for a third party (<see cref="StixValidator.ValidateForExport"/>,
/// for example a request in the legacy form).
/// </summary>
public static class StixExporter
{
    /// <summary>Builds the export of <paramref name="entries"/> (any order; sorted by index here).</summary>
    public static StixExport Build(IEnumerable<ExchangeEntry> entries, IEnumerable<CollectionDefinition> collections)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(collections);
        Dictionary<string, CollectionDefinition> byId = collections.ToDictionary(c => c.Id, StringComparer.Ordinal);
        JsonArray objects =
        [
            JsonNode.Parse(AssistanceExtension.Author.Json.GetRawText()),
            JsonNode.Parse(AssistanceExtension.Definition.Json.GetRawText()),
        ];
        List<ExchangeEntry> included = [];
        List<ExportOmission> leftOut = [];
        foreach (ExchangeEntry entry in entries.OrderBy(e => e.Index))
        {
            string? reason = ReasonToLeaveOut(entry, byId.GetValueOrDefault(entry.Collection), out StixObject? stixObject);
            if (reason is not null)
            {
                leftOut.Add(new ExportOmission(entry.Index, entry.ObjectId, entry.ObjectType, reason));
                continue;
            }

            objects.Add(JsonNode.Parse(stixObject!.Json.GetRawText()));
            included.Add(entry);
        }

        JsonObject bundle = new()
        {
            ["type"] = "bundle",
            ["id"] = StixId.NewV4("bundle").ToString(),
            ["objects"] = objects,
        };
        return new StixExport(bundle, included, leftOut);
    }

    private static string? ReasonToLeaveOut(ExchangeEntry entry, CollectionDefinition? collection, out StixObject? stixObject)
    {
        stixObject = null;
        if (collection is null)
        {
            return $"collection {entry.Collection} is unknown, so whether its content may leave its readers is unknown";
        }

        if (entry.IsSealed)
        {
            return "sealed to the collection's readers: it never leaves them";
        }

        stixObject = ExchangeService.ReadObject(entry);
        DisclosureDecision decision = DisclosurePolicy.ForObject(collection, stixObject);
        if (!decision.IsPublic)
        {
            return decision.Reason + ": it never leaves them";
        }

        IReadOnlyList<StixValidationError> errors = StixValidator.ValidateForExport(stixObject);
        return errors.Count == 0 ? null : $"not valid STIX 2.1 for a third party: {string.Join("; ", errors.Take(3))}";
    }
}
