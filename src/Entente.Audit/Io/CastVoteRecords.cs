namespace Entente.Audit.Io;

/// <summary>Where a ballot is: tabulator (or null), batch and 1-based position in the batch.</summary>
/// <param name="Tabulator">Tabulator, or null when the manifest has none.</param>
/// <param name="Batch">Batch name.</param>
/// <param name="Position">1-based position in the batch.</param>
public readonly record struct BallotLocation(string? Tabulator, string Batch, long Position);

/// <summary>One cast vote record: its id and, per contest on the ballot, the choices marked (empty for no vote).</summary>
/// <param name="Id">The record id (a confirmation code when the file has that column).</param>
/// <param name="Location">Where the paper ballot is.</param>
/// <param name="Contests">Contest → choices voted; a contest with an empty set was on the ballot without a vote.</param>
public sealed record CastVoteRecord(string Id, BallotLocation Location, IReadOnlyDictionary<string, IReadOnlySet<string>> Contests);

/// <summary>
/// Cast vote records, our documented CSV (docs/audit.md): columns <c>Tabulator</c> (optional), <c>Batch</c>,
/// <c>Position</c>, <c>Contest</c>, <c>Choice</c> and one id column, <c>BallotId</c> or <c>ConfirmationCode</c>
/// (ElectionGuard 2.1 §7: the ballot's confirmation code, 64 hexadecimal digits). One row per marked choice; a row
/// with an empty Choice records a contest that is on the ballot without a vote.
/// </summary>
public static class CastVoteRecords
{
    /// <summary>Loads the CVR file, keyed by ballot location.</summary>
    public static IReadOnlyDictionary<BallotLocation, CastVoteRecord> Load(string path) => FromTable(CsvTable.Load(path));

    /// <summary>Reads a parsed CVR table.</summary>
    public static IReadOnlyDictionary<BallotLocation, CastVoteRecord> FromTable(CsvTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        bool confirmation = table.HasColumn("ConfirmationCode");
        string idColumn = confirmation ? "ConfirmationCode" : "BallotId";
        table.RequireColumns([idColumn, "Batch", "Position", "Contest", "Choice"], ["Tabulator"]);
        Dictionary<BallotLocation, (string Id, int Row, Dictionary<string, HashSet<string>> Contests)> records = [];
        Dictionary<string, (BallotLocation Location, int Row)> ids = new(StringComparer.Ordinal);
        foreach (CsvRow row in table.Rows)
        {
            string id = table.Text(row, idColumn);
            if (confirmation)
            {
                if (id.Length != 64 || !id.All(Uri.IsHexDigit))
                {
                    throw table.Error(row, idColumn, $"\"{id}\" is not a confirmation code: expected 64 hexadecimal digits (ElectionGuard 2.1 §7).");
                }

                id = id.ToUpperInvariant();
            }

            string? tabulator = table.Cell(row, "Tabulator") is { Length: > 0 } t ? t : null;
            BallotLocation location = new(tabulator, table.Text(row, "Batch"), table.Count(row, "Position", 1));
            string contest = table.Text(row, "Contest");
            string choice = table.Cell(row, "Choice") ?? "";
            if (ids.TryGetValue(id, out var known) && known.Location != location)
            {
                throw table.Error(row, idColumn, $"Id {id} is also used on row {known.Row} for another ballot.");
            }

            ids[id] = (location, row.Row);
            if (!records.TryGetValue(location, out var record))
            {
                record = (id, row.Row, new Dictionary<string, HashSet<string>>(StringComparer.Ordinal));
                records[location] = record;
            }
            else if (record.Id != id)
            {
                throw table.Error(row, idColumn, $"Ballot {location.Batch} #{location.Position} has id {record.Id} on row {record.Row} but {id} here.");
            }

            if (!record.Contests.TryGetValue(contest, out HashSet<string>? choices))
            {
                choices = new HashSet<string>(StringComparer.Ordinal);
                record.Contests[contest] = choices;
            }

            if (choice.Length > 0 && !choices.Add(choice))
            {
                throw table.Error(row, "Choice", $"Choice \"{choice}\" of contest \"{contest}\" is listed twice for ballot {id}.");
            }
        }

        return records.ToDictionary(
            x => x.Key,
            x => new CastVoteRecord(x.Value.Id, x.Key, x.Value.Contests.ToDictionary(c => c.Key, c => (IReadOnlySet<string>)c.Value, StringComparer.Ordinal)));
    }
}

/// <summary>
/// Batch tallies CSV (reported or audited): <c>Tabulator</c> (optional), <c>Batch</c>, <c>Contest</c>,
/// <c>Choice</c>, <c>Votes</c>. One row per choice per batch.
/// </summary>
public static class BatchTallies
{
    /// <summary>Loads the tallies: batch key → contest → choice → votes.</summary>
    public static IReadOnlyDictionary<string, Dictionary<string, Dictionary<string, long>>> Load(string path) => FromTable(CsvTable.Load(path));

    /// <summary>Reads a parsed tallies table. The batch key is "Tabulator / Batch" or the batch name.</summary>
    public static IReadOnlyDictionary<string, Dictionary<string, Dictionary<string, long>>> FromTable(CsvTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        table.RequireColumns(["Batch", "Contest", "Choice", "Votes"], ["Tabulator"]);
        Dictionary<string, Dictionary<string, Dictionary<string, long>>> result = new(StringComparer.Ordinal);
        Dictionary<(string, string, string), int> rows = [];
        foreach (CsvRow row in table.Rows)
        {
            string batch = table.Text(row, "Batch");
            string? tabulator = table.Cell(row, "Tabulator") is { Length: > 0 } t ? t : null;
            string key = tabulator is null ? batch : tabulator + " / " + batch;
            string contest = table.Text(row, "Contest");
            string choice = table.Text(row, "Choice");
            long votes = table.Count(row, "Votes", 0);
            if (rows.TryGetValue((key, contest, choice), out int first))
            {
                throw table.Error(row, "Batch", $"Batch \"{key}\", contest \"{contest}\", choice \"{choice}\" appears twice (rows {first} and {row.Row}).");
            }

            rows[(key, contest, choice)] = row.Row;
            if (!result.TryGetValue(key, out var contests))
            {
                contests = new Dictionary<string, Dictionary<string, long>>(StringComparer.Ordinal);
                result[key] = contests;
            }

            if (!contests.TryGetValue(contest, out var choices))
            {
                choices = new Dictionary<string, long>(StringComparer.Ordinal);
                contests[contest] = choices;
            }

            choices[choice] = votes;
        }

        return result;
    }
}
