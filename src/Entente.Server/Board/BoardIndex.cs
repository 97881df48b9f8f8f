using System.Collections;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Entente.Client.Board;
using Entente.Transparency.Log;

namespace Entente.Server.Board;

/// <summary>
/// Where each artifact of the board is in the log: per collection in log order, by (collection, id), and cast or
/// challenged ballots by confirmation code. Thread-safe; rebuilt from the log on start like the state.
/// </summary>
/// <remarks>
/// Held compactly, since a national election puts every ballot in it (docs/scale.md): one fixed-size row per artifact
/// (its log index; its id, SHA-256 and confirmation code as 32 bytes each when they are 64 hex digits of one case, as a
/// ballot's are; its entry type and party as numbers into a table of the distinct ones), the rows in chunks, each
/// collection's log order as row numbers, and the lookups by id and by code as sets of row numbers that compare the rows
/// themselves. A <see cref="BoardArtifact"/> is made only when a call returns one, equal to the one the artifact was
/// added as; anything that does not fit a row (an id that is not 64 hex digits of one case, a ballot field other than
/// the id, such a code) is kept as text beside it.
/// </remarks>
public sealed class BoardIndex
{
    /// <summary>Rows per chunk (about 1 MB): the rows never move once written, and a chunk is never freed.</summary>
    private const int ChunkBits = 13;

    private const int ChunkSize = 1 << ChunkBits;

    /// <summary>The bits of <see cref="Row.Meta"/> that hold the collection's number; flags above.</summary>
    private const int CollectionMask = 0xFFFF;

    /// <summary>The kind is a single document (its href has no id).</summary>
    private const int SingletonFlag = 1 << 16;

    /// <summary>The entry's ballot field is the id.</summary>
    private const int BallotIsIdFlag = 1 << 17;

    /// <summary>The entry has a code, in <see cref="Row.Code"/>.</summary>
    private const int CodeFlag = 1 << 18;

    /// <summary>The id, ballot and code are in <see cref="_texts"/>, not in the row.</summary>
    private const int TextFlag = 1 << 19;

    /// <summary>The id's hex digits are uppercase (ElectionGuard's hashes are written so), else lowercase.</summary>
    private const int IdUpperFlag = 1 << 20;

    /// <summary>The code's hex digits are uppercase, else lowercase.</summary>
    private const int CodeUpperFlag = 1 << 21;

    private readonly Lock _lock = new();
    private readonly BoardKind[] _kinds;
    private readonly Dictionary<string, int> _collections = new(StringComparer.Ordinal);
    private readonly List<int>[] _order;
    private readonly Dictionary<(int Collection, int Type), List<int>> _orderByType = [];
    private readonly HashSet<int> _byId;
    private readonly HashSet<int>.AlternateLookup<(int Collection, string Id)> _byIdLookup;
    private readonly HashSet<int> _byCode;
    private readonly HashSet<int>.AlternateLookup<string> _byCodeLookup;
    private readonly List<string> _names = [];
    private readonly Dictionary<string, int> _nameNumbers = new(StringComparer.Ordinal);
    private readonly Dictionary<int, Texts> _texts = [];
    private Row[][] _chunks = [];
    private int _count;

    /// <summary>An empty index with one list per kind of <see cref="BoardKind.All"/>.</summary>
    public BoardIndex()
    {
        _kinds = [.. BoardKind.All];
        _order = new List<int>[_kinds.Length];
        for (int k = 0; k < _kinds.Length; k++)
        {
            _collections[_kinds[k].Collection] = k;
            _order[k] = [];
        }

        IdComparer ids = new(this);
        _byId = new HashSet<int>(ids);
        _byIdLookup = _byId.GetAlternateLookup<(int, string)>();
        CodeComparer codes = new(this);
        _byCode = new HashSet<int>(codes);
        _byCodeLookup = _byCode.GetAlternateLookup<string>();
    }

    /// <summary>The URL path of an artifact.</summary>
    public static string Href(BoardKind kind, string id)
    {
        ArgumentNullException.ThrowIfNull(kind);
        return Href(kind.Collection, kind.Singleton, id);
    }

    private static string Href(string collection, bool singleton, string id) =>
        singleton ? $"/board/{collection}" : $"/board/{collection}/{Uri.EscapeDataString(id)}";

    /// <summary>Adds the artifact <paramref name="id"/> of <paramref name="kind"/> committed by <paramref name="entry"/> at <paramref name="index"/>.</summary>
    public BoardArtifact Add(BoardKind kind, string id, long index, LogEntry entry)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(entry);
        BoardArtifact artifact = new(kind.Collection, id, index, entry.Type, entry.Sha256.ToHex(), entry.Party, entry.BallotId, entry.ConfirmationCode, Href(kind, id));
        lock (_lock)
        {
            int collection = _collections[kind.Collection];
            Row row = new() { Index = index, Meta = collection | (kind.Singleton ? SingletonFlag : 0) };
            entry.Sha256.Span.CopyTo(row.Sha256);
            Texts? texts = null;
            bool codeUpper = false;
            if (TryHex(id, out row.Id, out bool idUpper)
                && (entry.BallotId is null || string.Equals(entry.BallotId, id, StringComparison.Ordinal))
                && (entry.ConfirmationCode is null || TryHex(entry.ConfirmationCode, out row.Code, out codeUpper)))
            {
                row.Meta |= (entry.BallotId is null ? 0 : BallotIsIdFlag) | (entry.ConfirmationCode is null ? 0 : CodeFlag)
                    | (idUpper ? IdUpperFlag : 0) | (codeUpper ? CodeUpperFlag : 0);
            }
            else
            {
                row.Id = default;
                row.Code = default;
                row.Meta |= TextFlag;
                texts = new Texts(id, entry.BallotId, entry.ConfirmationCode);
            }

            row.Type = Name(entry.Type);
            row.Party = Name(entry.Party);
            int number = Append(row);
            if (texts is not null)
            {
                _texts[number] = texts;
            }

            InLogOrder(_order[collection], number, index);
            if (!_orderByType.TryGetValue((collection, row.Type), out List<int>? typed))
            {
                _orderByType[(collection, row.Type)] = typed = [];
            }

            InLogOrder(typed, number, index);
            _byIdLookup.Remove((collection, id));
            _byId.Add(number);
            if (entry.ConfirmationCode is string code && kind.IsBallot)
            {
                _byCodeLookup.Remove(code);
                _byCode.Add(number);
            }
        }

        return artifact;
    }

    /// <summary>The artifact <paramref name="id"/> of <paramref name="collection"/>, or null.</summary>
    public BoardArtifact? Lookup(string collection, string id)
    {
        ArgumentNullException.ThrowIfNull(collection);
        ArgumentNullException.ThrowIfNull(id);
        lock (_lock)
        {
            return _collections.TryGetValue(collection, out int c) && _byIdLookup.TryGetValue((c, id), out int number) ? Artifact(number) : null;
        }
    }

    /// <summary>True when the artifact <paramref name="id"/> of <paramref name="collection"/> is in the index (without making it).</summary>
    public bool Contains(string collection, string id)
    {
        ArgumentNullException.ThrowIfNull(collection);
        ArgumentNullException.ThrowIfNull(id);
        lock (_lock)
        {
            return _collections.TryGetValue(collection, out int c) && _byIdLookup.Contains((c, id));
        }
    }

    /// <summary>The cast or challenged ballot with confirmation code <paramref name="code"/>, or null.</summary>
    public BoardArtifact? ByConfirmationCode(string code)
    {
        ArgumentNullException.ThrowIfNull(code);
        lock (_lock)
        {
            return _byCodeLookup.TryGetValue(code, out int number) ? Artifact(number) : null;
        }
    }

    /// <summary>
    /// A page of a collection, optionally only the artifacts of entry type <paramref name="type"/> (from that type's own
    /// log order: a page reads its own rows only) and optionally filtered (which reads every row before the page).
    /// </summary>
    public (IReadOnlyList<BoardArtifact> Items, int Total) List(string collection, int offset, int limit, Func<BoardArtifact, bool>? filter = null, string? type = null)
    {
        lock (_lock)
        {
            List<int> order = _order[_collections[collection]];
            List<BoardArtifact> items = [];

            // Of one entry type: that type's own log order, so a page of it reads only its rows.
            if (type is not null)
            {
                if (!_nameNumbers.TryGetValue(type, out int wanted) || !_orderByType.TryGetValue((_collections[collection], wanted), out List<int>? typed))
                {
                    return (items, 0);
                }

                order = typed;
            }

            if (filter is null)
            {
                long end = Math.Min(order.Count, (long)Math.Max(0, offset) + Math.Max(0, limit));
                for (int i = Math.Max(0, offset); i < end; i++)
                {
                    items.Add(Artifact(order[i]));
                }

                return (items, order.Count);
            }

            int from = Math.Max(0, offset);
            int matching = 0;
            foreach (int number in order)
            {
                BoardArtifact artifact = Artifact(number);
                if (!filter(artifact))
                {
                    continue;
                }

                if (matching >= from && matching - (long)from < limit)
                {
                    items.Add(artifact);
                }

                matching++;
            }

            return (items, matching);
        }
    }

    /// <summary>
    /// Every artifact of a collection, in log order, as of this call: a list that makes each artifact when it is read
    /// (it holds 4 bytes per artifact, not the artifacts).
    /// </summary>
    public IReadOnlyList<BoardArtifact> All(string collection)
    {
        lock (_lock)
        {
            return new Snapshot(this, [.. _order[_collections[collection]]]);
        }
    }

    /// <summary>The number of artifacts per collection.</summary>
    public IReadOnlyDictionary<string, int> Counts()
    {
        lock (_lock)
        {
            Dictionary<string, int> counts = new(StringComparer.Ordinal);
            for (int k = 0; k < _kinds.Length; k++)
            {
                counts[_kinds[k].Collection] = _order[k].Count;
            }

            return counts;
        }
    }

    /// <summary>
    /// Decodes 64 hex digits whose letters are all lowercase or all uppercase (<paramref name="upper"/>; false when there
    /// are no letters): exactly the texts that <see cref="Hex"/> gives back from the bytes and the case.
    /// </summary>
    private static bool TryHex(ReadOnlySpan<char> text, out Bytes32 bytes, out bool upper)
    {
        bytes = default;
        upper = false;
        if (text.Length != 64)
        {
            return false;
        }

        bool lower = false;
        foreach (char c in text)
        {
            if (c is >= 'a' and <= 'f')
            {
                lower = true;
            }
            else if (c is >= 'A' and <= 'F')
            {
                upper = true;
            }
            else if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return !(lower && upper) && Convert.FromHexString(text, bytes, out _, out int written) == System.Buffers.OperationStatus.Done && written == 32;
    }

    private static string Hex(in Bytes32 bytes, bool upper) => upper ? Convert.ToHexString(bytes) : Convert.ToHexStringLower(bytes);

    private int Name(string name)
    {
        if (!_nameNumbers.TryGetValue(name, out int number))
        {
            number = _names.Count;
            _names.Add(name);
            _nameNumbers[name] = number;
        }

        return number;
    }

    private int Append(in Row row)
    {
        int number = _count;
        int chunk = number >> ChunkBits;
        if (chunk == _chunks.Length)
        {
            Array.Resize(ref _chunks, Math.Max(4, 2 * _chunks.Length));
        }

        // The first chunk grows to its full size, so that a small board does not hold a whole chunk.
        Row[]? rows = _chunks[chunk];
        int offset = number & (ChunkSize - 1);
        if (rows is null || offset == rows.Length)
        {
            Array.Resize(ref rows, rows is null ? (chunk == 0 ? 64 : ChunkSize) : Math.Min(ChunkSize, 2 * rows.Length));
            _chunks[chunk] = rows;
        }

        rows[offset] = row;
        _count++;
        return number;
    }

    /// <summary>Inserts row <paramref name="number"/> at log index <paramref name="index"/> into <paramref name="order"/> (an entry may commit after a later one).</summary>
    private void InLogOrder(List<int> order, int number, long index)
    {
        int at = order.Count;
        while (at > 0 && RowAt(order[at - 1]).Index > index)
        {
            at--;
        }

        order.Insert(at, number);
    }

    private ref readonly Row RowAt(int number) => ref _chunks[number >> ChunkBits][number & (ChunkSize - 1)];

    private string IdOf(int number)
    {
        ref readonly Row row = ref RowAt(number);
        return (row.Meta & TextFlag) != 0 ? _texts[number].Id : Hex(row.Id, (row.Meta & IdUpperFlag) != 0);
    }

    private string? CodeOf(int number)
    {
        ref readonly Row row = ref RowAt(number);
        return (row.Meta & TextFlag) != 0 ? _texts[number].Code : (row.Meta & CodeFlag) != 0 ? Hex(row.Code, (row.Meta & CodeUpperFlag) != 0) : null;
    }

    /// <summary>The artifact of row <paramref name="number"/>, as it was added.</summary>
    private BoardArtifact Artifact(int number)
    {
        ref readonly Row row = ref RowAt(number);
        string collection = _kinds[row.Meta & CollectionMask].Collection;
        string id;
        string? ballot;
        string? code;
        if ((row.Meta & TextFlag) != 0)
        {
            Texts texts = _texts[number];
            (id, ballot, code) = (texts.Id, texts.Ballot, texts.Code);
        }
        else
        {
            id = Hex(row.Id, (row.Meta & IdUpperFlag) != 0);
            ballot = (row.Meta & BallotIsIdFlag) != 0 ? id : null;
            code = (row.Meta & CodeFlag) != 0 ? Hex(row.Code, (row.Meta & CodeUpperFlag) != 0) : null;
        }

        return new BoardArtifact(collection, id, row.Index, _names[row.Type], Hex(row.Sha256, upper: false), _names[row.Party], ballot, code, Href(collection, (row.Meta & SingletonFlag) != 0, id));
    }

    /// <summary>
    /// The hash of a key (an id within its collection, or a code): of its 32 bytes when it is 64 hex digits of one case,
    /// whether a row holds it as bytes or as text, else of its text. (Equality also compares the case.)
    /// </summary>
    private static int KeyHash(int collection, string? text, in Bytes32 bytes, bool inRow)
    {
        HashCode hash = default;
        hash.Add(collection);
        if (inRow)
        {
            hash.AddBytes(bytes);
        }
        else if (TryHex(text, out Bytes32 decoded, out _))
        {
            hash.AddBytes(decoded);
        }
        else
        {
            hash.Add(text, StringComparer.Ordinal);
        }

        return hash.ToHashCode();
    }

    /// <summary>A 32-byte value (an id, a hash, a code) held in a row.</summary>
    [InlineArray(32)]
    private struct Bytes32
    {
        private byte _first;
    }

    /// <summary>One artifact: <see cref="Meta"/> holds its collection's number and the flags.</summary>
    [StructLayout(LayoutKind.Auto)]
    private struct Row
    {
        public long Index;
        public Bytes32 Id;
        public Bytes32 Sha256;
        public Bytes32 Code;
        public int Type;
        public int Party;
        public int Meta;
    }

    /// <summary>The id, ballot and code of an artifact that does not fit a row.</summary>
    private sealed record Texts(string Id, string? Ballot, string? Code);

    /// <summary>Rows by (collection, id); looked up with the id's text.</summary>
    private sealed class IdComparer(BoardIndex index) : IEqualityComparer<int>, IAlternateEqualityComparer<(int Collection, string Id), int>
    {
        public bool Equals(int x, int y)
        {
            ref readonly Row a = ref index.RowAt(x);
            ref readonly Row b = ref index.RowAt(y);
            return (a.Meta & CollectionMask) == (b.Meta & CollectionMask)
                && (((a.Meta | b.Meta) & TextFlag) == 0
                    ? (a.Meta & IdUpperFlag) == (b.Meta & IdUpperFlag) && ((ReadOnlySpan<byte>)a.Id).SequenceEqual(b.Id)
                    : string.Equals(index.IdOf(x), index.IdOf(y), StringComparison.Ordinal));
        }

        public int GetHashCode(int obj)
        {
            ref readonly Row row = ref index.RowAt(obj);
            bool inRow = (row.Meta & TextFlag) == 0;
            return KeyHash(row.Meta & CollectionMask, inRow ? null : index._texts[obj].Id, row.Id, inRow);
        }

        public bool Equals((int Collection, string Id) alternate, int other)
        {
            ref readonly Row row = ref index.RowAt(other);
            if ((row.Meta & CollectionMask) != alternate.Collection)
            {
                return false;
            }

            return (row.Meta & TextFlag) != 0
                ? string.Equals(index._texts[other].Id, alternate.Id, StringComparison.Ordinal)
                : TryHex(alternate.Id, out Bytes32 bytes, out bool upper) && upper == ((row.Meta & IdUpperFlag) != 0) && ((ReadOnlySpan<byte>)bytes).SequenceEqual(row.Id);
        }

        public int GetHashCode((int Collection, string Id) alternate) => KeyHash(alternate.Collection, alternate.Id, default, false);

        public int Create((int Collection, string Id) alternate) => throw new NotSupportedException("rows are added by number");
    }

    /// <summary>Ballot rows by confirmation code; looked up with the code's text.</summary>
    private sealed class CodeComparer(BoardIndex index) : IEqualityComparer<int>, IAlternateEqualityComparer<string, int>
    {
        public bool Equals(int x, int y)
        {
            ref readonly Row a = ref index.RowAt(x);
            ref readonly Row b = ref index.RowAt(y);
            return ((a.Meta | b.Meta) & TextFlag) == 0
                ? (a.Meta & CodeUpperFlag) == (b.Meta & CodeUpperFlag) && ((ReadOnlySpan<byte>)a.Code).SequenceEqual(b.Code)
                : string.Equals(index.CodeOf(x), index.CodeOf(y), StringComparison.Ordinal);
        }

        public int GetHashCode(int obj)
        {
            ref readonly Row row = ref index.RowAt(obj);
            bool inRow = (row.Meta & TextFlag) == 0;
            return KeyHash(0, inRow ? null : index._texts[obj].Code, row.Code, inRow);
        }

        public bool Equals(string alternate, int other)
        {
            ref readonly Row row = ref index.RowAt(other);
            return (row.Meta & TextFlag) != 0
                ? string.Equals(index._texts[other].Code, alternate, StringComparison.Ordinal)
                : TryHex(alternate, out Bytes32 bytes, out bool upper) && upper == ((row.Meta & CodeUpperFlag) != 0) && ((ReadOnlySpan<byte>)bytes).SequenceEqual(row.Code);
        }

        public int GetHashCode(string alternate) => KeyHash(0, alternate, default, false);

        public int Create(string alternate) => throw new NotSupportedException("rows are added by number");
    }

    /// <summary>A collection's rows as of a call of <see cref="All"/>; each artifact is made when read.</summary>
    private sealed class Snapshot(BoardIndex index, int[] numbers) : IReadOnlyList<BoardArtifact>
    {
        public BoardArtifact this[int position]
        {
            get
            {
                int number = numbers[position];
                lock (index._lock)
                {
                    return index.Artifact(number);
                }
            }
        }

        public int Count => numbers.Length;

        public IEnumerator<BoardArtifact> GetEnumerator()
        {
            for (int i = 0; i < numbers.Length; i++)
            {
                yield return this[i];
            }
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
