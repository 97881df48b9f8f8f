using System.Text;
using Entente.Client.Board;
using Entente.Rolls;
using Entente.Rolls.Results;
using Entente.Server.Board;
using Entente.Server.Endpoints;
using Entente.Transparency;
using Entente.Transparency.Log;

namespace Entente.Server.Pages;

/// <summary>
/// The signed results feed (<c>GET /api/results/{jurisdiction}</c>; docs/results.md): every unit's latest version with its
/// signed entry and inclusion proof in the published checkpoint. Public and read-only, so any site may fetch it
/// (<c>Access-Control-Allow-Origin: *</c>): the verification is in the reader's hands (wwwroot/results-embed.js).
/// </summary>
internal static class ResultsFeedApi
{
    public static async Task<IResult> FeedAsync(HttpContext context, BoardPages pages, string jurisdiction, CancellationToken ct)
    {
        context.Response.Headers.AccessControlAllowOrigin = "*";
        ResultsFeed? feed = await BuildAsync(pages, jurisdiction, ct);
        return feed is null
            ? LogEndpoints.Problem(StatusCodes.Status404NotFound, "No results", $"No unofficial results of {jurisdiction} are on the board, or none is witnessed yet.")
            : TypedResults.Json(feed, ResultsJsonContext.Default.ResultsFeed);
    }

    /// <summary>The feed of <paramref name="jurisdiction"/> over the published checkpoint, or null when no unit of it is witnessed yet.</summary>
    public static async Task<ResultsFeed?> BuildAsync(BoardPages pages, string jurisdiction, CancellationToken ct)
    {
        (string? authority, List<string> ids) = await pages.StateAsync(s => (
            s.UnofficialResults.Authorities.GetValueOrDefault(jurisdiction),
            s.UnofficialResults.Latest.Where(l => l.Key.Jurisdiction == jurisdiction).OrderBy(l => l.Key.Unit, StringComparer.Ordinal).Select(l => l.Value.Id).ToList()), ct);
        if (authority is null)
        {
            return null;
        }

        StoredCheckpoint checkpoint = await pages.CheckpointAsync(ct);
        List<ResultsFeedUnit> units = [];
        foreach (string id in ids)
        {
            // The latest version the checkpoint covers: a correction not yet witnessed leaves its predecessor in the feed.
            BoardArtifact? artifact = pages.Board.Lookup(BoardKind.UnofficialResults.Collection, id);
            for (int seq = int.Parse(id[(id.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture); artifact is not null && artifact.Index >= checkpoint.Size && seq > 1; seq--)
            {
                artifact = pages.Board.Lookup(BoardKind.UnofficialResults.Collection, id[..(id.LastIndexOf(':') + 1)] + (seq - 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            if (artifact is null || artifact.Index >= checkpoint.Size || await pages.Board.ReadAsync(artifact, ct) is not byte[] bytes || await pages.EntryAsync(artifact.Index, ct) is not PageEntry entry)
            {
                continue;
            }

            Hash256[] proof = await pages.Log.Reader.InclusionProofAsync(artifact.Index, checkpoint.Size, ct);
            units.Add(new ResultsFeedUnit(artifact.Index, Convert.ToBase64String(entry.Bytes), Convert.ToBase64String(bytes), [.. proof.Select(p => p.ToHex())]));
        }

        return units.Count == 0 ? null : new ResultsFeed(jurisdiction, authority, units, Encoding.UTF8.GetString(checkpoint.Note));
    }

    /// <summary>
    /// The cross-checks of docs/results.md over this board's log (the same code as <c>entente results check</c>): turnout
    /// per unit against the roll snapshot logged before the results, and the sum against the ElectionGuard tally.
    /// </summary>
    public static async Task<ResultsCrossCheckResult> CrossCheckAsync(BoardPages pages, CancellationToken ct)
    {
        List<LoggedArtifact> entries = [];
        foreach (PageEntry e in (await pages.EntriesAsync(ct)).Where(e => e.Type is RollArtifacts.SnapshotType or UnitResults.Type or ResultsCrossCheck.TallyType))
        {
            if (await pages.Log.Blobs.GetCheckedAsync(e.Entry!.Sha256, ct) is byte[] artifact)
            {
                entries.Add(new LoggedArtifact(e.Index, e.Type, artifact));
            }
        }

        return ResultsCrossCheck.Check(entries);
    }
}
