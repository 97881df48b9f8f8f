using Entente.Transparency.Log;
using Entente.Transparency.Tiles;

namespace Entente.Transparency.Tests.Properties;

/// <summary>
/// A read-only store that holds every entry and tile of a tree of <c>size</c> leaves (entry i is i in 8 bytes; tiles
/// are zero hashes): enough for the read path, which checks what exists before asking and the lengths it gets.
/// </summary>
internal sealed class WholeTreeStore(long size) : ILogStore
{
    public Task<IReadOnlyList<byte[]>> ReadEntriesAsync(long start, int count, CancellationToken cancellationToken = default)
    {
        Assert.True(start >= 0 && count >= 0 && count <= size - start, $"entries {start}+{count} asked of a tree of size {size}");
        return Task.FromResult<IReadOnlyList<byte[]>>([.. Enumerable.Range(0, count).Select(i => BitConverter.GetBytes(start + i))]);
    }

    public Task<byte[]?> ReadTileAsync(int level, long index, CancellationToken cancellationToken = default) =>
        Task.FromResult<byte[]?>(new byte[TilePath.FullWidth * Hash256.Size]);

    public Task CreateSchemaAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<StoredCheckpoint?> ReadHeadAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task InitializeAsync(StoredCheckpoint first, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task CommitAsync(LogCommit commit, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<IReadOnlyDictionary<Hash256, long>> FindIdentitiesAsync(IReadOnlyCollection<Hash256> identities, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public Task<StoredCheckpoint?> ReadCosignedAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<bool> WriteCosignedAsync(StoredCheckpoint cosigned, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
