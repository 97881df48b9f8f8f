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

    Task PrepareBlobsAsync();
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

    public Task PrepareBlobsAsync() => new SqliteBlobStore(File).CreateSchemaAsync();

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

    public Task PrepareBlobsAsync() => new PostgresBlobStore(_db).CreateSchemaAsync();

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
