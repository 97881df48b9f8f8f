// ClearBallot's CVR CSV: one header row. Metadata columns (RowNumber, BoxID, BoxPosition, BallotID, PrecinctID,
// BallotStyleID, PrecinctStyleName, ScanComputerName, Status, Remade), then from the first header that begins with
// "Choice_" one column per choice: Choice_<id>_<n>:<Contest>:Vote For <N>:<Choice>:<Party>. Batch key
// (ScanComputerName, BoxID), record id BoxPosition, imprinted id BallotID; cells as Dominion's.
using System.Globalization;
using System.Text.RegularExpressions;
using Entente.Audit.Io;

namespace Entente.Audit.Vendors;

/// <summary>Reads ClearBallot's CSV CVR export.</summary>
internal static partial class ClearBallotCsv
{
    private static readonly string[] Required = ["RowNumber", "BoxID", "BoxPosition", "BallotID", "ScanComputerName"];

    public static (List<RawContest> Contests, List<RawCvr> Cards) Read(string path)
    {
        string file = Path.GetFileName(path);
        List<CsvRow> rows = [.. CsvTable.ReadRecords(path, excelText: true).Where(r => r.Cells.Any(c => c.Length > 0))];
        if (rows.Count == 0)
        {
            throw new AuditInputException(file, 0, "", "The file is empty.");
        }

        CsvRow header = rows[0];
        int first = -1;
        for (int i = 0; i < header.Cells.Count; i++)
        {
            if (header.Cells[i].StartsWith("Choice_", StringComparison.Ordinal))
            {
                first = i;
                break;
            }
        }

        if (first < 0)
        {
            throw new AuditInputException(file, header.Row, "", "No column begins with \"Choice_\": this is not a ClearBallot CVR export (a list of choices is not a CVR file).");
        }

        Dictionary<string, int> metadata = new(StringComparer.Ordinal);
        for (int i = 0; i < first; i++)
        {
            metadata.TryAdd(header.Cells[i], i);
        }

        foreach (string name in Required.Where(n => !metadata.ContainsKey(n)))
        {
            throw new AuditInputException(file, header.Row, name, $"Missing required column {name}.");
        }

        int end = header.Cells.Count;
        while (end > first && header.Cells[end - 1].Length == 0)
        {
            end--;
        }

        List<RawContest> contests = [];
        List<(RawContest Contest, string Choice)> columns = [];
        for (int i = first; i < end; i++)
        {
            string[] fields = header.Cells[i].Split(':');
            int voteFor = Array.FindIndex(fields, f => VoteFor().IsMatch(f));
            if (!header.Cells[i].StartsWith("Choice_", StringComparison.Ordinal) || voteFor < 2 || fields.Length < voteFor + 3)
            {
                throw new AuditInputException(file, header.Row, header.Cells[i],
                    "Not a choice header; expected Choice_<id>_<n>:<Contest>:Vote For <N>:<Choice>:<Party>.");
            }

            string contestName = string.Join(':', fields[1..voteFor]).Trim();
            string choice = string.Join(':', fields[(voteFor + 1)..^1]).Trim();
            int allowed = int.Parse(VoteFor().Match(fields[voteFor]).Groups[1].Value, CultureInfo.InvariantCulture);
            RawContest? contest = contests.Find(c => c.Name == contestName);
            if (contest is null)
            {
                contest = new RawContest(contestName, allowed, []);
                contests.Add(contest);
            }
            else if (contest.VotesAllowed != allowed || contests[^1] != contest)
            {
                throw new AuditInputException(file, header.Row, header.Cells[i], $"Contest \"{contestName}\" has non-adjacent columns or two Vote For counts.");
            }

            if (contest.Choices.Contains(choice))
            {
                throw new AuditInputException(file, header.Row, header.Cells[i], $"Choice \"{choice}\" appears twice in contest \"{contestName}\".");
            }

            contest.Choices.Add(choice);
            columns.Add((contest, choice));
        }

        List<RawCvr> cards = [];
        foreach (CsvRow row in rows.Skip(1))
        {
            if (row.Cells.Count < end)
            {
                throw new AuditInputException(file, row.Row, "", $"The row has {row.Cells.Count} cells; the header has {end}.");
            }

            string Need(string name) => row.Cells[metadata[name]] is { Length: > 0 } v ? v
                : throw new AuditInputException(file, row.Row, name, $"The cell is empty; column {name} is required on every row.");
            Need("RowNumber");
            string batch = Need("BoxID");
            string position = Need("BoxPosition");
            string imprinted = Need("BallotID");
            string tabulator = Need("ScanComputerName");
            Dictionary<string, ContestVote> votes = new(StringComparer.Ordinal);
            for (int k = 0; k < columns.Count; k++)
            {
                string cell = row.Cells[first + k];
                if (cell.Length == 0)
                {
                    continue;
                }

                if (!int.TryParse(cell, NumberStyles.None, CultureInfo.InvariantCulture, out int mark))
                {
                    throw new AuditInputException(file, row.Row, header.Cells[first + k], $"\"{cell}\" is not a whole number; export plain numbers (0 or 1).");
                }

                (RawContest contest, string choice) = columns[k];
                if (!votes.TryGetValue(contest.Name, out ContestVote? vote))
                {
                    vote = new ContestVote(ContestVoteKind.Marks, new Dictionary<string, int>(StringComparer.Ordinal));
                    votes[contest.Name] = vote;
                }

                ((Dictionary<string, int>)vote.Marks)[choice] = mark;
            }

            cards.Add(new RawCvr(tabulator, batch, CvrImportBuilder.RecordNumber(position, new InputPlace(file, row.Row, "BoxPosition")), position, imprinted, votes,
                new InputPlace(file, row.Row, "ScanComputerName, BoxID")));
        }

        return (contests, cards);
    }

    [GeneratedRegex(@"^\s*Vote For (\d{1,4})\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex VoteFor();
}
