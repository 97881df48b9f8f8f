using Entente.Transparency.Log;
using Npgsql;

namespace Entente.Storage.Postgres.Log;

/// <summary>
/// A PostgreSQL database and schema holding Entente's tables. Commits are synchronous (the server default),
/// so a returned write is durable. The schema name isolates logs sharing one database.
/// </summary>
public sealed class PostgresDatabase : IAsyncDisposable
{
    /// <summary>Creates the factory; <paramref name="schema"/> must be a plain lowercase identifier.</summary>
    public PostgresDatabase(string connectionString, string schema = "entente")
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        if (string.IsNullOrEmpty(schema) || schema.Length > 63 || !schema.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_') || char.IsAsciiDigit(schema[0]))
        {
            throw new ArgumentException("The schema is a lowercase identifier (a-z, 0-9, _).", nameof(schema));
        }

        Schema = schema;
        DataSource = NpgsqlDataSource.Create(connectionString);
    }

    /// <summary>The schema name (safe to splice into SQL: checked above).</summary>
    public string Schema { get; }

    /// <summary>The pooled data source.</summary>
    public NpgsqlDataSource DataSource { get; }

    /// <summary>An open connection.</summary>
    public async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (NpgsqlException e)
        {
            throw Translate(e, "connecting to PostgreSQL");
        }
    }

    /// <summary>Creates the schema if missing.</summary>
    public async Task EnsureSchemaAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using NpgsqlCommand cmd = new($"CREATE SCHEMA IF NOT EXISTS {Schema}", connection);
        try
        {
            await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState == "23505" || e.SqlState == "42P06")
        {
            // A concurrent CREATE SCHEMA IF NOT EXISTS won the race: the schema exists.
        }
    }

    /// <summary>Maps a PostgreSQL error to a <see cref="LogStoreException"/> saying whether a retry can help.</summary>
    public static LogStoreException Translate(NpgsqlException e, string during)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new LogStoreException($"PostgreSQL error while {during}: {e.Message}", e.IsTransient, e);
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
