using System.Globalization;
using System.Runtime.CompilerServices;
using Entente.Exchange.Storage;
using Entente.Storage.Postgres.Log;
using Entente.Transparency;
using Npgsql;
using NpgsqlTypes;

namespace Entente.Storage.Postgres.Exchange;

/// <summary>
/// <see cref="IExchangeStore"/> on PostgreSQL, in the schema of a <see cref="PostgresDatabase"/> (the board's, when
/// <c>entente serve --postgres</c> hosts the exchange): table <c>exchange_entries</c>. Each append is one transaction
/// that takes the table's write lock (<c>SHARE ROW EXCLUSIVE</c>: readers go on, writers queue), checks the index
/// (compare-and-swap on the size) and inserts; UNIQUE constraints enforce signature, (sender, nonce) and (object id,
/// version), so several processes sharing the database keep the contract. Commits are synchronous: an append is
/// durable when it returns.
/// </summary>
public sealed class PostgresExchangeStore : IExchangeStore, IAsyncDisposable, IDisposable
{
    private const string Columns = "idx, logged_at, collection, sender, object_id, object_type, object_version, envelope, signature, nonce, leaf_hash";
    private readonly PostgresDatabase _db;
    private readonly bool _ownsDatabase;
    private readonly string _s;

    private PostgresExchangeStore(PostgresDatabase database, bool ownsDatabase)
    {
        _db = database;
        _ownsDatabase = ownsDatabase;
        _s = database.Schema;
    }

    /// <summary>Opens (creating the tables if needed) the store in <paramref name="database"/>, which it disposes when <paramref name="ownsDatabase"/>.</summary>
    public static async Task<PostgresExchangeStore> OpenAsync(PostgresDatabase database, bool ownsDatabase = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(database);
        PostgresExchangeStore store = new(database, ownsDatabase);
        await store.RunAsync(async c =>
        {
            await database.EnsureSchemaAsync(c, cancellationToken).ConfigureAwait(false);
            using NpgsqlCommand create = new($"""
                CREATE TABLE IF NOT EXISTS {store._s}.exchange_entries (
                    idx bigint PRIMARY KEY,
                    logged_at text NOT NULL,
                    collection text NOT NULL,
                    sender text NOT NULL,
                    object_id text NOT NULL,
                    object_type text NOT NULL,
                    object_version text NOT NULL,
                    envelope bytea NOT NULL,
                    signature bytea NOT NULL CONSTRAINT exchange_entries_signature UNIQUE,
                    nonce text NOT NULL,
                    leaf_hash bytea NOT NULL,
                    CONSTRAINT exchange_entries_nonce UNIQUE (sender, nonce),
                    CONSTRAINT exchange_entries_version UNIQUE (object_id, object_version));
                CREATE INDEX IF NOT EXISTS exchange_entries_collection ON {store._s}.exchange_entries (collection, idx);
                CREATE INDEX IF NOT EXISTS exchange_entries_type ON {store._s}.exchange_entries (object_type, idx);
                """, c);
            try
            {
                await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException e) when (e.SqlState is "23505" or "42P07")
            {
                // A concurrent CREATE … IF NOT EXISTS won the race: the table exists.
            }

            return 0;
        }, "creating the exchange tables", cancellationToken).ConfigureAwait(false);
        return store;
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
    public void Dispose()
    {
        if (_ownsDatabase)
        {
            _db.DataSource.Dispose();
        }
    }

    /// <inheritdoc/>
    public Task<long> CountAsync(CancellationToken cancellationToken = default) =>
        RunAsync(c => CountAsync(c, cancellationToken), "counting exchange entries", cancellationToken);

    private async Task<long> CountAsync(NpgsqlConnection c, CancellationToken cancellationToken)
    {
        using NpgsqlCommand cmd = new($"SELECT COALESCE(MAX(idx) + 1, 0) FROM {_s}.exchange_entries", c);
        return (long)(await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <inheritdoc/>
    public async Task AppendAsync(ExchangeEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        try
        {
            await RunAsync(async c =>
            {
                NpgsqlTransaction tx = await c.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await using ConfiguredAsyncDisposable disposeTx = tx.ConfigureAwait(false);
                using (NpgsqlCommand lockTable = new($"LOCK TABLE {_s}.exchange_entries IN SHARE ROW EXCLUSIVE MODE", c, tx))
                {
                    await lockTable.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                long count = await CountAsync(c, cancellationToken).ConfigureAwait(false);
                if (entry.Index != count)
                {
                    throw new ExchangeStoreConflictException(ExchangeConflict.IndexTaken, $"Index {entry.Index} is not the next index {count}.");
                }

                using NpgsqlCommand insert = new($"INSERT INTO {_s}.exchange_entries ({Columns}) VALUES (@idx, @logged_at, @collection, @sender, @object_id, @object_type, @object_version, @envelope, @signature, @nonce, @leaf_hash)", c, tx);
                insert.Parameters.AddWithValue("idx", entry.Index);
                insert.Parameters.AddWithValue("logged_at", entry.LoggedAtText);
                insert.Parameters.AddWithValue("collection", entry.Collection);
                insert.Parameters.AddWithValue("sender", entry.Sender);
                insert.Parameters.AddWithValue("object_id", entry.ObjectId);
                insert.Parameters.AddWithValue("object_type", entry.ObjectType);
                insert.Parameters.AddWithValue("object_version", entry.ObjectVersion ?? "-");
                insert.Parameters.Add(new NpgsqlParameter<byte[]>("envelope", NpgsqlDbType.Bytea) { TypedValue = entry.Envelope.ToArray() });
                insert.Parameters.Add(new NpgsqlParameter<byte[]>("signature", NpgsqlDbType.Bytea) { TypedValue = entry.Signature.ToArray() });
                insert.Parameters.AddWithValue("nonce", entry.Nonce);
                insert.Parameters.Add(new NpgsqlParameter<byte[]>("leaf_hash", NpgsqlDbType.Bytea) { TypedValue = entry.LeafHash.ToArray() });
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
                return 0;
            }, "appending an exchange entry", cancellationToken).ConfigureAwait(false);
        }
        catch (ExchangeStoreException e) when (e.InnerException is PostgresException { SqlState: "23505" } unique)
        {
            ExchangeConflict conflict = unique.ConstraintName switch
            {
                "exchange_entries_signature" => ExchangeConflict.DuplicateSignature,
                "exchange_entries_nonce" => ExchangeConflict.DuplicateNonce,
                "exchange_entries_version" => ExchangeConflict.DuplicateVersion,
                _ => ExchangeConflict.IndexTaken,
            };
            throw new ExchangeStoreConflictException(conflict, conflict switch
            {
                ExchangeConflict.DuplicateSignature => "That signature is already stored.",
                ExchangeConflict.DuplicateNonce => "That sender already used that nonce.",
                ExchangeConflict.DuplicateVersion => $"{entry.ObjectId} {entry.ObjectVersion ?? "-"} is already stored.",
                _ => $"Index {entry.Index} is taken.",
            });
        }
    }

    /// <inheritdoc/>
    public async Task<ExchangeEntry?> GetAsync(long index, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<ExchangeEntry> found = await QueryAsync("WHERE idx = @a", index, null, 1, cancellationToken).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<ExchangeEntry>> ReadRangeAsync(long start, int limit, CancellationToken cancellationToken = default) =>
        QueryAsync("WHERE idx >= @a", start, null, limit, cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<ExchangeEntry>> ReadCollectionAsync(string collection, long afterIndex, int limit, CancellationToken cancellationToken = default) =>
        QueryAsync("WHERE idx > @a AND collection = @b", afterIndex, collection, limit, cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<ExchangeEntry>> FindByObjectIdAsync(string objectId, CancellationToken cancellationToken = default) =>
        QueryAsync("WHERE object_id = @b", null, objectId, int.MaxValue, cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<ExchangeEntry>> FindByTypesAsync(IReadOnlyCollection<string> objectTypes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(objectTypes);
        return QueryAsync("WHERE object_type = ANY(@b)", null, objectTypes.Distinct(StringComparer.Ordinal).ToArray(), int.MaxValue, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<ExchangeEntry?> FindBySignatureAsync(ReadOnlyMemory<byte> signature, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<ExchangeEntry> found = await QueryAsync("WHERE signature = @b", null, signature.ToArray(), 1, cancellationToken).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    /// <inheritdoc/>
    public Task<bool> NonceUsedAsync(string sender, string nonce, CancellationToken cancellationToken = default) =>
        RunAsync(async c =>
        {
            using NpgsqlCommand cmd = new($"SELECT 1 FROM {_s}.exchange_entries WHERE sender = @s AND nonce = @n LIMIT 1", c);
            cmd.Parameters.AddWithValue("s", sender);
            cmd.Parameters.AddWithValue("n", nonce);
            return await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null;
        }, "reading exchange nonces", cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<Hash256>> ReadLeafHashesAsync(long start, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        return RunAsync(async c =>
        {
            using NpgsqlCommand cmd = new($"SELECT leaf_hash FROM {_s}.exchange_entries WHERE idx >= @a ORDER BY idx LIMIT @l", c);
            cmd.Parameters.AddWithValue("a", start);
            cmd.Parameters.AddWithValue("l", (long)limit);
            List<Hash256> leaves = [];
            using NpgsqlDataReader reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                leaves.Add(Hash256.FromBytes((byte[])reader[0]));
            }

            return (IReadOnlyList<Hash256>)leaves;
        }, "reading exchange leaf hashes", cancellationToken);
    }

    private Task<IReadOnlyList<ExchangeEntry>> QueryAsync(string where, long? a, object? b, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        return RunAsync(async c =>
        {
            using NpgsqlCommand cmd = new($"SELECT {Columns} FROM {_s}.exchange_entries {where} ORDER BY idx LIMIT @l", c);
            if (a is not null)
            {
                cmd.Parameters.AddWithValue("a", a.Value);
            }

            if (b is not null)
            {
                cmd.Parameters.AddWithValue("b", b);
            }

            cmd.Parameters.AddWithValue("l", (long)limit);
            List<ExchangeEntry> entries = [];
            using NpgsqlDataReader reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                string version = reader.GetString(6);
                ExchangeEntry entry = new(
                    reader.GetInt64(0),
                    DateTimeOffset.Parse(reader.GetString(1), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal),
                    reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5),
                    version == "-" ? null : version,
                    (byte[])reader[7], (byte[])reader[8], reader.GetString(9));
                if (!entry.LeafHash.Span.SequenceEqual((byte[])reader[10]))
                {
                    throw new ExchangeStoreException($"Entry {entry.Index} does not match its stored leaf hash: the store is corrupt.", false);
                }

                entries.Add(entry);
            }

            return (IReadOnlyList<ExchangeEntry>)entries;
        }, "reading exchange entries", cancellationToken);
    }

    private async Task<T> RunAsync<T>(Func<NpgsqlConnection, Task<T>> action, string during, CancellationToken cancellationToken)
    {
        NpgsqlConnection c;
        try
        {
            c = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Entente.Transparency.Log.LogStoreException e)
        {
            throw new ExchangeStoreException(e.Message, e.IsTransient, e);
        }

        await using (c.ConfigureAwait(false))
        {
            try
            {
                return await action(c).ConfigureAwait(false);
            }
            catch (NpgsqlException e)
            {
                throw new ExchangeStoreException($"PostgreSQL error while {during}: {e.Message}", e.IsTransient || e.SqlState is "40001" or "40P01", e);
            }
        }
    }
}
