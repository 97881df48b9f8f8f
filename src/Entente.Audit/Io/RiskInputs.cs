using Entente.Audit.Statistics;

namespace Entente.Audit.Io;

/// <summary>One draw of a manual vote record file: where the ballot is and what the audit board read.</summary>
/// <param name="Draw">1-based draw number.</param>
/// <param name="Location">The ballot.</param>
/// <param name="Found">False when the ballot could not be found.</param>
/// <param name="Contests">Contest → choices read; a contest absent is not on the ballot.</param>
public sealed record ManualVoteRecord(long Draw, BallotLocation Location, bool Found, IReadOnlyDictionary<string, IReadOnlySet<string>> Contests);

/// <summary>The CSV inputs of <c>entente audit risk</c> (formats in docs/audit.md).</summary>
public static class RiskInputs
{
    /// <summary>Sample tally CSV <c>Contest,Choice,Votes</c>: votes seen in a polling sample.</summary>
    public static IReadOnlyDictionary<string, Dictionary<string, long>> SampleTally(string path)
    {
        CsvTable table = CsvTable.Load(path);
        table.RequireColumns(["Contest", "Choice", "Votes"], []);
        Dictionary<string, Dictionary<string, long>> result = new(StringComparer.Ordinal);
        foreach (CsvRow row in table.Rows)
        {
            string contest = table.Text(row, "Contest");
            string choice = table.Text(row, "Choice");
            long votes = table.Count(row, "Votes", 0);
            if (!result.TryGetValue(contest, out var choices))
            {
                choices = new Dictionary<string, long>(StringComparer.Ordinal);
                result[contest] = choices;
            }

            if (!choices.TryAdd(choice, votes))
            {
                throw table.Error(row, "Choice", $"Choice \"{choice}\" of contest \"{contest}\" appears twice.");
            }
        }

        return result;
    }

    /// <summary>Discrepancy CSV <c>Contest,Sampled,O1,O2,U1,U2</c>.</summary>
    public static IReadOnlyDictionary<string, (long Sampled, Discrepancies Counts)> DiscrepancyCounts(string path)
    {
        CsvTable table = CsvTable.Load(path);
        table.RequireColumns(["Contest", "Sampled", "O1", "O2", "U1", "U2"], []);
        Dictionary<string, (long, Discrepancies)> result = new(StringComparer.Ordinal);
        foreach (CsvRow row in table.Rows)
        {
            string contest = table.Text(row, "Contest");
            long sampled = table.Count(row, "Sampled", 0);
            Discrepancies d = new(table.Count(row, "O1"), table.Count(row, "O2"), table.Count(row, "U1"), table.Count(row, "U2"));
            // Added as decimals: four counts near 2^63 would wrap a long sum to a small or negative total.
            if ((decimal)d.O1 + d.O2 + d.U1 + d.U2 > sampled)
            {
                throw table.Error(row, "Sampled", $"{(decimal)d.O1 + d.O2 + d.U1 + d.U2} discrepancies cannot come from {sampled} sampled ballots.");
            }

            if (!result.TryAdd(contest, (sampled, d)))
            {
                throw table.Error(row, "Contest", $"Contest \"{contest}\" appears twice.");
            }
        }

        return result;
    }

    /// <summary>Batch draws CSV <c>Batch</c> (and optional <c>Tabulator</c>), in draw order; repeats allowed.</summary>
    public static IReadOnlyList<string> BatchDraws(string path)
    {
        CsvTable table = CsvTable.Load(path);
        table.RequireColumns(["Batch"], ["Tabulator"]);
        return [.. table.Rows.Select(row => table.Cell(row, "Tabulator") is { Length: > 0 } t ? t + " / " + table.Text(row, "Batch") : table.Text(row, "Batch"))];
    }

    /// <summary>
    /// Manual vote records CSV <c>Draw,Tabulator (optional),Batch,Position,Contest,Choice,Found (optional Y/N)</c>: one row per
    /// choice read, an empty Choice for a blank contest, Found = N for a ballot not found. Draws are numbered 1, 2, … in order.
    /// </summary>
    public static IReadOnlyList<ManualVoteRecord> ManualVoteRecords(string path)
    {
        CsvTable table = CsvTable.Load(path);
        table.RequireColumns(["Draw", "Batch", "Position", "Contest", "Choice"], ["Tabulator", "Found"]);
        List<(long Draw, BallotLocation Location, bool Found, Dictionary<string, HashSet<string>> Contests)> draws = [];
        foreach (CsvRow row in table.Rows)
        {
            long draw = table.Count(row, "Draw", 1);
            BallotLocation location = new(table.Cell(row, "Tabulator") is { Length: > 0 } t ? t : null, table.Text(row, "Batch"), table.Count(row, "Position", 1));
            string found = (table.Cell(row, "Found") ?? "Y").ToUpperInvariant();
            if (found is not ("Y" or "N" or ""))
            {
                throw table.Error(row, "Found", $"\"{found}\" must be Y or N.");
            }

            if (draws.Count == 0 || draws[^1].Draw != draw)
            {
                if (draw != draws.Count + 1)
                {
                    throw table.Error(row, "Draw", $"Expected draw {draws.Count + 1} (or more rows of draw {draws.Count}); found {draw}. Rows must be in draw order.");
                }

                draws.Add((draw, location, found != "N", new Dictionary<string, HashSet<string>>(StringComparer.Ordinal)));
            }
            else if (draws[^1].Location != location)
            {
                throw table.Error(row, "Batch", $"Draw {draw} names two different ballots.");
            }

            if (found == "N")
            {
                continue;
            }

            string contest = table.Text(row, "Contest");
            string choice = table.Cell(row, "Choice") ?? "";
            if (!draws[^1].Contests.TryGetValue(contest, out HashSet<string>? set))
            {
                set = new HashSet<string>(StringComparer.Ordinal);
                draws[^1].Contests[contest] = set;
            }

            if (choice.Length > 0)
            {
                set.Add(choice);
            }
        }

        return [.. draws.Select(d => new ManualVoteRecord(d.Draw, d.Location, d.Found,
            d.Contests.ToDictionary(c => c.Key, c => (IReadOnlySet<string>)c.Value, StringComparer.Ordinal)))];
    }
}
