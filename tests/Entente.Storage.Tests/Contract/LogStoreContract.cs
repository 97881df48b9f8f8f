using System.Text;
using Entente.Transparency;
using Entente.Transparency.Log;
using Entente.Transparency.Merkle;
using Entente.Transparency.Notes;
using Entente.Transparency.Tiles;
using Entente.Transparency.Witness;

namespace Entente.Storage.Tests.Contract;

/// <summary>
/// The one contract suite every log store runs: initialisation, compare-and-swap, atomic commits through the
/// sequencer, deduplication, tiles and bundles, proofs, fsck, fault injection at every integration write,
/// blob and witness stores. Subclasses pick the backend.
/// </summary>
public abstract class LogStoreContract<TBackend>
    where TBackend : IStoreBackend, new()
{
    protected const string Origin = "entente.test/log";

    private static readonly SequencerOptions FastRetry = new() { RetryDelay = TimeSpan.FromMilliseconds(1), MaxBatchSize = 64 };

    private static byte[] Entry(int i) => Encoding.UTF8.GetBytes($"entry number {i}\n");

    private static async Task<(ILogStore Store, Ed25519NoteSigner Key)> NewLogAsync(IStoreBackend backend, Func<ILogStore, ILogStore>? wrap = null)
    {
        ILogStore store = backend.NewLogStore();
        if (wrap is not null)
        {
            store = wrap(store);
        }

        Ed25519NoteSigner key = Ed25519NoteSigner.Generate(Origin);
        await Sequencer.InitializeLogAsync(store, key, Origin);
        return (store, key);
    }

    [SkippableFact]
    public async Task A_new_log_has_a_signed_empty_checkpoint_and_cannot_be_initialised_twice()
    {
        await using TBackend backend = new();
        (ILogStore store, Ed25519NoteSigner key) = await NewLogAsync(backend);
        using Ed25519NoteSigner _ = key;
        StoredCheckpoint head = (await store.ReadHeadAsync())!;
        Assert.Equal(0, head.Size);
        Assert.Equal(Rfc6962.EmptyRoot, head.Root);
        SignedCheckpoint cp = SignedCheckpoint.Open(head.Note, key.Verifier);
        Assert.Equal(Origin, cp.Checkpoint.Origin);
        await Assert.ThrowsAsync<LogConflictException>(() => store.InitializeAsync(head));
    }

    [SkippableFact]
    public async Task Concurrent_adds_get_distinct_indexes_and_the_log_verifies_completely()
    {
        await using TBackend backend = new();
        (ILogStore store, Ed25519NoteSigner key) = await NewLogAsync(backend);
        using Ed25519NoteSigner _ = key;
        const int Count = 600;
        await using (Sequencer seq = await Sequencer.StartAsync(store, key, Origin, FastRetry))
        {
            AddResult[] results = await Task.WhenAll(Enumerable.Range(0, Count).Select(i => seq.AddAsync(Entry(i))));
            Assert.Equal(Enumerable.Range(0, Count).Select(i => (long)i), results.Select(r => r.Index).Order());
            Assert.All(results, r => Assert.False(r.Duplicate));
            Assert.Equal(Count, seq.Head.Size);
        }

        StoredCheckpoint head = (await store.ReadHeadAsync())!;
        FsckResult fsck = await Fsck.RunAsync(store, key.Verifier);
        Assert.True(fsck.Ok, string.Join("\n", fsck.Problems));

        // Compare every tile and bundle, and proofs, with the in-memory reference tree.
        IReadOnlyList<byte[]> all = await store.ReadEntriesAsync(0, Count);
        MemoryMerkleTree tree = new();
        foreach (byte[] e in all)
        {
            tree.AppendEntry(e);
        }

        Assert.Equal(tree.Root(), head.Root);
        LogReader reader = new(store);
        foreach (TilePath t in TilePath.AllTiles(Count))
        {
            Assert.Equal(TileHashes.Read(tree, t), await reader.ReadTileAsync(t, Count));
        }

        Assert.Equal(EntryBundle.Encode(all.Skip(512).Select(e => (ReadOnlyMemory<byte>)e)), await reader.ReadBundleAsync(TilePath.EntriesFor(599, Count), Count));
        Assert.Null(await reader.ReadTileAsync(new TilePath(0, 2, 89), Count));
        foreach (long i in new long[] { 0, 1, 255, 256, 511, 512, 599 })
        {
            Hash256[] proof = await reader.InclusionProofAsync(i, Count);
            Assert.True(MerkleMath.VerifyInclusion(i, Count, Rfc6962.LeafHash(all[(int)i]), proof, head.Root));
            Assert.Equal(MerkleMath.InclusionProof(tree, i, Count), proof);
        }

        foreach (long m in new long[] { 1, 7, 256, 300, 599 })
        {
            Hash256[] proof = await reader.ConsistencyProofAsync(m, Count);
            Assert.Equal(MerkleMath.ConsistencyProof(tree, m, Count), proof);
            Assert.True(MerkleMath.VerifyConsistency(m, Count, tree.Root(m), head.Root, proof));
        }
    }

    [SkippableFact]
    public async Task Identical_resubmissions_get_the_same_index_within_and_across_batches()
    {
        await using TBackend backend = new();
        (ILogStore store, Ed25519NoteSigner key) = await NewLogAsync(backend);
        using Ed25519NoteSigner _ = key;
        await using Sequencer seq = await Sequencer.StartAsync(store, key, Origin, FastRetry);
        AddResult first = await seq.AddAsync(Entry(1));
        AddResult again = await seq.AddAsync(Entry(1));
        Assert.Equal(first.Index, again.Index);
        Assert.True(again.Duplicate);

        AddResult[] burst = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => seq.AddAsync(Entry(2))));
        Assert.Single(burst.Select(r => r.Index).Distinct());
        Assert.Equal(1, burst.Count(r => !r.Duplicate));
        Assert.Equal(2, seq.Head.Size);
    }

    /// <summary>A signed note whose text is <paramref name="text"/>, with the given extra signature lines after the key's own.</summary>
    private static byte[] Note(Ed25519NoteSigner key, string text, params string[] extraLines) =>
        Encoding.UTF8.GetBytes(key.SignNote(text).ToString() + string.Concat(extraLines.Select(l => l + "\n")));

    [SkippableFact]
    public async Task A_signed_note_is_the_same_entry_whatever_signature_lines_follow_its_text_within_across_batches_and_restarts()
    {
        await using TBackend backend = new();
        (ILogStore store, Ed25519NoteSigner key) = await NewLogAsync(backend);
        using Ed25519NoteSigner _ = key;
        using Ed25519NoteSigner blue = Ed25519NoteSigner.Generate("blue.example");
        using Ed25519NoteSigner red = Ed25519NoteSigner.Generate("red.example");
        const string Text = "entente.org/entry/v1\ntype incident.report\nsha256 6a09e667f3bcc908b2fb1366ea957d3e3adec17512775099da2f590b0667322a\nparty blue.example\n";
        byte[] original = Note(blue, Text);
        string blueLine = Encoding.UTF8.GetString(original).Split('\n')[^2];
        string junk = "\u2014 x " + Convert.ToBase64String(new byte[68]);
        string redLine = red.SignNote(Text).ToString().Split('\n')[^2];
        byte[][] variants = [Note(blue, Text, junk), Note(blue, Text, blueLine), Note(blue, Text, redLine), Note(blue, Text, junk, junk)];
        await using (Sequencer seq = await Sequencer.StartAsync(store, key, Origin, FastRetry))
        {
            Assert.Equal(new AddResult(0, false), await seq.AddAsync(original));
            foreach (byte[] v in variants)
            {
                Assert.Equal(new AddResult(0, true), await seq.AddAsync(v));
            }

            // In one batch: the first of the batch is logged, its variants answer its index.
            AddResult[] burst = await Task.WhenAll(new[] { Text.Replace("incident.report", "incident.note", StringComparison.Ordinal) }
                .SelectMany(t => new[] { Note(blue, t), Note(blue, t, junk), Note(blue, t, redLine) })
                .Select(e => seq.AddAsync(e)));
            Assert.Single(burst.Select(r => r.Index).Distinct());
            Assert.Equal(1, burst.Count(r => !r.Duplicate));
            Assert.Equal(2, seq.Head.Size);
        }

        // After a restart the store, not the sequencer's memory, knows the identities.
        await using Sequencer again = await Sequencer.StartAsync(backend.NewLogStore(), key, Origin, FastRetry);
        foreach (byte[] v in variants)
        {
            Assert.Equal(new AddResult(0, true), await again.AddAsync(v));
        }

        Assert.Equal(2, again.Head.Size);
        Assert.Equal(original, (await store.ReadEntriesAsync(0, 1))[0]);

        // Bytes that are not a signed note are identified by their bytes, as before.
        Assert.Equal(new AddResult(2, false), await again.AddAsync(Entry(1)));
        Assert.Equal(new AddResult(2, true), await again.AddAsync(Entry(1)));
        Assert.Equal(new AddResult(3, false), await again.AddAsync(Encoding.UTF8.GetBytes(Text)));
    }

    [SkippableFact]
    public async Task A_log_written_before_entries_had_identities_opens_and_its_duplicates_stay_but_no_new_one_is_added()
    {
        await using TBackend backend = new();
        using Ed25519NoteSigner key = Ed25519NoteSigner.Generate(Origin);
        using Ed25519NoteSigner blue = Ed25519NoteSigner.Generate("blue.example");
        const string Text = "entente.org/entry/v1\ntype incident.report\nsha256 bb67ae8584caa73b3c6ef372fe94f82ba54ff53a5f1d36f1510e527fade682d1\nparty blue.example\n";
        string junk = "\u2014 x " + Convert.ToBase64String(new byte[68]);
        byte[] original = Note(blue, Text);
        byte[] variant = Note(blue, Text, junk);
        List<byte[]> old = [Entry(0), original, variant, Entry(3)];

        // The old schema and rows, as a server before this change wrote them (a variant logged as a second entry).
        MemoryMerkleTree tree = new();
        foreach (byte[] e in old)
        {
            tree.AppendEntry(e);
        }

        StoredCheckpoint head = new(old.Count, tree.Root(), key.SignNote(new Checkpoint(Origin, old.Count, tree.Root()).ToText()).ToBytes());
        List<TileRecord> tiles = [.. TilePath.AllTiles(old.Count).Select(t => new TileRecord(t.Level, t.Index, TileHashes.Read(tree, t)))];
        await backend.WriteLegacyLogAsync(old, head, tiles);

        ILogStore store = backend.NewLogStore();
        await store.CreateSchemaAsync();
        await store.CreateSchemaAsync();
        Assert.True(head.SameAs(await store.ReadHeadAsync()));
        Assert.Equal(old, await store.ReadEntriesAsync(0, 10));
        await using (Sequencer seq = await Sequencer.StartAsync(store, key, Origin, FastRetry))
        {
            Assert.Equal(new AddResult(1, true), await seq.AddAsync(Note(blue, Text, junk, junk)));
            Assert.Equal(new AddResult(1, true), await seq.AddAsync(original));
            Assert.Equal(new AddResult(0, true), await seq.AddAsync(Entry(0)));
            Assert.Equal(new AddResult(4, false), await seq.AddAsync(Entry(4)));
        }

        FsckResult fsck = await Fsck.RunAsync(store, key.Verifier);
        Assert.True(fsck.Ok, string.Join("\n", fsck.Problems));
    }

    [SkippableFact]
    public async Task A_resubmission_arriving_while_the_first_copy_commits_gets_the_same_index()
    {
        await using TBackend backend = new();
        FaultyLogStore? faulty = null;
        (ILogStore store, Ed25519NoteSigner key) = await NewLogAsync(backend, s => faulty = new FaultyLogStore(s));
        using Ed25519NoteSigner _ = key;
        TaskCompletionSource entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        TaskCompletionSource release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        faulty!.BeforeCommit = async n =>
        {
            if (n == 1)
            {
                entered.TrySetResult();
                await release.Task;
            }
        };
        // No group-commit wait, so the next batch is gathered at once and looked up while the first is held.
        SequencerOptions eager = new() { RetryDelay = TimeSpan.FromMilliseconds(1), MaxBatchSize = 64, GroupCommitWait = TimeSpan.Zero };
        await using Sequencer seq = await Sequencer.StartAsync(store, key, Origin, eager);
        Task<AddResult> first = seq.AddAsync(Entry(7));
        await entered.Task;

        Task<AddResult> again = seq.AddAsync(Entry(7));
        Task<AddResult> other = seq.AddAsync(Entry(8));
        await Task.Delay(100);
        Assert.False(first.IsCompleted);
        release.SetResult();

        TimeSpan limit = TimeSpan.FromSeconds(30);
        Assert.Equal(new AddResult(0, false), await first.WaitAsync(limit));
        Assert.Equal(new AddResult(0, true), await again.WaitAsync(limit));
        Assert.Equal(new AddResult(1, false), await other.WaitAsync(limit));
        Assert.Equal(2, seq.Head.Size);
        FsckResult fsck = await Fsck.RunAsync(store, key.Verifier);
        Assert.True(fsck.Ok, string.Join("; ", fsck.Problems));
    }

    [SkippableFact]
    public async Task Oversized_and_empty_entries_are_refused_and_nothing_is_stored()
    {
        await using TBackend backend = new();
        (ILogStore store, Ed25519NoteSigner key) = await NewLogAsync(backend);
        using Ed25519NoteSigner _ = key;
        await using Sequencer seq = await Sequencer.StartAsync(store, key, Origin, new SequencerOptions { MaxEntrySize = 1024 });
        await Assert.ThrowsAsync<ArgumentException>(() => seq.AddAsync(new byte[1025]));
        await Assert.ThrowsAsync<ArgumentException>(() => seq.AddAsync(Array.Empty<byte>()));
        Assert.Equal(0, (await store.ReadHeadAsync())!.Size);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Sequencer.StartAsync(store, key, Origin, new SequencerOptions { MaxEntrySize = 70000 }));
    }

    [SkippableFact]
    public async Task A_commit_that_does_not_extend_the_stored_checkpoint_conflicts_and_changes_nothing()
    {
        await using TBackend backend = new();
        (ILogStore store, Ed25519NoteSigner key) = await NewLogAsync(backend);
        using Ed25519NoteSigner _ = key;
        StoredCheckpoint head = (await store.ReadHeadAsync())!;
        StoredCheckpoint stale = head with { Note = [.. head.Note, 0x20] };
        Hash256 leaf = Rfc6962.LeafHash(Entry(0));
        StoredCheckpoint next = new(1, leaf, key.SignNote(new Checkpoint(Origin, 1, leaf).ToText()).ToBytes());
        LogCommit commit = new(stale, [new LogEntryRecord(0, leaf, EntryIdentity.Of(Entry(0)), Entry(0))], [new TileRecord(0, 0, leaf.ToArray())], next);
        await Assert.ThrowsAsync<LogConflictException>(() => store.CommitAsync(commit));
        Assert.True(head.SameAs(await store.ReadHeadAsync()));
        Assert.Empty(await store.ReadEntriesAsync(0, 1));
        Assert.Null(await store.ReadTileAsync(0, 0));
    }

    [SkippableFact]
    public async Task Two_sequencers_on_one_store_cannot_fork_the_log()
    {
        await using TBackend backend = new();
        (ILogStore store, Ed25519NoteSigner key) = await NewLogAsync(backend);
        using Ed25519NoteSigner _ = key;
        await using Sequencer a = await Sequencer.StartAsync(store, key, Origin, FastRetry);
        await using Sequencer b = await Sequencer.StartAsync(backend.NewLogStore(), key, Origin, FastRetry);
        AddResult fromA = await a.AddAsync(Entry(1));
        // b still believes the log is empty: its commit loses the compare-and-swap and it stops for good.
        await Assert.ThrowsAsync<LogFatalException>(() => b.AddAsync(Entry(2)));
        await Assert.ThrowsAsync<LogFatalException>(() => b.AddAsync(Entry(3)));
        AddResult more = await a.AddAsync(Entry(4));
        Assert.Equal((0, 1), (fromA.Index, more.Index));
        FsckResult fsck = await Fsck.RunAsync(store, key.Verifier);
        Assert.True(fsck.Ok, string.Join("\n", fsck.Problems));
        Assert.Equal([Entry(1), Entry(4)], await store.ReadEntriesAsync(0, 10));
    }

    [SkippableTheory]
    [MemberData(nameof(FaultPointData.All), MemberType = typeof(FaultPointData))]
    public async Task A_fault_at_any_integration_write_loses_no_acknowledged_entry_and_fsck_passes(int commitNumber, Fault fault)
    {
        await using TBackend backend = new();
        FaultyLogStore? faulty = null;
        (ILogStore store, Ed25519NoteSigner key) = await NewLogAsync(backend, s => faulty = new FaultyLogStore(s));
        using Ed25519NoteSigner _ = key;
        faulty!.CommitFaults[commitNumber] = fault;
        faulty.CommitFaults[commitNumber + 2] = fault;
        faulty.FailHeadReads = 0;
        Dictionary<long, byte[]> acknowledged = [];
        await using (Sequencer seq = await Sequencer.StartAsync(store, key, Origin, FastRetry))
        {
            for (int round = 0; round < 6; round++)
            {
                int[] ids = Enumerable.Range(round * 10, 10).ToArray();
                AddResult[] results = await Task.WhenAll(ids.Select(i => seq.AddAsync(Entry(i))));
                for (int k = 0; k < ids.Length; k++)
                {
                    acknowledged[results[k].Index] = Entry(ids[k]);
                }

                if (round == 2)
                {
                    faulty.FailHeadReads = 2;
                }
            }

            Assert.Null(seq.Fatal);
        }

        Assert.True(faulty.Commits >= commitNumber + 2, $"only {faulty.Commits} commits: the faults were not reached");
        faulty.FailHeadReads = 0;
        IReadOnlyList<byte[]> stored = await store.ReadEntriesAsync(0, 1000);
        foreach ((long index, byte[] entry) in acknowledged)
        {
            Assert.Equal(entry, stored[(int)index]);
        }

        Assert.Equal(60, stored.Count);
        FsckResult fsck = await Fsck.RunAsync(store, key.Verifier);
        Assert.True(fsck.Ok, string.Join("\n", fsck.Problems));

        // A restarted sequencer continues from the stored state.
        await using Sequencer again = await Sequencer.StartAsync(backend.NewLogStore(), key, Origin, FastRetry);
        Assert.Equal(60, (await again.AddAsync(Entry(1000))).Index);
        Assert.Equal(5, (await again.AddAsync(Entry(5))).Index);
    }

    [SkippableFact]
    public async Task The_cosigned_checkpoint_only_moves_forward()
    {
        await using TBackend backend = new();
        (ILogStore store, Ed25519NoteSigner key) = await NewLogAsync(backend);
        using Ed25519NoteSigner _ = key;
        Assert.Null(await store.ReadCosignedAsync());
        StoredCheckpoint five = new(5, Hash256.Empty, [1]);
        StoredCheckpoint three = new(3, Hash256.Empty, [2]);
        Assert.True(await store.WriteCosignedAsync(five));
        Assert.False(await store.WriteCosignedAsync(three));
        Assert.True((await store.ReadCosignedAsync())!.SameAs(five));
        Assert.True(await store.WriteCosignedAsync(five with { Note = [3] }));
    }

    [SkippableFact]
    public async Task Blobs_are_content_addressed_and_checked_on_read()
    {
        await using TBackend backend = new();
        await backend.PrepareBlobsAsync();
        IBlobStore blobs = backend.NewBlobStore();
        byte[] ballot = new byte[300_000];
        new Random(7).NextBytes(ballot);
        Hash256 h = await blobs.PutAsync(ballot);
        Assert.Equal(Hash256.Compute(ballot), h);
        Assert.Equal(h, await blobs.PutAsync(ballot));
        Assert.Equal(ballot, await blobs.GetCheckedAsync(h));
        Assert.Null(await blobs.GetCheckedAsync(Hash256.Compute([1, 2, 3])));
    }

    [SkippableFact]
    public async Task Many_blobs_are_read_at_once_in_the_order_asked_with_null_for_each_one_absent()
    {
        await using TBackend backend = new();
        await backend.PrepareBlobsAsync();
        IBlobStore blobs = backend.NewBlobStore();
        byte[][] stored = [.. Enumerable.Range(0, 3).Select(i => Encoding.UTF8.GetBytes($"artifact {i}"))];
        await blobs.PutManyAsync([.. stored.Select(b => (ReadOnlyMemory<byte>)b)]);
        Hash256 absent = Hash256.Compute([9, 9]);
        IReadOnlyList<byte[]?> read = await blobs.GetManyAsync([Hash256.Compute(stored[2]), absent, Hash256.Compute(stored[0]), Hash256.Compute(stored[2])]);
        Assert.Equal([stored[2], null, stored[0], stored[2]], read);
        Assert.Empty(await blobs.GetManyAsync([]));
    }

    [SkippableFact]
    public async Task Artifacts_submitted_with_their_entries_are_stored_in_the_entries_commit_and_a_conflicting_commit_stores_none()
    {
        await using TBackend backend = new();
        (ILogStore store, Ed25519NoteSigner key) = await NewLogAsync(backend);
        using Ed25519NoteSigner _ = key;
        await backend.PrepareBlobsAsync();
        IBlobStore blobs = backend.NewBlobStore();
        byte[][] artifacts = [.. Enumerable.Range(0, 40).Select(i => Encoding.UTF8.GetBytes($"ballot body {i}"))];
        await using (Sequencer seq = await Sequencer.StartAsync(store, key, Origin, FastRetry))
        {
            AddResult[] added = await Task.WhenAll(artifacts.Select((a, i) => seq.AddAsync(Entry(i), a)));
            Assert.Equal(40, added.Select(a => a.Index).Distinct().Count());
        }

        foreach (byte[] artifact in artifacts)
        {
            Assert.Equal(artifact, await blobs.GetCheckedAsync(Hash256.Compute(artifact)));
        }

        // A commit that loses the compare-and-swap stores neither its entries nor its artifacts.
        StoredCheckpoint head = (await store.ReadHeadAsync())!;
        byte[] orphan = Encoding.UTF8.GetBytes("an artifact whose entry never commits");
        LogCommit stale = new(head with { Size = head.Size - 1 }, [], [], head) { Blobs = [orphan] };
        await Assert.ThrowsAsync<LogConflictException>(() => store.CommitAsync(stale));
        Assert.Null(await blobs.GetCheckedAsync(Hash256.Compute(orphan)));
    }

    [SkippableFact]
    public async Task The_nonce_store_remembers_each_pair_once_until_it_expires_across_instances_and_concurrent_callers()
    {
        await using TBackend backend = new();
        await using INonceStore store = backend.NewNonceStore();
        await store.CreateSchemaAsync();
        await store.CreateSchemaAsync();
        RequestNonce a = new("blue.example", "n-1", 1000);
        RequestNonce b = new("red.example", "n-1", 1000);
        Assert.Equal([true, true, false], await store.RememberAsync([a, b, a], now: 900));
        Assert.Equal([false, false], await store.RememberAsync([a, b], now: 990));

        // Another instance on the same store (a restarted or second server) knows them.
        await using INonceStore other = backend.NewNonceStore();
        Assert.Equal([false, true], await other.RememberAsync([b, new RequestNonce("blue.example", "n-2", 1100)], now: 995));
        Assert.Equal(["blue.example/n-1", "blue.example/n-2", "red.example/n-1"],
            (await other.ReadLiveAsync(now: 1000)).Select(n => $"{n.KeyId}/{n.Nonce}").Order(StringComparer.Ordinal));

        // Once expired, a pair is forgotten (a request carrying it is stale anyway) and may be remembered again.
        Assert.Equal(["blue.example/n-2"], (await store.ReadLiveAsync(now: 1001)).Select(n => $"{n.KeyId}/{n.Nonce}"));
        Assert.Equal([true], await store.RememberAsync([a with { Expires = 2000 }], now: 1001));
        await store.PruneAsync(now: 1500);
        Assert.Equal(["blue.example/n-1"], (await store.ReadLiveAsync(now: 1500)).Select(n => $"{n.KeyId}/{n.Nonce}"));

        // Concurrent callers racing for one pair: exactly one wins.
        RequestNonce raced = new("blue.example", "raced", 3000);
        IReadOnlyList<bool>[] answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => backend.NewNonceStore().RememberAsync([raced], now: 2000)));
        Assert.Equal(1, answers.Count(x => x[0]));
    }

    [SkippableFact]
    public async Task The_witness_store_swaps_only_from_the_expected_size()
    {
        await using TBackend backend = new();
        IWitnessStore w = backend.NewWitnessStore();
        await w.CreateSchemaAsync();
        Assert.Null(await w.GetAsync("log"));
        WitnessState s5 = new("log", 5, Hash256.Empty, [5]);
        Assert.True(await w.CompareAndSwapAsync(null, s5));
        Assert.False(await w.CompareAndSwapAsync(null, s5 with { Size = 6 }));
        Assert.False(await w.CompareAndSwapAsync(4, s5 with { Size = 6 }));
        Assert.Equal(5, (await w.GetAsync("log"))!.Size);
        bool[] raced = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => w.CompareAndSwapAsync(5, s5 with { Size = 10 + i })));
        Assert.Equal(1, raced.Count(x => x));
    }
}

public static class FaultPointData
{
    public static TheoryData<int, Fault> All()
    {
        TheoryData<int, Fault> data = [];
        for (int n = 1; n <= 4; n++)
        {
            data.Add(n, Fault.WriteLost);
            data.Add(n, Fault.LandedButReportedFailure);
        }

        return data;
    }
}

public sealed class SqliteLogStoreContract : LogStoreContract<SqliteBackend>
{
}

public sealed class PostgresLogStoreContract : LogStoreContract<PostgresBackend>
{
}

/// <summary>Corruption a reader must notice.</summary>
public sealed class BlobCorruptionTests
{
    private sealed class LyingBlobStore : IBlobStore
    {
        public Task<Hash256> PutAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) => Task.FromResult(Hash256.Compute(data.Span));

        public Task<byte[]?> GetAsync(Hash256 sha256, CancellationToken cancellationToken = default) => Task.FromResult<byte[]?>([9, 9, 9]);
    }

    [Fact]
    public async Task A_blob_whose_bytes_do_not_match_its_address_is_refused()
    {
        LogStoreException e = await Assert.ThrowsAsync<LogStoreException>(() => new LyingBlobStore().GetCheckedAsync(Hash256.Compute([1])));
        Assert.Contains("corrupted", e.Message, StringComparison.Ordinal);
    }
}
