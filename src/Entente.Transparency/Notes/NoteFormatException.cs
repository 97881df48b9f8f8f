namespace Entente.Transparency.Notes;

/// <summary>A note, checkpoint, key or other log text that is not well formed. The message names the problem.</summary>
public sealed class NoteFormatException : FormatException
{
    /// <summary>Creates the exception.</summary>
    public NoteFormatException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public NoteFormatException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public NoteFormatException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

/// <summary>Why a well-formed note did not open.</summary>
public enum NoteVerificationFailure
{
    /// <summary>No signature is from a known key (none verified).</summary>
    NoVerifiableSignatures,

    /// <summary>A signature whose name and key ID match a known key does not verify.</summary>
    InvalidSignature,

    /// <summary>The verifier list holds the same name and key ID twice, and the note uses it.</summary>
    AmbiguousKey,
}

/// <summary>A well-formed note whose signatures do not satisfy the verifiers.</summary>
public sealed class NoteVerificationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public NoteVerificationException(NoteVerificationFailure failure, string message) : base(message) => Failure = failure;

    /// <summary>Creates the exception.</summary>
    public NoteVerificationException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public NoteVerificationException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public NoteVerificationException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>The kind of failure.</summary>
    public NoteVerificationFailure Failure { get; }
}
