namespace Entente.Cli;

/// <summary>Exit codes shared by every verb.</summary>
internal static class ExitCodes
{
    /// <summary>Everything succeeded.</summary>
    public const int Ok = 0;

    /// <summary>A verification or check failed.</summary>
    public const int CheckFailed = 1;

    /// <summary>Usage error or unreadable input.</summary>
    public const int UsageOrInput = 2;

    /// <summary>
    /// Stopped by Ctrl-C or SIGTERM before it finished (128 + SIGINT, what a shell reports for Ctrl-C): neither a result
    /// nor a failed check. A verb that serves until stopped (serve, demo) exits 0 instead.
    /// </summary>
    public const int Interrupted = 130;

    /// <summary>
    /// A fault of entente itself (an exception none of the project's input, usage, resource or check errors names): a bug
    /// to report, not a result. 70 is EX_SOFTWARE of sysexits(3). Before, such a fault went to System.CommandLine's
    /// handler and exited 1, which <c>verify</c> and every checking verb define as "a check failed".
    /// </summary>
    public const int InternalError = 70;
}
