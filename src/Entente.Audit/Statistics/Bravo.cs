// BRAVO ballot-polling audit (Lindeman, Stark and Yates, "BRAVO: Ballot-polling Risk-limiting Audits to
// Verify Outcomes", EVT/WOTE 2012), as Arlo computes it: Wald's SPRT per (winner, loser) pair with
// T ← T·2s_wℓ for a vote for w and T ← T·2(1 − s_wℓ) for a vote for ℓ, s_wℓ = V_w/(V_w + V_ℓ).
// Computed in log space. Risk = min(1, 1/T); confirmed when every pair's risk ≤ α.
// ASN: BRAVO paper §9.2. One-round completion sizes: Mark Lindeman's normal approximation refined with the
// binomial quantile (Arlo's bravo_sample_sizes).
using MathNet.Numerics.Distributions;

namespace Entente.Audit.Statistics;

/// <summary>Sample-size options for the next round of a BRAVO audit.</summary>
/// <param name="Asn">Average sample number (ballots), or null when no sampling is needed.</param>
/// <param name="AsnCompletionProbability">Chance that a round of ASN ballots confirms the outcome (2 dp), null for several winners.</param>
/// <param name="Quantiles">Size that finishes in one round with probability 0.7, 0.8, 0.9 (single winner only).</param>
/// <param name="AllBallots">True when a full hand count is advised instead (tie, or a huge sample).</param>
public sealed record BravoSampleSizes(long? Asn, double? AsnCompletionProbability, IReadOnlyDictionary<double, long> Quantiles, bool AllBallots);

/// <summary>BRAVO ballot polling.</summary>
public static class Bravo
{
    /// <summary>The quantiles for which one-round completion sizes are offered.</summary>
    public static readonly IReadOnlyList<double> CompletionQuantiles = [0.7, 0.8, 0.9];

    /// <summary>ln T for every (winner, loser) pair from votes seen in the sample (choice → votes).</summary>
    public static IReadOnlyList<(string Winner, string Loser, double LogT)> LogTestStatistics(ReportedContest contest, IReadOnlyDictionary<string, long> sample)
    {
        ArgumentNullException.ThrowIfNull(contest);
        ArgumentNullException.ThrowIfNull(sample);
        List<(string, string, double)> result = [];
        foreach ((ChoiceTally w, ChoiceTally l) in contest.Pairs)
        {
            long kw = sample.GetValueOrDefault(w.Name);
            long kl = sample.GetValueOrDefault(l.Name);
            double logT = 0;
            double s = (double)w.Votes / (w.Votes + l.Votes);
            if (kw > 0)
            {
                logT += kw * Math.Log(2 * s);
            }

            if (kl > 0)
            {
                logT += kl * Math.Log(2 * (1 - s));
            }

            result.Add((w.Name, l.Name, logT));
        }

        return result;
    }

    /// <summary>
    /// The risk per pair. Each ballot not found counts as one vote for every loser ("evil zombie").
    /// After a full hand count every risk is 0.
    /// </summary>
    public static IReadOnlyList<PairRisk> Risk(ReportedContest contest, IReadOnlyDictionary<string, long> sample, long notFound = 0, bool fullHandCount = false)
    {
        ArgumentNullException.ThrowIfNull(contest);
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentOutOfRangeException.ThrowIfNegative(notFound);
        Dictionary<string, long> withZombies = new(sample, StringComparer.Ordinal);
        if (notFound > 0)
        {
            foreach (ChoiceTally loser in contest.Losers)
            {
                withZombies[loser.Name] = withZombies.GetValueOrDefault(loser.Name) + notFound;
            }
        }

        return [.. LogTestStatistics(contest, withZombies).Select(x =>
            new PairRisk(x.Winner, x.Loser, fullHandCount ? 0.0 : PValueFromLogT(x.LogT)))];
    }

    /// <summary>min(1, 1/T) from ln T; T = 0 (a loser the results gave no votes was seen) gives 1.</summary>
    public static double PValueFromLogT(double logT) =>
        double.IsNegativeInfinity(logT) || double.IsNaN(logT) ? 1.0 : Math.Min(1.0, Math.Exp(-logT));

    /// <summary>
    /// Average sample number, maximised over (winner, loser) pairs with p_ℓ &gt; 0:
    /// ⌈(ln(1/α) − ln T_wℓ + ln(2s)/2) / (p_w ln 2s + p_ℓ ln(2 − 2s))⌉, s = p_w/(p_w + p_ℓ), T_wℓ from the sample so far.
    /// Null when no pair needs sampling (a landslide).
    /// </summary>
    public static long? AverageSampleNumber(double alpha, ReportedContest contest, IReadOnlyDictionary<string, long> sample) =>
        HardestPair(alpha, contest, sample)?.Asn;

    private static (ChoiceTally Winner, ChoiceTally Loser, long Asn)? HardestPair(double alpha, ReportedContest contest, IReadOnlyDictionary<string, long> sample)
    {
        CheckAlpha(alpha);
        ArgumentNullException.ThrowIfNull(contest);
        ArgumentNullException.ThrowIfNull(sample);
        if (contest.IsTied)
        {
            throw new InvalidOperationException($"Cannot compute ASN for contest {contest.Name}: it is tied.");
        }

        (ChoiceTally, ChoiceTally, long)? hardest = null;
        foreach ((ChoiceTally w, ChoiceTally l) in contest.Pairs)
        {
            if (l.Votes == 0)
            {
                continue;
            }

            double pw = (double)w.Votes / contest.Ballots;
            double pl = (double)l.Votes / contest.Ballots;
            double s = pw / (pw + pl);
            double zw = Math.Log(2 * s);
            double zl = Math.Log(2 - 2 * s);
            long kw = sample.GetValueOrDefault(w.Name);
            long kl = sample.GetValueOrDefault(l.Name);
            double logT = (kw > 0 ? kw * zw : 0) + (kl > 0 ? kl * zl : 0);
            long asn = (long)Math.Ceiling((Math.Log(1 / alpha) - logT + zw / 2) / (pw * zw + pl * zl));
            if (hardest is null || asn > hardest.Value.Item3)
            {
                hardest = (w, l, asn);
            }
        }

        return hardest;
    }

    /// <summary>
    /// Sample size that finishes in one round with probability <paramref name="quantile"/> for the pair with
    /// shares (p_w, p_r), given k_w and k_r votes already seen (Lindeman's approximation, then the binomial
    /// quantile until the test statistic clears the threshold).
    /// </summary>
    public static long OneRoundSize(double alpha, double pw, double pr, long sampleW, long sampleR, double quantile, long maxSize = long.MaxValue)
    {
        CheckAlpha(alpha);
        double pwr = pw + pr;
        double a = pw / pwr;
        double b = 1 - a;
        double plus = Math.Log(a / 0.5);
        double minus = Math.Log(b / 0.5);
        double threshold = Math.Log(1 / alpha) - (sampleW * plus + sampleR * minus);
        if (threshold <= 0)
        {
            return 0;
        }

        double z = -Normal.InvCDF(0, 1, quantile);
        double d = a * b;
        double f = threshold / (plus - minus);
        double g = minus / (plus - minus) + a;
        double qa = g * g;
        double qb = -(z * z * d + 2 * f * g);
        double qc = f * f;
        double radical = Math.Sqrt(Math.Max(0, qb * qb - 4 * qa * qc));
        long size = (long)Math.Floor(quantile > 0.5 ? (-qb + radical) / (2 * qa) : (-qb - radical) / (2 * qa));
        size = Math.Max(size, 0);
        while (size < maxSize)
        {
            long x = BinomialQuantile(1.0 - quantile, size, a);
            double statistic = x * plus + (size - x) * minus;
            if (statistic > threshold)
            {
                break;
            }

            size++;
        }

        return (long)Math.Ceiling(size / pwr);
    }

    /// <summary>Chance that <paramref name="asn"/> more ballots finish the audit (normal approximation), to 2 dp.</summary>
    public static double ExpectedCompletionProbability(double alpha, double pw, double pr, long sampleW, long sampleR, long asn)
    {
        double pwr = pw + pr;
        double a = pw / pwr;
        double b = 1 - a;
        double plus = Math.Log(a / 0.5);
        double minus = Math.Log(b / 0.5);
        double threshold = Math.Log(1 / alpha) - (sampleW * plus + sampleR * minus);
        if (threshold <= 0)
        {
            return 0.0;
        }

        double n = asn * pwr;
        double r = (threshold - minus * n) / (plus - minus);
        double z = (r - n * a) / Math.Sqrt(n * a * b);
        return Math.Round(Normal.CDF(0, 1, -z), 2, MidpointRounding.ToEven);
    }

    /// <summary>Sample-size options as an auditor sees them (Arlo's conventions).</summary>
    public static BravoSampleSizes SampleSizes(double alpha, ReportedContest contest, IReadOnlyDictionary<string, long> sample)
    {
        CheckAlpha(alpha);
        ArgumentNullException.ThrowIfNull(contest);
        ArgumentNullException.ThrowIfNull(sample);
        Dictionary<double, long> none = [];
        if (contest.Winners.Any(w => w.Votes == contest.Ballots))
        {
            return new BravoSampleSizes(1, 1.0, none, false);
        }

        if (contest.IsTied)
        {
            return new BravoSampleSizes(null, null, none, true);
        }

        (ChoiceTally Winner, ChoiceTally Loser, long Asn)? hardest = HardestPair(alpha, contest, sample);
        if (hardest is null || hardest.Value.Asn <= 0)
        {
            return new BravoSampleSizes(hardest is null ? 1 : 0, 1.0, none, false);
        }

        long asn = hardest.Value.Asn;
        if (contest.WinnerCount != 1)
        {
            return new BravoSampleSizes(asn, null, none, false);
        }

        double probability = Completion(hardest.Value.Winner, hardest.Value.Loser);
        Dictionary<double, long> quantiles = [];
        foreach (double q in CompletionQuantiles)
        {
            quantiles[q] = contest.Pairs.Where(p => p.Loser.Votes > 0).Max(p => OneRoundSize(alpha,
                (double)p.Winner.Votes / contest.Ballots, (double)p.Loser.Votes / contest.Ballots,
                sample.GetValueOrDefault(p.Winner.Name), sample.GetValueOrDefault(p.Loser.Name), q, contest.Ballots));
        }

        if (contest.Ballots > 100_000 && quantiles[0.9] >= contest.Ballots * 0.25)
        {
            return new BravoSampleSizes(null, null, none, true);
        }

        return new BravoSampleSizes(asn, probability, quantiles, false);

        double Completion(ChoiceTally w, ChoiceTally l) => ExpectedCompletionProbability(alpha,
            (double)w.Votes / contest.Ballots, (double)l.Votes / contest.Ballots,
            sample.GetValueOrDefault(w.Name), sample.GetValueOrDefault(l.Name), asn);
    }

    /// <summary>The smallest k with P(Binomial(n, p) ≤ k) ≥ q (scipy's binom.ppf).</summary>
    internal static long BinomialQuantile(double q, long n, double p)
    {
        if (n == 0)
        {
            return 0;
        }

        long low = 0;
        long high = n;
        while (low < high)
        {
            long mid = low + ((high - low) / 2);
            if (BinomialCdf(mid, n, p) >= q)
            {
                high = mid;
            }
            else
            {
                low = mid + 1;
            }
        }

        return low;
    }

    private static double BinomialCdf(long k, long n, double p) =>
        k >= n ? 1.0 : MathNet.Numerics.SpecialFunctions.BetaRegularized(n - k, k + 1, 1 - p);

    /// <summary>Checks a risk limit that came from a user: strictly between 0 and 1.</summary>
    public static void CheckAlphaForInput(double alpha)
    {
        if (!(alpha > 0 && alpha < 1))
        {
            throw new Io.AuditInputException("--risk-limit", 0, "", $"The risk limit {alpha} must be strictly between 0 and 1 (for example 0.05).");
        }
    }

    internal static void CheckAlpha(double alpha)
    {
        if (!(alpha > 0 && alpha < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "The risk limit must be strictly between 0 and 1.");
        }
    }
}
