using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Election.Encryption;
using Entente.Election.Record;
using Entente.Exchange.Stix;

namespace Entente.Cli.Commands.Demo;

internal static partial class JointElectionDemo
{
    internal sealed partial class DemoRun
    {
        /// <summary>
        /// Red shares an indicator and a report as evidence of a request for assistance to Blue, who acknowledges it and
        /// answers with its sighting; Blue asks Red for the packet capture and Red declines with a reason; Red asks Blue to
        /// confirm a firmware hash within seconds and Blue lets it pass. Each message is one <c>entente incident</c> process
        /// signing with its party's charter key and posting to the board's TAXII server.
        /// </summary>
        private async Task<string> IncidentsAsync(Action step, CancellationToken ct)
        {
            string folder = Folder("incidents");
            string now = StixTimestamp.FormatMilliseconds(DateTimeOffset.UtcNow);
            JsonObject Common(string type, string party) => new()
            {
                ["type"] = type,
                ["spec_version"] = "2.1",
                ["id"] = StixId.NewV4(type).ToString(),
                ["created"] = now,
                ["modified"] = now,
                ["created_by_ref"] = _identities[party],
            };

            JsonObject indicator = Common("indicator", Red);
            indicator["name"] = $"Scanner of ballot-device endpoints {SuspiciousAddress}";
            indicator["description"] = "Repeated TLS handshakes against the ballot devices' submission endpoint from one address outside both parties' networks.";
            indicator["indicator_types"] = new JsonArray("anomalous-activity");
            indicator["pattern"] = $"[ipv4-addr:value = '{SuspiciousAddress}']";
            indicator["pattern_type"] = "stix";
            indicator["valid_from"] = now;
            JsonObject report = Common("report", Red);
            report["name"] = "Probing of ballot-device endpoints during voting";
            report["description"] = $"Red's network monitoring saw {SuspiciousAddress} probe the submission endpoint 14 times in ten minutes; no ballot was refused or delayed.";
            report["report_types"] = new JsonArray("indicator");
            report["published"] = now;
            report["object_refs"] = new JsonArray((JsonNode)indicator["id"]!.GetValue<string>());
            JsonObject sighting = Common("sighting", Blue);
            sighting["sighting_of_ref"] = indicator["id"]!.GetValue<string>();
            sighting["where_sighted_refs"] = new JsonArray((JsonNode)_identities[Blue]);
            sighting["count"] = 3;
            string Write(string name, JsonObject stix)
            {
                string file = Path.Combine(folder, name + ".json");
                File.WriteAllText(file, stix.ToJsonString());
                return file;
            }

            string indicatorFile = Write("indicator", indicator);
            string reportFile = Write("report", report);
            string sightingFile = Write("sighting", sighting);

            async Task<string> SendAsync(string party, string what, int messages, params string[] args)
            {
                EntenteRun run = await _entente.OkAsync($"{party}'s incident {what}", ["incident", .. args, "--server", BoardUrl, "--key", _keys[party], "--json"], ct).ConfigureAwait(false);
                Interlocked.Add(ref _exchangeMessages, messages);
                step();
                using JsonDocument document = JsonDocument.Parse(run.Output);
                return document.RootElement.GetProperty("object").GetString()!;
            }

            string asked = await SendAsync(Red, "file", 3, "file", "--to", Blue, "--subject", "Is the scanner of the ballot-device endpoints known to Blue?", "--severity", "high",
                "--description", "Please check Blue's logs for the indicator and say whether the address is yours or seen by you.",
                "--ack-within", "1h", "--answer-within", "24h", "--evidence", indicatorFile, reportFile).ConfigureAwait(false);
            await SendAsync(Blue, "ack", 1, "ack", asked, "--comment", "Checking our firewall logs now.").ConfigureAwait(false);
            await SendAsync(Blue, "answer", 2, "answer", asked, "--evidence", sightingFile,
                "--text", $"{SuspiciousAddress} is not Blue's. Blue's firewall saw it 3 times (sighting attached) and now blocks it; no device was affected.").ConfigureAwait(false);
            string capture = await SendAsync(Blue, "file", 1, "file", "--to", Red, "--subject", "Please share the full packet capture of the scan", "--severity", "medium").ConfigureAwait(false);
            await SendAsync(Red, "answer", 1, "answer", capture, "--decline",
                "--reason", "The capture also holds other traffic with voters' personal data; the indicator and report already carry every field about the scanner.").ConfigureAwait(false);
            await SendAsync(Red, "file", 1, "file", "--to", Blue, "--subject", "Confirm the firmware hash of device-1", "--severity", "low", "--ack-within", "1s", "--answer-within", "2s").ConfigureAwait(false);
            _overdueAfter = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1);
            return $"{_exchangeMessages} signed STIX messages through the board's TAXII server, each on the board log: 3 requests for assistance (answered, declined with a reason, left to go overdue)";
        }

        /// <summary>Each request's status (<c>incident list</c>) and every message of its timeline verified (<c>incident show</c>, exit 1 when one fails).</summary>
        private async Task<IReadOnlyList<DemoIncident>> IncidentStatusesAsync(Action step, CancellationToken ct)
        {
            TimeSpan wait = _overdueAfter - DateTimeOffset.UtcNow;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait + TimeSpan.FromMilliseconds(50), ct).ConfigureAwait(false);
            }

            EntenteRun list = await _entente.OkAsync("Blue's incident list", ["incident", "list", "--server", BoardUrl, "--key", _keys[Blue], "--json"], ct).ConfigureAwait(false);
            step();
            List<DemoIncident> incidents = [];
            using (JsonDocument document = JsonDocument.Parse(list.Output))
            {
                foreach (JsonElement c in document.RootElement.EnumerateArray())
                {
                    string status = c.GetProperty("status").GetString()!;
                    string? Text(string name) => c.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
                    string? detail = status switch
                    {
                        "answered" or "declined" => Text("response"),
                        "overdue" when Text("acknowledged_at") is null => "not acknowledged by " + Text("ack_deadline"),
                        "overdue" => "not answered by " + Text("answer_deadline"),
                        _ => null,
                    };
                    incidents.Add(new DemoIncident(Text("request")!, Text("from")!, Text("to")!, Text("subject")!, status, detail));
                }
            }

            await Task.WhenAll(incidents.Select(async incident =>
            {
                string party = incident.Requester == Red ? Red : Blue;
                EntenteRun show = await _entente.RunAsync(["incident", "show", incident.RequestId, "--server", BoardUrl, "--key", _keys[party], "--json"], ct).ConfigureAwait(false);
                if (show.Code != 0)
                {
                    lock (_exchangeFailures)
                    {
                        _exchangeFailures.Add($"request \"{incident.Subject}\": incident show exited {show.Code}: {show.Why}");
                    }
                }

                step();
            })).ConfigureAwait(false);
            return incidents;
        }

        /// <summary>
        /// The audit's seed on the board: an audit folder (the ballot manifest per device and the results from the fetched
        /// record), then each party's commitment and reveal, each its own <c>entente audit seed</c> process. Returns the seed.
        /// </summary>
        private async Task<string?> AuditAsync(ElectionRecord record, Action step, CancellationToken ct)
        {
            string folder = Folder("audit-inputs");
            StringBuilder manifest = new("Container,Tabulator,Batch,Ballots\n");
            foreach (IGrouping<string, EncryptedBallot> device in record.Ballots.Where(b => b.State == BallotState.Cast).GroupBy(b => b.Device).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                manifest.Append(CultureInfo.InvariantCulture, $"Town hall,{device.Key},{device.Key},{device.Count()}\n");
            }

            StringBuilder results = new("Contest,Choice,Votes,Ballots\n");
            foreach (var contest in record.Tally.Contests)
            {
                var definition = record.Context.Parameters.Manifest.Contests[contest.ContestIndex - 1];
                int ballots = record.Ballots.Count(b => b.State == BallotState.Cast && b.Contests.Any(c => c.ContestIndex == contest.ContestIndex));
                foreach (var option in contest.Options)
                {
                    results.Append(CultureInfo.InvariantCulture, $"{Csv(definition.Label)},{Csv(definition.Options[option.OptionIndex - 1].Label)},{option.Value},{ballots}\n");
                }
            }

            await File.WriteAllTextAsync(Path.Combine(folder, "manifest.csv"), manifest.ToString(), ct).ConfigureAwait(false);
            await File.WriteAllTextAsync(Path.Combine(folder, "results.csv"), results.ToString(), ct).ConfigureAwait(false);
            string audit = Path.Combine(_dir, "audit");
            DateTimeOffset now = DateTimeOffset.UtcNow;
            await _entente.OkAsync("audit init", ["audit", "init", "--dir", audit, "--method", "bravo", "--risk-limit", "0.05",
                "--manifest", Path.Combine(folder, "manifest.csv"), "--results", Path.Combine(folder, "results.csv"), "--parties", $"{Blue},{Red}",
                "--commit-by", now.AddHours(1).ToString("O", CultureInfo.InvariantCulture), "--reveal-by", now.AddHours(2).ToString("O", CultureInfo.InvariantCulture), .. On(Blue)], ct).ConfigureAwait(false);
            step();
            foreach (string round in new[] { "commit", "reveal" })
            {
                foreach (string party in new[] { Blue, Red })
                {
                    await _entente.OkAsync($"{party}'s audit seed {round}", ["audit", "seed", round, "--dir", audit, "--party", party,
                        "--secret-file", Path.Combine(_dir, "keys", $"audit-seed-{party.ToLowerInvariant()}.secret"), .. On(party)], ct).ConfigureAwait(false);
                    step();
                }
            }

            EntenteRun status = await _entente.RunAsync(["audit", "seed", "status", "--dir", audit], ct).ConfigureAwait(false);
            step();
            return SeedHex().Match(status.Output) is { Success: true } m ? m.Value : null;
        }

        /// <summary>
        /// The ballot-polling audit itself, round by round (at most <see cref="AuditRoundsAtMost"/>): <c>audit sample</c> draws
        /// the round from the seed, the audit board (Blue's and Red's members together) reads every sampled paper ballot,
        /// simulated here from the voters' plaintext ballots (each device's paper ballot box holds its cast ballots in the order
        /// they were cast; a challenged ballot was spoiled, not cast), records the readings with <c>audit record --readings</c>
        /// and signs off; <c>audit status --json</c> gives the risk per contest; <c>audit report</c> writes the report.
        /// </summary>
        private async Task<DemoAudit> AuditRoundsAsync(string audit, Action step, CancellationToken ct)
        {
            Dictionary<string, List<JsonObject>> paper = new(StringComparer.Ordinal);
            foreach (string file in Directory.GetFiles(Path.Combine(_dir, "devices"), "*.ballots.json"))
            {
                string device = Path.GetFileName(file)[..^".ballots.json".Length];
                JsonNode document = JsonNode.Parse(await File.ReadAllTextAsync(file, ct).ConfigureAwait(false))!;
                paper[device] = [.. document["ballots"]!.AsArray().Select(b => b!.AsObject()).Where(b => b["challenge"]?.GetValue<bool>() != true)];
            }

            List<DemoAuditRound> rounds = [];
            JsonElement measured = default;
            for (int number = 1; number <= AuditRoundsAtMost; number++)
            {
                await _entente.OkAsync($"audit sample (round {number})", ["audit", "sample", "--dir", audit, .. On(Blue)], ct).ConfigureAwait(false);
                string retrieval = Path.Combine(audit, "rounds", $"round-{number}-retrieval.csv");
                StringBuilder readings = new("Tabulator,Batch,Position,Contest,Choice,OnBallot\n");
                int sampled = 0;
                foreach (string line in (await File.ReadAllLinesAsync(retrieval, ct).ConfigureAwait(false)).Skip(1).Where(l => l.Length > 0))
                {
                    string[] cells = line.Split(',');
                    (string tabulator, string batch, int position) = (cells[1], cells[2], int.Parse(cells[3], CultureInfo.InvariantCulture));
                    JsonObject ballot = paper[batch][position - 1];
                    JsonObject selections = ballot["selections"]!.AsObject();
                    bool city = ballot["style"]!.GetValue<string>() == "city";
                    foreach (string contest in new[] { "Mayor", "Harbour bond" })
                    {
                        string where = $"{tabulator},{batch},{position},{Csv(contest)}";
                        if (contest != "Mayor" && !city)
                        {
                            readings.Append(CultureInfo.InvariantCulture, $"{where},,N\n");
                        }
                        else if (selections[contest] is JsonObject marks && marks.Count > 0)
                        {
                            foreach (var mark in marks)
                            {
                                readings.Append(CultureInfo.InvariantCulture, $"{where},{Csv(mark.Key)},Y\n");
                            }
                        }
                        else
                        {
                            readings.Append(CultureInfo.InvariantCulture, $"{where},,Y\n");
                        }
                    }

                    sampled++;
                }

                string file = Path.Combine(audit, "rounds", $"round-{number}-readings.csv");
                await File.WriteAllTextAsync(file, readings.ToString(), ct).ConfigureAwait(false);
                await _entente.OkAsync($"audit board's readings (round {number})", ["audit", "record", "--dir", audit, "--readings", file, "--audit-board", AuditBoard, .. On(Blue)], ct).ConfigureAwait(false);
                await _entente.OkAsync($"audit board's sign-off (round {number})", ["audit", "record", "--dir", audit, "--sign-off", AuditBoard, "--members", AuditBoardMembers, .. On(Red)], ct).ConfigureAwait(false);
                EntenteRun status = await _entente.RunAsync(["audit", "status", "--dir", audit, "--json"], ct).ConfigureAwait(false);
                if (status.Code is not (0 or 1))
                {
                    throw new DemoStepException($"audit status (round {number}) exited {status.Code}: {status.Why}");
                }

                using JsonDocument document = JsonDocument.Parse(status.Output);
                measured = document.RootElement.Clone();
                rounds.Add(new DemoAuditRound(number, sampled, [.. measured.GetProperty("contests").EnumerateObject()
                    .Select(c => new DemoAuditContest(c.Name, c.Value.GetProperty("risk").GetDouble(), c.Value.GetProperty("decision").GetString()!))]));
                step();
                if (measured.GetProperty("all_confirmed").GetBoolean() || measured.GetProperty("full_hand_count").GetBoolean())
                {
                    break;
                }
            }

            await _entente.OkAsync("audit report", ["audit", "report", "--dir", audit], ct).ConfigureAwait(false);
            step();
            return new DemoAudit(measured.GetProperty("risk_limit").GetDouble(), measured.GetProperty("draws").GetInt64(), rounds,
                measured.GetProperty("all_confirmed").GetBoolean(), Path.Combine(audit, "report.html"));
        }

        private static string Csv(string text) => text.Contains(',', StringComparison.Ordinal) || text.Contains('"', StringComparison.Ordinal) ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text;

        /// <summary>
        /// <c>entente log verify</c> once the published checkpoint covers the whole log: the log's signature, both parties'
        /// witnesses' cosignatures under the witness policy, and the inclusion of every entry.
        /// </summary>
        private async Task<(long Size, string Root, IReadOnlyList<string> Cosigners)> VerifyLogAsync(List<string> failures, CancellationToken ct)
        {
            using HttpClient http = new() { BaseAddress = new Uri(BoardUrl), Timeout = TimeSpan.FromSeconds(10) };
            DateTime end = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (DateTime.UtcNow < end)
            {
                long head = (await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync(http, "board", Entente.Client.Board.BoardJsonContext.Default.BoardStatus, ct).ConfigureAwait(false))!.LogSize;
                string checkpoint = await http.GetStringAsync("checkpoint", ct).ConfigureAwait(false);
                if (long.Parse(checkpoint.Split('\n')[1], CultureInfo.InvariantCulture) >= head)
                {
                    break;
                }

                await Task.Delay(200, ct).ConfigureAwait(false);
            }

            EntenteRun verify = await _entente.RunAsync(["log", "verify", "--url", BoardUrl, "--policy", PolicyFile, "--state", Path.Combine(_dir, "log-state")], ct).ConfigureAwait(false);
            if (verify.Code != 0)
            {
                failures.Add($"entente log verify exited {verify.Code}: {verify.Why}");
            }

            System.Text.RegularExpressions.Match line = CheckpointLine().Match(verify.Output);
            System.Text.RegularExpressions.Match cosigned = CosignedLine().Match(verify.Output);
            return line.Success
                ? (long.Parse(line.Groups["size"].Value, CultureInfo.InvariantCulture), Convert.ToHexStringLower(Convert.FromBase64String(line.Groups["root"].Value)),
                    cosigned.Success ? [.. cosigned.Groups["by"].Value.Split(", ")] : [])
                : (0, "", []);
        }
    }
}
