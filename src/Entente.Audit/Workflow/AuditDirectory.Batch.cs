// The batch-comparison workflow (docs/audit.md, "Batch comparison"): reported batch tallies (Arlo's
// candidate-totals-by-batch template) fixed at init, PPEB draws of whole batches from the seed (PpebSampler, weights
// exactly proportional to MACRO's error bounds), the audit boards' hand counts per drawn batch and contest, and the
// MACRO risk across contests after each signed-off round.
using System.Globalization;
using System.Numerics;
using System.Text.Json;
using Entente.Audit.Io;
using Entente.Audit.Sampling;
using Entente.Audit.Statistics;
using Entente.Audit.Vendors;

namespace Entente.Audit.Workflow;

/// <summary>An audit board's hand count of one drawn batch for one contest.</summary>
/// <param name="Round">The round in which it was recorded.</param>
/// <param name="Tabulator">Tabulator, if any.</param>
/// <param name="Batch">Batch name.</param>
/// <param name="Contest">The contest counted.</param>
/// <param name="Votes">Choice → votes counted (a choice left out counted 0).</param>
/// <param name="RecordedAt">When it was recorded.</param>
public sealed record BatchCount(int Round, string? Tabulator, string Batch, string Contest, IReadOnlyDictionary<string, long> Votes, DateTimeOffset RecordedAt);

public sealed partial class AuditDirectory
{
    /// <summary>The reported batch tallies file in inputs/.</summary>
    public const string BatchTalliesFile = "batch-tallies.csv";

    /// <summary>The hand counts journal (batch audits).</summary>
    public const string BatchCountsFile = "batch-counts.json";

    /// <summary>Batch audits: the reported tallies per manifest batch; null for ballot audits.</summary>
    public IReadOnlyDictionary<ManifestBatch, IReadOnlyDictionary<string, IReadOnlyDictionary<string, long>>>? ReportedBatches { get; private set; }

    /// <summary>Batch audits: the hand counts, in the order recorded (a later count of the same batch and contest supersedes).</summary>
    public List<BatchCount> BatchCounts { get; private set; } = [];

    private void LoadBatches()
    {
        string tallies = System.IO.Path.Combine(Path, "inputs", BatchTalliesFile);
        if (State.Method != AuditMethod.Batch)
        {
            return;
        }

        ReportedBatches = CandidateTotalsByBatch.Load(tallies, Manifest, Contests);
        string counts = System.IO.Path.Combine(Path, BatchCountsFile);
        BatchCounts = File.Exists(counts) ? JsonSerializer.Deserialize<List<BatchCount>>(File.ReadAllText(counts), Json) ?? [] : [];
    }

    private void SaveBatchCounts() =>
        WriteAtomically(System.IO.Path.Combine(Path, BatchCountsFile), JsonSerializer.Serialize(BatchCounts, Json));

    private IReadOnlyDictionary<string, IReadOnlyDictionary<string, long>> Reported(ManifestBatch batch) => ReportedBatches![batch];

    /// <summary>U = Σ_p u_p over the manifest's batches (MACRO across contests).</summary>
    public double TotalErrorBound() => Manifest.Batches.Sum(b => MacroAudit.ErrorBound(Contests, b.Ballots, Reported(b)));

    /// <summary>Batch audits: MACRO's first-round size (batches to draw), at most the number of batches.</summary>
    public long FirstBatchRoundSize() => Math.Max(1, Macro.SampleSize(State.RiskLimit, TotalErrorBound(), Manifest.Batches.Count));

    private AuditRound DrawBatchRound(string seed, long size)
    {
        IReadOnlyList<BigInteger> weights = MacroAudit.Weights(Contests, [.. Manifest.Batches.Select(b => (b.Ballots, Reported(b)))]);
        long drawn = State.Rounds.Sum(r => r.Draws.Count);
        Dictionary<int, int> times = [];
        foreach (AuditDraw earlier in State.Rounds.SelectMany(r => r.Draws))
        {
            int i = IndexOf(earlier);
            times[i] = times.GetValueOrDefault(i) + 1;
        }

        List<AuditDraw> draws = [];
        foreach (PpebDraw d in PpebSampler.Draw(seed, weights, drawn + 1, size))
        {
            ManifestBatch b = Manifest.Batches[d.Index];
            times[d.Index] = times.GetValueOrDefault(d.Index) + 1;
            draws.Add(new AuditDraw(d.Ticket, d.Ticket.ToString(CultureInfo.InvariantCulture), b.Container, b.Tabulator, b.Batch, 0, times[d.Index]));
        }

        return new AuditRound { Number = State.Rounds.Count + 1, Draws = draws };
    }

    private int IndexOf(AuditDraw d)
    {
        for (int i = 0; i < Manifest.Batches.Count; i++)
        {
            if (Manifest.Batches[i].Tabulator == d.Tabulator && Manifest.Batches[i].Batch == d.Batch)
            {
                return i;
            }
        }

        throw new InvalidOperationException($"Batch {d.Batch} is not in the manifest.");
    }

    private string BatchRetrievalList(AuditRound round)
    {
        HashSet<string> earlier = [.. State.Rounds.Where(r => r.Number < round.Number).SelectMany(r => r.Draws).Select(d => d.BallotKey)];
        List<string> lines = [CsvWriter.Line("Container", "Tabulator", "Batch", "Ballots", "Ticket Numbers", "Times Drawn", "Already Audited")];
        foreach (IGrouping<string, AuditDraw> batch in round.Draws.GroupBy(d => d.BallotKey)
                     .OrderBy(g => g.First().Container, NaturalComparer.Instance)
                     .ThenBy(g => g.First().Tabulator, NaturalComparer.Instance)
                     .ThenBy(g => g.First().Batch, NaturalComparer.Instance))
        {
            AuditDraw first = batch.First();
            lines.Add(CsvWriter.Line(first.Container, first.Tabulator, first.Batch, Manifest.Batches[IndexOf(first)].Ballots.ToString(CultureInfo.InvariantCulture),
                string.Join(";", batch.Select(d => d.Ticket)), batch.Count().ToString(CultureInfo.InvariantCulture), earlier.Contains(batch.Key) ? "Y" : "N"));
        }

        return CsvWriter.Document(lines);
    }

    /// <summary>Batch audits: records the audit board's hand count of a drawn batch for one contest (a later count supersedes).</summary>
    public void RecordBatchCount(string? tabulator, string batch, string contest, IReadOnlyDictionary<string, long> votes)
    {
        ArgumentNullException.ThrowIfNull(votes);
        if (State.Method != AuditMethod.Batch)
        {
            throw new InvalidOperationException("Hand counts of whole batches belong to batch-comparison audits; this audit reads ballots (--position, --choice).");
        }

        AuditRound round = CurrentRound ?? throw new InvalidOperationException("No batches have been drawn yet. Run `entente audit sample --dir` first.");
        if (round.SignedOffBy is not null)
        {
            throw new InvalidOperationException($"Round {round.Number} is signed off; its counts can no longer change.");
        }

        AuditDraw draw = round.Draws.FirstOrDefault(d => d.Tabulator == tabulator && d.Batch == batch)
            ?? throw new InvalidOperationException($"Batch {(tabulator is null ? "" : tabulator + " / ")}{batch} is not in round {round.Number}'s sample.");
        ReportedContest c = Contests.FirstOrDefault(x => x.Name == contest)
            ?? throw new InvalidOperationException($"No contest \"{contest}\". Contests: {string.Join(", ", Contests.Select(x => x.Name))}.");
        foreach ((string choice, long n) in votes)
        {
            if (!c.HasChoice(choice))
            {
                throw new InvalidOperationException($"\"{choice}\" is not a choice of \"{contest}\". Choices: {string.Join(", ", c.Choices.Select(x => x.Name))}.");
            }

            if (n < 0)
            {
                throw new InvalidOperationException($"{choice}: a count is never negative.");
            }
        }

        long ballots = Manifest.Batches[IndexOf(draw)].Ballots;
        if (votes.Values.Sum() > ballots * c.VotesAllowed)
        {
            throw new InvalidOperationException($"{votes.Values.Sum()} votes in \"{contest}\" but batch {batch} holds {ballots} ballots × {c.VotesAllowed} votes allowed; check the count.");
        }

        BatchCounts.Add(new BatchCount(round.Number, draw.Tabulator, draw.Batch, contest, new Dictionary<string, long>(votes, StringComparer.Ordinal), Clock.GetUtcNow()));
        SaveBatchCounts();
    }

    /// <summary>Batch audits: the latest count per (batch key, contest).</summary>
    public IReadOnlyDictionary<(string BatchKey, string Contest), BatchCount> LatestBatchCounts()
    {
        Dictionary<(string, string), BatchCount> latest = [];
        foreach (BatchCount c in BatchCounts)
        {
            latest[($"{c.Tabulator}\u001f{c.Batch}\u001f0", c.Contest)] = c;
        }

        return latest;
    }

    private List<(AuditDraw Draw, IReadOnlyList<string> MissingContests)> MissingBatchCounts(AuditRound round)
    {
        var latest = LatestBatchCounts();
        List<(AuditDraw, IReadOnlyList<string>)> missing = [];
        foreach (AuditDraw d in round.Draws.DistinctBy(d => d.BallotKey))
        {
            var reported = Reported(Manifest.Batches[IndexOf(d)]);
            string[] absent = [.. Contests.Where(c => reported.ContainsKey(c.Name) && !latest.ContainsKey((d.BallotKey, c.Name))).Select(c => c.Name)];
            if (absent.Length > 0)
            {
                missing.Add((d, absent));
            }
        }

        return missing;
    }

    private Interpretation? UndoBatchCount(AuditRound round)
    {
        int last = BatchCounts.FindLastIndex(c => c.Round == round.Number);
        if (last < 0)
        {
            return null;
        }

        BatchCount removed = BatchCounts[last];
        BatchCounts.RemoveAt(last);
        SaveBatchCounts();
        return new Interpretation(removed.Round, removed.Tabulator, removed.Batch, 0, removed.Contest, [], true, removed.RecordedAt);
    }

    /// <summary>
    /// Batch audits: the MACRO risk across contests over every signed-off draw, the same bound for every contest
    /// (it holds for all of them at once), with the risk after each draw and the next round's size.
    /// </summary>
    private AuditDecision EvaluateBatches()
    {
        var latest = LatestBatchCounts();
        return AuditEngine.EvaluateBatches(State.RiskLimit, Contests, Manifest.Batches, ReportedBatches!, [.. SignedOffDraws.Select(d => Manifest.Batches[IndexOf(d)])],
            (b, contest) => latest.TryGetValue(($"{b.Tabulator}\u001f{b.Batch}\u001f0", contest), out BatchCount? count) ? count.Votes : null);
    }
}
