using System.Text;
using System.Text.Json.Serialization;
using Entente.Client.Board;
using Entente.Rolls;
using Entente.Server.Board;
using Entente.Server.Endpoints;
using Entente.Transparency;
using Entente.Transparency.Log;

namespace Entente.Server.Pages;

/// <summary>The JSON document of the registration check (<c>/api/roll-check/{key}</c>).</summary>
internal static class RollCheckApi
{
    public static async Task<IResult> CheckAsync(BoardPages pages, string key, CancellationToken ct)
    {
        if (!Hash256.TryFromHex(key, out Hash256 k))
        {
            return LogEndpoints.Problem(StatusCodes.Status400BadRequest, "Not a record key", "A record key is 64 lowercase hexadecimal digits (SHA-256 of the salt, jurisdiction and voter id; docs/rolls.md).");
        }

        (string? jurisdiction, int versions) = await pages.StateAsync(s =>
        {
            foreach (RollState roll in s.Rolls.Rolls.Values)
            {
                if (roll.Records.TryGetValue(k, out RollRecordState? r))
                {
                    return (roll.Init.Jurisdiction, r.Version);
                }
            }

            return ((string?)null, 0);
        }, ct);
        if (jurisdiction is null)
        {
            return LogEndpoints.Problem(StatusCodes.Status404NotFound, "Not on the log",
                $"No change of a voter record with this key is on the board (log of {pages.Size} entries). Check the details and the salt on your registration notice; if they are right, your registration was never logged.");
        }

        List<RollVersionView> views = [];
        BoardArtifact? latest = null;
        for (int v = 1; v <= versions; v++)
        {
            latest = pages.Board.Lookup(BoardKind.RollChanges.Collection, RollArtifacts.ChangeId(k, v));
            byte[]? bytes = latest is null ? null : await pages.Board.ReadAsync(latest, ct);
            if (latest is null || bytes is null)
            {
                return LogEndpoints.Problem(StatusCodes.Status500InternalServerError, "Missing artifact", $"Version {v} of the record is in the board's state but its artifact is not served; the board's store is damaged.");
            }

            views.Add(new RollVersionView(latest.Index, latest.Type, Convert.ToBase64String(bytes)));
        }

        StoredCheckpoint checkpoint = await pages.CheckpointAsync(ct);
        if (latest!.Index >= checkpoint.Size)
        {
            return LogEndpoints.Problem(StatusCodes.Status409Conflict, "Not yet witnessed",
                $"The record's latest change is on the board (log entry {latest.Index}) but not yet in a checkpoint the witnesses cosigned (size {checkpoint.Size}); try again in a few seconds.");
        }

        PageEntry? entry = await pages.EntryAsync(latest.Index, ct);
        Hash256[] proof = await pages.Log.Reader.InclusionProofAsync(latest.Index, checkpoint.Size, ct);
        return TypedResults.Json(new RollCheckDocument(jurisdiction, k.ToHex(), views, Convert.ToBase64String(entry!.Bytes), [.. proof.Select(p => p.ToHex())],
            Encoding.UTF8.GetString(checkpoint.Note)), RollPagesJsonContext.Default.RollCheckDocument);
    }
}

/// <summary>The JSON of the roll pages' documents.</summary>
[JsonSerializable(typeof(RollCheckDocument))]
internal sealed partial class RollPagesJsonContext : JsonSerializerContext
{
}
