using Entente.Transparency;
using Entente.Transparency.Log;
using Microsoft.Data.Sqlite;

namespace Entente.Storage.Sqlite.Log;

/// <summary>
/// <see cref="ILogStore"/> on one SQLite file. Tables: <c>tlog_head</c> (one row: the signed checkpoint, the
/// compare-and-swap target), <c>tlog_entries</c> (index, leaf hash, identity — indexed, unique unless a log from
/// before identities holds repeats — and bytes), <c>tlog_tiles</c> (each tile's latest contents), <c>tlog_cosigned</c>.
/// A commit is one <c>BEGIN IMMEDIATE</c> transaction that first re-reads the head. A file written before entries had
/// identities (entries keyed by a unique leaf hash) gains the identity column, filled from the stored bytes, on the
/// first <see cref="CreateSchemaAsync"/>.
/// </summary>
public sealed class SqliteLogStore : ILogStore
{
    private const int ParameterChunk = 500;
    private readonly SqliteDatabase _db;

    /// <summary>Creates the store on the database file at <paramref name="path"/>.</summary>
    public SqliteLogStore(string path) => _db = new SqliteDatabase(path);

    /// <inheritdoc/>
    public async Task CreateSchemaAsync(CancellationToken cancellationToken = default)
    {
        using SqliteConnection c = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(c, """
            CREATE TABLE IF NOT EXISTS tlog_head (id INTEGER PRIMARY KEY CHECK (id = 1), size INTEGER NOT NULL, root BLOB NOT NULL, note BLOB NOT NULL);
            CREATE TABLE IF NOT EXISTS tlog_cosigned (id INTEGER PRIMARY KEY CHECK (id = 1), size INTEGER NOT NULL, root BLOB NOT NULL, note BLOB NOT NULL);
            CREATE TABLE IF NOT EXISTS tlog_entries (idx INTEGER PRIMARY KEY, leaf_hash BLOB NOT NULL, identity BLOB, data BLOB NOT NULL);
            CREATE TABLE IF NOT EXISTS tlog_tiles (level INTEGER NOT NULL, idx INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (level, idx)) WITHOUT ROWID;
            """, "creating the log schema", cancellationToken).ConfigureAwait(false);
        await MigrateIdentitiesAsync(c, cancellationToken).ConfigureAwait(false);
        try
        {
            await ExecuteAsync(c, "CREATE UNIQUE INDEX IF NOT EXISTS tlog_entries_identity ON tlog_entries (identity)", "indexing entry identities", cancellationToken).ConfigureAwait(false);
        }
        catch (LogStoreException e) when (e.InnerException is SqliteException { SqliteErrorCode: 19 })
        {
            // A log from before identities holds repeats of an identity: index without the constraint (the sequencer
            // still adds none, and FindIdentitiesAsync answers the first).
            await ExecuteAsync(c, "CREATE INDEX IF NOT EXISTS tlog_entries_identity ON tlog_entries (identity)", "indexing entry identities", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Adds and fills the identity column of a table written before entries had identities (once, under the write lock).</summary>
    private static async Task MigrateIdentitiesAsync(SqliteConnection c, CancellationToken cancellationToken)
    {
        try
        {
            if (await HasIdentityColumnAsync(c, null, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            using SqliteTransaction tx = (SqliteTransaction)await c.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            if (await HasIdentityColumnAsync(c, tx, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            using (SqliteCommand alter = c.CreateCommand())
            {
                alter.Transaction = tx;
                alter.CommandText = "ALTER TABLE tlog_entries ADD COLUMN identity BLOB";
                await alter.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            List<(long Index, byte[] Identity)> identities = [];
            using (SqliteCommand read = c.CreateCommand())
            {
                read.Transaction = tx;
                read.CommandText = "SELECT idx, data FROM tlog_entries ORDER BY idx";
                using SqliteDataReader r = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await r.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    identities.Add((r.GetInt64(0), EntryIdentity.Of((byte[])r.GetValue(1)).ToArray()));
                }
            }

            using (SqliteCommand update = c.CreateCommand())
            {
                update.Transaction = tx;
                update.CommandText = "UPDATE tlog_entries SET identity = $h WHERE idx = $i";
                SqliteParameter ph = update.Parameters.Add("$h", SqliteType.Blob);
                SqliteParameter pi = update.Parameters.Add("$i", SqliteType.Integer);
                foreach ((long index, byte[] identity) in identities)
                {
                    (ph.Value, pi.Value) = (identity, index);
                    await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
            }

            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SqliteException e)
        {
            throw SqliteDatabase.Translate(e, "adding identities to the stored entries");
        }
    }

    private static async Task<bool> HasIdentityColumnAsync(SqliteConnection c, SqliteTransaction? tx, CancellationToken cancellationToken)
    {
        using SqliteCommand cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "SELECT count(*) FROM pragma_table_info('tlog_entries') WHERE name = 'identity'";
        return (long)(await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! > 0;
    }

    /// <inheritdoc/>
    public async Task<StoredCheckpoint?> ReadHeadAsync(CancellationToken cancellationToken = default) =>
        await ReadCheckpointAsync("tlog_head", cancellationToken).ConfigureAwait(false);

    /// <inheritdoc/>
    public async Task<StoredCheckpoint?> ReadCosignedAsync(CancellationToken cancellationToken = default) =>
        await ReadCheckpointAsync("tlog_cosigned", cancellationToken).ConfigureAwait(false);

    /// <inheritdoc/>
    public async Task InitializeAsync(StoredCheckpoint first, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(first);
        using SqliteConnection c = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using SqliteCommand cmd = c.CreateCommand();
            cmd.CommandText = "INSERT INTO tlog_head (id, size, root, note) VALUES (1, $size, $root, $note)";
            cmd.Parameters.AddWithValue("$size", first.Size);
            cmd.Parameters.AddWithValue("$root", first.Root.ToArray());
            cmd.Parameters.AddWithValue("$note", first.Note);
            await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 19)
        {
            throw new LogConflictException("The store already holds a log.", e);
        }
        catch (SqliteException e)
        {
            throw SqliteDatabase.Translate(e, "initialising the log");
        }
    }

    /// <inheritdoc/>
    public async Task CommitAsync(LogCommit commit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(commit);
        using SqliteConnection c = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using SqliteTransaction tx = (SqliteTransaction)await c.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            using (SqliteCommand read = c.CreateCommand())
            {
                read.Transaction = tx;
                read.CommandText = "SELECT size, note FROM tlog_head WHERE id = 1";
                using SqliteDataReader r = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                if (!await r.ReadAsync(cancellationToken).ConfigureAwait(false) || r.GetInt64(0) != commit.Expected.Size
                    || !((byte[])r.GetValue(1)).AsSpan().SequenceEqual(commit.Expected.Note))
                {
                    throw new LogConflictException($"The log's checkpoint is no longer the one at size {commit.Expected.Size} this commit extends.");
                }
            }

            using (SqliteCommand insert = c.CreateCommand())
            {
                insert.Transaction = tx;
                insert.CommandText = "INSERT INTO tlog_entries (idx, leaf_hash, identity, data) VALUES ($i, $h, $y, $d)";
                SqliteParameter pi = insert.Parameters.Add("$i", SqliteType.Integer);
                SqliteParameter ph = insert.Parameters.Add("$h", SqliteType.Blob);
                SqliteParameter py = insert.Parameters.Add("$y", SqliteType.Blob);
                SqliteParameter pd = insert.Parameters.Add("$d", SqliteType.Blob);
                foreach (LogEntryRecord e in commit.Entries)
                {
                    pi.Value = e.Index;
                    ph.Value = e.LeafHash.ToArray();
                    py.Value = e.Identity.ToArray();
                    pd.Value = e.Data;
                    await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
            }

            using (SqliteCommand tile = c.CreateCommand())
            {
                tile.Transaction = tx;
                tile.CommandText = "INSERT INTO tlog_tiles (level, idx, data) VALUES ($l, $i, $d) ON CONFLICT (level, idx) DO UPDATE SET data = excluded.data";
                SqliteParameter pl = tile.Parameters.Add("$l", SqliteType.Integer);
                SqliteParameter pi = tile.Parameters.Add("$i", SqliteType.Integer);
                SqliteParameter pd = tile.Parameters.Add("$d", SqliteType.Blob);
                foreach (TileRecord t in commit.Tiles)
                {
                    pl.Value = t.Level;
                    pi.Value = t.Index;
                    pd.Value = t.Data;
                    await tile.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
            }

            if (commit.Blobs.Count > 0)
            {
                // The artifacts with their entries: one transaction, one durable write for the whole batch.
                using SqliteCommand blob = c.CreateCommand();
                blob.Transaction = tx;
                blob.CommandText = "INSERT INTO blobs (sha256, data) VALUES ($h, $d) ON CONFLICT (sha256) DO NOTHING";
                SqliteParameter bh = blob.Parameters.Add("$h", SqliteType.Blob);
                SqliteParameter bd = blob.Parameters.Add("$d", SqliteType.Blob);
                foreach (byte[] data in commit.Blobs)
                {
                    bh.Value = Hash256.Compute(data).ToArray();
                    bd.Value = data;
                    await blob.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
            }

            using (SqliteCommand head = c.CreateCommand())
            {
                head.Transaction = tx;
                head.CommandText = "UPDATE tlog_head SET size = $s, root = $r, note = $n WHERE id = 1";
                head.Parameters.AddWithValue("$s", commit.Next.Size);
                head.Parameters.AddWithValue("$r", commit.Next.Root.ToArray());
                head.Parameters.AddWithValue("$n", commit.Next.Note);
                await head.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SqliteException e)
        {
            throw SqliteDatabase.Translate(e, $"committing entries up to size {commit.Next.Size}");
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

        using SqliteConnection c = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (Hash256[] chunk in identities.Chunk(ParameterChunk))
            {
                using SqliteCommand cmd = c.CreateCommand();
                cmd.CommandText = "SELECT identity, min(idx) FROM tlog_entries WHERE identity IN (" + string.Join(',', chunk.Select((_, i) => "$p" + i)) + ") GROUP BY identity";
                for (int i = 0; i < chunk.Length; i++)
                {
                    cmd.Parameters.AddWithValue("$p" + i, chunk[i].ToArray());
                }

                using SqliteDataReader r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await r.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    found[Hash256.FromBytes((byte[])r.GetValue(0))] = r.GetInt64(1);
                }
            }
        }
        catch (SqliteException e)
        {
            throw SqliteDatabase.Translate(e, "looking up entry identities");
        }

        return found;
    }

    /// <inheritdoc/>
    public async Task<byte[]?> ReadTileAsync(int level, long index, CancellationToken cancellationToken = default)
    {
        using SqliteConnection c = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using SqliteCommand cmd = c.CreateCommand();
            cmd.CommandText = "SELECT data FROM tlog_tiles WHERE level = $l AND idx = $i";
            cmd.Parameters.AddWithValue("$l", level);
            cmd.Parameters.AddWithValue("$i", index);
            return await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as byte[];
        }
        catch (SqliteException e)
        {
            throw SqliteDatabase.Translate(e, $"reading tile {level}/{index}");
        }
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<byte[]>> ReadEntriesAsync(long start, int count, CancellationToken cancellationToken = default)
    {
        List<byte[]> entries = new(count);
        using SqliteConnection c = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using SqliteCommand cmd = c.CreateCommand();
            cmd.CommandText = "SELECT idx, data FROM tlog_entries WHERE idx >= $a AND idx < $b ORDER BY idx";
            cmd.Parameters.AddWithValue("$a", start);
            cmd.Parameters.AddWithValue("$b", start + count);
            using SqliteDataReader r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            long expected = start;
            while (await r.ReadAsync(cancellationToken).ConfigureAwait(false) && r.GetInt64(0) == expected)
            {
                entries.Add((byte[])r.GetValue(1));
                expected++;
            }
        }
        catch (SqliteException e)
        {
            throw SqliteDatabase.Translate(e, $"reading entries from {start}");
        }

        return entries;
    }

    /// <inheritdoc/>
    public async Task<bool> WriteCosignedAsync(StoredCheckpoint cosigned, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cosigned);
        using SqliteConnection c = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using SqliteCommand cmd = c.CreateCommand();
            cmd.CommandText = """
                INSERT INTO tlog_cosigned (id, size, root, note) VALUES (1, $s, $r, $n)
                ON CONFLICT (id) DO UPDATE SET size = excluded.size, root = excluded.root, note = excluded.note
                WHERE tlog_cosigned.size <= excluded.size
                """;
            cmd.Parameters.AddWithValue("$s", cosigned.Size);
            cmd.Parameters.AddWithValue("$r", cosigned.Root.ToArray());
            cmd.Parameters.AddWithValue("$n", cosigned.Note);
            return await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }
        catch (SqliteException e)
        {
            throw SqliteDatabase.Translate(e, "writing the cosigned checkpoint");
        }
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<StoredCheckpoint?> ReadCheckpointAsync(string table, CancellationToken cancellationToken)
    {
        using SqliteConnection c = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using SqliteCommand cmd = c.CreateCommand();
            cmd.CommandText = $"SELECT size, root, note FROM {table} WHERE id = 1";
            using SqliteDataReader r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await r.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            return new StoredCheckpoint(r.GetInt64(0), Hash256.FromBytes((byte[])r.GetValue(1)), (byte[])r.GetValue(2));
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 1 && e.Message.Contains("no such table", StringComparison.Ordinal))
        {
            return null;
        }
        catch (SqliteException e)
        {
            throw SqliteDatabase.Translate(e, "reading " + table);
        }
    }

    private static async Task ExecuteAsync(SqliteConnection c, string sql, string during, CancellationToken cancellationToken)
    {
        try
        {
            using SqliteCommand cmd = c.CreateCommand();
            cmd.CommandText = sql;
            await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SqliteException e)
        {
            throw SqliteDatabase.Translate(e, during);
        }
    }
}
