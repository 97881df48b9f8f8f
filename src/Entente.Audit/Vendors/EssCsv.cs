// ES&S: one CVR file and one or more "ballots" files, given together.
// CVR file: one header row of metadata columns (Election ID, Audit Number, Tabulator CVR, Cast Vote Record, Batch,
//   Ballot Status, Precinct, Ballot Style; unknown columns before the last known one are allowed), then one column per
//   contest. A contest cell holds the chosen choice's name, "overvote", "undervote", or nothing (not on the card).
//   There is no vote-for count (1 is assumed) and no choice list: choices are those that received a vote, sorted.
// Ballots files: an optional five-line preamble (starting "Ballots"), a header with Cast Vote Record, Batch and
//   Tabulator CVR (and optionally Machine), "Total : N" and blank rows to skip. Tabulator CVR is ten digits (a
//   four-digit tabulator and a six-digit record number, leading zeros significant) unless a Machine column names the
//   tabulator, when it may also be a sixteen-digit hexadecimal id printed on the card; those are ordered by value/10^10.
// The CVR file and the ballots files must list exactly the same Cast Vote Record numbers.
using System.Globalization;
using System.Text.RegularExpressions;
using Entente.Audit.Io;

namespace Entente.Audit.Vendors;

/// <summary>Reads ES&amp;S CVR and ballots files.</summary>
internal static partial class EssCsv
{
    private static readonly HashSet<string> Metadata = new(StringComparer.OrdinalIgnoreCase)
    {
        "Election ID", "Audit Number", "Tabulator CVR", "Cast Vote Record", "Batch", "Ballot Status", "Precinct", "Ballot Style",
    };

    private static readonly UInt128 TenToTheTen = 10_000_000_000UL;

    public static (List<RawContest> Contests, List<RawCvr> Cards) Read(IReadOnlyList<string> paths)
    {
        List<(string File, IReadOnlyList<CsvRow> Rows)> cvrFiles = [], ballotFiles = [];
        foreach (string path in paths)
        {
            string file = Path.GetFileName(path);
            IReadOnlyList<CsvRow> rows = CsvTable.ReadRecords(path, excelText: true);
            CsvRow? top = rows.FirstOrDefault(r => r.Cells.Any(c => c.Length > 0));
            bool ballots = top is not null && (top.Cells[0].StartsWith("Ballots", StringComparison.Ordinal) || top.Cells.Contains("Tabulator CVR"))
                && !file.Equals("cvr.csv", StringComparison.OrdinalIgnoreCase);
            (ballots ? ballotFiles : cvrFiles).Add((file, rows));
        }

        if (cvrFiles.Count != 1)
        {
            throw new AuditInputException(cvrFiles.Count == 0 ? "" : cvrFiles[1].File, 0, "", cvrFiles.Count == 0
                ? "No ES&S CVR file among the files: every file looks like a ballots file (a first line \"Ballots\" or a Tabulator CVR column). A CVR file that has a Tabulator CVR column must be named cvr.csv."
                : $"Two ES&S CVR files ({cvrFiles[0].File} and {cvrFiles[1].File}); give exactly one CVR file and its ballots files.");
        }

        if (ballotFiles.Count == 0)
        {
            throw new AuditInputException(cvrFiles[0].File, 0, "", "An ES&S export needs its ballots files too (they give each card's batch and tabulator); none was given.");
        }

        (List<RawContest> contests, Dictionary<long, (int Row, Dictionary<string, ContestVote> Votes)> votes) = ReadCvrFile(cvrFiles[0].File, cvrFiles[0].Rows);
        Dictionary<long, (string? Tabulator, string Batch, UInt128 Key, string Record, string Imprinted, InputPlace Place)> placed = [];
        foreach ((string file, IReadOnlyList<CsvRow> rows) in ballotFiles)
        {
            ReadBallotsFile(file, rows, placed);
        }

        foreach ((long number, var where) in placed.Where(p => !votes.ContainsKey(p.Key)).Take(1))
        {
            throw where.Place.Error($"Cast Vote Record {number} is in this ballots file but not in the CVR file {cvrFiles[0].File}. The CVR file and the ballots files must list exactly the same cards.");
        }

        foreach ((long number, var where) in votes.Where(v => !placed.ContainsKey(v.Key)).Take(1))
        {
            throw new AuditInputException(cvrFiles[0].File, where.Row, "Cast Vote Record",
                $"Cast Vote Record {number} is in the CVR file but in none of the ballots files. The CVR file and the ballots files must list exactly the same cards.");
        }

        List<RawCvr> cards = [.. votes.OrderBy(v => v.Key).Select(v =>
        {
            var p = placed[v.Key];
            return new RawCvr(p.Tabulator, p.Batch, p.Key, p.Record, p.Imprinted, v.Value.Votes, p.Place);
        })];
        return (contests, cards);
    }

    private static (List<RawContest>, Dictionary<long, (int, Dictionary<string, ContestVote>)>) ReadCvrFile(string file, IReadOnlyList<CsvRow> all)
    {
        List<CsvRow> rows = [.. all.Where(r => r.Cells.Any(c => c.Length > 0))];
        if (rows.Count == 0)
        {
            throw new AuditInputException(file, 0, "", "The CVR file is empty.");
        }

        CsvRow header = rows[0];
        if (header.Cells.Count == 1 && header.Cells[0].Contains('\t', StringComparison.Ordinal))
        {
            throw new AuditInputException(file, header.Row, "", "The columns are separated by tabs; export the CVR file as CSV, with columns separated by commas.");
        }

        int width = header.Cells.Count;
        while (width > 0 && header.Cells[width - 1].Length == 0)
        {
            width--;
        }

        int split = -1;
        for (int i = 0; i < width; i++)
        {
            if (Metadata.Contains(header.Cells[i]))
            {
                split = i + 1;
            }
        }

        int cvrColumn = Array.FindIndex([.. header.Cells], c => c.Equals("Cast Vote Record", StringComparison.OrdinalIgnoreCase));
        if (cvrColumn < 0)
        {
            throw new AuditInputException(file, header.Row, "Cast Vote Record", "Missing required column Cast Vote Record.");
        }

        List<string> contestNames = [.. header.Cells.Skip(split).Take(width - split)];
        for (int i = 0; i < contestNames.Count; i++)
        {
            if (contestNames[i].Length == 0 || contestNames.IndexOf(contestNames[i]) != i)
            {
                throw new AuditInputException(file, header.Row, $"#{split + i + 1}", contestNames[i].Length == 0 ? "A contest column has no name." : $"Contest \"{contestNames[i]}\" appears twice.");
            }
        }

        Dictionary<long, (int, Dictionary<string, ContestVote>)> votes = [];
        Dictionary<string, SortedSet<string>> choices = contestNames.ToDictionary(c => c, _ => new SortedSet<string>(StringComparer.Ordinal), StringComparer.Ordinal);
        foreach (CsvRow row in rows.Skip(1))
        {
            int cells = row.Cells.Count;
            while (cells > width && row.Cells[cells - 1].Length == 0)
            {
                cells--;
            }

            if (cells != width)
            {
                throw new AuditInputException(file, row.Row, "", $"Expected {width} cells as in the header, found {cells}.");
            }

            string numberText = row.Cells[cvrColumn];
            if (!long.TryParse(numberText, NumberStyles.None, CultureInfo.InvariantCulture, out long number))
            {
                throw new AuditInputException(file, row.Row, "Cast Vote Record", numberText.Length == 0 ? "The cell is empty; every row needs its Cast Vote Record number." : $"\"{numberText}\" is not a Cast Vote Record number.");
            }

            if (votes.TryGetValue(number, out var firstRow))
            {
                throw new AuditInputException(file, row.Row, "Cast Vote Record", $"Cast Vote Record {number} is also on row {firstRow.Item1}.");
            }

            Dictionary<string, ContestVote> card = new(StringComparer.Ordinal);
            for (int i = 0; i < contestNames.Count; i++)
            {
                string cell = row.Cells[split + i];
                if (cell.Length == 0)
                {
                    continue;
                }

                if (cell.Equals("overvote", StringComparison.OrdinalIgnoreCase))
                {
                    card[contestNames[i]] = ContestVote.Overvote;
                }
                else if (cell.Equals("undervote", StringComparison.OrdinalIgnoreCase))
                {
                    card[contestNames[i]] = ContestVote.Undervote;
                }
                else
                {
                    card[contestNames[i]] = new ContestVote(ContestVoteKind.Marks, new Dictionary<string, int>(StringComparer.Ordinal) { [cell] = 1 });
                    choices[contestNames[i]].Add(cell);
                }
            }

            votes[number] = (row.Row, card);
        }

        // A contest with no real choice is left out, as ES&S exports name choices only through votes.
        List<RawContest> contests = [.. contestNames.Where(c => choices[c].Count > 0).Select(c => new RawContest(c, 1, [.. choices[c]]))];
        HashSet<string> kept = [.. contests.Select(c => c.Name)];
        foreach ((_, Dictionary<string, ContestVote> card) in votes.Values)
        {
            foreach (string dropped in card.Keys.Where(k => !kept.Contains(k)).ToList())
            {
                card.Remove(dropped);
            }
        }

        return (contests, votes);
    }

    private static void ReadBallotsFile(string file, IReadOnlyList<CsvRow> rows,
        Dictionary<long, (string? Tabulator, string Batch, UInt128 Key, string Record, string Imprinted, InputPlace Place)> placed)
    {
        int h = -1;
        for (int i = 0; i < rows.Count; i++)
        {
            if (rows[i].Cells.Count > 0 && rows[i].Cells[0].Equals("Cast Vote Record", StringComparison.OrdinalIgnoreCase))
            {
                h = i;
                break;
            }
        }

        if (h < 0)
        {
            throw new AuditInputException(file, 0, "Cast Vote Record", "No header row beginning with Cast Vote Record in this ballots file.");
        }

        if (h > 0 && !rows[0].Cells[0].StartsWith("Ballots", StringComparison.Ordinal))
        {
            throw new AuditInputException(file, rows[0].Row, "", "Rows before the header: only the ES&S preamble that starts with \"Ballots\" may come before it.");
        }

        CsvRow header = rows[h];
        int Column(string name) => Array.FindIndex([.. header.Cells], c => c.Equals(name, StringComparison.OrdinalIgnoreCase));
        int batchColumn = Column("Batch"), tabulatorCvr = Column("Tabulator CVR"), machine = Column("Machine");
        foreach ((string name, int index) in new[] { ("Batch", batchColumn), ("Tabulator CVR", tabulatorCvr) })
        {
            if (index < 0)
            {
                throw new AuditInputException(file, header.Row, name, $"Missing required column {name}.");
            }
        }

        int need = Math.Max(batchColumn, Math.Max(tabulatorCvr, machine)) + 1;
        foreach (CsvRow row in rows.Skip(h + 1))
        {
            if (row.Cells.All(c => c.Length == 0) || TotalRow().IsMatch(row.Cells[0]))
            {
                continue;
            }

            if (row.Cells.Count < need)
            {
                throw new AuditInputException(file, row.Row, "", $"The row has {row.Cells.Count} cells; the header has {header.Cells.Count}.");
            }

            if (!long.TryParse(row.Cells[0], NumberStyles.None, CultureInfo.InvariantCulture, out long number))
            {
                throw new AuditInputException(file, row.Row, "Cast Vote Record", $"\"{row.Cells[0]}\" is not a Cast Vote Record number.");
            }

            string batch = row.Cells[batchColumn];
            if (batch.Length == 0)
            {
                throw new AuditInputException(file, row.Row, "Batch", "The cell is empty; every card needs its batch.");
            }

            string id = row.Cells[tabulatorCvr];
            InputPlace place = new(file, row.Row, "Tabulator CVR");
            string tabulator, record;
            UInt128 key;
            if (TenDigits().IsMatch(id))
            {
                tabulator = machine >= 0 ? row.Cells[machine] : id[..4];
                record = ulong.Parse(id[4..], CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture);
                key = ulong.Parse(id[4..], CultureInfo.InvariantCulture) * TenToTheTen;
            }
            else if (machine >= 0 && Hex16().IsMatch(id))
            {
                tabulator = row.Cells[machine];
                record = id;
                key = ulong.Parse(id, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
            }
            else
            {
                string hint = id.Contains('E', StringComparison.OrdinalIgnoreCase) && id.Contains('+', StringComparison.Ordinal)
                    ? " It looks like a spreadsheet turned it into scientific notation; export the file again without opening it in a spreadsheet."
                    : id.All(char.IsAsciiDigit) ? " Make sure its leading zeros were not stripped (a spreadsheet does that)." : "";
                throw place.Error(machine >= 0
                    ? $"\"{id}\" (Cast Vote Record {number}) is neither a ten-digit number nor a sixteen-digit hexadecimal id.{hint}"
                    : $"\"{id}\" (Cast Vote Record {number}) is not a ten-digit number (four-digit tabulator, six-digit record) and there is no Machine column.{hint}");
            }

            if (tabulator.Length == 0)
            {
                throw new AuditInputException(file, row.Row, "Machine", "The cell is empty; the Machine column names each card's tabulator.");
            }

            if (placed.TryGetValue(number, out var first))
            {
                throw new AuditInputException(file, row.Row, "Cast Vote Record", $"Cast Vote Record {number} is also in {first.Place}; each card is listed once.");
            }

            placed[number] = (tabulator, batch, key, record, id, new InputPlace(file, row.Row, "Tabulator CVR, Batch"));
        }
    }

    [GeneratedRegex(@"^Total\s*:", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex TotalRow();

    [GeneratedRegex(@"^[0-9]{10}$", RegexOptions.CultureInvariant)]
    private static partial Regex TenDigits();

    [GeneratedRegex(@"^[0-9a-fA-F]{16}$", RegexOptions.CultureInvariant)]
    private static partial Regex Hex16();
}
