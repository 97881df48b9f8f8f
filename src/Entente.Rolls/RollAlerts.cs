using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Entente.Rolls;

/// <summary>
/// One alert rule over a roll's public changes (docs/rolls.md, "Alerts"): more than <see cref="MaxCount"/> changes of an
/// operation in a window, more than <see cref="MaxPercent"/> % of a precinct's registered records changed in a window, or
/// changes outside office hours (UTC). A rule applies to one jurisdiction, or to every one with "*".
/// </summary>
public sealed class RollAlertRule
{
    /// <summary>The rule's name (in the alert).</summary>
    [JsonPropertyName("name")] public required string Name { get; set; }

    /// <summary>The jurisdiction, or "*".</summary>
    [JsonPropertyName("jurisdiction")] public string Jurisdiction { get; set; } = "*";

    /// <summary>add, update, remove, or null for any change.</summary>
    [JsonPropertyName("op")] public string? Operation { get; set; }

    /// <summary>The most changes allowed in a window.</summary>
    [JsonPropertyName("max_count")] public int? MaxCount { get; set; }

    /// <summary>The most changes allowed in a window in one precinct, as a percentage of its registered records.</summary>
    [JsonPropertyName("max_percent")] public double? MaxPercent { get; set; }

    /// <summary>The window, in minutes.</summary>
    [JsonPropertyName("window_minutes")] public int WindowMinutes { get; set; } = 60;

    /// <summary>Office hours, "HH:mm-HH:mm" UTC: a change outside them raises an alert.</summary>
    [JsonPropertyName("office_hours")] public string? OfficeHours { get; set; }
}

/// <summary>An alert: the rule, where and when, and the log entries that raised it (the evidence).</summary>
/// <param name="Rule">The rule's name.</param>
/// <param name="Jurisdiction">The jurisdiction.</param>
/// <param name="Precinct">The precinct, for a per-precinct rule.</param>
/// <param name="From">The first change's time.</param>
/// <param name="To">The last change's time.</param>
/// <param name="Description">What happened, in a sentence.</param>
/// <param name="Entries">The log indices of the changes.</param>
public sealed record RollAlert(string Rule, string Jurisdiction, string? Precinct, DateTimeOffset From, DateTimeOffset To, string Description, IReadOnlyList<long> Entries);

[JsonSourceGenerationOptions(UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(List<RollAlertRule>))]
internal sealed partial class RollAlertJsonContext : JsonSerializerContext
{
}

/// <summary>Evaluates alert rules over a roll's public changes, as every party's monitor can from the log alone.</summary>
public static class RollAlerts
{
    /// <summary>Reads a rules file (a JSON list of rules) or throws <see cref="RollFormatException"/>.</summary>
    public static IReadOnlyList<RollAlertRule> ReadRules(ReadOnlySpan<byte> json)
    {
        List<RollAlertRule> rules;
        try
        {
            rules = JsonSerializer.Deserialize(json, RollAlertJsonContext.Default.ListRollAlertRule) ?? [];
        }
        catch (JsonException e)
        {
            throw new RollFormatException($"alert rules: {e.Message}", e);
        }

        for (int i = 0; i < rules.Count; i++)
        {
            RollAlertRule r = rules[i];
            int kinds = (r.MaxCount is null ? 0 : 1) + (r.MaxPercent is null ? 0 : 1) + (r.OfficeHours is null ? 0 : 1);
            if (kinds != 1 || r.WindowMinutes <= 0 || r.MaxCount < 0 || r.MaxPercent is < 0 or > 100 || (r.OfficeHours is not null && Hours(r.OfficeHours) is null)
                || r.Operation is not (null or "add" or "update" or "remove"))
            {
                throw new RollFormatException($"alert rules: [{i}] ({r.Name}): give exactly one of max_count, max_percent (0–100) or office_hours (\"HH:mm-HH:mm\"), a window_minutes > 0, and op add, update, remove or none.");
            }
        }

        return rules;
    }

    /// <summary>
    /// The alerts <paramref name="rules"/> raise over <paramref name="changes"/> (log index and change, in log order);
    /// <paramref name="registered"/> gives a precinct's registered records (the latest snapshot's count, or the roll's).
    /// A burst raises one alert per window it fills, naming every change in it.
    /// </summary>
    public static IReadOnlyList<RollAlert> Evaluate(IReadOnlyList<(long Index, RollChange Change)> changes, IReadOnlyList<RollAlertRule> rules, Func<string, string, long> registered)
    {
        ArgumentNullException.ThrowIfNull(changes);
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(registered);
        List<RollAlert> alerts = [];
        foreach (RollAlertRule rule in rules)
        {
            IEnumerable<IGrouping<(string Jurisdiction, string? Precinct), (long Index, RollChange Change)>> groups = changes
                .Where(c => (rule.Jurisdiction == "*" || c.Change.Jurisdiction == rule.Jurisdiction) && (rule.Operation is null || c.Change.Operation.ToString().Equals(rule.Operation, StringComparison.OrdinalIgnoreCase)))
                .GroupBy(c => (c.Change.Jurisdiction, rule.MaxPercent is null ? null : c.Change.Precinct));
            string what = rule.Operation switch { "remove" => "removals", "add" => "additions", "update" => "updates", _ => "changes" };
            foreach (var group in groups)
            {
                List<(long Index, RollChange Change)> list = [.. group.OrderBy(c => c.Change.At).ThenBy(c => c.Index)];
                if (rule.OfficeHours is string hours)
                {
                    (TimeSpan open, TimeSpan close) = Hours(hours)!.Value;
                    List<(long Index, RollChange Change)> outside = [.. list.Where(c => c.Change.At.UtcDateTime.TimeOfDay < open || c.Change.At.UtcDateTime.TimeOfDay >= close)];
                    foreach (var day in outside.GroupBy(c => c.Change.At.UtcDateTime.Date))
                    {
                        alerts.Add(new RollAlert(rule.Name, group.Key.Jurisdiction, null, day.First().Change.At, day.Last().Change.At,
                            $"{day.Count()} {what} of the roll of {group.Key.Jurisdiction} made outside office hours ({hours} UTC) on {day.Key:yyyy-MM-dd}", [.. day.Select(c => c.Index)]));
                    }

                    continue;
                }

                long limit = rule.MaxCount ?? (long)Math.Floor(rule.MaxPercent!.Value / 100 * registered(group.Key.Jurisdiction, group.Key.Precinct!));
                TimeSpan window = TimeSpan.FromMinutes(rule.WindowMinutes);
                int start = 0;
                for (int end = 0; end < list.Count; end++)
                {
                    while (list[end].Change.At - list[start].Change.At >= window)
                    {
                        start++;
                    }

                    if (end - start + 1 > limit)
                    {
                        // The burst: every change within the window from its first one.
                        int last = end;
                        while (last + 1 < list.Count && list[last + 1].Change.At - list[start].Change.At < window)
                        {
                            last++;
                        }

                        List<(long Index, RollChange Change)> burst = list[start..(last + 1)];
                        string where = group.Key.Precinct is null ? $"the roll of {group.Key.Jurisdiction}" : $"precinct {group.Key.Precinct} of {group.Key.Jurisdiction}";
                        string bound = rule.MaxCount is not null ? $"more than {rule.MaxCount}" : $"more than {rule.MaxPercent!.Value.ToString(CultureInfo.InvariantCulture)} % ({limit} of {registered(group.Key.Jurisdiction, group.Key.Precinct!)} registered)";
                        alerts.Add(new RollAlert(rule.Name, group.Key.Jurisdiction, group.Key.Precinct, burst[0].Change.At, burst[^1].Change.At,
                            $"{burst.Count} {what} of {where} within {rule.WindowMinutes} minutes, {bound} allowed", [.. burst.Select(c => c.Index)]));
                        start = end = last;
                        start++;
                    }
                }
            }
        }

        return alerts;
    }

    private static (TimeSpan Open, TimeSpan Close)? Hours(string text)
    {
        string[] parts = text.Split('-');
        return parts.Length == 2 && TimeSpan.TryParseExact(parts[0], @"hh\:mm", CultureInfo.InvariantCulture, out TimeSpan open)
            && TimeSpan.TryParseExact(parts[1], @"hh\:mm", CultureInfo.InvariantCulture, out TimeSpan close) && open < close ? (open, close) : null;
    }
}
