using System.Globalization;
using System.Text;
using System.Text.Json;
using Entente.Exchange;
using Entente.Exchange.Assistance;
using Entente.Exchange.Envelopes;
using Entente.Exchange.Log;
using Entente.Exchange.Storage;
using Entente.Exchange.Stix;
using Entente.Server.Log;
using Entente.Transparency.Log;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Entente.Server.Demo;

/// <summary>The incident exchange pages: requests and their statuses, a timeline per party and per request.</summary>
public static partial class DemoSite
{
    private static readonly JsonSerializerOptions IndentedJson = new() { WriteIndented = true };

    /// <summary>One exchange message with where it sits on the board and how it verified against the cosigned checkpoint.</summary>
    private sealed record Message(ExchangeEntry Entry, JsonElement Object, string? Recipient, long BoardIndex, BoardExchangeVerification? Verification, long CheckpointSize);

    private static async Task<List<Message>> MessagesAsync(Site site, LogService log, CancellationToken ct)
    {
        if (site.Exchange is null || site.Parties is null)
        {
            return [];
        }

        StoredCheckpoint? cosigned = await log.Store.ReadCosignedAsync(ct);
        IReadOnlyList<ExchangeEntry> entries = await site.Exchange.ReadRangeAsync(0, int.MaxValue, ct);
        List<long> onBoard = await DemoExchange.BoardIndexesAsync(log.Store, log.Sequencer.Head.Size, ct);
        List<Message> messages = [];
        for (int i = 0; i < entries.Count; i++)
        {
            ExchangeEntry entry = entries[i];
            SignedEnvelope envelope = SignedEnvelope.Parse(entry.Envelope, int.MaxValue);
            long boardIndex = i < onBoard.Count ? onBoard[i] : -1;
            BoardExchangeVerification? verification = null;
            if (cosigned is not null && boardIndex >= 0 && boardIndex < cosigned.Size)
            {
                BoardExchangeProof proof = await DemoExchange.ProveAsync(entry, boardIndex, log.Store, log.Reader, cosigned, ct);
                verification = DemoExchange.Verify(proof, site.Parties, site.Policy, site.Charter);
            }

            messages.Add(new Message(entry, envelope.Payload.Json, envelope.Recipient, boardIndex, verification, cosigned?.Size ?? 0));
        }

        return messages;
    }

    private static string PartyName(Site site, string identity) =>
        site.Parties is not null && site.Parties.TryGetByIdentity(identity, out Party? p) ? p.Name : identity;

    private static string StatusBadge(AssistanceStatus status)
    {
        string s = status.ToString().ToLowerInvariant();
        return $"<span class=\"status {s}\" data-status=\"{s}\">{s}</span>";
    }

    private static string OverdueText(AssistanceCase c) => c.Acknowledged is null
        ? $"not acknowledged by its deadline {StixTimestamp.FormatMilliseconds(c.AckDeadline)}"
        : $"not answered by its deadline {StixTimestamp.FormatMilliseconds(c.AnswerDeadline)}";

    private static string? Text(JsonElement o, string name) =>
        o.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static string Title(JsonElement o, string type, IReadOnlyDictionary<string, string> subjects) => type switch
    {
        AssistanceTypes.Request => "request for assistance: " + Text(o, "subject"),
        AssistanceTypes.Acknowledgement => "acknowledges the request: " + Subject(o, subjects),
        AssistanceTypes.Response => (Text(o, "outcome") == "declined" ? "declines the request: " : "answers the request: ") + Subject(o, subjects),
        "sighting" => $"sighting of {Text(o, "sighting_of_ref")}" + (o.TryGetProperty("count", out JsonElement n) ? $" ({n.GetRawText()} times)" : ""),
        _ => type + ": " + (Text(o, "name") ?? Text(o, "id")),
    };

    private static string Subject(JsonElement o, IReadOnlyDictionary<string, string> subjects) =>
        Text(o, "request_ref") is string id && subjects.TryGetValue(id, out string? subject) ? subject : Text(o, "request_ref") ?? "";

    private static async Task<ContentHttpResult> IncidentsAsync(Site site, LogService log, CancellationToken ct)
    {
        if (site.Exchange is null || site.Parties is null)
        {
            return Page("Incidents", "/incidents", "<p>This demo ran no incident exchange.</p>");
        }

        List<Message> messages = await MessagesAsync(site, log, ct);
        IReadOnlyList<AssistanceCase> cases = await AssistanceTracker.GetCasesAsync(site.Exchange, TimeProvider.System, ct);
        StringBuilder sb = new();
        int verified = messages.Count(m => m.Verification?.Valid == true);
        sb.Append(CultureInfo.InvariantCulture, $"<p class=\"lead\">The parties exchange signed STIX 2.1 objects. Each message is an envelope signed by its sender and an entry of the election board's log, so the checkpoint the witnesses cosign fixes who said what, and when.</p>");
        sb.Append(CultureInfo.InvariantCulture, $"<p class=\"banner {(verified == messages.Count ? "ok" : "bad")}\" id=\"exchange-summary\">{verified} of {messages.Count} messages verified on this server against the cosigned checkpoint of size {(messages.Count > 0 ? messages[0].CheckpointSize : 0)}.</p>");
        sb.Append("<h2>Requests for assistance</h2>");
        RequestsTable(sb, site, cases);
        sb.Append("<h2>Timelines per party</h2><ul>");
        foreach (Party p in site.Parties.All.OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            sb.Append(CultureInfo.InvariantCulture, $"<li><a href=\"/incidents/party/{U(p.Name)}\">{E(p.Name)}</a>: {messages.Count(m => m.Entry.Sender == p.IdentityRef)} sent, {messages.Count(m => m.Recipient == p.IdentityRef)} addressed to it. <small>Identity <code>{E(p.IdentityRef)}</code>.</small></li>");
        }

        sb.Append("</ul><h2>Every message, in log order</h2>");
        Timeline(sb, site, messages, Subjects(cases));
        return Page("Incidents", "/incidents", sb.ToString() + UnitBlock(site), "/verify.js", "/incident-check.js");
    }

    private static void RequestsTable(StringBuilder sb, Site site, IEnumerable<AssistanceCase> cases)
    {
        sb.Append("<table id=\"requests\"><thead><tr><th scope=\"col\">Request</th><th scope=\"col\">From → to</th><th scope=\"col\">Severity</th><th scope=\"col\">Filed</th><th scope=\"col\">Acknowledged</th><th scope=\"col\">Answered</th><th scope=\"col\">Status</th></tr></thead><tbody>");
        foreach (AssistanceCase c in cases)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<tr data-request=\"{E(c.RequestId)}\"><td><a href=\"/incidents/request/{U(c.RequestId)}\">{E(c.Subject)}</a></td><td>{E(PartyName(site, c.Requester))} → {E(PartyName(site, c.Recipient))}</td><td>{E(c.Severity)}</td><td>{Step(c.Filed)}</td><td>{Step(c.Acknowledged)}{(c.AcknowledgedLate ? " <span class=\"bad\">late</span>" : "")}<br><small>due {Time(c.AckDeadline)}</small></td><td>{Step(c.Responded)}{(c.AnsweredLate ? " <span class=\"bad\">late</span>" : "")}<br><small>due {Time(c.AnswerDeadline)}</small></td><td>{StatusBadge(c.Status)}</td></tr>");
        }

        sb.Append("</tbody></table><p><small>Statuses come from the order of the log and its timestamps only: declined › answered › overdue (a deadline passed) › acknowledged › open.</small></p>");
    }

    private static string Step(AssistanceStep? step) => step is null ? "—" : $"<a href=\"#message-{step.Index}\">{Time(step.LoggedAt)}</a>";

    private static void Timeline(StringBuilder sb, Site site, IEnumerable<Message> messages, IReadOnlyDictionary<string, string> subjects)
    {
        sb.Append("<ol class=\"timeline\">");
        foreach (Message m in messages)
        {
            ExchangeEntry e = m.Entry;
            string recipient = m.Recipient is null ? "all parties" : PartyName(site, m.Recipient);
            BoardExchangeVerification? v = m.Verification;
            sb.Append(CultureInfo.InvariantCulture, $"<li id=\"message-{e.Index}\" data-exchange-index=\"{e.Index}\" data-server-verdict=\"{(v?.Valid == true ? "verified" : "failed")}\">");
            sb.Append(CultureInfo.InvariantCulture, $"<p class=\"when\">{Time(e.LoggedAt)} · exchange message {e.Index} · board entry {(m.BoardIndex >= 0 ? $"<a href=\"/log/{m.BoardIndex}\">{m.BoardIndex}</a>" : "<span class=\"bad\">missing</span>")}</p>");
            sb.Append(CultureInfo.InvariantCulture, $"<p><strong>{E(PartyName(site, e.Sender))}</strong> → {E(recipient)}: {E(Title(m.Object, e.ObjectType, subjects))}</p>");
            string? body = Text(m.Object, "content") ?? Text(m.Object, "description") ?? Text(m.Object, "pattern");
            if (body is not null)
            {
                sb.Append("<p>").Append(E(body)).Append("</p>");
            }

            if (e.ObjectType == AssistanceTypes.Request || e.ObjectType == AssistanceTypes.Acknowledgement || e.ObjectType == AssistanceTypes.Response)
            {
                string request = e.ObjectType == AssistanceTypes.Request ? e.ObjectId : Text(m.Object, "request_ref") ?? "";
                sb.Append(CultureInfo.InvariantCulture, $"<p><a href=\"/incidents/request/{U(request)}\">The request's timeline</a></p>");
            }

            sb.Append("<ul class=\"checks verification\" aria-label=\"Checked by this server\">");
            if (v is null)
            {
                sb.Append("<li class=\"fail\">Not yet in a checkpoint cosigned by the witnesses.</li>");
            }
            else
            {
                Check(sb, v.Signature, $"Envelope signed (Ed25519) by {PartyName(site, e.Sender)}'s registered key.");
                Check(sb, v.Leaf, $"Board entry {m.BoardIndex} commits to this message (SHA-256 of its exchange leaf) and is signed by the sender's charter key.");
                Check(sb, v.Inclusion, $"Board entry {m.BoardIndex} is included in the checkpoint of size {m.CheckpointSize}.");
                Check(sb, v.Checkpoint, "The checkpoint is signed by the board's log key and cosigned by every party's witness.");
                foreach (ProofFailure f in v.Failures)
                {
                    sb.Append(CultureInfo.InvariantCulture, $"<li class=\"fail\">{E(f.Check)}: {E(f.Message)}</li>");
                }
            }

            sb.Append("</ul><p class=\"browser-check\" aria-live=\"polite\"></p>");
            sb.Append(CultureInfo.InvariantCulture, $"<details><summary>STIX object <code>{E(e.ObjectId)}</code></summary><pre>{E(JsonSerializer.Serialize(m.Object, IndentedJson))}</pre></details></li>");
        }

        sb.Append("</ol>");
    }

    /// <summary>A UTC time as a &lt;time&gt; element, to the millisecond.</summary>
    private static string Time(DateTimeOffset at) =>
        string.Create(CultureInfo.InvariantCulture, $"<time datetime=\"{StixTimestamp.FormatMilliseconds(at)}\">{at.UtcDateTime:yyyy-MM-dd HH:mm:ss.fff} UTC</time>");

    private static Dictionary<string, string> Subjects(IEnumerable<AssistanceCase> cases) =>
        cases.ToDictionary(c => c.RequestId, c => c.Subject, StringComparer.Ordinal);

    private static void Check(StringBuilder sb, bool ok, string text) =>
        sb.Append(ok ? "<li>" : "<li class=\"fail\">").Append(E(ok ? text : "NOT verified: " + text)).Append("</li>");

    /// <summary>The keys the browser check pins: the witness policy and the exchange unit (parties' identities and keys).</summary>
    private static string UnitBlock(Site site) =>
        $"<details><summary>Keys your browser checks against</summary><p>The witness policy (log entry 1) and the parties' exchange keys (log entry of type incident.unit).</p><pre id=\"policy\">{E(site.PolicyText)}</pre><pre id=\"unit\">{E(File.ReadAllText(Path.Combine(site.Result.Directory, DemoExchange.UnitFile)))}</pre></details>";

    private static async Task<ContentHttpResult> PartyTimelineAsync(Site site, LogService log, string name, CancellationToken ct)
    {
        Party? party = site.Parties?.All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
        if (party is null || site.Exchange is null)
        {
            return NotFoundPage("/incidents", $"No party named {name} takes part in the incident exchange.");
        }

        List<Message> messages = [.. (await MessagesAsync(site, log, ct)).Where(m => m.Entry.Sender == party.IdentityRef || m.Recipient == party.IdentityRef)];
        IReadOnlyList<AssistanceCase> cases = await AssistanceTracker.GetCasesAsync(site.Exchange, TimeProvider.System, ct);
        StringBuilder sb = new();
        sb.Append(CultureInfo.InvariantCulture, $"<p class=\"lead\">What {E(party.Name)} sent and what was addressed to it, in log order. Identity <code>{E(party.IdentityRef)}</code>, key <code class=\"hash\">{E(party.PublicKeyBase64)}</code>.</p>");
        sb.Append("<h2>Its requests for assistance</h2>");
        RequestsTable(sb, site, cases.Where(c => c.Requester == party.IdentityRef || c.Recipient == party.IdentityRef));
        sb.Append("<h2>Timeline</h2>");
        Timeline(sb, site, messages, Subjects(cases));
        return Page($"Incidents: {party.Name}", "/incidents", sb.ToString() + UnitBlock(site), "/verify.js", "/incident-check.js");
    }

    private static async Task<ContentHttpResult> RequestTimelineAsync(Site site, LogService log, string id, CancellationToken ct)
    {
        if (site.Exchange is null)
        {
            return NotFoundPage("/incidents", "This demo ran no incident exchange.");
        }

        IReadOnlyList<AssistanceCase> cases = await AssistanceTracker.GetCasesAsync(site.Exchange, TimeProvider.System, ct);
        AssistanceCase? c = cases.FirstOrDefault(x => x.RequestId == id);
        if (c is null)
        {
            return NotFoundPage("/incidents", $"No request for assistance {id} is in the log.");
        }

        List<Message> all = await MessagesAsync(site, log, ct);
        HashSet<string> related = new(StringComparer.Ordinal) { c.RequestId };
        related.UnionWith(c.EvidenceRefs);
        foreach (Message m in all.Where(m => Text(m.Object, "request_ref") == c.RequestId))
        {
            related.Add(m.Entry.ObjectId);
            if (m.Object.TryGetProperty("evidence_refs", out JsonElement refs))
            {
                related.UnionWith(refs.EnumerateArray().Select(r => r.GetString() ?? ""));
            }
        }

        StringBuilder sb = new();
        sb.Append(CultureInfo.InvariantCulture, $"<p class=\"lead\">{E(PartyName(site, c.Requester))} asked {E(PartyName(site, c.Recipient))}, severity {E(c.Severity)}. Status: {StatusBadge(c.Status)}</p>");
        sb.Append("<dl>");
        sb.Append(CultureInfo.InvariantCulture, $"<dt>Filed</dt><dd>{E(StixTimestamp.FormatMilliseconds(c.Filed.LoggedAt))} (exchange message {c.Filed.Index})</dd>");
        sb.Append(CultureInfo.InvariantCulture, $"<dt>Acknowledge by</dt><dd>{E(StixTimestamp.FormatMilliseconds(c.AckDeadline))}: {(c.Acknowledged is { } a ? $"acknowledged {E(StixTimestamp.FormatMilliseconds(a.LoggedAt))}{(c.AcknowledgedLate ? " <span class=\"bad\">late</span>" : "")}" : c.AcknowledgedLate ? "<span class=\"bad\">missed</span>" : "not yet")}</dd>");
        sb.Append(CultureInfo.InvariantCulture, $"<dt>Answer by</dt><dd>{E(StixTimestamp.FormatMilliseconds(c.AnswerDeadline))}: {(c.Responded is { } r ? $"{E(c.Outcome)} {E(StixTimestamp.FormatMilliseconds(r.LoggedAt))}{(c.AnsweredLate ? " <span class=\"bad\">late</span>" : "")}" : c.AnsweredLate ? "<span class=\"bad\">missed</span>" : "not yet")}</dd>");
        if (c.ResponseContent is not null)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<dt>{(c.Status == AssistanceStatus.Declined ? "Reason for declining" : "Answer")}</dt><dd id=\"response\">{E(c.ResponseContent)}</dd>");
        }

        sb.Append("</dl><h2>Timeline: the request, its evidence and the replies</h2>");
        Timeline(sb, site, all.Where(m => related.Contains(m.Entry.ObjectId)), Subjects(cases));
        return Page($"Request: {c.Subject}", "/incidents", sb.ToString() + UnitBlock(site), "/verify.js", "/incident-check.js");
    }

    private static async Task<IResult> ExchangeMessageAsync(Site site, LogService log, long index, CancellationToken ct)
    {
        StoredCheckpoint? cosigned = await log.Store.ReadCosignedAsync(ct);
        ExchangeEntry? entry = site.Exchange is null || index < 0 ? null : await site.Exchange.GetAsync(index, ct);
        if (entry is null || cosigned is null)
        {
            return TypedResults.Problem(statusCode: 404, title: "Unknown message", detail: $"There is no exchange message {index} in a cosigned checkpoint.");
        }

        List<long> onBoard = await DemoExchange.BoardIndexesAsync(log.Store, cosigned.Size, ct);
        if (index >= onBoard.Count)
        {
            return TypedResults.Problem(statusCode: 404, title: "Not yet witnessed", detail: $"Exchange message {index} is not yet in the cosigned checkpoint of size {cosigned.Size}.");
        }

        BoardExchangeProof proof = await DemoExchange.ProveAsync(entry, onBoard[(int)index], log.Store, log.Reader, cosigned, ct);
        return TypedResults.Json(new ExchangeMessageResponse(index, Convert.ToBase64String(entry.Envelope), Convert.ToBase64String(entry.ToLeafBytes()), proof.BoardIndex,
            Convert.ToBase64String(proof.BoardEntry), [.. proof.InclusionProof.Select(h => h.ToHex())], proof.Checkpoint), DemoJsonContext.Default.ExchangeMessageResponse);
    }
}
