namespace Entente.Exchange.Assistance;

/// <summary>Status of a request for assistance, computed from log order and log timestamps only.</summary>
public enum AssistanceStatus
{
    /// <summary>Filed; not acknowledged; no deadline passed.</summary>
    Open,

    /// <summary>Acknowledged; not answered; the answer deadline has not passed.</summary>
    Acknowledged,

    /// <summary>Answered (possibly late: see <see cref="AssistanceCase.AnsweredLate"/>).</summary>
    Answered,

    /// <summary>A deadline passed: not acknowledged by the acknowledgement deadline, or not answered by the answer deadline.</summary>
    Overdue,

    /// <summary>The addressee declined, with a reason.</summary>
    Declined,
}

/// <summary>A step of a request's timeline: which log entry, and when the log accepted it.</summary>
/// <param name="Index">Log index.</param>
/// <param name="LoggedAt">Log timestamp.</param>
/// <param name="ObjectId">The STIX object of the step.</param>
public sealed record AssistanceStep(long Index, DateTimeOffset LoggedAt, string ObjectId);

/// <summary>
/// One request for assistance and what became of it. "Asked on T1, acknowledged on T2, answered on
/// T3" are the log timestamps of three log entries, so anyone holding the log can recompute this.
/// </summary>
public sealed record AssistanceCase
{
    /// <summary>The request's STIX id.</summary>
    public required string RequestId { get; init; }

    /// <summary>Identity of the requesting party.</summary>
    public required string Requester { get; init; }

    /// <summary>Identity of the addressee.</summary>
    public required string Recipient { get; init; }

    /// <summary>Subject line.</summary>
    public required string Subject { get; init; }

    /// <summary>The request's priority: low, medium, high or critical (property <c>priority</c>; <c>severity</c> in the legacy form).</summary>
    public required string Severity { get; init; }

    /// <summary>Ids of the evidence objects.</summary>
    public required IReadOnlyList<string> EvidenceRefs { get; init; }

    /// <summary>Deadline to acknowledge.</summary>
    public required DateTimeOffset AckDeadline { get; init; }

    /// <summary>Deadline to answer.</summary>
    public required DateTimeOffset AnswerDeadline { get; init; }

    /// <summary>The filing.</summary>
    public required AssistanceStep Filed { get; init; }

    /// <summary>The acknowledgement, if any (an answer without an acknowledgement counts as one at the answer's time).</summary>
    public AssistanceStep? Acknowledged { get; init; }

    /// <summary>The answer or refusal, if any.</summary>
    public AssistanceStep? Responded { get; init; }

    /// <summary>"answered" or "declined" when <see cref="Responded"/> is set.</summary>
    public string? Outcome { get; init; }

    /// <summary>The answer's content or the reason for declining.</summary>
    public string? ResponseContent { get; init; }

    /// <summary>The status at the evaluation time.</summary>
    public required AssistanceStatus Status { get; init; }

    /// <summary>True when the acknowledgement was logged after its deadline (or is still missing after it).</summary>
    public bool AcknowledgedLate { get; init; }

    /// <summary>True when the answer was logged after its deadline (or is still missing after it).</summary>
    public bool AnsweredLate { get; init; }
}
