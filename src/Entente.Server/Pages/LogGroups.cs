using Entente.Exchange.Log;

namespace Entente.Server.Pages;

/// <summary>The families of log entries, by stage of the election, as the dashboard counts them and the log page filters them.</summary>
public static class LogGroups
{
    /// <summary>A family: its label, the log page's filter, and which types it holds.</summary>
    public sealed record Group(string Label, string Filter, Func<string, bool> Matches);

    /// <summary>Every family, in the order of an election.</summary>
    public static readonly IReadOnlyList<Group> Groups =
    [
        new("Charter, manifest, parameters", "stage:setup", t => t is "charter" or "witness.policy" or "manifest" or "election.parameters"),
        new("Key ceremony", "stage:key-ceremony", t => t.StartsWith("guardian.", StringComparison.Ordinal) || t == "election.key"),
        new("Ballots sealed (before the choice)", "ballot.sealed", t => t == "ballot.sealed"),
        new("Ballots cast", "ballot.cast", t => t == "ballot.cast"),
        new("Ballots challenged", "ballot.challenged", t => t == "ballot.challenged"),
        new("Uncast ballots, opened", "ballot.uncast", t => t == "ballot.uncast"),
        new("Device records", "device.record", t => t == "device.record"),
        new("Encrypted tally", "tally.encrypted", t => t == "tally.encrypted"),
        new("Partial decryptions", "decryption.*", t => t.StartsWith("decryption.", StringComparison.Ordinal)),
        new("Decrypted tally and openings", "stage:decrypted", t => t is "tally.decrypted" or "ballot.opened"),
        new("Record", "record.index", t => t == "record.index"),
        new("Audit (seed commitments, reveals, plan)", "audit.*", t => t.StartsWith("audit.", StringComparison.Ordinal)),
        new("Incident exchange messages", "stage:exchange", t => BoardAnchor.IsExchangeType(t) || t == "incident.unit"),
    ];

    /// <summary>Whether <paramref name="type"/> passes the log page's filter (a type, a family "x.*", or a stage "stage:…" of <see cref="Groups"/>).</summary>
    public static bool Matches(string? filter, string type)
    {
        ArgumentNullException.ThrowIfNull(type);
        if (string.IsNullOrEmpty(filter))
        {
            return true;
        }

        if (filter.StartsWith("stage:", StringComparison.Ordinal))
        {
            return Groups.FirstOrDefault(g => g.Filter == filter) is Group group && group.Matches(type);
        }

        return filter.EndsWith(".*", StringComparison.Ordinal) ? type.StartsWith(filter[..^1], StringComparison.Ordinal) : type == filter;
    }
}
