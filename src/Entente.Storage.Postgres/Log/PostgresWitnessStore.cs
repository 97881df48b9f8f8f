using Entente.Transparency;
using Entente.Transparency.Witness;
using Npgsql;

namespace Entente.Storage.Postgres.Log;

/// <summary><see cref="IWitnessStore"/> on PostgreSQL: table <c>witness_state</c>, conditional update per origin.</summary>
public sealed class PostgresWitnessStore(PostgresDatabase database) : IWitnessStore
{
    private readonly PostgresDatabase _db = database ?? throw new ArgumentNullException(nameof(database));

    /// <inheritdoc/>
    public async Task CreateSchemaAsync(CancellationToken cancellationToken = default)
    {
        using NpgsqlConnection c = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await _db.EnsureSchemaAsync(c, cancellationToken).ConfigureAwait(false);
        using NpgsqlCommand cmd = new($"CREATE TABLE IF NOT EXISTS {_db.Schema}.witness_state (origin text PRIMARY KEY, size bigint NOT NULL, root bytea NOT NULL, note bytea NOT NULL)", c);
        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<WitnessState?> GetAsync(string origin, CancellationToken cancellationToken = default)
    {
        using NpgsqlConnection c = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using NpgsqlCommand cmd = new($"SELECT size, root, note FROM {_db.Schema}.witness_state WHERE origin = @o", c);
            cmd.Parameters.AddWithValue("o", origin);
            using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await r.ReadAsync(cancellationToken).ConfigureAwait(false)
                ? new WitnessState(origin, r.GetInt64(0), Hash256.FromBytes((byte[])r.GetValue(1)), (byte[])r.GetValue(2))
                : null;
        }
        catch (NpgsqlException e)
        {
            throw PostgresDatabase.Translate(e, $"reading the witness state of {origin}");
        }
    }

    /// <inheritdoc/>
    public async Task<bool> CompareAndSwapAsync(long? expectedSize, WitnessState updated, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(updated);
        using NpgsqlConnection c = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using NpgsqlCommand cmd = new(expectedSize is null
                ? $"INSERT INTO {_db.Schema}.witness_state (origin, size, root, note) VALUES (@o, @s, @r, @n) ON CONFLICT (origin) DO NOTHING"
                : $"UPDATE {_db.Schema}.witness_state SET size = @s, root = @r, note = @n WHERE origin = @o AND size = @e", c);
            cmd.Parameters.AddWithValue("o", updated.Origin);
            cmd.Parameters.AddWithValue("s", updated.Size);
            cmd.Parameters.AddWithValue("r", updated.Root.ToArray());
            cmd.Parameters.AddWithValue("n", updated.Note);
            cmd.Parameters.AddWithValue("e", expectedSize ?? -1);
            return await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }
        catch (NpgsqlException e)
        {
            throw PostgresDatabase.Translate(e, $"updating the witness state of {updated.Origin}");
        }
    }
}
