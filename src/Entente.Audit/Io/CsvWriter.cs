using System.Text;

namespace Entente.Audit.Io;

/// <summary>Writes RFC 4180 CSV (LF line ends, UTF-8 without BOM).</summary>
public static class CsvWriter
{
    /// <summary>One CSV line from cells. Cells that a spreadsheet would run as a formula (=, +, -, @ first) get a leading apostrophe.</summary>
    public static string Line(params IEnumerable<string?> cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        return string.Join(",", cells.Select(Escape));
    }

    /// <summary>Escapes one cell.</summary>
    public static string Escape(string? cell)
    {
        string text = cell ?? "";
        if (text.Length > 0 && text[0] is '=' or '+' or '@' or '\t' or '\r' || (text.Length > 1 && text[0] == '-' && !char.IsDigit(text[1])))
        {
            text = "'" + text;
        }

        return text.IndexOfAny([',', '"', '\n', '\r']) >= 0 || text != text.Trim()
            ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
            : text;
    }

    /// <summary>Joins lines with LF and a final LF.</summary>
    public static string Document(IEnumerable<string> lines)
    {
        StringBuilder builder = new();
        foreach (string line in lines)
        {
            builder.Append(line).Append('\n');
        }

        return builder.ToString();
    }
}

/// <summary>Orders names the way people read them: digit runs compare as numbers ("Batch 9" before "Batch 10").</summary>
public sealed class NaturalComparer : IComparer<string?>
{
    /// <summary>The shared instance.</summary>
    public static readonly NaturalComparer Instance = new();

    /// <inheritdoc/>
    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null)
        {
            return -1;
        }

        if (y is null)
        {
            return 1;
        }

        int i = 0, j = 0;
        while (i < x.Length && j < y.Length)
        {
            if (char.IsAsciiDigit(x[i]) && char.IsAsciiDigit(y[j]))
            {
                int si = i, sj = j;
                while (i < x.Length && char.IsAsciiDigit(x[i]))
                {
                    i++;
                }

                while (j < y.Length && char.IsAsciiDigit(y[j]))
                {
                    j++;
                }

                string a = x[si..i].TrimStart('0');
                string b = y[sj..j].TrimStart('0');
                int c = a.Length != b.Length ? a.Length.CompareTo(b.Length) : string.CompareOrdinal(a, b);
                if (c != 0)
                {
                    return c;
                }
            }
            else
            {
                int c = x[i].CompareTo(y[j]);
                if (c != 0)
                {
                    return c;
                }

                i++;
                j++;
            }
        }

        int tail = (x.Length - i).CompareTo(y.Length - j);
        return tail != 0 ? tail : string.CompareOrdinal(x, y);
    }
}
