using Entente.Transparency;

namespace Entente.Exchange.Storage;

/// <summary>
/// An <see cref="IExchangeStore"/> in memory, for tests and tools. It passes the same contract suite
/// as the database stores; durability is of course limited to the life of the object.
/// </summary>
public sealed class MemoryExchangeStore : IExchangeStore
{
    private readonly List<ExchangeEntry> _entries = [];
    private readonly List<Hash256> _leaves = [];
    private readonly HashSet<string> _signatures = new(StringComparer.Ordinal);
    private readonly HashSet<(string, string)> _nonces = [];
    private readonly HashSet<(string, string)> _versions = [];
    private readonly Lock _lock = new();

    /// <inheritdoc />
    public Task<long> CountAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult((long)_entries.Count);
        }
    }

    /// <inheritdoc />
    public Task AppendAsync(ExchangeEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            if (entry.Index != _entries.Count)
            {
                throw new ExchangeStoreConflictException(ExchangeConflict.IndexTaken, $"Index {entry.Index} is not the next index {_entries.Count}.");
            }

            string signature = Convert.ToBase64String(entry.Signature);
            if (_signatures.Contains(signature))
            {
                throw new ExchangeStoreConflictException(ExchangeConflict.DuplicateSignature, "That signature is already stored.");
            }

            if (_nonces.Contains((entry.Sender, entry.Nonce)))
            {
                throw new ExchangeStoreConflictException(ExchangeConflict.DuplicateNonce, "That sender already used that nonce.");
            }

            (string, string) version = (entry.ObjectId, entry.ObjectVersion ?? "-");
            if (_versions.Contains(version))
            {
                throw new ExchangeStoreConflictException(ExchangeConflict.DuplicateVersion, $"{entry.ObjectId} {entry.ObjectVersion ?? "-"} is already stored.");
            }

            ExchangeEntry copy = entry with { Envelope = entry.Envelope.ToArray(), Signature = entry.Signature.ToArray() };
            _entries.Add(copy);
            _leaves.Add(copy.LeafHash);
            _signatures.Add(signature);
            _nonces.Add((entry.Sender, entry.Nonce));
            _versions.Add(version);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<ExchangeEntry?> GetAsync(long index, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(index >= 0 && index < _entries.Count ? _entries[(int)index] : null);
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ExchangeEntry>> ReadRangeAsync(long start, int limit, CancellationToken cancellationToken = default) =>
        Query(e => e.Index >= start, limit);

    /// <inheritdoc />
    public Task<IReadOnlyList<ExchangeEntry>> ReadCollectionAsync(string collection, long afterIndex, int limit, CancellationToken cancellationToken = default) =>
        Query(e => e.Index > afterIndex && e.Collection == collection, limit);

    /// <inheritdoc />
    public Task<IReadOnlyList<ExchangeEntry>> FindByObjectIdAsync(string objectId, CancellationToken cancellationToken = default) =>
        Query(e => e.ObjectId == objectId, int.MaxValue);

    /// <inheritdoc />
    public Task<IReadOnlyList<ExchangeEntry>> FindByTypesAsync(IReadOnlyCollection<string> objectTypes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(objectTypes);
        return Query(e => objectTypes.Contains(e.ObjectType), int.MaxValue);
    }

    /// <inheritdoc />
    public Task<ExchangeEntry?> FindBySignatureAsync(ReadOnlyMemory<byte> signature, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            byte[] wanted = signature.ToArray();
            return Task.FromResult(_entries.FirstOrDefault(e => e.Signature.AsSpan().SequenceEqual(wanted)));
        }
    }

    /// <inheritdoc />
    public Task<bool> NonceUsedAsync(string sender, string nonce, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(_nonces.Contains((sender, nonce)));
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<Hash256>> ReadLeafHashesAsync(long start, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        lock (_lock)
        {
            int from = (int)Math.Min(start, _leaves.Count);
            int count = Math.Min(limit, _leaves.Count - from);
            return Task.FromResult<IReadOnlyList<Hash256>>(_leaves.GetRange(from, count));
        }
    }

    private Task<IReadOnlyList<ExchangeEntry>> Query(Func<ExchangeEntry, bool> predicate, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<ExchangeEntry>>([.. _entries.Where(predicate).Take(limit)]);
        }
    }
}
