using System.IO.Compression;
using Entente.Client.Http;
using Entente.Client.Log;
using Entente.Client.Record;
using Entente.Client.Tests.Support;
using Entente.Election.Encryption;
using Entente.Election.Record;
using Entente.Transparency;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;
using Entente.Transparency.Policy;
using Entente.Transparency.Tiles;
using Entente.Verifier.Framework;
using Entente.Verifier.Native;

namespace Entente.Client.Tests.Contract;

/// <summary>
/// RecordFetcher on a tiny-group election posted to a real board (with a live witness) through BoardClient: the
/// fetched record verifies and equals the board's own record download; every fault is named with its entry.
/// </summary>
[Trait("Category", "Slow")]
public sealed class RecordFetchTests
{
    private static async Task<LoopbackBoard> ElectionBoardAsync(bool policy = true)
    {
        LoopbackBoard board = await LoopbackBoard.StartAsync();
        try
        {
            if (policy)
            {
                await board.LogPolicyAsync();
            }

            await TinyElection.PostAsync(board);
            await board.WaitForCheckpointAsync();
            return board;
        }
        catch
        {
            await board.DisposeAsync();
            throw;
        }
    }

    private static async Task<RecordFetchResult> FetchAsync(LoopbackBoard board, RecordFetchOptions? options = null, HttpMessageHandler? inner = null)
    {
        using RecordFetcher fetcher = new(board.Address, LoopbackBoard.Fast, inner);
        return await fetcher.FetchAsync(options ?? new RecordFetchOptions { WaitForCheckpoint = TimeSpan.FromSeconds(5) });
    }

    private static async Task<List<(long Index, LogEntry Entry, byte[] Bytes)>> EntriesAsync(LoopbackBoard board)
    {
        using LogClient log = board.Log();
        Checkpoint checkpoint = (await log.GetCheckpointAsync()).Checkpoint;
        List<(long, LogEntry, byte[])> entries = [];
        await foreach (LogEntryRead read in log.ReadEntriesAsync(checkpoint, 0, checkpoint.Size))
        {
            entries.Add((read.Index, LogEntry.Parse(read.Bytes!).Entry, read.Bytes!));
        }

        return entries;
    }

    [Fact]
    public async Task A_whole_election_is_fetched_checked_and_assembled_as_the_board_assembles_it_and_the_verifier_passes_it()
    {
        await using LoopbackBoard board = await ElectionBoardAsync();
        List<RecordFetchProgress> progress = [];
        RecordFetchResult result = await FetchAsync(board, new RecordFetchOptions { Progress = new SynchronousProgress<RecordFetchProgress>(progress.Add) });
        Assert.True(result.Ok, string.Join("\n", result.Failures));
        Assert.Equal(["w0"], result.Cosigners);
        Assert.Equal("the board's entry 0, signed by blue.example, red.example", result.PolicySource);
        Assert.Equal(6, result.Files[RecordPart.Ballot]);
        Assert.Equal(3, result.Files[RecordPart.Guardian]);
        Assert.Equal(1, result.Files[RecordPart.Opening]);
        Assert.Equal(0, result.Duplicates);
        Assert.Equal(result.Checkpoint.Checkpoint.Size, result.Entries);
        Assert.Contains(progress, p => p.Stage == "log" && p.Done == p.Total);
        Assert.NotNull(result.Schedule);
        Assert.Contains(result.Schedule.Steps, s => s.Step == "decryption.response" && s.DoneAt is not null);
        Assert.Empty(result.Schedule.Missed);

        string dir = Path.Combine(board.Dir, "fetched");
        await RecordFetcher.WriteAsync(result, dir);
        Assert.Equal(result.Schedule.ToJson(), File.ReadAllBytes(Path.Combine(dir, "schedule.json")));
        VerificationReport report = NativeVerifier.Verify(dir, new VerificationOptions { AllowToyGroups = true });
        Assert.True(report.Passed, string.Join("\n", report.Failures));

        // One path: the board's own record download holds the same files, byte for byte.
        using HttpClient http = new() { BaseAddress = board.Address };
        using ZipArchive zip = new(await http.GetStreamAsync("board/record"));
        Dictionary<string, byte[]> downloaded = zip.Entries.ToDictionary(e => e.FullName.Replace('\\', '/'), e =>
        {
            using Stream s = e.Open();
            using MemoryStream m = new();
            s.CopyTo(m);
            return m.ToArray();
        });
        string[] fetched = [.. Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(dir, f).Replace('\\', '/')).Order(StringComparer.Ordinal)];
        Assert.Equal(downloaded.Keys.Order(StringComparer.Ordinal), fetched);
        Assert.All(fetched, f => Assert.Equal(downloaded[f], File.ReadAllBytes(Path.Combine(dir, f))));
    }

    [Fact]
    public async Task A_checkpoint_that_fails_a_pinned_policy_fails_the_fetch_and_nothing_is_returned_to_write()
    {
        await using LoopbackBoard board = await ElectionBoardAsync();
        using Ed25519NoteSigner stranger = Ed25519NoteSigner.Generate("witness.stranger.example");
        TrustPolicy other = TrustPolicy.Parse($"log {board.LogKey.VerifierKey}\nwitness w9 {stranger.CosignerVerifierKey}\nquorum w9\n");
        RecordFetchResult result = await FetchAsync(board, new RecordFetchOptions { Policy = other, WaitForCheckpoint = TimeSpan.Zero });
        Assert.False(result.Ok);
        Assert.Null(result.Record);
        Assert.Equal("--policy", result.PolicySource);
        Assert.Contains(result.Failures, f => f.What.Contains("quorum is not met: cosigned by [] of the witnesses [w9]", StringComparison.Ordinal));
        await Assert.ThrowsAsync<InvalidOperationException>(() => RecordFetcher.WriteAsync(result, Path.Combine(board.Dir, "never")));
        Assert.False(Directory.Exists(Path.Combine(board.Dir, "never")));
    }

    [Fact]
    public async Task An_artifact_altered_in_the_board_store_or_in_transit_is_named_with_its_entry_and_hash()
    {
        await using LoopbackBoard board = await ElectionBoardAsync();
        List<(long Index, LogEntry Entry, byte[] Bytes)> entries = await EntriesAsync(board);
        (long index, LogEntry ballot, _) = entries.First(e => e.Entry.Type == "ballot.cast");
        string hex = ballot.Sha256.ToHex();

        // In the store: the board re-hashes before serving and refuses to serve it (500).
        using (LogClient log = board.Log())
        {
            byte[] original = (await log.GetBlobAsync(ballot.Sha256))!;
            board.AlterBlob(ballot.Sha256, [.. original[..^1], (byte)'x']);
        }

        RecordFetchResult stored = await FetchAsync(board);
        RecordFetchFailure failure = Assert.Single(stored.Failures);
        Assert.Equal(index, failure.Index);
        Assert.Equal(hex, failure.Sha256);
        Assert.Contains($"GET /blob/{hex} answers 500", failure.What, StringComparison.Ordinal);
        Assert.StartsWith($"entry {index} (artifact sha256 {hex}): ballot.cast artifact", failure.ToString(), StringComparison.Ordinal);

        // In transit (or a board that does not re-hash): the fetcher re-hashes.
        Tampering tampering = new() { Alter = (path, body) => path == "blob/" + entries.First(e => e.Entry.Type == "tally.decrypted").Entry.Sha256.ToHex() ? [.. body, (byte)' '] : null };
        RecordFetchResult transit = await FetchAsync(board, inner: tampering);
        Assert.Contains(transit.Failures, f => f.Index == entries.First(e => e.Entry.Type == "tally.decrypted").Index && f.What.Contains("was altered", StringComparison.Ordinal));
        Assert.Null(transit.Record);
    }

    [Fact]
    public async Task An_entry_missing_from_its_bundle_or_changed_in_it_fails_the_entries_concerned()
    {
        await using LoopbackBoard board = await ElectionBoardAsync();
        List<(long Index, LogEntry Entry, byte[] Bytes)> entries = await EntriesAsync(board);
        long size = entries.Count;
        string bundle = TilePath.EntriesFor(0, size).ToString();

        // One entry left out of the bundle: the bundle no longer has the width the checkpoint implies.
        Tampering dropping = new() { Alter = (path, body) => path == bundle ? EntryBundle.Encode(entries.Skip(1).Select(e => (ReadOnlyMemory<byte>)e.Bytes)) : null };
        RecordFetchResult dropped = await FetchAsync(board, inner: dropping);
        Assert.Equal(size, dropped.Failures.Count(f => f.What.Contains($"holds {size - 1} entries, expected {size}", StringComparison.Ordinal)));

        // One entry replaced by another validly signed entry: exactly that entry is not the tree's.
        long victim = entries.First(e => e.Entry.Type == "ballot.cast").Index;
        byte[] forged = new LogEntry("ballot.cast", Hash256.Compute("another ballot"u8), board.Device.Name).Sign(board.Device);
        Tampering replacing = new() { Alter = (path, body) => path == bundle ? EntryBundle.Encode(entries.Select(e => (ReadOnlyMemory<byte>)(e.Index == victim ? forged : e.Bytes))) : null };
        RecordFetchResult replaced = await FetchAsync(board, inner: replacing);
        RecordFetchFailure failure = Assert.Single(replaced.Failures, f => f.Index == victim);
        Assert.Contains("not proven included", failure.What, StringComparison.Ordinal);
        Assert.DoesNotContain(replaced.Failures, f => f.Index is long i && i != victim);
    }

    [Fact]
    public async Task Entries_added_again_under_other_signature_sets_are_not_logged_twice_and_the_record_still_verifies()
    {
        await using LoopbackBoard board = await ElectionBoardAsync();
        List<(long Index, LogEntry Entry, byte[] Bytes)> entries = await EntriesAsync(board);

        // The same commitments again under other signature sets: other bytes, but an entry is its signed text, so the
        // log answers the original index and nothing is added (docs/threat-model.md, issue #14 item 1).
        foreach (string type in new[] { "ballot.cast", "tally.decrypted" })
        {
            byte[] original = entries.First(e => e.Entry.Type == type).Bytes;
            SignedNote note = SignedNote.Parse(original);
            Ed25519NoteSigner extra = type == "ballot.cast" ? board.Blue : board.Device;
            await board.SequenceRawAsync(note.WithSignature(extra.Sign(note.TextBytes)).ToBytes());
        }

        await board.WaitForCheckpointAsync();
        RecordFetchResult result = await FetchAsync(board);
        Assert.True(result.Ok, string.Join("\n", result.Failures));
        Assert.Equal(entries.Count, result.Entries);
        Assert.Equal(0, result.Duplicates);
        Assert.Equal(6, result.Files[RecordPart.Ballot]);
        Assert.Equal(5, result.Record!.Ballots.Count(b => b.State == BallotState.Cast));
        string dir = Path.Combine(board.Dir, "fetched");
        await RecordFetcher.WriteAsync(result, dir);
        Assert.True(NativeVerifier.Verify(dir, new VerificationOptions { AllowToyGroups = true }).Passed);
    }

    [Fact]
    public async Task A_board_that_logs_no_witness_policy_needs_one_given_and_a_given_policy_then_suffices()
    {
        await using LoopbackBoard board = await ElectionBoardAsync(policy: false);
        RecordFetchInputException e = await Assert.ThrowsAsync<RecordFetchInputException>(() => FetchAsync(board));
        Assert.Contains("no witness policy", e.Message, StringComparison.Ordinal);
        Assert.Contains("--policy", e.Message, StringComparison.Ordinal);

        RecordFetchResult pinned = await FetchAsync(board, new RecordFetchOptions { Policy = TrustPolicy.Parse(board.PolicyText) });
        Assert.True(pinned.Ok, string.Join("\n", pinned.Failures));
        Assert.Equal("--policy", pinned.PolicySource);
    }

    /// <summary>Reports on the caller's thread (Progress&lt;T&gt; posts to the thread pool, too late for an assertion).</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value)
        {
            lock (this)
            {
                report(value);
            }
        }
    }
}
