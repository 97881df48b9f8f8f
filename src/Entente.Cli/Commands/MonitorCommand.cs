using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Cli.Commands.Audit;
using Entente.Cli.Commands.Incident;
using Entente.Cli.Commands.Record;
using Entente.Client.Log;
using Entente.Client.Mirror;
using Entente.Exchange;
using Entente.Exchange.Envelopes;
using Entente.Exchange.Stix;
using Entente.Server.Mirror;
using Entente.Transparency;
using Entente.Transparency.Log;
using Entente.Transparency.Mirror;
using Entente.Transparency.Notes;
using Entente.Transparency.Policy;

namespace Entente.Cli.Commands;

/// <summary>
/// <c>entente monitor --log URL --key LOGKEY --policy FILE --party-key FILE [--mirror URL]… [--server URL] [--dir DIR]
/// [--interval S] [--once] [--json]</c> and <c>entente monitor check-evidence FILE [--key LOGKEY]</c> (docs/mirror.md,
/// "A monitor per party"). The monitor keeps its own mirror of the board in DIR (every checkpoint checked against the
/// key and the policy and for consistency with what it holds, every entry proven included, every artifact fetched and
/// re-hashed, every entry's party checked against the charter), compares the checkpoints the mirrors serve with its copy,
/// and on evidence of misbehaviour keeps it (DIR/evidence, checkable offline) and, with <c>--server</c>, files it on the
/// exchange as a signed incident: the evidence as a STIX artifact in an observed-data, and a request for assistance to the
/// board's operator. Exit 0: nothing found; 1: evidence found; 2: usage or an unreachable board.
/// </summary>
internal static class MonitorCommand
{
    public static Command Create()
    {
        Option<string> log = new("--log") { Description = "The board's URL.", Required = true };
        Option<string> key = new("--key") { Description = "The board's log key (a verifier key, or a file holding one).", Required = true };
        Option<string> policy = new("--policy") { Description = "The witness policy (C2SP tlog-policy) every checkpoint must satisfy.", Required = true };
        Option<string> partyKey = new("--party-key") { Description = "Your charter key file: it signs the incidents the monitor files.", Required = true };
        Option<string[]> mirrors = new("--mirror") { Description = "A mirror's copy of the log (<mirror>/<origin hash>/) whose checkpoints are compared with the board's; repeatable.", AllowMultipleArgumentsPerToken = true };
        Option<string?> server = new("--server") { Description = "The exchange (`entente serve` URL) to file incidents on; default: evidence is only kept." };
        Option<string?> operatorName = new("--operator") { Description = "The party asked for assistance (default: the first charter party other than you)." };
        Option<string> dir = new("--dir") { Description = "The monitor's folder: its copy of the log and the evidence (default monitor).", DefaultValueFactory = _ => "monitor" };
        Option<double> interval = new("--interval") { Description = "Seconds between passes (default 5).", DefaultValueFactory = _ => 5 };
        Option<bool> once = new("--once") { Description = "One pass, then exit." };
        Option<bool> json = new("--json") { Description = "One JSON object per pass on stdout." };
        Command command = new("monitor", "Follow a board and its mirrors: check every checkpoint, compare the views, check every artifact; keep evidence of misbehaviour and file it as a signed incident.")
        {
            log, key, policy, partyKey, mirrors, server, operatorName, dir, interval, once, json,
        };
        command.Subcommands.Add(CheckEvidence());
        command.SetAction(async (parse, ct) =>
        {
            Uri board = RemoteAction.Url(parse.GetValue(log)!, "--log");
            INoteVerifier logKey = ReadKey(parse.GetValue(key)!);
            TrustPolicy trust = TrustPolicy.Parse(await File.ReadAllTextAsync(parse.GetValue(policy)!, ct));
            string party = parse.GetValue(partyKey)!;
            if (!File.Exists(party))
            {
                throw new UsageException($"--party-key: {party} does not exist.");
            }

            Uri[] copies = [.. (parse.GetValue(mirrors) ?? []).Select(m => RemoteAction.Url(m, "--mirror"))];
            string folder = Path.GetFullPath(parse.GetValue(dir)!);
            Directory.CreateDirectory(folder);
            TextWriter output = parse.InvocationConfiguration.Output;
            await using MirrorHost copy = await MirrorHost.OpenAsync(null, logKey, board, trust, "sqlite:monitor.db", p => Path.GetFullPath(p, folder), "entente",
                TimeSpan.Zero, Path.Combine(folder, "evidence"), RemoteAction.Retry(30), ct);
            int exit = ExitCodes.Ok;
            while (true)
            {
                (List<string> findings, List<string> files) = await PassAsync(copy, logKey, copies, folder, ct);
                List<string> filed = [];
                if (files.Count > 0 && parse.GetValue(server) is string exchange)
                {
                    try
                    {
                        filed.Add(await FileIncidentAsync(exchange, party, parse.GetValue(policy)!, parse.GetValue(operatorName), files, findings, ct));
                    }
                    catch (Exception e) when (e is IncidentRemoteRefusedException or IncidentInputException or ExchangeRejectedException)
                    {
                        // The evidence is kept whatever the exchange says; the next pass (or the operator) files it again.
                        parse.InvocationConfiguration.Error.WriteLine($"error: the evidence is kept in {Path.Combine(folder, "evidence")} but could not be filed on {exchange}: {e.Message}");
                    }
                }

                Report(output, parse.GetValue(json), findings, files, filed, (await copy.Mirror.HeadAsync(ct)).Size);
                exit = files.Count > 0 ? ExitCodes.CheckFailed : exit;
                if (parse.GetValue(once))
                {
                    return exit;
                }

                await Task.Delay(TimeSpan.FromSeconds(Math.Max(0.1, parse.GetValue(interval))), ct);
            }
        });
        return command;
    }

    /// <summary>One pass: the copy brought up to the board; the charter check of new entries; each mirror's view compared.</summary>
    private static async Task<(List<string> Findings, List<string> Files)> PassAsync(MirrorHost copy, INoteVerifier logKey, Uri[] mirrors, string folder, CancellationToken ct)
    {
        List<string> findings = [];
        List<string> files = [];
        long before = (await copy.Mirror.HeadAsync(ct)).Size;
        (MirrorSyncResult result, IReadOnlyList<string> written) = await copy.SyncOnceAsync(ct);
        findings.AddRange(result.Problems);
        files.AddRange(written);
        StoredCheckpoint head = await copy.Mirror.HeadAsync(ct);
        foreach (LogEvidence e in await NonCharterEntriesAsync(copy.Mirror, logKey, before, head, ct))
        {
            findings.Add(e.Explanation!);
            files.Add(await KeepAsync(folder, e, ct));
        }

        foreach (Uri mirror in mirrors)
        {
            using LogClient client = new(mirror, RemoteAction.Retry(10));
            SignedCheckpoint theirs;
            try
            {
                theirs = await client.GetCheckpointAsync(ct);
            }
            catch (Exception e) when (e is Entente.Client.Http.ServiceUnavailableException or Entente.Client.Http.RequestRefusedException or NoteFormatException)
            {
                findings.Add($"mirror {mirror}: no checkpoint ({e.Message})");
                continue;
            }

            if (!NoteVerification.HasValidSignature(theirs.Note, logKey))
            {
                findings.Add($"mirror {mirror}: serves a checkpoint the log did not sign");
                continue;
            }

            Checkpoint c = theirs.Checkpoint;
            if (c.Size == 0 || c.Size > head.Size)
            {
                continue; // the copy catches up on the next pass; a larger tree is compared then
            }

            Hash256 ours = await copy.Mirror.Reader.RootAsync(c.Size, ct);
            if (ours == c.Root)
            {
                continue;
            }

            string ourNote = Encoding.UTF8.GetString(head.Note);
            LogEvidence evidence = c.Size == head.Size
                ? Evidence("split-view", logKey, mirror, [ourNote, theirs.Note.ToString()], null, $"The log signed two checkpoints of size {c.Size}: the board's and the one mirror {mirror} serves, with different roots.")
                : Evidence("inconsistent", logKey, mirror, [theirs.Note.ToString(), ourNote], [.. await copy.Mirror.Reader.ConsistencyProofAsync(c.Size, head.Size, ct)],
                    $"Mirror {mirror} serves a checkpoint of size {c.Size} that is not a prefix of the board's tree of size {head.Size}.");
            findings.Add(evidence.Explanation!);
            files.Add(await KeepAsync(folder, evidence, ct));
        }

        return (findings, files);
    }

    /// <summary>New entries whose party is not in the charter (the board's first charter entry, whose artifact the copy holds).</summary>
    private static async Task<List<LogEvidence>> NonCharterEntriesAsync(Transparency.Mirror.Mirror mirror, INoteVerifier logKey, long from, StoredCheckpoint head, CancellationToken ct)
    {
        List<LogEvidence> found = [];
        if (head.Size <= from)
        {
            return found;
        }

        Charter? charter = null;
        string? charterText = null;
        for (long i = 0; i < Math.Min(head.Size, 16) && charter is null; i++)
        {
            if (await mirror.Reader.ReadEntryAsync(i, ct) is byte[] bytes && TryEntry(bytes) is { Type: "charter" } entry
                && await mirror.Blobs.GetCheckedAsync(entry.Sha256, ct) is byte[] blob)
            {
                charterText = Encoding.UTF8.GetString(blob);
                charter = Charter.Parse(charterText);
            }
        }

        if (charter is null)
        {
            return found;
        }

        for (long i = from; i < head.Size; i++)
        {
            byte[]? bytes = await mirror.Reader.ReadEntryAsync(i, ct);
            if (bytes is null || TryEntry(bytes) is not LogEntry entry || charter.Find(entry.Party) is not null)
            {
                continue;
            }

            Hash256[] proof = await mirror.Reader.InclusionProofAsync(i, head.Size, ct);
            found.Add(Evidence("not-a-charter-party", logKey, null, [Encoding.UTF8.GetString(head.Note)], null, $"Entry {i} is signed as {entry.Party}, who is not a party of the board's charter.") with
            {
                Index = i,
                Entry = Convert.ToBase64String(bytes),
                InclusionProof = [.. proof.Select(h => h.ToBase64())],
                Charter = charterText,
            });
        }

        return found;

        static LogEntry? TryEntry(byte[] bytes)
        {
            try
            {
                return LogEntry.Parse(bytes).Entry;
            }
            catch (NoteFormatException)
            {
                return null;
            }
        }
    }

    private static LogEvidence Evidence(string kind, INoteVerifier logKey, Uri? source, IReadOnlyList<string> checkpoints, IReadOnlyList<Hash256>? proof, string explanation) => new()
    {
        Kind = kind,
        LogKey = logKey is Ed25519NoteVerifier ed ? VerifierKeys.Format(ed.Name, ed.KeyId, NoteSignatureType.Ed25519, ed.PublicKeyBytes) : logKey.Name,
        Source = source?.ToString(),
        FoundAt = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        Checkpoints = checkpoints,
        ConsistencyProof = proof?.Select(h => h.ToBase64()).ToList(),
        Explanation = explanation,
    };

    private static async Task<string> KeepAsync(string folder, LogEvidence evidence, CancellationToken ct)
    {
        string dir = Path.Combine(folder, "evidence");
        Directory.CreateDirectory(dir);
        byte[] json = evidence.ToJson();
        string file = Path.Combine(dir, $"{DateTimeOffset.UtcNow:yyyyMMdd'T'HHmmss'Z'}-{evidence.Kind}-{Convert.ToHexStringLower(SHA256.HashData(json))[..12]}.json");
        await File.WriteAllBytesAsync(file, json, ct);
        return file;
    }

    /// <summary>Files the evidence on the exchange: each file as a STIX artifact in one observed-data, and a request for assistance to the operator.</summary>
    internal static async Task<string> FileIncidentAsync(string server, string partyKey, string policy, string? operatorName, List<string> files, List<string> findings, CancellationToken ct, string subject = "Board misbehaviour found by the monitor: ")
    {
        using RemoteIncidentTarget exchange = await RemoteIncidentTarget.OpenAsync(server, partyKey, policy, ct);
        Party me = exchange.Me();
        Party recipient = operatorName is not null ? exchange.Find(operatorName)
            : exchange.Parties.All.FirstOrDefault(p => p.IdentityRef != me.IdentityRef) ?? throw new UsageException("--operator: the exchange knows no other party to ask for assistance.");
        string collection = exchange.Collection(null);
        string now = StixTimestamp.FormatMilliseconds(DateTimeOffset.UtcNow);
        JsonArray refs = [];
        foreach (string file in files)
        {
            byte[] bytes = await File.ReadAllBytesAsync(file, ct);
            JsonObject artifact = new()
            {
                ["type"] = "artifact",
                ["spec_version"] = "2.1",
                ["id"] = StixId.NewV4("artifact").ToString(),
                ["mime_type"] = "application/json",
                ["payload_bin"] = Convert.ToBase64String(bytes),
                ["hashes"] = new JsonObject { ["SHA-256"] = Convert.ToHexStringLower(SHA256.HashData(bytes)) },
            };
            ExchangeReceipt sent = await exchange.SendAsync(artifact, collection, recipient.IdentityRef, ct);
            refs.Add(sent.Entry.ObjectId);
        }

        JsonObject observed = IncidentSend.Common("observed-data", me);
        observed["first_observed"] = now;
        observed["last_observed"] = now;
        observed["number_observed"] = files.Count;
        observed["object_refs"] = refs;
        ExchangeReceipt observation = await exchange.SendAsync(observed, collection, recipient.IdentityRef, ct);

        JsonObject request = IncidentSend.Common(AssistanceTypes.Request, me);
        request["subject"] = subject + (findings.Count > 0 ? findings[0] : "see the evidence");
        request["description"] = string.Join("\n", findings);
        request["priority"] = "critical";
        request["recipient_ref"] = recipient.IdentityRef;
        request["ack_deadline"] = StixTimestamp.FormatMilliseconds(DateTimeOffset.UtcNow.AddHours(1));
        request["answer_deadline"] = StixTimestamp.FormatMilliseconds(DateTimeOffset.UtcNow.AddHours(24));
        request["evidence_refs"] = new JsonArray(observation.Entry.ObjectId);
        ExchangeReceipt receipt = await exchange.SendAsync(request, collection, recipient.IdentityRef, ct);
        return receipt.Entry.ObjectId;
    }

    private static void Report(TextWriter output, bool json, List<string> findings, List<string> files, List<string> filed, long size)
    {
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(new JsonObject
            {
                ["size"] = size,
                ["ok"] = files.Count == 0,
                ["findings"] = new JsonArray([.. findings.Select(f => (JsonNode)f!)]),
                ["evidence"] = new JsonArray([.. files.Select(f => (JsonNode)f!)]),
                ["incidents"] = new JsonArray([.. filed.Select(f => (JsonNode)f!)]),
            }));
            return;
        }

        output.WriteLine($"monitor     copy at size {size.ToString(CultureInfo.InvariantCulture)}: {(files.Count == 0 ? "nothing found" : $"{files.Count} piece(s) of evidence")}");
        foreach (string f in findings)
        {
            output.WriteLine($"finding     {f}");
        }

        foreach (string f in files)
        {
            output.WriteLine($"evidence    {f}");
        }

        foreach (string f in filed)
        {
            output.WriteLine($"incident    {f}");
        }
    }

    private static Command CheckEvidence()
    {
        Argument<string> file = new("file") { Description = "An evidence file (entente.org/log-evidence/v1)." };
        Option<string?> key = new("--key") { Description = "The log key you trust (default: the one the file names)." };
        Option<bool> json = new("--json") { Description = "Print the verdict as JSON." };
        Command command = new("check-evidence", "Check a piece of evidence offline: exit 0 when it proves what it says, 1 when it does not, 2 when it cannot be read.") { file, key, json };
        command.SetAction(async (parse, ct) =>
        {
            LogEvidence evidence = LogEvidence.Parse(await File.ReadAllBytesAsync(parse.GetValue(file)!, ct));
            EvidenceVerdict verdict = evidence.Check(parse.GetValue(key) is string k ? ReadKey(k) : null);
            TextWriter output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(new JsonObject
                {
                    ["kind"] = evidence.Kind,
                    ["proven"] = verdict.Proven,
                    ["finding"] = verdict.Finding,
                    ["problems"] = new JsonArray([.. verdict.Problems.Select(p => (JsonNode)p!)]),
                    ["log_key"] = parse.GetValue(key) is null ? "from the file (pin it with --key)" : "--key",
                }));
            }
            else
            {
                output.WriteLine(verdict.Proven ? $"proven      {verdict.Finding}" : "not proven");
                foreach (string p in verdict.Problems)
                {
                    output.WriteLine($"problem     {p}");
                }

                if (parse.GetValue(key) is null)
                {
                    output.WriteLine("note        checked against the log key the file names; pin the key you trust with --key");
                }
            }

            return verdict.Proven ? ExitCodes.Ok : ExitCodes.CheckFailed;
        });
        return command;
    }

    private static INoteVerifier ReadKey(string text) => VerifierKeys.Parse(File.Exists(text) ? File.ReadAllText(text).Trim() : text);
}
