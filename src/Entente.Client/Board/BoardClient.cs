using Entente.Election.Decryption;
using Entente.Election.Encryption;
using Entente.Election.KeyCeremony;
using Entente.Election.Manifest;
using Entente.Election.Parameters;
using Entente.Election.Record;
using Entente.Election.Tally;
using Entente.Client.Http;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;
using TlogHash = Entente.Transparency.Hash256;

namespace Entente.Client.Board;

/// <summary>
/// A client of the board for one signer (a party, a guardian holder or a device): it signs every request
/// (<see cref="HttpSignatureHandler"/>), retries transient failures within a bound when given a
/// <see cref="RetryPolicy"/> (<see cref="RetryHandler"/>, outside the signing handler so each attempt is signed afresh),
/// and builds the commitment entry each post needs, signed by the signer and, for joint artifacts, countersigned by
/// the other parties' keys given, or adds the signer's signature to an entry another party proposed
/// (<see cref="Countersign"/>). For the CLI, the tests and the demo; <c>Entente.Client.Election.HttpElectionBoard</c>
/// builds the election's shared place on it.
/// </summary>
public sealed class BoardClient : IDisposable
{
    private readonly Ed25519NoteSigner _key;

    /// <summary>
    /// A client of the board at <paramref name="board"/> signing with <paramref name="key"/> (not owned), sending through
    /// <paramref name="inner"/> (default: sockets), retrying under <paramref name="retry"/> (default: no retry).
    /// </summary>
    public BoardClient(Uri board, Ed25519NoteSigner key, HttpMessageHandler? inner = null, RetryPolicy? retry = null)
    {
        ArgumentNullException.ThrowIfNull(board);
        ArgumentNullException.ThrowIfNull(key);
        _key = key;
        HttpMessageHandler signing = inner is null ? new HttpSignatureHandler(key) : new HttpSignatureHandler(key, inner);
        Http = new HttpClient(retry is null ? signing : new RetryHandler(signing, retry)) { BaseAddress = board };
    }

    /// <summary>The signing HTTP client.</summary>
    public HttpClient Http { get; }

    /// <summary>The clock whose time each entry this client makes carries (its <c>time</c> field, docs/record-format.md §11).</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>The signer's name (its charter name and entry party).</summary>
    public string Signer => _key.Name;

    /// <summary>
    /// <paramref name="entry"/> (signed entry bytes another party proposed) with this client's signature added over the
    /// same text: how a party signs a joint artifact in turn. Throws <see cref="NoteFormatException"/> for bytes that are not an entry.
    /// </summary>
    public byte[] Countersign(ReadOnlySpan<byte> entry)
    {
        (_, SignedNote note) = LogEntry.Parse(entry);
        return note.WithSignature(_key.Sign(note.TextBytes)).ToBytes();
    }

    /// <summary>Posts <paramref name="artifact"/> to <paramref name="path"/> with the given signed <paramref name="entry"/> bytes.</summary>
    public async Task<HttpResponseMessage> PostWithEntryAsync(string path, byte[] artifact, byte[] entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        ArgumentNullException.ThrowIfNull(entry);
        using HttpRequestMessage request = new(HttpMethod.Post, path) { Content = new ByteArrayContent(artifact) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.TryAddWithoutValidation(BoardProtocol.EntryHeader, Convert.ToBase64String(entry));
        return await Http.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The signed entry bytes for an artifact: signed by this client's key, then by each of <paramref name="cosigners"/>.</summary>
    public byte[] Entry(string type, ReadOnlySpan<byte> artifact, string? ballot = null, string? code = null, IEnumerable<Ed25519NoteSigner>? cosigners = null)
    {
        byte[] bytes = new LogEntry(type, TlogHash.Compute(artifact), _key.Name, ballot, code, Clock.GetUtcNow()).Sign(_key);
        foreach (Ed25519NoteSigner cosigner in cosigners ?? [])
        {
            SignedNote note = SignedNote.Parse(bytes);
            bytes = note.WithSignature(cosigner.Sign(note.TextBytes)).ToBytes();
        }

        return bytes;
    }

    /// <summary>Posts <paramref name="artifact"/> to <paramref name="path"/> (e.g. <c>board/ballots</c>) with its entry.</summary>
    public Task<HttpResponseMessage> PostAsync(string path, byte[] artifact, string type, string? ballot = null, string? code = null, IEnumerable<Ed25519NoteSigner>? cosigners = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        return PostWithEntryAsync(path, artifact, Entry(type, artifact, ballot, code, cosigners), cancellationToken);
    }

    /// <summary>Posts an encrypted ballot (entry type by its state, ballot id and confirmation code as lookup fields).</summary>
    public Task<HttpResponseMessage> PostBallotAsync(EncryptedBallot ballot, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ballot);
        return PostAsync("board/ballots", BoardArtifacts.Ballot(ballot), ballot.State == BallotState.Cast ? "ballot.cast" : "ballot.challenged", ballot.Id.ToHex(), ballot.ConfirmationCode.ToHex(), cancellationToken: cancellationToken);
    }

    /// <summary>
    /// Posts <paramref name="ballots"/> (this device's, 1 to the board's <c>limits.maxBatchBallots</c>) in one signed request
    /// to <c>POST /board/ballots/batch</c> (docs/http-api.md, "Ballots in a batch"), each with its own signed entry, and returns
    /// one result per ballot in the same order: logged (<see cref="BoardBatchItem.Logged"/>) or the refusal a single post of it
    /// would get (a ballot already on the board: 409 <c>Duplicate ballot</c> with its index and SHA-256).
    /// </summary>
    /// <exception cref="BoardRequestException">The board refused the whole request (its ProblemDetails), or did not answer within the retry bound.</exception>
    public async Task<IReadOnlyList<BoardBatchItem>> PostBallotsAsync(IReadOnlyList<EncryptedBallot> ballots, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ballots);
        string where = new Uri(Http.BaseAddress!, BoardProtocol.BallotBatchPath).AbsoluteUri;
        using HttpResponseMessage response = await BoardPublishing.SendAsync(async () =>
        {
            using HttpRequestMessage request = BallotBatchRequest(ballots);
            return await Http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }, where).ConfigureAwait(false);
        if (response.StatusCode != System.Net.HttpStatusCode.OK)
        {
            throw BoardPublishing.Refusal(where, (int)response.StatusCode, await BoardPublishing.ProblemAsync(response, cancellationToken).ConfigureAwait(false));
        }

        BoardBatchResult? result;
        try
        {
            result = await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync(response.Content, BoardJsonContext.Default.BoardBatchResult, cancellationToken).ConfigureAwait(false);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new BoardRequestException(where, 200, "Unreadable answer", $"the batch's results are not JSON ({e.Message})");
        }

        return result?.Results is { } results && results.Count == ballots.Count
            ? results
            : throw new BoardRequestException(where, 200, "Unreadable answer", $"{result?.Results?.Count ?? 0} results for {ballots.Count} ballots");
    }

    /// <summary>
    /// The unsigned request of a batch (<c>{"ballots":[{"entry":base64,"ballot":base64},…]}</c>, each entry made and signed
    /// now by this client's key); <see cref="Http"/> signs it when it sends it.
    /// </summary>
    public HttpRequestMessage BallotBatchRequest(IReadOnlyList<EncryptedBallot> ballots)
    {
        ArgumentNullException.ThrowIfNull(ballots);
        if (ballots.Count == 0)
        {
            throw new ArgumentException("A batch carries at least one ballot.", nameof(ballots));
        }

        using MemoryStream body = new();
        using (System.Text.Json.Utf8JsonWriter w = new(body))
        {
            w.WriteStartObject();
            w.WriteStartArray("ballots");
            foreach (EncryptedBallot ballot in ballots)
            {
                byte[] bytes = BoardArtifacts.Ballot(ballot);
                w.WriteStartObject();
                w.WriteBase64String("entry", Entry(ballot.State == BallotState.Cast ? "ballot.cast" : "ballot.challenged", bytes, ballot.Id.ToHex(), ballot.ConfirmationCode.ToHex()));
                w.WriteBase64String("ballot", bytes);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        HttpRequestMessage request = new(HttpMethod.Post, BoardProtocol.BallotBatchPath) { Content = new ByteArrayContent(body.ToArray()) };
        request.Content.Headers.ContentType = new("application/json");
        return request;
    }

    /// <inheritdoc/>
    public void Dispose() => Http.Dispose();
}

/// <summary>The canonical bytes (docs/record-format.md) of what is posted to the board.</summary>
public static class BoardArtifacts
{
    /// <summary>parameters.json.</summary>
    public static byte[] Parameters(ElectionParameters parameters) => RecordFormat.WriteParameters(parameters);

    /// <summary>The manifest's canonical bytes.</summary>
    public static byte[] Manifest(ElectionManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return manifest.CanonicalBytes;
    }

    /// <summary>A guardian's public key file.</summary>
    public static byte[] Guardian(GuardianPublicKey key) => RecordFormat.WriteGuardian(key);

    /// <summary>An encrypted share.</summary>
    public static byte[] Share(EncryptedShare share) => RecordFormat.WriteShare(share);

    /// <summary>An approval.</summary>
    public static byte[] Approval(Approval approval) => RecordFormat.WriteApproval(approval);

    /// <summary>election.json.</summary>
    public static byte[] Election(ElectionContext context) => RecordFormat.WriteElection(context);

    /// <summary>An encrypted ballot.</summary>
    public static byte[] Ballot(EncryptedBallot ballot) => RecordFormat.WriteBallot(ballot);

    /// <summary>A device record.</summary>
    public static byte[] Device(DeviceRecord device) => RecordFormat.WriteDevice(device);

    /// <summary>tally/encrypted_tally.json.</summary>
    public static byte[] EncryptedTally(EncryptedTally tally) => RecordFormat.WriteEncryptedTally(tally);

    /// <summary>tally/tally.json.</summary>
    public static byte[] Tally(DecryptedTally tally, ElectionManifest manifest) => RecordFormat.WriteTally(tally, manifest);

    /// <summary>
    /// What the board does to a posted ballot's bytes, without the log: parse against the election (§4.7, H_I from
    /// H_E, canonical form) and check its proofs, hashes and confirmation code. Returns the failures (empty: valid);
    /// throws <see cref="Entente.Election.ElectionFormatException"/> for bytes that do not parse.
    /// </summary>
    public static IReadOnlyList<string> ValidateBallot(ElectionContext context, byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(context);
        EncryptedBallot ballot = RecordFormat.ReadBallot("ballot", bytes, context);
        return RecordSelfCheck.CheckBallot(context, context.Parameters.Manifest, ballot);
    }

    /// <summary>challenged/&lt;id&gt;.json.</summary>
    public static byte[] Opened(OpenedBallot opened, ElectionManifest manifest) => RecordFormat.WriteOpened(opened, manifest);
}
