namespace Entente.Election;

/// <summary>
/// Input from outside (a manifest, a record file, a ballot, a guardian file) that is malformed, out of
/// range or inconsistent. The message names the file (when known), the object and the field, and never
/// contains a secret value.
/// </summary>
public sealed class ElectionFormatException : FormatException
{
    /// <summary>Creates the exception.</summary>
    public ElectionFormatException(string? file, string location, string problem, Exception? inner = null)
        : base(Compose(file, location, problem), inner)
    {
        File = file;
        Location = location;
        Problem = problem;
    }

    /// <summary>Creates an exception without detail (serialization-compatible constructor).</summary>
    public ElectionFormatException()
        : this(null, "", "invalid input")
    {
    }

    /// <summary>Creates an exception with a message only.</summary>
    public ElectionFormatException(string message)
        : this(null, "", message)
    {
    }

    /// <summary>Creates an exception with a message and a cause.</summary>
    public ElectionFormatException(string message, Exception innerException)
        : this(null, "", message, innerException)
    {
    }

    /// <summary>The file concerned, when known.</summary>
    public string? File { get; }

    /// <summary>The object and field, as a JSON path such as <c>$.contests[2].label</c>.</summary>
    public string Location { get; }

    /// <summary>What is wrong.</summary>
    public string Problem { get; }

    /// <summary>The same problem attributed to a file.</summary>
    public ElectionFormatException InFile(string file) => new(file, Location, Problem, InnerException);

    private static string Compose(string? file, string location, string problem)
    {
        string where = (file, location) switch
        {
            (null or "", "") => "",
            (null or "", _) => location + ": ",
            (_, "") => file + ": ",
            _ => file + ": " + location + ": ",
        };
        return where + problem;
    }
}
