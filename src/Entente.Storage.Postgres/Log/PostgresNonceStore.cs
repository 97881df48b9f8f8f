using Entente.Transparency.Log;
using Npgsql;
using NpgsqlTypes;

namespace Entente.Storage.Postgres.Log;

/// <summary>
/// <see cref="INonceStore"/> on PostgreSQL, in the board's schema: table <c>auth_nonces</c> keyed by (key id, nonce).
/// A batch is one statement: the pairs are upserted from <c>unnest</c> arrays, an expired row is refreshed, and the
/// rows the statement returns are the new pairs.
/// </summary>
public sealed class PostgresNonceStore : INonceStore
{
    private readonly PostgresDatabase _db;
    private readonly bool _ownsDatabase;
    private readonly string _s;

    /// <summary>Creates the store on <paramref name="database"/>, which it disposes when <paramref name="ownsDatabase"/>.</summary>
    public PostgresNonceStore(PostgresDatabase database, bool ownsDatabase = false)
    {
        ArgumentNullException.ThrowIfNull(database);
        _db = database;
        _ownsDatabase = ownsDatabase;
        _s = database.Schema;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_ownsDatabase)
        {
            await _db.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public async Task CreateSchemaAsync(CancellationToken cancellationToken = default)
    {
        using NpgsqlConnection c = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await RunAsync(async () =>
        {
            await _db.EnsureSchemaAsync(c, cancellationToken).ConfigureAwait(false);
            using NpgsqlCommand cmd = new($"CREATE TABLE IF NOT EXISTS {_s}.auth_nonces (key_id text NOT NULL, nonce text NOT NULL, expires bigint NOT NULL, PRIMARY KEY (key_id, nonce))", c);
            await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        }, "creating the nonce table").ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<bool>> RememberAsync(IReadOnlyList<RequestNonce> nonces, long now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(nonces);
        bool[] fresh = new bool[nonces.Count];
        // One upsert may not touch a row twice: a pair repeated within the batch is a replay of its first occurrence.
        Dictionary<(string, string), int> first = [];
        for (int i = 0; i < nonces.Count; i++)
        {
            first.TryAdd((nonces[i].KeyId, nonces[i].Nonce), i);
        }

        if (first.Count == 0)
        {
            return fresh;
        }

        int[] order = [.. first.Values];
        using NpgsqlConnection c = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await RunAsync(async () =>
        {
            using NpgsqlCommand cmd = new($"""
                INSERT INTO {_s}.auth_nonces AS a (key_id, nonce, expires)
                SELECT u.k, u.n, u.e FROM unnest(@k, @n, @e) AS u(k, n, e)
                ON CONFLICT (key_id, nonce) DO UPDATE SET expires = excluded.expires WHERE a.expires < @now
                RETURNING a.key_id, a.nonce
                """, c);
            cmd.Parameters.Add(new NpgsqlParameter<string[]>("k", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. order.Select(i => nonces[i].KeyId)] });
            cmd.Parameters.Add(new NpgsqlParameter<string[]>("n", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. order.Select(i => nonces[i].Nonce)] });
            cmd.Parameters.Add(new NpgsqlParameter<long[]>("e", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = [.. order.Select(i => nonces[i].Expires)] });
            cmd.Parameters.Add(new NpgsqlParameter<long>("now", NpgsqlDbType.Bigint) { TypedValue = now });
            using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await r.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                fresh[first[(r.GetString(0), r.GetString(1))]] = true;
            }

            return (IReadOnlyList<bool>)fresh;
        }, "remembering request nonces").ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<RequestNonce>> ReadLiveAsync(long now, CancellationToken cancellationToken = default)
    {
        using NpgsqlConnection c = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await RunAsync(async () =>
        {
            using NpgsqlCommand cmd = new($"SELECT key_id, nonce, expires FROM {_s}.auth_nonces WHERE expires >= @now", c);
            cmd.Parameters.AddWithValue("now", now);
            using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            List<RequestNonce> live = [];
            while (await r.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                live.Add(new RequestNonce(r.GetString(0), r.GetString(1), r.GetInt64(2)));
            }

            return (IReadOnlyList<RequestNonce>)live;
        }, "reading request nonces").ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task PruneAsync(long now, CancellationToken cancellationToken = default)
    {
        using NpgsqlConnection c = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await RunAsync(async () =>
        {
            using NpgsqlCommand cmd = new($"DELETE FROM {_s}.auth_nonces WHERE expires < @now", c);
            cmd.Parameters.AddWithValue("now", now);
            return await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, "forgetting expired request nonces").ConfigureAwait(false);
    }

    private static async Task<T> RunAsync<T>(Func<Task<T>> action, string during)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (NpgsqlException e)
        {
            throw PostgresDatabase.Translate(e, during);
        }
    }
}
