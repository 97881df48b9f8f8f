using System.Collections.Concurrent;
using System.Net;
using Entente.Client.Board;
using Entente.Client.Http;
using Entente.Client.Log;
using Entente.Election.Board;
using Entente.Transparency;
using Entente.Transparency.Notes;

namespace Entente.Client.Election;

/// <summary>
/// The election's shared place as a board over HTTP (docs/http-api.md, "Election board"): every document is an
/// artifact of a board collection, posted with a log entry signed by this client's charter key (a party, a guardian
/// holder or a device), every request signed (RFC 9421), transient failures retried within a bound
/// (<see cref="RetryPolicy"/>). Reads are public; each artifact read is checked against the SHA-256 of its index entry
/// (the collection listing's, or the <c>ETag</c> the board serves with it) before it is returned.
/// <para>Bulk reads (<see cref="ReadManyAsync"/>): the documents a collection listing gave (<see cref="ListAsync"/>) are
/// fetched 64 at a time with <c>GET /blobs</c>, each re-hashed against its listed SHA-256; the rest one by one.</para>
/// <para>Idempotence: a post answered 409 <c>Already on the board</c> (or <c>Duplicate ballot</c>) whose artifact has
/// the SHA-256 just posted is <see cref="PublicationState.AlreadyPublished"/>, so a retried post never doubles anything
/// and a step run again after it succeeded reports it as done.</para>
/// <para>Joint documents are signed by each party in turn: a party that finds a pending proposal of the same bytes adds
/// its signature to that proposal's entry; otherwise it proposes its own. The board answers 202 while signatures are
/// missing (<see cref="PublicationState.AwaitingSignatures"/>), and 201 when the last one logs it.</para>
/// </summary>
public sealed class HttpElectionBoard : IElectionBoard, IDisposable
{
    /// <summary><c>GET /blobs</c> requests in flight at once in <see cref="ReadManyAsync"/>.</summary>
    private const int BulkConcurrency = 4;

    /// <summary>Single reads in flight at once in <see cref="ReadManyAsync"/> (those <c>GET /blobs</c> cannot serve).</summary>
    private const int SingleConcurrency = 8;

    private readonly BoardClient _client;
    private readonly Uri _board;

    /// <summary>
    /// The SHA-256 of every artifact a listing gave, by its read path (<c>board/ballots/{id}</c>): what a bulk read
    /// checks each artifact against. An artifact on the board never changes, so what was listed stays true.
    /// </summary>
    private readonly ConcurrentDictionary<string, Hash256> _listed = new(StringComparer.Ordinal);

    /// <summary>Set once the board answered <c>GET /blobs</c> with 404 or 405: it has no bulk read, so read one by one.</summary>
    private volatile bool _noBundles;

    /// <summary>
    /// The board at <paramref name="board"/>, acting as the charter member whose key is <paramref name="key"/> (not
    /// owned), retrying under <paramref name="retry"/> (default <see cref="RetryPolicy.Default"/>), sending through
    /// <paramref name="inner"/> (default: sockets).
    /// </summary>
    public HttpElectionBoard(Uri board, Ed25519NoteSigner key, RetryPolicy? retry = null, HttpMessageHandler? inner = null)
    {
        ArgumentNullException.ThrowIfNull(board);
        ArgumentNullException.ThrowIfNull(key);
        _board = board.AbsoluteUri.EndsWith('/') ? board : new Uri(board.AbsoluteUri + "/");
        _client = new BoardClient(_board, key, inner, retry ?? RetryPolicy.Default);
    }

    /// <summary>The name this client signs as.</summary>
    public string Signer => _client.Signer;

    /// <inheritdoc/>
    public string Location => _board.AbsoluteUri;

    /// <inheritdoc/>
    public string Describe(ElectionDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        Route route = Route.Of(document);
        return new Uri(_board, route.Supported ? route.Target(document).Get : "board/" + document.Path).AbsoluteUri;
    }

    /// <inheritdoc/>
    public async Task<byte[]?> ReadAsync(ElectionDocument document, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(document);
        Route route = Route.Of(document);
        if (!route.Supported)
        {
            return null;
        }

        try
        {
            return await _client.Http.ReadArtifactAsync(route.Target(document).Get, null, cancellationToken).ConfigureAwait(false);
        }
        catch (BoardRequestException e)
        {
            throw Translate(e);
        }
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<ElectionDocument>> ListAsync(ElectionDocumentKind kind, CancellationToken cancellationToken = default)
    {
        if (ElectionDocument.IsSingleKind(kind))
        {
            throw new ArgumentException($"{kind} is a single document, not a collection.", nameof(kind));
        }

        Route route = Route.OfKind(kind);
        if (!route.Supported)
        {
            return [];
        }

        IReadOnlyList<BoardArtifact> artifacts;
        try
        {
            artifacts = await _client.Http.ListAsync(route.Collection, cancellationToken).ConfigureAwait(false);
        }
        catch (BoardRequestException e)
        {
            throw Translate(e);
        }

        List<ElectionDocument> documents = [];
        foreach (BoardArtifact artifact in artifacts)
        {
            // The decryptions collection holds every round: keep this kind's ("commit-1", "reveal-1"…).
            if (artifact.Id.StartsWith(route.IdPrefix, StringComparison.Ordinal) && ElectionDocument.TryFromId(kind, artifact.Id[route.IdPrefix.Length..]) is ElectionDocument document)
            {
                documents.Add(document);
                if (Hash256.TryFromHex(artifact.Sha256, out Hash256 sha256))
                {
                    _listed[route.Target(document).Get] = sha256; // one that does not parse is read alone, against its ETag
                }
            }
        }

        return [.. documents.OrderBy(d => d.Id, StringComparer.Ordinal)];
    }

    /// <summary>
    /// The bytes of each of <paramref name="documents"/>, in their order (null for one not published). Those a listing of
    /// this board gave (<see cref="ListAsync"/>) are asked 64 at a time with <c>GET /blobs</c> (a few requests in flight),
    /// and each artifact served is re-hashed: bytes that do not hash to the SHA-256 the listing gave for the document are
    /// refused (<see cref="ElectionBoardException"/>, <see cref="BoardRefusalReason.Corrupt"/>, naming the document), as a
    /// single read refuses them. Those the answer left out (absent, past its 8 MiB) and those not listed are read one by
    /// one (<see cref="ReadAsync"/>, checked against the listed SHA-256 when there is one, else the <c>ETag</c>). A board
    /// without <c>GET /blobs</c> (404, 405) is read one by one from then on.
    /// </summary>
    public async Task<IReadOnlyList<byte[]?>> ReadManyAsync(IReadOnlyList<ElectionDocument> documents, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(documents);
        byte[]?[] read = new byte[documents.Count][];
        List<(int Index, Hash256 Sha256)> bundled = [];
        ConcurrentQueue<int> alone = new();
        for (int i = 0; i < documents.Count; i++)
        {
            ElectionDocument document = documents[i] ?? throw new ArgumentException($"Document {i} is null.", nameof(documents));
            Route route = Route.Of(document);
            if (!route.Supported)
            {
                continue; // not on a board: not published here, as ReadAsync says
            }

            if (!_noBundles && _listed.TryGetValue(route.Target(document).Get, out Hash256 sha256))
            {
                bundled.Add((i, sha256));
            }
            else
            {
                alone.Enqueue(i);
            }
        }

        await Parallel.ForEachAsync(bundled.Chunk(BlobBundle.MaxPerRequest), new ParallelOptions { MaxDegreeOfParallelism = BulkConcurrency, CancellationToken = cancellationToken }, async (chunk, ct) =>
        {
            Dictionary<Hash256, byte[]> served = [];
            foreach (BundledBlob blob in await GetBlobsAsync([.. chunk.Select(c => c.Sha256).Distinct()], ct).ConfigureAwait(false))
            {
                served.TryAdd(blob.Sha256, blob.Bytes);
            }

            foreach ((int index, Hash256 sha256) in chunk)
            {
                if (!served.TryGetValue(sha256, out byte[]? bytes))
                {
                    alone.Enqueue(index);
                    continue;
                }

                Hash256 actual = Hash256.Compute(bytes);
                read[index] = actual == sha256 ? bytes : throw new ElectionBoardException(BoardRefusalReason.Corrupt, Describe(documents[index]), "Artifact does not match its entry",
                    $"the board served (GET /blobs) bytes whose SHA-256 is {actual.ToHex()} for an artifact whose log entry commits to {sha256.ToHex()}");
            }
        }).ConfigureAwait(false);

        await Parallel.ForEachAsync(alone, new ParallelOptions { MaxDegreeOfParallelism = SingleConcurrency, CancellationToken = cancellationToken }, async (index, ct) =>
        {
            string path = Route.Of(documents[index]).Target(documents[index]).Get;
            try
            {
                read[index] = await _client.Http.ReadArtifactAsync(path, _listed.TryGetValue(path, out Hash256 listed) ? listed.ToHex() : null, ct).ConfigureAwait(false);
            }
            catch (BoardRequestException e)
            {
                throw Translate(e);
            }
        }).ConfigureAwait(false);
        return read;
    }

    /// <inheritdoc/>
    public async Task<Publication> PublishAsync(ElectionDocument document, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(document);
        Route route = Route.Of(document);
        if (!route.Supported)
        {
            throw new ElectionBoardException(BoardRefusalReason.Malformed, Describe(document), "Not on this board", $"the board has no collection for {document.Kind} documents; use a ceremony folder for this step");
        }

        BoardPostOutcome outcome;
        try
        {
            outcome = await _client.PublishAsync(route.Target(document), bytes.ToArray(), cancellationToken).ConfigureAwait(false);
        }
        catch (BoardRequestException e)
        {
            throw Translate(e);
        }

        return outcome.State switch
        {
            BoardPostState.Logged => Publication.Published,
            BoardPostState.AlreadyLogged => Publication.AlreadyPublished,
            _ => new Publication(PublicationState.AwaitingSignatures, outcome.Proposal!.SignedBy, outcome.Proposal.Awaiting),
        };
    }

    /// <summary>Most ballots sent in one request by <see cref="PublishBallotsAsync"/> (the board's default limit is 256).</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>
    /// Publishes a backlog of ballots: one ballot by the single post (<see cref="PublishAsync"/>), more in batches of up to
    /// <see cref="BatchSize"/> (<c>POST /board/ballots/batch</c>, one signed request each). A ballot the board already holds
    /// with the same bytes is <see cref="PublicationState.AlreadyPublished"/> (a batch sent again after a lost answer doubles
    /// nothing); one being posted at the same moment by another request is published again alone, which waits for it.
    /// </summary>
    public async Task<IReadOnlyList<Publication>> PublishBallotsAsync(IReadOnlyList<Entente.Election.Encryption.EncryptedBallot> ballots, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ballots);
        if (ballots.Count == 1)
        {
            return [await PublishAsync(ElectionDocument.Ballot(ballots[0]), Entente.Election.Record.RecordFormat.WriteBallot(ballots[0]), cancellationToken).ConfigureAwait(false)];
        }

        List<Publication> published = [];
        foreach (Entente.Election.Encryption.EncryptedBallot[] chunk in ballots.Chunk(Math.Max(1, BatchSize)))
        {
            IReadOnlyList<BoardBatchItem> results;
            try
            {
                results = await _client.PostBallotsAsync(chunk, cancellationToken).ConfigureAwait(false);
            }
            catch (BoardRequestException e)
            {
                throw Translate(e);
            }

            for (int i = 0; i < chunk.Length; i++)
            {
                BoardBatchItem item = results[i];
                ElectionDocument document = ElectionDocument.Ballot(chunk[i]);
                if (item.Logged)
                {
                    published.Add(Publication.Published);
                    continue;
                }

                if (item is { Status: 409, Title: "Duplicate ballot" })
                {
                    byte[] bytes = Entente.Election.Record.RecordFormat.WriteBallot(chunk[i]);
                    if (item.Sha256 is null)
                    {
                        published.Add(await PublishAsync(document, bytes, cancellationToken).ConfigureAwait(false)); // being posted by another request
                        continue;
                    }

                    if (string.Equals(item.Sha256, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)), StringComparison.OrdinalIgnoreCase))
                    {
                        published.Add(Publication.AlreadyPublished);
                        continue;
                    }
                }

                throw Translate(new BoardRequestException(Describe(document), item.Status, item.Title ?? "Refused", item.Detail ?? "the board gave no detail"));
            }
        }

        return published;
    }

    /// <inheritdoc/>
    public void Dispose() => _client.Dispose();

    /// <summary>
    /// One <c>GET /blobs</c> answer for <paramref name="sha256"/>, as served (none re-hashed here; <see cref="BlobBundle.FetchAsync"/>).
    /// A refusal or an answer too large leaves every one out (each is then read alone, whose answer says why); a board
    /// without the route (404, 405) is remembered; one unavailable is <see cref="BoardRefusalReason.Unavailable"/>.
    /// </summary>
    private async Task<IReadOnlyList<BundledBlob>> GetBlobsAsync(IReadOnlyList<Hash256> sha256, CancellationToken ct)
    {
        BlobFetch fetch = await BlobBundle.FetchAsync(_client.Http, sha256, ct).ConfigureAwait(false);
        switch (fetch.Outcome)
        {
            case BlobFetchOutcome.RouteAbsent:
                _noBundles = true;
                return [];
            case BlobFetchOutcome.Unavailable:
                string where = new Uri(_board, "blobs").AbsoluteUri;
                throw fetch.Failure switch
                {
                    RequestRefusedException e => new ElectionBoardException(BoardRefusalReason.Unavailable, where, e.Title, e.Detail, (int)e.Status, e),
                    ServiceUnavailableException e => new ElectionBoardException(BoardRefusalReason.Unavailable, where, "Board unavailable", e.Message, null, e),
                    Exception e => new ElectionBoardException(BoardRefusalReason.Unavailable, where, "Board unreachable", e.Message, null, e),
                    null => new InvalidOperationException("An unavailable GET /blobs carries its failure."),
                };
            default:
                return fetch.Served;
        }
    }

    private static ElectionBoardException Translate(BoardRequestException e)
    {
        BoardRefusalReason reason = e.Corrupt ? BoardRefusalReason.Corrupt : e.Status switch
        {
            409 => BoardRefusalReason.Conflict,
            422 => BoardRefusalReason.Invalid,
            401 or 403 => BoardRefusalReason.Forbidden,
            400 or 404 or 413 => BoardRefusalReason.Malformed,
            _ => BoardRefusalReason.Unavailable,
        };
        return new ElectionBoardException(reason, e.Where, e.Title, e.Detail, e.Status, e);
    }

    /// <summary>Where the documents of a kind live on the board.</summary>
    private sealed record Route(string Collection, string IdPrefix, string? EntryType, bool Singleton, string? Round)
    {
        public bool Supported => EntryType is not null;

        public BoardTarget Target(ElectionDocument document) => new(Collection, Singleton ? Collection : IdPrefix + document.Id,
            document.Kind == ElectionDocumentKind.Ballot ? (document.Challenged ? "ballot.challenged" : "ballot.cast") : EntryType!, Singleton, document.IsJoint)
        {
            RouteArgument = Round,
            Ballot = document.Kind is ElectionDocumentKind.Ballot or ElectionDocumentKind.Opening ? document.Id : null,
            Code = document.ConfirmationCode,
        };

        public static Route OfKind(ElectionDocumentKind kind) => kind switch
        {
            ElectionDocumentKind.Manifest => new("manifest", "", "manifest", true, null),
            ElectionDocumentKind.Parameters => new("parameters", "", "election.parameters", true, null),
            ElectionDocumentKind.ElectionKey => new("election", "", "election.key", true, null),
            ElectionDocumentKind.EncryptedTally => new("encrypted-tally", "", "tally.encrypted", true, null),
            ElectionDocumentKind.Tally => new("tally", "", "tally.decrypted", true, null),
            ElectionDocumentKind.GuardianKey => new("guardians", "", "guardian.commitment", false, null),
            ElectionDocumentKind.Share => new("shares", "", "guardian.share", false, null),
            ElectionDocumentKind.Approval => new("approvals", "", "guardian.approval", false, null),
            ElectionDocumentKind.Ballot => new("ballots", "", "ballot.cast", false, null),
            ElectionDocumentKind.Device => new("devices", "", "device.record", false, null),
            ElectionDocumentKind.Opening => new("challenged", "", "ballot.opened", false, null),
            ElectionDocumentKind.Uncast => new("uncast", "", "ballot.uncast", false, null),
            ElectionDocumentKind.Seal => new("sealed", "", "ballot.sealed", false, null),
            ElectionDocumentKind.DecryptionCommit => new("decryptions", "commit-", "decryption.commit", false, "commit"),
            ElectionDocumentKind.DecryptionReveal => new("decryptions", "reveal-", "decryption.reveal", false, "reveal"),
            ElectionDocumentKind.DecryptionResponse => new("decryptions", "response-", "decryption.response", false, "response"),
            ElectionDocumentKind.DecryptionAbandon => new("abandonments", "", "decryption.abandon", false, null),
            _ => new("", "", null, ElectionDocument.IsSingleKind(kind), null), // contest data: not a board collection
        };

        public static Route Of(ElectionDocument document) => OfKind(document.Kind);
    }
}
