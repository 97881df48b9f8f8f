namespace Entente.Transparency.Merkle;

/// <summary>
/// A source of the hashes of perfect (complete, aligned) subtrees of one tree: the subtree of
/// height <c>h</c> at index <c>k</c> covers the leaves <c>[k·2^h, (k+1)·2^h)</c>. Proof generation needs
/// nothing else. Implementations: an in-memory tree, and stored tiles.
/// </summary>
public interface ISubtreeHashes
{
    /// <summary>The hash of the perfect subtree of <paramref name="height"/> at <paramref name="index"/>.</summary>
    Hash256 PerfectSubtree(int height, long index);
}
