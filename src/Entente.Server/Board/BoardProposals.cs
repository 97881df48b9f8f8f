using System.Text;
using System.Text.Json;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;
using TlogHash = Entente.Transparency.Hash256;

namespace Entente.Server.Board;

/// <summary>
/// A joint artifact on its way to the log: the artifact, its entry text (fixed by the party that proposed it) and the
/// parties' signatures gathered so far on that text. <see cref="Checked"/> is false while a prerequisite of the
/// artifact is itself missing from the board (then it is checked when the last signature arrives).
/// </summary>
/// <param name="Kind">Its kind (a joint one).</param>
/// <param name="Id">Its id in the collection.</param>
/// <param name="Body">The artifact's bytes.</param>
/// <param name="Entry">The entry every party signs.</param>
/// <param name="Note">The entry with every valid party signature gathered so far.</param>
/// <param name="Checked">True when the artifact passed the board's rules when it was last posted.</param>
public sealed record PendingProposal(BoardKind Kind, string Id, byte[] Body, LogEntry Entry, SignedNote Note, bool Checked)
{
    /// <summary>The artifact's SHA-256 (lowercase hex).</summary>
    public string Sha256 => Entry.Sha256.ToHex();
}

/// <summary>
/// The pending proposals of joint artifacts (docs/http-api.md, "Joint artifacts"), one per (collection, id). They
/// survive a restart: each is a small file in the board's data folder (<c>proposals/</c>, written atomically) holding
/// the entry with its signatures, and the artifact is in the blob store under its SHA-256. A proposal whose artifact
/// reached the log, or whose blob is gone, is dropped when the board opens. Not thread-safe: the board's gate
/// serialises every use.
/// </summary>
public sealed class BoardProposals
{
    private readonly string _directory;
    private readonly IBlobStore _blobs;
    private readonly Dictionary<(string, string), PendingProposal> _pending = [];

    private BoardProposals(string directory, IBlobStore blobs)
    {
        _directory = directory;
        _blobs = blobs;
    }

    /// <summary>Every pending proposal, by collection then id.</summary>
    public IReadOnlyList<PendingProposal> All => [.. _pending.Values.OrderBy(p => BoardKindOrder(p.Kind)).ThenBy(p => p.Id, StringComparer.Ordinal)];

    /// <summary>Opens the proposals kept in <paramref name="directory"/>, dropping those <paramref name="logged"/> says are on the log.</summary>
    public static async Task<BoardProposals> OpenAsync(string directory, IBlobStore blobs, Func<BoardKind, string, bool> logged, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        ArgumentNullException.ThrowIfNull(logged);
        BoardProposals proposals = new(directory, blobs);
        if (!Directory.Exists(directory))
        {
            return proposals;
        }

        foreach (string file in Directory.EnumerateFiles(directory, "*.proposal"))
        {
            PendingProposal? proposal = await ReadAsync(file, blobs, cancellationToken).ConfigureAwait(false);
            if (proposal is null || logged(proposal.Kind, proposal.Id))
            {
                File.Delete(file);
                continue;
            }

            proposals._pending[(proposal.Kind.Collection, proposal.Id)] = proposal;
        }

        return proposals;
    }

    /// <summary>The pending proposal of (<paramref name="collection"/>, <paramref name="id"/>), or null.</summary>
    public PendingProposal? Get(string collection, string id) => _pending.GetValueOrDefault((collection, id));

    /// <summary>Stores (or replaces) a proposal durably: its artifact in the blob store, then its file.</summary>
    public async Task PutAsync(PendingProposal proposal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(proposal);
        await _blobs.PutAsync(proposal.Body, cancellationToken).ConfigureAwait(false);
        Directory.CreateDirectory(_directory);
        string file = FileOf(proposal.Kind, proposal.Id);
        string temporary = file + "." + Guid.NewGuid().ToString("N") + ".tmp";
        string json = $"{{\"collection\":\"{proposal.Kind.Collection}\",\"id\":\"{proposal.Id}\",\"entry\":\"{Convert.ToBase64String(proposal.Note.ToBytes())}\",\"checked\":{(proposal.Checked ? "true" : "false")}}}\n";
        await using (FileStream stream = new(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(json), cancellationToken).ConfigureAwait(false);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, file, overwrite: true);
        _pending[(proposal.Kind.Collection, proposal.Id)] = proposal;
    }

    /// <summary>Forgets a proposal (logged, or dropped as stale).</summary>
    public void Remove(BoardKind kind, string id)
    {
        ArgumentNullException.ThrowIfNull(kind);
        _pending.Remove((kind.Collection, id));
        File.Delete(FileOf(kind, id));
    }

    /// <summary>
    /// Where two JSON documents first differ, as a JSON path (<c>$.contests[0].options[2].c1</c>), or the first differing
    /// byte when either is not JSON; null when they are equal.
    /// </summary>
    public static string? FirstDifference(byte[] mine, byte[] theirs)
    {
        ArgumentNullException.ThrowIfNull(mine);
        ArgumentNullException.ThrowIfNull(theirs);
        if (mine.AsSpan().SequenceEqual(theirs))
        {
            return null;
        }

        try
        {
            using JsonDocument a = JsonDocument.Parse(mine, new JsonDocumentOptions { MaxDepth = 64 });
            using JsonDocument b = JsonDocument.Parse(theirs, new JsonDocumentOptions { MaxDepth = 64 });
            return Difference(a.RootElement, b.RootElement, "$") ?? "$ (same values, different bytes)";
        }
        catch (JsonException)
        {
            int at = 0;
            while (at < mine.Length && at < theirs.Length && mine[at] == theirs[at])
            {
                at++;
            }

            return $"byte {at}";
        }
    }

    private static string? Difference(JsonElement a, JsonElement b, string path)
    {
        if (a.ValueKind != b.ValueKind)
        {
            return path;
        }

        switch (a.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (JsonProperty property in a.EnumerateObject())
                {
                    if (!b.TryGetProperty(property.Name, out JsonElement other))
                    {
                        return $"{path}.{property.Name}";
                    }

                    if (Difference(property.Value, other, $"{path}.{property.Name}") is string inner)
                    {
                        return inner;
                    }
                }

                return b.EnumerateObject().FirstOrDefault(p => !a.TryGetProperty(p.Name, out _)) is { Name: { } extra } && extra.Length > 0 ? $"{path}.{extra}" : null;
            case JsonValueKind.Array:
                int n = 0;
                using (JsonElement.ArrayEnumerator left = a.EnumerateArray())
                using (JsonElement.ArrayEnumerator right = b.EnumerateArray())
                {
                    while (true)
                    {
                        bool hasLeft = left.MoveNext();
                        bool hasRight = right.MoveNext();
                        if (!hasLeft || !hasRight)
                        {
                            return hasLeft == hasRight ? null : $"{path} (length {a.GetArrayLength()} ≠ {b.GetArrayLength()})";
                        }

                        if (Difference(left.Current, right.Current, $"{path}[{n}]") is string inner)
                        {
                            return inner;
                        }

                        n++;
                    }
                }

            default:
                return a.GetRawText() == b.GetRawText() ? null : path;
        }
    }

    private static async Task<PendingProposal?> ReadAsync(string file, IBlobStore blobs, CancellationToken ct)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(await File.ReadAllBytesAsync(file, ct).ConfigureAwait(false));
            JsonElement root = document.RootElement;
            BoardKind? kind = BoardKind.Find(root.GetProperty("collection").GetString() ?? "");
            string id = root.GetProperty("id").GetString() ?? "";
            (LogEntry entry, SignedNote note) = LogEntry.Parse(Convert.FromBase64String(root.GetProperty("entry").GetString() ?? ""));
            if (kind is not { Joint: true } || FileOf(kind, id, Path.GetDirectoryName(file)!) != file)
            {
                return null;
            }

            byte[]? body = await blobs.GetCheckedAsync(entry.Sha256, ct).ConfigureAwait(false);
            return body is null ? null : new PendingProposal(kind, id, body, entry, note, root.GetProperty("checked").GetBoolean());
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or LogStoreException)
        {
            return null; // unreadable: the parties post it again (every post is idempotent)
        }
    }

    private string FileOf(BoardKind kind, string id) => FileOf(kind, id, _directory);

    private static string FileOf(BoardKind kind, string id, string directory) =>
        Path.Combine(directory, $"{kind.Collection}--{TlogHash.Compute(Encoding.UTF8.GetBytes(id)).ToHex()[..32]}.proposal");

    private static int BoardKindOrder(BoardKind kind)
    {
        for (int i = 0; i < BoardKind.All.Count; i++)
        {
            if (BoardKind.All[i] == kind)
            {
                return i;
            }
        }

        return int.MaxValue;
    }
}
