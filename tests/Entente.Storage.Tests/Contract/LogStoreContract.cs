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
        LogCommit commit = new(stale, [new LogEntryRecord(0, leaf, Entry(0))], [new TileRecord(0, 0, leaf.ToArray())], next);
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
