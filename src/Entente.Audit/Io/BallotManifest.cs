using System.Globalization;

namespace Entente.Audit.Io;

/// <summary>One batch of paper ballots: where it is stored, which tabulator counted it, its name and size.</summary>
/// <param name="Container">Storage container (box, bin), or null when the manifest has none.</param>
/// <param name="Tabulator">Tabulator (scanner), or null when the manifest has none.</param>
/// <param name="Batch">Batch name, unique within its tabulator.</param>
/// <param name="Ballots">Number of ballots (cards) in the batch.</param>
/// <param name="Row">The manifest row it came from, for messages.</param>
public sealed record ManifestBatch(string? Container, string? Tabulator, string Batch, long Ballots, int Row)
{
    /// <summary>The batch's key: tabulator and batch name.</summary>
    public string Key => Tabulator is null ? Batch : Tabulator + " / " + Batch;
}

/// <summary>
/// A ballot manifest: CSV with columns <c>Batch</c> and <c>Ballots</c> (also accepted: <c>Batch Name</c>,
/// <c>Number of Ballots</c>), optional <c>Container</c>, <c>Tabulator</c> and <c>Jurisdiction</c>.
/// (Tabulator, Batch) must be unique.
/// </summary>
public sealed class BallotManifest
{
    private static readonly string[] BatchNames = ["Batch", "Batch Name", "BatchID"];
    private static readonly string[] CountNames = ["Ballots", "Number of Ballots", "Count", "NumBallots"];

    /// <summary>Builds a manifest from batches; keys must be unique.</summary>
    public BallotManifest(IEnumerable<ManifestBatch> batches, string? jurisdiction = null, string source = "manifest")
    {
        ArgumentNullException.ThrowIfNull(batches);
        Batches = [.. batches];
        Jurisdiction = jurisdiction;
        Dictionary<(string?, string), ManifestBatch> seen = [];
        long total = 0;
        foreach (ManifestBatch b in Batches)
        {
            if (seen.TryGetValue((b.Tabulator, b.Batch), out ManifestBatch? first))
            {
                throw new AuditInputException(source, b.Row, "Batch",
                    $"Batch \"{b.Key}\" appears twice (rows {first.Row} and {b.Row}). Each tabulator and batch must appear once; merge the rows.");
            }

            seen[(b.Tabulator, b.Batch)] = b;
            if (b.Ballots > long.MaxValue - total)
            {
                throw new AuditInputException(source, b.Row, "Ballots",
                    $"The ballot counts add up to more than {long.MaxValue} at batch \"{b.Key}\"; check the counts.");
            }

            total += b.Ballots;
        }

        TotalBallots = total;
        HasContainer = Batches.Any(b => b.Container is not null);
        HasTabulator = Batches.Any(b => b.Tabulator is not null);
    }

    /// <summary>Batches in file order.</summary>
    public IReadOnlyList<ManifestBatch> Batches { get; }

    /// <summary>The jurisdiction (county) the manifest belongs to, when known.</summary>
    public string? Jurisdiction { get; }

    /// <summary>Total ballots.</summary>
    public long TotalBallots { get; }

    /// <summary>Whether any batch names a container.</summary>
    public bool HasContainer { get; }

    /// <summary>Whether any batch names a tabulator.</summary>
    public bool HasTabulator { get; }

    /// <summary>Loads a manifest CSV.</summary>
    public static BallotManifest Load(string path)
    {
        CsvTable table = CsvTable.Load(path);
        return FromTable(table);
    }

    /// <summary>Reads a parsed manifest table.</summary>
    public static BallotManifest FromTable(CsvTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        string batchColumn = BatchNames.FirstOrDefault(table.HasColumn)
            ?? throw new AuditInputException(table.File, 1, "Batch", "Missing column \"Batch\". A manifest has the columns Container (optional), Tabulator (optional), Batch, Ballots.");
        string countColumn = CountNames.FirstOrDefault(table.HasColumn)
            ?? throw new AuditInputException(table.File, 1, "Ballots", "Missing column \"Ballots\". A manifest has the columns Container (optional), Tabulator (optional), Batch, Ballots.");
        table.RequireColumns([batchColumn, countColumn], ["Container", "Tabulator", "Jurisdiction"]);
        if (table.Rows.Count == 0)
        {
            throw new AuditInputException(table.File, 0, "", "The manifest has no batches.");
        }

        List<ManifestBatch> batches = [];
        string? jurisdiction = null;
        foreach (CsvRow row in table.Rows)
        {
            string? container = Empty(table.Cell(row, "Container"));
            string? tabulator = Empty(table.Cell(row, "Tabulator"));
            string? j = Empty(table.Cell(row, "Jurisdiction"));
            if (table.HasColumn("Jurisdiction"))
            {
                if (j is null)
                {
                    throw table.Error(row, "Jurisdiction", "The cell is empty; a value is required.");
                }

                if (jurisdiction is not null && jurisdiction != j)
                {
                    throw table.Error(row, "Jurisdiction", $"One manifest covers one jurisdiction; found \"{jurisdiction}\" and \"{j}\".");
                }

                jurisdiction = j;
            }

            if (table.HasColumn("Tabulator") && tabulator is null)
            {
                throw table.Error(row, "Tabulator", "The cell is empty; every batch needs its tabulator when the column is present.");
            }

            string batch = table.Text(row, batchColumn);
            long count = table.Count(row, countColumn, 0);
            batches.Add(new ManifestBatch(container, tabulator, batch, count, row.Row));
        }

        return new BallotManifest(batches, jurisdiction, table.File);
    }

    private static string? Empty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    /// <summary>Finds the batch holding the k-th ballot (1-based) in manifest order, and the position within it.</summary>
    public (ManifestBatch Batch, long Position) Locate(long ballotNumber)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ballotNumber, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ballotNumber, TotalBallots);
        long remaining = ballotNumber;
        foreach (ManifestBatch b in Batches)
        {
            if (remaining <= b.Ballots)
            {
                return (b, remaining);
            }

            remaining -= b.Ballots;
        }

        throw new InvalidOperationException("Unreachable: ballot number beyond the manifest.");
    }

    /// <summary>Renders a ballot number for messages.</summary>
    public static string Describe(ManifestBatch batch, long position)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return string.Create(CultureInfo.InvariantCulture, $"{batch.Key} #{position}");
    }
}
