using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Entente.Client.Board;
using Entente.Client.Http;
using Entente.Election.Board;
using Entente.Transparency.Notes;

namespace Entente.Client.Election;

/// <summary>
/// The election's shared place as a board over HTTP (docs/http-api.md, "Election board"): every document is an
/// artifact of a board collection, posted with a log entry signed by this client's charter key (a party, a guardian
/// holder or a device), every request signed (RFC 9421), transient failures retried within a bound
/// (<see cref="RetryPolicy"/>). Reads are public; each artifact read is checked against the SHA-256 of its index entry
/// (the collection listing's, or the <c>ETag</c> the board serves with it) before it is returned.
/// <para>Idempotence: a post answered 409 <c>Already on the board</c> (or <c>Duplicate ballot</c>) whose artifact has
/// the SHA-256 just posted is <see cref="PublicationState.AlreadyPublished"/>, so a retried post never doubles anything
/// and a step run again after it succeeded reports it as done.</para>
/// <para>Joint documents are signed by each party in turn: a party that finds a pending proposal of the same bytes adds
/// its signature to that proposal's entry; otherwise it proposes its own. The board answers 202 while signatures are
/// missing (<see cref="PublicationState.AwaitingSignatures"/>), and 201 when the last one logs it.</para>
/// </summary>
public sealed class HttpElectionBoard : IElectionBoard, IDisposable
{
    private const int PageSize = 1000;

    private readonly BoardClient _client;
    private readonly Uri _board;

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
    public string Describe(ElectionDocument document) => new Uri(_board, Route.Of(document).Get).AbsoluteUri;

    /// <inheritdoc/>
    public async Task<byte[]?> ReadAsync(ElectionDocument document, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(document);
        Route route = Route.Of(document);
        if (!route.Supported)
        {
            return null;
        }

        using HttpResponseMessage response = await SendAsync(() => _client.Http.GetAsync(route.Get, cancellationToken), route.Get).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        if (!response.IsSuccessStatusCode)
        {
            throw await RefusalAsync(response, route.Get, cancellationToken).ConfigureAwait(false);
        }

        byte[] bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        string? committed = response.Headers.ETag?.Tag.Trim('"');
        string actual = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (committed is null || !string.Equals(committed, actual, StringComparison.OrdinalIgnoreCase))
        {
            throw new ElectionBoardException(BoardRefusalReason.Corrupt, Describe(document), "Artifact does not match its entry",
                $"the board served bytes whose SHA-256 is {actual} for an artifact whose log entry commits to {committed ?? "(no ETag)"}");
        }

        return bytes;
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<ElectionDocument>> ListAsync(ElectionDocumentKind kind, CancellationToken cancellationToken = default)
    {
        if (ElectionDocument.IsSingleKind(kind))
        {
            throw new ArgumentException($"{kind} is a single document, not a collection.", nameof(kind));
        }

        Route sample = Route.OfKind(kind);
        if (!sample.Supported)
        {
            return [];
        }

        List<ElectionDocument> documents = [];
        string? next = $"board/{sample.Collection}?offset=0&limit={PageSize}";
        while (next is not null)
        {
            string page = next.TrimStart('/');
            using HttpResponseMessage response = await SendAsync(() => _client.Http.GetAsync(page, cancellationToken), page).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw await RefusalAsync(response, page, cancellationToken).ConfigureAwait(false);
            }

            BoardPage items = await response.Content.ReadFromJsonAsync(BoardJsonContext.Default.BoardPage, cancellationToken).ConfigureAwait(false)
                ?? throw new ElectionBoardException(BoardRefusalReason.Unavailable, page, "Unreadable page", "the board answered an empty page");
            foreach (BoardArtifact artifact in items.Items)
            {
                if (sample.IdPrefix.Length > 0 && !artifact.Id.StartsWith(sample.IdPrefix, StringComparison.Ordinal))
                {
                    continue; // another round of the decryptions collection
                }

                if (ElectionDocument.TryFromId(kind, artifact.Id[sample.IdPrefix.Length..]) is ElectionDocument document)
                {
                    documents.Add(document);
                }
            }

            next = items.Next;
        }

        return [.. documents.OrderBy(d => d.Id, StringComparer.Ordinal)];
    }

    /// <inheritdoc/>
    public async Task<Publication> PublishAsync(ElectionDocument document, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(document);
        Route route = Route.Of(document);
        string where = Describe(document);
        if (!route.Supported)
        {
            throw new ElectionBoardException(BoardRefusalReason.Malformed, where, "Not on this board", $"the board has no collection for {document.Kind} documents; use a ceremony folder for this step");
        }

        byte[] artifact = bytes.ToArray();
        string sha = Convert.ToHexStringLower(SHA256.HashData(artifact));
        for (int attempt = 0; ; attempt++)
        {
            byte[] entry = document.IsJoint && await PendingEntryAsync(route, sha, cancellationToken).ConfigureAwait(false) is byte[] proposed
                ? _client.Countersign(proposed)
                : _client.Entry(route.Type(document), artifact, Route.Ballot(document), document.ConfirmationCode);
            using HttpResponseMessage response = await SendAsync(() => _client.PostWithEntryAsync(route.Post, artifact, entry, cancellationToken), route.Post).ConfigureAwait(false);
            switch (response.StatusCode)
            {
                case HttpStatusCode.Created:
                    return Publication.Published;
                case HttpStatusCode.Accepted:
                    BoardProposal proposal = await response.Content.ReadFromJsonAsync(BoardJsonContext.Default.BoardProposal, cancellationToken).ConfigureAwait(false)
                        ?? throw new ElectionBoardException(BoardRefusalReason.Unavailable, where, "Unreadable answer", "202 without a proposal");
                    return new Publication(PublicationState.AwaitingSignatures, proposal.SignedBy, proposal.Awaiting);
                case HttpStatusCode.Conflict:
                    BoardProblem? problem = await ProblemAsync(response, cancellationToken).ConfigureAwait(false);
                    if (problem?.Title is "Already on the board" or "Duplicate ballot")
                    {
                        string? existing = problem.Sha256 ?? await ExistingShaAsync(document, cancellationToken).ConfigureAwait(false);
                        if (string.Equals(existing, sha, StringComparison.OrdinalIgnoreCase))
                        {
                            return Publication.AlreadyPublished;
                        }

                        if (existing is null && attempt < 5)
                        {
                            await Task.Delay(TimeSpan.FromMilliseconds(200 * (attempt + 1)), cancellationToken).ConfigureAwait(false); // the same id is being posted
                            continue;
                        }
                    }
                    else if (problem?.Title == "Proposal pending" && attempt < 3)
                    {
                        continue; // another party proposed the same bytes meanwhile: sign its entry
                    }

                    throw Refusal(HttpStatusCode.Conflict, problem, where);
                default:
                    throw await RefusalAsync(response, where, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _client.Dispose();

    /// <summary>The entry of the pending proposal of the document when its artifact has <paramref name="sha"/>, else null.</summary>
    private async Task<byte[]?> PendingEntryAsync(Route route, string sha, CancellationToken ct)
    {
        using HttpResponseMessage response = await SendAsync(() => _client.Http.GetAsync(route.Proposal, ct), route.Proposal).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        if (!response.IsSuccessStatusCode)
        {
            throw await RefusalAsync(response, route.Proposal, ct).ConfigureAwait(false);
        }

        BoardProposal? proposal = await response.Content.ReadFromJsonAsync(BoardJsonContext.Default.BoardProposal, ct).ConfigureAwait(false);
        if (proposal is null || !string.Equals(proposal.Sha256, sha, StringComparison.OrdinalIgnoreCase))
        {
            return null; // none, or another artifact: posting ours lets the board name the difference
        }

        try
        {
            return Convert.FromBase64String(proposal.Entry);
        }
        catch (FormatException)
        {
            throw new ElectionBoardException(BoardRefusalReason.Unavailable, route.Proposal, "Unreadable proposal", "the proposal's entry is not base64");
        }
    }

    private async Task<string?> ExistingShaAsync(ElectionDocument document, CancellationToken ct)
    {
        try
        {
            return await ReadAsync(document, ct).ConfigureAwait(false) is byte[] bytes ? Convert.ToHexStringLower(SHA256.HashData(bytes)) : null;
        }
        catch (ElectionBoardException)
        {
            return null;
        }
    }

    private static async Task<HttpResponseMessage> SendAsync(Func<Task<HttpResponseMessage>> send, string where)
    {
        try
        {
            return await send().ConfigureAwait(false);
        }
        catch (ServiceUnavailableException e)
        {
            throw new ElectionBoardException(BoardRefusalReason.Unavailable, where, "Board unavailable", e.Message, null, e);
        }
        catch (HttpRequestException e)
        {
            throw new ElectionBoardException(BoardRefusalReason.Unavailable, where, "Board unreachable", e.Message, null, e);
        }
    }

    private static async Task<BoardProblem?> ProblemAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync(BoardJsonContext.Default.BoardProblem, ct).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static async Task<ElectionBoardException> RefusalAsync(HttpResponseMessage response, string where, CancellationToken ct) =>
        Refusal(response.StatusCode, await ProblemAsync(response, ct).ConfigureAwait(false), where);

    private static ElectionBoardException Refusal(HttpStatusCode status, BoardProblem? problem, string where)
    {
        BoardRefusalReason reason = status switch
        {
            HttpStatusCode.Conflict => BoardRefusalReason.Conflict,
            HttpStatusCode.UnprocessableEntity => BoardRefusalReason.Invalid,
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => BoardRefusalReason.Forbidden,
            HttpStatusCode.BadRequest or HttpStatusCode.NotFound or HttpStatusCode.RequestEntityTooLarge => BoardRefusalReason.Malformed,
            _ => BoardRefusalReason.Unavailable,
        };
        return new ElectionBoardException(reason, where, problem?.Title ?? status.ToString(), problem?.Detail ?? "the board gave no detail", (int)status);
    }

    /// <summary>Where a document lives on the board and how its entry is made.</summary>
    private sealed record Route(string Collection, string Id, string PostPath, string IdPrefix, string? EntryType, bool Singleton)
    {
        public bool Supported => EntryType is not null;

        public string Get => Singleton ? $"board/{Collection}" : $"board/{Collection}/{Uri.EscapeDataString(IdPrefix + Id)}";

        public string Post => PostPath;

        public string Proposal => Singleton ? $"board/proposals/{Collection}" : $"board/proposals/{Collection}/{Uri.EscapeDataString(IdPrefix + Id)}";

        public string Type(ElectionDocument document) => document.Kind == ElectionDocumentKind.Ballot
            ? (document.Challenged ? "ballot.challenged" : "ballot.cast")
            : EntryType!;

        public static string? Ballot(ElectionDocument document) => document.Kind is ElectionDocumentKind.Ballot or ElectionDocumentKind.Opening ? document.Id : null;

        public static Route OfKind(ElectionDocumentKind kind) => kind switch
        {
            ElectionDocumentKind.Manifest => Single("manifest", "manifest"),
            ElectionDocumentKind.Parameters => Single("parameters", "election.parameters"),
            ElectionDocumentKind.ElectionKey => Single("election", "election.key"),
            ElectionDocumentKind.EncryptedTally => Single("encrypted-tally", "tally.encrypted"),
            ElectionDocumentKind.Tally => Single("tally", "tally.decrypted"),
            ElectionDocumentKind.GuardianKey => Many("guardians", "guardian.commitment"),
            ElectionDocumentKind.Share => Many("shares", "guardian.share"),
            ElectionDocumentKind.Approval => Many("approvals", "guardian.approval"),
            ElectionDocumentKind.Ballot => Many("ballots", "ballot.cast"),
            ElectionDocumentKind.Device => Many("devices", "device.record"),
            ElectionDocumentKind.Opening => Many("challenged", "ballot.opened"),
            ElectionDocumentKind.DecryptionCommit => Round("commit"),
            ElectionDocumentKind.DecryptionReveal => Round("reveal"),
            ElectionDocumentKind.DecryptionResponse => Round("response"),
            _ => new Route("", "", "", "", null, ElectionDocument.IsSingleKind(kind)), // contest data: not a board collection
        };

        public static Route Of(ElectionDocument document) => OfKind(document.Kind) with { Id = document.Id };

        private static Route Single(string collection, string type) => new(collection, "", $"board/{collection}", "", type, true);

        private static Route Many(string collection, string type) => new(collection, "", $"board/{collection}", "", type, false);

        private static Route Round(string round) => new("decryptions", "", $"board/decryptions/{round}", round + "-", "decryption." + round, false);
    }
}
