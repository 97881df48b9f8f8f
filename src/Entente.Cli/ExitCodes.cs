namespace Entente.Cli;

/// <summary>Exit codes shared by every verb.</summary>
internal static class ExitCodes
{
    /// <summary>Everything succeeded.</summary>
    public const int Ok = 0;

    /// <summary>A verification or check failed.</summary>
    public const int CheckFailed = 1;

    /// <summary>
    /// Usage error or unreadable input; also a fault of entente itself (an exception none of the project's errors names),
    /// which the verbs' contract of 0, 1 and 2 leaves no other place for: the command could not do its work, which is
    /// what 2 says, and never 1, which would read as a failed check. Its message says it is a bug.
    /// </summary>
    public const int UsageOrInput = 2;

    /// <summary>
    /// Stopped by Ctrl-C or SIGTERM before it finished (128 + SIGINT, what a shell reports for Ctrl-C): neither a result
    /// nor a failed check. A verb that serves until stopped (serve, demo) exits 0 instead.
    /// </summary>
    public const int Interrupted = 130;
}
