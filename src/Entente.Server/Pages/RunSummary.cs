using System.Globalization;
using System.Text.Json;

namespace Entente.Server.Pages;

/// <summary>One stage of a scripted run (for example <c>entente demo</c>): its name, how long it took, what it did.</summary>
/// <param name="Name">The stage's name.</param>
/// <param name="Elapsed">Its wall time.</param>
/// <param name="Outcome">One line saying what came of it.</param>
public sealed record RunStage(string Name, TimeSpan Elapsed, string Outcome);

/// <summary>
/// A run summary that a scripted run leaves in the board's data folder (<c>summary.json</c>): the stages of the run and
/// their timings, which the log cannot know. The pages show it when present; everything else they show comes from the
/// board. Read leniently (only <c>stages</c> / <c>Stages</c>: an array of objects with <c>name</c>, <c>elapsed</c> as a
/// TimeSpan string "hh:mm:ss.fffffff" or a number of seconds, and <c>outcome</c>; names in any case), so the
/// summary of today's demo and of its rewrite both work; a file that does not parse is ignored.
/// </summary>
/// <param name="Stages">The stages in order.</param>
public sealed record RunSummary(IReadOnlyList<RunStage> Stages)
{
    /// <summary>The summary's file name in the data folder.</summary>
    public const string FileName = "summary.json";

    /// <summary>The total wall time.</summary>
    public TimeSpan Total => Stages.Aggregate(TimeSpan.Zero, (t, s) => t + s.Elapsed);

    /// <summary>Reads the summary at <paramref name="path"/>, or null when absent or unreadable.</summary>
    public static RunSummary? TryLoad(string path)
    {
        try
        {
            return File.Exists(path) ? Parse(File.ReadAllBytes(path)) : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Parses a summary, or null when it holds no stages.</summary>
    public static RunSummary? Parse(ReadOnlySpan<byte> json)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = 32 });
            if (doc.RootElement.ValueKind != JsonValueKind.Object || Property(doc.RootElement, "stages") is not { ValueKind: JsonValueKind.Array } stages)
            {
                return null;
            }

            List<RunStage> list = [];
            foreach (JsonElement s in stages.EnumerateArray())
            {
                if (s.ValueKind != JsonValueKind.Object || Property(s, "name") is not { ValueKind: JsonValueKind.String } name)
                {
                    continue;
                }

                TimeSpan elapsed = Property(s, "elapsed") switch
                {
                    { ValueKind: JsonValueKind.String } text when TimeSpan.TryParse(text.GetString(), CultureInfo.InvariantCulture, out TimeSpan t) => t,
                    { ValueKind: JsonValueKind.Number } seconds when seconds.TryGetDouble(out double d) && d >= 0 && d < 1e9 => TimeSpan.FromSeconds(d),
                    _ => TimeSpan.Zero,
                };
                string outcome = Property(s, "outcome") is { ValueKind: JsonValueKind.String } o ? o.GetString() ?? "" : "";
                list.Add(new RunStage(name.GetString() ?? "", elapsed, outcome));
            }

            return list.Count == 0 ? null : new RunSummary(list);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static JsonElement? Property(JsonElement o, string name)
    {
        foreach (JsonProperty p in o.EnumerateObject())
        {
            if (string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return p.Value;
            }
        }

        return null;
    }
}
