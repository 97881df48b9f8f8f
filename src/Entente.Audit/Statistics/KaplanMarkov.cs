// Ballot-level comparison audit with the Kaplan–Markov bound (P. B. Stark, "Super-Simple Simultaneous
// Single-Ballot Risk-Limiting Audits", EVT/WOTE 2010, eq. 10; Lindeman and Stark, "A Gentle Introduction
// to Risk-Limiting Audits", 2012). γ is the error inflation factor (1.03905 as in Stark's tools, Arlo and
// ColoradoRLA), μ the diluted margin.
//   P = (1 − μ/(2γ))^n (1 − 1/(2γ))^−o1 (1 − 1/γ)^−o2 (1 + 1/(2γ))^−u1 (1 + 1/γ)^−u2, capped at 1.
//   nmin = max(o1 + o2 + u1 + u2, ⌈−2γ (ln α + o1 ln(1 − 1/(2γ)) + o2 ln(1 − 1/γ) + u1 ln(1 + 1/(2γ)) + u2 ln(1 + 1/γ)) / μ⌉).
namespace Entente.Audit.Statistics;

/// <summary>Discrepancy counts of a ballot-comparison audit.</summary>
/// <param name="O1">One-vote overstatements.</param>
/// <param name="O2">Two-vote overstatements.</param>
/// <param name="U1">One-vote understatements.</param>
/// <param name="U2">Two-vote understatements.</param>
public readonly record struct Discrepancies(long O1, long O2, long U1, long U2)
{
    /// <summary>Total number of discrepant draws.</summary>
    public long Total => O1 + O2 + U1 + U2;
}

/// <summary>Discrepancy rates assumed when sizing a comparison audit.</summary>
/// <param name="O1">Rate of one-vote overstatements.</param>
/// <param name="O2">Rate of two-vote overstatements.</param>
/// <param name="U1">Rate of one-vote understatements.</param>
/// <param name="U2">Rate of two-vote understatements.</param>
public readonly record struct DiscrepancyRates(double O1, double O2, double U1, double U2)
{
    /// <summary>Arlo's and Stark's defaults: 1/1000 one-vote and 1/10000 two-vote errors of each sign.</summary>
    public static DiscrepancyRates Default => new(0.001, 0.0001, 0.001, 0.0001);
}

/// <summary>How expected discrepancy counts are rounded when sizing.</summary>
public enum DiscrepancyRounding
{
    /// <summary>Arlo: one-vote counts rounded up, two-vote counts rounded half up.</summary>
    Arlo,

    /// <summary>Every count rounded up.</summary>
    AllUp,
}

/// <summary>Kaplan–Markov ballot-level comparison.</summary>
public static class KaplanMarkov
{
    /// <summary>The error inflation factor used by Stark's tools, Arlo and ColoradoRLA.</summary>
    public const double DefaultGamma = 1.03905;

    /// <summary>The p-value after <paramref name="n"/> draws with the given discrepancies.</summary>
    public static double PValue(long n, double dilutedMargin, Discrepancies d, double gamma = DefaultGamma)
    {
        CheckMarginAndGamma(dilutedMargin, gamma);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        double log = n * Math.Log(1 - dilutedMargin / (2 * gamma))
                     - d.O1 * Math.Log(1 - 1 / (2 * gamma))
                     - d.O2 * Math.Log(1 - 1 / gamma)
                     - d.U1 * Math.Log(1 + 1 / (2 * gamma))
                     - d.U2 * Math.Log(1 + 1 / gamma);
        if (double.IsNaN(log))
        {
            return 1.0;
        }

        return Math.Min(1.0, Math.Exp(log));
    }

    /// <summary>The smallest number of draws that can confirm with the given discrepancies (ColoradoRLA's optimistic()).</summary>
    public static long StoppingSize(double alpha, double dilutedMargin, Discrepancies d, double gamma = DefaultGamma)
    {
        Bravo.CheckAlpha(alpha);
        CheckMarginAndGamma(dilutedMargin, gamma);
        double n = -2 * gamma * (Math.Log(alpha)
                                 + d.O1 * Math.Log(1 - 1 / (2 * gamma))
                                 + d.O2 * Math.Log(1 - 1 / gamma)
                                 + d.U1 * Math.Log(1 + 1 / (2 * gamma))
                                 + d.U2 * Math.Log(1 + 1 / gamma)) / dilutedMargin;
        if (double.IsNaN(n) || double.IsInfinity(n))
        {
            return long.MaxValue;
        }

        return Math.Max(d.Total, (long)Math.Ceiling(n));
    }

    /// <summary>
    /// The expected number of draws with discrepancies at the given rates, unrounded counts:
    /// ⌈ln α / (ln(1 − μ/(2γ)) − r1 ln(1 − 1/(2γ)) − r2 ln(1 − 1/γ) − s1 ln(1 + 1/(2γ)) − s2 ln(1 + 1/γ))⌉;
    /// null when the rates are so high that the audit is not expected to stop.
    /// </summary>
    public static long? ExpectedSize(double alpha, double dilutedMargin, DiscrepancyRates r, double gamma = DefaultGamma)
    {
        Bravo.CheckAlpha(alpha);
        CheckMarginAndGamma(dilutedMargin, gamma);
        double denominator = Math.Log(1 - dilutedMargin / (2 * gamma))
                             - r.O1 * Math.Log(1 - 1 / (2 * gamma))
                             - r.O2 * Math.Log(1 - 1 / gamma)
                             - r.U1 * Math.Log(1 + 1 / (2 * gamma))
                             - r.U2 * Math.Log(1 + 1 / gamma);
        if (!(denominator < 0))
        {
            return null;
        }

        return (long)Math.Ceiling(Math.Log(alpha) / denominator);
    }

    /// <summary>
    /// The sample size from assumed rates, as Arlo computes it: the expected size n0, discrepancy counts from the
    /// rates at n0 (rounded per <paramref name="rounding"/>), then the stopping size with those counts, capped at
    /// <paramref name="ballots"/>. With <paramref name="iterations"/> &gt; 1 the counts are recomputed from each new
    /// size until it stops changing (rlacalc's rounded estimate).
    /// </summary>
    public static long SampleSize(double alpha, double dilutedMargin, DiscrepancyRates r, long ballots, double gamma = DefaultGamma,
        DiscrepancyRounding rounding = DiscrepancyRounding.Arlo, int iterations = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ballots, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        long? n0 = ExpectedSize(alpha, dilutedMargin, r, gamma);
        if (n0 is null)
        {
            return ballots;
        }

        long n = n0.Value;
        for (int i = 0; i < iterations; i++)
        {
            Discrepancies expected = rounding == DiscrepancyRounding.Arlo
                ? new(Up(r.O1 * n), HalfUp(r.O2 * n), Up(r.U1 * n), HalfUp(r.U2 * n))
                : new(Up(r.O1 * n), Up(r.O2 * n), Up(r.U1 * n), Up(r.U2 * n));
            long next = StoppingSize(alpha, dilutedMargin, expected, gamma);
            if (next == n)
            {
                break;
            }

            n = next;
            if (n >= ballots)
            {
                break;
            }
        }

        return Math.Min(n, ballots);
    }

    /// <summary>
    /// The cumulative size for the next round after <paramref name="sampled"/> draws showed <paramref name="seen"/>:
    /// rates from what was seen (overstatements only, as Arlo does, which is conservative).
    /// </summary>
    public static long NextRoundSize(double alpha, double dilutedMargin, long sampled, Discrepancies seen, long ballots, double gamma = DefaultGamma)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sampled, 1);
        DiscrepancyRates observed = new((double)seen.O1 / sampled, (double)seen.O2 / sampled, 0, 0);
        return SampleSize(alpha, dilutedMargin, observed, ballots, gamma);
    }

    private static long Up(double x) => (long)Math.Ceiling(x);

    private static long HalfUp(double x) => (long)Math.Floor(x + 0.5);

    private static void CheckMarginAndGamma(double dilutedMargin, double gamma)
    {
        if (!(dilutedMargin > 0 && dilutedMargin <= 2))
        {
            throw new ArgumentOutOfRangeException(nameof(dilutedMargin), dilutedMargin, "The diluted margin must be in (0, 2].");
        }

        if (!(gamma > 1))
        {
            throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "γ must be greater than 1.");
        }
    }

    /// <summary>
    /// The overstatement of one ballot for the contest: max over (winner, loser) pairs of
    /// (cvr_w − mvr_w) − (cvr_ℓ − mvr_ℓ), in votes, in [−2, 2]. A missing CVR or a ballot that was not found
    /// counts as a two-vote overstatement; a contest missing from the audited ballot counts as no votes.
    /// </summary>
    public static int Overstatement(ReportedContest contest, IReadOnlySet<string>? cvrVotes, IReadOnlySet<string>? mvrVotes)
    {
        ArgumentNullException.ThrowIfNull(contest);
        if (cvrVotes is null || mvrVotes is null)
        {
            return 2;
        }

        int worst = int.MinValue;
        foreach ((ChoiceTally w, ChoiceTally l) in contest.Pairs)
        {
            int e = (B(cvrVotes, w.Name) - B(mvrVotes, w.Name)) - (B(cvrVotes, l.Name) - B(mvrVotes, l.Name));
            worst = Math.Max(worst, e);
        }

        return worst;

        static int B(IReadOnlySet<string> votes, string choice) => votes.Contains(choice) ? 1 : 0;
    }

    /// <summary>Tallies overstatements (+1, +2) and understatements (−1, −2) into discrepancy counts.</summary>
    public static Discrepancies Count(IEnumerable<int> overstatements)
    {
        ArgumentNullException.ThrowIfNull(overstatements);
        long o1 = 0, o2 = 0, u1 = 0, u2 = 0;
        foreach (int e in overstatements)
        {
            switch (e)
            {
                case 1: o1++; break;
                case 2: o2++; break;
                case -1: u1++; break;
                case -2: u2++; break;
                default: break;
            }
        }

        return new Discrepancies(o1, o2, u1, u2);
    }
}
