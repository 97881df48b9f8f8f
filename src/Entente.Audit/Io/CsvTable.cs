// A strict RFC 4180 reader for the audit's CSV inputs. Files from election offices are messy: a UTF-8 or
// UTF-16 byte-order mark, Windows-1252 text saved by spreadsheets, CRLF line ends, a "Total" row at the end,
// extra or missing cells, spreadsheets saved with the wrong extension. Every problem is reported with the row
// and column where it is, as an AuditInputException.
using System.Globalization;
using System.Text;

namespace Entente.Audit.Io;

/// <summary>One data row: its 1-based line number and its cells (trimmed).</summary>
/// <param name="Row">Line on which the record starts (the header is row 1 when it is the first line).</param>
/// <param name="Cells">The cells, trimmed of surrounding white space.</param>
public sealed record CsvRow(int Row, IReadOnlyList<string> Cells);

/// <summary>A parsed CSV file with a header row.</summary>
public sealed class CsvTable
{
    /// <summary>Files larger than this are refused (1 GiB).</summary>
    public const long MaxBytes = 1L << 30;

    private static readonly string[] TotalWords = ["total", "totals", "grand total", "sum", "subtotal"];

    private readonly Dictionary<string, int> _columns;

    private CsvTable(string file, IReadOnlyList<string> header, IReadOnlyList<CsvRow> rows)
    {
        File = file;
        Header = header;
        Rows = rows;
        _columns = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < header.Count; i++)
        {
            _columns[Normalize(header[i])] = i;
        }
    }

    /// <summary>The file name used in error messages.</summary>
    public string File { get; }

    /// <summary>The header cells as written.</summary>
    public IReadOnlyList<string> Header { get; }

    /// <summary>The data rows, blank lines left out.</summary>
    public IReadOnlyList<CsvRow> Rows { get; }

    /// <summary>Reads and parses a CSV file.</summary>
    public static CsvTable Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        FileInfo info = new(path);
        if (!info.Exists)
        {
            throw new AuditInputException(path, 0, "", "The file does not exist.");
        }

        if (info.Length > MaxBytes)
        {
            throw new AuditInputException(path, 0, "", $"The file is larger than {MaxBytes} bytes.");
        }

        return Parse(System.IO.File.ReadAllBytes(path), Path.GetFileName(path));
    }

    /// <summary>
    /// Reads a file's records without a header rule, for vendor exports whose rows differ in width (Dominion's four
    /// header rows, ES&amp;S preambles). Cells are trimmed; with <paramref name="excelText"/> a cell written
    /// <c>="…"</c> (a spreadsheet's guard against number conversion) reads as its quoted text.
    /// </summary>
    public static IReadOnlyList<CsvRow> ReadRecords(string path, bool excelText)
    {
        ArgumentNullException.ThrowIfNull(path);
        return ReadRecords(ReadBytes(path), Path.GetFileName(path), excelText);
    }

    /// <summary>Reads records from bytes; see <see cref="ReadRecords(string, bool)"/>.</summary>
    public static IReadOnlyList<CsvRow> ReadRecords(ReadOnlySpan<byte> bytes, string file, bool excelText)
    {
        ArgumentNullException.ThrowIfNull(file);
        return [.. Tokenize(Decode(bytes, file), file, excelText).Select(r => new CsvRow(r.Row, r.Cells))];
    }

    /// <summary>A file's bytes, refused when missing or larger than <see cref="MaxBytes"/>.</summary>
    public static byte[] ReadBytes(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        FileInfo info = new(path);
        if (!info.Exists)
        {
            throw new AuditInputException(path, 0, "", "The file does not exist.");
        }

        if (info.Length > MaxBytes)
        {
            throw new AuditInputException(path, 0, "", $"The file is larger than {MaxBytes} bytes.");
        }

        return System.IO.File.ReadAllBytes(path);
    }

    /// <summary>Decodes a text file's bytes: a UTF-8 or UTF-16 byte-order mark, else UTF-8, else Windows-1252.</summary>
    public static string DecodeText(ReadOnlySpan<byte> bytes, string file)
    {
        ArgumentNullException.ThrowIfNull(file);
        return Decode(bytes, file);
    }

    /// <summary>Parses CSV bytes: detects the encoding, then the header and rows.</summary>
    public static CsvTable Parse(ReadOnlySpan<byte> bytes, string file)
    {
        ArgumentNullException.ThrowIfNull(file);
        string text = Decode(bytes, file);
        List<(int Row, List<string> Cells)> records = Tokenize(text, file, false);
        records.RemoveAll(r => r.Cells.Count == 1 && r.Cells[0].Length == 0);
        if (records.Count == 0)
        {
            throw new AuditInputException(file, 0, "", "The file is empty; expected a header row and data rows.");
        }

        List<string> header = records[0].Cells;
        int headerRow = records[0].Row;
        HashSet<string> seen = new(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < header.Count; i++)
        {
            if (header[i].Length == 0)
            {
                throw new AuditInputException(file, headerRow, $"#{i + 1}", "The header has an empty column name.");
            }

            if (!seen.Add(Normalize(header[i])))
            {
                throw new AuditInputException(file, headerRow, header[i], "The column appears twice in the header.");
            }
        }

        List<CsvRow> rows = [];
        foreach ((int row, List<string> cells) in records.Skip(1))
        {
            if (cells.All(c => c.Length == 0))
            {
                continue;
            }

            if (cells.Count != header.Count)
            {
                throw new AuditInputException(file, row, "",
                    $"Expected {header.Count} cells as in the header, found {cells.Count}. Check for a stray comma or a missing quote.");
            }

            for (int i = 0; i < cells.Count; i++)
            {
                string lowered = cells[i].ToLowerInvariant().TrimEnd(':');
                if (TotalWords.Contains(lowered))
                {
                    throw new AuditInputException(file, row, header[i],
                        $"\"{cells[i]}\" looks like a total row. Remove total rows: the audit adds up the rows itself.");
                }
            }

            rows.Add(new CsvRow(row, cells));
        }

        return new CsvTable(file, header, rows);
    }

    /// <summary>Checks the header: every required column present, nothing outside required ∪ optional.</summary>
    public void RequireColumns(IReadOnlyCollection<string> required, IReadOnlyCollection<string> optional)
    {
        ArgumentNullException.ThrowIfNull(required);
        ArgumentNullException.ThrowIfNull(optional);
        foreach (string name in required)
        {
            if (!HasColumn(name))
            {
                throw new AuditInputException(File, 1, name,
                    $"Missing column. Expected the columns {string.Join(", ", required)}" +
                    (optional.Count > 0 ? $" (optional: {string.Join(", ", optional)})." : "."));
            }
        }

        foreach (string column in Header)
        {
            if (!required.Concat(optional).Any(x => Normalize(x).Equals(Normalize(column), StringComparison.OrdinalIgnoreCase)))
            {
                throw new AuditInputException(File, 1, column,
                    $"Unexpected column. Expected {string.Join(", ", required.Concat(optional))}.");
            }
        }
    }

    /// <summary>Whether the header has the column (case, spaces and underscores ignored).</summary>
    public bool HasColumn(string name) => _columns.ContainsKey(Normalize(name));

    /// <summary>The cell of <paramref name="row"/> in <paramref name="column"/>, or null when the column is absent.</summary>
    public string? Cell(CsvRow row, string column)
    {
        ArgumentNullException.ThrowIfNull(row);
        return _columns.TryGetValue(Normalize(column), out int index) ? row.Cells[index] : null;
    }

    /// <summary>A required non-empty text cell.</summary>
    public string Text(CsvRow row, string column)
    {
        string? value = Cell(row, column);
        if (string.IsNullOrEmpty(value))
        {
            throw new AuditInputException(File, row.Row, column, "The cell is empty; a value is required.");
        }

        return value;
    }

    /// <summary>A required whole number ≥ <paramref name="minimum"/>.</summary>
    public long Count(CsvRow row, string column, long minimum = 0)
    {
        string value = Text(row, column);
        if (!long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long number))
        {
            throw new AuditInputException(File, row.Row, column, $"\"{value}\" is not a whole number; expected a number ≥ {minimum}.");
        }

        if (number < minimum)
        {
            throw new AuditInputException(File, row.Row, column, $"{number} is below the minimum; expected a number ≥ {minimum}.");
        }

        return number;
    }

    /// <summary>The location-carrying exception for a row and column of this file.</summary>
    public AuditInputException Error(CsvRow row, string column, string problem)
    {
        ArgumentNullException.ThrowIfNull(row);
        return new AuditInputException(File, row.Row, column, problem);
    }

    private static string Normalize(string name) =>
        name.Replace(" ", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal).ToLowerInvariant();

    private static string Decode(ReadOnlySpan<byte> bytes, string file)
    {
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            return Strict(new UTF8Encoding(false, true), bytes[3..], file, "UTF-8");
        }

        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]))
        {
            return Strict(new UnicodeEncoding(false, false, true), bytes[2..], file, "UTF-16");
        }

        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            return Strict(new UnicodeEncoding(true, false, true), bytes[2..], file, "UTF-16");
        }

        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xD0, 0xCF, 0x11, 0xE0]) || bytes.StartsWith("PK\u0003\u0004"u8))
        {
            throw new AuditInputException(file, 0, "", "This is a spreadsheet (XLS or XLSX), not CSV. Save it as CSV and try again.");
        }

        if (bytes.Contains((byte)0))
        {
            throw new AuditInputException(file, 0, "", "The file contains NUL bytes: it is not a text CSV file.");
        }

        try
        {
            return new UTF8Encoding(false, true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            // Not UTF-8: spreadsheets on Windows save Windows-1252.
            return Windows1252.GetString(bytes);
        }
    }

    private static string Strict(Encoding encoding, ReadOnlySpan<byte> bytes, string file, string name)
    {
        try
        {
            return encoding.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new AuditInputException(file, 0, "", $"The file starts with a {name} byte-order mark but is not valid {name}.");
        }
    }

    private static List<(int Row, List<string> Cells)> Tokenize(string text, string file, bool excelText)
    {
        List<(int, List<string>)> records = [];
        List<string> cells = [];
        StringBuilder cell = new();
        int line = 1;
        int recordStart = 1;
        bool inQuotes = false;
        bool quoted = false;
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (inQuotes)
            {
                if (c == '"')
                {
                    if (i + 1 < text.Length && text[i + 1] == '"')
                    {
                        cell.Append('"');
                        i += 2;
                        continue;
                    }

                    inQuotes = false;
                    i++;
                    continue;
                }

                if (c == '\n')
                {
                    line++;
                }

                cell.Append(c);
                i++;
                continue;
            }

            switch (c)
            {
                case '"':
                    if (excelText && !quoted && cell.ToString().Trim() == "=")
                    {
                        cell.Clear(); // ="0001": the quoted text is the value
                    }

                    if (cell.ToString().Trim().Length > 0 || quoted)
                    {
                        throw new AuditInputException(file, line, $"#{cells.Count + 1}", "A quote appears inside an unquoted cell; quote the whole cell and double inner quotes.");
                    }

                    cell.Clear();
                    inQuotes = true;
                    quoted = true;
                    i++;
                    break;
                case ',':
                    cells.Add(cell.ToString().Trim());
                    cell.Clear();
                    quoted = false;
                    i++;
                    break;
                case '\r' or '\n':
                    cells.Add(cell.ToString().Trim());
                    cell.Clear();
                    quoted = false;
                    records.Add((recordStart, cells));
                    cells = [];
                    i += c == '\r' && i + 1 < text.Length && text[i + 1] == '\n' ? 2 : 1;
                    line++;
                    recordStart = line;
                    break;
                default:
                    if (quoted && !char.IsWhiteSpace(c))
                    {
                        throw new AuditInputException(file, line, $"#{cells.Count + 1}", "Text follows a closing quote; quote the whole cell and double inner quotes.");
                    }

                    cell.Append(c);
                    i++;
                    break;
            }
        }

        if (inQuotes)
        {
            throw new AuditInputException(file, recordStart, $"#{cells.Count + 1}", "A quoted cell is never closed.");
        }

        if (cell.Length > 0 || cells.Count > 0)
        {
            cells.Add(cell.ToString().Trim());
            records.Add((recordStart, cells));
        }

        return records;
    }

    /// <summary>Windows-1252: Latin-1 except 0x80–0x9F.</summary>
    private static class Windows1252
    {
        private static readonly char[] High =
        [
            '\u20AC', '\u0081', '\u201A', '\u0192', '\u201E', '\u2026', '\u2020', '\u2021',
            '\u02C6', '\u2030', '\u0160', '\u2039', '\u0152', '\u008D', '\u017D', '\u008F',
            '\u0090', '\u2018', '\u2019', '\u201C', '\u201D', '\u2022', '\u2013', '\u2014',
            '\u02DC', '\u2122', '\u0161', '\u203A', '\u0153', '\u009D', '\u017E', '\u0178',
        ];

        public static string GetString(ReadOnlySpan<byte> bytes)
        {
            char[] chars = new char[bytes.Length];
            for (int i = 0; i < bytes.Length; i++)
            {
                byte b = bytes[i];
                chars[i] = b is >= 0x80 and <= 0x9F ? High[b - 0x80] : (char)b;
            }

            return new string(chars);
        }
    }
}
