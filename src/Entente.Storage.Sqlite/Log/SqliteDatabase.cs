using Entente.Transparency.Log;
using Microsoft.Data.Sqlite;

namespace Entente.Storage.Sqlite.Log;

/// <summary>
/// Opens connections to one SQLite file with the settings every store relies on: WAL journal (readers never
/// block the writer), synchronous=FULL (a committed transaction survives power loss), a busy timeout.
/// </summary>
public sealed class SqliteDatabase
{
    /// <summary>Creates the factory for the database file at <paramref name="path"/>.</summary>
    public SqliteDatabase(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = path;
        ConnectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true, Mode = SqliteOpenMode.ReadWriteCreate }.ToString();
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <summary>The connection string used.</summary>
    public string ConnectionString { get; }

    /// <summary>An open connection with the pragmas applied.</summary>
    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        SqliteConnection connection = new(ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            using SqliteCommand pragma = connection.CreateCommand();
            pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000;";
            await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch (SqliteException e)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw Translate(e, "opening the database " + Path);
        }
    }

    /// <summary>Maps a SQLite error to a <see cref="LogStoreException"/> that says whether a retry can help.</summary>
    public static LogStoreException Translate(SqliteException e, string during)
    {
        ArgumentNullException.ThrowIfNull(e);
        // SQLITE_BUSY (5), SQLITE_LOCKED (6), SQLITE_IOERR (10), SQLITE_FULL (13) may clear; the rest will not.
        bool transient = e.SqliteErrorCode is 5 or 6 or 10 or 13;
        return new LogStoreException($"SQLite error while {during}: {e.Message}", transient, e);
    }
}
