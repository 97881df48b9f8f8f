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
    /// A name as a results code, the one mapping between results, the audit's results.csv and the manifest's labels:
    /// lower case, every run of characters other than a–z, 0–9, '.' and '_' (spaces, hyphens, punctuation) replaced by one
    /// '-', with '-' trimmed at both ends ("Ada Lovelace" → "ada-lovelace", "Mayor" → "mayor").
    /// </summary>
    public static string Code(string label)
    {
        ArgumentNullException.ThrowIfNull(label);
        System.Text.StringBuilder code = new();
        foreach (char c in label.ToLowerInvariant())
        {
            if (c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '_')
            {
                code.Append(c);
            }
            else if (code.Length > 0 && code[^1] != '-')
            {
                code.Append('-');
            }
        }

        return code.ToString().Trim('-');
    }

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
            string name = Code(contest.Name);
            List<PublishedUnitResults> units = [.. latest.Values.Where(u => u.Counts.Any(c => Code(c.Contest) == name)).OrderBy(u => u.Index)];
            List<PublishedUnitResults> later = [.. published.Where(p => firstCommitIndex is long c && p.Index > c && p.Counts.Any(x => Code(x.Contest) == name)).OrderBy(p => p.Index)];
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
            foreach (PublishedCount c in units.SelectMany(u => u.Counts).Where(c => Code(c.Contest) == name))
            {
                sums[Code(c.Option)] = sums.GetValueOrDefault(Code(c.Option)) + c.Votes;
            }

            Dictionary<string, long> audited = new(StringComparer.Ordinal);
            foreach (ChoiceTally choice in contest.Choices)
            {
                audited[Code(choice.Name)] = audited.GetValueOrDefault(Code(choice.Name)) + choice.Votes;
            }

            foreach (string choice in audited.Keys.Union(sums.Keys, StringComparer.Ordinal))
            {
                bool inAudit = audited.TryGetValue(choice, out long a), inLog = sums.TryGetValue(choice, out long l);
                if (!inAudit || !inLog || a != l)
                {
                    problems.Add(string.Create(CultureInfo.InvariantCulture,
                        $"contest {contest.Name}, choice {choice}: {(inAudit ? a.ToString(CultureInfo.InvariantCulture) : "absent")} in the audit's results, {(inLog ? l.ToString(CultureInfo.InvariantCulture) : "absent")} in the published results [{entries}]{After()}"));
                }
            }
        }

        return problems;
    }
}
