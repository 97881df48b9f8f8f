using Entente.Exchange.Storage;
using Entente.Storage.Postgres.Exchange;
using Entente.Storage.Postgres.Log;
using Entente.Storage.Sqlite.Exchange;
using Entente.Storage.Sqlite.Log;
using Entente.Transparency.Log;
using Entente.Transparency.Witness;

namespace Entente.Server.Log;

/// <summary>Opens stores from a locator: <c>sqlite:PATH</c> (default) or <c>postgres:CONNECTION STRING</c>.</summary>
public static class StoreLocator
{
    public static (ILogStore Log, IBlobStore Blobs, Func<Task> CreateBlobSchema) OpenLog(string locator, Func<string, string> resolve, string schema = "entente")
    {
        ArgumentNullException.ThrowIfNull(locator);
        ArgumentNullException.ThrowIfNull(resolve);
        if (locator.StartsWith("postgres:", StringComparison.Ordinal))
        {
            PostgresDatabase db = new(locator["postgres:".Length..], schema);
            PostgresBlobStore blobs = new(db);
            return (new PostgresLogStore(db, ownsDatabase: true), blobs, () => blobs.CreateSchemaAsync());
        }

        string path = resolve(locator.StartsWith("sqlite:", StringComparison.Ordinal) ? locator["sqlite:".Length..] : locator);
        SqliteBlobStore sqliteBlobs = new(path);
        return (new SqliteLogStore(path), sqliteBlobs, () => sqliteBlobs.CreateSchemaAsync());
    }

    /// <summary>The replay window of the board's signed requests, in the same database as its log (<paramref name="locator"/>).</summary>
    public static INonceStore OpenNonces(string locator, Func<string, string> resolve, string schema = "entente")
    {
        ArgumentNullException.ThrowIfNull(locator);
        ArgumentNullException.ThrowIfNull(resolve);
        if (locator.StartsWith("postgres:", StringComparison.Ordinal))
        {
            return new PostgresNonceStore(new PostgresDatabase(locator["postgres:".Length..], schema), ownsDatabase: true);
        }

        return new SqliteNonceStore(resolve(locator.StartsWith("sqlite:", StringComparison.Ordinal) ? locator["sqlite:".Length..] : locator));
    }

    /// <summary>
    /// The hosted exchange's store, following the board's (<paramref name="board"/>'s <see cref="LogServerOptions.Store"/>):
    /// on PostgreSQL, table <c>exchange_entries</c> in the board's database and schema; else the SQLite file
    /// <see cref="HostedExchangeOptions.Store"/> in the data folder.
    /// </summary>
    public static async Task<IExchangeStore> OpenExchangeAsync(LogServerOptions board, HostedExchangeOptions exchange, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(board);
        ArgumentNullException.ThrowIfNull(exchange);
        if (board.Store.StartsWith("postgres:", StringComparison.Ordinal))
        {
            PostgresDatabase db = new(board.Store["postgres:".Length..], board.Schema);
            try
            {
                return await PostgresExchangeStore.OpenAsync(db, ownsDatabase: true, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await db.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        return await SqliteExchangeStore.OpenAsync(board.Resolve(exchange.Store), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A mirror's stores, all in one database: its log copy, its artifacts and its pending checkpoint (<c>sqlite:PATH</c>
    /// or <c>postgres:CONNECTION</c>, tables in <paramref name="schema"/>). Dispose the log store to close it.
    /// </summary>
    public static (ILogStore Log, IBlobStore Blobs, IWitnessStore Pending, Func<Task> CreateBlobSchema) OpenMirror(string locator, Func<string, string> resolve, string schema = "entente")
    {
        ArgumentNullException.ThrowIfNull(locator);
        ArgumentNullException.ThrowIfNull(resolve);
        if (locator.StartsWith("postgres:", StringComparison.Ordinal))
        {
            PostgresDatabase db = new(locator["postgres:".Length..], schema);
            PostgresBlobStore blobs = new(db);
            return (new PostgresLogStore(db, ownsDatabase: true), blobs, new PostgresWitnessStore(db), () => blobs.CreateSchemaAsync());
        }

        string path = resolve(locator.StartsWith("sqlite:", StringComparison.Ordinal) ? locator["sqlite:".Length..] : locator);
        SqliteBlobStore sqliteBlobs = new(path);
        return (new SqliteLogStore(path), sqliteBlobs, new SqliteWitnessStore(path), () => sqliteBlobs.CreateSchemaAsync());
    }

    public static IWitnessStore OpenWitness(string locator, Func<string, string> resolve)
    {
        ArgumentNullException.ThrowIfNull(locator);
        ArgumentNullException.ThrowIfNull(resolve);
        if (locator.StartsWith("postgres:", StringComparison.Ordinal))
        {
            return new PostgresWitnessStore(new PostgresDatabase(locator["postgres:".Length..]));
        }

        return new SqliteWitnessStore(resolve(locator.StartsWith("sqlite:", StringComparison.Ordinal) ? locator["sqlite:".Length..] : locator));
    }
}
