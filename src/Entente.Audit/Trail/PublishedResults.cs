using System.Globalization;
using Entente.Audit.Statistics;

namespace Entente.Audit.Trail;

/// <summary>One option's votes in published results.</summary>
/// <param name="Contest">The contest code.</param>
/// <param name="Option">The option code.</param>
/// <param name="Votes">Its votes.</param>
public sealed record PublishedCount(string Contest, string Option, long Votes);

/// <summary>
/// One version of a reporting unit's unofficial results as logged (docs/results.md), reduced to what the audit compares:
/// read from a results.unofficial entry by Entente.Rolls (UnitResults), which the audit does not depend on.
/// </summary>
/// <param name="Index">The entry's log index.</param>
/// <param name="Id">The entry's id (jurisdiction:unit:seq).</param>
/// <param name="Unit">The unit (jurisdiction:unit): a later version of the same unit replaces an earlier one.</param>
/// <param name="Ballots">Ballots counted in the unit.</param>
/// <param name="Counts">Its counts.</param>
public sealed record PublishedUnitResults(long Index, string Id, string Unit, long Ballots, IReadOnlyList<PublishedCount> Counts);

/// <summary>
/// The audit's reported results must be the published ones (issue #21; docs/audit.md "Reported results from the log"):
/// when the log holds unofficial results, each contest of the audit's results.csv must equal, choice by choice, the sum
/// over every reporting unit of its latest version logged before the audit's first seed commitment, and its Ballots the
/// sum of the ballots of the units reporting the contest. Winners and VotesAllowed are the audit's own parameters.
/// </summary>
public static class PublishedResults
{
    /// <summary>
    /// Every difference between <paramref name="audit"/> and the published results (empty when they agree, or when the
    /// log holds no published results at all); <paramref name="firstCommitIndex"/> is the log index of the audit's first
    /// seed commitment (null before it is logged: then every published version counts).
    /// </summary>
    public static IReadOnlyList<string> Compare(IReadOnlyList<ReportedContest> audit, IReadOnlyList<PublishedUnitResults> published, long? firstCommitIndex)
    {
        ArgumentNullException.ThrowIfNull(audit);
        ArgumentNullException.ThrowIfNull(published);
        List<string> problems = [];
        if (published.Count == 0)
        {
            return problems;
        }

        List<PublishedUnitResults> before = [.. published.Where(p => firstCommitIndex is not long c || p.Index < c).OrderBy(p => p.Index)];
        Dictionary<string, PublishedUnitResults> latest = new(StringComparer.Ordinal);
        foreach (PublishedUnitResults p in before)
        {
            latest[p.Unit] = p;
        }

        foreach (ReportedContest contest in audit)
        {
            List<PublishedUnitResults> units = [.. latest.Values.Where(u => u.Counts.Any(c => c.Contest == contest.Name)).OrderBy(u => u.Index)];
            List<PublishedUnitResults> later = [.. published.Where(p => firstCommitIndex is long c && p.Index > c && p.Counts.Any(x => x.Contest == contest.Name)).OrderBy(p => p.Index)];
            string After() => later.Count == 0 ? "" : string.Create(CultureInfo.InvariantCulture,
                $"; results of it posted after the seed commitment at index {firstCommitIndex}: {string.Join(", ", later.Select(l => $"{l.Id} (entry {l.Index})"))}");
            if (units.Count == 0)
            {
                problems.Add(later.Count == 0
                    ? $"contest {contest.Name}: not on the log (no published results report it)"
                    : $"contest {contest.Name}: not on the log before the seed commitment at index {firstCommitIndex}{After()}");
                continue;
            }

            string entries = string.Join(", ", units.Select(u => $"{u.Id} (entry {u.Index})"));
            long ballots = units.Sum(u => u.Ballots);
            if (ballots != contest.Ballots)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"contest {contest.Name}: Ballots {contest.Ballots} in the audit's results, {ballots} in the published results [{entries}]{After()}"));
            }

            Dictionary<string, long> sums = new(StringComparer.Ordinal);
            foreach (PublishedCount c in units.SelectMany(u => u.Counts).Where(c => c.Contest == contest.Name))
            {
                sums[c.Option] = sums.GetValueOrDefault(c.Option) + c.Votes;
            }

            foreach (string choice in contest.Choices.Select(c => c.Name).Union(sums.Keys, StringComparer.Ordinal))
            {
                long audited = contest.Choices.FirstOrDefault(c => c.Name == choice).Votes;
                long logged = sums.GetValueOrDefault(choice);
                if (audited != logged || !contest.Choices.Any(c => c.Name == choice) || !sums.ContainsKey(choice))
                {
                    problems.Add(string.Create(CultureInfo.InvariantCulture,
                        $"contest {contest.Name}, choice {choice}: {(contest.Choices.Any(c => c.Name == choice) ? audited.ToString(CultureInfo.InvariantCulture) : "absent")} in the audit's results, {(sums.ContainsKey(choice) ? logged.ToString(CultureInfo.InvariantCulture) : "absent")} in the published results [{entries}]{After()}"));
                }
            }
        }

        return problems;
    }
}
