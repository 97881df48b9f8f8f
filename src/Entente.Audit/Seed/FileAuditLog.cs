using System.Globalization;
using System.Text;
using System.Text.Json;
using Entente.Audit.Io;

namespace Entente.Audit.Seed;

/// <summary>
/// An append-only log in a local file, one JSON object per line
/// (<c>{"index":N,"auditId":…,"party":…,"kind":"commit|reveal|dice","payload":"hex","timestamp":"ISO 8601"}</c>),
/// for the CLI workflow until the server's transparency log is wired in. Appends take an exclusive lock on
/// the file, write one line and flush it to disk before returning.
/// </summary>
public sealed class FileAuditLog : IAuditLog
{
    private readonly string _path;
    private readonly TimeProvider _clock;

    /// <summary>Opens (or will create) the log at <paramref name="path"/>.</summary>
    public FileAuditLog(string path, TimeProvider? clock = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        _path = path;
        _clock = clock ?? TimeProvider.System;
    }

    /// <inheritdoc/>
    public async Task<SeedLogRecord> AppendAsync(string auditId, string party, SeedRecordKind kind, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(auditId);
        ArgumentException.ThrowIfNullOrEmpty(party);
        FileStream stream = new(_path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        await using (stream.ConfigureAwait(false))
        {
            byte[] existing = new byte[stream.Length];
            await stream.ReadExactlyAsync(existing, cancellationToken).ConfigureAwait(false);
            List<SeedLogRecord> all = Parse(existing);
            DateTimeOffset now = _clock.GetUtcNow();
            if (all.Count > 0 && now < all[^1].Timestamp)
            {
                now = all[^1].Timestamp;
            }

            SeedLogRecord record = new(auditId, party, kind, payload.ToArray(), all.Count, now);
            byte[] line = Encoding.UTF8.GetBytes(Serialize(record) + "\n");
            stream.Seek(0, SeekOrigin.End);
            await stream.WriteAsync(line, cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            stream.Flush(flushToDisk: true);
            return record;
        }
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<SeedLogRecord>> ReadAsync(string auditId, CancellationToken cancellationToken)
    {
        if (!File.Exists(_path))
        {
            return [];
        }

        byte[] bytes = await File.ReadAllBytesAsync(_path, cancellationToken).ConfigureAwait(false);
        return [.. Parse(bytes).Where(r => r.AuditId == auditId)];
    }

    private static string Serialize(SeedLogRecord r)
    {
        using MemoryStream buffer = new();
        using (Utf8JsonWriter writer = new(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("index", r.LogIndex);
            writer.WriteString("auditId", r.AuditId);
            writer.WriteString("party", r.Party);
            writer.WriteString("kind", r.Kind.ToString().ToLowerInvariant());
            writer.WriteString("payload", Convert.ToHexStringLower(r.Payload.Span));
            writer.WriteString("timestamp", r.Timestamp.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture));
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private List<SeedLogRecord> Parse(byte[] bytes)
    {
        List<SeedLogRecord> records = [];
        string text = Encoding.UTF8.GetString(bytes);
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Length == 0)
            {
                continue;
            }

            try
            {
                using JsonDocument doc = JsonDocument.Parse(lines[i]);
                JsonElement o = doc.RootElement;
                long index = o.GetProperty("index").GetInt64();
                if (index != records.Count)
                {
                    throw new AuditInputException(_path, i + 1, "index", $"Expected index {records.Count}, found {index}: the log has been edited.");
                }

                SeedRecordKind kind = o.GetProperty("kind").GetString() switch
                {
                    "commit" => SeedRecordKind.Commit,
                    "reveal" => SeedRecordKind.Reveal,
                    "dice" => SeedRecordKind.Dice,
                    string other => throw new AuditInputException(_path, i + 1, "kind", $"Unknown kind \"{other}\"."),
                    null => throw new AuditInputException(_path, i + 1, "kind", "Missing kind."),
                };
                records.Add(new SeedLogRecord(
                    o.GetProperty("auditId").GetString() ?? "",
                    o.GetProperty("party").GetString() ?? "",
                    kind,
                    Convert.FromHexString(o.GetProperty("payload").GetString() ?? ""),
                    index,
                    DateTimeOffset.Parse(o.GetProperty("timestamp").GetString() ?? "", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal)));
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or FormatException or InvalidOperationException && e is not AuditInputException)
            {
                throw new AuditInputException(_path, i + 1, "", $"Unreadable log record: {e.Message}");
            }
        }

        return records;
    }
}
