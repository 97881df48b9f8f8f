using Entente.Rolls;
using Entente.Rolls.Results;
using Entente.Transparency;

namespace Entente.Server.Board;

/// <summary>
/// The board's rules for voter rolls (docs/rolls.md): a roll is opened by a member with the role <c>authority</c>, which
/// alone changes it; each change follows <see cref="RollLedger.CheckChange"/>; a snapshot must be exactly the roll the log
/// has built. The change's time may not be ahead of the board's clock (beyond a small skew), so that the alert rules on
/// hours read times the board vouched for. The rules are the prepared artifact's <see cref="PreparedArtifact.Validate"/>,
/// run once the board has looked its id up. Replaying the log (<c>trusted</c>) applies without checking.
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
                    return new PreparedArtifact(init.Jurisdiction, RollArtifacts.InitType, null, null)
                    {
                        Validate = Rules(trusted, () => Ledger.CheckInit(init), "roll opening"),
                        Apply = () => Ledger.ApplyInit(init, party),
                    };
                case "results":
                    UnitResults results = UnitResults.Read(body);
                    return new PreparedArtifact(results.Id, UnitResults.Type, null, null)
                    {
                        Validate = Rules(trusted, () => Results.Check(results, party, Ledger), "results"),
                        Apply = () => Results.Apply(results, party),
                    };
                case "roll-snapshots":
                    RollSnapshot snapshot = RollArtifacts.ReadSnapshot(body);
                    return new PreparedArtifact(snapshot.Id, RollArtifacts.SnapshotType, null, null)
                    {
                        Validate = Rules(trusted, () => Ledger.CheckSnapshot(snapshot, party), "roll snapshot"),
                        Apply = () => Ledger.ApplySnapshot(snapshot),
                    };
                default:
                    RollChange change = RollArtifacts.ReadChange(body);
                    Hash256 sha = Hash256.Compute(body);
                    return new PreparedArtifact(change.Id, change.Type, null, null)
                    {
                        Validate = Rules(trusted, () => change.At > clock.GetUtcNow() + MaxSkew
                            ? $"$.at: {RollArtifacts.Time(change.At)} is ahead of the board's clock ({RollArtifacts.Time(clock.GetUtcNow())})"
                            : Ledger.CheckChange(change, party), "roll change"),
                        Apply = () => Ledger.ApplyChange(change, sha),
                    };
            }
        }
        catch (RollFormatException e)
        {
            throw BoardRefusal.Invalid("Invalid artifact", e.Message).Raise();
        }
    }

    /// <summary>
    /// The rules, checked by the board after it has looked the artifact's id up (so that the same artifact posted again is
    /// answered "Already on the board", not refused by rules it met the first time); none when replaying the log.
    /// </summary>
    private static Func<CancellationToken, Task>? Rules(bool trusted, Func<string?> problem, string what) => trusted ? null : _ =>
    {
        if (problem() is string p)
        {
            throw BoardRefusal.Invalid("Refused by the roll's rules", $"{what}: {p}.").Raise();
        }

        return Task.CompletedTask;
    };
}
