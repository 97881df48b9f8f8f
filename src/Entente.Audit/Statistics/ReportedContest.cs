namespace Entente.Audit.Statistics;

/// <summary>A choice and its reported vote count.</summary>
/// <param name="Name">The choice (candidate) name, exactly as in the results.</param>
/// <param name="Votes">Reported votes; never negative.</param>
public readonly record struct ChoiceTally(string Name, long Votes);

/// <summary>
/// A contest as reported: its choices with their votes, the number of ballots (cards) cast in the audited
/// population including undervotes and invalid ballots, and how many winners it has. The reported winners are
/// the choices with the most votes; a tie for the last winning place is refused, because no audit can
/// confirm which of two tied choices won.
/// </summary>
public sealed class ReportedContest
{
    /// <summary>Builds a contest and checks it: ballots ≥ 1, votes ≥ 0, 1 ≤ winners &lt; choices, no tie at the cut.</summary>
    public ReportedContest(string name, IEnumerable<ChoiceTally> choices, long ballots, int winners = 1, int votesAllowed = 1)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(choices);
        ArgumentOutOfRangeException.ThrowIfLessThan(ballots, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(winners, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(votesAllowed, 1);
        Name = name;
        Choices = [.. choices];
        if (Choices.Count < 2)
        {
            throw new ArgumentException($"Contest {name} needs at least two choices.", nameof(choices));
        }

        if (Choices.Any(c => c.Votes < 0))
        {
            throw new ArgumentException($"Contest {name} has a negative vote count.", nameof(choices));
        }

        if (Choices.Select(c => c.Name).Distinct(StringComparer.Ordinal).Count() != Choices.Count)
        {
            throw new ArgumentException($"Contest {name} lists a choice twice.", nameof(choices));
        }

        if (winners >= Choices.Count)
        {
            throw new ArgumentException($"Contest {name} has {winners} winners but only {Choices.Count} choices: nothing to audit.", nameof(winners));
        }

        Ballots = ballots;
        WinnerCount = winners;
        VotesAllowed = votesAllowed;
        ChoiceTally[] ordered = [.. Choices.OrderByDescending(c => c.Votes)];
        Winners = [.. ordered.Take(winners)];
        Losers = [.. ordered.Skip(winners)];
        IsTied = Winners[^1].Votes == Losers[0].Votes;
        long total = 0;
        foreach (ChoiceTally c in Choices)
        {
            if (c.Votes > long.MaxValue - total)
            {
                throw new ArgumentException($"Contest {name}'s vote counts add up to more than {long.MaxValue}.", nameof(choices));
            }

            total += c.Votes;
        }

        TotalVotes = total;
        if (TotalVotes > (decimal)ballots * votesAllowed)
        {
            throw new ArgumentException($"Contest {name} reports {TotalVotes} votes from {ballots} ballots.", nameof(ballots));
        }
    }

    /// <summary>The contest name.</summary>
    public string Name { get; }

    /// <summary>Every choice in the order given.</summary>
    public IReadOnlyList<ChoiceTally> Choices { get; }

    /// <summary>Ballots (cards) in the population from which the contest's sample is drawn.</summary>
    public long Ballots { get; }

    /// <summary>Number of winners.</summary>
    public int WinnerCount { get; }

    /// <summary>Votes a voter may cast in this contest.</summary>
    public int VotesAllowed { get; }

    /// <summary>Reported winners, most votes first.</summary>
    public IReadOnlyList<ChoiceTally> Winners { get; }

    /// <summary>Reported losers, most votes first.</summary>
    public IReadOnlyList<ChoiceTally> Losers { get; }

    /// <summary>True when the last winner and the first loser have the same votes.</summary>
    public bool IsTied { get; }

    /// <summary>Sum of votes over all choices.</summary>
    public long TotalVotes { get; }

    /// <summary>Every (winner, loser) pair; with several winners each winner is tested against each loser.</summary>
    public IEnumerable<(ChoiceTally Winner, ChoiceTally Loser)> Pairs =>
        from w in Winners from l in Losers select (w, l);

    /// <summary>The smallest margin over pairs, in votes.</summary>
    public long MarginVotes => Winners[^1].Votes - Losers[0].Votes;

    /// <summary>The diluted margin: smallest pairwise margin divided by the ballots in the population.</summary>
    public double DilutedMargin => (double)MarginVotes / Ballots;

    /// <summary>Whether <paramref name="choice"/> is a reported winner.</summary>
    public bool IsWinner(string choice) => Winners.Any(w => w.Name == choice);

    /// <summary>Whether <paramref name="choice"/> is a choice of this contest.</summary>
    public bool HasChoice(string choice) => Choices.Any(c => c.Name == choice);
}

/// <summary>The risk measured for one (winner, loser) pair or assertion.</summary>
/// <param name="Winner">The reported winner.</param>
/// <param name="Loser">The reported loser.</param>
/// <param name="PValue">The measured risk, in [0, 1].</param>
public readonly record struct PairRisk(string Winner, string Loser, double PValue);
