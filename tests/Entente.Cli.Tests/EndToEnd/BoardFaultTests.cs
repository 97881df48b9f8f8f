using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Entente.Cli.Tests.Election;
using Entente.Election.Record;
using Microsoft.Data.Sqlite;
using static Entente.Cli.Tests.Election.BoardSteps;

namespace Entente.Cli.Tests.EndToEnd;

/// <summary>
/// Faults of the multi-process unit (issue #13, "Tests"): the board killed (SIGKILL) while a device streams its ballots
/// and restarted on the same data folder, and an artifact altered in the board's store, caught by <c>record fetch</c>.
/// A witness killed and restarted mid-election is in <see cref="BoardEndToEndTests"/>. On the tiny group.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class BoardFaultTests
{
    // Enough that the board is killed mid-stream even when the device runs alone on the machine: a device sends the ballots
    // that wait for an upload slot in batches of up to 64, and 150 were all posted before the kill in a clean-clone CI run.
    private const int BallotCount = 1000;

    /// <summary>Ballot b (0-based) votes for A, B or C in turn, on the mayor-only style.</summary>
    private static string ManyBallots() =>
        "{\"ballots\":[" + string.Join(",", Enumerable.Range(0, BallotCount).Select(b => $"{{\"style\":\"mayor only\",\"selections\":{{\"Mayor\":{{\"{"ABC"[b % 3]}\":1}}}}}}")) + "]}";

    [Fact]
    public async Task The_board_killed_mid_ballot_stream_keeps_every_acknowledged_ballot_once_and_the_device_run_again_completes_without_doubling_anything()
    {
        using BoardProcess board = await BoardProcess.StartAsync(witnesses: 1);
        await CeremonyAsync(board);
        string ballots = board.File("ballots.json");
        await File.WriteAllTextAsync(ballots, ManyBallots());
        string[] encrypt = ["encrypt", "--ballots", ballots, .. On(board, "device-1"), "--json"];

        // The device streams its ballots; the board is killed once it has taken some, and the device (power cut at the
        // polling station too) with it, so that the second run must continue from the device's journal.
        StringBuilder deviceLog = new();
        HashSet<string> acknowledged;
        using (Process device = EntenteProcess.Start(deviceLog, encrypt))
        {
            try
            {
                DateTime end = DateTime.UtcNow.AddSeconds(60);
                while ((await board.GetJsonAsync("board")).GetProperty("counts").GetProperty("ballots").GetInt32() < 5)
                {
                    Assert.False(device.HasExited, $"the device finished before the board was killed: {deviceLog}");
                    Assert.True(DateTime.UtcNow < end, "the device posted fewer than 5 ballots in 60 s");
                    await Task.Delay(10);
                }

                acknowledged = await BallotIdsAsync(board);
                board.Server.Kill();
            }
            finally
            {
                device.Kill(entireProcessTree: true);
                device.WaitForExit(10_000);
            }
        }

        Assert.InRange(acknowledged.Count, 5, BallotCount - 1);
        await board.Server.RestartAsync();
        HashSet<string> afterRestart = await BallotIdsAsync(board);
        Assert.Superset(acknowledged, afterRestart);
        Assert.True(afterRestart.Count < BallotCount, "the killed run had posted every ballot: nothing left to resume");

        JsonElement second = Ok(EntenteProcess.Run(encrypt), "the device run again");
        string[] sealedIds = [.. second.GetProperty("ballots").EnumerateArray().Select(b => b.GetProperty("id").GetString()!.ToLowerInvariant())];
        Assert.Equal(BallotCount, sealedIds.Length);
        Assert.Superset(acknowledged, sealedIds.ToHashSet());
        JsonElement status = await board.GetJsonAsync("board");
        Assert.Equal(BallotCount, status.GetProperty("counts").GetProperty("ballots").GetInt32());
        Assert.Equal(sealedIds.ToHashSet(), await BallotIdsAsync(board));

        // And once more: a run that completed publishes nothing new.
        long size = await board.LogSizeAsync();
        Assert.Equal(sealedIds, Ok(EntenteProcess.Run(encrypt), "the device run a third time").GetProperty("ballots").EnumerateArray().Select(b => b.GetProperty("id").GetString()!.ToLowerInvariant()));
        Assert.Equal(size, await board.LogSizeAsync());

        TallyAndDecrypt(board);
        string record = board.File("fetched");
        Ok(EntenteProcess.Run("record", "fetch", "--board", board.Url, "--out", record, "--policy", board.PolicyFile, "--json"), "record fetch");
        Ok(EntenteProcess.Run("verify", record, "--allow-toy-groups", "--json"), "verify");
        ElectionRecord fetched = await RecordStore.ReadAsync(record);
        long[] expected = [.. Enumerable.Range(0, 3).Select(option => (long)Enumerable.Range(0, BallotCount).Count(b => b % 3 == option))];
        Assert.Equal(expected, fetched.Tally.Contests[0].Options.Select(o => o.Value));
    }

    [Fact]
    public async Task An_artifact_altered_in_the_boards_store_makes_record_fetch_exit_1_naming_the_entry_and_the_artifact_and_write_nothing()
    {
        using BoardProcess board = await BoardProcess.StartAsync(witnesses: 1);
        await CeremonyAsync(board);
        await File.WriteAllTextAsync(board.File("ballots.json"), Ballots);
        Ok(board, "device-1", "device 1", "encrypt", "--ballots", board.File("ballots.json"));
        TallyAndDecrypt(board);

        // The second ballot's blob, found by the SHA-256 the board serves it under, with one byte changed in the SQLite file.
        string id = (await board.GetJsonAsync("board/ballots?limit=10")).GetProperty("items")[1].GetProperty("id").GetString()!;
        using HttpClient http = new() { BaseAddress = new Uri(board.Url) };
        using HttpResponseMessage served = await http.GetAsync($"board/ballots/{id}");
        served.EnsureSuccessStatusCode();
        EntityTagHeaderValue etag = served.Headers.ETag ?? throw new InvalidOperationException("no ETag");
        string sha256 = etag.Tag.Trim('"').ToLowerInvariant();
        long index = long.Parse(served.Headers.GetValues("Entente-Log-Index").Single(), System.Globalization.CultureInfo.InvariantCulture);
        board.Server.Kill();
        AlterBlob(Path.Combine(board.Data, "board.db"), Convert.FromHexString(sha256));
        await board.Server.RestartAsync();

        string record = board.File("fetched");
        (int code, string output, string error) = EntenteProcess.Run("record", "fetch", "--board", board.Url, "--out", record, "--policy", board.PolicyFile);
        Assert.True(code == 1, $"record fetch exited {code}\nstdout: {output}\nstderr: {error}");
        Assert.Contains($"entry {index} (artifact sha256 {sha256})", output + error, StringComparison.Ordinal);
        Assert.Contains("altered", output + error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(record) && Directory.EnumerateFileSystemEntries(record).Any(), "record fetch wrote a record that did not check");
    }

    /// <summary>The ids of the ballots on the board (lowercase hex).</summary>
    private static async Task<HashSet<string>> BallotIdsAsync(BoardProcess board)
    {
        JsonElement page = await board.GetJsonAsync("board/ballots?limit=1000");
        List<string> ids = [.. page.GetProperty("items").EnumerateArray().Select(b => b.GetProperty("id").GetString()!.ToLowerInvariant())];
        Assert.Equal(ids.Count, ids.Distinct().Count()); // never twice
        Assert.Equal(ids.Count, page.GetProperty("total").GetInt32());
        return [.. ids];
    }

    /// <summary>Changes one byte of the blob <paramref name="sha256"/> in the board's SQLite store, past every check (a disk fault or an operator).</summary>
    private static void AlterBlob(string database, byte[] sha256)
    {
        using SqliteConnection connection = new($"Data Source={database};Pooling=False");
        connection.Open();
        using SqliteCommand read = connection.CreateCommand();
        read.CommandText = "SELECT data FROM blobs WHERE sha256 = $h";
        read.Parameters.AddWithValue("$h", sha256);
        byte[] data = (byte[])(read.ExecuteScalar() ?? throw new InvalidOperationException("no such blob in the store"));
        data[data.Length / 2] ^= 0x01;
        using SqliteCommand write = connection.CreateCommand();
        write.CommandText = "UPDATE blobs SET data = $d WHERE sha256 = $h";
        write.Parameters.AddWithValue("$d", data);
        write.Parameters.AddWithValue("$h", sha256);
        Assert.Equal(1, write.ExecuteNonQuery());
    }
}
