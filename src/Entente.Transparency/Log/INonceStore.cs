namespace Entente.Transparency.Log;

/// <summary>
/// The replay window of a board's signed requests (RFC 9421 <c>nonce</c> per <c>keyid</c>), kept in the board's store
/// next to its log, so that a request accepted once is refused again after the server restarts, and by every server
/// that shares the store.
/// <para><b>Atomicity.</b> <see cref="RememberAsync"/> decides each (key, nonce) of a batch on its own: it is new when
/// no live row (one whose expiry is not before <c>now</c>) holds it, and the first of equal pairs in one batch wins.</para>
/// <para><b>Durability.</b> When <see cref="RememberAsync"/> returns, the pairs it answered new survive a crash.</para>
/// <para><b>Concurrency.</b> Any number of callers and processes; two that remember the same pair at once get one
/// <c>true</c> between them.</para>
/// <para><b>Errors.</b> <see cref="LogStoreException"/> with <see cref="LogStoreException.IsTransient"/>.</para>
/// </summary>
public interface INonceStore : IAsyncDisposable
{
    /// <summary>Creates the schema if missing (idempotent).</summary>
    Task CreateSchemaAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Remembers each pair until its <see cref="RequestNonce.Expires"/>; answers, in order, true for a pair that was not
    /// remembered (or only expired) at <paramref name="now"/>, false for a replay.
    /// </summary>
    Task<IReadOnlyList<bool>> RememberAsync(IReadOnlyList<RequestNonce> nonces, long now, CancellationToken cancellationToken = default);

    /// <summary>The pairs still remembered at <paramref name="now"/> (a restarted server loads them into memory).</summary>
    Task<IReadOnlyList<RequestNonce>> ReadLiveAsync(long now, CancellationToken cancellationToken = default);

    /// <summary>Forgets the pairs that expired before <paramref name="now"/>.</summary>
    Task PruneAsync(long now, CancellationToken cancellationToken = default);
}

/// <summary>A request nonce of a signing key, remembered until <paramref name="Expires"/>.</summary>
/// <param name="KeyId">The request's <c>keyid</c> (a charter member).</param>
/// <param name="Nonce">Its <c>nonce</c> (1..128 characters).</param>
/// <param name="Expires">Unix seconds after which a request with this nonce is stale anyway.</param>
public readonly record struct RequestNonce(string KeyId, string Nonce, long Expires);
