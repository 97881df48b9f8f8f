using Entente.Transparency.Merkle;
using Entente.Transparency.Notes;

namespace Entente.Transparency.Log;

/// <summary>
/// What makes two log entries the same entry. An entry that is a C2SP signed note is its signed text: its identity is
/// SHA-256 of the text (the bytes every signature covers, up to and including the newline before the blank line), so
/// the same text with other, more, repeated or reordered signature lines is the same entry. Any other entry is its
/// bytes: its identity is its RFC 6962 leaf hash SHA-256(0x00 ‖ bytes). The two never collide: a note's text holds no
/// 0x00 byte.
/// <para>The sequencer deduplicates on this identity (an entry whose identity is logged gets the index of the first), the
/// stores index it, and readers of a log that holds repeats from before (<see cref="DistinctEntries"/>) count each
/// identity once.</para>
/// </summary>
public static class EntryIdentity
{
    /// <summary>The identity of <paramref name="entry"/>.</summary>
    public static Hash256 Of(ReadOnlySpan<byte> entry)
    {
        if (SignedNote.TryParse(entry, out SignedNote? _))
        {
            // A well-formed note's text is exactly the bytes before its last blank line (SignedNote.Parse splits there).
            int split = entry.LastIndexOf("\n\n"u8);
            return Hash256.Compute(entry[..(split + 1)]);
        }

        return Rfc6962.LeafHash(entry);
    }
}

/// <summary>
/// For a reader going through a log in index order: tells the first entry of each identity (<see cref="EntryIdentity"/>)
/// from later repeats, so that an artifact committed twice — by a variant with other signature lines that a server
/// before identities accepted, or by any other repeat — is counted once. Not thread-safe.
/// <code>
/// DistinctEntries distinct = new();
/// foreach ((long index, byte[] entry) in entries)
/// {
///     if (distinct.FirstIndexOf(index, entry) is long first) { report($"entry {index} repeats entry {first}"); continue; }
///     count(entry);
/// }
/// </code>
/// </summary>
public sealed class DistinctEntries
{
    private readonly Dictionary<Hash256, long> _first = [];

    /// <summary>How many repeats were seen.</summary>
    public int Repeats { get; private set; }

    /// <summary>
    /// Records the entry at <paramref name="index"/>: null when it is the first of its identity, else the index of the
    /// first (this one is a repeat).
    /// </summary>
    public long? FirstIndexOf(long index, ReadOnlySpan<byte> entry)
    {
        Hash256 identity = EntryIdentity.Of(entry);
        if (_first.TryGetValue(identity, out long first))
        {
            Repeats++;
            return first;
        }

        _first[identity] = index;
        return null;
    }
}
