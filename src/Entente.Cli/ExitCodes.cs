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
}
