namespace Entente.Audit.Seed;

/// <summary>
/// The log port the seed protocol needs. Contract: <see cref="AppendAsync"/> is durable when it returns and
/// assigns strictly increasing indices and non-decreasing timestamps from the log's clock (never the
/// caller's); <see cref="ReadAsync"/> returns every record of the audit in index order. Records are never
/// changed or removed. The server wires the witnessed transparency log here; the CLI uses
/// <see cref="FileAuditLog"/>.
/// </summary>
public interface IAuditLog
{
    /// <summary>Appends a record and returns it with its index and timestamp.</summary>
    Task<SeedLogRecord> AppendAsync(string auditId, string party, SeedRecordKind kind, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken);

    /// <summary>Every record of the audit, in index order.</summary>
    Task<IReadOnlyList<SeedLogRecord>> ReadAsync(string auditId, CancellationToken cancellationToken);
}
