using Entente.Transparency.Notes;
using Entente.Transparency.Tiles;

namespace Entente.Transparency.Log;

/// <summary>The outcome of a full check of a stored log.</summary>
/// <param name="Size">The checkpoint size checked.</param>
/// <param name="Problems">Every problem found (empty when the log is sound).</param>
public sealed record FsckResult(long Size, IReadOnlyList<string> Problems)
{
    /// <summary>True when no problem was found.</summary>
    public bool Ok => Problems.Count == 0;
}

/// <summary>
/// Re-verifies a stored log completely: every entry is re-hashed, every tile (full and the partial ones of the
/// head) recomputed and compared byte for byte, the root recomputed and compared with the signed checkpoint,
/// whose signature is checked; the cosigned checkpoint, if any, must match the tree at its size.
/// </summary>
public static class Fsck
{
    /// <summary>Checks the log; <paramref name="progress"/> receives the number of entries checked.</summary>
    public static async Task<FsckResult> RunAsync(ILogStore store, INoteVerifier logKey, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(logKey);
        List<string> problems = [];
        StoredCheckpoint? head = await store.ReadHeadAsync(cancellationToken).ConfigureAwait(false);
        if (head is null)
        {
            return new FsckResult(0, ["The store holds no log."]);
        }

        try
        {
            SignedCheckpoint cp = SignedCheckpoint.Open(head.Note, logKey);
            if (cp.Checkpoint.Size != head.Size || cp.Checkpoint.Root != head.Root)
            {
                problems.Add("The stored size/root columns disagree with the signed checkpoint.");
            }
        }
        catch (Exception e) when (e is NoteFormatException or NoteVerificationException)
        {
            problems.Add($"The head checkpoint does not verify with the log key: {e.Message}");
        }

        StoredCheckpoint? cosigned = await store.ReadCosignedAsync(cancellationToken).ConfigureAwait(false);
        TileEdge edge = new();
        long size = head.Size;
        const int Chunk = TilePath.FullWidth;
        for (long start = 0; start < size; start += Chunk)
        {
            int count = (int)Math.Min(Chunk, size - start);
            if (cosigned is not null && cosigned.Size > start && cosigned.Size < start + count)
            {
                count = (int)(cosigned.Size - start);
            }

            IReadOnlyList<byte[]> entries = await store.ReadEntriesAsync(start, count, cancellationToken).ConfigureAwait(false);
            if (entries.Count != count)
            {
                problems.Add($"Entries {start}..{start + count - 1}: only {entries.Count} of {count} are stored.");
                return new FsckResult(size, problems);
            }

            List<TileRecord> changed = edge.Append(entries.Select(e => Merkle.Rfc6962.LeafHash(e)).ToList());
            foreach (TileRecord t in changed.Where(t => t.Data.Length == Chunk * Hash256.Size))
            {
                await CompareTileAsync(store, t, problems, cancellationToken).ConfigureAwait(false);
            }

            if (cosigned is not null && edge.Size == cosigned.Size && edge.Root() != cosigned.Root)
            {
                problems.Add($"The cosigned checkpoint at size {cosigned.Size} does not match the log's tree at that size.");
            }

            start += count - Chunk;
            progress?.Report(edge.Size);
        }

        foreach (TileRecord t in edge.PartialTiles())
        {
            await CompareTileAsync(store, t, problems, cancellationToken).ConfigureAwait(false);
        }

        TileEdge stored = await TileEdge.LoadAsync(store, size, cancellationToken).ConfigureAwait(false);
        if (edge.Root() != head.Root || stored.Root() != head.Root)
        {
            problems.Add($"The root recomputed from the entries ({edge.Root()}) or from the stored tiles ({stored.Root()}) is not the checkpoint's root ({head.Root}).");
        }

        if (cosigned is not null && cosigned.Size > size)
        {
            problems.Add($"The cosigned checkpoint (size {cosigned.Size}) is ahead of the log (size {size}).");
        }

        IReadOnlyList<byte[]> beyond = await store.ReadEntriesAsync(size, 1, cancellationToken).ConfigureAwait(false);
        if (beyond.Count > 0)
        {
            problems.Add($"An entry is stored at index {size}, beyond the checkpoint.");
        }

        return new FsckResult(size, problems);
    }

    private static async Task CompareTileAsync(ILogStore store, TileRecord t, List<string> problems, CancellationToken cancellationToken)
    {
        byte[]? data = await store.ReadTileAsync(t.Level, t.Index, cancellationToken).ConfigureAwait(false);
        if (data is null || data.Length < t.Data.Length || !data.AsSpan(0, t.Data.Length).SequenceEqual(t.Data))
        {
            problems.Add($"Tile {new TilePath(t.Level, t.Index, t.Data.Length / Hash256.Size)} does not match the entries.");
        }
    }
}
