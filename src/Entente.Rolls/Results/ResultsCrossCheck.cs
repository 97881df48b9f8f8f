using System.Globalization;
using System.Text.Json;

namespace Entente.Rolls.Results;

/// <summary>One log entry the cross-checks read: its index, entry type and artifact (already checked against the entry's hash).</summary>
/// <param name="Index">The log index.</param>
/// <param name="Type">roll.snapshot, results.unofficial or tally.decrypted (others are ignored).</param>
/// <param name="Body">The artifact's bytes.</param>
public sealed record LoggedArtifact(long Index, string Type, byte[] Body);

/// <summary>A reporting unit's turnout: its latest results against the latest roll snapshot logged before them.</summary>
/// <param name="Jurisdiction">The jurisdiction.</param>
/// <param name="Unit">The reporting unit (a precinct, or the jurisdiction itself: then every precinct's count).</param>
/// <param name="Results">The results entry's id (jurisdiction:unit:seq).</param>
/// <param name="ResultsIndex">Its log index.</param>
/// <param name="Ballots">Ballots counted.</param>
/// <param name="Snapshot">The snapshot's id (jurisdiction:number), or null when no snapshot of the roll was logged before the results.</param>
/// <param name="SnapshotIndex">Its log index, or null.</param>
/// <param name="Registered">Registered voters the snapshot gives the unit, or null.</param>
public sealed record UnitTurnout(string Jurisdiction, string Unit, string Results, long ResultsIndex, long Ballots, string? Snapshot, long? SnapshotIndex, long? Registered)
{
    /// <summary>More ballots counted than registered voters.</summary>
    public bool Exceeds => Registered is long r && Ballots > r;

    /// <summary>Turnout in percent (one decimal), or null without a snapshot or with no registered voter.</summary>
    public decimal? Percent => Registered is long r && r > 0 ? Math.Round(100m * Ballots / r, 1, MidpointRounding.AwayFromZero) : null;
}

/// <summary>One option of the ElectionGuard tally against the sum of the unofficial results.</summary>
/// <param name="Contest">The results' contest code (the manifest label as a code, see <see cref="ResultsCrossCheck.Code"/>).</param>
/// <param name="Option">The results' option code.</param>
/// <param name="Tally">The decrypted tally's count.</param>
/// <param name="Results">The sum of every reporting unit's latest results.</param>
public sealed record TallyComparison(string Contest, string Option, long Tally, long Results)
{
    /// <summary>The two agree.</summary>
    public bool Matches => Tally == Results;
}

/// <summary>What the cross-checks found.</summary>
/// <param name="Turnout">Every reporting unit's turnout, by jurisdiction and unit.</param>
/// <param name="TallyEntry">The log index of the decrypted tally, or null when the election on this log has none.</param>
/// <param name="Tally">Every option of the tally's contests that the results report, with both numbers.</param>
/// <param name="Failures">Every failed check, each naming the unit or contest and option and the entries.</param>
public sealed record ResultsCrossCheckResult(IReadOnlyList<UnitTurnout> Turnout, long? TallyEntry, IReadOnlyList<TallyComparison> Tally, IReadOnlyList<string> Failures)
{
    /// <summary>True when no check failed.</summary>
    public bool Ok => Failures.Count == 0;
}

/// <summary>
/// The cross-checks of unofficial results on the log (docs/results.md "Cross-checks"), from log entries alone:
/// <list type="bullet">
/// <item>turnout: each unit's latest results against the registered voters that the roll's latest snapshot logged
/// before those results gives the unit; more ballots than registered voters fails, naming the unit and both entries;</item>
/// <item>the tally: where the log holds the ElectionGuard decrypted tally, each of its contests that the results report
/// (matched by the manifest label written as a code) against the sum of every unit's latest results, option by
/// option; a difference fails, naming the contest, the option and both numbers.</item>
/// </list>
/// The tally's proofs are not checked here (the record verifier's Verification 10 does); only its labels and values are read.
/// </summary>
public static class ResultsCrossCheck
{
    /// <summary>Entry type of the decrypted tally (tally/tally.json).</summary>
    public const string TallyType = "tally.decrypted";

    /// <summary>
    /// A manifest label written as a results code: lower case, every run of characters other than a–z, 0–9, '.' and '_'
    /// replaced by one '-', with '-' trimmed at both ends ("Ada Lovelace" → "ada-lovelace"; see PublishedResults.Code).
    /// </summary>
    public static string Code(string label) => Entente.Audit.Trail.PublishedResults.Code(label);

    /// <summary>Runs the cross-checks over <paramref name="entries"/> (any order), for one jurisdiction's turnout or every one.</summary>
    public static ResultsCrossCheckResult Check(IEnumerable<LoggedArtifact> entries, string? jurisdiction = null)
    {
        ArgumentNullException.ThrowIfNull(entries);
        List<LoggedArtifact> log = [.. entries.OrderBy(e => e.Index)];
        List<string> failures = [];
        List<(long Index, RollSnapshot Snapshot)> snapshots = [];
        Dictionary<(string, string), (long Index, UnitResults Results)> latest = [];
        LoggedArtifact? tallyEntry = null;
        foreach (LoggedArtifact e in log)
        {
            try
            {
                switch (e.Type)
                {
                    case RollArtifacts.SnapshotType:
                        snapshots.Add((e.Index, RollArtifacts.ReadSnapshot(e.Body)));
                        break;
                    case UnitResults.Type:
                        UnitResults r = UnitResults.Read(e.Body);
                        latest[(r.Jurisdiction, r.Unit)] = (e.Index, r);
                        break;
                    case TallyType:
                        tallyEntry ??= e;
                        break;
                }
            }
            catch (RollFormatException x)
            {
                failures.Add($"entry {e.Index}: {x.Message}");
            }
        }

        // Turnout, unit by unit.
        List<UnitTurnout> turnout = [];
        foreach (((string j, string unit), (long index, UnitResults results)) in latest.OrderBy(l => l.Key.Item1, StringComparer.Ordinal).ThenBy(l => l.Key.Item2, StringComparer.Ordinal))
        {
            if (jurisdiction is not null && j != jurisdiction)
            {
                continue;
            }

            (long Index, RollSnapshot Snapshot)? snapshot = snapshots.LastOrDefault(s => s.Snapshot.Jurisdiction == j && s.Index < index) is { Snapshot: not null } s ? s : null;
            long? registered = snapshot?.Snapshot is not { } roll ? null
                : unit == j ? roll.Precincts.Values.Sum()
                : roll.Precincts.TryGetValue(unit, out long n) ? (long?)n : null;
            UnitTurnout t = new(j, unit, results.Id, index, results.Ballots, snapshot?.Snapshot.Id, snapshot?.Index, registered);
            turnout.Add(t);
            if (t.Exceeds)
            {
                failures.Add($"turnout: unit {unit} of {j} counted {results.Ballots} ballots (results {results.Id}, entry {index}) but the roll snapshot {t.Snapshot} (entry {t.SnapshotIndex}) registers {registered} voters there");
            }
            else if (snapshot is not null && registered is null)
            {
                failures.Add($"turnout: unit {unit} of {j} (results {results.Id}, entry {index}) is not a precinct of the roll snapshot {t.Snapshot} (entry {t.SnapshotIndex})");
            }
        }

        // The tally against the sum of every unit's latest results.
        List<TallyComparison> tally = [];
        if (tallyEntry is not null)
        {
            Dictionary<string, Dictionary<string, long>> sums = new(StringComparer.Ordinal);
            foreach ((_, UnitResults results) in latest.Values)
            {
                foreach (ContestCount c in results.Contests)
                {
                    string contest = Code(c.Contest);
                    Dictionary<string, long> options = sums.TryGetValue(contest, out Dictionary<string, long>? o) ? o : sums[contest] = new(StringComparer.Ordinal);
                    foreach (OptionCount option in c.Options)
                    {
                        options[Code(option.Option)] = options.GetValueOrDefault(Code(option.Option)) + option.Votes;
                    }
                }
            }

            try
            {
                foreach ((string contest, IReadOnlyList<(string Option, long Value)> options) in ReadTally(tallyEntry.Body))
                {
                    if (!sums.TryGetValue(contest, out Dictionary<string, long>? reported))
                    {
                        continue; // the results do not report this contest
                    }

                    foreach (string option in options.Select(o => o.Option).Union(reported.Keys, StringComparer.Ordinal))
                    {
                        TallyComparison compared = new(contest, option, options.FirstOrDefault(o => o.Option == option).Value, reported.GetValueOrDefault(option));
                        tally.Add(compared);
                        if (!compared.Matches)
                        {
                            failures.Add(options.Any(o => o.Option == option)
                                ? $"tally: contest {contest}, option {option}: the ElectionGuard tally (entry {tallyEntry.Index}) counts {compared.Tally}, the unofficial results sum to {compared.Results}"
                                : $"tally: contest {contest}, option {option}: the unofficial results count {compared.Results} votes for an option the ElectionGuard tally (entry {tallyEntry.Index}) does not have");
                        }
                    }
                }
            }
            catch (RollFormatException x)
            {
                failures.Add($"tally: entry {tallyEntry.Index}: {x.Message}");
            }
        }

        return new ResultsCrossCheckResult(turnout, tallyEntry?.Index, tally, failures);
    }

    /// <summary>The contests of tally/tally.json as codes: each contest's label with its options' labels and values.</summary>
    private static List<(string Contest, IReadOnlyList<(string Option, long Value)> Options)> ReadTally(byte[] bytes)
    {
        List<(string, IReadOnlyList<(string, long)>)> contests = [];
        try
        {
            using JsonDocument document = JsonDocument.Parse(bytes);
            foreach (JsonElement contest in document.RootElement.GetProperty("contests").EnumerateArray())
            {
                string code = Code(contest.GetProperty("label").GetString() ?? "");
                List<(string, long)> options = [.. contest.GetProperty("options").EnumerateArray().Select(o => (Code(o.GetProperty("label").GetString() ?? ""), o.GetProperty("value").GetInt64()))];
                if (code.Length == 0 || options.Any(o => o.Item1.Length == 0) || options.Select(o => o.Item1).Distinct(StringComparer.Ordinal).Count() != options.Count || contests.Any(c => c.Item1 == code))
                {
                    throw new RollFormatException($"the tally's contest \"{contest.GetProperty("label").GetString()}\" or one of its options has no distinct code (labels are matched as codes)");
                }

                contests.Add((code, options));
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new RollFormatException(string.Create(CultureInfo.InvariantCulture, $"not a decrypted tally (contests with label, options with label and value): {e.Message}"), e);
        }

        return contests;
    }
}
