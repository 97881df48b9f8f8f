using System.Diagnostics;
using Entente.Exchange.Storage;
using Entente.Transparency;
using Entente.Transparency.Merkle;
using Entente.Transparency.Notes;

namespace Entente.Exchange.Log;

/// <summary>
/// The exchange's own transparency log view: an RFC 6962 Merkle tree over the leaves of the stored
/// entries (<see cref="ExchangeEntry.ToLeafBytes"/>), C2SP checkpoints signed by the log key as
/// signed notes, and inclusion proofs. The tree is rebuilt from the store's leaf hashes and extended
/// incrementally; the store is the only state. When the server runs the main board log, it
/// sequences these same leaves there instead (<see cref="BoardAnchor"/>); the proof format below does not change.
/// <para>A checkpoint key speaks for one origin, and an origin names one tree: signing this tree under another
/// log's origin (the board's, say) would hand every tlog verifier two signed trees of that origin that are not
/// consistent, evidence of a fork made by our own tool. So the log is created with its own origin and refuses a key
/// whose name is any other origin (<see cref="ExchangeLogKeyException"/>), before anything is signed.</para>
/// </summary>
public sealed class ExchangeLog : IDisposable
{
    /// <summary>The origin of a party's local exchange log (the CLI workspace's).</summary>
    public const string LocalOrigin = "entente.local/exchange";

    private readonly IExchangeStore _store;
    private readonly Ed25519NoteSigner _logKey;
    private readonly MemoryMerkleTree _tree = new();
    private readonly SemaphoreSlim _lock = new(1, 1);

    /// <summary>Creates the view of the exchange log named <paramref name="origin"/>, signed by <paramref name="logKey"/>.</summary>
    /// <exception cref="ExchangeLogKeyException"><paramref name="logKey"/> is a key for another origin.</exception>
    public ExchangeLog(IExchangeStore store, string origin, Ed25519NoteSigner logKey)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentException.ThrowIfNullOrEmpty(origin);
        ArgumentNullException.ThrowIfNull(logKey);
        if (!string.Equals(logKey.Name, origin, StringComparison.Ordinal))
        {
            throw new ExchangeLogKeyException(origin, logKey.Name);
        }

        _store = store;
        _logKey = logKey;
        Origin = origin;
    }

    /// <summary>The checkpoint origin of this log.</summary>
    public string Origin { get; }

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

        Debug.Assert(_logKey.Name == Origin, "the constructor refuses a key of another origin");
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

/// <summary>A checkpoint key offered to sign a log whose origin is not the key's: refused before anything is signed.</summary>
public sealed class ExchangeLogKeyException : Exception
{
    /// <summary>Creates the exception for the log <paramref name="origin"/> and a key named <paramref name="keyOrigin"/>.</summary>
    public ExchangeLogKeyException(string origin, string keyOrigin)
        : base($"The checkpoint key is for the log \"{keyOrigin}\", but this is the exchange log \"{origin}\": a key signs checkpoints of its own log only, "
               + "and signing this tree under another origin would make two inconsistent signed trees of that origin (a fork). Use the exchange log's own key.")
    {
        Origin = origin;
        KeyOrigin = keyOrigin;
    }

    /// <summary>Creates the exception.</summary>
    public ExchangeLogKeyException() : this("?", "?") { }

    /// <summary>Creates the exception.</summary>
    public ExchangeLogKeyException(string message) : base(message)
    {
        Origin = KeyOrigin = "?";
    }

    /// <summary>Creates the exception.</summary>
    public ExchangeLogKeyException(string message, Exception inner) : base(message, inner)
    {
        Origin = KeyOrigin = "?";
    }

    /// <summary>The origin of the log being signed.</summary>
    public string Origin { get; }

    /// <summary>The origin the key is for (its name).</summary>
    public string KeyOrigin { get; }
}
