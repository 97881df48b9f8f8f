// Batch-level comparison with MACRO (P. B. Stark, "Efficient post-election audits of multiple contests: 2009
// California tests", SSRN 1443314) and PPEB sampling (Aslam, Popa and Rivest, EVT 2008), per contest, as
// Arlo computes it:
//   V_wℓ = V_w − V_ℓ (minus pending and unauditable ballots),
//   u_p  = max over pairs (v_wp − v_ℓp + b_p)/V_wℓ            (b_p ballots in batch p; 0 if the contest is not in p),
//   U    = Σ u_p,  e_p = max(0, max over pairs ((v_wp − v_ℓp) − (a_wp − a_ℓp))/V_wℓ),  t_p = e_p/u_p,
//   P    = Π over draws (1 − 1/U)/(1 − t_p)   (∞ when t_p = 1),
//   n    = ⌈(ln α − ln P)/ln(1 − 1/U)⌉ + 1 batches, capped at the number of batches.
namespace Entente.Audit.Statistics;

/// <summary>Votes per choice in one batch, with the batch's ballots.</summary>
/// <param name="Batch">Batch key (unique).</param>
/// <param name="Ballots">Ballots in the batch.</param>
/// <param name="Votes">Choice → votes for this contest; empty when the contest is not in the batch.</param>
public sealed record BatchTally(string Batch, long Ballots, IReadOnlyDictionary<string, long> Votes)
{
    /// <summary>Whether the contest appears in this batch.</summary>
    public bool HasContest => Votes.Count > 0;
}

/// <summary>MACRO batch comparison for one contest.</summary>
public static class Macro
{
    /// <summary>u_p: the largest relative overstatement batch p could hide, max over (winner, loser) pairs; ∞ when a pair has no margin.</summary>
    public static double MaxRelativeOverstatement(ReportedContest contest, BatchTally reported, long pendingBallots = 0)
    {
        ArgumentNullException.ThrowIfNull(contest);
        ArgumentNullException.ThrowIfNull(reported);
        if (!reported.HasContest)
        {
            return 0;
        }

        double worst = double.NegativeInfinity;
        foreach ((ChoiceTally w, ChoiceTally l) in contest.Pairs)
        {
            long vwl = w.Votes - l.Votes - pendingBallots;
            if (vwl <= 0)
            {
                return double.PositiveInfinity;
            }

            double u = (double)(reported.Votes.GetValueOrDefault(w.Name) - reported.Votes.GetValueOrDefault(l.Name) + reported.Ballots) / vwl;
            worst = Math.Max(worst, u);
        }

        return worst;
    }

    /// <summary>U = Σ_p u_p.</summary>
    public static double TotalErrorBound(ReportedContest contest, IEnumerable<BatchTally> reported, long pendingBallots = 0)
    {
        ArgumentNullException.ThrowIfNull(reported);
        return reported.Sum(b => MaxRelativeOverstatement(contest, b, pendingBallots));
    }

    /// <summary>e_p: the largest relative overstatement found in the batch, never negative.</summary>
    public static double Error(ReportedContest contest, BatchTally reported, BatchTally audited, long pendingBallots = 0)
    {
        ArgumentNullException.ThrowIfNull(contest);
        ArgumentNullException.ThrowIfNull(reported);
        ArgumentNullException.ThrowIfNull(audited);
        if (!reported.HasContest && !audited.HasContest)
        {
            return 0;
        }

        double worst = 0;
        foreach ((ChoiceTally w, ChoiceTally l) in contest.Pairs)
        {
            long vwl = w.Votes - l.Votes - pendingBallots;
            long reportedDiff = reported.Votes.GetValueOrDefault(w.Name) - reported.Votes.GetValueOrDefault(l.Name);
            long auditedDiff = audited.Votes.GetValueOrDefault(w.Name) - audited.Votes.GetValueOrDefault(l.Name);
            worst = Math.Max(worst, (double)(reportedDiff - auditedDiff) / vwl);
        }

        return worst;
    }

    /// <summary>
    /// The p-value after the draws (batch keys in draw order, repeats allowed).
    /// </summary>
    public static double PValue(ReportedContest contest, IReadOnlyDictionary<string, BatchTally> reported, IReadOnlyDictionary<string, BatchTally> audited,
        IEnumerable<string> draws, long pendingBallots = 0)
    {
        ArgumentNullException.ThrowIfNull(reported);
        ArgumentNullException.ThrowIfNull(audited);
        ArgumentNullException.ThrowIfNull(draws);
        double u = TotalErrorBound(contest, reported.Values, pendingBallots);
        if (double.IsPositiveInfinity(u) || u <= 1)
        {
            return u <= 1 ? 0.0 : 1.0;
        }

        double logP = 0;
        foreach (string batch in draws)
        {
            if (!reported.TryGetValue(batch, out BatchTally? r))
            {
                throw new ArgumentException($"Batch {batch} was drawn but has no reported tally.", nameof(draws));
            }

            if (!audited.TryGetValue(batch, out BatchTally? a))
            {
                throw new ArgumentException($"Batch {batch} was drawn but has no audited tally.", nameof(draws));
            }

            double up = MaxRelativeOverstatement(contest, r, pendingBallots);
            double taint = up == 0 ? 0 : Error(contest, r, a, pendingBallots) / up;
            if (taint >= 1)
            {
                return 1.0;
            }

            logP += Math.Log(1 - 1 / u) - Math.Log(1 - taint);
        }

        return Math.Min(1.0, Math.Exp(logP));
    }

    /// <summary>Batches to draw so far plus more: ⌈(ln α − ln P)/ln(1 − 1/U)⌉ + 1, capped at the number of batches.</summary>
    public static long SampleSize(double alpha, double totalErrorBound, int batches, double pValueSoFar = 1.0)
    {
        Bravo.CheckAlpha(alpha);
        ArgumentOutOfRangeException.ThrowIfLessThan(batches, 1);
        if (totalErrorBound <= 1)
        {
            return 0;
        }

        if (double.IsPositiveInfinity(totalErrorBound))
        {
            return batches;
        }

        double n = Math.Ceiling((Math.Log(alpha) - Math.Log(pValueSoFar)) / Math.Log(1 - 1 / totalErrorBound)) + 1;
        return (long)Math.Min(Math.Max(n, 0), batches);
    }
}
