namespace Entente.Verifier.Framework;

/// <summary>
/// The record cannot be read: a file is missing, truncated, not JSON, or a field has the wrong shape.
/// Names the file (relative to the record directory) and the reason. Verification failures are not
/// exceptions; they are collected in a <see cref="VerificationReport"/>.
/// </summary>
public sealed class RecordInputException : Exception
{
    /// <summary>Creates the exception for a file and a reason.</summary>
    public RecordInputException(string file, string reason)
        : base($"{file}: {reason}")
    {
        File = file;
        Reason = reason;
    }

    /// <summary>Creates the exception for a file and a reason with the underlying error.</summary>
    public RecordInputException(string file, string reason, Exception innerException)
        : base($"{file}: {reason}", innerException)
    {
        File = file;
        Reason = reason;
    }

    /// <summary>Not used; every input error names a file.</summary>
    public RecordInputException()
        : this("(record)", "unreadable")
    {
    }

    /// <summary>Not used; every input error names a file.</summary>
    public RecordInputException(string message)
        : this("(record)", message)
    {
    }

    /// <summary>Not used; every input error names a file.</summary>
    public RecordInputException(string message, Exception innerException)
        : this("(record)", message, innerException)
    {
    }

    /// <summary>The file, relative to the record directory.</summary>
    public string File { get; }

    /// <summary>Why it cannot be read.</summary>
    public string Reason { get; }
}
