namespace Entente.Server.Board;

/// <summary>Why the board refuses a write, independent of any transport (the endpoints map each to an HTTP status).</summary>
public enum RefusalKind
{
    /// <summary>The request is malformed: the signed entry is missing, not base64 or not a signed note.</summary>
    Malformed,

    /// <summary>The signer may not post this: a role, guardian holder, device or signature does not match.</summary>
    Forbidden,

    /// <summary>There is no such collection or round.</summary>
    NotFound,

    /// <summary>The election's state does not allow it now: a step it depends on is missing, it is already on the board, voting is closed.</summary>
    Conflict,

    /// <summary>The artifact is well-formed but wrong: a proof, a hash, a field of its entry, a value that the rules forbid.</summary>
    Invalid,

    /// <summary>Nothing was stored and the write may be retried later: the log stopped (a fatal store condition), or the
    /// board is validating as many ballots as it may hold (<see cref="BoardLimits.MaxPendingValidations"/>).</summary>
    Unavailable,

    /// <summary>The board's own store lost or altered something it committed to: the operator must look.</summary>
    Corrupt,
}

/// <summary>
/// A refusal of a board write: its kind, a short title and a detail naming the field and the problem (and, for
/// decryption rounds, extra members: the guardian, contest, option and equation). Domain code (<see cref="BoardState"/>,
/// <see cref="DecryptionRounds"/>) raises it with <see cref="BoardRefusedException"/>; <see cref="BoardService"/> returns it in a
/// <see cref="BoardResult{T}"/>; the endpoints turn it into ProblemDetails.
/// </summary>
/// <param name="Kind">Why.</param>
/// <param name="Title">A short title.</param>
/// <param name="Detail">What is wrong and where, in one sentence a person can act on.</param>
public sealed record BoardRefusal(RefusalKind Kind, string Title, string Detail)
{
    /// <summary>Extra members of the problem (e.g. guardian, contest, option), or null.</summary>
    public IReadOnlyDictionary<string, object?>? Extensions { get; init; }

    /// <summary>For <see cref="RefusalKind.Unavailable"/>: the seconds a client should wait before it posts again (<c>Retry-After</c>).</summary>
    public int RetryAfterSeconds { get; init; } = 5;

    /// <summary>A malformed request.</summary>
    public static BoardRefusal Malformed(string title, string detail) => new(RefusalKind.Malformed, title, detail);

    /// <summary>A signer not allowed to post this.</summary>
    public static BoardRefusal Forbidden(string title, string detail) => new(RefusalKind.Forbidden, title, detail);

    /// <summary>No such collection or round.</summary>
    public static BoardRefusal NotFound(string title, string detail) => new(RefusalKind.NotFound, title, detail);

    /// <summary>Not allowed in the election's current state.</summary>
    public static BoardRefusal Conflict(string title, string detail) => new(RefusalKind.Conflict, title, detail);

    /// <summary>A wrong artifact.</summary>
    public static BoardRefusal Invalid(string title, string detail) => new(RefusalKind.Invalid, title, detail);

    /// <summary>"Not yet": a step this one depends on is not on the board.</summary>
    public static BoardRefusal NotYet(string detail) => Conflict("Not yet", detail);

    /// <summary>Raises this refusal.</summary>
    public BoardRefusedException Raise() => new(this);
}

/// <summary>Carries a <see cref="BoardRefusal"/> out of the board's rules; caught by <see cref="BoardService"/>.</summary>
public sealed class BoardRefusedException : Exception
{
    /// <summary>Wraps <paramref name="refusal"/>.</summary>
    public BoardRefusedException(BoardRefusal refusal)
        : base(refusal?.Detail)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        Refusal = refusal;
    }

    /// <summary>Creates an "Invalid" refusal without detail.</summary>
    public BoardRefusedException()
        : this(BoardRefusal.Invalid("Refused", "refused"))
    {
    }

    /// <summary>Creates an "Invalid" refusal with <paramref name="message"/>.</summary>
    public BoardRefusedException(string message)
        : this(BoardRefusal.Invalid("Refused", message))
    {
    }

    /// <summary>Creates an "Invalid" refusal with <paramref name="message"/> and a cause.</summary>
    public BoardRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
        Refusal = BoardRefusal.Invalid("Refused", message);
    }

    /// <summary>The refusal.</summary>
    public BoardRefusal Refusal { get; }
}

/// <summary>The outcome of a board operation: a value, or the refusal that stopped it.</summary>
/// <typeparam name="T">The value's type.</typeparam>
public readonly record struct BoardResult<T>
{
    internal BoardResult(T? value, BoardRefusal? refusal)
    {
        Value = value;
        Refusal = refusal;
    }

    /// <summary>The value (when not refused).</summary>
    public T? Value { get; }

    /// <summary>The refusal, or null.</summary>
    public BoardRefusal? Refusal { get; }
}

/// <summary>Makes <see cref="BoardResult{T}"/> values.</summary>
public static class BoardResult
{
    /// <summary>A success.</summary>
    public static BoardResult<T> Ok<T>(T value) => new(value, null);

    /// <summary>A refusal.</summary>
    public static BoardResult<T> Refused<T>(BoardRefusal refusal) => new(default, refusal ?? throw new ArgumentNullException(nameof(refusal)));
}
