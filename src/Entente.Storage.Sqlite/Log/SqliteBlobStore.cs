using Entente.Transparency;
using Entente.Transparency.Log;
using Microsoft.Data.Sqlite;

namespace Entente.Storage.Sqlite.Log;

/// <summary>
/// <see cref="IBlobStore"/> on SQLite: table <c>blobs</c> (sha256, bytes), a rowid table with a unique index on sha256,
/// so that artifacts are laid out in the order they are stored: a batch of ballots appends to the table's last pages,
/// and only the small index entries land at random places. A table keyed by SHA-256 (<c>WITHOUT ROWID</c>, the layout
/// of stores created before 7 December 2026) put each insert of a kilobyte-sized row on a random page, read and
/// rewritten whole in the WAL; such a table is left as it is and keeps working, since every statement here addresses
/// blobs by sha256 alone (docs/benchmarks-server.md, "The blob table in storage order").
/// </summary>
public sealed class SqliteBlobStore : IBlobStore
{
    private readonly SqliteDatabase _db;

    /// <summary>Creates the store on the database file at <paramref name="path"/>.</summary>
    public SqliteBlobStore(string path) => _db = new SqliteDatabase(path);

    /// <summary>Creates the table if missing (an existing one keeps its layout).</summary>
    public async Task CreateSchemaAsync(CancellationToken cancellationToken = default)
    {
        using SqliteConnection c = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        using SqliteCommand cmd = c.CreateCommand();
        cmd.CommandText = "CREATE TABLE IF NOT EXISTS blobs (sha256 BLOB NOT NULL UNIQUE, data BLOB NOT NULL)";
        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<Hash256> PutAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        Hash256 hash = Hash256.Compute(data.Span);
        using SqliteConnection c = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using SqliteCommand cmd = c.CreateCommand();
            cmd.CommandText = "INSERT INTO blobs (sha256, data) VALUES ($h, $d) ON CONFLICT (sha256) DO NOTHING";
            cmd.Parameters.AddWithValue("$h", hash.ToArray());
            cmd.Parameters.AddWithValue("$d", data.ToArray());
            await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SqliteException e)
        {
            throw SqliteDatabase.Translate(e, $"storing blob {hash}");
        }

        return hash;
    }

    /// <summary>Stores every blob in one transaction (one durable commit).</summary>
    public async Task PutManyAsync(IReadOnlyList<ReadOnlyMemory<byte>> blobs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        if (blobs.Count == 0)
        {
            return;
        }

        using SqliteConnection c = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using SqliteTransaction tx = c.BeginTransaction();
            using SqliteCommand cmd = c.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = "INSERT INTO blobs (sha256, data) VALUES ($h, $d) ON CONFLICT (sha256) DO NOTHING";
            SqliteParameter h = cmd.Parameters.Add("$h", SqliteType.Blob);
            SqliteParameter d = cmd.Parameters.Add("$d", SqliteType.Blob);
            foreach (ReadOnlyMemory<byte> blob in blobs)
            {
                h.Value = Hash256.Compute(blob.Span).ToArray();
                d.Value = blob.ToArray();
                await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SqliteException e)
        {
            throw SqliteDatabase.Translate(e, $"storing {blobs.Count} blobs");
        }
    }

    /// <summary>Reads every blob asked for on one connection, with one prepared statement.</summary>
    public async Task<IReadOnlyList<byte[]?>> GetManyAsync(IReadOnlyList<Hash256> hashes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(hashes);
        byte[]?[] found = new byte[]?[hashes.Count];
        if (found.Length == 0)
        {
            return found;
        }

        using SqliteConnection c = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using SqliteCommand cmd = c.CreateCommand();
            cmd.CommandText = "SELECT data FROM blobs WHERE sha256 = $h";
            SqliteParameter h = cmd.Parameters.Add("$h", SqliteType.Blob);
            for (int i = 0; i < found.Length; i++)
            {
                h.Value = hashes[i].ToArray();
                found[i] = await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as byte[];
            }
        }
        catch (SqliteException e)
        {
            throw SqliteDatabase.Translate(e, $"reading {hashes.Count} blobs");
        }

        return found;
    }

    /// <inheritdoc/>
    public async Task<byte[]?> GetAsync(Hash256 sha256, CancellationToken cancellationToken = default)
    {
        using SqliteConnection c = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using SqliteCommand cmd = c.CreateCommand();
            cmd.CommandText = "SELECT data FROM blobs WHERE sha256 = $h";
            cmd.Parameters.AddWithValue("$h", sha256.ToArray());
            return await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as byte[];
        }
        catch (SqliteException e)
        {
            throw SqliteDatabase.Translate(e, $"reading blob {sha256}");
        }
    }
}
