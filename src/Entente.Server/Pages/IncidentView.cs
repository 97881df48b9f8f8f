using System.Text.Json;
using Entente.Exchange;
using Entente.Exchange.Assistance;
using Entente.Exchange.Envelopes;
using Entente.Exchange.Log;
using Entente.Exchange.Storage;
using Entente.Exchange.Stix;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;

namespace Entente.Server.Pages;

/// <summary>One exchange message with where it sits on the board and how it verified against the published checkpoint.</summary>
/// <param name="Entry">The stored exchange entry.</param>
/// <param name="Stix">The STIX object (JSON).</param>
/// <param name="Recipient">The addressee's identity, or null for every party.</param>
/// <param name="BoardIndex">The board entry anchoring it, or null while it is not in the published checkpoint.</param>
/// <param name="Verification">The server's check of the proof, or null when there is no proof yet.</param>
/// <param name="Title">What the message is, in words (a sighting is named by what it saw).</param>
/// <param name="Confidential">
/// Null for a public message. Otherwise why the pages show only who sent it, its label (type, id, version) and its readers,
/// never its content (<see cref="DisclosurePolicy"/>): it is sealed to its collection's readers, or it is TLP:RED/AMBER or
/// in a collection that is not public (a message an older server accepted in the clear). <see cref="Stix"/> then holds the
/// label only.
/// </param>
/// <param name="Readers">The names of the parties that may read a confidential message (its collection's readers).</param>
public sealed record IncidentMessage(ExchangeEntry Entry, JsonElement Stix, string? Recipient, long? BoardIndex, BoardExchangeVerification? Verification, string Title,
    string? Confidential = null, IReadOnlyList<string>? Readers = null)
{
    /// <summary>The message's text (content, description or pattern), or null (always null for a confidential message).</summary>
    public string? Body => Confidential is not null ? null : IncidentView.Text(Stix, "content") ?? IncidentView.Text(Stix, "description") ?? IncidentView.Text(Stix, "pattern");

    /// <summary>True when the message is sealed (its envelope is ciphertext for its readers).</summary>
    public bool Sealed => Entry.IsSealed;

    /// <summary>The request this message belongs to (a request's own id, or its <c>request_ref</c>), or null.</summary>
    public string? Request => Entry.ObjectType == AssistanceTypes.Request ? Entry.ObjectId
        : Entry.ObjectType is AssistanceTypes.Acknowledgement or AssistanceTypes.Response ? IncidentView.Text(Stix, "request_ref") : null;
}

/// <summary>The hosted incident exchange as the pages show it: messages in log order, checked against the published checkpoint, and the requests for assistance.</summary>
/// <param name="Parties">The exchange's parties.</param>
/// <param name="Messages">Every message, in log order.</param>
/// <param name="Cases">The requests for assistance and their statuses.</param>
/// <param name="CheckpointSize">The size of the checkpoint the messages were checked against.</param>
/// <param name="UnitJson">The unit (parties, keys, collections, policy) the browser check pins.</param>
public sealed record IncidentView(IReadOnlyList<Party> Parties, IReadOnlyList<IncidentMessage> Messages, IReadOnlyList<AssistanceCase> Cases, long CheckpointSize, string UnitJson)
{
    /// <summary>The empty view of a board without an exchange.</summary>
    public static IncidentView None { get; } = new([], [], [], 0, "{}");

    /// <summary>
    /// Reads the exchange (empty when the board hosts none); with <paramref name="proofs"/>, each message's proof against
    /// the published checkpoint is fetched and checked (the timelines), else only the requests are computed (the dashboard).
    /// </summary>
    public static async Task<IncidentView> ReadAsync(BoardPages pages, CancellationToken cancellationToken, bool proofs = true)
    {
        ArgumentNullException.ThrowIfNull(pages);
        if (pages.Exchange is not { } exchange)
        {
            return None;
        }

        IExchangeStore store = exchange.Service.Store;
        PartyRegistry parties = exchange.Service.Parties;
        IReadOnlyList<ExchangeEntry> entries = await store.ReadRangeAsync(0, int.MaxValue, cancellationToken);
        // The pages are public: a message for its collection's readers only shows who sent it, its label and its readers.
        List<(ExchangeEntry Entry, SignedEnvelope? Envelope, DisclosureDecision Decision)> parsed = [];
        Dictionary<string, JsonElement> objects = new(StringComparer.Ordinal);
        foreach (ExchangeEntry entry in entries)
        {
            CollectionDefinition? collection = exchange.Service.Collections.FirstOrDefault(c => c.Id == entry.Collection);
            DisclosureDecision decision = DisclosurePolicy.ForEntry(collection, entry);
            SignedEnvelope? envelope = decision.IsPublic ? SignedEnvelope.Parse(entry.Envelope, int.MaxValue) : null;
            parsed.Add((entry, envelope, decision));
            if (envelope is not null)
            {
                objects[entry.ObjectId] = envelope.Payload.Json;
            }
        }

        IReadOnlyList<AssistanceCase> cases = AssistanceTracker.Compute([.. parsed.Where(p => p.Envelope is not null).Select(p => p.Entry)], exchange.Service.Time.GetUtcNow());
        Dictionary<string, string> subjects = cases.ToDictionary(c => c.RequestId, c => c.Subject, StringComparer.Ordinal);
        StoredCheckpoint checkpoint = await pages.CheckpointAsync(cancellationToken);
        List<IncidentMessage> messages = [];
        foreach ((ExchangeEntry entry, SignedEnvelope? envelope, DisclosureDecision decision) in parsed)
        {
            (_, BoardExchangeProof? proof) = proofs ? await exchange.ProveAsync(entry.Index, cancellationToken) : (null, null);
            BoardExchangeVerification? verification = proof is null ? null
                : BoardExchangeVerifier.Verify(proof, parties, pages.Policy, party => BoardKey(pages, party));
            if (envelope is null)
            {
                CollectionDefinition? collection = exchange.Service.Collections.FirstOrDefault(c => c.Id == entry.Collection);
                List<string> readers = collection is null ? [] : [.. collection.ReadersAmong(parties).Select(p => p.Name).Order(StringComparer.Ordinal)];
                JsonElement label = JsonSerializer.SerializeToElement(new Dictionary<string, string?> { ["type"] = entry.ObjectType, ["id"] = entry.ObjectId, ["version"] = entry.ObjectVersion });
                string title = $"{(entry.IsSealed ? "sealed" : "confidential")} {entry.ObjectType.Replace('-', ' ')}, for {(readers.Count == 0 ? "its collection's readers" : string.Join(", ", readers))} only";
                messages.Add(new IncidentMessage(entry, label, null, proof?.BoardIndex, verification, title, decision.Reason, readers));
                continue;
            }

            JsonElement o = envelope.Payload.Json;
            messages.Add(new IncidentMessage(entry, o, envelope.Recipient, proof?.BoardIndex, verification, Describe(o, entry.ObjectType, subjects, objects)));
        }

        return new IncidentView([.. parties.All.OrderBy(p => p.Name, StringComparer.Ordinal)], messages, cases, checkpoint.Size, exchange.Unit().ToJsonString());
    }

    /// <summary>The key that may sign a board entry anchoring a message for <paramref name="party"/>: its charter submitter key, or the log key (the operator sequences hosted messages).</summary>
    private static INoteVerifier? BoardKey(BoardPages pages, string party) =>
        (INoteVerifier?)pages.Log.Charter.KeyFor(party, Charter.SubmitterRole) ?? (party == pages.Log.LogKey.Name ? pages.Log.LogKey : null);

    /// <summary>The party's name for an identity, or the identity.</summary>
    public string PartyName(string? identity) =>
        identity is null ? "all parties" : Parties.FirstOrDefault(p => p.IdentityRef == identity)?.Name ?? identity;

    /// <summary>Messages sent by or addressed to <paramref name="party"/>.</summary>
    public IEnumerable<IncidentMessage> Of(Party party)
    {
        ArgumentNullException.ThrowIfNull(party);
        return Messages.Where(m => m.Entry.Sender == party.IdentityRef || m.Recipient == party.IdentityRef);
    }

    /// <summary>The messages of one request: the request, its evidence, and the replies.</summary>
    public IEnumerable<IncidentMessage> OfRequest(AssistanceCase request)
    {
        ArgumentNullException.ThrowIfNull(request);
        HashSet<string> related = new(StringComparer.Ordinal) { request.RequestId };
        related.UnionWith(request.EvidenceRefs);
        foreach (IncidentMessage m in Messages.Where(m => Text(m.Stix, "request_ref") == request.RequestId))
        {
            related.Add(m.Entry.ObjectId);
            if (m.Stix.TryGetProperty("evidence_refs", out JsonElement refs) && refs.ValueKind == JsonValueKind.Array)
            {
                related.UnionWith(refs.EnumerateArray().Where(r => r.ValueKind == JsonValueKind.String).Select(r => r.GetString()!));
            }
        }

        return Messages.Where(m => related.Contains(m.Entry.ObjectId));
    }

    /// <summary>A string member of a JSON object, or null.</summary>
    public static string? Text(JsonElement o, string name) =>
        o.ValueKind == JsonValueKind.Object && o.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>
    /// What a message is, in words. A sighting is named by what it saw: the name (or pattern) of the object its
    /// <c>sighting_of_ref</c> names, and its count; an object not in the exchange is named by its type.
    /// </summary>
    public static string Describe(JsonElement o, string type, IReadOnlyDictionary<string, string> subjects, IReadOnlyDictionary<string, JsonElement> objects)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(subjects);
        ArgumentNullException.ThrowIfNull(objects);
        string Subject() => Text(o, "request_ref") is string id && subjects.TryGetValue(id, out string? subject) ? subject : "a request not in this exchange";
        return type switch
        {
            AssistanceTypes.Request => "request for assistance: " + Text(o, "subject"),
            AssistanceTypes.Acknowledgement => "acknowledges the request: " + Subject(),
            AssistanceTypes.Response => (Text(o, "outcome") == "declined" ? "declines the request: " : "answers the request: ") + Subject(),
            "sighting" => "sighting of " + Seen(Text(o, "sighting_of_ref"), objects)
                + (o.TryGetProperty("count", out JsonElement n) && n.TryGetInt64(out long count) ? $", seen {count} time{(count == 1 ? "" : "s")}" : "")
                + (Text(o, "first_seen") is string first ? $" from {first}" : "")
                + (Text(o, "last_seen") is string last ? $" to {last}" : ""),
            _ => type.Replace('-', ' ') + ": " + (Text(o, "name") ?? Text(o, "pattern") ?? Text(o, "description") ?? "(unnamed)"),
        };
    }

    private static string Seen(string? reference, IReadOnlyDictionary<string, JsonElement> objects)
    {
        if (reference is null)
        {
            return "an unnamed object";
        }

        string type = reference.Split("--")[0].Replace('-', ' ');
        if (!objects.TryGetValue(reference, out JsonElement seen))
        {
            return $"{("aeiou".Contains(type[0], StringComparison.Ordinal) ? "an" : "a")} {type} not shared in this exchange";
        }

        return Text(seen, "name") is string name ? $"{type} \u201c{name}\u201d"
            : Text(seen, "pattern") is string pattern ? $"{type} {pattern}"
            : $"an unnamed {type}";
    }

    /// <summary>A UTC time to the millisecond, as the timelines show it.</summary>
    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture) + " UTC";

    /// <summary>The STIX timestamp form.</summary>
    public static string Stix(DateTimeOffset at) => StixTimestamp.FormatMilliseconds(at);
}
