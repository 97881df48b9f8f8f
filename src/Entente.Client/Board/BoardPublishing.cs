using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Entente.Client.Http;

namespace Entente.Client.Board;

/// <summary>Where an artifact goes on the board and how its entry is made.</summary>
/// <param name="Collection">Its collection (<c>manifest</c>, <c>ballots</c>, <c>decryptions</c>, <c>audit-commits</c>…).</param>
/// <param name="Id">Its id in the collection (the collection's name for a single document).</param>
/// <param name="Type">Its entry type.</param>
/// <param name="Singleton">True for a single document (<c>GET /board/{collection}</c>).</param>
/// <param name="Joint">True when every party signs its entry (signed in turn through pending proposals).</param>
public sealed record BoardTarget(string Collection, string Id, string Type, bool Singleton, bool Joint)
{
    /// <summary>The route argument of the post (<c>POST /board/decryptions/{round}</c>), or null.</summary>
    public string? RouteArgument { get; init; }

    /// <summary>The entry's ballot field, or null.</summary>
    public string? Ballot { get; init; }

    /// <summary>The entry's confirmation-code field, or null.</summary>
    public string? Code { get; init; }

    /// <summary>The path to read the artifact at, relative to the board.</summary>
    public string Get => Singleton ? $"board/{Collection}" : $"board/{Collection}/{Uri.EscapeDataString(Id)}";

    /// <summary>The path to post it to.</summary>
    public string Post => RouteArgument is null ? $"board/{Collection}" : $"board/{Collection}/{RouteArgument}";

    /// <summary>The path of its pending proposal.</summary>
    public string Proposal => Singleton ? $"board/proposals/{Collection}" : $"board/proposals/{Collection}/{Uri.EscapeDataString(Id)}";
}

/// <summary>What became of a post.</summary>
public enum BoardPostState
{
    /// <summary>Logged now (201).</summary>
    Logged,

    /// <summary>The same bytes were on the board already (409 with the same SHA-256): nothing changed.</summary>
    AlreadyLogged,

    /// <summary>A joint artifact waiting for other parties' signatures (202).</summary>
    Pending,
}

/// <summary>The outcome of <see cref="BoardPublishing.PublishAsync"/>.</summary>
/// <param name="State">What happened.</param>
/// <param name="Proposal">For <see cref="BoardPostState.Pending"/>: the proposal, with who signed and who is awaited.</param>
public sealed record BoardPostOutcome(BoardPostState State, BoardProposal? Proposal);

/// <summary>A board refused a request or could not be used; carries its ProblemDetails when it answered.</summary>
public sealed class BoardRequestException : Exception
{
    /// <summary>Creates the exception.</summary>
    public BoardRequestException(string where, int? status, string title, string detail, bool corrupt = false, Exception? innerException = null)
        : base($"{where}: {(status is int s ? $"{s} " : "")}{title}: {detail}", innerException)
    {
        Where = where;
        Status = status;
        Title = title;
        Detail = detail;
        Corrupt = corrupt;
    }

    /// <summary>Creates the exception.</summary>
    public BoardRequestException()
        : this("board", null, "Refused", "refused")
    {
    }

    /// <summary>Creates the exception.</summary>
    public BoardRequestException(string message)
        : this("board", null, "Refused", message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public BoardRequestException(string message, Exception innerException)
        : this("board", null, "Refused", message, false, innerException)
    {
    }

    /// <summary>The URL concerned.</summary>
    public string Where { get; }

    /// <summary>The HTTP status of the board's answer, or null when there was none (unreachable within the retry bound).</summary>
    public int? Status { get; }

    /// <summary>The problem's title.</summary>
    public string Title { get; }

    /// <summary>The problem's detail.</summary>
    public string Detail { get; }

    /// <summary>True when the board served bytes that do not match the SHA-256 its entry commits to.</summary>
    public bool Corrupt { get; }
}

/// <summary>
/// The board's write and read protocol for any artifact (docs/http-api.md), on a <see cref="BoardClient"/>: idempotent
/// posts (a 409 <c>Already on the board</c> or <c>Duplicate ballot</c> whose artifact has the SHA-256 just posted is
/// <see cref="BoardPostState.AlreadyLogged"/>), joint artifacts signed in turn (a pending proposal of the same bytes is
/// countersigned; otherwise this signer proposes its own entry), and reads checked against the SHA-256 the board's
/// index commits to (the <c>ETag</c> it serves with the artifact).
/// </summary>
public static class BoardPublishing
{
    private const int PageSize = 1000;

    /// <summary>Posts <paramref name="artifact"/> to <paramref name="target"/> (see the class summary).</summary>
    /// <exception cref="BoardRequestException">The board refused it, or did not answer within the client's retry bound.</exception>
    public static async Task<BoardPostOutcome> PublishAsync(this BoardClient client, BoardTarget target, byte[] artifact, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(artifact);
        string sha = Convert.ToHexStringLower(SHA256.HashData(artifact));
        string where = new Uri(client.Http.BaseAddress!, target.Get).AbsoluteUri;
        for (int attempt = 0; ; attempt++)
        {
            byte[] entry = target.Joint && await PendingEntryAsync(client, target, sha, cancellationToken).ConfigureAwait(false) is byte[] proposed
                ? client.Countersign(proposed)
                : client.Entry(target.Type, artifact, target.Ballot, target.Code);
            using HttpResponseMessage response = await SendAsync(() => client.PostWithEntryAsync(target.Post, artifact, entry, cancellationToken), where).ConfigureAwait(false);
            switch (response.StatusCode)
            {
                case HttpStatusCode.Created:
                    return new BoardPostOutcome(BoardPostState.Logged, null);
                case HttpStatusCode.Accepted:
                    BoardProposal proposal = await response.Content.ReadFromJsonAsync(BoardJsonContext.Default.BoardProposal, cancellationToken).ConfigureAwait(false)
                        ?? throw new BoardRequestException(where, 202, "Unreadable answer", "202 without a proposal");
                    return new BoardPostOutcome(BoardPostState.Pending, proposal);
                case HttpStatusCode.Conflict:
                    BoardProblem? problem = await ProblemAsync(response, cancellationToken).ConfigureAwait(false);
                    if (problem?.Title is "Already on the board" or "Duplicate ballot")
                    {
                        string? existing = problem.Sha256 ?? await ExistingShaAsync(client, target, cancellationToken).ConfigureAwait(false);
                        if (string.Equals(existing, sha, StringComparison.OrdinalIgnoreCase))
                        {
                            return new BoardPostOutcome(BoardPostState.AlreadyLogged, null);
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

                    throw Refusal(where, 409, problem);
                default:
                    throw Refusal(where, (int)response.StatusCode, await ProblemAsync(response, cancellationToken).ConfigureAwait(false));
            }
        }
    }

    /// <summary>The artifact at <paramref name="path"/> (e.g. <c>board/manifest</c>; reads need no signature), or null when it is not on the board; its bytes must hash to the SHA-256 the board serves as its <c>ETag</c>.</summary>
    /// <exception cref="BoardRequestException">The board refused, did not answer, or served bytes that do not match (<see cref="BoardRequestException.Corrupt"/>).</exception>
    public static async Task<byte[]?> ReadArtifactAsync(this HttpClient http, string path, string? expectedSha256 = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(http);
        string where = new Uri(http.BaseAddress!, path).AbsoluteUri;
        using HttpResponseMessage response = await SendAsync(() => http.GetAsync(path, cancellationToken), where).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        if (!response.IsSuccessStatusCode)
        {
            throw Refusal(where, (int)response.StatusCode, await ProblemAsync(response, cancellationToken).ConfigureAwait(false));
        }

        byte[] bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        string? committed = expectedSha256 ?? response.Headers.ETag?.Tag.Trim('"');
        string actual = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (committed is null || !string.Equals(committed, actual, StringComparison.OrdinalIgnoreCase))
        {
            throw new BoardRequestException(where, null, "Artifact does not match its entry",
                $"the board served bytes whose SHA-256 is {actual} for an artifact whose log entry commits to {committed ?? "(no ETag)"}", corrupt: true);
        }

        return bytes;
    }

    /// <summary>Every artifact of a collection, in log order (following the pages).</summary>
    public static async Task<IReadOnlyList<BoardArtifact>> ListAsync(this HttpClient http, string collection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(http);
        List<BoardArtifact> all = [];
        string? next = $"board/{collection}?offset=0&limit={PageSize}";
        while (next is not null)
        {
            string page = next.TrimStart('/');
            string where = new Uri(http.BaseAddress!, page).AbsoluteUri;
            using HttpResponseMessage response = await SendAsync(() => http.GetAsync(page, cancellationToken), where).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw Refusal(where, (int)response.StatusCode, await ProblemAsync(response, cancellationToken).ConfigureAwait(false));
            }

            BoardPage items = await response.Content.ReadFromJsonAsync(BoardJsonContext.Default.BoardPage, cancellationToken).ConfigureAwait(false)
                ?? throw new BoardRequestException(where, (int)response.StatusCode, "Unreadable page", "the board answered an empty page");
            all.AddRange(items.Items);
            next = items.Next;
        }

        return all;
    }

    /// <summary>The entry of the pending proposal of <paramref name="target"/> when its artifact has <paramref name="sha"/>, else null.</summary>
    private static async Task<byte[]?> PendingEntryAsync(BoardClient client, BoardTarget target, string sha, CancellationToken ct)
    {
        string where = new Uri(client.Http.BaseAddress!, target.Proposal).AbsoluteUri;
        using HttpResponseMessage response = await SendAsync(() => client.Http.GetAsync(target.Proposal, ct), where).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        if (!response.IsSuccessStatusCode)
        {
            throw Refusal(where, (int)response.StatusCode, await ProblemAsync(response, ct).ConfigureAwait(false));
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
            throw new BoardRequestException(where, (int)response.StatusCode, "Unreadable proposal", "the proposal's entry is not base64");
        }
    }

    private static async Task<string?> ExistingShaAsync(BoardClient client, BoardTarget target, CancellationToken ct)
    {
        try
        {
            return await client.Http.ReadArtifactAsync(target.Get, null, ct).ConfigureAwait(false) is byte[] bytes ? Convert.ToHexStringLower(SHA256.HashData(bytes)) : null;
        }
        catch (BoardRequestException)
        {
            return null;
        }
    }

    internal static async Task<HttpResponseMessage> SendAsync(Func<Task<HttpResponseMessage>> send, string where)
    {
        try
        {
            return await send().ConfigureAwait(false);
        }
        catch (ServiceUnavailableException e)
        {
            throw new BoardRequestException(where, null, "Board unavailable", e.Message, false, e);
        }
        catch (HttpRequestException e)
        {
            throw new BoardRequestException(where, null, "Board unreachable", e.Message, false, e);
        }
    }

    internal static async Task<BoardProblem?> ProblemAsync(HttpResponseMessage response, CancellationToken ct)
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

    internal static BoardRequestException Refusal(string where, int status, BoardProblem? problem) =>
        new(where, status, problem?.Title ?? ((HttpStatusCode)status).ToString(), problem?.Detail ?? "the board gave no detail");
}
