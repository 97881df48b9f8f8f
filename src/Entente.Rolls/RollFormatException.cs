namespace Entente.Rolls;

/// <summary>A roll artifact or a voter's details that cannot be used; the message names the field and the problem.</summary>
public sealed class RollFormatException : FormatException
{
    /// <summary>Creates the exception.</summary>
    public RollFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public RollFormatException()
        : this("The roll artifact is not valid.")
    {
    }

    /// <summary>Creates the exception.</summary>
    public RollFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
