using System.Numerics;
using System.Security.Cryptography;

namespace Entente.Transparency.Merkle;

/// <summary>
/// RFC 9162 §2.1 Merkle tree math: range hashes, inclusion proofs (§2.1.3) and consistency proofs (§2.1.4),
/// generation and verification.
/// Verification is strict (what makes every transparency-dev/merkle probe pass): hashes of exactly 32 bytes,
/// proofs of exactly the expected length, <c>index &lt; size</c>, and a consistency proof from size 0 is an
/// error (the tlog-witness "old 0" case is handled by the witness, not here).
/// </summary>
public static class MerkleMath
{
    /// <summary>The largest power of two strictly less than <paramref name="n"/> (n ≥ 2).</summary>
    internal static long SplitPoint(long n)
    {
        System.Diagnostics.Debug.Assert(n >= 2);
        return 1L << (63 - BitOperations.LeadingZeroCount((ulong)(n - 1)));
    }

    /// <summary>The root of a tree given all its leaf hashes (the reference definition, recursive MTH).</summary>
    public static Hash256 RootFromLeafHashes(IReadOnlyList<Hash256> leafHashes)
    {
        ArgumentNullException.ThrowIfNull(leafHashes);
        return leafHashes.Count == 0 ? Rfc6962.EmptyRoot : Mth(leafHashes, 0, leafHashes.Count);

        static Hash256 Mth(IReadOnlyList<Hash256> leaves, int lo, int hi)
        {
            if (hi - lo == 1)
            {
                return leaves[lo];
            }

            int k = (int)SplitPoint(hi - lo);
            return Rfc6962.NodeHash(Mth(leaves, lo, lo + k), Mth(leaves, lo + k, hi));
        }
    }

    /// <summary>
    /// MTH(D[start:end]) for a range whose start is aligned as in every proof (start is a multiple of the
    /// largest power of two not above end−start, or the range is a prefix): the aligned perfect subtrees
    /// from left to right, folded from the right.
    /// </summary>
    public static Hash256 RangeHash(ISubtreeHashes source, long start, long end)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (start < 0 || end <= start)
        {
            throw new ArgumentOutOfRangeException(nameof(end), "The range must hold at least one leaf.");
        }

        IRangeHashCache? cache = source as IRangeHashCache;
        if (cache is not null && cache.TryGetRange(start, end, out Hash256 cached))
        {
            return cached;
        }

        Span<Hash256> parts = new Hash256[64];
        int count = 0;
        long position = start;
        while (position < end)
        {
            int height = 63 - BitOperations.LeadingZeroCount((ulong)(end - position));
            if (position != 0)
            {
                height = Math.Min(height, BitOperations.TrailingZeroCount(position));
            }

            parts[count++] = source.PerfectSubtree(height, position >> height);
            position += 1L << height;
        }

        Hash256 root = parts[count - 1];
        for (int i = count - 2; i >= 0; i--)
        {
            root = Rfc6962.NodeHash(parts[i], root);
        }

        if (count > 1)
        {
            cache?.StoreRange(start, end, root);
        }

        return root;
    }

    /// <summary>The root of the tree of <paramref name="size"/> leaves.</summary>
    public static Hash256 Root(ISubtreeHashes source, long size) =>
        size == 0 ? Rfc6962.EmptyRoot : RangeHash(source, 0, size);

    /// <summary>The RFC 9162 §2.1.3.1 inclusion proof of leaf <paramref name="index"/> in a tree of <paramref name="size"/>.</summary>
    public static Hash256[] InclusionProof(ISubtreeHashes source, long index, long size)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (index < 0 || index >= size)
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"Leaf {index} is not in a tree of size {size}.");
        }

        List<Hash256> proof = new(64);
        long lo = 0;
        long hi = size;
        // Descend from the root; the proof lists siblings from the leaf up, so collect and reverse.
        while (hi - lo > 1)
        {
            long k = SplitPoint(hi - lo);
            if (index - lo < k)
            {
                proof.Add(RangeHash(source, lo + k, hi));
                hi = lo + k;
            }
            else
            {
                proof.Add(RangeHash(source, lo, lo + k));
                lo += k;
            }
        }

        proof.Reverse();
        return [.. proof];
    }

    /// <summary>The RFC 9162 §2.1.4.1 consistency proof from <paramref name="oldSize"/> to <paramref name="newSize"/>.</summary>
    public static Hash256[] ConsistencyProof(ISubtreeHashes source, long oldSize, long newSize)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (oldSize < 0 || oldSize > newSize)
        {
            throw new ArgumentOutOfRangeException(nameof(oldSize), $"No consistency proof from {oldSize} to {newSize}.");
        }

        if (oldSize == 0 || oldSize == newSize)
        {
            return [];
        }

        List<Hash256> proof = new(64);
        long m = oldSize;
        long lo = 0;
        long hi = newSize;
        bool whole = true;
        while (true)
        {
            long n = hi - lo;
            if (m == n)
            {
                if (!whole)
                {
                    proof.Add(RangeHash(source, lo, hi));
                }

                break;
            }

            long k = SplitPoint(n);
            if (m <= k)
            {
                proof.Add(RangeHash(source, lo + k, hi));
                hi = lo + k;
            }
            else
            {
                proof.Add(RangeHash(source, lo, lo + k));
                lo += k;
                m -= k;
                whole = false;
            }
        }

        proof.Reverse();
        return [.. proof];
    }

    /// <summary>Verifies an inclusion proof (RFC 9162 §2.1.3.2) with typed hashes.</summary>
    public static bool VerifyInclusion(long index, long size, Hash256 leafHash, IReadOnlyList<Hash256> proof, Hash256 root)
    {
        ArgumentNullException.ThrowIfNull(proof);
        return VerifyInclusion(index, size, leafHash.Span, proof.Select(h => h.ToArray()).ToArray(), root.Span);
    }

    /// <summary>
    /// Verifies an inclusion proof (RFC 9162 §2.1.3.2) given as untrusted bytes: false unless every hash is
    /// 32 bytes, index &lt; size, the proof has exactly the expected length and the computed root matches.
    /// </summary>
    public static bool VerifyInclusion(long index, long size, ReadOnlySpan<byte> leafHash, IReadOnlyList<byte[]> proof, ReadOnlySpan<byte> root)
    {
        ArgumentNullException.ThrowIfNull(proof);
        if (index < 0 || size <= 0 || index >= size || leafHash.Length != Hash256.Size || root.Length != Hash256.Size)
        {
            return false;
        }

        if (proof.Count != InclusionProofLength(index, size) || proof.Any(p => p is null || p.Length != Hash256.Size))
        {
            return false;
        }

        Hash256 computed = RootFromInclusionProofCore(index, size, Hash256.FromBytes(leafHash), proof);
        return CryptographicOperations.FixedTimeEquals(computed.Span, root);
    }

    /// <summary>
    /// True when <c>[start, end)</c> is a subtree in the sense of Merkle Tree Certificates
    /// (draft-ietf-plants-merkle-tree-certs §4.1): non-empty, and <paramref name="start"/> a multiple of the
    /// smallest power of two not below <c>end − start</c>, so the range is one node or the left part of one.
    /// </summary>
    public static bool IsValidSubtree(long start, long end)
    {
        if (start < 0 || end <= start)
        {
            return false;
        }

        ulong width = BitOperations.RoundUpToPowerOf2((ulong)(end - start));
        return width != 0 && (ulong)start % width == 0;
    }

    /// <summary>
    /// Verifies a subtree inclusion proof (draft-ietf-plants-merkle-tree-certs §4.3): leaf <paramref name="index"/>
    /// is in the valid subtree <c>[start, end)</c> whose hash is <paramref name="subtreeRoot"/>. The subtree is a tree
    /// of its own, so this is the RFC 9162 inclusion proof of <c>index − start</c> in a tree of <c>end − start</c>,
    /// with the same strict rules.
    /// </summary>
    public static bool VerifySubtreeInclusion(long index, long start, long end, ReadOnlySpan<byte> leafHash, IReadOnlyList<byte[]> proof, ReadOnlySpan<byte> subtreeRoot)
    {
        ArgumentNullException.ThrowIfNull(proof);
        return IsValidSubtree(start, end) && index >= start && index < end
            && VerifyInclusion(index - start, end - start, leafHash, proof, subtreeRoot);
    }

    /// <summary>
    /// Verifies a subtree consistency proof (draft-ietf-plants-merkle-tree-certs §4.4): the valid subtree
    /// <c>[start, end)</c> with hash <paramref name="subtreeRoot"/> is part of the tree of <paramref name="size"/> with
    /// root <paramref name="root"/>. The proof is checked by walking the same descent that generates it (the RFC 9162
    /// consistency descent, generalised to a subtree that need not start at 0): every hash must be 32 bytes, every
    /// proof hash used exactly once, and both roots must come out. As the transparency-dev/merkle probes require, the
    /// empty subtree (<c>start = end ≤ size</c>) needs the empty root and an empty proof, and the whole tree as its own
    /// subtree needs an empty proof and equal roots.
    /// </summary>
    public static bool VerifySubtreeConsistency(long start, long end, long size, ReadOnlySpan<byte> subtreeRoot, ReadOnlySpan<byte> root, IReadOnlyList<byte[]> proof)
    {
        ArgumentNullException.ThrowIfNull(proof);
        if (start >= 0 && start == end && end <= size)
        {
            // The empty subtree is in every tree: its hash must be the empty root and the proof empty.
            return proof.Count == 0 && subtreeRoot.SequenceEqual(Rfc6962.EmptyRoot.Span);
        }

        if (start == 0 && end == size && end > 0)
        {
            // The subtree is the tree (as for equal sizes in RFC 9162 §2.1.4.2): an empty proof and equal roots.
            return proof.Count == 0 && subtreeRoot.SequenceEqual(root);
        }

        if (!IsValidSubtree(start, end) || end > size || subtreeRoot.Length != Hash256.Size || root.Length != Hash256.Size
            || proof.Count > 64 || proof.Any(p => p is null || p.Length != Hash256.Size))
        {
            return false;
        }

        Hash256 known = Hash256.FromBytes(subtreeRoot);
        int used = 0;
        if (!Walk(start, end, size, true, out Hash256 sub, out Hash256 whole) || used != proof.Count)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(sub.Span, subtreeRoot) && CryptographicOperations.FixedTimeEquals(whole.Span, root);

        // The hashes of [lo, hi) and of the whole (sub)tree of n leaves, from the proof; known: the subtree is
        // still one node whose hash the verifier holds.
        bool Walk(long lo, long hi, long n, bool isKnown, out Hash256 subtree, out Hash256 tree)
        {
            subtree = tree = default;
            if (lo == 0 && hi == n)
            {
                if (isKnown)
                {
                    subtree = tree = known;
                    return true;
                }

                return Next(out subtree) && (tree = subtree) == subtree;
            }

            long k = SplitPoint(n);
            if (hi <= k)
            {
                if (!Walk(lo, hi, k, isKnown, out subtree, out Hash256 left) || !Next(out Hash256 right))
                {
                    return false;
                }

                tree = Rfc6962.NodeHash(left, right);
                return true;
            }

            if (k <= lo)
            {
                if (!Walk(lo - k, hi - k, n - k, isKnown, out subtree, out Hash256 right) || !Next(out Hash256 left))
                {
                    return false;
                }

                tree = Rfc6962.NodeHash(left, right);
                return true;
            }

            // The subtree spans the split, so (being valid) it starts at 0 and its left half is [0, k).
            System.Diagnostics.Debug.Assert(lo == 0);
            if (!Walk(0, hi - k, n - k, false, out Hash256 subRight, out Hash256 treeRight) || !Next(out Hash256 leftHalf))
            {
                return false;
            }

            subtree = Rfc6962.NodeHash(leftHalf, subRight);
            tree = Rfc6962.NodeHash(leftHalf, treeRight);
            return true;
        }

        bool Next(out Hash256 h)
        {
            if (used == proof.Count)
            {
                h = default;
                return false;
            }

            h = Hash256.FromBytes(proof[used++]);
            return true;
        }
    }

    /// <summary>
    /// The subtree consistency proof (draft-ietf-plants-merkle-tree-certs §4.4) that the valid subtree
    /// <c>[start, end)</c> is part of the tree of <paramref name="size"/>: the hashes <see cref="VerifySubtreeConsistency"/>
    /// consumes, in its order (the same descent, emitting instead of reading). Empty for the empty subtree and for the
    /// whole tree. What tlog-mirror's <c>add-entries</c> packages carry.
    /// </summary>
    public static Hash256[] SubtreeConsistencyProof(ISubtreeHashes source, long start, long end, long size)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (start == end && start >= 0 && end <= size)
        {
            return [];
        }

        if (!IsValidSubtree(start, end) || end > size)
        {
            throw new ArgumentOutOfRangeException(nameof(end), $"[{start}, {end}) is not a subtree of the tree of size {size}.");
        }

        List<Hash256> proof = new(64);
        if (!(start == 0 && end == size))
        {
            Emit(start, end, size, true, 0);
        }

        return [.. proof];

        void Emit(long lo, long hi, long n, bool isKnown, long offset)
        {
            if (lo == 0 && hi == n)
            {
                if (!isKnown)
                {
                    proof.Add(RangeHash(source, offset, offset + n));
                }

                return;
            }

            long k = SplitPoint(n);
            if (hi <= k)
            {
                Emit(lo, hi, k, isKnown, offset);
                proof.Add(RangeHash(source, offset + k, offset + n));
            }
            else if (k <= lo)
            {
                Emit(lo - k, hi - k, n - k, isKnown, offset + k);
                proof.Add(RangeHash(source, offset, offset + k));
            }
            else
            {
                Emit(0, hi - k, n - k, false, offset + k);
                proof.Add(RangeHash(source, offset, offset + k));
            }
        }
    }

    /// <summary>The number of hashes in an inclusion proof of <paramref name="index"/> in a tree of <paramref name="size"/>.</summary>
    public static int InclusionProofLength(long index, long size)
    {
        // Inner part: levels where the paths to index and to size-1 differ; border part: set bits above them.
        int inner = 64 - BitOperations.LeadingZeroCount((ulong)(index ^ (size - 1)));
        int border = BitOperations.PopCount((ulong)index >> inner);
        return inner + border;
    }

    private static Hash256 RootFromInclusionProofCore(long index, long size, Hash256 leafHash, IReadOnlyList<byte[]> proof)
    {
        long fn = index;
        long sn = size - 1;
        Hash256 r = leafHash;
        foreach (byte[] p in proof)
        {
            Hash256 sibling = Hash256.FromBytes(p);
            if ((fn & 1) == 1 || fn == sn)
            {
                r = Rfc6962.NodeHash(sibling, r);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                r = Rfc6962.NodeHash(r, sibling);
            }

            fn >>= 1;
            sn >>= 1;
        }

        System.Diagnostics.Debug.Assert(sn == 0, "proof length was checked");
        return r;
    }

    /// <summary>Verifies a consistency proof (RFC 9162 §2.1.4.2) with typed hashes.</summary>
    public static bool VerifyConsistency(long oldSize, long newSize, Hash256 oldRoot, Hash256 newRoot, IReadOnlyList<Hash256> proof)
    {
        ArgumentNullException.ThrowIfNull(proof);
        return VerifyConsistency(oldSize, newSize, oldRoot.Span, newRoot.Span, proof.Select(h => h.ToArray()).ToArray());
    }

    /// <summary>
    /// Verifies a consistency proof (RFC 9162 §2.1.4.2) given as untrusted bytes. Strict: 0 &lt; oldSize ≤ newSize,
    /// every hash 32 bytes, equal sizes need an empty proof and equal roots, otherwise the proof must have
    /// exactly the expected length.
    /// </summary>
    public static bool VerifyConsistency(long oldSize, long newSize, ReadOnlySpan<byte> oldRoot, ReadOnlySpan<byte> newRoot, IReadOnlyList<byte[]> proof)
    {
        ArgumentNullException.ThrowIfNull(proof);
        if (oldSize <= 0 || oldSize > newSize)
        {
            return false;
        }

        if (oldSize == newSize)
        {
            // Nothing to prove: the roots are the same tree head (as transparency-dev/merkle, byte equality).
            return proof.Count == 0 && oldRoot.SequenceEqual(newRoot);
        }

        if (oldRoot.Length != Hash256.Size || newRoot.Length != Hash256.Size || proof.Any(p => p is null || p.Length != Hash256.Size))
        {
            return false;
        }

        if (proof.Count != ConsistencyProofLength(oldSize, newSize))
        {
            return false;
        }

        List<byte[]> path = [.. proof];
        if (BitOperations.IsPow2(oldSize))
        {
            path.Insert(0, oldRoot.ToArray());
        }

        long fn = oldSize - 1;
        long sn = newSize - 1;
        while ((fn & 1) == 1)
        {
            fn >>= 1;
            sn >>= 1;
        }

        Hash256 fr = Hash256.FromBytes(path[0]);
        Hash256 sr = fr;
        for (int i = 1; i < path.Count; i++)
        {
            if (sn == 0)
            {
                return false;
            }

            Hash256 c = Hash256.FromBytes(path[i]);
            if ((fn & 1) == 1 || fn == sn)
            {
                fr = Rfc6962.NodeHash(c, fr);
                sr = Rfc6962.NodeHash(c, sr);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                sr = Rfc6962.NodeHash(sr, c);
            }

            fn >>= 1;
            sn >>= 1;
        }

        return sn == 0
            & CryptographicOperations.FixedTimeEquals(fr.Span, oldRoot)
            & CryptographicOperations.FixedTimeEquals(sr.Span, newRoot);
    }

    /// <summary>The number of hashes in a consistency proof from <paramref name="oldSize"/> to <paramref name="newSize"/> (0 &lt; old &lt; new).</summary>
    public static int ConsistencyProofLength(long oldSize, long newSize)
    {
        // Same decomposition as the inclusion proof of leaf old−1, minus the levels where old is aligned,
        // plus one unless old is a power of two (then the old root itself starts the path).
        int shift = BitOperations.TrailingZeroCount((ulong)oldSize);
        long fn = (oldSize - 1) >> shift;
        long sn = (newSize - 1) >> shift;
        int inner = 64 - BitOperations.LeadingZeroCount((ulong)(fn ^ sn));
        int border = BitOperations.PopCount((ulong)fn >> inner);
        int length = inner + border;
        return BitOperations.IsPow2(oldSize) ? length : length + 1;
    }
}
