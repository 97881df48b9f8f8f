using System.Globalization;
using System.Text;
using System.Text.Json;
using Entente.Transparency.Merkle;
using Entente.Transparency.Notes;
using Entente.Transparency.Tiles;

namespace Entente.Transparency.Tests.Kat;

/// <summary>Checkpoints, tiles and bundles of the tessera test log; checkpoint parse cases; tile paths.</summary>
public sealed class CheckpointAndTileTests
{
    private static readonly JsonElement Tessera = Vectors.Json("checkpoints/tessera-testdata-log.json");

    [Fact]
    public void Every_tessera_checkpoint_verifies_and_is_re_signed_byte_for_byte()
    {
        INoteVerifier logKey = VerifierKeys.Parse(Tessera.GetProperty("vkey").GetString()!);
        using Ed25519NoteSigner signer = Ed25519NoteSigner.FromSkey(Tessera.GetProperty("skey").GetString()!);
        string[] entries = Tessera.GetProperty("entries_in_order_utf8").EnumerateArray().Select(e => e.GetString()!).ToArray();
        MemoryMerkleTree tree = new();
        for (int n = 0; n <= entries.Length; n++)
        {
            byte[] file = File.ReadAllBytes(Vectors.PathOf($"tessera-testdata-log/checkpoint.{n}"));
            SignedCheckpoint cp = SignedCheckpoint.Open(file, logKey);
            Assert.Equal("example.com/log/testdata", cp.Checkpoint.Origin);
            Assert.Equal(n, cp.Checkpoint.Size);
            Assert.Equal(tree.Root(), cp.Checkpoint.Root);
            Assert.Equal(file, signer.SignNote(cp.Checkpoint.ToText()).ToBytes());
            if (n > 0)
            {
                byte[] tile = File.ReadAllBytes(Vectors.PathOf($"tessera-testdata-log/tile/0/000.p/{n}"));
                Assert.Equal(Enumerable.Range(0, n).SelectMany(i => tree.PerfectSubtree(0, i).ToArray()), tile);
                byte[] bundle = File.ReadAllBytes(Vectors.PathOf($"tessera-testdata-log/tile/entries/000.p/{n}"));
                Assert.Equal(entries[..n], EntryBundle.Decode(bundle, n).Select(e => Encoding.UTF8.GetString(e)));
                Assert.Equal(bundle, EntryBundle.Encode(entries[..n].Select(e => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(e))));
                Assert.Equal($"tile/0/000.p/{n}", TilePath.TileIn(0, 0, n)!.Value.ToString());
            }

            if (n < entries.Length)
            {
                tree.AppendEntry(Encoding.UTF8.GetBytes(entries[n]));
            }
        }
    }

    [Fact]
    public void Checkpoint_body_parse_cases_follow_strict_C2SP()
    {
        JsonElement cases = Vectors.Json("checkpoints/checkpoint-body-parse-cases.json").GetProperty("cases");
        foreach (JsonElement c in cases.EnumerateArray())
        {
            bool ok = Checkpoint.TryParse(c.GetProperty("body").GetString()!, out Checkpoint? cp);
            Assert.True(c.GetProperty("strict_c2sp").GetString()!.StartsWith("ok", StringComparison.Ordinal) == ok, c.GetProperty("desc").GetString());
            if (ok)
            {
                Assert.Equal(c.GetProperty("body").GetString(), cp!.ToText());
            }
        }
    }

    [Theory]
    [InlineData("Log\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\next\n", true)]
    [InlineData("Log\n0\nbjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=\n", false)]
    [InlineData("Log\n+1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", false)]
    [InlineData("Log\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV=\n", false)]
    [InlineData("Log\r\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", false)]
    [InlineData("Log\n9223372036854775808\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", false)]
    public void Checkpoint_parser_is_strict(string body, bool ok) => Assert.Equal(ok, Checkpoint.TryParse(body, out _));

    [Fact]
    public void Tile_paths_match_tessera_and_the_spec()
    {
        JsonElement c = Vectors.Json("tiles/tile-paths.json").GetProperty("c2sp_tlog_tiles");
        foreach (JsonElement t in c.GetProperty("tile_path").EnumerateArray())
        {
            int width = t.GetProperty("width").ValueKind == JsonValueKind.Null ? 256 : t.GetProperty("width").GetInt32();
            TilePath path = new(t.GetProperty("level").GetInt32(), t.GetProperty("index").GetInt64(), width);
            Assert.Equal(t.GetProperty("path").GetString(), path.ToString());
        }

        foreach (JsonElement t in c.GetProperty("entries_path_for_log_index").EnumerateArray())
        {
            Assert.Equal(t.GetProperty("path").GetString(), TilePath.EntriesFor(t.GetProperty("index").GetInt64(), t.GetProperty("log_size").GetInt64()).ToString());
        }

        foreach (JsonElement t in c.GetProperty("parse_ok").EnumerateArray())
        {
            Assert.True(TilePath.TryParse(t.GetProperty("level").GetString()!, t.GetProperty("index").GetString()!, out TilePath p));
            long[] want = t.GetProperty("want").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            Assert.Equal((want[0], want[1], want[2] == 0 ? 256 : want[2]), ((long)p.Level, p.Index, (long)p.Width));
        }

        foreach (JsonElement t in c.GetProperty("parse_err").EnumerateArray())
        {
            Assert.False(TilePath.TryParse(t[0].GetString()!, t[1].GetString()!, out _), $"{t[0]} {t[1]}");
        }
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void The_70000_leaf_tree_has_the_spec_tile_list_with_the_derived_tile_hashes()
    {
        JsonElement v = Vectors.Json("derived/leaf-N-tree.json").GetProperty("tiles_size_70000");
        MemoryMerkleTree tree = new();
        for (int i = 0; i < 70000; i++)
        {
            tree.AppendEntry(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"leaf {i}")));
        }

        TilePath[] all = TilePath.AllTiles(70000).ToArray();
        Assert.Equal(v.GetProperty("count").GetInt32(), all.Length);
        Dictionary<string, TilePath> byPath = all.ToDictionary(p => p.ToString());
        foreach (JsonElement t in v.GetProperty("list").EnumerateArray())
        {
            TilePath p = byPath[t.GetProperty("path").GetString()!];
            byte[] bytes = TileHashes.Read(tree, p);
            Assert.Equal(t.GetProperty("bytes").GetInt32(), bytes.Length);
            Assert.Equal(t.GetProperty("sha256_of_tile_bytes").GetString(), Hash256.Compute(bytes).ToHex());
        }

        Assert.Contains("tile/0/273.p/112", byPath.Keys);
        Assert.Contains("tile/1/001.p/17", byPath.Keys);
        Assert.Contains("tile/2/000.p/1", byPath.Keys);
    }
}
