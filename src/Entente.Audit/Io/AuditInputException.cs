namespace Entente.Audit.Io;

/// <summary>
/// Input that cannot be used, with where it is: the file, the 1-based row (the header is row 1; 0 for the
/// file as a whole) and the column name (empty when the problem is the whole row or file).
/// </summary>
public sealed class AuditInputException : FormatException
{
    /// <summary>Creates the exception; the message says what is wrong and what to do.</summary>
    public AuditInputException(string file, int row, string column, string problem)
        : base(Format(file, row, column, problem))
    {
        File = file;
        Row = row;
        Column = column;
        Problem = problem;
    }

    /// <summary>Creates an exception without location.</summary>
    public AuditInputException()
        : this("", 0, "", "Invalid audit input.")
    {
    }

    /// <summary>Creates an exception without location.</summary>
    public AuditInputException(string message)
        : this("", 0, "", message)
    {
    }

    /// <summary>Creates an exception without location.</summary>
    public AuditInputException(string message, Exception innerException)
        : base(message, innerException)
    {
        File = "";
        Column = "";
        Problem = message;
    }

    /// <summary>The file name as given.</summary>
    public string File { get; }

    /// <summary>The 1-based row (line of the record's start); 0 for the whole file.</summary>
    public int Row { get; }

    /// <summary>The column name, or empty.</summary>
    public string Column { get; }

    /// <summary>What is wrong, without the location.</summary>
    public string Problem { get; }

    private static string Format(string file, int row, string column, string problem)
    {
        string where = file;
        if (row > 0)
        {
            where += $", row {row}";
        }

        if (column.Length > 0)
        {
            where += $", column \"{column}\"";
        }

        return where.Length == 0 ? problem : $"{where}: {problem}";
    }
}
