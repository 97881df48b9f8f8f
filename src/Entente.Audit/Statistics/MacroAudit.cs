// MACRO over several contests at once (Stark 2009, "maximum across-contest relative overstatement"): a batch's error
// bound is the largest over contests and pairs, u_p = max_c max_(w,ℓ) (v_wp − v_ℓp + b_p)/V_wℓ, its error the
// largest found, e_p = max_c max_(w,ℓ) ((v_wp − v_ℓp) − (a_wp − a_ℓp))/V_wℓ, t_p = e_p/u_p, U = Σ_p u_p, and the risk
// bound after PPEB draws with replacement is P = Π (1 − 1/U)/(1 − t_p), for every contest at once. With one contest
// this is Macro.PValue. The weights for the sampler are the u_p made exact integers over the least common multiple
// of the pair margins.
using System.Numerics;

namespace Entente.Audit.Statistics;

/// <summary>MACRO across contests: exact PPEB weights, the risk and the round size.</summary>
public static class MacroAudit
{
    /// <summary>
    /// Integer weights w_p exactly proportional to u_p, in the order of <paramref name="batches"/>: with L the least
    /// common multiple of every pair's margin V_wℓ, w_p = max over contests in the batch and pairs of (v_wp − v_ℓp + b_p)·L/V_wℓ.
    /// </summary>
    public static IReadOnlyList<BigInteger> Weights(IReadOnlyList<ReportedContest> contests, IReadOnlyList<(long Ballots, IReadOnlyDictionary<string, IReadOnlyDictionary<string, long>> Votes)> batches)
    {
        ArgumentNullException.ThrowIfNull(contests);
        ArgumentNullException.ThrowIfNull(batches);
        BigInteger lcm = BigInteger.One;
        foreach ((ChoiceTally w, ChoiceTally l) in contests.SelectMany(c => c.Pairs))
        {
            long margin = w.Votes - l.Votes;
            if (margin <= 0)
            {
                throw new ArgumentException($"{w.Name} does not lead {l.Name}: a tie cannot be audited, only counted.", nameof(contests));
            }

            lcm = lcm / BigInteger.GreatestCommonDivisor(lcm, margin) * margin;
        }

        List<BigInteger> weights = [];
        foreach ((long ballots, var votes) in batches)
        {
            BigInteger best = BigInteger.Zero;
            foreach (ReportedContest contest in contests)
            {
                if (!votes.TryGetValue(contest.Name, out var v) || v.Count == 0)
                {
                    continue;
                }

                foreach ((ChoiceTally w, ChoiceTally l) in contest.Pairs)
                {
                    BigInteger u = (BigInteger)(v.GetValueOrDefault(w.Name) - v.GetValueOrDefault(l.Name) + ballots) * (lcm / (w.Votes - l.Votes));
                    best = BigInteger.Max(best, u);
                }
            }

            weights.Add(best);
        }

        return weights;
    }

    /// <summary>u_p for one batch across contests (0 when no contest is in the batch).</summary>
    public static double ErrorBound(IReadOnlyList<ReportedContest> contests, long ballots, IReadOnlyDictionary<string, IReadOnlyDictionary<string, long>> reported)
    {
        ArgumentNullException.ThrowIfNull(contests);
        ArgumentNullException.ThrowIfNull(reported);
        return contests.Select(c => reported.TryGetValue(c.Name, out var v) ? Macro.MaxRelativeOverstatement(c, new BatchTally("", ballots, v)) : 0).DefaultIfEmpty(0).Max();
    }

    /// <summary>e_p for one batch across contests, never negative.</summary>
    public static double Error(IReadOnlyList<ReportedContest> contests, long ballots, IReadOnlyDictionary<string, IReadOnlyDictionary<string, long>> reported,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, long>> audited)
    {
        ArgumentNullException.ThrowIfNull(contests);
        ArgumentNullException.ThrowIfNull(reported);
        ArgumentNullException.ThrowIfNull(audited);
        Dictionary<string, long> none = [];
        return contests.Select(c => Macro.Error(c, new BatchTally("", ballots, reported.TryGetValue(c.Name, out var r) ? r : none),
            new BatchTally("", ballots, audited.TryGetValue(c.Name, out var a) ? a : none))).DefaultIfEmpty(0).Max();
    }

    /// <summary>P = Π over draws (1 − 1/U)/(1 − t_p); 1 when a draw's taint reaches 1, 0 when U ≤ 1 (no error could change the outcome).</summary>
    public static double PValue(double totalErrorBound, IEnumerable<(double ErrorBound, double Error)> draws)
    {
        ArgumentNullException.ThrowIfNull(draws);
        if (totalErrorBound <= 1)
        {
            return 0;
        }

        if (double.IsPositiveInfinity(totalErrorBound))
        {
            return 1;
        }

        double logP = 0;
        foreach ((double up, double ep) in draws)
        {
            double taint = up == 0 ? 0 : ep / up;
            if (taint >= 1)
            {
                return 1;
            }

            logP += Math.Log(1 - 1 / totalErrorBound) - Math.Log(1 - taint);
        }

        return Math.Min(1.0, Math.Exp(logP));
    }
}
