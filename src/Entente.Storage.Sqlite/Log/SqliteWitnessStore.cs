using Entente.Transparency;
using Entente.Transparency.Witness;
using Microsoft.Data.Sqlite;

namespace Entente.Storage.Sqlite.Log;

/// <summary><see cref="IWitnessStore"/> on SQLite: table <c>witness_state</c>, one row per origin, updated by a conditional statement.</summary>
public sealed class SqliteWitnessStore : IWitnessStore
{
    private readonly SqliteDatabase _db;

    /// <summary>Creates the store on the database file at <paramref name="path"/>.</summary>
    public SqliteWitnessStore(string path) => _db = new SqliteDatabase(path);

    /// <inheritdoc/>
    public async Task CreateSchemaAsync(CancellationToken cancellationToken = default)
    {
        using SqliteConnection c = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        using SqliteCommand cmd = c.CreateCommand();
        cmd.CommandText = "CREATE TABLE IF NOT EXISTS witness_state (origin TEXT PRIMARY KEY, size INTEGER NOT NULL, root BLOB NOT NULL, note BLOB NOT NULL)";
        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<WitnessState?> GetAsync(string origin, CancellationToken cancellationToken = default)
    {
        using SqliteConnection c = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using SqliteCommand cmd = c.CreateCommand();
            cmd.CommandText = "SELECT size, root, note FROM witness_state WHERE origin = $o";
            cmd.Parameters.AddWithValue("$o", origin);
            using SqliteDataReader r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await r.ReadAsync(cancellationToken).ConfigureAwait(false)
                ? new WitnessState(origin, r.GetInt64(0), Hash256.FromBytes((byte[])r.GetValue(1)), (byte[])r.GetValue(2))
                : null;
        }
        catch (SqliteException e)
        {
            throw SqliteDatabase.Translate(e, $"reading the witness state of {origin}");
        }
    }

    /// <inheritdoc/>
    public async Task<bool> CompareAndSwapAsync(long? expectedSize, WitnessState updated, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(updated);
        using SqliteConnection c = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using SqliteCommand cmd = c.CreateCommand();
            cmd.CommandText = expectedSize is null
                ? "INSERT INTO witness_state (origin, size, root, note) VALUES ($o, $s, $r, $n) ON CONFLICT (origin) DO NOTHING"
                : "UPDATE witness_state SET size = $s, root = $r, note = $n WHERE origin = $o AND size = $e";
            cmd.Parameters.AddWithValue("$o", updated.Origin);
            cmd.Parameters.AddWithValue("$s", updated.Size);
            cmd.Parameters.AddWithValue("$r", updated.Root.ToArray());
            cmd.Parameters.AddWithValue("$n", updated.Note);
            cmd.Parameters.AddWithValue("$e", expectedSize ?? -1);
            return await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }
        catch (SqliteException e)
        {
            throw SqliteDatabase.Translate(e, $"updating the witness state of {updated.Origin}");
        }
    }
}
