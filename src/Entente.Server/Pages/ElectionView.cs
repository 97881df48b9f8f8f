using System.Collections.Concurrent;
using System.Text.Json;
using Entente.Client.Board;
using Entente.Election.Decryption;
using Entente.Election.Manifest;
using Entente.Election.Tally;
using Entente.Server.Board;

namespace Entente.Server.Pages;

/// <summary>The election as the board holds it at one moment (read consistently from <see cref="BoardState"/>).</summary>
public sealed record ElectionSnapshot(
    string Stage,
    ElectionManifest? Manifest,
    string? GroupName,
    bool ToyGroup,
    int? Guardians,
    int? Quorum,
    IReadOnlyList<int> GuardiansPosted,
    IReadOnlyList<int> Approved,
    IReadOnlyList<string> Devices,
    EncryptedTally? EncryptedTally,
    DecryptedTally? Tally,
    int Opened,
    IReadOnlyList<string> Problems)
{
    /// <summary>The stages of an election in order, with what each waits for.</summary>
    public static readonly IReadOnlyList<(string Stage, string Label, string Waiting)> Stages =
    [
        ("charter", "Charter", "the parties' charter (POST /board/charter, signed by every party)"),
        ("manifest", "Manifest", "the manifest: contests, options, ballot styles (POST /board/manifest)"),
        ("parameters", "Parameters", "the election parameters: group, guardians n, quorum k (POST /board/parameters)"),
        ("key-ceremony", "Key ceremony", "each guardian's keys, shares and approval, then the joint key (POST /board/election)"),
        ("voting", "Voting", "encrypted ballots from the devices, then the encrypted tally, which closes voting"),
        ("decryption", "Decryption", "the guardians' partial decryptions, then the decrypted tally (POST /board/tally)"),
        ("complete", "Complete", "openings of challenged ballots may still arrive"),
    ];

    /// <summary>The position of <see cref="Stage"/> in <see cref="Stages"/>.</summary>
    public int StageIndex => Math.Max(0, Stages.ToList().FindIndex(s => s.Stage == Stage));

    /// <summary>Reads the snapshot.</summary>
    public static Task<ElectionSnapshot> ReadAsync(BoardPages pages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pages);
        return pages.StateAsync(s => new ElectionSnapshot(
            s.Stage,
            s.Manifest,
            s.Parameters?.Group.Name,
            s.Parameters?.Group.IsInsecure ?? false,
            s.Parameters?.GuardianCount,
            s.Parameters?.Quorum,
            [.. s.Guardians.Keys.Order()],
            [.. s.Approvals.Where(a => a.Value.Approves).Select(a => a.Key).Order()],
            [.. s.Devices.Select(d => d.Device).Order(StringComparer.Ordinal)],
            s.EncryptedTally,
            s.Tally,
            s.Opened.Count,
            [.. s.Problems]), cancellationToken);
    }
}

/// <summary>What a cast ballot says in the clear: its style, weight and contests.</summary>
/// <param name="Style">The ballot style index.</param>
/// <param name="Weight">Its weight W.</param>
/// <param name="Contests">The contest indices it holds.</param>
public sealed record BallotShape(int Style, int Weight, IReadOnlyList<int> Contests);

/// <summary>Turnout, ballots per style, and per contest the ballots that held it, votes, undervotes and overvotes.</summary>
/// <param name="Cast">Ballots cast.</param>
/// <param name="Challenged">Ballots challenged (not counted).</param>
/// <param name="Weight">Total weight of the cast ballots.</param>
/// <param name="PerStyle">Cast ballots per style index.</param>
/// <param name="Contests">Per contest.</param>
public sealed record BallotCensus(int Cast, int Challenged, long Weight, IReadOnlyDictionary<int, int> PerStyle, IReadOnlyList<ContestCensus> Contests);

/// <summary>One contest's arithmetic: the votes the ballots that held it could give, the votes in the tally, and the rest.</summary>
/// <param name="Index">The contest index.</param>
/// <param name="Label">The contest.</param>
/// <param name="Limit">Votes per ballot (the contest's selection limit).</param>
/// <param name="Ballots">Cast ballots (weighted) that held the contest.</param>
/// <param name="Votes">Votes in the decrypted tally.</param>
public sealed record ContestCensus(int Index, string Label, int Limit, long Ballots, long Votes)
{
    /// <summary>Votes the ballots could have given and did not: Ballots × Limit − Votes.</summary>
    public long Undervotes => (Ballots * Limit) - Votes;

    /// <summary>
    /// Always 0 in the tally: a ballot's contest-limit proof (Verification 5) forbids more than the limit, so an encrypting
    /// device never encrypts an overvote as votes.
    /// </summary>
    public long Overvotes => 0;
}

/// <summary>Reads the style, weight and contests of each cast ballot (kept per artifact hash; ballots never change).</summary>
public sealed class BallotShapes
{
    private readonly ConcurrentDictionary<string, BallotShape> _shapes = new(StringComparer.Ordinal);

    /// <summary>The census of the ballots on the board, with <paramref name="tally"/>'s votes when given.</summary>
    public async Task<BallotCensus> CensusAsync(BoardService board, ElectionManifest manifest, DecryptedTally? tally, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(board);
        ArgumentNullException.ThrowIfNull(manifest);
        IReadOnlyList<BoardArtifact> all = board.Index.All(BoardKind.Ballots.Collection);
        List<BoardArtifact> cast = [.. all.Where(b => b.Type == "ballot.cast")];
        await Parallel.ForEachAsync(cast.Where(b => !_shapes.ContainsKey(b.Sha256)), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (b, ct) =>
        {
            byte[]? bytes = await board.ReadAsync(b, ct);
            if (bytes is not null && Read(bytes) is BallotShape shape)
            {
                _shapes[b.Sha256] = shape;
            }
        });

        Dictionary<int, int> perStyle = [];
        Dictionary<int, long> perContest = [];
        long weight = 0;
        foreach (BoardArtifact b in cast)
        {
            if (!_shapes.TryGetValue(b.Sha256, out BallotShape? shape))
            {
                continue;
            }

            perStyle[shape.Style] = perStyle.GetValueOrDefault(shape.Style) + 1;
            weight += shape.Weight;
            foreach (int c in shape.Contests)
            {
                perContest[c] = perContest.GetValueOrDefault(c) + shape.Weight;
            }
        }

        List<ContestCensus> contests = [.. manifest.Contests.Select(c => new ContestCensus(c.Index, c.Label, c.SelectionLimit, perContest.GetValueOrDefault(c.Index),
            tally?.Contests.FirstOrDefault(t => t.ContestIndex == c.Index)?.Options.Sum(o => o.Value) ?? 0))];
        return new BallotCensus(cast.Count, all.Count - cast.Count, weight, perStyle, contests);
    }

    /// <summary>The shape of a ballot document (docs/record-format.md §4.7), or null when it lacks the fields.</summary>
    public static BallotShape? Read(byte[] ballot)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(ballot, new JsonDocumentOptions { MaxDepth = 64 });
            JsonElement root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("style", out JsonElement style) || !style.TryGetInt32(out int s)
                || !root.TryGetProperty("contests", out JsonElement contests) || contests.ValueKind != JsonValueKind.Array)
            {
                return null;
            }

            int weight = root.TryGetProperty("weight", out JsonElement w) && w.TryGetInt32(out int wi) ? wi : 1;
            List<int> indices = [];
            foreach (JsonElement c in contests.EnumerateArray())
            {
                if (c.ValueKind == JsonValueKind.Object && c.TryGetProperty("index", out JsonElement i) && i.TryGetInt32(out int index))
                {
                    indices.Add(index);
                }
            }

            return new BallotShape(s, weight, indices);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
