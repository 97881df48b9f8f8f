using Entente.Transparency;
using Entente.Transparency.Log;

namespace Entente.Storage.Tests.Contract;

public enum Fault
{
    None,

    /// <summary>The write never reaches the store; the caller sees an error.</summary>
    WriteLost,

    /// <summary>The write lands; the caller still sees an error.</summary>
    LandedButReportedFailure,
}

/// <summary>Wraps a store and injects a fault into chosen writes (commit number N, counted from 1).</summary>
public sealed class FaultyLogStore(ILogStore inner) : ILogStore
{
    private int _commits;

    public Dictionary<int, Fault> CommitFaults { get; } = [];

    public int FailHeadReads { get; set; }

    public int Commits => _commits;

    /// <summary>Runs before commit number N (counted from 1) reaches the store; a test can hold a commit here.</summary>
    public Func<int, Task>? BeforeCommit { get; set; }

    public Task CreateSchemaAsync(CancellationToken cancellationToken = default) => inner.CreateSchemaAsync(cancellationToken);

    public Task<StoredCheckpoint?> ReadHeadAsync(CancellationToken cancellationToken = default)
    {
        if (FailHeadReads > 0)
        {
            FailHeadReads--;
            throw new LogStoreException("injected: head read failed", isTransient: true);
        }

        return inner.ReadHeadAsync(cancellationToken);
    }

    public Task InitializeAsync(StoredCheckpoint first, CancellationToken cancellationToken = default) => inner.InitializeAsync(first, cancellationToken);

    public async Task CommitAsync(LogCommit commit, CancellationToken cancellationToken = default)
    {
        int n = Interlocked.Increment(ref _commits);
        Fault fault = CommitFaults.GetValueOrDefault(n);
        if (BeforeCommit is not null)
        {
            await BeforeCommit(n);
        }

        if (fault == Fault.WriteLost)
        {
            throw new LogStoreException($"injected: commit {n} lost", isTransient: true);
        }

        await inner.CommitAsync(commit, cancellationToken);
        if (fault == Fault.LandedButReportedFailure)
        {
            throw new LogStoreException($"injected: commit {n} landed but reported failure", isTransient: true);
        }
    }

    public Task<IReadOnlyDictionary<Hash256, long>> FindIdentitiesAsync(IReadOnlyCollection<Hash256> identities, CancellationToken cancellationToken = default) =>
        inner.FindIdentitiesAsync(identities, cancellationToken);

    public Task<byte[]?> ReadTileAsync(int level, long index, CancellationToken cancellationToken = default) => inner.ReadTileAsync(level, index, cancellationToken);

    public Task<IReadOnlyList<byte[]>> ReadEntriesAsync(long start, int count, CancellationToken cancellationToken = default) =>
        inner.ReadEntriesAsync(start, count, cancellationToken);

    public Task<StoredCheckpoint?> ReadCosignedAsync(CancellationToken cancellationToken = default) => inner.ReadCosignedAsync(cancellationToken);

    public Task<bool> WriteCosignedAsync(StoredCheckpoint cosigned, CancellationToken cancellationToken = default) => inner.WriteCosignedAsync(cosigned, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
