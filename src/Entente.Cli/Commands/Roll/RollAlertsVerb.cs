using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Cli.Commands.Audit;
using Entente.Client.Board;
using Entente.Client.Http;
using Entente.Rolls;

namespace Entente.Cli.Commands.Roll;

/// <summary>
/// <c>entente roll alerts --board URL --rules FILE [--server URL --party-key FILE --policy FILE [--operator NAME]]</c>
/// (docs/rolls.md, "Alerts"): a party's monitor reads every public roll change on the board (each artifact checked against
/// the SHA-256 its entry commits to), evaluates its rules per jurisdiction and window, and prints the alerts (exit 1 when
/// there is one). With <c>--server</c> each alert is filed on the exchange as the monitor files its evidence
/// (<see cref="MonitorCommand.FileIncidentAsync"/>): the alert and its entries as a STIX artifact in an observed-data, and a
/// signed request for assistance to the authority.
/// </summary>
internal static class RollAlertsVerb
{
    public static Command Create()
    {
        Option<string> board = new("--board") { Description = "The board.", Required = true };
        Option<string> rules = new("--rules") { Description = "The alert rules (JSON list; docs/rolls.md, \"Alerts\").", Required = true };
        Option<string?> server = new("--server") { Description = "File each alert as a signed incident on this board's exchange." };
        Option<string?> partyKey = new("--party-key") { Description = "With --server: your party's charter key file." };
        Option<string?> policy = new("--policy") { Description = "With --server: the witness policy the exchange's messages are checked against." };
        Option<string?> recipient = new("--operator") { Description = "With --server: the party asked for assistance (default: the roll's authority)." };
        Option<string?> evidence = new("--evidence") { Description = "Folder for the alerts' evidence files (default: a new temporary folder)." };
        Option<bool> json = new("--json") { Description = "Print the alerts as JSON." };
        Command command = new("alerts", "Evaluate bulk-change alert rules over the public roll changes; file each alert as a signed incident with --server (exit 1 when an alert is raised).")
        {
            board, rules, server, partyKey, policy, recipient, evidence, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            IReadOnlyList<RollAlertRule> ruleList = RollAlerts.ReadRules(await File.ReadAllBytesAsync(parse.GetValue(rules)!, ct));
            using HttpClient http = new(new RetryHandler()) { BaseAddress = AuditBoard.Url(parse.GetValue(board)!) };
            RollLedger ledger = new();
            Dictionary<string, string> authorities = new(StringComparer.Ordinal);
            foreach (BoardArtifact init in await http.ListAsync("roll-inits", ct))
            {
                RollInit opened = RollArtifacts.ReadInit(await Read(http, "roll-inits", init, ct));
                ledger.ApplyInit(opened, init.Party);
                authorities[opened.Jurisdiction] = init.Party;
            }

            List<(long Index, RollChange Change)> changes = [];
            Dictionary<long, byte[]> artifacts = [];
            foreach (BoardArtifact a in await http.ListAsync("roll-changes", ct))
            {
                byte[] bytes = await Read(http, "roll-changes", a, ct);
                RollChange change = RollArtifacts.ReadChange(bytes);
                ledger.ApplyChange(change, Entente.Transparency.Hash256.FromHex(a.Sha256));
                changes.Add((a.Index, change));
                artifacts[a.Index] = bytes;
            }

            Dictionary<string, RollSnapshot> snapshots = new(StringComparer.Ordinal);
            foreach (BoardArtifact s in await http.ListAsync("roll-snapshots", ct))
            {
                RollSnapshot snapshot = RollArtifacts.ReadSnapshot(await Read(http, "roll-snapshots", s, ct));
                snapshots[snapshot.Jurisdiction] = snapshot;
            }

            // A precinct's registered records: the latest snapshot's count, else the roll as the log has built it.
            long Registered(string jurisdiction, string precinct) =>
                snapshots.TryGetValue(jurisdiction, out RollSnapshot? snap) ? snap.Precincts.GetValueOrDefault(precinct)
                : ledger.Rolls.TryGetValue(jurisdiction, out RollState? roll) ? roll.Records.Values.LongCount(r => r.Registered && r.Precinct == precinct) : 0;

            IReadOnlyList<RollAlert> alerts = RollAlerts.Evaluate(changes, ruleList, Registered);
            List<string> filed = [];
            if (parse.GetValue(server) is string exchange && alerts.Count > 0)
            {
                string folder = parse.GetValue(evidence) ?? Directory.CreateTempSubdirectory("entente-roll-alerts-").FullName;
                Directory.CreateDirectory(folder);
                foreach (RollAlert alert in alerts)
                {
                    JsonObject document = new()
                    {
                        ["rule"] = alert.Rule, ["jurisdiction"] = alert.Jurisdiction, ["precinct"] = alert.Precinct, ["description"] = alert.Description,
                        ["from"] = RollArtifacts.Time(alert.From), ["to"] = RollArtifacts.Time(alert.To), ["board"] = http.BaseAddress!.AbsoluteUri,
                        ["entries"] = new JsonArray([.. alert.Entries.Select(i => (JsonNode)new JsonObject { ["index"] = i, ["artifact"] = Convert.ToBase64String(artifacts[i]) })]),
                    };
                    string file = Path.Combine(folder, $"roll-alert-{alert.Rule}-{alert.Jurisdiction}-{alert.Entries[0]}.json");
                    await File.WriteAllTextAsync(file, document.ToJsonString(), ct);
                    filed.Add(await MonitorCommand.FileIncidentAsync(exchange, parse.GetValue(partyKey) ?? throw new UsageException("--party-key goes with --server."),
                        parse.GetValue(policy) ?? throw new UsageException("--policy goes with --server."), parse.GetValue(recipient) ?? authorities.GetValueOrDefault(alert.Jurisdiction),
                        [file], [alert.Description], ct, "Roll alert: "));
                }
            }

            TextWriter output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json))
            {
                await output.WriteLineAsync(JsonSerializer.Serialize(new
                {
                    changes = changes.Count,
                    alerts = alerts.Select(a => new { rule = a.Rule, jurisdiction = a.Jurisdiction, precinct = a.Precinct, description = a.Description, entries = a.Entries }),
                    incidents = filed,
                }));
            }
            else
            {
                await output.WriteLineAsync($"{changes.Count} roll change(s) read; {alerts.Count} alert(s).");
                foreach (RollAlert a in alerts)
                {
                    await output.WriteLineAsync($"  [{a.Rule}] {a.Description} (entries {a.Entries[0]}–{a.Entries[^1]})");
                }

                foreach (string id in filed)
                {
                    await output.WriteLineAsync($"  filed: {id}");
                }
            }

            return alerts.Count == 0 ? ExitCodes.Ok : ExitCodes.CheckFailed;
        });
        return command;
    }

    private static async Task<byte[]> Read(HttpClient http, string collection, BoardArtifact a, CancellationToken ct) =>
        await http.ReadArtifactAsync($"board/{collection}/{Uri.EscapeDataString(a.Id)}", a.Sha256, ct)
            ?? throw new BoardRequestException(new Uri(http.BaseAddress!, $"board/{collection}/{a.Id}").AbsoluteUri, 404, "Withheld", "the board lists the artifact but does not serve it");
}
