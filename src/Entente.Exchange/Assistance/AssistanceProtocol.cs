using System.Text.Json;
using Entente.Exchange.Envelopes;
using Entente.Exchange.Storage;
using Entente.Exchange.Stix;

namespace Entente.Exchange.Assistance;

/// <summary>
/// Submission rules of the request-for-assistance protocol (docs/exchange.md): a request names a
/// registered addressee other than the requester and deadlines still ahead; only the addressee
/// acknowledges (once, before answering) and answers or declines (once); none of the three objects is
/// ever versioned. Sealed entries are for their readers to check: the host cannot see a sealed request's addressee
/// or a sealed reply's request, so a plaintext reply to a sealed request is checked only for being once per kind
/// among the plaintext replies, and readers' <see cref="AssistanceTracker"/> ignores steps by anyone but the addressee.
/// </summary>
internal static class AssistanceProtocol
{
    public static async Task CheckAsync(IExchangeStore store, PartyRegistry parties, SignedEnvelope envelope, DateTimeOffset now, CancellationToken cancellationToken)
    {
        StixObject o = envelope.Payload;
        if (!StixTypes.Assistance.Contains(o.Type))
        {
            return;
        }

        if ((await store.FindByObjectIdAsync(o.Id, cancellationToken).ConfigureAwait(false)).Count > 0)
        {
            throw Reject($"{o.Id} is already in the log: requests, acknowledgements and responses are never versioned; file a new one.");
        }

        JsonElement json = o.Json;
        if (o.Type == AssistanceTypes.Request)
        {
            string recipient = json.GetProperty("recipient_ref").GetString()!;
            if (!parties.TryGetByIdentity(recipient, out _))
            {
                throw Reject($"{o.Id}: property 'recipient_ref' {recipient} is not a registered party.");
            }

            if (recipient == envelope.Sender)
            {
                throw Reject($"{o.Id}: property 'recipient_ref' is the requester itself.");
            }

            if (envelope.Recipient is not null && envelope.Recipient != recipient)
            {
                throw Reject($"{o.Id}: the envelope's recipient {envelope.Recipient} differs from property 'recipient_ref' {recipient}.");
            }

            DateTimeOffset ackDeadline = StixTimestamp.Parse(json.GetProperty("ack_deadline").GetString(), "ack_deadline");
            if (ackDeadline <= now)
            {
                throw Reject($"{o.Id}: property 'ack_deadline' {json.GetProperty("ack_deadline").GetString()} has already passed.");
            }

            return;
        }

        string requestId = json.GetProperty("request_ref").GetString()!;
        IReadOnlyList<ExchangeEntry> requestEntries = await store.FindByObjectIdAsync(requestId, cancellationToken).ConfigureAwait(false);
        if (requestEntries.Count == 0)
        {
            throw Reject($"{o.Id}: property 'request_ref' {requestId} is not in the log.");
        }

        if (ExchangeService.TryReadObject(requestEntries[0], out StixObject? request))
        {
            string addressee = request.Json.GetProperty("recipient_ref").GetString()!;
            if (envelope.Sender != addressee)
            {
                throw Reject($"{o.Id}: only the addressee {addressee} may acknowledge or answer request {requestId}.");
            }
        }

        IReadOnlyList<ExchangeEntry> replies = await store.FindByTypesAsync([AssistanceTypes.Acknowledgement, AssistanceTypes.Response], cancellationToken).ConfigureAwait(false);
        bool acknowledged = false;
        bool responded = false;
        foreach (ExchangeEntry reply in replies)
        {
            if (!ExchangeService.TryReadObject(reply, out StixObject? replyObject) || replyObject.Json.GetProperty("request_ref").GetString() != requestId)
            {
                continue;
            }

            acknowledged |= reply.ObjectType == AssistanceTypes.Acknowledgement;
            responded |= reply.ObjectType == AssistanceTypes.Response;
        }

        if (responded)
        {
            throw Reject($"{o.Id}: request {requestId} has already been answered or declined.");
        }

        if (o.Type == AssistanceTypes.Acknowledgement && acknowledged)
        {
            throw Reject($"{o.Id}: request {requestId} has already been acknowledged.");
        }
    }

    private static ExchangeRejectedException Reject(string message) => new(ExchangeRejection.Protocol, message);
}
