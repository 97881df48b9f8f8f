using System.Diagnostics;
using Entente.Transparency;
using Entente.Transparency.Log;
using Npgsql;
using NpgsqlTypes;

namespace Entente.Storage.Postgres.Log;

/// <summary>
/// <see cref="ILogStore"/> on PostgreSQL, same tables as the SQLite store in one schema. A commit is one
/// statement (one round trip, one transaction): a compare-and-swap UPDATE of the head row and, only if it
/// matched, the batch's entries and tiles inserted from binary <c>unnest</c> arrays. A schema written before entries
/// had identities gains the identity column, filled from the stored bytes under a table lock, on the first
/// <see cref="CreateSchemaAsync"/>.
/// </summary>
public sealed class PostgresLogStore : ILogStore
{
    private readonly PostgresDatabase _db;
    private readonly bool _ownsDatabase;
    private readonly string _s;
    private readonly string _commitSql;
    private readonly string _commitWithBlobsSql;

    /// <summary>Creates the store on <paramref name="database"/>.</summary>
    public PostgresLogStore(PostgresDatabase database, bool ownsDatabase = false)
    {
        ArgumentNullException.ThrowIfNull(database);
        _db = database;
        _ownsDatabase = ownsDatabase;
        _s = database.Schema;

        // One statement, so one round trip and one implicit transaction: the head's compare-and-swap (an UPDATE
        // that matches only the expected size and note; a concurrent writer waits on the row lock and then
        // matches nothing), and the entries and tiles, inserted only if the swap happened.
        _commitSql = $"""
            WITH head AS (
                UPDATE {_s}.tlog_head SET size = @s, root = @r, note = @n WHERE id = 1 AND size = @es AND note = @en RETURNING 1),
            e AS (
                INSERT INTO {_s}.tlog_entries (idx, leaf_hash, identity, data)
                SELECT u.i, u.h, u.y, u.d FROM unnest(@ei, @eh, @ey, @ed) AS u(i, h, y, d) WHERE EXISTS (SELECT 1 FROM head) RETURNING 1),
            t AS (
                INSERT INTO {_s}.tlog_tiles (level, idx, data)
                SELECT u.l, u.i, u.d FROM unnest(@tl, @ti, @td) AS u(l, i, d) WHERE EXISTS (SELECT 1 FROM head)
                ON CONFLICT (level, idx) DO UPDATE SET data = excluded.data RETURNING 1)
            SELECT (SELECT count(*) FROM head), (SELECT count(*) FROM e), (SELECT count(*) FROM t)
            """;

        // The same with the entries' artifacts in the blobs table of the schema, in the same statement: one
        // transaction and one durable write for a batch of entries and their artifacts.
        _commitWithBlobsSql = _commitSql.Replace(
            "SELECT (SELECT count(*) FROM head)",
            $"""
            , b AS (
                INSERT INTO {_s}.blobs (sha256, data)
                SELECT u.h, u.d FROM unnest(@bh, @bd) AS u(h, d) WHERE EXISTS (SELECT 1 FROM head)
                ON CONFLICT (sha256) DO NOTHING)
            SELECT (SELECT count(*) FROM head)
            """,
            StringComparison.Ordinal);
    }

    /// <summary>Creates the store from a connection string and schema.</summary>
    public PostgresLogStore(string connectionString, string schema = "entente") : this(new PostgresDatabase(connectionString, schema), ownsDatabase: true)
    {
    }

    /// <inheritdoc/>
    public async Task CreateSchemaAsync(CancellationToken cancellationToken = default)
    {
        using NpgsqlConnection c = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await Run(async () =>
        {
            await _db.EnsureSchemaAsync(c, cancellationToken).ConfigureAwait(false);
            using NpgsqlCommand cmd = new($"""
                CREATE TABLE IF NOT EXISTS {_s}.tlog_head (id int PRIMARY KEY CHECK (id = 1), size bigint NOT NULL, root bytea NOT NULL, note bytea NOT NULL);
                CREATE TABLE IF NOT EXISTS {_s}.tlog_cosigned (id int PRIMARY KEY CHECK (id = 1), size bigint NOT NULL, root bytea NOT NULL, note bytea NOT NULL);
                CREATE TABLE IF NOT EXISTS {_s}.tlog_entries (idx bigint PRIMARY KEY, leaf_hash bytea NOT NULL, identity bytea, data bytea NOT NULL);
                CREATE TABLE IF NOT EXISTS {_s}.tlog_tiles (level int NOT NULL, idx bigint NOT NULL, data bytea NOT NULL, PRIMARY KEY (level, idx));
                """, c);
            await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await MigrateIdentitiesAsync(c, cancellationToken).ConfigureAwait(false);
            try
            {
                using NpgsqlCommand unique = new($"CREATE UNIQUE INDEX IF NOT EXISTS tlog_entries_identity ON {_s}.tlog_entries (identity)", c);
                await unique.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                // A log from before identities holds repeats of an identity: index without the constraint.
                using NpgsqlCommand plain = new($"CREATE INDEX IF NOT EXISTS tlog_entries_identity ON {_s}.tlog_entries (identity)", c);
                await plain.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            return 0;
        }, "creating the log schema").ConfigureAwait(false);
    }

    /// <summary>Adds and fills the identity column of a table written before entries had identities (once, under a table lock).</summary>
    private async Task MigrateIdentitiesAsync(NpgsqlConnection c, CancellationToken cancellationToken)
    {
        if (await HasIdentityColumnAsync(c, null, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        using NpgsqlTransaction tx = await c.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        using (NpgsqlCommand lockTable = new($"LOCK TABLE {_s}.tlog_entries IN ACCESS EXCLUSIVE MODE", c, tx))
        {
            await lockTable.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        if (await HasIdentityColumnAsync(c, tx, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        using (NpgsqlCommand alter = new($"ALTER TABLE {_s}.tlog_entries ADD COLUMN identity bytea", c, tx))
        {
            await alter.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        List<long> indexes = [];
        List<byte[]> identities = [];
        using (NpgsqlCommand read = new($"SELECT idx, data FROM {_s}.tlog_entries ORDER BY idx", c, tx))
        using (NpgsqlDataReader r = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await r.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                indexes.Add(r.GetInt64(0));
                identities.Add(EntryIdentity.Of((byte[])r.GetValue(1)).ToArray());
            }
        }

        using (NpgsqlCommand update = new($"UPDATE {_s}.tlog_entries AS t SET identity = u.y FROM unnest(@i, @y) AS u(i, y) WHERE t.idx = u.i", c, tx))
        {
            update.Parameters.Add(new NpgsqlParameter<long[]>("i", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = [.. indexes] });
            update.Parameters.Add(new NpgsqlParameter<byte[][]>("y", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { TypedValue = [.. identities] });
            await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<bool> HasIdentityColumnAsync(NpgsqlConnection c, NpgsqlTransaction? tx, CancellationToken cancellationToken)
    {
        using NpgsqlCommand cmd = new("SELECT count(*) FROM information_schema.columns WHERE table_schema = @s AND table_name = 'tlog_entries' AND column_name = 'identity'", c, tx);
        cmd.Parameters.AddWithValue("s", _s);
        return (long)(await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! > 0;
    }

    /// <inheritdoc/>
    public Task<StoredCheckpoint?> ReadHeadAsync(CancellationToken cancellationToken = default) => ReadCheckpointAsync("tlog_head", cancellationToken);

    /// <inheritdoc/>
    public Task<StoredCheckpoint?> ReadCosignedAsync(CancellationToken cancellationToken = default) => ReadCheckpointAsync("tlog_cosigned", cancellationToken);

    /// <inheritdoc/>
    public async Task InitializeAsync(StoredCheckpoint first, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(first);
        using NpgsqlConnection c = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using NpgsqlCommand cmd = new($"INSERT INTO {_s}.tlog_head (id, size, root, note) VALUES (1, @s, @r, @n)", c);
            cmd.Parameters.AddWithValue("s", first.Size);
            cmd.Parameters.AddWithValue("r", first.Root.ToArray());
            cmd.Parameters.AddWithValue("n", first.Note);
            await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new LogConflictException("The store already holds a log.", e);
        }
        catch (NpgsqlException e)
        {
            throw PostgresDatabase.Translate(e, "initialising the log");
        }
    }

    /// <inheritdoc/>
    public async Task CommitAsync(LogCommit commit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(commit);
        using NpgsqlConnection c = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        long[] counts = await Run(async () =>
        {
            using NpgsqlCommand cmd = new(commit.Blobs.Count > 0 ? _commitWithBlobsSql : _commitSql, c);
            if (commit.Blobs.Count > 0)
            {
                cmd.Parameters.Add(new NpgsqlParameter<byte[][]>("bh", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { TypedValue = [.. commit.Blobs.Select(b => Hash256.Compute(b).ToArray())] });
                cmd.Parameters.Add(new NpgsqlParameter<byte[][]>("bd", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { TypedValue = [.. commit.Blobs] });
            }

            cmd.Parameters.Add(new NpgsqlParameter<long>("es", NpgsqlDbType.Bigint) { TypedValue = commit.Expected.Size });
            cmd.Parameters.Add(new NpgsqlParameter<byte[]>("en", NpgsqlDbType.Bytea) { TypedValue = commit.Expected.Note });
            cmd.Parameters.Add(new NpgsqlParameter<long>("s", NpgsqlDbType.Bigint) { TypedValue = commit.Next.Size });
            cmd.Parameters.Add(new NpgsqlParameter<byte[]>("r", NpgsqlDbType.Bytea) { TypedValue = commit.Next.Root.ToArray() });
            cmd.Parameters.Add(new NpgsqlParameter<byte[]>("n", NpgsqlDbType.Bytea) { TypedValue = commit.Next.Note });
            long[] ei = new long[commit.Entries.Count];
            byte[][] eh = new byte[ei.Length][];
            byte[][] ey = new byte[ei.Length][];
            byte[][] ed = new byte[ei.Length][];
            for (int k = 0; k < ei.Length; k++)
            {
                LogEntryRecord e = commit.Entries[k];
                (ei[k], eh[k], ey[k], ed[k]) = (e.Index, e.LeafHash.ToArray(), e.Identity.ToArray(), e.Data);
            }

            int[] tl = new int[commit.Tiles.Count];
            long[] ti = new long[tl.Length];
            byte[][] td = new byte[tl.Length][];
            for (int k = 0; k < tl.Length; k++)
            {
                TileRecord t = commit.Tiles[k];
                (tl[k], ti[k], td[k]) = (t.Level, t.Index, t.Data);
            }

            cmd.Parameters.Add(new NpgsqlParameter<long[]>("ei", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = ei });
            cmd.Parameters.Add(new NpgsqlParameter<byte[][]>("eh", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { TypedValue = eh });
            cmd.Parameters.Add(new NpgsqlParameter<byte[][]>("ey", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { TypedValue = ey });
            cmd.Parameters.Add(new NpgsqlParameter<byte[][]>("ed", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { TypedValue = ed });
            cmd.Parameters.Add(new NpgsqlParameter<int[]>("tl", NpgsqlDbType.Array | NpgsqlDbType.Integer) { TypedValue = tl });
            cmd.Parameters.Add(new NpgsqlParameter<long[]>("ti", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = ti });
            cmd.Parameters.Add(new NpgsqlParameter<byte[][]>("td", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { TypedValue = td });
            using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await r.ReadAsync(cancellationToken).ConfigureAwait(false);
            return new[] { r.GetInt64(0), r.GetInt64(1), r.GetInt64(2) };
        }, $"committing entries up to size {commit.Next.Size}").ConfigureAwait(false);
        if (counts[0] != 1)
        {
            throw new LogConflictException($"The log's checkpoint is no longer the one at size {commit.Expected.Size} this commit extends.");
        }

        if (counts[1] != commit.Entries.Count || counts[2] != commit.Tiles.Count)
        {
            throw new UnreachableException($"The commit to size {commit.Next.Size} stored {counts[1]} entries and {counts[2]} tiles, not {commit.Entries.Count} and {commit.Tiles.Count}.");
        }
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyDictionary<Hash256, long>> FindIdentitiesAsync(IReadOnlyCollection<Hash256> identities, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(identities);
        Dictionary<Hash256, long> found = [];
        if (identities.Count == 0)
        {
            return found;
        }

        using NpgsqlConnection c = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await Run(async () =>
        {
            using NpgsqlCommand cmd = new($"SELECT identity, min(idx) FROM {_s}.tlog_entries WHERE identity = ANY(@h) GROUP BY identity", c);
            cmd.Parameters.Add(new NpgsqlParameter<byte[][]>("h", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { TypedValue = identities.Select(h => h.ToArray()).ToArray() });
            using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await r.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                found[Hash256.FromBytes((byte[])r.GetValue(0))] = r.GetInt64(1);
            }

            return (IReadOnlyDictionary<Hash256, long>)found;
        }, "looking up entry identities").ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<byte[]?> ReadTileAsync(int level, long index, CancellationToken cancellationToken = default)
    {
        using NpgsqlConnection c = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await Run(async () =>
        {
            using NpgsqlCommand cmd = new($"SELECT data FROM {_s}.tlog_tiles WHERE level = @l AND idx = @i", c);
            cmd.Parameters.AddWithValue("l", level);
            cmd.Parameters.AddWithValue("i", index);
            return await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as byte[];
        }, $"reading tile {level}/{index}").ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<byte[]>> ReadEntriesAsync(long start, int count, CancellationToken cancellationToken = default)
    {
        using NpgsqlConnection c = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await Run(async () =>
        {
            List<byte[]> entries = new(count);
            using NpgsqlCommand cmd = new($"SELECT idx, data FROM {_s}.tlog_entries WHERE idx >= @a AND idx < @b ORDER BY idx", c);
            cmd.Parameters.AddWithValue("a", start);
            cmd.Parameters.AddWithValue("b", start + count);
            using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            long expected = start;
            while (await r.ReadAsync(cancellationToken).ConfigureAwait(false) && r.GetInt64(0) == expected)
            {
                entries.Add((byte[])r.GetValue(1));
                expected++;
            }

            return (IReadOnlyList<byte[]>)entries;
        }, $"reading entries from {start}").ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<bool> WriteCosignedAsync(StoredCheckpoint cosigned, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cosigned);
        using NpgsqlConnection c = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await Run(async () =>
        {
            using NpgsqlCommand cmd = new($"""
                INSERT INTO {_s}.tlog_cosigned (id, size, root, note) VALUES (1, @s, @r, @n)
                ON CONFLICT (id) DO UPDATE SET size = excluded.size, root = excluded.root, note = excluded.note
                WHERE {_s}.tlog_cosigned.size <= excluded.size
                """, c);
            cmd.Parameters.AddWithValue("s", cosigned.Size);
            cmd.Parameters.AddWithValue("r", cosigned.Root.ToArray());
            cmd.Parameters.AddWithValue("n", cosigned.Note);
            return await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }, "writing the cosigned checkpoint").ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_ownsDatabase)
        {
            await _db.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<StoredCheckpoint?> ReadCheckpointAsync(string table, CancellationToken cancellationToken)
    {
        using NpgsqlConnection c = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using NpgsqlCommand cmd = new($"SELECT size, root, note FROM {_s}.{table} WHERE id = 1", c);
            using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await r.ReadAsync(cancellationToken).ConfigureAwait(false)
                ? new StoredCheckpoint(r.GetInt64(0), Hash256.FromBytes((byte[])r.GetValue(1)), (byte[])r.GetValue(2))
                : null;
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName)
        {
            return null;
        }
        catch (NpgsqlException e)
        {
            throw PostgresDatabase.Translate(e, "reading " + table);
        }
    }

    private static async Task<T> Run<T>(Func<Task<T>> action, string during)
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
