using Entente.Rolls;
using Entente.Rolls.Results;
using Entente.Transparency;

namespace Entente.Server.Board;

/// <summary>
/// The board's rules for voter rolls (docs/rolls.md): a roll is opened by a member with the role <c>authority</c>, which
/// alone changes it; each change follows <see cref="RollLedger.CheckChange"/>; a snapshot must be exactly the roll the log
/// has built. The change's time may not be ahead of the board's clock (beyond a small skew), so that the alert rules on
/// hours read times the board vouched for. Replaying the log (<c>trusted</c>) applies without checking.
/// </summary>
public sealed class RollRules(TimeProvider clock)
{
    /// <summary>How far ahead of the board's clock a change's time may be.</summary>
    public static readonly TimeSpan MaxSkew = TimeSpan.FromMinutes(5);

    /// <summary>The rolls as the log has built them.</summary>
    public RollLedger Ledger { get; } = new();

    /// <summary>The unofficial results as the log has built them (docs/results.md).</summary>
    public ResultsLedger Results { get; } = new();

    /// <summary>Parses and checks a roll artifact of <paramref name="kind"/>.</summary>
    public PreparedArtifact Prepare(BoardKind kind, byte[] body, string party, bool trusted)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            switch (kind.Collection)
            {
                case "roll-inits":
                    RollInit init = RollArtifacts.ReadInit(body);
                    Refuse(trusted ? null : Ledger.CheckInit(init), "roll opening");
                    return new PreparedArtifact(init.Jurisdiction, RollArtifacts.InitType, null, null) { Apply = () => Ledger.ApplyInit(init, party) };
                case "results":
                    UnitResults results = UnitResults.Read(body);
                    Refuse(trusted ? null : Results.Check(results, party, Ledger), "results");
                    return new PreparedArtifact(results.Id, UnitResults.Type, null, null) { Apply = () => Results.Apply(results, party) };
                case "roll-snapshots":
                    RollSnapshot snapshot = RollArtifacts.ReadSnapshot(body);
                    Refuse(trusted ? null : Ledger.CheckSnapshot(snapshot, party), "roll snapshot");
                    return new PreparedArtifact(snapshot.Id, RollArtifacts.SnapshotType, null, null) { Apply = () => Ledger.ApplySnapshot(snapshot) };
                default:
                    RollChange change = RollArtifacts.ReadChange(body);
                    if (!trusted && change.At > clock.GetUtcNow() + MaxSkew)
                    {
                        Refuse($"$.at: {RollArtifacts.Time(change.At)} is ahead of the board's clock ({RollArtifacts.Time(clock.GetUtcNow())})", "roll change");
                    }

                    Refuse(trusted ? null : Ledger.CheckChange(change, party), "roll change");
                    Hash256 sha = Hash256.Compute(body);
                    return new PreparedArtifact(change.Id, change.Type, null, null) { Apply = () => Ledger.ApplyChange(change, sha) };
            }
        }
        catch (RollFormatException e)
        {
            throw BoardRefusal.Invalid("Invalid artifact", e.Message).Raise();
        }
    }

    private static void Refuse(string? problem, string what)
    {
        if (problem is not null)
        {
            throw BoardRefusal.Invalid("Refused by the roll's rules", $"{what}: {problem}.").Raise();
        }
    }
}
