using Npgsql;

namespace Entente.Cluster;

/// <summary>
/// The membership of a cluster kept in PostgreSQL, for Orleans' ADO.NET clustering provider. The provider runs
/// named statements that it reads from a table <c>OrleansQuery</c> (its contract: the statement names, their
/// parameters, and the columns of their results); this class creates Entente's own tables and writes Entente's own
/// statements for those names. Every statement that changes the membership also moves the table's version forward
/// only when the caller's version is current, in one statement, which is how the provider orders concurrent changes.
/// </summary>
public static class PostgresMembership
{
    /// <summary>The ADO.NET invariant name of Npgsql.</summary>
    public const string Invariant = "Npgsql";

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS OrleansQuery (
            QueryKey varchar(64) PRIMARY KEY,
            QueryText text NOT NULL);
        CREATE TABLE IF NOT EXISTS entente_cluster_version (
            deployment_id varchar(150) PRIMARY KEY,
            stamp timestamptz(3) NOT NULL DEFAULT now(),
            version integer NOT NULL DEFAULT 0);
        CREATE TABLE IF NOT EXISTS entente_cluster_silo (
            deployment_id varchar(150) NOT NULL REFERENCES entente_cluster_version (deployment_id),
            address varchar(45) NOT NULL,
            port integer NOT NULL,
            generation integer NOT NULL,
            silo_name varchar(150) NOT NULL,
            host_name varchar(150) NOT NULL,
            status integer NOT NULL,
            proxy_port integer,
            suspect_times varchar(8000),
            start_time timestamptz(3) NOT NULL,
            i_am_alive_time timestamptz(3) NOT NULL,
            PRIMARY KEY (deployment_id, address, port, generation));
        """;

    private const string Row = """
        v.deployment_id AS DeploymentId, s.address AS Address, s.port AS Port, s.generation AS Generation,
        s.silo_name AS SiloName, s.host_name AS HostName, s.status AS Status, s.proxy_port AS ProxyPort,
        s.suspect_times AS SuspectTimes, s.start_time AS StartTime,
        s.i_am_alive_time AS IAmAliveTime, v.version AS Version
        """;

    private const string SameSilo = "deployment_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation";

    /// <summary>The provider's statement names and Entente's statement for each.</summary>
    internal static IReadOnlyDictionary<string, string> Statements { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["InsertMembershipVersionKey"] = """
            WITH added AS (
                INSERT INTO entente_cluster_version (deployment_id) VALUES (@DeploymentId)
                ON CONFLICT (deployment_id) DO NOTHING RETURNING 1)
            SELECT count(*)::integer FROM added;
            """,
        ["InsertMembershipKey"] = $"""
            WITH moved AS (
                UPDATE entente_cluster_version SET version = version + 1, stamp = now()
                WHERE deployment_id = @DeploymentId AND version = @Version
                  AND NOT EXISTS (SELECT 1 FROM entente_cluster_silo WHERE {SameSilo})
                RETURNING deployment_id),
            added AS (
                INSERT INTO entente_cluster_silo (deployment_id, address, port, generation, silo_name, host_name, status,
                                                  proxy_port, start_time, i_am_alive_time)
                SELECT deployment_id, @Address, @Port, @Generation, @SiloName, @HostName, @Status,
                       @ProxyPort, @StartTime, @IAmAliveTime FROM moved
                RETURNING 1)
            SELECT count(*)::integer FROM added;
            """,
        ["UpdateMembershipKey"] = $"""
            WITH moved AS (
                UPDATE entente_cluster_version SET version = version + 1, stamp = now()
                WHERE deployment_id = @DeploymentId AND version = @Version
                  AND EXISTS (SELECT 1 FROM entente_cluster_silo WHERE {SameSilo})
                RETURNING deployment_id),
            changed AS (
                UPDATE entente_cluster_silo SET status = @Status, suspect_times = @SuspectTimes,
                       i_am_alive_time = @IAmAliveTime
                WHERE deployment_id IN (SELECT deployment_id FROM moved)
                  AND address = @Address AND port = @Port AND generation = @Generation
                RETURNING 1)
            SELECT count(*)::integer FROM changed;
            """,
        ["UpdateIAmAlivetimeKey"] = $"""
            UPDATE entente_cluster_silo SET i_am_alive_time = @IAmAliveTime WHERE {SameSilo};
            """,
        ["MembershipReadRowKey"] = $"""
            SELECT {Row}
            FROM entente_cluster_version v
            LEFT JOIN entente_cluster_silo s ON s.deployment_id = v.deployment_id
                 AND s.address = @Address AND s.port = @Port AND s.generation = @Generation
            WHERE v.deployment_id = @DeploymentId;
            """,
        ["MembershipReadAllKey"] = $"""
            SELECT {Row}
            FROM entente_cluster_version v
            LEFT JOIN entente_cluster_silo s ON s.deployment_id = v.deployment_id
            WHERE v.deployment_id = @DeploymentId;
            """,
        ["DeleteMembershipTableEntriesKey"] = """
            DELETE FROM entente_cluster_silo WHERE deployment_id = @DeploymentId;
            DELETE FROM entente_cluster_version WHERE deployment_id = @DeploymentId;
            """,
        ["GatewaysQueryKey"] = """
            SELECT address AS Address, proxy_port AS ProxyPort, generation AS Generation
            FROM entente_cluster_silo
            WHERE deployment_id = @DeploymentId AND status = @Status AND proxy_port > 0;
            """,
        ["CleanupDefunctSiloEntriesKey"] = """
            DELETE FROM entente_cluster_silo
            WHERE deployment_id = @DeploymentId AND i_am_alive_time < @IAmAliveTime AND status <> 3;
            """,
    };

    /// <summary>
    /// Creates the membership tables and writes the statements if they are not there (idempotent; silos starting
    /// together take turns under an advisory lock).
    /// </summary>
    public static async Task EnsureTablesAsync(string connectionString, CancellationToken cancellationToken)
    {
        using NpgsqlConnection connection = new(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        using NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        using (NpgsqlCommand gate = new("SELECT pg_advisory_xact_lock(7261746961)", connection, transaction))
        {
            await gate.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        using (NpgsqlCommand schema = new(Schema, connection, transaction))
        {
            await schema.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        foreach ((string key, string text) in Statements)
        {
            using NpgsqlCommand upsert = new(
                "INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES (@key, @text) ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText",
                connection,
                transaction);
            upsert.Parameters.AddWithValue("key", key);
            upsert.Parameters.AddWithValue("text", text);
            await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }
}
