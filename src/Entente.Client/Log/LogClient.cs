using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using Entente.Client.Http;
using Entente.Transparency;
using Entente.Transparency.Merkle;
using Entente.Transparency.Notes;
using Entente.Transparency.Tiles;

namespace Entente.Client.Log;

/// <summary>
/// A client of an Entente log (docs/http-api.md, "Log"): the C2SP tlog-tiles read path (checkpoint, hash tiles,
/// entry bundles, partial ones included), RFC 9162 proofs, receipts, the write path (<c>POST /add</c>,
/// <c>POST /blob</c>) and content-addressed blobs. Nothing a log serves is trusted: checkpoints are checked with
/// <see cref="CheckpointVerification.Check"/>, entries read through <see cref="ReadEntriesAsync"/> are proven part of a
/// checkpoint's tree tile by tile, blobs are re-hashed. Requests that fail for a reason that may pass are retried
/// within a bound (<see cref="RetryHandler"/>), then <see cref="ServiceUnavailableException"/>; refusals throw
/// <see cref="RequestRefusedException"/> with the server's problem; malformed answers throw
/// <see cref="FormatException"/>.
/// </summary>
public sealed class LogClient : IDisposable
{
    /// <summary>Largest checkpoint note read (C2SP notes are small; this bounds what a hostile log can send).</summary>
    public const int MaxCheckpointBytes = 1 << 16;

    /// <summary>Largest blob read (the board's largest artifact).</summary>
    public const int MaxBlobBytes = 64 << 20;

    private const int MaxBundleBytes = TilePath.FullWidth * (EntryBundle.MaxEntrySize + 2);

    private readonly HttpClient _http;
    private readonly bool _ownsHttp;

    /// <summary>
    /// A client of the log at <paramref name="address"/>, retrying under <paramref name="retry"/> (default
    /// <see cref="RetryPolicy.Default"/>). For writes, pass an <see cref="HttpSignatureHandler"/> as
    /// <paramref name="inner"/>: each attempt is then signed afresh.
    /// </summary>
    public LogClient(Uri address, RetryPolicy? retry = null, HttpMessageHandler? inner = null)
        : this(ClientResponses.Create(address, retry, inner), ownsClient: true)
    {
    }

    /// <summary>A client over <paramref name="http"/>, whose <see cref="HttpClient.BaseAddress"/> is the log's URL prefix.</summary>
    public LogClient(HttpClient http, bool ownsClient = false)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (http.BaseAddress is null)
        {
            throw new ArgumentException("The HttpClient needs a BaseAddress (the log's URL prefix).", nameof(http));
        }

        _http = http;
        _ownsHttp = ownsClient;
    }

    /// <summary>The log's URL prefix.</summary>
    public Uri Address => _http.BaseAddress!;

    // ------------------------------------------------------------------ checkpoint

    /// <summary>GET /checkpoint: the published signed checkpoint, parsed (no signature checked: see <see cref="GetVerifiedCheckpointAsync"/>).</summary>
    public async Task<SignedCheckpoint> GetCheckpointAsync(CancellationToken cancellationToken = default)
    {
        byte[] note = await ClientResponses.GetBytesAsync(_http, "checkpoint", MaxCheckpointBytes, cancellationToken).ConfigureAwait(false);
        try
        {
            return SignedCheckpoint.Parse(note);
        }
        catch (NoteFormatException e)
        {
            throw new NoteFormatException($"{Address}checkpoint: not a signed checkpoint: {e.Message}", e);
        }
    }

    /// <summary>GET /checkpoint, then <see cref="CheckpointVerification.Check"/> against the log key and/or the policy.</summary>
    public async Task<CheckpointVerification> GetVerifiedCheckpointAsync(INoteVerifier? logKey, Transparency.Policy.TrustPolicy? policy, CancellationToken cancellationToken = default) =>
        CheckpointVerification.Check(await GetCheckpointAsync(cancellationToken).ConfigureAwait(false), logKey, policy);

    // ------------------------------------------------------------------ tiles

    /// <summary>A hash tile (tlog-tiles <c>tile/L/N[.p/W]</c>): exactly W hashes, or <see cref="FormatException"/>.</summary>
    public async Task<Hash256[]> GetTileAsync(TilePath tile, CancellationToken cancellationToken = default)
    {
        if (tile.IsEntries)
        {
            throw new ArgumentException("An entry bundle is not a hash tile; use GetEntryBundleAsync.", nameof(tile));
        }

        byte[] data = await ClientResponses.GetBytesAsync(_http, tile.ToString(), tile.Width * Hash256.Size, cancellationToken).ConfigureAwait(false);
        if (data.Length != tile.Width * Hash256.Size)
        {
            throw new FormatException($"{Address}{tile}: {data.Length} bytes where a tile of width {tile.Width} has {tile.Width * Hash256.Size}.");
        }

        Hash256[] hashes = new Hash256[tile.Width];
        for (int i = 0; i < hashes.Length; i++)
        {
            hashes[i] = Hash256.FromBytes(data.AsSpan(i * Hash256.Size, Hash256.Size));
        }

        return hashes;
    }

    /// <summary>An entry bundle (tlog-tiles <c>tile/entries/N[.p/W]</c>): exactly W entries, or <see cref="FormatException"/>.</summary>
    public async Task<IReadOnlyList<byte[]>> GetEntryBundleAsync(TilePath bundle, CancellationToken cancellationToken = default)
    {
        if (!bundle.IsEntries)
        {
            throw new ArgumentException("A hash tile is not an entry bundle; use GetTileAsync.", nameof(bundle));
        }

        byte[] data = await ClientResponses.GetBytesAsync(_http, bundle.ToString(), MaxBundleBytes, cancellationToken).ConfigureAwait(false);
        try
        {
            return EntryBundle.Decode(data, bundle.Width);
        }
        catch (FormatException e)
        {
            throw new FormatException($"{Address}{bundle}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Reads entries [<paramref name="from"/>, <paramref name="to"/>) of the tree of <paramref name="checkpoint"/> from
    /// their bundles and proves each included: the entries' leaf hashes must rebuild the level-0 tile hashes, which
    /// must rebuild (through the parent tiles and the right edge) the checkpoint's root. Entries come in order, one
    /// <see cref="LogEntryRead"/> each; an entry that does not check (a bundle missing one, an entry changed) comes
    /// with its failure, so the caller sees every bad entry. Bundles are fetched a few at a time.
    /// </summary>
    /// <exception cref="LogVerificationException">The tiles above the entries do not hash to the checkpoint's root (no entry can be proven).</exception>
    public async IAsyncEnumerable<LogEntryRead> ReadEntriesAsync(Checkpoint checkpoint, long from, long to, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        if (from < 0 || to < from || to > checkpoint.Size)
        {
            throw new ArgumentOutOfRangeException(nameof(to), $"Need 0 <= from <= to <= {checkpoint.Size} (the checkpoint's size).");
        }

        if (from == to)
        {
            yield break;
        }

        VerifiedTiles tiles = new(checkpoint, GetTreeTileAsync);
        long first = from / TilePath.FullWidth;
        long last = (to - 1) / TilePath.FullWidth;
        const int Ahead = 4;
        Queue<Task<LogEntryRead[]>> pending = new();
        long next = first;
        while (next <= last || pending.Count > 0)
        {
            while (next <= last && pending.Count < Ahead)
            {
                pending.Enqueue(ReadBundleAsync(tiles, next++, cancellationToken));
            }

            foreach (LogEntryRead read in await pending.Dequeue().ConfigureAwait(false))
            {
                if (read.Index >= from && read.Index < to)
                {
                    yield return read;
                }
            }
        }
    }

    /// <summary>Entry <paramref name="index"/>, proven included in <paramref name="checkpoint"/>'s tree (or <see cref="LogVerificationException"/>).</summary>
    public async Task<byte[]> GetEntryAsync(Checkpoint checkpoint, long index, CancellationToken cancellationToken = default)
    {
        await foreach (LogEntryRead read in ReadEntriesAsync(checkpoint, index, index + 1, cancellationToken).ConfigureAwait(false))
        {
            return read.Included ? read.Bytes! : throw new LogVerificationException($"entry {index}: {read.Failure}", index);
        }

        throw new ArgumentOutOfRangeException(nameof(index));
    }

    /// <summary>A hash tile the checkpoint's tree has: one the log does not serve, or serves malformed, fails the log.</summary>
    private async Task<Hash256[]> GetTreeTileAsync(TilePath tile, CancellationToken cancellationToken)
    {
        try
        {
            return await GetTileAsync(tile, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestRefusedException e) when (e.Status == HttpStatusCode.NotFound)
        {
            throw new LogVerificationException($"{tile} is not served although the checkpoint's tree has it: {e.Detail}", e);
        }
        catch (FormatException e)
        {
            throw new LogVerificationException(e.Message, e);
        }
    }

    private async Task<LogEntryRead[]> ReadBundleAsync(VerifiedTiles tiles, long n, CancellationToken cancellationToken)
    {
        long start = n * TilePath.FullWidth;
        TilePath bundle = TilePath.EntriesFor(start, tiles.Size);
        LogEntryRead[] Fail(string why) => [.. Enumerable.Range(0, bundle.Width).Select(i => new LogEntryRead(start + i, null, why))];

        IReadOnlyList<byte[]> entries;
        try
        {
            entries = await GetEntryBundleAsync(bundle, cancellationToken).ConfigureAwait(false);
        }
        catch (FormatException e)
        {
            return Fail($"entry bundle {bundle}: {e.Message}");
        }
        catch (RequestRefusedException e)
        {
            return Fail($"entry bundle {bundle} is not served although the checkpoint (size {tiles.Size}) covers it: {(int)e.Status} {e.Detail}");
        }

        Hash256[] leaves = [.. entries.Select(e => Rfc6962.LeafHash(e))];
        Hash256[]? tree = null;
        if (bundle.IsPartial)
        {
            // The last bundle: its level-0 tile is on the verified right edge.
            tree = await tiles.TileAsync(0, n, cancellationToken).ConfigureAwait(false);
        }
        else if (!await tiles.MatchesFullTileAsync(0, n, leaves, cancellationToken).ConfigureAwait(false))
        {
            // Some entry is not the tree's: take the served level-0 tile, if it is the tree's, to name which.
            try
            {
                tree = await tiles.TileAsync(0, n, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is LogVerificationException or FormatException or RequestRefusedException)
            {
                return Fail($"entry bundle {bundle} does not hash to the checkpoint's tree (size {tiles.Size}), and tile 0/{TilePath.FormatIndex(n)} cannot tell which entry differs: {e.Message}");
            }
        }

        LogEntryRead[] reads = new LogEntryRead[entries.Count];
        for (int i = 0; i < entries.Count; i++)
        {
            reads[i] = tree is null || leaves[i] == tree[i]
                ? new LogEntryRead(start + i, entries[i], null)
                : new LogEntryRead(start + i, entries[i], $"its leaf hash is not the one the checkpoint's tree (size {tiles.Size}) has at index {start + i}: the entry in {bundle} was changed or replaced");
        }

        return reads;
    }

    // ------------------------------------------------------------------ proofs

    /// <summary>GET /proof/inclusion: the RFC 9162 inclusion proof of entry <paramref name="index"/> in the tree of <paramref name="size"/>.</summary>
    public async Task<IReadOnlyList<Hash256>> GetInclusionProofAsync(long index, long size, CancellationToken cancellationToken = default)
    {
        string path = $"proof/inclusion?index={Decimal(index)}&size={Decimal(size)}";
        return Decode(await ClientResponses.GetJsonAsync(_http, path, LogJsonContext.Default.ProofResponse, cancellationToken).ConfigureAwait(false), path);
    }

    /// <summary>GET /proof/consistency: the RFC 9162 consistency proof from <paramref name="oldSize"/> to <paramref name="newSize"/>.</summary>
    public async Task<IReadOnlyList<Hash256>> GetConsistencyProofAsync(long oldSize, long newSize, CancellationToken cancellationToken = default)
    {
        string path = $"proof/consistency?old={Decimal(oldSize)}&size={Decimal(newSize)}";
        return Decode(await ClientResponses.GetJsonAsync(_http, path, LogJsonContext.Default.ProofResponse, cancellationToken).ConfigureAwait(false), path);
    }

    /// <summary>True when <paramref name="entry"/> is at <paramref name="index"/> in <paramref name="checkpoint"/>'s tree, by the log's inclusion proof.</summary>
    public async Task<bool> VerifyInclusionAsync(Checkpoint checkpoint, long index, ReadOnlyMemory<byte> entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        if (index < 0 || index >= checkpoint.Size)
        {
            return false;
        }

        IReadOnlyList<Hash256> proof = await GetInclusionProofAsync(index, checkpoint.Size, cancellationToken).ConfigureAwait(false);
        return MerkleMath.VerifyInclusion(index, checkpoint.Size, Rfc6962.LeafHash(entry.Span), proof, checkpoint.Root);
    }

    /// <summary>True when <paramref name="newer"/>'s tree extends <paramref name="older"/>'s, by the log's consistency proof (same size: same root).</summary>
    public async Task<bool> VerifyConsistencyAsync(Checkpoint older, Checkpoint newer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(older);
        ArgumentNullException.ThrowIfNull(newer);
        if (older.Size > newer.Size)
        {
            return false;
        }

        if (older.Size == newer.Size || older.Size == 0)
        {
            return older.Size != newer.Size || older.Root == newer.Root;
        }

        IReadOnlyList<Hash256> proof = await GetConsistencyProofAsync(older.Size, newer.Size, cancellationToken).ConfigureAwait(false);
        return MerkleMath.VerifyConsistency(older.Size, newer.Size, older.Root, newer.Root, proof);
    }

    /// <summary>GET /receipt/{index}: the C2SP tlog-proof receipt of an entry (parsed; verify it with <see cref="TlogProof.Verify"/>).</summary>
    public async Task<TlogProof> GetReceiptAsync(long index, CancellationToken cancellationToken = default)
    {
        byte[] text = await ClientResponses.GetBytesAsync(_http, "receipt/" + Decimal(index), MaxCheckpointBytes, cancellationToken).ConfigureAwait(false);
        try
        {
            return TlogProof.Parse(Encoding.UTF8.GetString(text));
        }
        catch (NoteFormatException e)
        {
            throw new NoteFormatException($"{Address}receipt/{Decimal(index)}: {e.Message}", e);
        }
    }

    // ------------------------------------------------------------------ writes and blobs

    /// <summary>POST /add: appends a signed entry (idempotent: the same entry again answers its index with <c>duplicate</c>).</summary>
    public async Task<AddResponse> AddAsync(byte[] entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        using HttpRequestMessage request = new(HttpMethod.Post, "add") { Content = new ByteArrayContent(entry) };
        request.Content.Headers.ContentType = new("text/plain");
        AddResponse added = await ClientResponses.SendJsonAsync(_http, request, LogJsonContext.Default.AddResponse, cancellationToken).ConfigureAwait(false);
        return added.Index >= 0 ? added : throw new FormatException($"{Address}add: a negative index {added.Index}.");
    }

    /// <summary>POST /blob (a signed request: build the client with an <see cref="HttpSignatureHandler"/>): stores an artifact under its SHA-256.</summary>
    public async Task<Hash256> PutBlobAsync(byte[] blob, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(blob);
        using HttpRequestMessage request = new(HttpMethod.Post, "blob") { Content = new ByteArrayContent(blob) };
        request.Content.Headers.ContentType = new("application/octet-stream");
        BlobResponse stored = await ClientResponses.SendJsonAsync(_http, request, LogJsonContext.Default.BlobResponse, cancellationToken).ConfigureAwait(false);
        Hash256 expected = Hash256.Compute(blob);
        if (!Hash256.TryFromHex(stored.Sha256, out Hash256 answered) || answered != expected)
        {
            throw new LogVerificationException($"{Address}blob: the log stored the artifact as {stored.Sha256}, not under its SHA-256 {expected.ToHex()}.");
        }

        return expected;
    }

    /// <summary>
    /// GET /blob/{sha256}: the artifact, re-hashed. Null when the log does not have it (404);
    /// <see cref="LogVerificationException"/> when the bytes served are not the ones the hash names.
    /// </summary>
    public async Task<byte[]?> GetBlobAsync(Hash256 sha256, CancellationToken cancellationToken = default)
    {
        string path = "blob/" + sha256.ToHex();
        byte[]? data = await ClientResponses.GetBytesOrNullAsync(_http, path, MaxBlobBytes, cancellationToken).ConfigureAwait(false);
        if (data is not null && Hash256.Compute(data) != sha256)
        {
            throw new LogVerificationException($"{Address}{path}: the log served {data.Length} bytes whose SHA-256 is {Hash256.Compute(data).ToHex()}, not the address asked for.");
        }

        return data;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    private Hash256[] Decode(ProofResponse response, string path)
    {
        Hash256[] hashes = new Hash256[response.Proof.Count];
        for (int i = 0; i < hashes.Length; i++)
        {
            if (!Hash256.TryFromBase64(response.Proof[i], out hashes[i]))
            {
                throw new FormatException($"{Address}{path}: $.proof[{i}] is not the base64 of 32 bytes.");
            }
        }

        return hashes;
    }

    private static string Decimal(long n) => n.ToString(CultureInfo.InvariantCulture);
}
