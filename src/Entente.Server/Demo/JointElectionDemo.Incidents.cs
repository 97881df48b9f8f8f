using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Exchange;
using Entente.Exchange.Assistance;
using Entente.Exchange.Envelopes;
using Entente.Exchange.Log;
using Entente.Exchange.Stix;
using Entente.Exchange.Storage;
using Entente.Server.Log;
using Entente.Storage.Sqlite.Exchange;
using Entente.Transparency.Log;
using Entente.Transparency.Policy;

namespace Entente.Server.Demo;

/// <summary>The demo's incident step (docs/demo.md, docs/exchange.md).</summary>
public static partial class JointElectionDemo
{
    /// <summary>The address Red saw probing the ballot devices' endpoints (TEST-NET-3, RFC 5737).</summary>
    public const string SuspiciousAddress = "203.0.113.66";

    /// <summary>How long the demo gives Blue to acknowledge its third request, which nobody acknowledges: it goes overdue.</summary>
    public static readonly TimeSpan OverdueAckWindow = TimeSpan.FromSeconds(1);

    private sealed partial class Run
    {
        /// <summary>
        /// The joint incident exchange, every message signed by its party and sequenced on the board log:
        /// both parties publish their STIX identities; Red shares an indicator (an address scanning the ballot
        /// devices' endpoints) and a report, and files a request for assistance to Blue with them as evidence;
        /// Blue acknowledges, reports its own sighting and answers. Blue asks Red for the packet capture and Red
        /// declines with a reason. Red files a last request with a one-second acknowledgement deadline that Blue
        /// lets pass: it goes overdue.
        /// </summary>
        private async Task<string> IncidentsAsync(CancellationToken ct)
        {
            _exchangeStore = await SqliteExchangeStore.OpenAsync(Path.Combine(_dir, DemoExchange.StoreFile), ct).ConfigureAwait(false);
            Party blue = new(Blue, StixId.NewV4("identity").ToString(), _exchangeKeys[Blue].PublicKey);
            Party red = new(Red, StixId.NewV4("identity").ToString(), _exchangeKeys[Red].PublicKey);
            _exchangeParties = new PartyRegistry([blue, red]);
            byte[] unit = DemoExchange.UnitJson([blue, red]);
            await File.WriteAllBytesAsync(Path.Combine(_dir, DemoExchange.UnitFile), unit, ct).ConfigureAwait(false);
            await AppendAsync("incident.unit", unit, Blue, countersign: Red, ct: ct).ConfigureAwait(false);

            PartyRegistry parties = _exchangeParties;
            _anchor = new BoardAnchor(_sequencer, _blobs, e => _parties[parties.TryGetByIdentity(e.Sender, out Party? p) ? p.Name : throw new InvalidOperationException($"{e.Sender} is no demo party")]);
            using ExchangeService exchange = new(_exchangeStore, parties, [DemoExchange.Collection], TimeProvider.System, anchor: _anchor);
            int steps = 12;
            int sent = 0;

            async Task<string> SendAsync(Party from, JsonObject stix, Party? to)
            {
                StixObject parsed = StixObject.Parse(JsonSerializer.SerializeToUtf8Bytes(stix));
                SignedEnvelope envelope = SignedEnvelope.Create(_exchangeKeys[from.Name], from.IdentityRef, DemoExchange.CollectionId, to?.IdentityRef, DateTimeOffset.UtcNow, parsed);
                ExchangeReceipt receipt = await exchange.SubmitAsync(envelope, ct).ConfigureAwait(false);
                Report("Incident exchange", ++sent, steps);
                return receipt.Entry.ObjectId;
            }

            await SendAsync(blue, Identity(blue), null).ConfigureAwait(false);
            await SendAsync(red, Identity(red), null).ConfigureAwait(false);

            JsonObject indicator = Common("indicator", red);
            indicator["name"] = $"Scanner of ballot-device endpoints {SuspiciousAddress}";
            indicator["description"] = "Repeated TLS handshakes against the ballot devices' submission endpoint from one address outside both parties' networks.";
            indicator["indicator_types"] = new JsonArray("anomalous-activity");
            indicator["pattern"] = $"[ipv4-addr:value = '{SuspiciousAddress}']";
            indicator["pattern_type"] = "stix";
            indicator["valid_from"] = indicator["created"]!.GetValue<string>();
            indicator["object_marking_refs"] = new JsonArray(Tlp.Green); // a public demo board: its messages are for the community (TLP:AMBER would travel sealed, docs/exchange.md)
            string indicatorId = await SendAsync(red, indicator, null).ConfigureAwait(false);

            JsonObject report = Common("report", red);
            report["name"] = "Probing of ballot-device endpoints during voting";
            report["description"] = $"Red's network monitoring saw {SuspiciousAddress} probe the submission endpoint 14 times in ten minutes; no ballot was refused or delayed.";
            report["report_types"] = new JsonArray("indicator");
            report["published"] = report["created"]!.GetValue<string>();
            report["object_refs"] = new JsonArray(indicatorId);
            report["object_marking_refs"] = new JsonArray(Tlp.Green);
            string reportId = await SendAsync(red, report, null).ConfigureAwait(false);

            DateTimeOffset now = DateTimeOffset.UtcNow;
            JsonObject askBlue = Request(red, blue, "Is the scanner of the ballot-device endpoints known to Blue?", "high", now + TimeSpan.FromHours(1), now + TimeSpan.FromHours(24), reportId, indicatorId);
            askBlue["description"] = "Please check Blue's logs for the indicator and say whether the address is yours or seen by you.";
            string answeredId = await SendAsync(red, askBlue, blue).ConfigureAwait(false);
            await SendAsync(blue, Reply(AssistanceTypes.Acknowledgement, blue, answeredId, null, null), red).ConfigureAwait(false);

            JsonObject sighting = Common("sighting", blue);
            sighting["sighting_of_ref"] = indicatorId;
            sighting["where_sighted_refs"] = new JsonArray(blue.IdentityRef);
            sighting["count"] = 3;
            string sightingId = await SendAsync(blue, sighting, null).ConfigureAwait(false);
            JsonObject answer = Reply(AssistanceTypes.Response, blue, answeredId, "answered",
                $"{SuspiciousAddress} is not Blue's. Blue's firewall saw it 3 times (sighting attached) and now blocks it; no device was affected.");
            answer["evidence_refs"] = new JsonArray(sightingId);
            await SendAsync(blue, answer, red).ConfigureAwait(false);

            now = DateTimeOffset.UtcNow;
            string declinedId = await SendAsync(blue, Request(blue, red, "Please share the full packet capture of the scan", "medium", now + TimeSpan.FromHours(1), now + TimeSpan.FromHours(24), reportId), red).ConfigureAwait(false);
            await SendAsync(red, Reply(AssistanceTypes.Response, red, declinedId, "declined",
                "The capture also holds other traffic with voters' personal data; the indicator and report already carry every field about the scanner."), blue).ConfigureAwait(false);

            now = DateTimeOffset.UtcNow;
            await SendAsync(red, Request(red, blue, "Confirm the firmware hash of device-1", "low", now + OverdueAckWindow, now + OverdueAckWindow + TimeSpan.FromSeconds(1)), blue).ConfigureAwait(false);
            _overdueAfter = now + OverdueAckWindow;
            return $"{sent} signed STIX messages on the board log: indicator and report from Red, 3 requests for assistance (answered, declined with a reason, left to go overdue)";
        }

        /// <summary>Checks every exchange message against the final cosigned board checkpoint.</summary>
        private async Task<IReadOnlyList<string>> VerifyExchangeAsync(StoredCheckpoint final, CancellationToken ct)
        {
            List<string> failures = [];
            TrustPolicy policy = TrustPolicy.Parse(_policy);
            Charter charter = Charter.Parse(await File.ReadAllTextAsync(Path.Combine(_dir, "charter.json"), ct).ConfigureAwait(false));
            LogReader reader = new(_store);
            IReadOnlyList<ExchangeEntry> entries = await _exchangeStore!.ReadRangeAsync(0, int.MaxValue, ct).ConfigureAwait(false);
            List<long> onBoard = await DemoExchange.BoardIndexesAsync(_store, final.Size, ct).ConfigureAwait(false);
            if (onBoard.Count != entries.Count)
            {
                failures.Add($"the board holds {onBoard.Count} exchange entries but the exchange store {entries.Count}");
            }

            for (int i = 0; i < Math.Min(entries.Count, onBoard.Count); i++)
            {
                BoardExchangeProof proof = await DemoExchange.ProveAsync(entries[i], onBoard[i], _store, reader, final, ct).ConfigureAwait(false);
                BoardExchangeVerification v = DemoExchange.Verify(proof, _exchangeParties!, policy, charter);
                failures.AddRange(v.Failures.Select(f => $"exchange message {i} ({entries[i].ObjectType}) {f.Check}: {f.Message}"));
                Report("Verifying the incident exchange", i + 1, entries.Count);
            }

            return failures;
        }

        /// <summary>The requests' statuses from log order and log times, once the overdue request's deadline has passed.</summary>
        private async Task<IReadOnlyList<DemoIncident>> IncidentStatusesAsync(CancellationToken ct)
        {
            TimeSpan wait = _overdueAfter - DateTimeOffset.UtcNow;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait + TimeSpan.FromMilliseconds(50), ct).ConfigureAwait(false);
            }

            IReadOnlyList<AssistanceCase> cases = await AssistanceTracker.GetCasesAsync(_exchangeStore!, TimeProvider.System, ct).ConfigureAwait(false);
            return [.. cases.Select(c => new DemoIncident(c.RequestId, NameOf(c.Requester), NameOf(c.Recipient), c.Subject, StatusText(c.Status), c.Status switch
            {
                AssistanceStatus.Answered or AssistanceStatus.Declined => c.ResponseContent,
                AssistanceStatus.Overdue when c.Acknowledged is null => "not acknowledged by " + StixTimestamp.FormatMilliseconds(c.AckDeadline),
                AssistanceStatus.Overdue => "not answered by " + StixTimestamp.FormatMilliseconds(c.AnswerDeadline),
                _ => null,
            }))];
        }

        private string NameOf(string identity) => _exchangeParties!.TryGetByIdentity(identity, out Party? p) ? p.Name : identity;

        private static string StatusText(AssistanceStatus status) => status.ToString().ToLowerInvariant();

        private static JsonObject Identity(Party party)
        {
            string now = StixTimestamp.FormatMilliseconds(DateTimeOffset.UtcNow);
            return new JsonObject
            {
                ["type"] = "identity",
                ["spec_version"] = "2.1",
                ["id"] = party.IdentityRef,
                ["created"] = now,
                ["modified"] = now,
                ["name"] = party.Name + " party",
                ["identity_class"] = "organization",
                ["description"] = $"The {party.Name} party of the joint election unit.",
            };
        }

        private static JsonObject Common(string type, Party me)
        {
            string now = StixTimestamp.FormatMilliseconds(DateTimeOffset.UtcNow);
            return new JsonObject
            {
                ["type"] = type,
                ["spec_version"] = "2.1",
                ["id"] = StixId.NewV4(type).ToString(),
                ["created"] = now,
                ["modified"] = now,
                ["created_by_ref"] = me.IdentityRef,
            };
        }

        private static JsonObject Request(Party from, Party to, string subject, string severity, DateTimeOffset ackBy, DateTimeOffset answerBy, params string[] evidence)
        {
            JsonObject request = Common(AssistanceTypes.Request, from);
            request["subject"] = subject;
            request["severity"] = severity;
            request["recipient_ref"] = to.IdentityRef;
            request["ack_deadline"] = StixTimestamp.FormatMilliseconds(ackBy);
            request["answer_deadline"] = StixTimestamp.FormatMilliseconds(answerBy);
            if (evidence.Length > 0)
            {
                request["evidence_refs"] = new JsonArray([.. evidence.Select(e => (JsonNode)e!)]);
            }

            return request;
        }

        private static JsonObject Reply(string type, Party from, string requestId, string? outcome, string? content)
        {
            JsonObject reply = Common(type, from);
            reply["request_ref"] = requestId;
            if (outcome is not null)
            {
                reply["outcome"] = outcome;
                reply["content"] = content;
            }

            return reply;
        }
    }
}
