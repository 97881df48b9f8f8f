namespace Entente.Election.Board;

/// <summary>
/// The shared place of an election: where the parties, guardians and devices publish the documents of the protocol
/// (manifest, parameters, guardian keys, encrypted shares, approvals, the joint key, ballots and device records, the
/// encrypted tally, decryption rounds, the decrypted tally, openings and contest data) and read each other's. Every
/// step of the protocol (<see cref="KeyCeremony.KeyCeremonySteps"/>, <see cref="Encryption.EncryptionSteps"/>,
/// <see cref="Tally.TallySteps"/>, <see cref="Decryption.DecryptionExchange"/>) is written once against this contract;
/// the shared folder (<see cref="FolderElectionBoard"/>) and the board over HTTP (<c>Entente.Client.Election.HttpElectionBoard</c>)
/// implement it. The steps parse and check every document they read; the implementations only move bytes.
/// <para><b>Reads.</b> <see cref="ReadAsync"/> returns the bytes of a published document or null when it is not
/// published; an implementation checks what it can of integrity first (the board: the bytes hash to the SHA-256 of the
/// document's log entry) and throws <see cref="ElectionBoardException"/> when that fails.</para>
/// <para><b>Writes are idempotent.</b> Publishing a document that is already published with the same bytes is
/// <see cref="PublicationState.AlreadyPublished"/>, never a second copy; with different bytes it is refused
/// (<see cref="ElectionBoardException"/>, <see cref="BoardRefusalReason.Conflict"/>). A joint document
/// (<see cref="ElectionDocument.IsJoint"/>) may need every party's signature: it is then
/// <see cref="PublicationState.AwaitingSignatures"/> until the last party publishes the same bytes. The place may
/// refuse a document that breaks its rules (out of order, invalid): <see cref="ElectionBoardException"/> with the
/// place's reason. Transient failures are retried within a bound by the implementation; when that bound is reached it
/// throws <see cref="ElectionBoardException"/> with <see cref="BoardRefusalReason.Unavailable"/>.</para>
/// <para><b>Concurrency.</b> Any number of processes may use the same place at once; each document is published once.</para>
/// </summary>
public interface IElectionBoard
{
    /// <summary>Where the place is, for messages: the folder's path or the board's URL.</summary>
    string Location { get; }

    /// <summary>Where one document is, for messages (a file path or a URL).</summary>
    string Describe(ElectionDocument document);

    /// <summary>The bytes of <paramref name="document"/>, or null when it is not published.</summary>
    Task<byte[]?> ReadAsync(ElectionDocument document, CancellationToken cancellationToken = default);

    /// <summary>
    /// The bytes of each of <paramref name="documents"/>, in their order (null for one not published), each checked as
    /// <see cref="ReadAsync"/> checks it and refused the same way (<see cref="ElectionBoardException"/> naming the
    /// document). The place may fetch them together (the board: <c>GET /blobs</c>, 64 artifacts an answer, each re-hashed
    /// against the SHA-256 its collection's listing gave); by default they are read one by one, a few at a time.
    /// </summary>
    async Task<IReadOnlyList<byte[]?>> ReadManyAsync(IReadOnlyList<ElectionDocument> documents, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(documents);
        byte[]?[] read = new byte[documents.Count][];
        await Parallel.ForAsync(0, read.Length, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (i, ct) => read[i] = await ReadAsync(documents[i], ct).ConfigureAwait(false)).ConfigureAwait(false);
        return read;
    }

    /// <summary>The published documents of <paramref name="kind"/> (a collection: ballots, devices, openings…), ordered by id.</summary>
    Task<IReadOnlyList<ElectionDocument>> ListAsync(ElectionDocumentKind kind, CancellationToken cancellationToken = default);

    /// <summary>Publishes <paramref name="document"/> with <paramref name="bytes"/> (its canonical form); idempotent (see the summary).</summary>
    Task<Publication> PublishAsync(ElectionDocument document, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default);

    /// <summary>
    /// Publishes a device's <paramref name="ballots"/> (a backlog: ballots waiting to be published), each idempotent as
    /// <see cref="PublishAsync"/>, and returns what became of each, in order. The place may send them together (the board:
    /// <c>POST /board/ballots/batch</c>); by default they are published one by one. Throws for the first ballot refused,
    /// as <see cref="PublishAsync"/> would; the others sent with it may be published.
    /// </summary>
    async Task<IReadOnlyList<Publication>> PublishBallotsAsync(IReadOnlyList<Encryption.EncryptedBallot> ballots, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ballots);
        List<Publication> published = [];
        foreach (Encryption.EncryptedBallot ballot in ballots)
        {
            published.Add(await PublishAsync(ElectionDocument.Ballot(ballot), Record.RecordFormat.WriteBallot(ballot), cancellationToken).ConfigureAwait(false));
        }

        return published;
    }
}

/// <summary>What became of a publication.</summary>
public enum PublicationState
{
    /// <summary>Published now.</summary>
    Published,

    /// <summary>The same bytes were already published: nothing changed.</summary>
    AlreadyPublished,

    /// <summary>A joint document that waits for the signatures of other parties (see <see cref="Publication.AwaitingFrom"/>).</summary>
    AwaitingSignatures,
}

/// <summary>The outcome of <see cref="IElectionBoard.PublishAsync"/>.</summary>
/// <param name="State">What happened.</param>
/// <param name="SignedBy">For a joint document on a board: the parties that have signed it so far.</param>
/// <param name="AwaitingFrom">For a joint document on a board: the parties whose signature is still missing.</param>
public sealed record Publication(PublicationState State, IReadOnlyList<string> SignedBy, IReadOnlyList<string> AwaitingFrom)
{
    /// <summary>Published now, with no signatures to report.</summary>
    public static Publication Published { get; } = new(PublicationState.Published, [], []);

    /// <summary>Already there, with no signatures to report.</summary>
    public static Publication AlreadyPublished { get; } = new(PublicationState.AlreadyPublished, [], []);

    /// <summary>True unless the document still waits for signatures.</summary>
    public bool IsComplete => State != PublicationState.AwaitingSignatures;

    /// <summary>A short account for people ("published", "already published", "signed by blue; waiting for red").</summary>
    public string Describe() => State switch
    {
        PublicationState.Published => "published",
        PublicationState.AlreadyPublished => "already published (nothing changed)",
        _ => $"signed by {string.Join(", ", SignedBy)}; waiting for the signature of {string.Join(", ", AwaitingFrom)}",
    };
}

/// <summary>Why a shared place refused or failed an operation.</summary>
public enum BoardRefusalReason
{
    /// <summary>Not now: a step it depends on is missing, or a different document is already published (HTTP 409).</summary>
    Conflict,

    /// <summary>The document breaks the place's rules: a proof, a hash, a field (HTTP 422).</summary>
    Invalid,

    /// <summary>The signer may not publish this (HTTP 401/403).</summary>
    Forbidden,

    /// <summary>The request itself was malformed or too large (HTTP 400/413), or the place does not know the document (404).</summary>
    Malformed,

    /// <summary>The place did not answer within the retry bound, or answered with something unusable.</summary>
    Unavailable,

    /// <summary>What the place served does not match what it committed to (a hash differs): it cannot be trusted.</summary>
    Corrupt,
}

/// <summary>
/// A shared place refused an operation, or could not be used: the reason, a short title and a detail naming the
/// document, the field and the problem (for a board, the ProblemDetails it answered).
/// </summary>
public sealed class ElectionBoardException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ElectionBoardException(BoardRefusalReason reason, string where, string title, string detail, int? status = null, Exception? innerException = null)
        : base($"{where}: {(status is int s ? $"{s} " : "")}{title}: {detail}", innerException)
    {
        Reason = reason;
        Where = where;
        Title = title;
        Detail = detail;
        Status = status;
    }

    /// <summary>Creates the exception without detail.</summary>
    public ElectionBoardException()
        : this(BoardRefusalReason.Unavailable, "board", "Refused", "refused")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ElectionBoardException(string message)
        : this(BoardRefusalReason.Unavailable, "board", "Refused", message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public ElectionBoardException(string message, Exception innerException)
        : this(BoardRefusalReason.Unavailable, "board", "Refused", message, null, innerException)
    {
    }

    /// <summary>Why.</summary>
    public BoardRefusalReason Reason { get; }

    /// <summary>The document or place concerned (a path or URL).</summary>
    public string Where { get; }

    /// <summary>A short title (the ProblemDetails title for a board).</summary>
    public string Title { get; }

    /// <summary>What is wrong, in a sentence a person can act on.</summary>
    public string Detail { get; }

    /// <summary>The HTTP status of a board's answer, when there was one.</summary>
    public int? Status { get; }
}
