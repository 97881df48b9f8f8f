using System.Net;
using System.Net.Sockets;
using System.Text;
using Entente.Client.Http;
using Entente.Client.Log;
using Entente.Client.Tests.Support;
using Entente.Transparency;
using Entente.Transparency.Log;
using Entente.Transparency.Policy;

namespace Entente.Client.Tests.Contract;

/// <summary>LogClient against a real board (ServerApp on loopback) whose witness cosigns over HTTP.</summary>
public sealed class LogClientBoardTests
{
    private static async Task<List<LogEntryRead>> ReadAsync(LogClient log, Checkpoint checkpoint, long from, long to)
    {
        List<LogEntryRead> read = [];
        await foreach (LogEntryRead e in log.ReadEntriesAsync(checkpoint, from, to))
        {
            read.Add(e);
        }

        return read;
    }

    [Fact]
    public async Task Entries_added_through_the_client_are_read_back_proven_under_the_cosigned_checkpoint()
    {
        await using LoopbackBoard board = await LoopbackBoard.StartAsync();
        using LogClient log = board.Log();
        long first = await board.LogPolicyAsync();
        for (int i = 0; i < 9; i++)
        {
            await board.AppendAsync("note.test", Encoding.UTF8.GetBytes($"artifact {i}"));
        }

        await board.WaitForCheckpointAsync();
        TrustPolicy policy = TrustPolicy.Parse(board.PolicyText);
        CheckpointVerification verified = await log.GetVerifiedCheckpointAsync(board.LogKey.Verifier, policy);
        Assert.True(verified.Valid, string.Join("; ", verified.Failures));
        Assert.Equal(["w0"], verified.Policy!.Cosigned);
        Checkpoint checkpoint = verified.Checkpoint.Checkpoint;
        Assert.Equal(10, checkpoint.Size);

        List<LogEntryRead> entries = await ReadAsync(log, checkpoint, 0, checkpoint.Size);
        Assert.All(entries, e => Assert.True(e.Included, e.Failure));
        Assert.Equal("witness.policy", LogEntry.Parse(entries[(int)first].Bytes!).Entry.Type);
        LogEntry last = LogEntry.Parse(entries[^1].Bytes!).Entry;
        Assert.Equal("artifact 8"u8.ToArray(), await log.GetBlobAsync(last.Sha256));
        Assert.Null(await log.GetBlobAsync(Hash256.Compute("never stored"u8)));

        // Proofs and receipts from the log agree with the tree the tiles prove.
        Assert.True(await log.VerifyInclusionAsync(checkpoint, 5, entries[5].Bytes!));
        Assert.False(await log.VerifyInclusionAsync(checkpoint, 5, entries[6].Bytes!));
        Checkpoint older = new(checkpoint.Origin, 3, MerkleRoot(entries.Take(3)));
        Assert.True(await log.VerifyConsistencyAsync(older, checkpoint));
        Assert.False(await log.VerifyConsistencyAsync(new Checkpoint(checkpoint.Origin, 3, Hash256.Compute("x"u8)), checkpoint));
        TlogProof receipt = await log.GetReceiptAsync(4);
        Assert.True(receipt.Verify(entries[4].Bytes!, policy));

        // The same entry again is idempotent.
        using LogClient signed = new(board.Address, LoopbackBoard.Fast, new HttpSignatureHandler(board.Blue));
        AddResponse again = await signed.AddAsync(entries[^1].Bytes!);
        Assert.True(again.Duplicate);
        Assert.Equal(checkpoint.Size - 1, again.Index);
    }

    private static Hash256 MerkleRoot(IEnumerable<LogEntryRead> entries) =>
        Entente.Transparency.Merkle.MerkleMath.RootFromLeafHashes([.. entries.Select(e => Entente.Transparency.Merkle.Rfc6962.LeafHash(e.Bytes!))]);

    [Fact]
    public async Task A_checkpoint_without_the_witness_fails_the_policy_and_a_wrong_log_key_fails_the_signature()
    {
        await using LoopbackBoard board = await LoopbackBoard.StartAsync(witness: false);
        using LogClient log = board.Log();
        await board.LogPolicyAsync();
        TrustPolicy policy = TrustPolicy.Parse(board.PolicyText);
        CheckpointVerification unwitnessed = await log.GetVerifiedCheckpointAsync(null, policy);
        Assert.False(unwitnessed.Valid);
        Assert.True(unwitnessed.LogSignatureValid);
        Assert.Contains("quorum is not met: cosigned by [] of the witnesses [w0]", Assert.Single(unwitnessed.Failures), StringComparison.Ordinal);

        CheckpointVerification wrongKey = await log.GetVerifiedCheckpointAsync(board.Blue.Verifier, null);
        Assert.False(wrongKey.LogSignatureValid);
        Assert.Throws<ArgumentException>(() => CheckpointVerification.Check(wrongKey.Checkpoint, null, null));
    }

    [Fact]
    public async Task A_blob_changed_in_transit_is_refused_and_a_refusal_carries_the_servers_problem()
    {
        await using LoopbackBoard board = await LoopbackBoard.StartAsync(witness: false);
        Tampering tampering = new() { Alter = (path, body) => path.StartsWith("blob/", StringComparison.Ordinal) ? [.. body, (byte)' '] : null };
        using LogClient log = board.Log(tampering);
        using LogClient signed = new(board.Address, LoopbackBoard.Fast, new HttpSignatureHandler(board.Blue));
        Hash256 stored = await signed.PutBlobAsync("an artifact"u8.ToArray());
        LogVerificationException changed = await Assert.ThrowsAsync<LogVerificationException>(() => log.GetBlobAsync(stored));
        Assert.Contains(stored.ToHex(), changed.Message, StringComparison.Ordinal);

        // An unsigned blob upload is refused with the board's ProblemDetails.
        RequestRefusedException refused = await Assert.ThrowsAsync<RequestRefusedException>(() => log.PutBlobAsync("x"u8.ToArray()));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.Status);
        Assert.Equal("Signature required", refused.Title);
    }

    [Fact]
    public async Task An_unreachable_log_ends_in_one_clear_error_after_the_retry_bound()
    {
        int port;
        using (TcpListener listener = new(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        using LogClient log = new(new Uri($"http://127.0.0.1:{port}/"), LoopbackBoard.Fast);
        ServiceUnavailableException e = await Assert.ThrowsAsync<ServiceUnavailableException>(() => log.GetCheckpointAsync());
        Assert.Contains($"127.0.0.1:{port}/checkpoint", e.Message, StringComparison.Ordinal);
        Assert.Contains("attempt(s)", e.Message, StringComparison.Ordinal);
    }
}
