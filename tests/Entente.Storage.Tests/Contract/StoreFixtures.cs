using Entente.Storage.Postgres.Log;
using Entente.Storage.Sqlite.Log;
using Entente.Transparency.Log;
using Entente.Transparency.Witness;

namespace Entente.Storage.Tests.Contract;

/// <summary>Which backend a contract test class runs on, and how to make a fresh, empty store.</summary>
public interface IStoreBackend : IAsyncDisposable
{
    string Name { get; }

    ILogStore NewLogStore();

    IBlobStore NewBlobStore();

    IWitnessStore NewWitnessStore();

    INonceStore NewNonceStore();

    Task PrepareBlobsAsync();

    /// <summary>
    /// Writes a log in the schema of the stores before entries had identities (entries keyed by leaf hash only), as
    /// an existing deployment holds it: the head, the entries and the tiles.
    /// </summary>
    Task WriteLegacyLogAsync(IReadOnlyList<byte[]> entries, StoredCheckpoint head, IReadOnlyList<TileRecord> tiles);
}

/// <summary>A fresh SQLite file per test class instance, deleted afterwards.</summary>
public sealed class SqliteBackend : IStoreBackend
{
    private readonly string _dir = Directory.CreateTempSubdirectory("entente-store-").FullName;

    public string Name => "SQLite";

    public string File => Path.Combine(_dir, "log.db");

    public ILogStore NewLogStore() => new SqliteLogStore(File);

    public IBlobStore NewBlobStore() => new SqliteBlobStore(File);

    public IWitnessStore NewWitnessStore() => new SqliteWitnessStore(File);

    public INonceStore NewNonceStore() => new SqliteNonceStore(File);

    public Task PrepareBlobsAsync() => new SqliteBlobStore(File).CreateSchemaAsync();

    public async Task WriteLegacyLogAsync(IReadOnlyList<byte[]> entries, StoredCheckpoint head, IReadOnlyList<TileRecord> tiles)
    {
        await using Microsoft.Data.Sqlite.SqliteConnection c = new($"Data Source={File}");
        await c.OpenAsync();
        await using Microsoft.Data.Sqlite.SqliteTransaction tx = (Microsoft.Data.Sqlite.SqliteTransaction)await c.BeginTransactionAsync();
        async Task Run(string sql, params (string Name, object Value)[] parameters)
        {
            await using Microsoft.Data.Sqlite.SqliteCommand cmd = c.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = sql;
            foreach ((string name, object value) in parameters)
            {
                cmd.Parameters.AddWithValue(name, value);
            }

            await cmd.ExecuteNonQueryAsync();
        }

        await Run("""
            CREATE TABLE tlog_head (id INTEGER PRIMARY KEY CHECK (id = 1), size INTEGER NOT NULL, root BLOB NOT NULL, note BLOB NOT NULL);
            CREATE TABLE tlog_cosigned (id INTEGER PRIMARY KEY CHECK (id = 1), size INTEGER NOT NULL, root BLOB NOT NULL, note BLOB NOT NULL);
            CREATE TABLE tlog_entries (idx INTEGER PRIMARY KEY, leaf_hash BLOB NOT NULL UNIQUE, data BLOB NOT NULL);
            CREATE TABLE tlog_tiles (level INTEGER NOT NULL, idx INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (level, idx)) WITHOUT ROWID;
            """);
        await Run("INSERT INTO tlog_head VALUES (1, $s, $r, $n)", ("$s", head.Size), ("$r", head.Root.ToArray()), ("$n", head.Note));
        for (int i = 0; i < entries.Count; i++)
        {
            await Run("INSERT INTO tlog_entries VALUES ($i, $h, $d)", ("$i", (long)i), ("$h", Entente.Transparency.Merkle.Rfc6962.LeafHash(entries[i]).ToArray()), ("$d", entries[i]));
        }

        foreach (TileRecord t in tiles)
        {
            await Run("INSERT INTO tlog_tiles VALUES ($l, $i, $d)", ("$l", t.Level), ("$i", t.Index), ("$d", t.Data));
        }

        await tx.CommitAsync();
    }

    public ValueTask DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// A fresh schema in the PostgreSQL named by ENTENTE_TEST_POSTGRES. Without it the tests skip, except under
/// CI=true, where they fail: a CI run must exercise PostgreSQL.
/// </summary>
public sealed class PostgresBackend : IStoreBackend
{
    private readonly PostgresDatabase _db;

    public PostgresBackend()
    {
        string? cs = ConnectionString();
        _db = new PostgresDatabase(cs!, "t_" + Guid.NewGuid().ToString("N")[..20]);
    }

    public static string? ConnectionString()
    {
        string? cs = Environment.GetEnvironmentVariable("ENTENTE_TEST_POSTGRES");
        if (string.IsNullOrEmpty(cs))
        {
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException("CI=true but ENTENTE_TEST_POSTGRES is not set: the PostgreSQL contract tests must run in CI.");
            }

            Skip.If(true, "ENTENTE_TEST_POSTGRES is not set (scripts/test.sh starts a throwaway PostgreSQL).");
        }

        return cs;
    }

    public string Name => "PostgreSQL";

    public PostgresDatabase Database => _db;

    public ILogStore NewLogStore() => new PostgresLogStore(_db);

    public IBlobStore NewBlobStore() => new PostgresBlobStore(_db);

    public IWitnessStore NewWitnessStore() => new PostgresWitnessStore(_db);

    public INonceStore NewNonceStore() => new PostgresNonceStore(_db);

    public Task PrepareBlobsAsync() => new PostgresBlobStore(_db).CreateSchemaAsync();

    public async Task WriteLegacyLogAsync(IReadOnlyList<byte[]> entries, StoredCheckpoint head, IReadOnlyList<TileRecord> tiles)
    {
        string s = _db.Schema;
        await using Npgsql.NpgsqlConnection c = await _db.DataSource.OpenConnectionAsync();
        await using Npgsql.NpgsqlTransaction tx = await c.BeginTransactionAsync();
        async Task Run(string sql, params (string Name, object Value)[] parameters)
        {
            await using Npgsql.NpgsqlCommand cmd = new(sql, c, tx);
            foreach ((string name, object value) in parameters)
            {
                cmd.Parameters.AddWithValue(name, value);
            }

            await cmd.ExecuteNonQueryAsync();
        }

        await Run($"""
            CREATE SCHEMA IF NOT EXISTS {s};
            CREATE TABLE {s}.tlog_head (id int PRIMARY KEY CHECK (id = 1), size bigint NOT NULL, root bytea NOT NULL, note bytea NOT NULL);
            CREATE TABLE {s}.tlog_cosigned (id int PRIMARY KEY CHECK (id = 1), size bigint NOT NULL, root bytea NOT NULL, note bytea NOT NULL);
            CREATE TABLE {s}.tlog_entries (idx bigint PRIMARY KEY, leaf_hash bytea NOT NULL UNIQUE, data bytea NOT NULL);
            CREATE TABLE {s}.tlog_tiles (level int NOT NULL, idx bigint NOT NULL, data bytea NOT NULL, PRIMARY KEY (level, idx));
            """);
        await Run($"INSERT INTO {s}.tlog_head VALUES (1, @s, @r, @n)", ("s", head.Size), ("r", head.Root.ToArray()), ("n", head.Note));
        for (int i = 0; i < entries.Count; i++)
        {
            await Run($"INSERT INTO {s}.tlog_entries VALUES (@i, @h, @d)", ("i", (long)i), ("h", Entente.Transparency.Merkle.Rfc6962.LeafHash(entries[i]).ToArray()), ("d", entries[i]));
        }

        foreach (TileRecord t in tiles)
        {
            await Run($"INSERT INTO {s}.tlog_tiles VALUES (@l, @i, @d)", ("l", t.Level), ("i", t.Index), ("d", t.Data));
        }

        await tx.CommitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await using Npgsql.NpgsqlConnection c = await _db.DataSource.OpenConnectionAsync();
            await using Npgsql.NpgsqlCommand cmd = new($"DROP SCHEMA IF EXISTS {_db.Schema} CASCADE", c);
            await cmd.ExecuteNonQueryAsync();
        }
        finally
        {
            await _db.DisposeAsync();
        }
    }
}
