using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Entente.Client.Log;
using Entente.Client.Tests.Support;
using Entente.Transparency;
using Entente.Transparency.Merkle;
using Entente.Transparency.Notes;
using Entente.Transparency.Tiles;

namespace Entente.Client.Tests.Kat;

/// <summary>
/// LogClient against logs published as static files: the 15-entry tlog-tiles log of transparency-dev/tessera
/// (tests/vectors/tlog/tessera-testdata-log, its checkpoints signed by the vector's key) and the 70,000-leaf tree of
/// tests/vectors/tlog/derived/leaf-N-tree.json (277 tiles, three levels, whose SHA-256 and root the vector fixes).
/// </summary>
public sealed class TilesLogVectorTests
{
    private static readonly string Vectors = Path.Combine(AppContext.BaseDirectory, "vectors", "tlog");

    private static JsonElement Json(string path) => JsonDocument.Parse(File.ReadAllText(Path.Combine(Vectors, path))).RootElement;

    private static Dictionary<string, byte[]> TesseraFiles()
    {
        string root = Path.Combine(Vectors, "tessera-testdata-log");
        return Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains(".state", StringComparison.Ordinal))
            .ToDictionary(f => Path.GetRelativePath(root, f).Replace(Path.DirectorySeparatorChar, '/'), File.ReadAllBytes, StringComparer.Ordinal);
    }

    [Fact]
    public async Task Every_checkpoint_of_the_tessera_log_verifies_and_its_entries_read_back_proven_included()
    {
        JsonElement meta = Json("checkpoints/tessera-testdata-log.json");
        INoteVerifier key = VerifierKeys.Parse(meta.GetProperty("vkey").GetString()!);
        string[] expected = [.. meta.GetProperty("entries_in_order_utf8").EnumerateArray().Select(e => e.GetString()!)];
        Dictionary<string, byte[]> files = TesseraFiles();
        await using StaticSite site = await StaticSite.StartAsync(files);
        using LogClient log = new(site.Address);
        for (int n = 1; n <= 15; n++)
        {
            site.Files["checkpoint"] = files[$"checkpoint.{n}"];
            CheckpointVerification checkpoint = await log.GetVerifiedCheckpointAsync(key, policy: null);
            Assert.True(checkpoint.Valid, string.Join("; ", checkpoint.Failures));
            Assert.Equal(n, checkpoint.Checkpoint.Checkpoint.Size);
            List<LogEntryRead> entries = [];
            await foreach (LogEntryRead e in log.ReadEntriesAsync(checkpoint.Checkpoint.Checkpoint, 0, n))
            {
                entries.Add(e);
            }

            Assert.All(entries, e => Assert.True(e.Included, e.Failure));
            Assert.Equal(expected[..n], entries.Select(e => Encoding.UTF8.GetString(e.Bytes!)));
            Assert.Equal(Encoding.UTF8.GetBytes(expected[n - 1]), await log.GetEntryAsync(checkpoint.Checkpoint.Checkpoint, n - 1));
        }
    }

    [Fact]
    public async Task The_tessera_checkpoint_fails_under_another_key_and_a_changed_bundle_names_the_entry()
    {
        Dictionary<string, byte[]> files = TesseraFiles();
        await using StaticSite site = await StaticSite.StartAsync(files);
        using LogClient log = new(site.Address);
        using Ed25519NoteSigner other = Ed25519NoteSigner.Generate("example.com/log/testdata");
        CheckpointVerification wrongKey = await log.GetVerifiedCheckpointAsync(other.Verifier, policy: null);
        Assert.False(wrongKey.Valid);
        Assert.Contains("no valid signature by the log key", Assert.Single(wrongKey.Failures), StringComparison.Ordinal);

        // Entry 6 ("seven") replaced by "SEVEN" in the bundle the log serves: entry 6 fails, the others are proven.
        List<byte[]> entries = EntryBundle.Decode(files["tile/entries/000.p/15"], 15);
        entries[6] = "SEVEN"u8.ToArray();
        site.Files["tile/entries/000.p/15"] = EntryBundle.Encode(entries.Select(e => (ReadOnlyMemory<byte>)e));
        Checkpoint checkpoint = (await log.GetCheckpointAsync()).Checkpoint;
        List<LogEntryRead> read = [];
        await foreach (LogEntryRead e in log.ReadEntriesAsync(checkpoint, 0, 15))
        {
            read.Add(e);
        }

        Assert.Equal([6L], read.Where(e => !e.Included).Select(e => e.Index));
        Assert.Contains("leaf hash", read[6].Failure, StringComparison.Ordinal);
        await Assert.ThrowsAsync<LogVerificationException>(() => log.GetEntryAsync(checkpoint, 6));
    }

    /// <summary>The 70,000-leaf tree: every tile (full and partial, levels 0–2) and every entry bundle, as a static site.</summary>
    private static (Dictionary<string, byte[]> Files, Checkpoint Checkpoint) LeafTree()
    {
        JsonElement vector = Json("derived/leaf-N-tree.json");
        const long Size = 70000;
        MemoryMerkleTree tree = new();
        List<byte[]> leaves = [];
        for (int i = 0; i < Size; i++)
        {
            byte[] leaf = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"leaf {i}"));
            leaves.Add(leaf);
            tree.AppendEntry(leaf);
        }

        Dictionary<string, byte[]> files = new(StringComparer.Ordinal);
        foreach (TilePath tile in TilePath.AllTiles(Size))
        {
            files[tile.ToString()] = TileHashes.Read(tree, tile);
        }

        JsonElement list = vector.GetProperty("tiles_size_70000");
        Assert.Equal(list.GetProperty("count").GetInt32(), files.Count);
        foreach (JsonElement t in list.GetProperty("list").EnumerateArray())
        {
            Assert.Equal(t.GetProperty("sha256_of_tile_bytes").GetString(), Convert.ToHexStringLower(SHA256.HashData(files[t.GetProperty("path").GetString()!])));
        }

        for (long start = 0; start < Size; start += TilePath.FullWidth)
        {
            TilePath bundle = TilePath.EntriesFor(start, Size);
            files[bundle.ToString()] = EntryBundle.Encode(leaves.Skip((int)start).Take(bundle.Width).Select(e => (ReadOnlyMemory<byte>)e));
        }

        Hash256 root = Hash256.FromBytes(Convert.FromBase64String(vector.GetProperty("roots_b64").GetProperty("70000").GetString()!));
        Assert.Equal(root, tree.Root());
        return (files, new Checkpoint("leaf-tree.example", Size, root));
    }

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
    public async Task Every_entry_of_a_three_level_tree_is_proven_against_the_vector_root_and_ranges_read_only_what_they_need()
    {
        (Dictionary<string, byte[]> files, Checkpoint checkpoint) = LeafTree();
        await using StaticSite site = await StaticSite.StartAsync(files);
        using LogClient log = new(site.Address);

        List<LogEntryRead> all = await ReadAsync(log, checkpoint, 0, checkpoint.Size);
        Assert.Equal(checkpoint.Size, all.Count);
        Assert.All(all, e => Assert.True(e.Included, e.Failure));
        Assert.Equal("leaf 69999", Encoding.ASCII.GetString(all[^1].Bytes!));

        // A range across the level-2 boundary (65536) and into the partial edge.
        while (site.Requests.TryDequeue(out _))
        {
        }

        List<LogEntryRead> range = await ReadAsync(log, checkpoint, 65530, 65545);
        Assert.Equal(Enumerable.Range(65530, 15).Select(i => $"leaf {i}"), range.Select(e => Encoding.ASCII.GetString(e.Bytes!)));
        Assert.All(range, e => Assert.True(e.Included, e.Failure));
        Assert.DoesNotContain(site.Requests, p => p.StartsWith("tile/entries/", StringComparison.Ordinal) && p != "tile/entries/255" && p != "tile/entries/256");
    }

    [Fact]
    public async Task A_changed_entry_a_missing_entry_and_a_tile_that_does_not_hash_to_the_root_are_each_caught()
    {
        (Dictionary<string, byte[]> files, Checkpoint checkpoint) = LeafTree();
        await using StaticSite site = await StaticSite.StartAsync(files);
        using LogClient log = new(site.Address);

        // One entry of a full bundle changed: exactly that index fails (the served level-0 tile, proven, names it).
        byte[] original = files["tile/entries/100"];
        List<byte[]> entries = EntryBundle.Decode(original, 256);
        entries[7] = "leaf 25607 (rewritten)"u8.ToArray();
        site.Files["tile/entries/100"] = EntryBundle.Encode(entries.Select(e => (ReadOnlyMemory<byte>)e));
        List<LogEntryRead> read = await ReadAsync(log, checkpoint, 25600, 25856);
        Assert.Equal([25607L], read.Where(e => !e.Included).Select(e => e.Index));

        // An entry missing from the bundle: every entry of that bundle fails, saying so.
        entries.RemoveAt(7);
        site.Files["tile/entries/100"] = EntryBundle.Encode(entries.Select(e => (ReadOnlyMemory<byte>)e));
        read = await ReadAsync(log, checkpoint, 25600, 25610);
        Assert.All(read, e => Assert.Contains("holds 255 entries, expected 256", e.Failure, StringComparison.Ordinal));
        site.Files["tile/entries/100"] = original;

        // A level-1 tile that does not hash to its parent (level 2): nothing under it can be proven.
        byte[] tile = (byte[])files["tile/1/000"].Clone();
        tile[5] ^= 1;
        site.Files["tile/1/000"] = tile;
        LogVerificationException parent = await Assert.ThrowsAsync<LogVerificationException>(() => ReadAsync(log, checkpoint, 0, 10));
        Assert.Contains("tile/1/000", parent.Message, StringComparison.Ordinal);
        site.Files["tile/1/000"] = files["tile/1/000"];

        // A checkpoint whose root is not the tree's: the right edge does not hash to it.
        Checkpoint forged = new(checkpoint.Origin, checkpoint.Size, Hash256.Compute("not the root"u8));
        LogVerificationException edge = await Assert.ThrowsAsync<LogVerificationException>(() => ReadAsync(log, forged, 0, 1));
        Assert.Contains("right edge", edge.Message, StringComparison.Ordinal);

        // A bundle that does not hash to the tree, while the level-0 tile that could say which entry differs is not served.
        site.Files.TryRemove("tile/0/010", out _);
        site.Files["tile/entries/010"] = EntryBundle.Encode(Enumerable.Repeat((ReadOnlyMemory<byte>)"x"u8.ToArray(), 256));
        read = await ReadAsync(log, checkpoint, 2560, 2562);
        Assert.All(read, e => Assert.Contains("does not hash to the checkpoint's tree", e.Failure, StringComparison.Ordinal));
        Assert.Contains("tile/0/010 is not served", read[0].Failure, StringComparison.Ordinal);
    }
}
