// MACRO across contests over the draws of a batch-comparison audit (docs/audit.md, "Batch comparison"): one function for
// the audit directory (`audit status`) and for the board and verifier (AuditProgress), so the risk an audit board sees on
// the board and the risk `audit verify --board` recomputes are the same arithmetic as the local workflow's.
using Entente.Audit.Io;
using Entente.Audit.Statistics;

namespace Entente.Audit.Workflow;

public static partial class AuditEngine
{
    /// <summary>
    /// The MACRO risk across contests after <paramref name="drawn"/> (every signed-off draw, in draw order, with
    /// repeats), the same bound for every contest, with the risk after each draw and the next round's size.
    /// <paramref name="counted"/> gives the hand count of a batch for a contest (null when not counted: no votes).
    /// </summary>
    public static AuditDecision EvaluateBatches(double alpha, IReadOnlyList<ReportedContest> contests, IReadOnlyList<ManifestBatch> batches,
        IReadOnlyDictionary<ManifestBatch, IReadOnlyDictionary<string, IReadOnlyDictionary<string, long>>> reported, IReadOnlyList<ManifestBatch> drawn,
        Func<ManifestBatch, string, IReadOnlyDictionary<string, long>?> counted)
    {
        ArgumentNullException.ThrowIfNull(contests);
        ArgumentNullException.ThrowIfNull(batches);
        ArgumentNullException.ThrowIfNull(reported);
        ArgumentNullException.ThrowIfNull(drawn);
        ArgumentNullException.ThrowIfNull(counted);
        double u = batches.Sum(b => MacroAudit.ErrorBound(contests, b.Ballots, reported[b]));
        List<(double, double)> measured = [];
        List<double> byDraw = [];
        foreach (ManifestBatch b in drawn)
        {
            var tallies = reported[b];
            Dictionary<string, IReadOnlyDictionary<string, long>> audited = new(StringComparer.Ordinal);
            foreach (ReportedContest c in contests)
            {
                if (counted(b, c.Name) is { } votes)
                {
                    audited[c.Name] = votes;
                }
            }

            measured.Add((MacroAudit.ErrorBound(contests, b.Ballots, tallies), MacroAudit.Error(contests, b.Ballots, tallies, audited)));
            byDraw.Add(MacroAudit.PValue(u, measured));
        }

        double p = MacroAudit.PValue(u, measured);
        bool confirmed = p <= alpha;
        long next = confirmed ? 0 : Macro.SampleSize(alpha, u, batches.Count, Math.Max(p, double.Epsilon));
        ContestDecision decision = confirmed ? ContestDecision.Confirmed
            : double.IsPositiveInfinity(u) || p >= 1 && measured.Count > 0 && measured[^1].Item2 >= measured[^1].Item1 ? ContestDecision.FullHandCount
            : ContestDecision.AnotherRound;
        if (!confirmed)
        {
            next = Math.Max(next, 1);
        }

        List<ContestRisk> risks = [.. contests.Select(c => new ContestRisk(c.Name, p, [], byDraw, decision, next, default, new Dictionary<string, long>(), 0))];
        return new AuditDecision(risks, measured.Count);
    }
}
