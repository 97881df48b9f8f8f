using System.Globalization;
using System.Text;
using Entente.Audit.Io;

namespace Entente.Audit.Vendors;

/// <summary>
/// An imported export written in Entente's own CSV forms (docs/audit.md): the manifest as
/// <c>[Container,][Tabulator,]Batch,Ballots</c> and the CVRs as <c>[Tabulator,]Batch,Position,BallotId,Contest,Choice</c>,
/// one row per valid vote and an empty Choice for a contest on the card without a valid vote (overvotes included).
/// Reading them back gives the same manifest and the same cast vote records.
/// </summary>
public static class NormalizedInputs
{
    /// <summary>The manifest as CSV bytes (UTF-8, LF).</summary>
    public static byte[] Manifest(BallotManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        List<string> lines = [CsvWriter.Line([.. Columns(manifest.HasContainer, "Container"), .. Columns(manifest.HasTabulator, "Tabulator"), "Batch", "Ballots"])];
        foreach (ManifestBatch b in manifest.Batches)
        {
            lines.Add(CsvWriter.Line([.. Columns(manifest.HasContainer, b.Container ?? ""), .. Columns(manifest.HasTabulator, b.Tabulator ?? ""),
                b.Batch, b.Ballots.ToString(CultureInfo.InvariantCulture)]));
        }

        return Encoding.UTF8.GetBytes(CsvWriter.Document(lines));
    }

    /// <summary>The cast vote records as CSV bytes (UTF-8, LF).</summary>
    public static byte[] CastVoteRecords(CvrImport import)
    {
        ArgumentNullException.ThrowIfNull(import);
        bool tabulator = import.Manifest.HasTabulator;
        List<string> lines = [CsvWriter.Line([.. Columns(tabulator, "Tabulator"), "Batch", "Position", "BallotId", "Contest", "Choice"])];
        IReadOnlyDictionary<BallotLocation, CastVoteRecord> records = import.ToCastVoteRecords();
        foreach (BallotLocation location in import.Ballots.Select(b => b.Location))
        {
            CastVoteRecord cvr = records[location];
            foreach (CvrContest contest in import.Contests.Where(c => cvr.Contests.ContainsKey(c.Name)))
            {
                IReadOnlySet<string> voted = cvr.Contests[contest.Name];
                IEnumerable<string> choices = voted.Count == 0 ? [""] : contest.Choices.Select(c => c.Name).Where(voted.Contains);
                foreach (string choice in choices)
                {
                    lines.Add(CsvWriter.Line([.. Columns(tabulator, location.Tabulator ?? ""), location.Batch,
                        location.Position.ToString(CultureInfo.InvariantCulture), cvr.Id, contest.Name, choice]));
                }
            }
        }

        return Encoding.UTF8.GetBytes(CsvWriter.Document(lines));
    }

    private static IEnumerable<string> Columns(bool present, string value) => present ? [value] : [];
}
