using System.Globalization;
using Entente.Audit.Io;

namespace Entente.Audit.Vendors;

/// <summary>Where a value came from in an input: file, 1-based row (0 for XML or JSON) and column or element.</summary>
/// <param name="File">The file name.</param>
/// <param name="Row">The row (line of the record's start), or 0.</param>
/// <param name="Column">The column, element or JSON path.</param>
internal readonly record struct InputPlace(string File, int Row, string Column)
{
    public AuditInputException Error(string problem) => new(File, Row, Column, problem);

    public override string ToString() => Row > 0 ? $"{File} row {Row}" : File;
}

/// <summary>A card as a reader found it, before it is placed in the manifest.</summary>
/// <param name="Tabulator">The export's tabulator, or null when the export names none (the manifest then decides).</param>
/// <param name="Batch">The export's batch name.</param>
/// <param name="SortKey">The record id as a number: the card's order inside its batch.</param>
/// <param name="RecordId">The record id as written.</param>
/// <param name="ImprintedId">The id printed on the card.</param>
/// <param name="Contests">Contest → vote for the contests on the card.</param>
/// <param name="BatchPlace">Where the batch key was read (file, row, column), for messages.</param>
internal sealed record RawCvr(string? Tabulator, string Batch, UInt128 SortKey, string RecordId, string ImprintedId,
    Dictionary<string, ContestVote> Contests, InputPlace BatchPlace);

/// <summary>A contest as a reader found it: name, votes allowed, choices in column order.</summary>
internal sealed record RawContest(string Name, int VotesAllowed, List<string> Choices);

/// <summary>Places raw cards in the manifest and checks what every vendor must satisfy.</summary>
internal static class CvrImportBuilder
{
    public static CvrImport Build(CvrFormat format, IReadOnlyList<RawContest> contests, IReadOnlyList<RawCvr> cards, BallotManifest manifest)
    {
        if (cards.Count == 0)
        {
            throw new AuditInputException("", 0, "", "The export holds no cast vote records.");
        }

        bool namesUnique = manifest.Batches.Select(b => b.Batch).Distinct(StringComparer.Ordinal).Count() == manifest.Batches.Count;
        Dictionary<(string?, string), ManifestBatch> byKey = manifest.Batches.ToDictionary(b => (b.Tabulator, b.Batch));
        Dictionary<string, ManifestBatch> byName = namesUnique ? manifest.Batches.ToDictionary(b => b.Batch, StringComparer.Ordinal) : [];
        Dictionary<ManifestBatch, List<RawCvr>> batches = [];
        foreach (RawCvr card in cards)
        {
            ManifestBatch batch = Find(card) ?? throw NotInManifest(card);
            if (!batches.TryGetValue(batch, out List<RawCvr>? list))
            {
                list = [];
                batches[batch] = list;
            }

            list.Add(card);
        }

        Dictionary<string, RawCvr> ids = new(StringComparer.Ordinal);
        List<ImportedCvr> placed = [];
        foreach (ManifestBatch batch in manifest.Batches.Where(batches.ContainsKey))
        {
            List<RawCvr> list = [.. batches[batch].OrderBy(c => c.SortKey)];
            for (int i = 1; i < list.Count; i++)
            {
                if (list[i].SortKey == list[i - 1].SortKey)
                {
                    throw list[i].BatchPlace.Error(
                        $"Batch {batch.Key} has two cast vote records with record id {list[i].RecordId} ({list[i - 1].BatchPlace} and {list[i].BatchPlace}). " +
                        "Each card of a batch needs its own record id, or its manifest position is ambiguous; export the batch again.");
                }
            }

            if (list.Count > batch.Ballots)
            {
                RawCvr extra = list[(int)batch.Ballots];
                throw extra.BatchPlace.Error(string.Create(CultureInfo.InvariantCulture,
                    $"Batch {batch.Key} has {list.Count} cast vote records but the manifest (row {batch.Row}) lists {batch.Ballots} ballots. " +
                    $"A card beyond the manifest could never be drawn, so the audit could not check it (Arlo accepts this silently; Entente refuses). " +
                    $"Correct the manifest's count or the export."));
            }

            for (int i = 0; i < list.Count; i++)
            {
                RawCvr c = list[i];
                if (ids.TryGetValue(c.ImprintedId, out RawCvr? first))
                {
                    throw c.BatchPlace.Error(
                        $"The imprinted id {c.ImprintedId} is on two cast vote records ({first.BatchPlace} and {c.BatchPlace}). The audit board finds a card by this id, " +
                        "so it must be unique (Arlo accepts duplicates; Entente refuses). Export the cards again, one id per card.");
                }

                ids[c.ImprintedId] = c;
                placed.Add(new ImportedCvr(batch.Tabulator, batch.Batch, i + 1, c.RecordId, c.ImprintedId, c.Contests, c.BatchPlace.ToString()));
            }
        }

        List<CvrContest> totals = [];
        foreach (RawContest contest in contests)
        {
            Dictionary<string, long> votes = contest.Choices.ToDictionary(c => c, _ => 0L, StringComparer.Ordinal);
            long cast = 0;
            foreach (ImportedCvr b in placed)
            {
                if (!b.Contests.TryGetValue(contest.Name, out ContestVote? vote))
                {
                    continue;
                }

                cast++;
                if (vote.Kind == ContestVoteKind.Marks && vote.MarkCount <= contest.VotesAllowed)
                {
                    foreach ((string choice, int marks) in vote.Marks)
                    {
                        votes[choice] += marks;
                    }
                }
            }

            totals.Add(new CvrContest(contest.Name, contest.VotesAllowed, [.. contest.Choices.Select(c => new CvrChoice(c, votes[c]))], cast));
        }

        return new CvrImport(format, manifest, totals, placed);

        ManifestBatch? Find(RawCvr card)
        {
            if (card.Tabulator is not null && manifest.HasTabulator)
            {
                return byKey.GetValueOrDefault((card.Tabulator, card.Batch));
            }

            return byName.GetValueOrDefault(card.Batch);
        }

        AuditInputException NotInManifest(RawCvr card)
        {
            if (!namesUnique && (card.Tabulator is null || !manifest.HasTabulator))
            {
                return card.BatchPlace.Error(
                    $"Batch names repeat in the manifest (\"{card.Batch}\" is on several tabulators), and no tabulator is known for this card. " +
                    "Give the tabulator (for Hart, a scanned-ballot-information CSV with a Workstation column, or one folder per tabulator named as in the manifest).");
            }

            string key = card.Tabulator is null || !manifest.HasTabulator ? card.Batch : card.Tabulator + " / " + card.Batch;
            int best = manifest.Batches.Min(b => Distance(b.Key, key));
            List<string> closest = [.. manifest.Batches.Where(b => Distance(b.Key, key) == best).Select(b => b.Key).Take(3)];
            string hint = best > Math.Max(2, key.Length / 3) ? ""
                : closest.Count == 1 ? $" The closest manifest batch is {closest[0]}."
                : $" The closest manifest batches are {string.Join(" and ", closest)}.";
            return card.BatchPlace.Error($"Batch {key} is not in the manifest.{hint} The export's tabulator and batch must match the manifest's exactly.");
        }
    }

    /// <summary>Levenshtein distance, for "did you mean" hints.</summary>
    private static int Distance(string a, string b)
    {
        int[] previous = [.. Enumerable.Range(0, b.Length + 1)];
        int[] current = new int[b.Length + 1];
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    /// <summary>A whole number cell, as a sort key.</summary>
    public static UInt128 RecordNumber(string text, InputPlace place)
    {
        if (!ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong value))
        {
            throw place.Error($"\"{text}\" is not a record number; expected a whole number.");
        }

        return value;
    }
}
