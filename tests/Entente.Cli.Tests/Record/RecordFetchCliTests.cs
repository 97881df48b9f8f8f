using System.Net;
using System.Net.Sockets;
using Entente.Cli.Tests.Election;
using Entente.Client.Log;
using Entente.Client.Tests.Support;
using Entente.Transparency;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;

namespace Entente.Cli.Tests.Record;

/// <summary>A tiny election on a real board with a live witness, shared by the tests of the class.</summary>
public sealed class ElectionBoardFixture : IAsyncLifetime
{
    internal LoopbackBoard Board { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Board = await LoopbackBoard.StartAsync();
        await Board.LogPolicyAsync();
        await TinyElection.PostAsync(Board);
        await Board.WaitForCheckpointAsync();
    }

    public async Task DisposeAsync() => await Board.DisposeAsync();
}

/// <summary>`entente record fetch` and `entente log verify` as separate processes against a real board.</summary>
[Trait("Category", "Slow")]
public sealed class RecordFetchCliTests(ElectionBoardFixture fixture) : IClassFixture<ElectionBoardFixture>
{
    private LoopbackBoard Board => fixture.Board;

    [Fact]
    public void Record_fetch_writes_the_boards_election_and_entente_verify_passes_it()
    {
        using TempFolder temp = new();
        string output = EntenteProcess.Ok("record", "fetch", "--board", Board.Address.ToString(), "--out", temp.File("record"));
        Assert.Contains("policy      the board's entry 0, signed by blue.example, red.example (pin it with --policy)", output, StringComparison.Ordinal);
        Assert.Contains("witnesses   cosigned by w0", output, StringComparison.Ordinal);
        Assert.Contains("record      6 ballots (5 cast, 1 challenged), 3 guardians, 1 device(s), 1 opening(s)", output, StringComparison.Ordinal);
        Assert.Contains($"written     {temp.File("record")}", output, StringComparison.Ordinal);
        EntenteProcess.Ok("verify", temp.File("record"), "--allow-toy-groups");

        // With the policy pinned and the log key given, the same; the folder must then be new.
        File.WriteAllText(temp.File("policy.txt"), Board.PolicyText);
        (int code, _, string error) = EntenteProcess.Run("record", "fetch", "--board", Board.Address.ToString(), "--out", temp.File("record"), "--policy", temp.File("policy.txt"));
        Assert.Equal(2, code);
        Assert.Contains("exists and is not an empty folder", error, StringComparison.Ordinal);
        string pinned = EntenteProcess.Ok("record", "fetch", "--board", Board.Address.ToString(), "--out", temp.File("pinned"), "--policy", temp.File("policy.txt"), "--key", Board.LogKey.VerifierKey);
        Assert.Contains("policy      --policy\n", pinned.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Equal(
            Directory.EnumerateFiles(temp.File("record"), "*", SearchOption.AllDirectories).Select(File.ReadAllBytes).Select(Convert.ToHexString).Order(),
            Directory.EnumerateFiles(temp.File("pinned"), "*", SearchOption.AllDirectories).Select(File.ReadAllBytes).Select(Convert.ToHexString).Order());
    }

    [Fact]
    public async Task An_artifact_altered_in_the_board_store_exits_1_naming_entry_and_hash_and_nothing_is_written()
    {
        (long index, Hash256 sha256) = await FirstAsync("device.record");
        using LogClient log = Board.Log();
        byte[] original = (await log.GetBlobAsync(sha256))!;
        Board.AlterBlob(sha256, [.. original[..^2], (byte)'}']);
        try
        {
            using TempFolder temp = new();
            (int code, string output, string error) = EntenteProcess.Run("record", "fetch", "--board", Board.Address.ToString(), "--out", temp.File("record"), "--json");
            Assert.Equal(1, code);
            Assert.Contains($"\"index\":{index},\"sha256\":\"{sha256.ToHex()}\"", output, StringComparison.Ordinal);
            Assert.Contains("nothing was written", error, StringComparison.Ordinal);
            Assert.Empty(Directory.EnumerateFileSystemEntries(temp.Path));
        }
        finally
        {
            Board.AlterBlob(sha256, original);
        }
    }

    [Fact]
    public async Task Log_verify_proves_every_entry_under_the_policy_and_fails_a_policy_the_checkpoint_does_not_meet()
    {
        using TempFolder temp = new();
        File.WriteAllText(temp.File("policy.txt"), Board.PolicyText);
        long size = (await Board.Log().GetCheckpointAsync()).Checkpoint.Size;
        string output = EntenteProcess.Ok("log", "verify", "--url", Board.Address.ToString(), "--policy", temp.File("policy.txt"), "--state", temp.File("state"), "--index", "3");
        Assert.Contains("ok witness policy: cosigned by w0", output, StringComparison.Ordinal);
        Assert.Contains($"ok entries [0, {size}): {size} proven included through the tiles", output, StringComparison.Ordinal);
        Assert.Contains("ok entry 3 included", output, StringComparison.Ordinal);
        Assert.Contains("ok consistent with the checkpoint seen before", EntenteProcess.Ok("log", "verify", "--url", Board.Address.ToString(), "--policy", temp.File("policy.txt"), "--state", temp.File("state"), "--entries", "none"), StringComparison.Ordinal);

        using Ed25519NoteSigner stranger = Ed25519NoteSigner.Generate("witness.stranger.example");
        File.WriteAllText(temp.File("other.txt"), $"log {Board.LogKey.VerifierKey}\nwitness w9 {stranger.CosignerVerifierKey}\nquorum w9\n");
        (int code, _, string error) = EntenteProcess.Run("log", "verify", "--url", Board.Address.ToString(), "--policy", temp.File("other.txt"), "--state", temp.File("state2"));
        Assert.Equal(1, code);
        Assert.Contains("witness policy not met", error, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unreachable_board_exits_2_after_the_retry_bound()
    {
        int port;
        using (TcpListener listener = new(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        using TempFolder temp = new();
        (int code, _, string error) = EntenteProcess.Run("record", "fetch", "--board", $"http://127.0.0.1:{port}/", "--out", temp.File("record"), "--timeout", "1");
        Assert.Equal(2, code);
        Assert.Contains($"127.0.0.1:{port}/board", error, StringComparison.Ordinal);
        Assert.Contains("attempt(s)", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(temp.File("record")));
        Assert.Equal(2, EntenteProcess.Run("record", "fetch", "--board", "not a url", "--out", temp.File("record")).Code);
    }

    private async Task<(long Index, Hash256 Sha256)> FirstAsync(string type)
    {
        using LogClient log = Board.Log();
        Checkpoint checkpoint = (await log.GetCheckpointAsync()).Checkpoint;
        await foreach (LogEntryRead read in log.ReadEntriesAsync(checkpoint, 0, checkpoint.Size))
        {
            LogEntry entry = LogEntry.Parse(read.Bytes!).Entry;
            if (entry.Type == type)
            {
                return (read.Index, entry.Sha256);
            }
        }

        throw new InvalidOperationException($"no {type} entry");
    }
}

/// <summary>A board that logs no witness policy: record fetch needs --policy.</summary>
public sealed class RecordFetchWithoutPolicyCliTests
{
    [Fact]
    public async Task A_board_without_a_policy_entry_exits_2_unless_a_policy_is_given()
    {
        await using LoopbackBoard board = await LoopbackBoard.StartAsync(witness: false);
        await board.AppendAsync("note.test", "an entry"u8.ToArray());
        using TempFolder temp = new();
        (int code, _, string error) = EntenteProcess.Run("record", "fetch", "--board", board.Address.ToString(), "--out", temp.File("record"), "--wait", "0");
        Assert.Equal(2, code);
        Assert.Contains("no witness policy", error, StringComparison.Ordinal);
        Assert.Contains("--policy FILE", error, StringComparison.Ordinal);
    }
}
