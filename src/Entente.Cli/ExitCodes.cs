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
}
