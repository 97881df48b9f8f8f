using System.Text;

namespace Entente.Verifier.Framework;

/// <summary>
/// The object of an election record a check concerns: a guardian, a ballot (with its contest and
/// option), a device, the tally, or a file. Every part is optional; the most specific ones present
/// identify the object.
/// </summary>
public sealed record RecordObject
{
    /// <summary>The whole record, when a check concerns no single object.</summary>
    public static RecordObject Election { get; } = new();

    /// <summary>Guardian identifier or index, when the check concerns a guardian.</summary>
    public string? Guardian { get; init; }

    /// <summary>Encrypting device, when the check concerns a device's ballot chain.</summary>
    public string? Device { get; init; }

    /// <summary>Ballot identifier, or "tally" for the tally.</summary>
    public string? Ballot { get; init; }

    /// <summary>Contest identifier (label) from the manifest.</summary>
    public string? Contest { get; init; }

    /// <summary>Option (selection) identifier from the manifest.</summary>
    public string? Option { get; init; }

    /// <summary>Record file, relative to the record directory, when the check concerns a file.</summary>
    public string? File { get; init; }

    /// <summary>A guardian.</summary>
    public static RecordObject ForGuardian(string guardian) => new() { Guardian = guardian };

    /// <summary>A ballot, optionally narrowed to a contest and option.</summary>
    public static RecordObject ForBallot(string ballot, string? contest = null, string? option = null)
        => new() { Ballot = ballot, Contest = contest, Option = option };

    /// <summary>A device's ballot chain.</summary>
    public static RecordObject ForDevice(string device) => new() { Device = device };

    /// <summary>A record file.</summary>
    public static RecordObject ForFile(string file) => new() { File = file };

    /// <summary>The same object narrowed to a contest.</summary>
    public RecordObject WithContest(string contest) => this with { Contest = contest };

    /// <summary>The same object narrowed to an option.</summary>
    public RecordObject WithOption(string option) => this with { Option = option };

    /// <summary>"guardian guardian1", "ballot id-3 / contest contest1 / option selection2", "election".</summary>
    public override string ToString()
    {
        StringBuilder text = new();
        Append(text, "file", File);
        Append(text, "guardian", Guardian);
        Append(text, "device", Device);
        Append(text, "ballot", Ballot);
        Append(text, "contest", Contest);
        Append(text, "option", Option);
        return text.Length == 0 ? "election" : text.ToString();
    }

    private static void Append(StringBuilder text, string kind, string? value)
    {
        if (value is null)
        {
            return;
        }

        if (text.Length > 0)
        {
            text.Append(" / ");
        }

        text.Append(kind).Append(' ').Append(value);
    }
}
