using Entente.Transparency.Merkle;
using Entente.Transparency.Tiles;

namespace Entente.Transparency.Log;

/// <summary>
/// The right edge of a tiled tree: for each level, the hashes of its last (partial) tile. Enough to append
/// leaves, compute the root, and know which tiles an append changes. Full tiles are immutable and not kept.
/// </summary>
internal sealed class TileEdge
{
    private const int MaxLevels = 8;
    private readonly List<Hash256>[] _partial = Enumerable.Range(0, MaxLevels).Select(_ => new List<Hash256>(TilePath.FullWidth)).ToArray();

    public long Size { get; private set; }

    /// <summary>A copy of this edge.</summary>
    public TileEdge Clone()
    {
        TileEdge copy = new() { Size = Size };
        for (int l = 0; l < MaxLevels; l++)
        {
            copy._partial[l].AddRange(_partial[l]);
        }

        return copy;
    }

    /// <summary>Rebuilds the edge of a tree of <paramref name="size"/> from stored tiles.</summary>
    public static async Task<TileEdge> LoadAsync(ILogStore store, long size, CancellationToken cancellationToken)
    {
        TileEdge edge = new() { Size = size };
        for (int level = 0; level < MaxLevels; level++)
        {
            long hashes = size >> (TileHashes.Height * level);
            int width = (int)(hashes % TilePath.FullWidth);
            if (width == 0)
            {
                continue;
            }

            long index = hashes / TilePath.FullWidth;
            byte[]? tile = await store.ReadTileAsync(level, index, cancellationToken).ConfigureAwait(false);
            if (tile is null || tile.Length < width * Hash256.Size)
            {
                throw new LogFatalException($"The store lacks tile {new TilePath(level, index, width)} of its own checkpoint (size {size}).");
            }

            for (int i = 0; i < width; i++)
            {
                edge._partial[level].Add(Hash256.FromBytes(tile.AsSpan(i * Hash256.Size, Hash256.Size)));
            }
        }

        return edge;
    }

    /// <summary>Appends leaf hashes; returns the tiles whose contents changed (full ones once, partial ones at their new width).</summary>
    public List<TileRecord> Append(IReadOnlyList<Hash256> leafHashes)
    {
        List<TileRecord> full = [];
        HashSet<int> touched = [];
        foreach (Hash256 leaf in leafHashes)
        {
            Hash256 hash = leaf;
            long position = Size;
            for (int level = 0; level < MaxLevels; level++)
            {
                List<Hash256> row = _partial[level];
                row.Add(hash);
                if (row.Count < TilePath.FullWidth)
                {
                    touched.Add(level);
                    break;
                }

                long tileIndex = (position >> (TileHashes.Height * level)) / TilePath.FullWidth;
                full.Add(new TileRecord(level, tileIndex, Concat(row)));
                hash = MerkleMath.RootFromLeafHashes(row);
                row.Clear();
                if (level == MaxLevels - 1)
                {
                    throw new InvalidOperationException("The tree is full (2^64 leaves).");
                }
            }

            Size++;
        }

        foreach (int level in touched)
        {
            List<Hash256> row = _partial[level];
            if (row.Count > 0)
            {
                long tileIndex = (Size >> (TileHashes.Height * level)) / TilePath.FullWidth;
                full.Add(new TileRecord(level, tileIndex, Concat(row)));
            }
        }

        return full;
    }

    /// <summary>The partial tile of every level, at its current width.</summary>
    public List<TileRecord> PartialTiles()
    {
        List<TileRecord> tiles = [];
        for (int level = 0; level < MaxLevels; level++)
        {
            if (_partial[level].Count > 0)
            {
                tiles.Add(new TileRecord(level, (Size >> (TileHashes.Height * level)) / TilePath.FullWidth, Concat(_partial[level])));
            }
        }

        return tiles;
    }

    /// <summary>The root of the tree.</summary>
    public Hash256 Root()
    {
        List<Hash256> parts = [];
        for (int level = MaxLevels - 1; level >= 0; level--)
        {
            List<Hash256> row = _partial[level];
            int offset = 0;
            for (int bit = 7; bit >= 0; bit--)
            {
                int chunk = 1 << bit;
                if ((row.Count & chunk) != 0)
                {
                    parts.Add(MerkleMath.RootFromLeafHashes(row.GetRange(offset, chunk)));
                    offset += chunk;
                }
            }
        }

        if (parts.Count == 0)
        {
            return Rfc6962.EmptyRoot;
        }

        Hash256 root = parts[^1];
        for (int i = parts.Count - 2; i >= 0; i--)
        {
            root = Rfc6962.NodeHash(parts[i], root);
        }

        return root;
    }

    private static byte[] Concat(List<Hash256> row)
    {
        byte[] data = new byte[row.Count * Hash256.Size];
        for (int i = 0; i < row.Count; i++)
        {
            row[i].Span.CopyTo(data.AsSpan(i * Hash256.Size));
        }

        return data;
    }
}
