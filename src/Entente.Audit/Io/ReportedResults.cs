using Entente.Audit.Statistics;

namespace Entente.Audit.Io;

/// <summary>
/// Reported results CSV: <c>Contest,Choice,Votes,Ballots</c> with optional <c>Winners</c> (default 1) and
/// <c>VotesAllowed</c> (default 1). One row per choice; Ballots, Winners and VotesAllowed repeat on every row of
/// a contest and must agree.
/// </summary>
public static class ReportedResults
{
    /// <summary>Loads the contests, in order of first appearance.</summary>
    public static IReadOnlyList<ReportedContest> Load(string path) => FromTable(CsvTable.Load(path));

    /// <summary>Reads a parsed results table.</summary>
    public static IReadOnlyList<ReportedContest> FromTable(CsvTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        table.RequireColumns(["Contest", "Choice", "Votes", "Ballots"], ["Winners", "VotesAllowed"]);
        Dictionary<string, (long Ballots, int Winners, int Allowed, int Row, List<ChoiceTally> Choices, Dictionary<string, int> ChoiceRows)> contests = new(StringComparer.Ordinal);
        List<string> order = [];
        foreach (CsvRow row in table.Rows)
        {
            string contest = table.Text(row, "Contest");
            string choice = table.Text(row, "Choice");
            long votes = table.Count(row, "Votes", 0);
            long ballots = table.Count(row, "Ballots", 1);
            int winners = table.Cell(row, "Winners") is { Length: > 0 } ? (int)Math.Min(int.MaxValue, table.Count(row, "Winners", 1)) : 1;
            int allowed = table.Cell(row, "VotesAllowed") is { Length: > 0 } ? (int)Math.Min(int.MaxValue, table.Count(row, "VotesAllowed", 1)) : 1;
            if (!contests.TryGetValue(contest, out var entry))
            {
                entry = (ballots, winners, allowed, row.Row, [], new Dictionary<string, int>(StringComparer.Ordinal));
                contests[contest] = entry;
                order.Add(contest);
            }

            if (entry.Ballots != ballots)
            {
                throw table.Error(row, "Ballots", $"Contest \"{contest}\" has {entry.Ballots} ballots on row {entry.Row} but {ballots} here.");
            }

            if (entry.Winners != winners)
            {
                throw table.Error(row, "Winners", $"Contest \"{contest}\" has {entry.Winners} winners on row {entry.Row} but {winners} here.");
            }

            if (entry.Allowed != allowed)
            {
                throw table.Error(row, "VotesAllowed", $"Contest \"{contest}\" allows {entry.Allowed} votes on row {entry.Row} but {allowed} here.");
            }

            if (entry.ChoiceRows.TryGetValue(choice, out int firstRow))
            {
                throw table.Error(row, "Choice", $"Choice \"{choice}\" of contest \"{contest}\" appears twice (rows {firstRow} and {row.Row}).");
            }

            entry.ChoiceRows[choice] = row.Row;
            entry.Choices.Add(new ChoiceTally(choice, votes));
        }

        List<ReportedContest> result = [];
        foreach (string name in order)
        {
            var entry = contests[name];
            try
            {
                ReportedContest contest = new(name, entry.Choices, entry.Ballots, entry.Winners, entry.Allowed);
                if (contest.IsTied)
                {
                    throw new AuditInputException(table.File, entry.Row, "Votes",
                        $"Contest \"{name}\" is tied for the last winning place: an audit cannot confirm a tie; count every ballot by hand.");
                }

                result.Add(contest);
            }
            catch (ArgumentException e)
            {
                throw new AuditInputException(table.File, entry.Row, "Contest", e.Message);
            }
        }

        if (result.Count == 0)
        {
            throw new AuditInputException(table.File, 0, "", "The results file lists no contests.");
        }

        return result;
    }
}
