namespace Entente.Transparency.Log;

/// <summary>
/// Content-addressed artifact storage: blobs are stored and served by their SHA-256.
/// <para><b>Atomicity/durability.</b> <see cref="PutAsync"/> stores the whole blob durably before returning;
/// storing an existing blob is a no-op. <b>Concurrency.</b> Any number of concurrent readers and writers.
/// Implementations need not check hashes on read; <see cref="BlobReader"/> does, for every reader.</para>
/// </summary>
public interface IBlobStore
{
    /// <summary>Stores the blob under SHA-256(<paramref name="data"/>), returning that hash.</summary>
    Task<Hash256> PutAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default);

    /// <summary>The stored bytes for <paramref name="sha256"/>, or null.</summary>
    Task<byte[]?> GetAsync(Hash256 sha256, CancellationToken cancellationToken = default);

    /// <summary>
    /// The stored bytes of each of <paramref name="hashes"/>, in their order, null where absent (a store may read them in
    /// one query: a mirror asks for 64 at a time through <c>GET /blobs</c>). The default reads them one by one.
    /// </summary>
    async Task<IReadOnlyList<byte[]?>> GetManyAsync(IReadOnlyList<Hash256> hashes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(hashes);
        byte[]?[] found = new byte[]?[hashes.Count];
        for (int i = 0; i < found.Length; i++)
        {
            found[i] = await GetAsync(hashes[i], cancellationToken).ConfigureAwait(false);
        }

        return found;
    }

    /// <summary>
    /// Stores several blobs, durably when it returns (a store may write them in one transaction: a mirror takes thousands
    /// at a time). The default stores them one by one.
    /// </summary>
    async Task PutManyAsync(IReadOnlyList<ReadOnlyMemory<byte>> blobs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        foreach (ReadOnlyMemory<byte> blob in blobs)
        {
            await PutAsync(blob, cancellationToken).ConfigureAwait(false);
        }
    }
}

/// <summary>Reads blobs and checks that the bytes hash to their address.</summary>
public static class BlobReader
{
    /// <summary>The blob, checked; null when absent; <see cref="LogStoreException"/> when the bytes do not match.</summary>
    public static async Task<byte[]?> GetCheckedAsync(this IBlobStore store, Hash256 sha256, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        byte[]? data = await store.GetAsync(sha256, cancellationToken).ConfigureAwait(false);
        if (data is not null && Hash256.Compute(data) != sha256)
        {
            throw new LogStoreException($"Blob {sha256} is corrupted: its bytes hash to {Hash256.Compute(data)}.", isTransient: false);
        }

        return data;
    }
}
