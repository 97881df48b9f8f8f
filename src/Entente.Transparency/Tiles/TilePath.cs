using System.Globalization;
using System.Text;

namespace Entente.Transparency.Tiles;

/// <summary>
/// A C2SP tlog-tiles resource: a Merkle tile <c>tile/&lt;L&gt;/&lt;N&gt;[.p/&lt;W&gt;]</c> or an entry bundle
/// <c>tile/entries/&lt;N&gt;[.p/&lt;W&gt;]</c>. N is written in 3-digit groups, every group but the last prefixed
/// with <c>x</c> (1234067 → <c>x001/x234/067</c>); W is 1..255 for partial tiles, 256 (no suffix) for full ones.
/// </summary>
/// <param name="Level">Tile level 0..63, or -1 for an entry bundle.</param>
/// <param name="Index">Tile index N.</param>
/// <param name="Width">Number of hashes or entries, 1..256.</param>
public readonly record struct TilePath(int Level, long Index, int Width)
{
    /// <summary>Hashes (or entries) in a full tile.</summary>
    public const int FullWidth = 256;

    /// <summary>Level marker for entry bundles.</summary>
    public const int EntriesLevel = -1;

    /// <summary>True for an entry bundle.</summary>
    public bool IsEntries => Level == EntriesLevel;

    /// <summary>True when the tile is partial.</summary>
    public bool IsPartial => Width < FullWidth;

    /// <summary>The path relative to the log prefix, e.g. <c>tile/0/x001/x234/067.p/8</c>.</summary>
    public override string ToString()
    {
        StringBuilder sb = new("tile/");
        sb.Append(IsEntries ? "entries" : Level.ToString(CultureInfo.InvariantCulture)).Append('/');
        sb.Append(FormatIndex(Index));
        if (IsPartial)
        {
            sb.Append(".p/").Append(Width.ToString(CultureInfo.InvariantCulture));
        }

        return sb.ToString();
    }

    /// <summary>Formats N in x-prefixed 3-digit groups.</summary>
    public static string FormatIndex(long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        string digits = index.ToString(CultureInfo.InvariantCulture);
        int pad = (3 - (digits.Length % 3)) % 3;
        digits = new string('0', pad) + digits;
        StringBuilder sb = new();
        for (int i = 0; i < digits.Length; i += 3)
        {
            if (i + 3 < digits.Length)
            {
                sb.Append('x').Append(digits, i, 3).Append('/');
            }
            else
            {
                sb.Append(digits, i, 3);
            }
        }

        return sb.ToString();
    }

    /// <summary>
    /// Parses the part after <c>tile/</c>: a level (or <c>entries</c>) and the index path, strictly.
    /// </summary>
    public static bool TryParse(string level, string indexPath, out TilePath path)
    {
        path = default;
        if (level is null || indexPath is null)
        {
            return false;
        }

        int lvl;
        if (level == "entries")
        {
            lvl = EntriesLevel;
        }
        else if (level.Length is >= 1 and <= 2 && level.All(char.IsAsciiDigit) && (level.Length == 1 || level[0] != '0'))
        {
            lvl = int.Parse(level, CultureInfo.InvariantCulture);
            if (lvl > 63)
            {
                return false;
            }
        }
        else
        {
            return false;
        }

        int width = FullWidth;
        int dot = indexPath.IndexOf(".p/", StringComparison.Ordinal);
        string nPart = indexPath;
        if (dot >= 0)
        {
            string w = indexPath[(dot + 3)..];
            if (w.Length is < 1 or > 3 || !w.All(char.IsAsciiDigit) || w[0] == '0')
            {
                return false;
            }

            width = int.Parse(w, CultureInfo.InvariantCulture);
            if (width is < 1 or > 255)
            {
                return false;
            }

            nPart = indexPath[..dot];
        }

        string[] groups = nPart.Split('/');
        long n = 0;
        for (int i = 0; i < groups.Length; i++)
        {
            string g = groups[i];
            bool last = i == groups.Length - 1;
            string digits = last ? g : (g.StartsWith('x') ? g[1..] : "");
            if (digits.Length != 3 || !digits.All(char.IsAsciiDigit))
            {
                return false;
            }

            if (n > (long.MaxValue - 999) / 1000)
            {
                return false;
            }

            n = (n * 1000) + int.Parse(digits, CultureInfo.InvariantCulture);
        }

        // Indexes above what 64-bit tree sizes allow at this level are not valid paths.
        if (groups.Length > 6)
        {
            return false;
        }

        path = new TilePath(lvl, n, width);
        return true;
    }

    /// <summary>The entry bundle holding log index <paramref name="index"/> in a tree of <paramref name="treeSize"/>.</summary>
    public static TilePath EntriesFor(long index, long treeSize)
    {
        if (index < 0 || index >= treeSize)
        {
            throw new ArgumentOutOfRangeException(nameof(index));
        }

        long n = index / FullWidth;
        long full = treeSize / FullWidth;
        int width = n < full ? FullWidth : (int)(treeSize % FullWidth);
        return new TilePath(EntriesLevel, n, width);
    }

    /// <summary>
    /// True when a tree of <paramref name="treeSize"/> has this tile (or bundle) with at least <see cref="Width"/> hashes
    /// (or entries). Paths that no 64-bit tree can hold (levels above 7, indexes whose first leaf is beyond 2^63) are in
    /// no tree; the arithmetic never overflows.
    /// </summary>
    public bool IsIn(long treeSize)
    {
        if (treeSize <= 0 || Index < 0)
        {
            return false;
        }

        if (IsEntries)
        {
            // Compare in bundles rather than multiply: N·256 overflows for N ≥ 2^55.
            long fullBundles = treeSize / FullWidth;
            return Index < fullBundles || (Index == fullBundles && treeSize % FullWidth >= Width);
        }

        return TileIn(Level, Index, treeSize) is TilePath existing && existing.Width >= Width;
    }

    /// <summary>The tile at <paramref name="level"/>, <paramref name="index"/> as it exists in a tree of <paramref name="treeSize"/>, or null when empty.</summary>
    public static TilePath? TileIn(int level, long index, long treeSize)
    {
        // A shift count of 64 or more is taken mod 64 by the runtime: a level-8 tile would look like a level-0 one. No
        // tree of at most 2^63 − 1 leaves has a hash above level 7 (8·8 = 64 bits).
        if (level is < 0 or > 7 || index < 0 || treeSize <= 0)
        {
            return null;
        }

        long hashesAtLevel = treeSize >> (8 * level);
        long full = hashesAtLevel / FullWidth;
        if (index < full)
        {
            return new TilePath(level, index, FullWidth);
        }

        int rest = (int)(hashesAtLevel % FullWidth);
        return index == full && rest > 0 ? new TilePath(level, index, rest) : null;
    }

    /// <summary>Every Merkle tile of a tree of <paramref name="treeSize"/> leaves (full and partial), level by level.</summary>
    public static IEnumerable<TilePath> AllTiles(long treeSize)
    {
        for (int level = 0; level < 8 && (treeSize >> (8 * level)) > 0; level++)
        {
            long hashes = treeSize >> (8 * level);
            long count = (hashes + FullWidth - 1) / FullWidth;
            for (long n = 0; n < count; n++)
            {
                yield return TileIn(level, n, treeSize)!.Value;
            }
        }
    }
}
