using System.Text.Json;
using Entente.Exchange.Storage;
using Entente.Exchange.Stix;

namespace Entente.Exchange.Assistance;

/// <summary>
/// Computes the state of every request for assistance from the log alone: the order of entries and
/// their log timestamps (never the senders' own clocks), evaluated at a time from the injected
/// <see cref="TimeProvider"/>. Pure: the same log and the same time give the same answer. Sealed entries count when the
/// caller opened them (<see cref="Sealing.ReaderView"/>); the others are skipped.
/// </summary>
public static class AssistanceTracker
{
    /// <summary>All requests, in filing order, evaluated at <paramref name="time"/>'s now.</summary>
    public static async Task<IReadOnlyList<AssistanceCase>> GetCasesAsync(IExchangeStore store, TimeProvider time, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(time);
        IReadOnlyList<ExchangeEntry> entries = await store.FindByTypesAsync(StixTypes.Assistance, cancellationToken).ConfigureAwait(false);
        return Compute(entries, time.GetUtcNow());
    }

    /// <summary>All requests in <paramref name="entries"/> (any order; sorted by index here), evaluated at <paramref name="now"/>.</summary>
    public static IReadOnlyList<AssistanceCase> Compute(IEnumerable<ExchangeEntry> entries, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(entries);
        Dictionary<string, AssistanceCase> cases = new(StringComparer.Ordinal);
        List<string> order = [];
        foreach (ExchangeEntry entry in entries.OrderBy(e => e.Index))
        {
            if (!ExchangeService.TryReadObject(entry, out StixObject? stixObject))
            {
                continue; // sealed, and this reader could not open it
            }

            JsonElement json = stixObject.Json;
            switch (entry.ObjectType)
            {
                case AssistanceTypes.Request when !cases.ContainsKey(entry.ObjectId):
                    cases[entry.ObjectId] = new AssistanceCase
                    {
                        RequestId = entry.ObjectId,
                        Requester = entry.Sender,
                        Recipient = json.GetProperty("recipient_ref").GetString()!,
                        Subject = json.GetProperty("subject").GetString()!,
                        Severity = (json.TryGetProperty("priority", out JsonElement priority) ? priority : json.GetProperty("severity")).GetString()!,
                        EvidenceRefs = json.TryGetProperty("evidence_refs", out JsonElement refs)
                            ? [.. refs.EnumerateArray().Select(r => r.GetString()!)]
                            : [],
                        AckDeadline = StixTimestamp.Parse(json.GetProperty("ack_deadline").GetString(), "ack_deadline"),
                        AnswerDeadline = StixTimestamp.Parse(json.GetProperty("answer_deadline").GetString(), "answer_deadline"),
                        Filed = new AssistanceStep(entry.Index, entry.LoggedAt, entry.ObjectId),
                        Status = AssistanceStatus.Open,
                    };
                    order.Add(entry.ObjectId);
                    break;
                case AssistanceTypes.Acknowledgement:
                {
                    string requestId = json.GetProperty("request_ref").GetString()!;
                    if (cases.TryGetValue(requestId, out AssistanceCase? found) && found.Acknowledged is null && found.Responded is null
                        && entry.Sender == found.Recipient)
                    {
                        cases[requestId] = found with { Acknowledged = new AssistanceStep(entry.Index, entry.LoggedAt, entry.ObjectId) };
                    }

                    break;
                }

                case AssistanceTypes.Response:
                {
                    string requestId = json.GetProperty("request_ref").GetString()!;
                    if (cases.TryGetValue(requestId, out AssistanceCase? found) && found.Responded is null && entry.Sender == found.Recipient)
                    {
                        AssistanceStep step = new(entry.Index, entry.LoggedAt, entry.ObjectId);
                        cases[requestId] = found with
                        {
                            Acknowledged = found.Acknowledged ?? step,
                            Responded = step,
                            Outcome = json.GetProperty("outcome").GetString(),
                            ResponseContent = json.GetProperty("content").GetString(),
                        };
                    }

                    break;
                }

                default:
                    break;
            }
        }

        return [.. order.Select(id => Evaluate(cases[id], now))];
    }

    private static AssistanceCase Evaluate(AssistanceCase c, DateTimeOffset now)
    {
        bool ackLate = c.Acknowledged is { } ack ? ack.LoggedAt > c.AckDeadline : now > c.AckDeadline;
        bool answerLate = c.Responded is { } response ? response.LoggedAt > c.AnswerDeadline : now > c.AnswerDeadline;
        AssistanceStatus status = c switch
        {
            { Responded: not null, Outcome: "declined" } => AssistanceStatus.Declined,
            { Responded: not null } => AssistanceStatus.Answered,
            _ when now > c.AnswerDeadline => AssistanceStatus.Overdue,
            { Acknowledged: null } when now > c.AckDeadline => AssistanceStatus.Overdue,
            { Acknowledged: not null } => AssistanceStatus.Acknowledged,
            _ => AssistanceStatus.Open,
        };
        return c with { Status = status, AcknowledgedLate = ackLate, AnsweredLate = answerLate };
    }
}
