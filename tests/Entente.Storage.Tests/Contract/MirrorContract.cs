using System.Globalization;
using System.Text;
using Entente.Transparency;
using Entente.Transparency.Log;
using Entente.Transparency.Merkle;
using Entente.Transparency.Mirror;
using Entente.Transparency.Notes;
using Entente.Transparency.Witness;

namespace Entente.Storage.Tests.Contract;

/// <summary>
/// The tlog-mirror protocol against every store backend (issue #17): add-checkpoint, add-entries in canonical packages
/// with subtree consistency proofs (a prefix answered 202, the rest 200 with the mirror's cosignature), and the
/// refusals of the spec; the mirror checkpoint moves only once every artifact is held.
/// </summary>
public abstract class MirrorContract<TBackend>
    where TBackend : IStoreBackend, new()
{
    private const string Origin = "entente.test/log";

    /// <summary>Artifacts served by a test log; <see cref="Withheld"/> are not.</summary>
    private sealed class Artifacts : IArtifactSource
    {
        public Dictionary<Hash256, byte[]> Blobs { get; } = [];

        public HashSet<Hash256> Withheld { get; } = [];

        /// <summary>Bytes served instead of an artifact (altered), one by one and in bundles.</summary>
        public Dictionary<Hash256, byte[]> Altered { get; } = [];

        /// <summary>Whether the source serves bundles (the board's <c>GET /blobs</c>).</summary>
        public bool Bundles { get; init; }

        public int Single;

        public int Bundled;

        public Task<ArtifactServed> GetAsync(Hash256 sha256, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Single);
            return Task.FromResult(Altered.TryGetValue(sha256, out byte[]? altered) ? new ArtifactServed(altered, null)
                : !Withheld.Contains(sha256) && Blobs.TryGetValue(sha256, out byte[]? b) ? new ArtifactServed(b, null) : new ArtifactServed(null, "404"));
        }

        public Task<IReadOnlyList<byte[]>> GetManyAsync(IReadOnlyList<Hash256> sha256, CancellationToken cancellationToken)
        {
            Assert.InRange(sha256.Count, 1, 64);
            Interlocked.Increment(ref Bundled);
            return Task.FromResult<IReadOnlyList<byte[]>>(!Bundles ? [] : [.. sha256
                .Select(h => Altered.TryGetValue(h, out byte[]? altered) ? altered : !Withheld.Contains(h) && Blobs.TryGetValue(h, out byte[]? b) ? b : null)
                .OfType<byte[]>()
                .Reverse()]);
        }
    }

    /// <summary>A source log in memory: <paramref name="count"/> entries by blue.example, each committing to its own artifact.</summary>
    private static (MemoryMerkleTree Tree, List<byte[]> Entries, Artifacts Artifacts, Ed25519NoteSigner Key) SourceLog(int count)
    {
        using Ed25519NoteSigner party = Ed25519NoteSigner.Generate("blue.example");
        MemoryMerkleTree tree = new();
        List<byte[]> entries = [];
        Artifacts artifacts = new();
        for (int i = 0; i < count; i++)
        {
            byte[] artifact = Encoding.UTF8.GetBytes($"artifact {i}");
            artifacts.Blobs[Hash256.Compute(artifact)] = artifact;
            byte[] entry = new LogEntry("manifest", Hash256.Compute(artifact), party.Name).Sign(party);
            entries.Add(entry);
            tree.AppendEntry(entry);
        }

        return (tree, entries, artifacts, Ed25519NoteSigner.Generate(Origin));
    }

    private static byte[] Checkpoint(Ed25519NoteSigner key, MemoryMerkleTree tree, long size) => key.SignNote(new Checkpoint(Origin, size, tree.Root(size)).ToText()).ToBytes();

    private static byte[] Body(MemoryMerkleTree tree, List<byte[]> entries, long start, long end, int maxPackages = 32, string origin = Origin)
    {
        List<byte> body = [.. AddEntries.FormatHeader(origin, start, end, [])];
        long count = Math.Min(AddEntries.PackageCount(start, end), maxPackages);
        for (long i = 0; i < count; i++)
        {
            (long from, long to, long subtree) = AddEntries.Package(start, end, i);
            body.AddRange(AddEntries.FormatPackage(entries.GetRange((int)from, (int)(to - from)), MerkleMath.SubtreeConsistencyProof(tree, subtree, to, end)));
        }

        return [.. body];
    }

    private static async Task<(Mirror Mirror, ILogStore Store, Ed25519NoteSigner Key)> OpenAsync(TBackend backend, Ed25519NoteSigner logKey, IArtifactSource artifacts)
    {
        await backend.PrepareBlobsAsync();
        ILogStore store = backend.NewLogStore();
        Ed25519NoteSigner key = Ed25519NoteSigner.Generate("mirror.test");
        Mirror mirror = await Mirror.OpenAsync(key, new WitnessedLog(Origin, [logKey.Verifier]), store, backend.NewBlobStore(), backend.NewWitnessStore(), artifacts, _ => true);
        return (mirror, store, key);
    }

    [SkippableFact]
    public async Task A_mirror_takes_a_prefix_of_packages_then_the_rest_and_cosigns_a_copy_that_has_the_logs_root_and_every_artifact()
    {
        await using TBackend backend = new();
        (MemoryMerkleTree tree, List<byte[]> entries, Artifacts artifacts, Ed25519NoteSigner logKey) = SourceLog(600);
        (Mirror mirror, ILogStore store, Ed25519NoteSigner key) = await OpenAsync(backend, logKey, artifacts);
        using (logKey)
        using (key)
        using (mirror)
        await using (store)
        {
            WitnessResponse added = await mirror.AddCheckpointAsync(Witness.FormatRequest(0, [], Checkpoint(logKey, tree, 600)));
            Assert.Equal((200, ""), (added.Status, added.Body));

            WitnessResponse partial = await mirror.AddEntriesAsync(Body(tree, entries, 0, 600, maxPackages: 2));
            Assert.Equal(202, partial.Status);
            Assert.Equal("600\n512\n\n", partial.Body);
            Assert.Equal(0, (await mirror.HeadAsync()).Size); // nothing committed before every entry and artifact is held

            WitnessResponse done = await mirror.AddEntriesAsync(Body(tree, entries, 512, 600));
            Assert.Equal(200, done.Status);
            NoteSignature cosignature = SignedNote.Parse("x\n\n" + done.Body).Signatures.Single();
            Assert.True(key.CosignatureVerifier.Verify(new Checkpoint(Origin, 600, tree.Root(600)).ToText().Select(c => (byte)c).ToArray(), cosignature.Signature));

            StoredCheckpoint head = await mirror.HeadAsync();
            Assert.Equal((600L, tree.Root(600)), (head.Size, head.Root));
            Assert.Equal(tree.Root(600), await mirror.Reader.RootAsync(600));
            Assert.Equal(tree.Root(300), await mirror.Reader.RootAsync(300));
            foreach ((Hash256 sha, byte[] bytes) in artifacts.Blobs)
            {
                Assert.Equal(bytes, await mirror.Blobs.GetCheckedAsync(sha));
            }

            // The same upload again is a no-op that answers the same cosignature.
            WitnessResponse again = await mirror.AddEntriesAsync(Body(tree, entries, 600, 600));
            Assert.Equal((200, done.Body), (again.Status, again.Body));
        }
    }

    [SkippableFact]
    public async Task A_mirror_fetching_in_bundles_stores_nothing_that_fails_its_hash_names_it_and_commits_once_served_even_if_a_held_artifact_is_no_longer_served()
    {
        await using TBackend backend = new();
        (MemoryMerkleTree tree, List<byte[]> entries, Artifacts source, Ed25519NoteSigner logKey) = SourceLog(300);
        Artifacts artifacts = new() { Bundles = true };
        foreach ((Hash256 sha, byte[] bytes) in source.Blobs)
        {
            artifacts.Blobs[sha] = bytes;
        }

        (Mirror mirror, ILogStore store, Ed25519NoteSigner key) = await OpenAsync(backend, logKey, artifacts);
        using (logKey)
        using (key)
        using (mirror)
        await using (store)
        {
            Hash256 altered = LogEntry.Parse(entries[10]).Entry.Sha256;
            Hash256 other = LogEntry.Parse(entries[11]).Entry.Sha256;
            artifacts.Altered[altered] = Encoding.UTF8.GetBytes("not artifact 10");
            Assert.Equal(200, (await mirror.AddCheckpointAsync(Witness.FormatRequest(0, [], Checkpoint(logKey, tree, 300)))).Status);
            WitnessResponse refused = await mirror.AddEntriesAsync(Body(tree, entries, 0, 300));
            Assert.Equal(422, refused.Status);
            Assert.Contains($"entry 10 (artifact sha256 {altered.ToHex()}): altered", refused.Body, StringComparison.Ordinal);
            Assert.Equal(0, (await mirror.HeadAsync()).Size);
            Assert.Null(await mirror.Blobs.GetCheckedAsync(altered)); // nothing stored on a failed check
            Assert.NotNull(await mirror.Blobs.GetCheckedAsync(other)); // what passed is kept
            Assert.Equal(5, artifacts.Bundled); // 300 artifacts in bundles of 64
            Assert.Equal(1, artifacts.Single); // only what a bundle left out is asked for alone

            artifacts.Altered.Clear();
            Assert.IsType<MirrorCommit.Committed>(await mirror.CommitAsync(300));
            Assert.Equal(300, (await mirror.HeadAsync()).Size);
            Assert.Equal(6, artifacts.Bundled); // the retry asked only for what failed
            foreach ((Hash256 sha, byte[] bytes) in source.Blobs)
            {
                Assert.Equal(bytes, await mirror.Blobs.GetCheckedAsync(sha));
            }

            // A new entry commits to entry 11's artifact, which the log no longer serves: the mirror holds it and commits.
            using Ed25519NoteSigner party = Ed25519NoteSigner.Generate("red.example");
            byte[] again = new LogEntry("manifest", other, party.Name).Sign(party);
            entries.Add(again);
            tree.AppendEntry(again);
            artifacts.Withheld.Add(other);
            Assert.Equal(200, (await mirror.AddCheckpointAsync(Witness.FormatRequest(300, MerkleMath.ConsistencyProof(tree, 300, 301), Checkpoint(logKey, tree, 301)))).Status);
            Assert.Equal(200, (await mirror.AddEntriesAsync(Body(tree, entries, 300, 301))).Status);
            Assert.Equal(301, (await mirror.HeadAsync()).Size);
        }
    }

    [SkippableFact]
    public async Task A_mirror_refuses_what_the_spec_refuses_and_does_not_advance_past_a_withheld_artifact()
    {
        await using TBackend backend = new();
        (MemoryMerkleTree tree, List<byte[]> entries, Artifacts artifacts, Ed25519NoteSigner logKey) = SourceLog(40);
        (Mirror mirror, ILogStore store, Ed25519NoteSigner key) = await OpenAsync(backend, logKey, artifacts);
        using (logKey)
        using (key)
        using (mirror)
        await using (store)
        {
            Assert.Equal(422, (await mirror.AddEntriesAsync(Body(tree, entries, 0, 20))).Status); // no pending checkpoint yet
            Assert.Equal(200, (await mirror.AddCheckpointAsync(Witness.FormatRequest(0, [], Checkpoint(logKey, tree, 20)))).Status);
            Assert.Equal(404, (await mirror.AddEntriesAsync(Body(tree, entries, 0, 20, origin: "other.test/log"))).Status);
            WitnessResponse unknownEnd = await mirror.AddEntriesAsync(Body(tree, entries, 0, 30));
            Assert.Equal((409, AddEntries.MirrorInfoType, "20\n0\n\n"), (unknownEnd.Status, unknownEnd.ContentType, unknownEnd.Body));
            Assert.Equal(400, (await mirror.AddEntriesAsync(Body(tree, entries, 0, 20).AsMemory(..^40))).Status); // the only package truncated

            // Entries swapped: the package's subtree no longer has the proof's hash.
            List<byte[]> swapped = [.. entries];
            (swapped[3], swapped[4]) = (swapped[4], swapped[3]);
            byte[] forged = Body(tree, swapped, 0, 20);
            byte[] honest = Body(tree, entries, 0, 20);
            Assert.Equal(honest.Length, forged.Length);
            WitnessResponse bad = await mirror.AddEntriesAsync(forged);
            Assert.Equal(422, bad.Status);
            Assert.Contains("subtree consistency proof", bad.Body, StringComparison.Ordinal);
            Assert.Equal(0, await mirror.NextEntryAsync());

            Hash256 withheld = LogEntry.Parse(entries[7]).Entry.Sha256;
            artifacts.Withheld.Add(withheld);
            WitnessResponse missing = await mirror.AddEntriesAsync(honest);
            Assert.Equal(422, missing.Status);
            Assert.Contains($"entry 7 (artifact sha256 {withheld.ToHex()}): withheld", missing.Body, StringComparison.Ordinal);
            Assert.Equal(0, (await mirror.HeadAsync()).Size);

            artifacts.Withheld.Clear();
            Assert.IsType<MirrorCommit.Committed>(await mirror.CommitAsync(20));
            Assert.Equal(20, (await mirror.HeadAsync()).Size);

            // A later checkpoint that is not consistent with the mirror's is refused by the witness checks.
            using Ed25519NoteSigner party = Ed25519NoteSigner.Generate("red.example");
            MemoryMerkleTree fork = new();
            for (int i = 0; i < 30; i++)
            {
                fork.AppendEntry(i == 5 ? new LogEntry("manifest", Hash256.Compute([5]), party.Name).Sign(party) : entries[i]);
            }

            IReadOnlyList<Hash256> proof = MerkleMath.ConsistencyProof(fork, 20, 30);
            WitnessResponse refused = await mirror.AddCheckpointAsync(Witness.FormatRequest(20, proof, Checkpoint(logKey, fork, 30)));
            Assert.Equal(422, refused.Status);
            Assert.Equal(20, (await mirror.PendingAsync())!.Size);
            Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"20\n20\n\n"), (await mirror.AddEntriesAsync(Body(tree, entries, 20, 30))).Body);
        }
    }
}

public sealed class SqliteMirrorContract : MirrorContract<SqliteBackend>
{
}

public sealed class PostgresMirrorContract : MirrorContract<PostgresBackend>
{
}
