// Ballot manifests as counties export them (Arlo's template and its real-world variants): headers in any case and
// order, a byte-order mark, Windows-1252, CRLF, blank rows, trailing empty columns, thousands separators. What is
// refused is what could make the audit draw from the wrong population: an unknown or unnamed column, a total row,
// a last row that is the sum of the rows above it, a batch of 0 ballots, a duplicate batch, a row of the wrong width.
using System.Globalization;
using System.Text.RegularExpressions;
using Entente.Audit.Io;

namespace Entente.Audit.Vendors;

/// <summary>Reads a ballot manifest in Arlo's form (and Entente's own column names).</summary>
public static partial class VendorManifest
{
    private static readonly Dictionary<string, string> Columns = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Container"] = "Container",
        ["Tabulator"] = "Tabulator",
        ["Batch Name"] = "Batch",
        ["Batch"] = "Batch",
        ["Number of Ballots"] = "Ballots",
        ["Ballots"] = "Ballots",
        ["CVR"] = "CVR",
        ["Jurisdiction"] = "Jurisdiction",
    };

    /// <summary>Loads and checks a manifest file.</summary>
    public static BallotManifest Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Parse(CsvTable.ReadBytes(path), Path.GetFileName(path));
    }

    /// <summary>Parses manifest bytes; <paramref name="file"/> names the file in messages.</summary>
    public static BallotManifest Parse(ReadOnlySpan<byte> bytes, string file)
    {
        List<CsvRow> records = [.. CsvTable.ReadRecords(bytes, file, excelText: true).Where(r => r.Cells.Any(c => c.Length > 0))];
        if (records.Count == 0)
        {
            throw new AuditInputException(file, 0, "", "The file is empty; expected a header row and one row per batch.");
        }

        CsvRow header = records[0];
        int width = header.Cells.Count;
        while (width > 0 && header.Cells[width - 1].Length == 0)
        {
            width--;
        }

        Dictionary<string, int> index = new(StringComparer.Ordinal);
        for (int i = 0; i < width; i++)
        {
            string name = header.Cells[i];
            if (name.Length == 0 || !Columns.TryGetValue(name, out string? column))
            {
                throw new AuditInputException(file, header.Row, name.Length == 0 ? $"#{i + 1}" : name,
                    (name.Length == 0 ? "The header has an empty column name. " : "Unexpected column. ") +
                    "Allowed columns: Container, Tabulator, Batch Name, Number of Ballots, CVR (and Jurisdiction).");
            }

            if (!index.TryAdd(column, i))
            {
                throw new AuditInputException(file, header.Row, name, "The column appears twice in the header.");
            }
        }

        // Trailing columns without a header may stay only while they are empty.
        foreach (CsvRow row in records.Skip(1))
        {
            for (int i = width; i < row.Cells.Count; i++)
            {
                if (row.Cells[i].Length > 0)
                {
                    throw new AuditInputException(file, row.Row, $"#{i + 1}",
                        $"The cell \"{row.Cells[i]}\" is in a column without a header. Name the column or remove the value.");
                }
            }
        }

        foreach (string required in new[] { "Batch", "Ballots" })
        {
            if (!index.ContainsKey(required))
            {
                throw new AuditInputException(file, header.Row, required == "Batch" ? "Batch Name" : "Number of Ballots",
                    "Missing column. A manifest has the columns Container (optional), Tabulator (optional), Batch Name, Number of Ballots.");
            }
        }

        List<ManifestBatch> batches = [];
        string? jurisdiction = null;
        foreach (CsvRow row in records.Skip(1))
        {
            int cells = row.Cells.Count;
            while (cells > width && row.Cells[cells - 1].Length == 0)
            {
                cells--;
            }

            if (cells != width)
            {
                throw new AuditInputException(file, row.Row, "",
                    $"Expected {width} cells as in the header, found {cells}. Check for a stray comma or a missing quote.");
            }

            for (int i = 0; i < width; i++)
            {
                if (TotalWord().IsMatch(row.Cells[i]))
                {
                    throw new AuditInputException(file, row.Row, header.Cells[i],
                        $"\"{row.Cells[i]}\" looks like a total row. Remove total rows: the audit adds up the rows itself.");
                }
            }

            string? Cell(string column) => index.TryGetValue(column, out int i) && row.Cells[i].Length > 0 ? row.Cells[i] : null;
            string batch = Cell("Batch") ?? throw new AuditInputException(file, row.Row, header.Cells[index["Batch"]], "The cell is empty; every row needs its batch name.");
            string? tabulator = Cell("Tabulator");
            if (index.TryGetValue("Tabulator", out int tabulatorIndex) && tabulator is null)
            {
                throw new AuditInputException(file, row.Row, header.Cells[tabulatorIndex], "The cell is empty; every batch needs its tabulator when the column is present.");
            }

            string countColumn = header.Cells[index["Ballots"]];
            string countText = Cell("Ballots") ?? throw new AuditInputException(file, row.Row, countColumn, "The cell is empty; every batch needs its number of ballots.");
            if (!long.TryParse(countText, NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out long count))
            {
                throw new AuditInputException(file, row.Row, countColumn, $"\"{countText}\" is not a whole number of ballots.");
            }

            if (count == 0)
            {
                throw new AuditInputException(file, row.Row, countColumn, "A batch of 0 ballots: remove the row, or give the batch's real count.");
            }

            if (Cell("CVR") is { } cvr && cvr is not ("Y" or "N" or "y" or "n"))
            {
                throw new AuditInputException(file, row.Row, header.Cells[index["CVR"]], $"\"{cvr}\" is not Y or N.");
            }

            if (Cell("Jurisdiction") is { } j)
            {
                if (jurisdiction is not null && jurisdiction != j)
                {
                    throw new AuditInputException(file, row.Row, header.Cells[index["Jurisdiction"]], $"One manifest covers one jurisdiction; found \"{jurisdiction}\" and \"{j}\".");
                }

                jurisdiction = j;
            }

            batches.Add(new ManifestBatch(Cell("Container"), tabulator, batch, count, row.Row));
        }

        if (batches.Count == 0)
        {
            throw new AuditInputException(file, 0, "", "The manifest has no batches.");
        }

        if (batches.Count > 2 && batches[^1].Ballots == batches.Take(batches.Count - 1).Sum(b => b.Ballots))
        {
            throw new AuditInputException(file, batches[^1].Row, header.Cells[index["Ballots"]],
                $"The last row's {batches[^1].Ballots} ballots equal the sum of the rows above it: it looks like a total row. Remove it.");
        }

        return new BallotManifest(batches, jurisdiction, file);
    }

    [GeneratedRegex(@"\b(sub)?totals?\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex TotalWord();
}
