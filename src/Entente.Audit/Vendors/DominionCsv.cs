// Dominion's CVR export as CSV (CvrExport, e.g. 5.2.16.1): four header rows, then one row per card.
//   1: election name and software version;
//   2: over each choice column, "Contest Name (Vote For=N)" (blank to the left: the first non-blank cell is where
//      the choice columns start);
//   3: the choice names;
//   4: the metadata column names (CvrNumber, TabulatorNum, BatchId, RecordId, ImprintedId, optional CountingGroup,
//      PrecinctPortion, BallotType, UniqueVotingIdentifier), in any order, then party labels.
// Rows differ in width (the header rows are often wider than the data rows). Id cells may be written ="…".
// Choice cells are whole numbers; a blank cell means the contest is not on the card's style.
using System.Globalization;
using System.Text.RegularExpressions;
using Entente.Audit.Io;

namespace Entente.Audit.Vendors;

/// <summary>Reads Dominion's CSV CVR export.</summary>
internal static partial class DominionCsv
{
    private static readonly string[] Required = ["CvrNumber", "TabulatorNum", "BatchId", "RecordId", "ImprintedId"];

    public static (List<RawContest> Contests, List<RawCvr> Cards) Read(string path)
    {
        string file = Path.GetFileName(path);
        IReadOnlyList<CsvRow> rows = CsvTable.ReadRecords(path, excelText: true);
        if (rows.Count < 4)
        {
            throw new AuditInputException(file, 0, "", "A Dominion CVR export starts with four header rows (election, contests, choices, column names); this file has fewer rows.");
        }

        CsvRow contestRow = rows[1], choiceRow = rows[2], nameRow = rows[3];
        int first = -1;
        for (int i = 0; i < contestRow.Cells.Count; i++)
        {
            if (contestRow.Cells[i].Length > 0)
            {
                first = i;
                break;
            }
        }

        if (first < 0)
        {
            throw new AuditInputException(file, contestRow.Row, "", "The second header row names no contest; is this a Dominion CVR export?");
        }

        int end = contestRow.Cells.Count;
        while (end > first && contestRow.Cells[end - 1].Length == 0)
        {
            end--;
        }

        Dictionary<string, int> metadata = new(StringComparer.Ordinal);
        for (int i = 0; i < Math.Min(first, nameRow.Cells.Count); i++)
        {
            if (nameRow.Cells[i].Length > 0)
            {
                metadata.TryAdd(nameRow.Cells[i], i);
            }
        }

        foreach (string name in Required.Where(n => !metadata.ContainsKey(n)))
        {
            throw new AuditInputException(file, nameRow.Row, name, $"Missing required column {name} in the fourth header row.");
        }

        // Choice columns: contest and choice per column; a contest's columns are adjacent.
        List<RawContest> contests = [];
        List<(RawContest Contest, string Choice)> columns = [];
        for (int i = first; i < end; i++)
        {
            string header = Space().Replace(contestRow.Cells[i], " ");
            Match m = ContestHeader().Match(header);
            if (!m.Success)
            {
                throw new AuditInputException(file, contestRow.Row, $"#{i + 1}",
                    $"\"{header}\" is not a contest header; expected the form \"Contest Name (Vote For=1)\".");
            }

            string contestName = m.Groups[1].Value.Trim();
            int allowed = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
            string choice = i < choiceRow.Cells.Count ? Space().Replace(choiceRow.Cells[i], " ").Trim() : "";
            if (choice.Length == 0)
            {
                throw new AuditInputException(file, choiceRow.Row, $"#{i + 1}", $"The third header row has no choice name under contest \"{contestName}\".");
            }

            RawContest? contest = contests.Count > 0 && contests[^1].Name == contestName ? contests[^1] : null;
            if (contest is null)
            {
                if (contests.Any(c => c.Name == contestName))
                {
                    throw new AuditInputException(file, contestRow.Row, $"#{i + 1}", $"Contest \"{contestName}\" has columns in two places; a contest's choice columns must be adjacent.");
                }

                contest = new RawContest(contestName, allowed, []);
                contests.Add(contest);
            }
            else if (contest.VotesAllowed != allowed)
            {
                throw new AuditInputException(file, contestRow.Row, $"#{i + 1}", $"Contest \"{contestName}\" is written with two different Vote For counts.");
            }

            if (contest.Choices.Contains(choice))
            {
                throw new AuditInputException(file, choiceRow.Row, $"#{i + 1}", $"Choice \"{choice}\" appears twice in contest \"{contestName}\".");
            }

            contest.Choices.Add(choice);
            columns.Add((contest, choice));
        }

        bool hasUvi = metadata.ContainsKey("UniqueVotingIdentifier");
        List<RawCvr> cards = [];
        Dictionary<string, int> cvrNumbers = new(StringComparer.Ordinal);
        foreach (CsvRow row in rows.Skip(4))
        {
            if (row.Cells.All(c => c.Length == 0))
            {
                continue;
            }

            string Cell(string name) => metadata[name] < row.Cells.Count ? row.Cells[metadata[name]] : "";
            string Need(string name) => Cell(name) is { Length: > 0 } v ? v
                : throw new AuditInputException(file, row.Row, name, $"The cell is empty; column {name} is required on every row.");
            string cvrNumber = Need("CvrNumber");
            if (cvrNumbers.TryGetValue(cvrNumber, out int firstRow))
            {
                throw new AuditInputException(file, row.Row, "CvrNumber", $"CvrNumber {cvrNumber} is also on row {firstRow}; each card is exported once.");
            }

            cvrNumbers[cvrNumber] = row.Row;
            string tabulator = Need("TabulatorNum");
            string batch = Need("BatchId");
            string record = Need("RecordId");
            string imprinted = Cell("ImprintedId");
            if (imprinted.Length == 0)
            {
                imprinted = hasUvi ? Need("UniqueVotingIdentifier")
                    : throw new AuditInputException(file, row.Row, "ImprintedId", "The cell is empty; column ImprintedId is required on every row.");
            }

            if (row.Cells.Count < end)
            {
                throw new AuditInputException(file, row.Row, "", $"The row has {row.Cells.Count} cells but the choice columns reach column {end}. Check the export.");
            }

            for (int i = end; i < row.Cells.Count; i++)
            {
                if (row.Cells[i].Length > 0)
                {
                    throw new AuditInputException(file, row.Row, $"#{i + 1}", $"The cell \"{row.Cells[i]}\" is beyond the last choice column.");
                }
            }

            Dictionary<string, ContestVote> votes = new(StringComparer.Ordinal);
            foreach (RawContest contest in contests)
            {
                Dictionary<string, int> marks = new(StringComparer.Ordinal);
                bool onCard = false;
                for (int k = 0; k < columns.Count; k++)
                {
                    if (columns[k].Contest != contest)
                    {
                        continue;
                    }

                    string cell = row.Cells[first + k];
                    if (cell.Length == 0)
                    {
                        continue;
                    }

                    if (!int.TryParse(cell, NumberStyles.None, CultureInfo.InvariantCulture, out int mark))
                    {
                        throw new AuditInputException(file, row.Row, $"{contest.Name}: {columns[k].Choice}",
                            $"\"{cell}\" is not a whole number. Export the CVRs with plain numbers (0 or 1) in the choice columns.");
                    }

                    onCard = true;
                    marks[columns[k].Choice] = mark;
                }

                if (onCard)
                {
                    votes[contest.Name] = new ContestVote(ContestVoteKind.Marks, marks);
                }
            }

            InputPlace place = new(file, row.Row, "TabulatorNum, BatchId");
            cards.Add(new RawCvr(tabulator, batch, CvrImportBuilder.RecordNumber(record, new InputPlace(file, row.Row, "RecordId")), record, imprinted, votes, place));
        }

        return (contests, cards);
    }

    [GeneratedRegex(@"^(.+?)\s*\(Vote For=(\d{1,4})\)$", RegexOptions.CultureInvariant)]
    private static partial Regex ContestHeader();

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex Space();
}
