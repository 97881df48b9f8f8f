// Arlo's "candidate totals by batch" template: `Batch Name,<choice>,<choice>,…` with one row per manifest batch, or,
// when the audit has several contests, `<contest> - <choice>` headers (a Tabulator column is allowed when the
// manifest has one). Every manifest batch appears exactly once, every name is the manifest's, counts are whole
// numbers (thousands separators allowed), and a contest's votes in a batch never exceed ballots × votes allowed.
using System.Globalization;
using Entente.Audit.Io;
using Entente.Audit.Statistics;

namespace Entente.Audit.Vendors;

/// <summary>Reads Arlo's candidate-totals-by-batch template into batch → contest → choice → votes.</summary>
public static class CandidateTotalsByBatch
{
    /// <summary>Loads the file against the manifest and the contests under audit.</summary>
    public static IReadOnlyDictionary<ManifestBatch, IReadOnlyDictionary<string, IReadOnlyDictionary<string, long>>> Load(string path, BallotManifest manifest, IReadOnlyList<ReportedContest> contests)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Parse(CsvTable.ReadBytes(path), Path.GetFileName(path), manifest, contests);
    }

    /// <summary>Parses the file's bytes.</summary>
    public static IReadOnlyDictionary<ManifestBatch, IReadOnlyDictionary<string, IReadOnlyDictionary<string, long>>> Parse(ReadOnlySpan<byte> bytes, string file,
        BallotManifest manifest, IReadOnlyList<ReportedContest> contests)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(contests);
        List<CsvRow> rows = [.. CsvTable.ReadRecords(bytes, file, excelText: true).Where(r => r.Cells.Any(c => c.Length > 0))];
        if (rows.Count == 0)
        {
            throw new AuditInputException(file, 0, "", "The file is empty; expected Batch Name and one column per choice.");
        }

        CsvRow header = rows[0];
        int width = header.Cells.Count;
        while (width > 0 && header.Cells[width - 1].Length == 0)
        {
            width--;
        }

        int batchColumn = -1, tabulatorColumn = -1;
        List<(int Column, ReportedContest Contest, string Choice)> columns = [];
        for (int i = 0; i < width; i++)
        {
            string name = header.Cells[i];
            if (name.Equals("Batch Name", StringComparison.OrdinalIgnoreCase) || name.Equals("Batch", StringComparison.OrdinalIgnoreCase))
            {
                batchColumn = i;
                continue;
            }

            if (name.Equals("Tabulator", StringComparison.OrdinalIgnoreCase))
            {
                tabulatorColumn = i;
                continue;
            }

            (ReportedContest Contest, string Choice)? match = Match(name, contests);
            if (match is null)
            {
                throw new AuditInputException(file, header.Row, name.Length == 0 ? $"#{i + 1}" : name, contests.Count == 1
                    ? $"Not a choice of contest \"{contests[0].Name}\". Choices: {string.Join(", ", contests[0].Choices.Select(c => c.Name))}."
                    : "Not a \"<contest> - <choice>\" column of the contests under audit.");
            }

            if (columns.Any(c => c.Contest == match.Value.Contest && c.Choice == match.Value.Choice))
            {
                throw new AuditInputException(file, header.Row, name, "The choice has two columns.");
            }

            columns.Add((i, match.Value.Contest, match.Value.Choice));
        }

        if (batchColumn < 0)
        {
            throw new AuditInputException(file, header.Row, "Batch Name", "Missing column Batch Name.");
        }

        bool byTabulator = tabulatorColumn >= 0 && manifest.HasTabulator;
        Dictionary<ManifestBatch, IReadOnlyDictionary<string, IReadOnlyDictionary<string, long>>> result = [];
        foreach (CsvRow row in rows.Skip(1))
        {
            if (row.Cells.Count < width || row.Cells.Skip(width).Any(c => c.Length > 0))
            {
                throw new AuditInputException(file, row.Row, "", $"Expected {width} cells as in the header, found {row.Cells.Count}.");
            }

            string batchName = row.Cells[batchColumn];
            string? tabulator = tabulatorColumn >= 0 ? row.Cells[tabulatorColumn] : null;
            List<ManifestBatch> found = [.. manifest.Batches.Where(b => b.Batch == batchName && (!byTabulator || b.Tabulator == tabulator))];
            if (found.Count != 1)
            {
                throw new AuditInputException(file, row.Row, header.Cells[batchColumn], found.Count == 0
                    ? $"Batch \"{batchName}\" is not in the manifest; the names must be the manifest's exactly."
                    : $"Batch name \"{batchName}\" is on several tabulators in the manifest; add a Tabulator column.");
            }

            ManifestBatch batch = found[0];
            if (result.ContainsKey(batch))
            {
                throw new AuditInputException(file, row.Row, header.Cells[batchColumn], $"Batch {batch.Key} has two rows.");
            }

            Dictionary<string, Dictionary<string, long>> votes = new(StringComparer.Ordinal);
            foreach ((int column, ReportedContest contest, string choice) in columns)
            {
                string cell = row.Cells[column];
                if (!long.TryParse(cell, NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out long n) || n < 0)
                {
                    throw new AuditInputException(file, row.Row, header.Cells[column], $"\"{cell}\" is not a whole number of votes.");
                }

                if (!votes.TryGetValue(contest.Name, out var choices))
                {
                    choices = new Dictionary<string, long>(StringComparer.Ordinal);
                    votes[contest.Name] = choices;
                }

                choices[choice] = n;
            }

            foreach (ReportedContest contest in contests.Where(c => votes.ContainsKey(c.Name)))
            {
                long sum = votes[contest.Name].Values.Sum();
                if (sum > batch.Ballots * contest.VotesAllowed)
                {
                    throw new AuditInputException(file, row.Row, header.Cells[batchColumn], string.Create(CultureInfo.InvariantCulture,
                        $"Batch {batch.Key} has {sum} votes in \"{contest.Name}\" but only {batch.Ballots} ballots × {contest.VotesAllowed} votes allowed."));
                }
            }

            result[batch] = votes.ToDictionary(v => v.Key, v => (IReadOnlyDictionary<string, long>)v.Value, StringComparer.Ordinal);
        }

        foreach (ManifestBatch missing in manifest.Batches.Where(b => !result.ContainsKey(b)).Take(1))
        {
            throw new AuditInputException(file, 0, header.Cells[batchColumn], $"Batch {missing.Key} (manifest row {missing.Row}) has no row; every manifest batch needs its totals.");
        }

        return result;
    }

    private static (ReportedContest, string)? Match(string header, IReadOnlyList<ReportedContest> contests)
    {
        foreach (ReportedContest contest in contests)
        {
            string prefix = contest.Name + " - ";
            string choice = contests.Count == 1 && !header.StartsWith(prefix, StringComparison.Ordinal) ? header
                : header.StartsWith(prefix, StringComparison.Ordinal) ? header[prefix.Length..] : "";
            ChoiceTally? c = contest.Choices.Cast<ChoiceTally?>().FirstOrDefault(x => x!.Value.Name.Equals(choice, StringComparison.OrdinalIgnoreCase));
            if (choice.Length > 0 && c is not null)
            {
                return (contest, c.Value.Name);
            }
        }

        return null;
    }
}
