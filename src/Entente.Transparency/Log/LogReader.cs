using System.Collections.Concurrent;
using Entente.Transparency.Merkle;
using Entente.Transparency.Tiles;

namespace Entente.Transparency.Log;

/// <summary>
/// The read path of a log: tiles, entry bundles and proofs from an <see cref="ILogStore"/>. Full tiles are
/// immutable, so they are cached together with their inner nodes, and so are the range hashes of the right edge
/// of the latest tree sizes; a proof then costs a few cache lookups and no I/O.
/// </summary>
public sealed class LogReader
{
    private readonly ILogStore _store;
    private readonly int _capacity;
    private readonly ConcurrentDictionary<(int Level, long Index), TileNodes> _full = new();

    // Partial tiles only grow: a cached partial tile serves every tree that needs no more of its hashes.
    private readonly ConcurrentDictionary<(int Level, long Index), TileNodes> _partial = new();

    // Range hashes of the right edge of the latest tree sizes asked about: every proof in a tree needs some of them.
    private const int EdgeSizesKept = 4;
    private volatile EdgeRanges[] _edges = [];

    /// <summary>Creates a reader caching up to <paramref name="cachedTiles"/> full tiles.</summary>
    public LogReader(ILogStore store, int cachedTiles = 16384)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _capacity = cachedTiles;
    }

    /// <summary>
    /// The bytes of a Merkle tile as published for a tree of <paramref name="treeSize"/>: null unless that tree
    /// has the tile with at least the requested width.
    /// </summary>
    public async Task<byte[]?> ReadTileAsync(TilePath path, long treeSize, CancellationToken cancellationToken = default)
    {
        if (path.IsEntries)
        {
            return await ReadBundleAsync(path, treeSize, cancellationToken).ConfigureAwait(false);
        }

        if (!path.IsIn(treeSize))
        {
            return null;
        }

        byte[]? stored = await _store.ReadTileAsync(path.Level, path.Index, cancellationToken).ConfigureAwait(false);
        int length = path.Width * Hash256.Size;
        if (stored is null || stored.Length < length)
        {
            throw new LogStoreException($"The store lacks {path} although the tree of size {treeSize} has it.", isTransient: false);
        }

        return stored.Length == length ? stored : stored[..length];
    }

    /// <summary>An entry bundle as published for a tree of <paramref name="treeSize"/>, or null.</summary>
    public async Task<byte[]?> ReadBundleAsync(TilePath path, long treeSize, CancellationToken cancellationToken = default)
    {
        if (!path.IsEntries || !path.IsIn(treeSize))
        {
            return null;
        }

        long start = path.Index * TilePath.FullWidth;

        IReadOnlyList<byte[]> entries = await _store.ReadEntriesAsync(start, path.Width, cancellationToken).ConfigureAwait(false);
        if (entries.Count != path.Width)
        {
            throw new LogStoreException($"The store lacks entries of {path}.", isTransient: false);
        }

        return EntryBundle.Encode(entries.Select(e => (ReadOnlyMemory<byte>)e));
    }

    /// <summary>The entry at <paramref name="index"/>, or null.</summary>
    public async Task<byte[]?> ReadEntryAsync(long index, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<byte[]> entries = await _store.ReadEntriesAsync(index, 1, cancellationToken).ConfigureAwait(false);
        return entries.Count == 1 ? entries[0] : null;
    }

    /// <summary>An inclusion proof of <paramref name="index"/> in the tree of <paramref name="treeSize"/>.</summary>
    public Task<Hash256[]> InclusionProofAsync(long index, long treeSize, CancellationToken cancellationToken = default) =>
        ProveAsync(source => MerkleMath.InclusionProof(source, index, treeSize), treeSize, cancellationToken);

    /// <summary>A consistency proof from <paramref name="oldSize"/> to <paramref name="newSize"/>.</summary>
    public Task<Hash256[]> ConsistencyProofAsync(long oldSize, long newSize, CancellationToken cancellationToken = default) =>
        ProveAsync(source => MerkleMath.ConsistencyProof(source, oldSize, newSize), newSize, cancellationToken);

    /// <summary>A subtree consistency proof of <c>[start, end)</c> in the tree of <paramref name="treeSize"/> (tlog-mirror add-entries).</summary>
    public Task<Hash256[]> SubtreeConsistencyProofAsync(long start, long end, long treeSize, CancellationToken cancellationToken = default) =>
        ProveAsync(source => MerkleMath.SubtreeConsistencyProof(source, start, end, treeSize), treeSize, cancellationToken);

    /// <summary>The root of the tree of <paramref name="treeSize"/> computed from the stored tiles.</summary>
    public Task<Hash256> RootAsync(long treeSize, CancellationToken cancellationToken = default) =>
        ProveAsync(source => MerkleMath.Root(source, treeSize), treeSize, cancellationToken);

    private async Task<T> ProveAsync<T>(Func<ISubtreeHashes, T> compute, long treeSize, CancellationToken cancellationToken)
    {
        // Fast path: every tile is cached (and the right edge of this tree size often is too): one pass, no I/O.
        CachedSource cachedSource = new(this, treeSize, EdgeFor(treeSize));
        T fast = compute(cachedSource);
        if (!cachedSource.Missing)
        {
            return fast;
        }

        // Pass 1 learns which tiles the computation touches; pass 2 computes from the loaded tiles.
        Recorder recorder = new();
        compute(recorder);
        Dictionary<(int, long), TileNodes> tiles = [];
        foreach ((int level, long index) in recorder.Tiles)
        {
            tiles[(level, index)] = await LoadAsync(level, index, treeSize, cancellationToken).ConfigureAwait(false);
        }

        return compute(new Source(tiles));
    }

    /// <summary>The range hashes ending at <paramref name="treeSize"/> computed so far (kept for the latest few sizes).</summary>
    private ConcurrentDictionary<long, Hash256> EdgeFor(long treeSize)
    {
        EdgeRanges[] edges = _edges;
        foreach (EdgeRanges e in edges)
        {
            if (e.TreeSize == treeSize)
            {
                return e.Ranges;
            }
        }

        EdgeRanges added = new(treeSize, new ConcurrentDictionary<long, Hash256>());
        _edges = [added, .. edges.Take(EdgeSizesKept - 1)];
        return added.Ranges;
    }

    private bool TryCached(int level, long index, long treeSize, out TileNodes? nodes)
    {
        if (_full.TryGetValue((level, index), out nodes))
        {
            return true;
        }

        TilePath? expected = TilePath.TileIn(level, index, treeSize);
        return expected is not null && _partial.TryGetValue((level, index), out nodes) && nodes.Width >= expected.Value.Width;
    }

    private async Task<TileNodes> LoadAsync(int level, long index, long treeSize, CancellationToken cancellationToken)
    {
        if (TryCached(level, index, treeSize, out TileNodes? cached))
        {
            return cached!;
        }

        TilePath? expected = TilePath.TileIn(level, index, treeSize);
        byte[]? data = await _store.ReadTileAsync(level, index, cancellationToken).ConfigureAwait(false);
        if (data is null || expected is null || data.Length < expected.Value.Width * Hash256.Size)
        {
            throw new LogStoreException($"The store lacks tile {level}/{index} of the tree of size {treeSize}.", isTransient: false);
        }

        TileNodes nodes = new(data);
        if (nodes.Width == TilePath.FullWidth)
        {
            if (_full.Count >= _capacity)
            {
                _full.Clear();
            }

            _full[(level, index)] = nodes;
            _partial.TryRemove((level, index), out _);
        }
        else
        {
            if (_partial.Count >= 64)
            {
                _partial.Clear();
            }

            _partial[(level, index)] = nodes;
        }

        return nodes;
    }

    private sealed class TileNodes
    {
        private readonly Hash256[][] _levels = new Hash256[TileHashes.Height + 1][];

        public TileNodes(byte[] data)
        {
            Width = data.Length / Hash256.Size;
            Hash256[] row = new Hash256[Width];
            for (int i = 0; i < Width; i++)
            {
                row[i] = Hash256.FromBytes(data.AsSpan(i * Hash256.Size, Hash256.Size));
            }

            _levels[0] = row;
            for (int r = 1; r <= TileHashes.Height; r++)
            {
                Hash256[] below = _levels[r - 1];
                Hash256[] up = new Hash256[below.Length / 2];
                for (int i = 0; i < up.Length; i++)
                {
                    up[i] = Rfc6962.NodeHash(below[2 * i], below[(2 * i) + 1]);
                }

                _levels[r] = up;
            }
        }

        public int Width { get; }

        public Hash256 Node(int r, int offset) => _levels[r][offset];
    }

    private static (int Level, long Tile, int R, int Offset) Locate(int height, long index)
    {
        int level = height / TileHashes.Height;
        int r = height % TileHashes.Height;
        long start = index << r;
        return (level, start / TilePath.FullWidth, r, (int)((start % TilePath.FullWidth) >> r));
    }

    private sealed class Recorder : ISubtreeHashes
    {
        public HashSet<(int, long)> Tiles { get; } = [];

        public Hash256 PerfectSubtree(int height, long index)
        {
            (int level, long tile, _, _) = Locate(height, index);
            Tiles.Add((level, tile));
            return Hash256.Empty;
        }
    }

    /// <summary>Hashes from cached tiles only; notes a miss (the caller then loads the tiles) instead of doing I/O.</summary>
    private sealed class CachedSource(LogReader reader, long treeSize, ConcurrentDictionary<long, Hash256> edge) : ISubtreeHashes, IRangeHashCache
    {
        public bool Missing { get; private set; }

        public Hash256 PerfectSubtree(int height, long index)
        {
            (int level, long tile, int r, int offset) = Locate(height, index);
            if (!reader.TryCached(level, tile, treeSize, out TileNodes? nodes))
            {
                Missing = true;
                return Hash256.Empty;
            }

            return nodes!.Node(r, offset);
        }

        public bool TryGetRange(long start, long end, out Hash256 hash)
        {
            hash = default;
            return end == treeSize && edge.TryGetValue(start, out hash);
        }

        public void StoreRange(long start, long end, Hash256 hash)
        {
            // Only ranges of this tree's right edge recur across proofs, and only complete computations are kept.
            if (end == treeSize && !Missing)
            {
                edge.TryAdd(start, hash);
            }
        }
    }

    private sealed record EdgeRanges(long TreeSize, ConcurrentDictionary<long, Hash256> Ranges);

    private sealed class Source(Dictionary<(int, long), TileNodes> tiles) : ISubtreeHashes
    {
        public Hash256 PerfectSubtree(int height, long index)
        {
            (int level, long tile, int r, int offset) = Locate(height, index);
            return tiles[(level, tile)].Node(r, offset);
        }
    }
}
