using System.Text;
using Entente.Storage.Sqlite.Log;
using Entente.Transparency;
using Entente.Transparency.Log;
using Microsoft.Data.Sqlite;

namespace Entente.Storage.Tests.Contract;

/// <summary>
/// The SQLite blob table's layout: a new store keeps its artifacts in the order they are stored (a rowid table with a
/// unique SHA-256 index, so that a batch of ballots appends to the end of the table instead of landing on random pages
/// of a table keyed by SHA-256), and a store written with the earlier layout (<c>WITHOUT ROWID</c>, keyed by SHA-256)
/// keeps working unchanged, since every statement addresses blobs by their SHA-256 only.
/// </summary>
public sealed class SqliteBlobLayoutTests : IAsyncDisposable
{
    private readonly SqliteBackend _backend = new();

    public ValueTask DisposeAsync() => _backend.DisposeAsync();

    private static byte[][] Artifacts(string prefix, int n) => [.. Enumerable.Range(0, n).Select(i => Encoding.UTF8.GetBytes($"{prefix} {i}"))];

    private async Task<List<byte[]>> ColumnAsync(string sql)
    {
        await using SqliteConnection c = new($"Data Source={_backend.File}");
        await c.OpenAsync();
        await using SqliteCommand cmd = c.CreateCommand();
        cmd.CommandText = sql;
        List<byte[]> values = [];
        await using SqliteDataReader r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
        {
            values.Add((byte[])r.GetValue(0));
        }

        return values;
    }

    [Fact]
    public async Task A_new_store_keeps_artifacts_in_the_order_stored_and_each_once()
    {
        SqliteBlobStore blobs = new(_backend.File);
        await blobs.CreateSchemaAsync();
        byte[][] first = Artifacts("ballot", 50);
        byte[][] second = Artifacts("late ballot", 20);
        await blobs.PutManyAsync([.. first.Select(b => (ReadOnlyMemory<byte>)b)]);
        await blobs.PutManyAsync([.. second.Concat(first.Take(5)).Select(b => (ReadOnlyMemory<byte>)b)]);
        await blobs.PutAsync(first[7]);

        // In rowid order, which is the table's order on disk: each artifact once, in the order first stored.
        List<byte[]> stored = await ColumnAsync("SELECT sha256 FROM blobs ORDER BY rowid");
        Assert.Equal([.. first.Concat(second).Select(b => Hash256.Compute(b).ToHex())], stored.Select(h => Convert.ToHexStringLower(h)));
        Assert.Equal(second[3], await blobs.GetCheckedAsync(Hash256.Compute(second[3])));
    }

    [Fact]
    public async Task A_store_with_the_earlier_layout_is_left_as_it_is_and_keeps_storing_and_reading()
    {
        await using (SqliteConnection c = new($"Data Source={_backend.File}"))
        {
            await c.OpenAsync();
            await using SqliteCommand create = c.CreateCommand();
            create.CommandText = "CREATE TABLE blobs (sha256 BLOB PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID";
            await create.ExecuteNonQueryAsync();
        }

        SqliteBlobStore blobs = new(_backend.File);
        await blobs.CreateSchemaAsync();
        byte[][] artifacts = Artifacts("ballot", 30);
        await blobs.PutManyAsync([.. artifacts.Select(b => (ReadOnlyMemory<byte>)b)]);
        await blobs.PutManyAsync([.. artifacts.Take(10).Select(b => (ReadOnlyMemory<byte>)b)]);
        Assert.Equal(Hash256.Compute(artifacts[3]), await blobs.PutAsync(artifacts[3]));

        // Still the earlier table (no rowid), each artifact once, every one read back.
        List<byte[]> schema = await ColumnAsync("SELECT CAST(sql AS BLOB) FROM sqlite_master WHERE name = 'blobs'");
        Assert.Contains("WITHOUT ROWID", Encoding.UTF8.GetString(Assert.Single(schema)), StringComparison.Ordinal);
        Assert.Equal(30, (await ColumnAsync("SELECT sha256 FROM blobs")).Count);
        IReadOnlyList<byte[]?> read = await blobs.GetManyAsync([.. artifacts.Select(a => Hash256.Compute(a))]);
        Assert.Equal(artifacts, read);
    }
}
