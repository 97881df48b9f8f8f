using System.Globalization;
using Entente.Exchange.Storage;
using Entente.Transparency;
using Microsoft.Data.Sqlite;

namespace Entente.Exchange.Sqlite;

/// <summary>
/// <see cref="IExchangeStore"/> on one SQLite file. WAL journal with synchronous=FULL (an append is
/// durable when it returns); each append is one IMMEDIATE transaction that checks the index under
/// the write lock (compare-and-swap) and relies on UNIQUE constraints for signature, (sender, nonce)
/// and (object id, version), so two processes sharing the file keep the contract.
/// </summary>
public sealed class SqliteExchangeStore : IExchangeStore
{
    private const int SchemaVersion = 1;
    private readonly string _connectionString;

    private SqliteExchangeStore(string connectionString) => _connectionString = connectionString;

    /// <summary>Opens (creating if needed) the store at <paramref name="path"/>.</summary>
    public static async Task<SqliteExchangeStore> OpenAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = 30,
        }.ToString();
        SqliteExchangeStore store = new(connectionString);
        await store.InitialiseAsync(cancellationToken).ConfigureAwait(false);
        return store;
    }

    private async Task InitialiseAsync(CancellationToken cancellationToken)
    {
        using SqliteConnection connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = """
            PRAGMA journal_mode=WAL;
            CREATE TABLE IF NOT EXISTS exchange_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
            INSERT OR IGNORE INTO exchange_meta (key, value) VALUES ('schema_version', '1');
            CREATE TABLE IF NOT EXISTS exchange_entries (
                idx INTEGER PRIMARY KEY,
                logged_at TEXT NOT NULL,
                collection TEXT NOT NULL,
                sender TEXT NOT NULL,
                object_id TEXT NOT NULL,
                object_type TEXT NOT NULL,
                object_version TEXT NOT NULL,
                envelope BLOB NOT NULL,
                signature BLOB NOT NULL UNIQUE,
                nonce TEXT NOT NULL,
                leaf_hash BLOB NOT NULL,
                UNIQUE (sender, nonce),
                UNIQUE (object_id, object_version)
            ) STRICT;
            CREATE INDEX IF NOT EXISTS exchange_entries_collection ON exchange_entries (collection, idx);
            CREATE INDEX IF NOT EXISTS exchange_entries_type ON exchange_entries (object_type, idx);
            """;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        command.CommandText = "SELECT value FROM exchange_meta WHERE key = 'schema_version'";
        string? version = (string?)await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        if (version != SchemaVersion.ToString(CultureInfo.InvariantCulture))
        {
            throw new ExchangeStoreException($"The exchange store has schema version {version}; this build reads version {SchemaVersion}.", false);
        }
    }

    private async Task<SqliteConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        SqliteConnection connection = new(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            using SqliteCommand pragma = connection.CreateCommand();
            pragma.CommandText = "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000;";
            await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch (SqliteException e)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw Translate(e, "open");
        }
    }

    /// <inheritdoc />
    public async Task<long> CountAsync(CancellationToken cancellationToken = default)
    {
        using SqliteConnection connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await CountAsync(connection, null, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<long> CountAsync(SqliteConnection connection, SqliteTransaction? transaction, CancellationToken cancellationToken)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT COALESCE(MAX(idx) + 1, 0) FROM exchange_entries";
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <inheritdoc />
    public async Task AppendAsync(ExchangeEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        using SqliteConnection connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using SqliteCommand begin = connection.CreateCommand();
            begin.CommandText = "BEGIN IMMEDIATE";
            await begin.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            bool committed = false;
            try
            {
                long count = await CountAsync(connection, null, cancellationToken).ConfigureAwait(false);
                if (entry.Index != count)
                {
                    throw new ExchangeStoreConflictException(ExchangeConflict.IndexTaken, $"Index {entry.Index} is not the next index {count}.");
                }

                using SqliteCommand insert = connection.CreateCommand();
                insert.CommandText = """
                    INSERT INTO exchange_entries (idx, logged_at, collection, sender, object_id, object_type, object_version, envelope, signature, nonce, leaf_hash)
                    VALUES ($idx, $logged_at, $collection, $sender, $object_id, $object_type, $object_version, $envelope, $signature, $nonce, $leaf_hash)
                    """;
                insert.Parameters.AddWithValue("$idx", entry.Index);
                insert.Parameters.AddWithValue("$logged_at", entry.LoggedAtText);
                insert.Parameters.AddWithValue("$collection", entry.Collection);
                insert.Parameters.AddWithValue("$sender", entry.Sender);
                insert.Parameters.AddWithValue("$object_id", entry.ObjectId);
                insert.Parameters.AddWithValue("$object_type", entry.ObjectType);
                insert.Parameters.AddWithValue("$object_version", entry.ObjectVersion ?? "-");
                insert.Parameters.AddWithValue("$envelope", entry.Envelope);
                insert.Parameters.AddWithValue("$signature", entry.Signature);
                insert.Parameters.AddWithValue("$nonce", entry.Nonce);
                insert.Parameters.AddWithValue("$leaf_hash", entry.LeafHash.ToArray());
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                using SqliteCommand commit = connection.CreateCommand();
                commit.CommandText = "COMMIT";
                await commit.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                committed = true;
            }
            finally
            {
                if (!committed)
                {
                    using SqliteCommand rollback = connection.CreateCommand();
                    rollback.CommandText = "ROLLBACK";
                    await rollback.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
                }
            }
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 19) // SQLITE_CONSTRAINT
        {
            string message = e.Message;
            ExchangeConflict conflict =
                message.Contains("exchange_entries.signature", StringComparison.Ordinal) ? ExchangeConflict.DuplicateSignature
                : message.Contains("exchange_entries.nonce", StringComparison.Ordinal) ? ExchangeConflict.DuplicateNonce
                : message.Contains("exchange_entries.object_id", StringComparison.Ordinal) ? ExchangeConflict.DuplicateVersion
                : ExchangeConflict.IndexTaken;
            throw new ExchangeStoreConflictException(conflict, conflict switch
            {
                ExchangeConflict.DuplicateSignature => "That signature is already stored.",
                ExchangeConflict.DuplicateNonce => "That sender already used that nonce.",
                ExchangeConflict.DuplicateVersion => $"{entry.ObjectId} {entry.ObjectVersion ?? "-"} is already stored.",
                _ => $"Index {entry.Index} is taken.",
            });
        }
        catch (SqliteException e)
        {
            throw Translate(e, "append");
        }
    }

    /// <inheritdoc />
    public async Task<ExchangeEntry?> GetAsync(long index, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<ExchangeEntry> found = await QueryAsync("WHERE idx = $a", index, null, 1, cancellationToken).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ExchangeEntry>> ReadRangeAsync(long start, int limit, CancellationToken cancellationToken = default) =>
        QueryAsync("WHERE idx >= $a", start, null, limit, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<ExchangeEntry>> ReadCollectionAsync(string collection, long afterIndex, int limit, CancellationToken cancellationToken = default) =>
        QueryAsync("WHERE idx > $a AND collection = $b", afterIndex, collection, limit, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<ExchangeEntry>> FindByObjectIdAsync(string objectId, CancellationToken cancellationToken = default) =>
        QueryAsync("WHERE object_id = $b", null, objectId, int.MaxValue, cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<ExchangeEntry>> FindByTypesAsync(IReadOnlyCollection<string> objectTypes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(objectTypes);
        List<ExchangeEntry> all = [];
        foreach (string type in objectTypes.Distinct(StringComparer.Ordinal))
        {
            all.AddRange(await QueryAsync("WHERE object_type = $b", null, type, int.MaxValue, cancellationToken).ConfigureAwait(false));
        }

        all.Sort((x, y) => x.Index.CompareTo(y.Index));
        return all;
    }

    /// <inheritdoc />
    public async Task<ExchangeEntry?> FindBySignatureAsync(ReadOnlyMemory<byte> signature, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<ExchangeEntry> found = await QueryAsync("WHERE signature = $b", null, signature.ToArray(), 1, cancellationToken).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    /// <inheritdoc />
    public async Task<bool> NonceUsedAsync(string sender, string nonce, CancellationToken cancellationToken = default)
    {
        using SqliteConnection connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "SELECT 1 FROM exchange_entries WHERE sender = $s AND nonce = $n LIMIT 1";
        command.Parameters.AddWithValue("$s", sender);
        command.Parameters.AddWithValue("$n", nonce);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<Hash256>> ReadLeafHashesAsync(long start, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        using SqliteConnection connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "SELECT leaf_hash FROM exchange_entries WHERE idx >= $a ORDER BY idx LIMIT $l";
        command.Parameters.AddWithValue("$a", start);
        command.Parameters.AddWithValue("$l", limit);
        List<Hash256> leaves = [];
        using SqliteDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            leaves.Add(Hash256.FromBytes((byte[])reader[0]));
        }

        return leaves;
    }

    private async Task<IReadOnlyList<ExchangeEntry>> QueryAsync(string where, long? a, object? b, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        try
        {
            using SqliteConnection connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            using SqliteCommand command = connection.CreateCommand();
            command.CommandText = "SELECT idx, logged_at, collection, sender, object_id, object_type, object_version, envelope, signature, nonce, leaf_hash FROM exchange_entries "
                                  + where + " ORDER BY idx LIMIT $l";
            if (a is not null)
            {
                command.Parameters.AddWithValue("$a", a.Value);
            }

            if (b is not null)
            {
                command.Parameters.AddWithValue("$b", b);
            }

            command.Parameters.AddWithValue("$l", limit);
            List<ExchangeEntry> entries = [];
            using SqliteDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
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

            return entries;
        }
        catch (SqliteException e)
        {
            throw Translate(e, "read");
        }
    }

    private static ExchangeStoreException Translate(SqliteException e, string operation)
    {
        bool transient = e.SqliteErrorCode is 5 or 6; // SQLITE_BUSY, SQLITE_LOCKED
        return new ExchangeStoreException($"SQLite {operation} failed: {e.Message}", transient, e);
    }
}
