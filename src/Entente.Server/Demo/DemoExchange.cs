using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Exchange;
using Entente.Exchange.Envelopes;
using Entente.Exchange.Log;
using Entente.Exchange.Storage;
using Entente.Server.Log;
using Entente.Transparency;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;
using Entente.Transparency.Policy;

namespace Entente.Server.Demo;

/// <summary>
/// The demo's incident exchange as the board sees it: the unit file (parties' STIX identities and
/// exchange keys, the collection; the same format as <c>entente incident</c>'s unit file), where each
/// exchange entry sits on the board log, and the proof of one message (exchange entry, anchoring
/// board entry, inclusion proof, cosigned board checkpoint) with its server-side verification.
/// </summary>
public static class DemoExchange
{
    /// <summary>The unit file in the demo folder.</summary>
    public const string UnitFile = "exchange-unit.json";

    /// <summary>The exchange store in the demo folder.</summary>
    public const string StoreFile = "exchange.db";

    /// <summary>The demo's one TAXII collection.</summary>
    public const string CollectionId = "8e5b8a34-0c1f-4d0e-9a51-6d2f3b7c9e10";

    /// <summary>The collection definition: every registered party reads and writes.</summary>
    public static CollectionDefinition Collection { get; } = new(CollectionId, "Joint incidents", "Reports, indicators and requests for assistance between the parties of the election.",
        new HashSet<string>(StringComparer.Ordinal), new HashSet<string>(StringComparer.Ordinal), false);

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The unit file's JSON.</summary>
    public static byte[] UnitJson(IEnumerable<Party> parties)
    {
        ArgumentNullException.ThrowIfNull(parties);
        JsonObject unit = new()
        {
            ["parties"] = new JsonArray([.. parties.Select(p => (JsonNode)new JsonObject { ["name"] = p.Name, ["identity"] = p.IdentityRef, ["public_key"] = p.PublicKeyBase64 })]),
            ["collections"] = new JsonArray(new JsonObject
            {
                ["id"] = Collection.Id,
                ["title"] = Collection.Title,
                ["description"] = Collection.Description,
                ["can_read"] = new JsonArray(),
                ["can_write"] = new JsonArray(),
                ["allow_custom_objects"] = false,
            }),
        };
        return System.Text.Encoding.UTF8.GetBytes(unit.ToJsonString(Indented) + "\n");
    }

    /// <summary>Reads the parties from a unit file; throws <see cref="FormatException"/> naming the file.</summary>
    public static PartyRegistry ReadParties(string path)
    {
        try
        {
            JsonNode root = JsonNode.Parse(File.ReadAllBytes(path)) ?? throw new FormatException($"{path}: empty");
            return new PartyRegistry([.. (root["parties"]?.AsArray() ?? []).Select(p => new Party(
                p!["name"]!.GetValue<string>(), p["identity"]!.GetValue<string>(), Convert.FromBase64String(p["public_key"]!.GetValue<string>())))]);
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException or NullReferenceException)
        {
            throw new FormatException($"{path}: not a unit file ({e.Message})", e);
        }
    }

    /// <summary>The board index of each exchange entry, in exchange order (the k-th <c>exchange.*</c> board entry anchors exchange entry k).</summary>
    public static async Task<List<long>> BoardIndexesAsync(ILogStore store, long size, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        List<long> indexes = [];
        for (long i = 0; i < size; i += 256)
        {
            IReadOnlyList<byte[]> batch = await store.ReadEntriesAsync(i, (int)Math.Min(256, size - i), cancellationToken).ConfigureAwait(false);
            for (int j = 0; j < batch.Count; j++)
            {
                if (BoardAnchor.IsExchangeType(LogEntry.Parse(batch[j]).Entry.Type))
                {
                    indexes.Add(i + j);
                }
            }
        }

        return indexes;
    }

    /// <summary>The proof of <paramref name="entry"/>, anchored at <paramref name="boardIndex"/>, in <paramref name="checkpoint"/>.</summary>
    public static async Task<BoardExchangeProof> ProveAsync(ExchangeEntry entry, long boardIndex, ILogStore store, LogReader reader, StoredCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(checkpoint);
        byte[] boardEntry = (await store.ReadEntriesAsync(boardIndex, 1, cancellationToken).ConfigureAwait(false))[0];
        Hash256[] proof = await reader.InclusionProofAsync(boardIndex, checkpoint.Size, cancellationToken).ConfigureAwait(false);
        return new BoardExchangeProof(entry, boardIndex, boardEntry, proof, System.Text.Encoding.UTF8.GetString(checkpoint.Note));
    }

    /// <summary>Verifies a proof against the demo's witness policy and charter.</summary>
    public static BoardExchangeVerification Verify(BoardExchangeProof proof, PartyRegistry parties, TrustPolicy policy, Charter charter)
    {
        ArgumentNullException.ThrowIfNull(charter);
        return BoardExchangeVerifier.Verify(proof, parties, policy, party => charter.KeyFor(party, Charter.SubmitterRole));
    }
}
