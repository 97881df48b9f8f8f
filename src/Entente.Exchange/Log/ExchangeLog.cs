using Entente.Exchange.Storage;
using Entente.Transparency;
using Entente.Transparency.Merkle;
using Entente.Transparency.Notes;

namespace Entente.Exchange.Log;

/// <summary>
/// The exchange's transparency log view: an RFC 6962 Merkle tree over the leaves of the stored
/// entries (<see cref="ExchangeEntry.ToLeafBytes"/>), C2SP checkpoints signed by the log key as
/// signed notes, and inclusion proofs. The tree is rebuilt from the store's leaf hashes and extended
/// incrementally; the store is the only state. When the server runs the main board log, it can
/// sequence these same leaves there instead; the proof format below does not change.
/// </summary>
public sealed class ExchangeLog : IDisposable
{
    private readonly IExchangeStore _store;
    private readonly Ed25519NoteSigner _logKey;
    private readonly MemoryMerkleTree _tree = new();
    private readonly SemaphoreSlim _lock = new(1, 1);

    /// <summary>Creates the view; <paramref name="logKey"/>'s name is the checkpoint origin.</summary>
    public ExchangeLog(IExchangeStore store, Ed25519NoteSigner logKey)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(logKey);
        _store = store;
        _logKey = logKey;
    }

    /// <summary>The checkpoint origin (the log key's name).</summary>
    public string Origin => _logKey.Name;

    /// <summary>The log's verifier key (C2SP vkey) that readers pin.</summary>
    public string VerifierKey => _logKey.VerifierKey;

    /// <summary>A checkpoint of the whole log, signed now.</summary>
    public async Task<SignedNote> CheckpointAsync(CancellationToken cancellationToken = default)
    {
        long size = await SyncAsync(cancellationToken).ConfigureAwait(false);
        return Sign(size);
    }

    /// <summary>The entry at <paramref name="index"/> with its inclusion proof in a freshly signed checkpoint.</summary>
    public async Task<ExchangeProof> ProveAsync(long index, CancellationToken cancellationToken = default)
    {
        long size = await SyncAsync(cancellationToken).ConfigureAwait(false);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        if (index >= size)
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"The log has {size} entries; there is no index {index}.");
        }

        ExchangeEntry entry = await _store.GetAsync(index, cancellationToken).ConfigureAwait(false)
                              ?? throw new ExchangeStoreException($"Entry {index} vanished from the store.", false);
        Hash256[] proof;
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            proof = MerkleMath.InclusionProof(_tree, index, size);
        }
        finally
        {
            _lock.Release();
        }

        return new ExchangeProof(entry, proof, Sign(size).ToString());
    }

    private SignedNote Sign(long size)
    {
        Hash256 root;
        _lock.Wait();
        try
        {
            root = _tree.Root(size);
        }
        finally
        {
            _lock.Release();
        }

        return _logKey.SignNote(new Checkpoint(Origin, size, root).ToText());
    }

    private async Task<long> SyncAsync(CancellationToken cancellationToken)
    {
        long count = await _store.CountAsync(cancellationToken).ConfigureAwait(false);
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (_tree.Size < count)
            {
                IReadOnlyList<Hash256> leaves = await _store.ReadLeafHashesAsync(_tree.Size, (int)Math.Min(4096, count - _tree.Size), cancellationToken).ConfigureAwait(false);
                if (leaves.Count == 0)
                {
                    throw new ExchangeStoreException($"The store reports {count} entries but returned none from {_tree.Size}.", false);
                }

                foreach (Hash256 leaf in leaves)
                {
                    _tree.AppendLeafHash(leaf);
                }
            }

            return count;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose() => _lock.Dispose();
}
