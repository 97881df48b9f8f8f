using Entente.Storage.Postgres.Log;
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
