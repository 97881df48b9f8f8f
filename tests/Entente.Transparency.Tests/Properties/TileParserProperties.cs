using System.Numerics;
using System.Text;
using CsCheck;
using Entente.Testing.Properties;
using Entente.Transparency.Log;
using Entente.Transparency.Tiles;
using Xunit.Abstractions;

namespace Entente.Transparency.Tests.Properties;

/// <summary>
/// Tile paths and entry bundles under random and mutated input: a path is accepted only in its one canonical form and
/// is read from any tree size without overflow, as the tile or as "no such tile"; a bundle decodes to entries that encode back to its bytes, or is refused
/// with <see cref="FormatException"/>.
/// </summary>
public sealed class TileParserProperties(ITestOutputHelper output)
{
    private static readonly Gen<long> Index = Gen.OneOf(Gen.Long[0, 2000], Gen.Long[0, 1L << 40], Gen.Long[0, long.MaxValue >> 8]);

    [Fact]
    public void Tile_paths_are_accepted_only_in_canonical_form_and_read_from_any_tree_without_overflow()
    {
        Gen<byte[]> paths = Gen.Select(Gen.Int[-1, 63], Index, Gen.Int[1, 256], (level, index, width) =>
            Encoding.ASCII.GetBytes(new TilePath(level, level == TilePath.EntriesLevel ? index : index >> (8 * Math.Min(level, 7)), width).ToString()));
        PropertyRunner.Check(output, Mutations.Of(paths), input =>
        {
            string text = input.Text;
            if (!text.StartsWith("tile/", StringComparison.Ordinal) || text.IndexOf('/', 5) is var slash && slash < 0)
            {
                return;
            }

            string level = text[5..slash];
            string rest = text[(slash + 1)..];
            if (!TilePath.TryParse(level, rest, out TilePath path))
            {
                return;
            }

            Assert.Equal(text, path.ToString());
            Assert.InRange(path.Width, 1, TilePath.FullWidth);

            // For every tree size, reading the tile answers "no such tile" or the tile, never an overflow or a store
            // error: what a tree does not hold is decided before the store is asked.
            foreach (long size in (long[])[0, 1, 255, 256, 257, 65536, 1L << 40, (1L << 56) + 3, long.MaxValue])
            {
                LogReader reader = new(new WholeTreeStore(size));
                byte[]? data = reader.ReadTileAsync(path, size).GetAwaiter().GetResult();
                if (data is null)
                {
                    continue;
                }

                if (path.IsEntries)
                {
                    Assert.Equal(path.Width, EntryBundle.Decode(data, path.Width).Count);
                    Assert.True(((BigInteger)path.Index * 256) + path.Width <= size, $"{path} read from a tree of size {size}");
                }
                else
                {
                    Assert.Equal(path.Width * Hash256.Size, data.Length);
                    Assert.True(path.Level < 8 && ((((BigInteger)path.Index * 256) + path.Width) << (8 * path.Level)) <= size,
                        $"{path} read from a tree of size {size}");
                }
            }
        }, fixedSeed: 1421, iterations: 3000);
    }

    [Fact]
    public void Entry_bundles_round_trip_or_are_refused_with_FormatException()
    {
        // Valid bundles hold 0..10 entries; the expected count is drawn from 0..11 so that it often matches.
        Gen<byte[]> bundles = Gen.Byte.Array[0, 100].Array[0, 10].Select(entries => EntryBundle.Encode(entries.Select(e => (ReadOnlyMemory<byte>)e)));
        Gen<(FuzzInput Input, int Expected)> inputs = Gen.Select(Mutations.Of(bundles), Gen.Int[0, 11], (input, expected) => (input, expected));
        PropertyRunner.Check(output, inputs, t =>
        {
            List<byte[]>? entries = Outcome.Of<List<byte[]>, FormatException>(() => EntryBundle.Decode(t.Input.Bytes, t.Expected));
            if (entries is not null)
            {
                Assert.Equal(t.Expected, entries.Count);
                Assert.Equal(t.Input.Bytes, EntryBundle.Encode(entries.Select(e => (ReadOnlyMemory<byte>)e)));
            }
        }, fixedSeed: 1422, iterations: 1500, print: t => $"{t.Input} expecting {t.Expected}");
    }
}
