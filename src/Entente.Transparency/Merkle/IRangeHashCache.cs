namespace Entente.Transparency.Merkle;

/// <summary>
/// Optional companion of an <see cref="ISubtreeHashes"/> source: remembers range hashes that
/// <see cref="MerkleMath.RangeHash"/> had to fold from several perfect subtrees (the right edge of a tree, which
/// every proof in that tree needs again).
/// </summary>
internal interface IRangeHashCache
{
    /// <summary>A remembered MTH(D[start:end]).</summary>
    bool TryGetRange(long start, long end, out Hash256 hash);

    /// <summary>Remembers MTH(D[start:end]).</summary>
    void StoreRange(long start, long end, Hash256 hash);
}
