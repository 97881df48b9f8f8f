using Entente.Transparency.Merkle;

namespace Entente.Transparency.Tiles;

/// <summary>Tile contents and subtree hashes from tiles: tile (L, N) hash i is the perfect subtree of height 8L at N·256+i.</summary>
public static class TileHashes
{
    /// <summary>Tile height in levels: 8 (256 hashes per tile).</summary>
    public const int Height = 8;

    /// <summary>The bytes of a Merkle tile read from any subtree source.</summary>
    public static byte[] Read(ISubtreeHashes source, TilePath tile)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (tile.IsEntries)
        {
            throw new ArgumentException("An entry bundle is not a hash tile.", nameof(tile));
        }

        byte[] data = new byte[tile.Width * Hash256.Size];
        for (int i = 0; i < tile.Width; i++)
        {
            source.PerfectSubtree(Height * tile.Level, (tile.Index * TilePath.FullWidth) + i).Span.CopyTo(data.AsSpan(i * Hash256.Size));
        }

        return data;
    }
}
