using System.Buffers.Binary;

namespace Entente.Transparency.Tiles;

/// <summary>tlog-tiles entry bundles: each entry as a big-endian uint16 length followed by its bytes.</summary>
public static class EntryBundle
{
    /// <summary>Largest entry a bundle can carry.</summary>
    public const int MaxEntrySize = ushort.MaxValue;

    /// <summary>Encodes a bundle.</summary>
    public static byte[] Encode(IEnumerable<ReadOnlyMemory<byte>> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        using MemoryStream ms = new();
        Span<byte> len = stackalloc byte[2];
        foreach (ReadOnlyMemory<byte> e in entries)
        {
            if (e.Length > MaxEntrySize)
            {
                throw new ArgumentException($"An entry of {e.Length} bytes does not fit a bundle (at most {MaxEntrySize}).", nameof(entries));
            }

            BinaryPrimitives.WriteUInt16BigEndian(len, (ushort)e.Length);
            ms.Write(len);
            ms.Write(e.Span);
        }

        return ms.ToArray();
    }

    /// <summary>Decodes a bundle of exactly <paramref name="expectedCount"/> entries, or throws <see cref="FormatException"/>.</summary>
    public static List<byte[]> Decode(ReadOnlySpan<byte> bundle, int expectedCount)
    {
        List<byte[]> entries = new(expectedCount);
        int offset = 0;
        while (offset < bundle.Length)
        {
            if (bundle.Length - offset < 2)
            {
                throw new FormatException($"Entry bundle truncated at byte {offset} (length prefix).");
            }

            int length = BinaryPrimitives.ReadUInt16BigEndian(bundle[offset..]);
            offset += 2;
            if (bundle.Length - offset < length)
            {
                throw new FormatException($"Entry bundle truncated in entry {entries.Count} (needs {length} bytes).");
            }

            entries.Add(bundle.Slice(offset, length).ToArray());
            offset += length;
        }

        if (entries.Count != expectedCount)
        {
            throw new FormatException($"Entry bundle holds {entries.Count} entries, expected {expectedCount}.");
        }

        return entries;
    }
}
