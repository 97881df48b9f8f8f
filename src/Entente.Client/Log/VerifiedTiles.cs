using System.Collections.Concurrent;
using Entente.Transparency;
using Entente.Transparency.Merkle;
using Entente.Transparency.Tiles;

namespace Entente.Client.Log;

/// <summary>
/// The hash tiles of one checkpoint's tree (C2SP tlog-tiles), each proven to belong to the checkpoint's root before
/// it is used: the partial tiles of the tree's right edge (one per level that has one) hash together to the root
/// (RFC 6962 MTH, the perfect subtrees of the size's binary decomposition), and a full tile's 256 hashes hash to
/// the hash its parent tile holds for it, the parent itself proven the same way. So a leaf hash taken from a verified
/// level-0 tile is the tree's, which proves the inclusion of the entry that hashes to it; nothing the server says is
/// trusted. Tiles are verified once (concurrent readers share the work) and cached.
/// </summary>
internal sealed class VerifiedTiles
{
    private readonly Func<TilePath, CancellationToken, Task<Hash256[]>> _fetch;
    private readonly Checkpoint _checkpoint;
    private readonly ConcurrentDictionary<(int Level, long Index), Lazy<Task<Hash256[]>>> _verified = new();
    private readonly Lazy<Task<Dictionary<int, Hash256[]>>> _edge;

    public VerifiedTiles(Checkpoint checkpoint, Func<TilePath, CancellationToken, Task<Hash256[]>> fetch)
    {
        _checkpoint = checkpoint;
        _fetch = fetch;
        _edge = new(() => VerifyEdgeAsync(CancellationToken.None));
    }

    public long Size => _checkpoint.Size;

    /// <summary>The root of 2^k hashes (k ≤ 8): a perfect subtree.</summary>
    public static Hash256 PerfectRoot(ReadOnlySpan<Hash256> hashes) => MerkleMath.RootFromLeafHashes(hashes.ToArray());

    /// <summary>The verified hashes of tile (<paramref name="level"/>, <paramref name="index"/>) as it is in the checkpoint's tree.</summary>
    /// <exception cref="LogVerificationException">The tile does not hash to the root.</exception>
    public Task<Hash256[]> TileAsync(int level, long index, CancellationToken cancellationToken)
    {
        TilePath tile = TilePath.TileIn(level, index, _checkpoint.Size) ?? throw new ArgumentOutOfRangeException(nameof(index), $"The tree of size {_checkpoint.Size} has no tile {level}/{index}.");
        return _verified.GetOrAdd((tile.Level, tile.Index), _ => new Lazy<Task<Hash256[]>>(() => VerifyAsync(tile, cancellationToken))).Value.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// The hash tile (<paramref name="level"/>, <paramref name="index"/>) is full and <paramref name="hashes"/> are
    /// its contents: true when they hash to what the verified parent holds for it. For level-0 hashes computed from
    /// entries, this proves those entries (and no others) are the tree's.
    /// </summary>
    public async Task<bool> MatchesFullTileAsync(int level, long index, Hash256[] hashes, CancellationToken cancellationToken)
    {
        Hash256[] parent = await TileAsync(level + 1, index / TilePath.FullWidth, cancellationToken).ConfigureAwait(false);
        return PerfectRoot(hashes) == parent[index % TilePath.FullWidth];
    }

    private async Task<Hash256[]> VerifyAsync(TilePath tile, CancellationToken cancellationToken)
    {
        if (tile.IsPartial)
        {
            return (await _edge.Value.ConfigureAwait(false))[tile.Level];
        }

        Hash256[] hashes = await _fetch(tile, cancellationToken).ConfigureAwait(false);
        TilePath parentPath = TilePath.TileIn(tile.Level + 1, tile.Index / TilePath.FullWidth, _checkpoint.Size)!.Value;
        Hash256[] parent = await TileAsync(parentPath.Level, parentPath.Index, cancellationToken).ConfigureAwait(false);
        if (PerfectRoot(hashes) != parent[tile.Index % TilePath.FullWidth])
        {
            throw new LogVerificationException($"{tile} does not hash to the hash {parentPath} holds for it: the tile is not the checkpoint's (size {_checkpoint.Size}).");
        }

        return hashes;
    }

    /// <summary>Fetches the partial tile of every level and checks that together they hash to the checkpoint's root.</summary>
    private async Task<Dictionary<int, Hash256[]>> VerifyEdgeAsync(CancellationToken cancellationToken)
    {
        long size = _checkpoint.Size;
        Dictionary<int, (TilePath Path, Hash256[] Hashes)> edge = [];
        for (int level = 0; (size >> (TileHashes.Height * level)) > 0; level++)
        {
            long hashesAtLevel = size >> (TileHashes.Height * level);
            if (hashesAtLevel % TilePath.FullWidth != 0)
            {
                TilePath path = TilePath.TileIn(level, hashesAtLevel / TilePath.FullWidth, size)!.Value;
                edge[level] = (path, await _fetch(path, cancellationToken).ConfigureAwait(false));
            }
        }

        Hash256 root = size == 0 ? Rfc6962.EmptyRoot : MerkleMath.Root(new EdgeSource(edge), size);
        if (root != _checkpoint.Root)
        {
            throw new LogVerificationException(
                $"the tiles of the tree's right edge ({string.Join(", ", edge.Values.Select(e => e.Path.ToString()))}) do not hash to the checkpoint's root {_checkpoint.Root.ToBase64()} (size {size}): the log serves tiles that are not the checkpoint's.");
        }

        return edge.ToDictionary(e => e.Key, e => e.Value.Hashes);
    }

    /// <summary>Perfect subtrees of the right edge's decomposition, from the edge tiles (the only ones it touches).</summary>
    private sealed class EdgeSource(Dictionary<int, (TilePath Path, Hash256[] Hashes)> edge) : ISubtreeHashes
    {
        public Hash256 PerfectSubtree(int height, long index)
        {
            int level = height / TileHashes.Height;
            int rest = height % TileHashes.Height;
            long first = index << rest;
            if (!edge.TryGetValue(level, out (TilePath Path, Hash256[] Hashes) tile) || first / TilePath.FullWidth != tile.Path.Index)
            {
                throw new System.Diagnostics.UnreachableException($"The root of the tree needs subtree {height}/{index}, outside the edge tiles.");
            }

            int offset = (int)(first % TilePath.FullWidth);
            return PerfectRoot(tile.Hashes.AsSpan(offset, 1 << rest));
        }
    }
}
