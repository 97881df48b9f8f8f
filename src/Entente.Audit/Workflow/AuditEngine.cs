using Entente.Audit.Io;
using Entente.Audit.Statistics;

namespace Entente.Audit.Workflow;

/// <summary>What to do about a contest after a round.</summary>
public enum ContestDecision
{
    /// <summary>The risk is at or below the risk limit: the reported outcome is confirmed.</summary>
    Confirmed,

    /// <summary>Draw another round of the given size.</summary>
    AnotherRound,

    /// <summary>Escalate to a full hand count: the next round would reach every ballot.</summary>
    FullHandCount,
}

/// <summary>The audit board's reading of one sampled ballot.</summary>
/// <param name="NotFound">The ballot could not be found.</param>
/// <param name="Contests">Contest → choices marked; a contest absent from the map is not on the ballot.</param>
public sealed record BallotReading(bool NotFound, IReadOnlyDictionary<string, IReadOnlySet<string>> Contests);

/// <summary>The measured risk of one contest and the decision.</summary>
/// <param name="Contest">Contest name.</param>
/// <param name="PValue">The risk (largest over pairs).</param>
/// <param name="Pairs">Risk per (winner, loser) pair.</param>
/// <param name="RiskByDraw">The risk after each draw, for the chart.</param>
/// <param name="Decision">Confirmed, another round, or full hand count.</param>
/// <param name="NextRoundSize">Additional draws advised for this contest (0 when confirmed).</param>
/// <param name="Discrepancies">Comparison audits: the discrepancies seen.</param>
/// <param name="Tally">Polling audits: the votes seen in the sample (not-found ballots excluded).</param>
/// <param name="NotFound">Ballots not found.</param>
public sealed record ContestRisk(string Contest, double PValue, IReadOnlyList<PairRisk> Pairs, IReadOnlyList<double> RiskByDraw, ContestDecision Decision,
    long NextRoundSize, Discrepancies Discrepancies, IReadOnlyDictionary<string, long> Tally, long NotFound);

/// <summary>The decision after a round, for every contest.</summary>
/// <param name="Contests">Per contest.</param>
/// <param name="Draws">Draws measured.</param>
public sealed record AuditDecision(IReadOnlyList<ContestRisk> Contests, long Draws)
{
    /// <summary>Every contest confirmed.</summary>
    public bool AllConfirmed => Contests.All(c => c.Decision == ContestDecision.Confirmed);

    /// <summary>Some contest needs a full hand count.</summary>
    public bool FullHandCount => Contests.Any(c => c.Decision == ContestDecision.FullHandCount);

    /// <summary>Size of the next round: the largest over contests still open.</summary>
    public long NextRoundSize => Contests.Count == 0 ? 0 : Contests.Max(c => c.NextRoundSize);
}

/// <summary>The audit's arithmetic: round sizes, risk per contest, decisions. Pure functions.</summary>
public static partial class AuditEngine
{
    /// <summary>The contest measured against the whole sampled population (the manifest's ballots).</summary>
    public static ReportedContest OverPopulation(ReportedContest contest, long populationBallots)
    {
        ArgumentNullException.ThrowIfNull(contest);
        return contest.Ballots == populationBallots ? contest
            : new ReportedContest(contest.Name, contest.Choices, populationBallots, contest.WinnerCount, contest.VotesAllowed);
    }

    /// <summary>The first round's size: the largest over contests (BRAVO: the 90 % one-round size, or ASN with several winners; comparison: Kaplan–Markov with default rates).</summary>
    public static long FirstRoundSize(AuditMethod method, double alpha, IReadOnlyList<ReportedContest> contests, long ballots)
    {
        ArgumentNullException.ThrowIfNull(contests);
        long size = 0;
        foreach (ReportedContest c in contests.Select(c => OverPopulation(c, ballots)))
        {
            size = Math.Max(size, method == AuditMethod.Bravo
                ? BravoNext(alpha, c, new Dictionary<string, long>())
                : KaplanMarkov.SampleSize(alpha, c.DilutedMargin, DiscrepancyRates.Default, ballots));
        }

        return Math.Min(Math.Max(size, 1), ballots);
    }

    private static long BravoNext(double alpha, ReportedContest c, IReadOnlyDictionary<string, long> tally)
    {
        BravoSampleSizes sizes = Bravo.SampleSizes(alpha, c, tally);
        if (sizes.AllBallots)
        {
            return c.Ballots;
        }

        return sizes.Quantiles.TryGetValue(0.9, out long q) ? q : sizes.Asn ?? c.Ballots;
    }

    /// <summary>
    /// Measures every contest over the draws (in ticket order) with the readings of the sampled ballots.
    /// </summary>
    public static AuditDecision Evaluate(AuditMethod method, double alpha, IReadOnlyList<ReportedContest> contests, long ballots,
        IReadOnlyList<AuditDraw> draws, IReadOnlyDictionary<string, BallotReading> readings, IReadOnlyDictionary<BallotLocation, CastVoteRecord>? cvrs)
    {
        ArgumentNullException.ThrowIfNull(contests);
        ArgumentNullException.ThrowIfNull(draws);
        ArgumentNullException.ThrowIfNull(readings);
        Bravo.CheckAlpha(alpha);
        List<ContestRisk> result = [];
        foreach (ReportedContest reported in contests)
        {
            ReportedContest contest = OverPopulation(reported, ballots);
            result.Add(method == AuditMethod.Bravo
                ? MeasureBravo(alpha, contest, draws, readings)
                : MeasureComparison(alpha, contest, draws, readings, cvrs ?? throw new ArgumentException("A comparison audit needs cast vote records.", nameof(cvrs))));
        }

        return new AuditDecision(result, draws.Count);
    }

    private static BallotReading Reading(IReadOnlyDictionary<string, BallotReading> readings, AuditDraw d) =>
        readings.TryGetValue(d.BallotKey, out BallotReading? r)
            ? r
            : throw new InvalidOperationException($"Ballot {d.Batch} #{d.Position} was drawn but has no recorded interpretation.");

    private static ContestRisk MeasureBravo(double alpha, ReportedContest contest, IReadOnlyList<AuditDraw> draws, IReadOnlyDictionary<string, BallotReading> readings)
    {
        (ChoiceTally W, ChoiceTally L, double LogWin, double LogLose, double LogT)[] pairs =
            [.. contest.Pairs.Select(p => (p.Winner, p.Loser, Math.Log(2.0 * p.Winner.Votes / (p.Winner.Votes + p.Loser.Votes)),
                Math.Log(2.0 * p.Loser.Votes / (p.Winner.Votes + p.Loser.Votes)), 0.0))];
        Dictionary<string, long> tally = new(StringComparer.Ordinal);
        long notFound = 0;
        List<double> byDraw = new(draws.Count);
        foreach (AuditDraw d in draws)
        {
            BallotReading r = Reading(readings, d);
            if (r.NotFound)
            {
                notFound++;
            }
            else if (r.Contests.TryGetValue(contest.Name, out IReadOnlySet<string>? votes))
            {
                foreach (string v in votes)
                {
                    tally[v] = tally.GetValueOrDefault(v) + 1;
                }
            }

            for (int i = 0; i < pairs.Length; i++)
            {
                bool forWinner = !r.NotFound && r.Contests.TryGetValue(contest.Name, out IReadOnlySet<string>? v1) && v1.Contains(pairs[i].W.Name);
                bool forLoser = r.NotFound || (r.Contests.TryGetValue(contest.Name, out IReadOnlySet<string>? v2) && v2.Contains(pairs[i].L.Name));
                if (forWinner)
                {
                    pairs[i].LogT += pairs[i].LogWin;
                }

                if (forLoser)
                {
                    pairs[i].LogT += pairs[i].LogLose;
                }
            }

            byDraw.Add(pairs.Max(p => Bravo.PValueFromLogT(p.LogT)));
        }

        PairRisk[] risks = [.. pairs.Select(p => new PairRisk(p.W.Name, p.L.Name, Bravo.PValueFromLogT(p.LogT)))];
        double pValue = risks.Max(x => x.PValue);
        if (pValue <= alpha)
        {
            return new ContestRisk(contest.Name, pValue, risks, byDraw, ContestDecision.Confirmed, 0, default, tally, notFound);
        }

        Dictionary<string, long> withZombies = new(tally, StringComparer.Ordinal);
        foreach (ChoiceTally l in contest.Losers)
        {
            withZombies[l.Name] = withZombies.GetValueOrDefault(l.Name) + notFound;
        }

        long next;
        try
        {
            next = BravoNext(alpha, contest, withZombies);
        }
        catch (InvalidOperationException)
        {
            next = contest.Ballots;
        }

        next = Math.Max(next, 1);
        ContestDecision decision = draws.Count + next >= contest.Ballots ? ContestDecision.FullHandCount : ContestDecision.AnotherRound;
        return new ContestRisk(contest.Name, pValue, risks, byDraw, decision, decision == ContestDecision.FullHandCount ? contest.Ballots - draws.Count : next,
            default, tally, notFound);
    }

    private static ContestRisk MeasureComparison(double alpha, ReportedContest contest, IReadOnlyList<AuditDraw> draws, IReadOnlyDictionary<string, BallotReading> readings,
        IReadOnlyDictionary<BallotLocation, CastVoteRecord> cvrs)
    {
        List<int> overstatements = new(draws.Count);
        List<double> byDraw = new(draws.Count);
        long notFound = 0;
        double margin = contest.DilutedMargin;
        foreach (AuditDraw d in draws)
        {
            BallotReading r = Reading(readings, d);
            cvrs.TryGetValue(new BallotLocation(d.Tabulator, d.Batch, d.Position), out CastVoteRecord? cvr);
            int e;
            if (r.NotFound || cvr is null)
            {
                notFound += r.NotFound ? 1 : 0;
                e = 2;
            }
            else
            {
                bool onCvr = cvr.Contests.TryGetValue(contest.Name, out IReadOnlySet<string>? cvrVotes);
                bool onMvr = r.Contests.TryGetValue(contest.Name, out IReadOnlySet<string>? mvrVotes);
                e = !onCvr && !onMvr ? 0 : KaplanMarkov.Overstatement(contest, cvrVotes ?? new HashSet<string>(), mvrVotes ?? new HashSet<string>());
            }

            overstatements.Add(e);
            byDraw.Add(KaplanMarkov.PValue(overstatements.Count, margin, KaplanMarkov.Count(overstatements)));
        }

        Discrepancies seen = KaplanMarkov.Count(overstatements);
        double p = KaplanMarkov.PValue(draws.Count, margin, seen);
        PairRisk[] pairs = [.. contest.Pairs.Select(x => new PairRisk(x.Winner.Name, x.Loser.Name, p))];
        if (p <= alpha)
        {
            return new ContestRisk(contest.Name, p, pairs, byDraw, ContestDecision.Confirmed, 0, seen, new Dictionary<string, long>(), notFound);
        }

        long target = draws.Count == 0
            ? KaplanMarkov.SampleSize(alpha, margin, DiscrepancyRates.Default, contest.Ballots)
            : KaplanMarkov.NextRoundSize(alpha, margin, draws.Count, seen, contest.Ballots);
        long next = Math.Max(1, target - draws.Count);
        ContestDecision decision = target >= contest.Ballots ? ContestDecision.FullHandCount : ContestDecision.AnotherRound;
        return new ContestRisk(contest.Name, p, pairs, byDraw, decision, decision == ContestDecision.FullHandCount ? contest.Ballots - draws.Count : next,
            seen, new Dictionary<string, long>(), notFound);
    }
}
