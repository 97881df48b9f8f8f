using Entente.Client.Board;
using Entente.Transparency.Log;

namespace Entente.Server.Board;

/// <summary>
/// Where each artifact of the board is in the log: per collection in log order, by (collection, id), and cast or
/// challenged ballots by confirmation code. Thread-safe; rebuilt from the log on start like the state.
/// </summary>
public sealed class BoardIndex
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, List<BoardArtifact>> _lists = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, string), BoardArtifact> _byId = [];
    private readonly Dictionary<string, BoardArtifact> _byCode = new(StringComparer.Ordinal);

    /// <summary>An empty index with one list per kind of <see cref="BoardKind.All"/>.</summary>
    public BoardIndex()
    {
        foreach (BoardKind kind in BoardKind.All)
        {
            _lists[kind.Collection] = [];
        }
    }

    /// <summary>The URL path of an artifact.</summary>
    public static string Href(BoardKind kind, string id)
    {
        ArgumentNullException.ThrowIfNull(kind);
        return kind.Singleton ? $"/board/{kind.Collection}" : $"/board/{kind.Collection}/{Uri.EscapeDataString(id)}";
    }

    /// <summary>Adds the artifact <paramref name="id"/> of <paramref name="kind"/> committed by <paramref name="entry"/> at <paramref name="index"/>.</summary>
    public BoardArtifact Add(BoardKind kind, string id, long index, LogEntry entry)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(entry);
        BoardArtifact artifact = new(kind.Collection, id, index, entry.Type, entry.Sha256.ToHex(), entry.Party, entry.BallotId, entry.ConfirmationCode, Href(kind, id));
        lock (_lock)
        {
            List<BoardArtifact> list = _lists[kind.Collection];
            int at = list.Count;
            while (at > 0 && list[at - 1].Index > index)
            {
                at--;
            }

            list.Insert(at, artifact);
            _byId[(kind.Collection, id)] = artifact;
            if (entry.ConfirmationCode is string code && kind.IsBallot)
            {
                _byCode[code] = artifact;
            }
        }

        return artifact;
    }

    /// <summary>The artifact <paramref name="id"/> of <paramref name="collection"/>, or null.</summary>
    public BoardArtifact? Lookup(string collection, string id)
    {
        lock (_lock)
        {
            return _byId.GetValueOrDefault((collection, id));
        }
    }

    /// <summary>The cast or challenged ballot with confirmation code <paramref name="code"/>, or null.</summary>
    public BoardArtifact? ByConfirmationCode(string code)
    {
        lock (_lock)
        {
            return _byCode.GetValueOrDefault(code);
        }
    }

    /// <summary>A page of a collection, optionally filtered.</summary>
    public (IReadOnlyList<BoardArtifact> Items, int Total) List(string collection, int offset, int limit, Func<BoardArtifact, bool>? filter = null)
    {
        lock (_lock)
        {
            if (filter is null)
            {
                List<BoardArtifact> all = _lists[collection];
                return ([.. all.Skip(offset).Take(limit)], all.Count);
            }

            List<BoardArtifact> matching = [.. _lists[collection].Where(filter)];
            return ([.. matching.Skip(offset).Take(limit)], matching.Count);
        }
    }

    /// <summary>Every artifact of a collection, in log order.</summary>
    public IReadOnlyList<BoardArtifact> All(string collection)
    {
        lock (_lock)
        {
            return [.. _lists[collection]];
        }
    }

    /// <summary>The number of artifacts per collection.</summary>
    public IReadOnlyDictionary<string, int> Counts()
    {
        lock (_lock)
        {
            return _lists.ToDictionary(l => l.Key, l => l.Value.Count, StringComparer.Ordinal);
        }
    }
}
