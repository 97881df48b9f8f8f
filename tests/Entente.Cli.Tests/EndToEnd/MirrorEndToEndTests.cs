using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Entente.Cli.Tests.Election;
using Entente.Transparency.Mirror;
using Entente.Transparency.Notes;
using Microsoft.Data.Sqlite;
using static Entente.Cli.Tests.Election.BoardSteps;

namespace Entente.Cli.Tests.EndToEnd;

/// <summary>
/// Mirrors of a board as separate processes (issue #17, part 1): <c>entente mirror sync</c> into a folder (complete,
/// incremental, and exit 1 with offline-checkable evidence when the board withholds an artifact), and
/// <c>entente mirror serve</c> killed mid-election and restarted, catching up, then serving the record to
/// <c>entente record fetch --mirror</c>. On the tiny group.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class MirrorEndToEndTests
{
    [Fact]
    public async Task Mirror_sync_copies_the_board_with_every_artifact_and_a_second_pass_takes_only_the_new_entries()
    {
        using BoardProcess board = await BoardProcess.StartAsync(witnesses: 1);
        await CeremonyAsync(board);
        string dir = board.File("mirror");
        JsonElement first = Sync(board, dir, expected: 0);
        long size = first.GetProperty("after").GetInt64();
        Assert.Equal(0, first.GetProperty("before").GetInt64());
        Assert.True(size >= 5, $"the mirror holds {size} entries after the ceremony");
        Assert.Equal(first.GetProperty("log_size").GetInt64(), size);

        await File.WriteAllTextAsync(board.File("ballots.json"), Ballots);
        Ok(board, "device-1", "device 1", "encrypt", "--ballots", board.File("ballots.json"));
        long target = await WaitPublishedAsync(board, await board.LogSizeAsync());
        JsonElement second = Sync(board, dir, expected: 0);
        Assert.Equal(size, second.GetProperty("before").GetInt64());
        Assert.Equal(target, second.GetProperty("after").GetInt64());
        Assert.Empty(second.GetProperty("problems").EnumerateArray());

        // Every ballot artifact is in the mirror's store, byte for byte what the board serves.
        using HttpClient http = new() { BaseAddress = new Uri(board.Url) };
        string id = (await board.GetJsonAsync("board/ballots?limit=10")).GetProperty("items")[0].GetProperty("id").GetString()!;
        using HttpResponseMessage served = await http.GetAsync($"board/ballots/{id}");
        byte[] sha256 = Convert.FromHexString(served.Headers.ETag!.Tag.Trim('"'));
        Assert.Equal(await served.Content.ReadAsByteArrayAsync(), Blob(Path.Combine(dir, "mirror.db"), sha256));
    }

    [Fact]
    public async Task Mirror_sync_exits_1_naming_an_artifact_the_board_withholds_and_keeps_evidence_that_checks_offline()
    {
        using BoardProcess board = await BoardProcess.StartAsync(witnesses: 1);
        await CeremonyAsync(board);
        await File.WriteAllTextAsync(board.File("ballots.json"), Ballots);
        Ok(board, "device-1", "device 1", "encrypt", "--ballots", board.File("ballots.json"));
        await WaitPublishedAsync(board, await board.LogSizeAsync());

        (string sha256, long index) = await BallotBlobAsync(board, 1);
        board.Server.Kill();
        DeleteBlob(Path.Combine(board.Data, "board.db"), Convert.FromHexString(sha256));
        await board.Server.RestartAsync();

        string dir = board.File("mirror");
        (int code, string output, string error) = EntenteProcess.Run("mirror", "sync", "--log", board.Url, "--key", LogKey(board), "--dir", dir, "--policy", board.PolicyFile);
        Assert.True(code == 1, $"mirror sync exited {code}\nstdout: {output}\nstderr: {error}");
        Assert.Contains($"entry {index} (artifact sha256 {sha256}): withheld", output + error, StringComparison.Ordinal);
        string file = Assert.Single(Directory.GetFiles(Path.Combine(dir, "evidence"), "*artifact-withheld*"));
        LogEvidence evidence = LogEvidence.Parse(await File.ReadAllBytesAsync(file));
        EvidenceVerdict verdict = evidence.Check(VerifierKeys.Parse(LogKey(board)));
        Assert.True(verdict.Proven, string.Join("; ", verdict.Problems));
        Assert.Contains(sha256, verdict.Finding, StringComparison.Ordinal);

        // Nothing past the withheld artifact was committed: the mirror stays behind the entry.
        (code, output, error) = EntenteProcess.Run("mirror", "sync", "--log", board.Url, "--key", LogKey(board), "--dir", dir, "--json");
        Assert.Equal(1, code);
        using JsonDocument again = JsonDocument.Parse(output);
        Assert.True(again.RootElement.GetProperty("after").GetInt64() <= index, output);
    }

    [Fact]
    public async Task A_mirror_killed_mid_election_catches_up_once_restarted_and_record_fetch_from_it_verifies()
    {
        using BoardProcess board = await BoardProcess.StartAsync(witnesses: 1);
        string config = board.File("mirror-1/mirror.json");
        string made = EntenteProcess.Ok("mirror", "init", "--config", config, "--name", "mirror-1.example", "--log-key", LogKey(board), "--log-url", board.Url, "--policy", board.PolicyFile);
        Assert.StartsWith("cosigner key mirror-1.example+", made, StringComparison.Ordinal);
        SetSyncInterval(config, 100);
        int port = ServerProcess.FreePort();
        using ServerProcess mirror = await ServerProcess.StartAsync("mirror-1", port, "", "mirror", "serve", "--config", config, "--urls", $"http://127.0.0.1:{port}");
        string copy = $"{mirror.Url}{OriginHash(BoardProcess.Origin)}/";

        await CeremonyAsync(board, afterKeygen: () => mirror.Kill());
        await File.WriteAllTextAsync(board.File("ballots.json"), Ballots);
        Ok(board, "device-1", "device 1", "encrypt", "--ballots", board.File("ballots.json"));
        TallyAndDecrypt(board);
        long size = await WaitPublishedAsync(board, await board.LogSizeAsync());

        await mirror.RestartAsync();
        string checkpoint = await WaitMirroredAsync(copy, size);
        Assert.Contains("\u2014 mirror-1.example ", checkpoint, StringComparison.Ordinal);
        Assert.Contains("\u2014 witness-1.example ", checkpoint, StringComparison.Ordinal);

        string record = board.File("fetched-from-mirror");
        (int code, string output, string error) = EntenteProcess.Run("record", "fetch", "--mirror", copy, "--out", record, "--policy", board.PolicyFile, "--json");
        Assert.True(code == 0, $"record fetch --mirror exited {code}\nstdout: {output}\nstderr: {error}");
        (code, output, error) = EntenteProcess.Run("verify", record, "--allow-toy-groups", "--json");
        Assert.True(code == 0, $"verify exited {code}\nstdout: {output}\nstderr: {error}");
    }

    [Fact]
    public async Task A_board_that_pushes_to_a_required_mirror_holds_back_its_checkpoint_while_the_mirror_is_down_and_the_restarted_mirror_catches_up_by_push_alone()
    {
        using BoardProcess board = await BoardProcess.StartAsync(witnesses: 1, mirrors: 1);
        ServerProcess mirror = board.Mirrors[0];
        string copy = $"{mirror.Url}{OriginHash(BoardProcess.Origin)}/";
        long before = 0;
        await CeremonyAsync(board, afterKeygen: () =>
        {
            before = WaitPublishedAsync(board, board.LogSizeAsync().GetAwaiter().GetResult()).GetAwaiter().GetResult();
            mirror.Kill();
        });

        // The policy requires the mirror: while it is down the board takes entries but publishes nothing newer.
        await File.WriteAllTextAsync(board.File("ballots.json"), Ballots);
        Ok(board, "device-1", "device 1", "encrypt", "--ballots", board.File("ballots.json"));
        await Task.Delay(500);
        long published = long.Parse((await board.GetTextAsync("checkpoint")).Split('\n')[1], CultureInfo.InvariantCulture);
        Assert.True(published <= before, $"the board published size {published} past {before} without its required mirror");

        await mirror.RestartAsync();
        TallyAndDecrypt(board);
        long size = await WaitPublishedAsync(board, await board.LogSizeAsync());
        string boardCheckpoint = await board.GetTextAsync("checkpoint");
        Assert.Contains("\u2014 mirror-1.example ", boardCheckpoint, StringComparison.Ordinal);
        string mirrored = await WaitMirroredAsync(copy, size);
        Assert.Contains("\u2014 witness-1.example ", mirrored, StringComparison.Ordinal);

        string record = board.File("fetched-from-mirror");
        (int code, string output, string error) = EntenteProcess.Run("record", "fetch", "--mirror", copy, "--out", record, "--policy", board.PolicyFile, "--json");
        Assert.True(code == 0, $"record fetch --mirror exited {code}\nstdout: {output}\nstderr: {error}");
    }

    private static JsonElement Sync(BoardProcess board, string dir, int expected)
    {
        (int code, string output, string error) = EntenteProcess.Run("mirror", "sync", "--log", board.Url, "--key", LogKey(board), "--dir", dir, "--policy", board.PolicyFile, "--json");
        Assert.True(code == expected, $"mirror sync exited {code}\nstdout: {output}\nstderr: {error}");
        using JsonDocument document = JsonDocument.Parse(output);
        return document.RootElement.Clone();
    }

    /// <summary>The board's log verifier key.</summary>
    internal static string LogKey(BoardProcess board)
    {
        using Ed25519NoteSigner key = Ed25519NoteSigner.FromSkey(File.ReadAllText(Path.Combine(board.Data, "log.key")).Trim());
        return key.VerifierKey;
    }

    internal static string OriginHash(string origin) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(origin)));

    /// <summary>Waits until /checkpoint (cosigned under the policy) covers <paramref name="size"/> entries; returns its size.</summary>
    internal static async Task<long> WaitPublishedAsync(BoardProcess board, long size)
    {
        DateTime end = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            long published = long.Parse((await board.GetTextAsync("checkpoint")).Split('\n')[1], CultureInfo.InvariantCulture);
            if (published >= size || DateTime.UtcNow > end)
            {
                Assert.True(published >= size, $"the board published size {published}, not {size}, within 30 s");
                return published;
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Waits until the mirror's checkpoint covers <paramref name="size"/>; returns it.</summary>
    internal static async Task<string> WaitMirroredAsync(string copy, long size)
    {
        using HttpClient http = new();
        DateTime end = DateTime.UtcNow.AddSeconds(60);
        string last = "";
        while (DateTime.UtcNow < end)
        {
            using HttpResponseMessage answer = await http.GetAsync(copy + "checkpoint");
            last = await answer.Content.ReadAsStringAsync();
            if (answer.IsSuccessStatusCode && long.Parse(last.Split('\n')[1], CultureInfo.InvariantCulture) >= size)
            {
                return last;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"the mirror did not reach size {size} within 60 s: {last}");
    }

    internal static void SetSyncInterval(string config, int ms)
    {
        Dictionary<string, JsonElement> options = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(File.ReadAllText(config))!;
        options["syncIntervalMs"] = JsonSerializer.SerializeToElement(ms);
        File.WriteAllText(config, JsonSerializer.Serialize(options));
    }

    /// <summary>The SHA-256 and log index of the board's ballot <paramref name="n"/>.</summary>
    private static async Task<(string Sha256, long Index)> BallotBlobAsync(BoardProcess board, int n)
    {
        string id = (await board.GetJsonAsync("board/ballots?limit=10")).GetProperty("items")[n].GetProperty("id").GetString()!;
        using HttpClient http = new() { BaseAddress = new Uri(board.Url) };
        using HttpResponseMessage served = await http.GetAsync($"board/ballots/{id}");
        served.EnsureSuccessStatusCode();
        EntityTagHeaderValue etag = served.Headers.ETag ?? throw new InvalidOperationException("no ETag");
        return (etag.Tag.Trim('"').ToLowerInvariant(), long.Parse(served.Headers.GetValues("Entente-Log-Index").Single(), CultureInfo.InvariantCulture));
    }

    private static void DeleteBlob(string database, byte[] sha256)
    {
        using SqliteConnection connection = new($"Data Source={database};Pooling=False");
        connection.Open();
        using SqliteCommand delete = connection.CreateCommand();
        delete.CommandText = "DELETE FROM blobs WHERE sha256 = $h";
        delete.Parameters.AddWithValue("$h", sha256);
        Assert.Equal(1, delete.ExecuteNonQuery());
    }

    private static byte[] Blob(string database, byte[] sha256)
    {
        using SqliteConnection connection = new($"Data Source={database};Pooling=False;Mode=ReadOnly");
        connection.Open();
        using SqliteCommand read = connection.CreateCommand();
        read.CommandText = "SELECT data FROM blobs WHERE sha256 = $h";
        read.Parameters.AddWithValue("$h", sha256);
        return (byte[])(read.ExecuteScalar() ?? throw new InvalidOperationException("the mirror does not hold the blob"));
    }
}
