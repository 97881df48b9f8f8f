// ALPHA and the SHANGRLA framework (P. B. Stark, "ALPHA: Audit that Learns from Previously Hand-Audited
// Ballots", Annals of Applied Statistics 17(1), 2023; "Sets of Half-Average Nulls Generate Risk-Limiting
// Audits: SHANGRLA", Voting '20). An outcome is correct when every assorter mean exceeds 1/2; each assertion is
// tested with the ALPHA supermartingale against the null mean(x) ≤ t = 1/2:
//   μ_j = (N t − S_j)/(N − j + 1) without replacement (μ_j = t with replacement), S_j = Σ_{i<j} x_i,
//   T_j = Π_{i≤j} [x_i η_i/μ_i + (u − x_i)(u − η_i)/(u − μ_i)]/u,  p = min(1, 1/max_k T_k).
using System.Diagnostics.CodeAnalysis;

namespace Entente.Audit.Statistics;

/// <summary>Chooses the alternative mean η_j before draw j.</summary>
public interface IAlphaEstimator
{
    /// <summary>η_j from the data before draw j (x[0..j-2]), the running sum S_j and the null mean μ_j.</summary>
    double Eta(ReadOnlySpan<double> previous, double sumBefore, double nullMean, double upperBound, long populationSize);
}

/// <summary>SHANGRLA's fixed_alternative_mean: η_j = (N η₀ − S_j)/(N − j + 1), or η₀ with replacement.</summary>
/// <param name="Eta0">The alternative mean η₀.</param>
public sealed record FixedAlternativeMean(double Eta0) : IAlphaEstimator
{
    /// <inheritdoc/>
    public double Eta(ReadOnlySpan<double> previous, double sumBefore, double nullMean, double upperBound, long populationSize)
    {
        if (populationSize == long.MaxValue)
        {
            return Eta0;
        }

        long j = previous.Length + 1;
        return (populationSize * Eta0 - sumBefore) / (populationSize - j + 1);
    }
}

/// <summary>
/// SHANGRLA's shrink_trunc: shrinks the running mean toward η₀ and truncates to (μ_j(1+ε) + ε_j, u(1−ε) − ε_j),
/// ε_j = c/√(d + j − 1).
/// </summary>
/// <param name="Eta0">Prior alternative mean.</param>
/// <param name="D">Weight of the prior (default 100).</param>
/// <param name="F">Weight of the running standard deviation (default 0).</param>
/// <param name="C">Truncation scale; default (η₀ − 1/2)/2.</param>
/// <param name="MinSd">Lower bound on the running standard deviation.</param>
/// <param name="Epsilon">Relative margin kept from the bounds.</param>
public sealed record ShrinkTrunc(double Eta0, double D = 100, double F = 0, double? C = null, double MinSd = 1e-6, double Epsilon = 1e-5) : IAlphaEstimator
{
    /// <inheritdoc/>
    public double Eta(ReadOnlySpan<double> previous, double sumBefore, double nullMean, double upperBound, long populationSize)
    {
        double c = C ?? (Eta0 - 0.5) / 2;
        long j = previous.Length + 1;
        double epsJ = c / Math.Sqrt(D + j - 1);
        double sd = Math.Max(MinSd, RunningSd(previous));
        double weighted = ((D * Eta0 + sumBefore) / (D + j - 1) + F * upperBound / sd) / (1 + F / sd);
        return Math.Min(upperBound * (1 - Epsilon) - epsJ, Math.Max(nullMean * (1 + Epsilon) + epsJ, weighted));
    }

    private static double RunningSd(ReadOnlySpan<double> x)
    {
        if (x.Length == 0)
        {
            return 1;
        }

        double mean = 0;
        double m2 = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double delta = x[i] - mean;
            mean += delta / (i + 1);
            m2 += delta * (x[i] - mean);
        }

        return Math.Sqrt(m2 / x.Length);
    }
}

/// <summary>ALPHA supermartingale tests and the SHANGRLA assorters.</summary>
public static class Alpha
{
    /// <summary>Use for <c>populationSize</c> when sampling with replacement.</summary>
    public const long Infinite = long.MaxValue;

    /// <summary>S_j (sum before draw j) and μ_j (null mean before draw j) for each draw, and the total sum.</summary>
    public static (double[] S, double Total, double[] M) SumsAndNullMeans(ReadOnlySpan<double> x, long populationSize, double t)
    {
        double[] s = new double[x.Length];
        double[] m = new double[x.Length];
        double running = 0;
        for (int j = 0; j < x.Length; j++)
        {
            s[j] = running;
            m[j] = populationSize == Infinite ? t : (populationSize * t - running) / (populationSize - j);
            running += x[j];
        }

        return (s, running, m);
    }

    /// <summary>
    /// The running ALPHA p-values: entry j is min(1, 1/max_{k≤j} T_k). The data must be in selection order.
    /// </summary>
    [SuppressMessage("Design", "CA1062", Justification = "Spans cannot be null.")]
    public static double[] PValues(ReadOnlySpan<double> x, long populationSize, double upperBound, IAlphaEstimator estimator, double t = 0.5)
    {
        ArgumentNullException.ThrowIfNull(estimator);
        if (!(upperBound > t))
        {
            throw new ArgumentOutOfRangeException(nameof(upperBound), "The upper bound must exceed the null mean.");
        }

        double[] p = new double[x.Length];
        double logT = 0;
        double maxLogT = 0;
        double running = 0;
        bool rejected = false;
        for (int j = 0; j < x.Length; j++)
        {
            if (x[j] < 0 || x[j] > upperBound * (1 + 1e-12))
            {
                throw new ArgumentOutOfRangeException(nameof(x), $"Value {x[j]} at draw {j + 1} is outside [0, {upperBound}].");
            }

            double mu = populationSize == Infinite ? t : (populationSize * t - running) / (populationSize - j);
            if (mu < 0 || rejected)
            {
                rejected = true;
                maxLogT = double.PositiveInfinity;
            }
            else if (mu > upperBound)
            {
                logT = double.NegativeInfinity;
            }
            else if (mu > 1e-12 && upperBound - mu > 1e-12 && !double.IsNegativeInfinity(logT))
            {
                double eta = estimator.Eta(x[..j], running, mu, upperBound, populationSize);
                eta = Math.Min(upperBound, Math.Max(eta, mu));
                double factor = (x[j] * eta / mu + (upperBound - x[j]) * (upperBound - eta) / (upperBound - mu)) / upperBound;
                logT += Math.Log(factor);
            }

            maxLogT = Math.Max(maxLogT, logT);
            running += x[j];
            p[j] = double.IsPositiveInfinity(maxLogT) ? 0.0 : Math.Min(1.0, Math.Exp(-maxLogT));
        }

        if (populationSize != Infinite && running > populationSize * t && x.Length > 0)
        {
            p[^1] = 0.0;
        }

        return p;
    }

    /// <summary>The final ALPHA p-value (1 for no data).</summary>
    public static double PValue(ReadOnlySpan<double> x, long populationSize, double upperBound, IAlphaEstimator estimator, double t = 0.5)
    {
        double[] p = PValues(x, populationSize, upperBound, estimator, t);
        return p.Length == 0 ? 1.0 : p[^1];
    }

    /// <summary>
    /// Deterministic sample size: the first n at which the test on <paramref name="population"/> tiled to the
    /// population size (or repeated, with replacement) reaches α; null if it never does.
    /// </summary>
    public static long? SampleSize(ReadOnlySpan<double> population, double alpha, long populationSize, double upperBound, IAlphaEstimator estimator, long maxDraws, double t = 0.5)
    {
        Bravo.CheckAlpha(alpha);
        if (population.IsEmpty)
        {
            throw new ArgumentException("The population values are empty.", nameof(population));
        }

        long length = Math.Min(maxDraws, populationSize == Infinite ? maxDraws : populationSize);
        double[] x = new double[length];
        for (long i = 0; i < length; i++)
        {
            x[i] = population[(int)(i % population.Length)];
        }

        double[] p = PValues(x, populationSize, upperBound, estimator, t);
        for (int i = 0; i < p.Length; i++)
        {
            if (p[i] <= alpha)
            {
                return i + 1;
            }
        }

        return null;
    }

    /// <summary>Kaplan–Markov p-value Π (t + g)/(x_i + g); with <paramref name="randomOrder"/> the running maximum is used.</summary>
    public static double KaplanMarkovPValue(ReadOnlySpan<double> x, double t, double g, bool randomOrder)
    {
        double logT = 0;
        double maxLogT = 0;
        foreach (double xi in x)
        {
            logT += Math.Log(xi + g) - Math.Log(t + g);
            maxLogT = Math.Max(maxLogT, logT);
        }

        return Math.Min(1.0, Math.Exp(-(randomOrder ? maxLogT : logT)));
    }

    /// <summary>Kaplan–Wald p-value for Π((1 − g) x_i/t + g).</summary>
    public static double KaplanWaldPValue(ReadOnlySpan<double> x, double t, double g, bool randomOrder)
    {
        double logT = 0;
        double maxLogT = 0;
        foreach (double xi in x)
        {
            logT += Math.Log((1 - g) * xi / t + g);
            maxLogT = Math.Max(maxLogT, logT);
        }

        return Math.Min(1.0, Math.Exp(-(randomOrder ? maxLogT : logT)));
    }

    /// <summary>Betting martingale with a fixed bet λ and null mean t (with replacement): Π(1 + λ(x_i − t)).</summary>
    public static double BettingPValue(ReadOnlySpan<double> x, double t, double lambda)
    {
        double logT = 0;
        double maxLogT = 0;
        foreach (double xi in x)
        {
            logT += Math.Log(1 + lambda * (xi - t));
            maxLogT = Math.Max(maxLogT, logT);
        }

        return Math.Min(1.0, Math.Exp(-maxLogT));
    }

    /// <summary>The plurality assorter for (winner, loser): (1[w] − 1[ℓ] + 1)/2, upper bound 1. A null ballot (phantom, not found) gives 0.</summary>
    public static double PluralityAssort(IReadOnlySet<string>? votes, string winner, string loser)
    {
        ArgumentNullException.ThrowIfNull(winner);
        ArgumentNullException.ThrowIfNull(loser);
        if (votes is null)
        {
            return 0;
        }

        return ((votes.Contains(winner) ? 1 : 0) - (votes.Contains(loser) ? 1 : 0) + 1) / 2.0;
    }

    /// <summary>The supermajority assorter: 1/(2f) for a lone vote for w, 0 for a lone vote for another choice, 1/2 otherwise.</summary>
    public static double SupermajorityAssort(IReadOnlySet<string>? votes, string winner, double fraction)
    {
        ArgumentNullException.ThrowIfNull(winner);
        if (votes is null)
        {
            return 0;
        }

        if (votes.Count == 1)
        {
            return votes.Contains(winner) ? 1 / (2 * fraction) : 0;
        }

        return 0.5;
    }

    /// <summary>The comparison (overstatement) assorter B = (1 − ω/u)/(2 − v/u), upper bound 2/(2 − v/u).</summary>
    public static double OverstatementAssort(double overstatement, double margin, double upperBound = 1)
    {
        return (1 - overstatement / upperBound) / (2 - margin / upperBound);
    }

    /// <summary>
    /// ω = A(CVR) − A(MVR) for the plurality assorter. A phantom CVR (null) assorts to 1/2; a phantom or missing
    /// MVR (null) to 0. With card-style data (<paramref name="useStyle"/>), an MVR without the contest assorts to 0,
    /// otherwise to 1/2.
    /// </summary>
    public static double PluralityOverstatement(IReadOnlySet<string>? cvr, IReadOnlySet<string>? mvr, bool mvrHasContest, string winner, string loser, bool useStyle)
    {
        double cvrValue = cvr is null ? 0.5 : PluralityAssort(cvr, winner, loser);
        double mvrValue;
        if (mvr is null)
        {
            mvrValue = 0;
        }
        else if (!mvrHasContest)
        {
            mvrValue = useStyle ? 0 : 0.5;
        }
        else
        {
            mvrValue = PluralityAssort(mvr, winner, loser);
        }

        return cvrValue - mvrValue;
    }

    /// <summary>SHANGRLA's optimal_comparison η for an assumed two-vote overstatement rate p₂.</summary>
    public static double OptimalComparisonEta(double upperBound, double errorRate2 = 1e-5) =>
        (1 - upperBound * (1 - errorRate2)) / (2 - 2 * upperBound) + upperBound * (1 - errorRate2) - 0.5;
}
