using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Exchange;
using Entente.Exchange.Assistance;
using Entente.Exchange.Envelopes;
using Entente.Exchange.Log;
using Entente.Exchange.Sealing;
using Entente.Exchange.Storage;
using Entente.Exchange.Stix;
using Spectre.Console;

namespace Entente.Cli.Commands.Incident;

/// <summary>The subcommands of <c>entente incident</c>.</summary>
internal static class IncidentVerbs
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Keygen()
    {
        Option<string> name = new("--name") { Description = "The party's name, e.g. Blue.", Required = true };
        Command command = new("keygen", "Create a party key and register its public key in the unit file.") { name };
        command.SetAction(async (parse, ct) =>
        {
            string keyPath = parse.GetValue(IncidentOptions.Key)!;
            string unitPath = parse.GetValue(IncidentOptions.Unit)!;
            if (System.IO.File.Exists(keyPath))
            {
                throw new IncidentInputException($"{keyPath} already exists; choose another --key.");
            }

            JsonObject unit = System.IO.File.Exists(unitPath)
                ? JsonNode.Parse(await System.IO.File.ReadAllBytesAsync(unitPath, ct).ConfigureAwait(false))!.AsObject()
                : new JsonObject
                {
                    ["parties"] = new JsonArray(),
                    ["collections"] = new JsonArray(new JsonObject
                    {
                        ["id"] = IncidentWorkspace.DefaultCollectionId,
                        ["title"] = "Joint incidents",
                        ["description"] = "Incident reports, indicators and requests for assistance between the parties.",
                        ["can_read"] = new JsonArray(),
                        ["can_write"] = new JsonArray(),
                        ["allow_custom_objects"] = false,
                    }),
                };
            string partyName = parse.GetValue(name)!;
            if (unit["parties"]!.AsArray().Any(p => string.Equals(p!["name"]!.GetValue<string>(), partyName, StringComparison.OrdinalIgnoreCase)))
            {
                throw new IncidentInputException($"{unitPath} already has a party named {partyName}.");
            }

            using PartyKey key = PartyKey.Generate();
            byte[] seed = new byte[PartyKey.SeedSize];
            try
            {
                key.ExportSeed(seed);
                IncidentWorkspace.WriteSecret(keyPath, Convert.ToBase64String(seed));
            }
            finally
            {
                CryptographicOperations.ZeroMemory(seed);
            }

            string identity = StixId.NewV4("identity").ToString();
            // The party's X25519 encryption key is derived from its Ed25519 seed and published signed by it (docs/exchange.md).
            using EncryptionKey encryption = EncryptionKey.Derive(key);
            unit["parties"]!.AsArray().Add(new JsonObject
            {
                ["name"] = partyName,
                ["identity"] = identity,
                ["public_key"] = Convert.ToBase64String(key.PublicKey),
                ["encryption_key"] = IncidentWorkspace.EncryptionKeyJson(PartyEncryptionKey.Create(key, identity, encryption)),
            });
            await System.IO.File.WriteAllTextAsync(unitPath, unit.ToJsonString(Indented), ct).ConfigureAwait(false);
            Console.Out.WriteLine($"{partyName}: {identity}, public key {Convert.ToBase64String(key.PublicKey)} (secret key in {keyPath}).");
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command FileRequest()
    {
        Option<string> to = new("--to") { Description = "The party asked for assistance (name or identity id).", Required = true };
        Option<string> subject = new("--subject") { Description = "What the request is about.", Required = true };
        Option<string> priority = new("--priority", "--severity") { Description = "low, medium, high or critical.", DefaultValueFactory = _ => "medium" };
        Option<string?> description = new("--description") { Description = "Details." };
        Option<string> ackWithin = new("--ack-within") { Description = "Deadline to acknowledge, from now (e.g. 24h).", DefaultValueFactory = _ => "24h" };
        Option<string> answerWithin = new("--answer-within") { Description = "Deadline to answer, from now (e.g. 72h).", DefaultValueFactory = _ => "72h" };
        Option<string[]> evidence = new("--evidence") { Description = "STIX files (object or bundle) sent first as evidence.", AllowMultipleArgumentsPerToken = true };
        Option<string?> collection = new("--collection") { Description = "Collection id (default: the unit's first)." };
        Command command = new("file", "File a request for assistance, with its evidence, to another party.")
        {
            to, subject, priority, description, ackWithin, answerWithin, evidence, collection,
        };
        command.SetAction(async (parse, ct) =>
        {
            TimeSpan ack = IncidentOptions.ParseDuration(parse.GetValue(ackWithin)!, "--ack-within");
            TimeSpan answer = IncidentOptions.ParseDuration(parse.GetValue(answerWithin)!, "--answer-within");
            using IIncidentTarget workspace = await IncidentTargets.OpenAsync(parse, ct).ConfigureAwait(false);
            Party me = workspace.Me();
            Party recipient = workspace.Find(parse.GetValue(to)!);
            string collectionId = workspace.Collection(parse.GetValue(collection));
            List<string> evidenceRefs = [];
            foreach (string file in parse.GetValue(evidence) ?? [])
            {
                foreach (JsonNode item in ReadStixFile(file))
                {
                    ExchangeReceipt sent = await workspace.SendAsync(item, collectionId, recipient.IdentityRef, ct).ConfigureAwait(false);
                    evidenceRefs.Add(sent.Entry.ObjectId);
                }
            }

            JsonObject request = IncidentSend.Common(AssistanceTypes.Request, me);
            DateTimeOffset now = DateTimeOffset.UtcNow;
            request["subject"] = parse.GetValue(subject);
            if (parse.GetValue(description) is { } text)
            {
                request["description"] = text;
            }

            request["priority"] = parse.GetValue(priority);
            request["recipient_ref"] = recipient.IdentityRef;
            request["ack_deadline"] = StixTimestamp.FormatMilliseconds(now + ack);
            request["answer_deadline"] = StixTimestamp.FormatMilliseconds(now + answer);
            if (evidenceRefs.Count > 0)
            {
                request["evidence_refs"] = new JsonArray([.. evidenceRefs.Select(r => (JsonNode)r!)]);
            }

            ExchangeReceipt receipt = await workspace.SendAsync(request, collectionId, recipient.IdentityRef, ct).ConfigureAwait(false);
            Report(parse, receipt, $"Filed {receipt.Entry.ObjectId} to {recipient.Name} with {evidenceRefs.Count} evidence object(s)");
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Ack()
    {
        Argument<string> request = new("request") { Description = "The request's id." };
        Option<string?> comment = new("--comment") { Description = "A comment." };
        Command command = new("ack", "Acknowledge a request for assistance addressed to you.") { request, comment };
        command.SetAction(async (parse, ct) =>
        {
            using IIncidentTarget workspace = await IncidentTargets.OpenAsync(parse, ct).ConfigureAwait(false);
            Party me = workspace.Me();
            (ExchangeEntry requestEntry, Party requester) = await FindRequestAsync(workspace, parse.GetValue(request)!, ct).ConfigureAwait(false);
            JsonObject ack = IncidentSend.Common(AssistanceTypes.Acknowledgement, me);
            ack["request_ref"] = requestEntry.ObjectId;
            if (parse.GetValue(comment) is { } text)
            {
                ack["comment"] = text;
            }

            ExchangeReceipt receipt = await workspace.SendAsync(ack, requestEntry.Collection, requester.IdentityRef, ct).ConfigureAwait(false);
            Report(parse, receipt, $"Acknowledged {requestEntry.ObjectId}");
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Answer()
    {
        Argument<string> request = new("request") { Description = "The request's id." };
        Option<string?> text = new("--text") { Description = "The answer." };
        Option<bool> decline = new("--decline") { Description = "Decline the request (give --reason)." };
        Option<string?> reason = new("--reason") { Description = "Why the request is declined." };
        Option<string[]> evidence = new("--evidence") { Description = "STIX files (object or bundle) sent with the answer.", AllowMultipleArgumentsPerToken = true };
        Command command = new("answer", "Answer, or decline with a reason, a request addressed to you.") { request, text, decline, reason, evidence };
        command.SetAction(async (parse, ct) =>
        {
            bool declining = parse.GetValue(decline);
            string? content = declining ? parse.GetValue(reason) : parse.GetValue(text);
            if (string.IsNullOrWhiteSpace(content))
            {
                throw new IncidentInputException(declining ? "Declining needs --reason." : "Answering needs --text (or use --decline --reason).");
            }

            using IIncidentTarget workspace = await IncidentTargets.OpenAsync(parse, ct).ConfigureAwait(false);
            Party me = workspace.Me();
            (ExchangeEntry requestEntry, Party requester) = await FindRequestAsync(workspace, parse.GetValue(request)!, ct).ConfigureAwait(false);
            List<string> evidenceRefs = [];
            foreach (string file in parse.GetValue(evidence) ?? [])
            {
                foreach (JsonNode item in ReadStixFile(file))
                {
                    evidenceRefs.Add((await workspace.SendAsync(item, requestEntry.Collection, requester.IdentityRef, ct).ConfigureAwait(false)).Entry.ObjectId);
                }
            }

            JsonObject response = IncidentSend.Common(AssistanceTypes.Response, me);
            response["request_ref"] = requestEntry.ObjectId;
            response["outcome"] = declining ? "declined" : "answered";
            response["content"] = content;
            if (evidenceRefs.Count > 0)
            {
                response["evidence_refs"] = new JsonArray([.. evidenceRefs.Select(r => (JsonNode)r!)]);
            }

            ExchangeReceipt receipt = await workspace.SendAsync(response, requestEntry.Collection, requester.IdentityRef, ct).ConfigureAwait(false);
            Report(parse, receipt, declining ? $"Declined {requestEntry.ObjectId}" : $"Answered {requestEntry.ObjectId}");
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command List()
    {
        Option<string?> status = new("--status") { Description = "Only this status: open, acknowledged, answered, overdue, declined." };
        Command command = new("list", "List requests for assistance with their status computed from the log.") { status };
        command.SetAction(async (parse, ct) =>
        {
            using IIncidentTarget workspace = await IncidentTargets.OpenAsync(parse, ct).ConfigureAwait(false);
            IReadOnlyList<AssistanceCase> cases = await AssistanceTracker.GetCasesAsync(await workspace.StoreAsync(ct).ConfigureAwait(false), TimeProvider.System, ct).ConfigureAwait(false);
            if (parse.GetValue(status) is { } wanted)
            {
                if (!Enum.TryParse(wanted, ignoreCase: true, out AssistanceStatus filter))
                {
                    throw new IncidentInputException($"--status: \"{wanted}\" is not open, acknowledged, answered, overdue or declined.");
                }

                cases = [.. cases.Where(c => c.Status == filter)];
            }

            if (parse.GetValue(IncidentOptions.Json))
            {
                JsonArray array = new([.. cases.Select(c => (JsonNode)CaseJson(c, workspace))]);
                Console.Out.WriteLine(array.ToJsonString(Indented));
                return ExitCodes.Ok;
            }

            // One block per request, readable at 80 columns: no line holds more than one field that can be long, and the id
            // (what ack, answer and show take) stays whole on its own line.
            foreach (AssistanceCase c in cases)
            {
                AnsiConsole.MarkupLine($"[bold]{Markup.Escape(c.Subject)}[/]");
                AnsiConsole.MarkupLine($"  {Markup.Escape(Name(workspace, c.Requester))} → {Markup.Escape(Name(workspace, c.Recipient))}, {Markup.Escape(c.Severity)}: {StatusMarkup(c.Status)}");
                AnsiConsole.MarkupLine(Markup.Escape($"  filed {Short(c.Filed.LoggedAt)}, ack by {Short(c.AckDeadline)}, answer by {Short(c.AnswerDeadline)} (UTC)"));
                AnsiConsole.MarkupLine($"  [dim]{Markup.Escape(c.RequestId)}[/]");
            }

            Console.Out.WriteLine($"{cases.Count} request(s); {cases.Count(c => c.Status == AssistanceStatus.Overdue)} overdue.");
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Show()
    {
        Argument<string> request = new("request") { Description = "The request's id." };
        Command command = new("show", "Show a request's timeline and verify every message (signature, inclusion proof, checkpoint).") { request };
        command.SetAction(async (parse, ct) =>
        {
            using IIncidentTarget workspace = await IncidentTargets.OpenAsync(parse, ct).ConfigureAwait(false);
            string id = parse.GetValue(request)!;
            AssistanceCase c = (await AssistanceTracker.GetCasesAsync(await workspace.StoreAsync(ct).ConfigureAwait(false), TimeProvider.System, ct).ConfigureAwait(false)).FirstOrDefault(x => x.RequestId == id)
                               ?? throw new IncidentInputException($"No request {id} in the log.");
            List<long> indices = [c.Filed.Index];
            foreach (string evidence in c.EvidenceRefs)
            {
                indices.AddRange((await (await workspace.StoreAsync(ct).ConfigureAwait(false)).FindByObjectIdAsync(evidence, ct).ConfigureAwait(false)).Select(e => e.Index));
            }

            if (c.Acknowledged is { } a && a.Index != c.Responded?.Index)
            {
                indices.Add(a.Index);
            }

            if (c.Responded is { } r)
            {
                indices.Add(r.Index);
            }

            indices.Sort();
            int failures = 0;
            JsonArray timeline = [];
            Table table = new Table().AddColumns("#", "Logged at", "From", "Object", "Verified");
            IExchangeStore store = await workspace.StoreAsync(ct).ConfigureAwait(false);
            foreach (long index in indices)
            {
                ExchangeEntry entry = await store.GetAsync(index, ct).ConfigureAwait(false) ?? throw new IncidentInputException($"Entry {index} vanished from the exchange.");
                VerifiedProof proof = await workspace.ProveAsync(entry, ct).ConfigureAwait(false);
                IReadOnlyList<ProofFailure> problems = proof.Failures;
                failures += problems.Count;
                string verified = problems.Count == 0 ? proof.Checks : string.Join("; ", problems.Select(p => $"{p.Check}: {p.Message}"));
                table.AddRow(proof.Index.ToString(CultureInfo.InvariantCulture), entry.LoggedAtText, Markup.Escape(Name(workspace, entry.Sender)),
                    Markup.Escape($"{entry.ObjectType} {entry.ObjectId}"), problems.Count == 0 ? "[green]" + Markup.Escape(verified) + "[/]" : "[red]" + Markup.Escape(verified) + "[/]");
                timeline.Add(new JsonObject
                {
                    ["index"] = proof.Index,
                    ["logged_at"] = entry.LoggedAtText,
                    ["sender"] = entry.Sender,
                    ["object"] = entry.ObjectId,
                    ["verified"] = problems.Count == 0,
                    ["checks"] = proof.Checks,
                    ["failures"] = new JsonArray([.. problems.Select(p => (JsonNode)$"{p.Check}: {p.Message}"!)]),
                });
            }

            if (parse.GetValue(IncidentOptions.Json))
            {
                JsonObject json = CaseJson(c, workspace);
                json["timeline"] = timeline;
                Console.Out.WriteLine(json.ToJsonString(Indented));
            }
            else
            {
                AnsiConsole.MarkupLine($"[bold]{Markup.Escape(c.Subject)}[/] ({Markup.Escape(c.Severity)}) from {Markup.Escape(Name(workspace, c.Requester))} to {Markup.Escape(Name(workspace, c.Recipient))}: {StatusMarkup(c.Status)}");
                AnsiConsole.MarkupLine($"Acknowledge by {StixTimestamp.FormatMilliseconds(c.AckDeadline)}{(c.AcknowledgedLate ? " [red](late)[/]" : "")}, answer by {StixTimestamp.FormatMilliseconds(c.AnswerDeadline)}{(c.AnsweredLate ? " [red](late)[/]" : "")}");
                if (c.ResponseContent is not null)
                {
                    AnsiConsole.MarkupLine($"{Markup.Escape(c.Outcome ?? "")}: {Markup.Escape(c.ResponseContent)}");
                }

                AnsiConsole.Write(table);
            }

            return failures == 0 ? ExitCodes.Ok : ExitCodes.CheckFailed;
        });
        return command;
    }

    public static Command Export()
    {
        Option<string> output = new("--out") { Description = "Where to write the STIX 2.1 bundle.", Required = true };
        Option<string?> proofs = new("--proofs") { Description = "Where to write the proofs (default: <out>.proofs.json)." };
        Command command = new("export", "Export every public logged object as a STIX 2.1 bundle, with signatures, inclusion proofs and the checkpoint alongside; "
            + "readers-only messages (TLP:RED, TLP:AMBER, AMBER+STRICT, sealed, or of a collection that is not public) are left out, and the command says which and why.") { output, proofs };
        command.SetAction(async (parse, ct) =>
        {
            using IIncidentTarget workspace = await IncidentTargets.OpenAsync(parse, ct).ConfigureAwait(false);
            IExchangeStore store = await workspace.StoreAsync(ct).ConfigureAwait(false);
            long count = await store.CountAsync(ct).ConfigureAwait(false);
            string outPath = parse.GetValue(output)!;
            string proofsPath = parse.GetValue(proofs) ?? outPath + ".proofs.json";
            StixExport export = StixExporter.Build(await store.ReadRangeAsync(0, (int)Math.Min(count, int.MaxValue), ct).ConfigureAwait(false), workspace.Collections);
            int failures = 0;
            JsonArray proofList = [];
            async Task ProveAllAsync(ProgressTask? task)
            {
                foreach (ExchangeEntry entry in export.Included)
                {
                    VerifiedProof proof = await workspace.ProveAsync(entry, ct).ConfigureAwait(false);
                    failures += proof.Failures.Count;
                    proofList.Add(proof.Json);
                    task?.Increment(1);
                }
            }

            if (parse.GetValue(IncidentOptions.Json))
            {
                await ProveAllAsync(null).ConfigureAwait(false); // stdout carries only the JSON report
            }
            else
            {
                await AnsiConsole.Progress().StartAsync(progress => ProveAllAsync(progress.AddTask("Proving entries", maxValue: Math.Max(1, export.Included.Count)))).ConfigureAwait(false);
            }

            JsonObject proofsDocument = workspace.ProofsHeader();
            proofsDocument["entries"] = proofList;
            proofsDocument["left_out"] = new JsonArray([.. export.LeftOut.Select(o => (JsonNode)new JsonObject { ["index"] = o.Index, ["reason"] = o.Reason })]);
            await System.IO.File.WriteAllTextAsync(outPath, export.Bundle.ToJsonString(Indented), ct).ConfigureAwait(false);
            await System.IO.File.WriteAllTextAsync(proofsPath, proofsDocument.ToJsonString(Indented), ct).ConfigureAwait(false);
            if (parse.GetValue(IncidentOptions.Json))
            {
                Console.Out.WriteLine(new JsonObject
                {
                    ["bundle"] = outPath,
                    ["proofs"] = proofsPath,
                    ["exported"] = export.Included.Count,
                    ["left_out"] = new JsonArray([.. export.LeftOut.Select(o => (JsonNode)new JsonObject
                    {
                        ["index"] = o.Index,
                        ["object"] = o.ObjectId,
                        ["type"] = o.ObjectType,
                        ["reason"] = o.Reason,
                    })]),
                }.ToJsonString(Indented));
            }
            else
            {
                Console.Out.WriteLine($"Exported {export.Included.Count} of {count} object(s) to {outPath}; proofs in {proofsPath}.");
                foreach (ExportOmission o in export.LeftOut)
                {
                    Console.Out.WriteLine($"Left out #{o.Index} {o.ObjectType} {o.ObjectId}: {o.Reason}.");
                }
            }

            if (failures > 0)
            {
                await Console.Error.WriteLineAsync($"{failures} proof check(s) failed; the proofs file lists each message's checks.").ConfigureAwait(false);
                return ExitCodes.CheckFailed;
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task<(ExchangeEntry Entry, Party Requester)> FindRequestAsync(IIncidentTarget workspace, string id, CancellationToken ct)
    {
        IReadOnlyList<ExchangeEntry> found = await (await workspace.StoreAsync(ct).ConfigureAwait(false)).FindByObjectIdAsync(id, ct).ConfigureAwait(false);
        ExchangeEntry entry = found.FirstOrDefault(e => e.ObjectType == AssistanceTypes.Request)
                              ?? throw new IncidentInputException($"No request {id} in the log; `entente incident list` shows the requests.");
        return (entry, workspace.Find(entry.Sender));
    }

    private static IEnumerable<JsonNode> ReadStixFile(string path)
    {
        if (!System.IO.File.Exists(path))
        {
            throw new IncidentInputException($"Evidence file {path} not found.");
        }

        JsonNode root;
        try
        {
            root = JsonNode.Parse(System.IO.File.ReadAllBytes(path)) ?? throw new IncidentInputException($"{path}: empty.");
        }
        catch (JsonException e)
        {
            throw new IncidentInputException($"{path}: not JSON ({e.Message}).");
        }

        if (root is JsonObject o && o["type"]?.GetValue<string>() == "bundle")
        {
            return [.. (o["objects"]?.AsArray() ?? []).Select(x => x!.DeepClone())];
        }

        if (root is JsonArray list)
        {
            return [.. list.Select(x => x!.DeepClone())];
        }

        return [root];
    }

    private static void Report(ParseResult parse, ExchangeReceipt receipt, string what)
    {
        if (parse.GetValue(IncidentOptions.Json))
        {
            Console.Out.WriteLine(new JsonObject
            {
                ["object"] = receipt.Entry.ObjectId,
                ["index"] = receipt.Entry.Index,
                ["logged_at"] = receipt.Entry.LoggedAtText,
                ["already_present"] = receipt.AlreadyPresent,
            }.ToJsonString(Indented));
            return;
        }

        Console.Out.WriteLine($"{what}: log entry {receipt.Entry.Index} at {receipt.Entry.LoggedAtText}{(receipt.AlreadyPresent ? " (already present)" : "")}.");
    }

    private static string Short(DateTimeOffset at) => at.UtcDateTime.ToString("MM-dd HH:mm", CultureInfo.InvariantCulture);

    private static JsonObject CaseJson(AssistanceCase c, IIncidentTarget workspace) => new()
    {
        ["request"] = c.RequestId,
        ["from"] = Name(workspace, c.Requester),
        ["to"] = Name(workspace, c.Recipient),
        ["subject"] = c.Subject,
        ["priority"] = c.Severity,
        ["status"] = c.Status.ToString().ToLowerInvariant(),
        ["filed_at"] = StixTimestamp.FormatMicroseconds(c.Filed.LoggedAt),
        ["acknowledged_at"] = c.Acknowledged is { } a ? StixTimestamp.FormatMicroseconds(a.LoggedAt) : null,
        ["responded_at"] = c.Responded is { } r ? StixTimestamp.FormatMicroseconds(r.LoggedAt) : null,
        ["ack_deadline"] = StixTimestamp.FormatMilliseconds(c.AckDeadline),
        ["answer_deadline"] = StixTimestamp.FormatMilliseconds(c.AnswerDeadline),
        ["acknowledged_late"] = c.AcknowledgedLate,
        ["answered_late"] = c.AnsweredLate,
        ["outcome"] = c.Outcome,
        ["response"] = c.ResponseContent,
    };

    private static string Name(IIncidentTarget workspace, string identity) =>
        workspace.Parties.TryGetByIdentity(identity, out Party? p) ? p.Name : identity;

    private static string StatusMarkup(AssistanceStatus status) => status switch
    {
        AssistanceStatus.Overdue => "[red]overdue[/]",
        AssistanceStatus.Declined => "[yellow]declined[/]",
        AssistanceStatus.Answered => "[green]answered[/]",
        AssistanceStatus.Acknowledged => "[blue]acknowledged[/]",
        _ => "open",
    };
}
