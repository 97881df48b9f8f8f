namespace Entente.Transparency.Merkle;

/// <summary>
/// An in-memory tree that keeps every perfect subtree hash (level 0 = leaf hashes). The straightforward
/// reference that stored trees are compared against, and a client's scratch tree.
/// </summary>
public sealed class MemoryMerkleTree : ISubtreeHashes
{
    private readonly List<List<Hash256>> _levels = [[]];

    /// <summary>The number of leaves.</summary>
    public long Size => _levels[0].Count;

    /// <summary>Appends a leaf hash and completes every subtree it closes.</summary>
    public void AppendLeafHash(Hash256 leafHash)
    {
        _levels[0].Add(leafHash);
        int level = 0;
        while (_levels[level].Count % 2 == 0)
        {
            List<Hash256> row = _levels[level];
            Hash256 parent = Rfc6962.NodeHash(row[^2], row[^1]);
            if (_levels.Count == level + 1)
            {
                _levels.Add([]);
            }

            _levels[level + 1].Add(parent);
            level++;
        }
    }

    /// <summary>Appends an entry (hashing it as a leaf).</summary>
    public void AppendEntry(ReadOnlySpan<byte> entry) => AppendLeafHash(Rfc6962.LeafHash(entry));

    /// <inheritdoc/>
    public Hash256 PerfectSubtree(int height, long index)
    {
        if (height >= _levels.Count || index >= _levels[height].Count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"No complete subtree of height {height} at {index}.");
        }

        return _levels[height][(int)index];
    }

    /// <summary>The root of the tree at <paramref name="size"/> (≤ current size).</summary>
    public Hash256 Root(long size) => MerkleMath.Root(this, size);

    /// <summary>The root of the whole tree.</summary>
    public Hash256 Root() => Root(Size);
}
