using Entente.Transparency;
using Entente.Transparency.Log;
using Npgsql;

namespace Entente.Storage.Postgres.Log;

/// <summary><see cref="IBlobStore"/> on PostgreSQL: table <c>blobs</c> in the database's schema.</summary>
public sealed class PostgresBlobStore(PostgresDatabase database) : IBlobStore
{
    private readonly PostgresDatabase _db = database ?? throw new ArgumentNullException(nameof(database));

    /// <summary>Creates the table if missing.</summary>
    public async Task CreateSchemaAsync(CancellationToken cancellationToken = default)
    {
        using NpgsqlConnection c = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await _db.EnsureSchemaAsync(c, cancellationToken).ConfigureAwait(false);
        using NpgsqlCommand cmd = new($"CREATE TABLE IF NOT EXISTS {_db.Schema}.blobs (sha256 bytea PRIMARY KEY, data bytea NOT NULL)", c);
        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<Hash256> PutAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        Hash256 hash = Hash256.Compute(data.Span);
        using NpgsqlConnection c = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using NpgsqlCommand cmd = new($"INSERT INTO {_db.Schema}.blobs (sha256, data) VALUES (@h, @d) ON CONFLICT (sha256) DO NOTHING", c);
            cmd.Parameters.AddWithValue("h", hash.ToArray());
            cmd.Parameters.AddWithValue("d", data.ToArray());
            await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (NpgsqlException e)
        {
            throw PostgresDatabase.Translate(e, $"storing blob {hash}");
        }

        return hash;
    }

    /// <summary>Reads every blob asked for in one query.</summary>
    public async Task<IReadOnlyList<byte[]?>> GetManyAsync(IReadOnlyList<Hash256> hashes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(hashes);
        byte[]?[] found = new byte[]?[hashes.Count];
        if (found.Length == 0)
        {
            return found;
        }

        using NpgsqlConnection c = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // One round trip: every row asked for, matched back to its places by hash.
            using NpgsqlCommand cmd = new($"SELECT sha256, data FROM {_db.Schema}.blobs WHERE sha256 = ANY(@h)", c);
            cmd.Parameters.AddWithValue("h", hashes.Select(h => h.ToArray()).ToArray());
            Dictionary<Hash256, byte[]> rows = [];
            using (NpgsqlDataReader reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    rows[Hash256.FromBytes((byte[])reader[0])] = (byte[])reader[1];
                }
            }

            for (int i = 0; i < found.Length; i++)
            {
                found[i] = rows.GetValueOrDefault(hashes[i]);
            }
        }
        catch (NpgsqlException e)
        {
            throw PostgresDatabase.Translate(e, $"reading {hashes.Count} blobs");
        }

        return found;
    }

    /// <inheritdoc/>
    public async Task<byte[]?> GetAsync(Hash256 sha256, CancellationToken cancellationToken = default)
    {
        using NpgsqlConnection c = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using NpgsqlCommand cmd = new($"SELECT data FROM {_db.Schema}.blobs WHERE sha256 = @h", c);
            cmd.Parameters.AddWithValue("h", sha256.ToArray());
            return await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as byte[];
        }
        catch (NpgsqlException e)
        {
            throw PostgresDatabase.Translate(e, $"reading blob {sha256}");
        }
    }
}
