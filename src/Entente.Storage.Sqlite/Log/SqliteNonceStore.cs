using Entente.Transparency.Log;
using Microsoft.Data.Sqlite;

namespace Entente.Storage.Sqlite.Log;

/// <summary>
/// <see cref="INonceStore"/> on SQLite, in the board's file: table <c>auth_nonces</c> keyed by (key id, nonce) with the
/// expiry. A batch is one transaction; a pair is new when its insert (or the refresh of an expired row) changes a row.
/// </summary>
public sealed class SqliteNonceStore : INonceStore
{
    private readonly SqliteDatabase _db;

    /// <summary>Creates the store on the database file at <paramref name="path"/>.</summary>
    public SqliteNonceStore(string path) => _db = new SqliteDatabase(path);

    /// <inheritdoc/>
    public async Task CreateSchemaAsync(CancellationToken cancellationToken = default)
    {
        using SqliteConnection c = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using SqliteCommand cmd = c.CreateCommand();
            cmd.CommandText = "CREATE TABLE IF NOT EXISTS auth_nonces (key_id TEXT NOT NULL, nonce TEXT NOT NULL, expires INTEGER NOT NULL, PRIMARY KEY (key_id, nonce)) WITHOUT ROWID";
            await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SqliteException e)
        {
            throw SqliteDatabase.Translate(e, "creating the nonce table");
        }
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<bool>> RememberAsync(IReadOnlyList<RequestNonce> nonces, long now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(nonces);
        bool[] fresh = new bool[nonces.Count];
        if (nonces.Count == 0)
        {
            return fresh;
        }

        using SqliteConnection c = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using SqliteTransaction tx = (SqliteTransaction)await c.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            using SqliteCommand cmd = c.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = """
                INSERT INTO auth_nonces (key_id, nonce, expires) VALUES ($k, $n, $e)
                ON CONFLICT (key_id, nonce) DO UPDATE SET expires = excluded.expires WHERE auth_nonces.expires < $now
                """;
            SqliteParameter pk = cmd.Parameters.Add("$k", SqliteType.Text);
            SqliteParameter pn = cmd.Parameters.Add("$n", SqliteType.Text);
            SqliteParameter pe = cmd.Parameters.Add("$e", SqliteType.Integer);
            cmd.Parameters.AddWithValue("$now", now);
            for (int i = 0; i < nonces.Count; i++)
            {
                (pk.Value, pn.Value, pe.Value) = (nonces[i].KeyId, nonces[i].Nonce, nonces[i].Expires);
                fresh[i] = await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
            }

            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return fresh;
        }
        catch (SqliteException e)
        {
            throw SqliteDatabase.Translate(e, "remembering request nonces");
        }
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<RequestNonce>> ReadLiveAsync(long now, CancellationToken cancellationToken = default)
    {
        using SqliteConnection c = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using SqliteCommand cmd = c.CreateCommand();
            cmd.CommandText = "SELECT key_id, nonce, expires FROM auth_nonces WHERE expires >= $now";
            cmd.Parameters.AddWithValue("$now", now);
            using SqliteDataReader r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            List<RequestNonce> live = [];
            while (await r.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                live.Add(new RequestNonce(r.GetString(0), r.GetString(1), r.GetInt64(2)));
            }

            return live;
        }
        catch (SqliteException e)
        {
            throw SqliteDatabase.Translate(e, "reading request nonces");
        }
    }

    /// <inheritdoc/>
    public async Task PruneAsync(long now, CancellationToken cancellationToken = default)
    {
        using SqliteConnection c = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using SqliteCommand cmd = c.CreateCommand();
            cmd.CommandText = "DELETE FROM auth_nonces WHERE expires < $now";
            cmd.Parameters.AddWithValue("$now", now);
            await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SqliteException e)
        {
            throw SqliteDatabase.Translate(e, "forgetting expired request nonces");
        }
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
