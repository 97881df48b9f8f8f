using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Entente.Audit.Io;
using Entente.Cli.Commands.Audit;
using Entente.Cli.Commands.Election;
using Entente.Client.Board;
using Entente.Client.Http;
using Entente.Client.Log;
using Entente.Rolls;
using Entente.Transparency;
using Entente.Transparency.Notes;
using Entente.Transparency.Policy;

namespace Entente.Cli.Commands.Roll;

/// <summary>
/// The verbs of <c>entente roll</c> (docs/rolls.md). The authority's side keeps its database (personal data and salts)
/// in a folder (<c>--dir</c>, <see cref="RollRegistry"/>) and posts only commitments to the board with its charter key:
/// <c>init</c> opens the jurisdiction's roll, <c>change</c> imports a CSV of changes (every row checked before anything
/// is posted; a messy row refused with its row and column), <c>snapshot</c> posts the roll's Merkle root and counts.
/// The voter's side, <c>check</c>, recomputes the key and commitment from the notice and verifies the record's history
/// against the witnessed checkpoint (one inclusion proof). Errors go through <see cref="VerbAction"/>.
/// </summary>
internal static class RollVerbs
{
    /// <summary>The clock the authority's changes are stamped with; tests replace it.</summary>
    internal static TimeProvider Clock { get; set; } = TimeProvider.System;

    private static Option<string> Dir() => new("--dir") { Description = "The roll's folder: the authority's own database of voters and salts (never published).", Required = true };

    private static Option<string> Key() => new("--key") { Description = "Your charter key file (a member with the role authority).", Required = true };

    private static Option<bool> Json() => new("--json") { Description = "Print the outcome as JSON." };

    public static Command Init()
    {
        Option<string> dir = Dir();
        Option<string> jurisdiction = new("--jurisdiction") { Description = "The jurisdiction's id (A–Z, a–z, 0–9, '.', '_', '-').", Required = true };
        Option<string> precincts = new("--precincts") { Description = "Its precincts, comma-separated.", Required = true };
        Option<string?> reasons = new("--reasons") { Description = $"Reason codes changes may give, comma-separated (default: {string.Join(",", RollArtifacts.DefaultReasons)})." };
        Option<string> board = new("--board") { Description = "The board, e.g. http://127.0.0.1:5080/.", Required = true };
        Option<string> key = Key();
        Option<bool> json = Json();
        Command command = new("init", "Open a jurisdiction's roll on the board and make the authority's database folder.") { dir, jurisdiction, precincts, reasons, board, key, json };
        command.SetAction(async (parse, ct) =>
        {
            Uri url = AuditBoard.Url(parse.GetValue(board)!);
            using Ed25519NoteSigner signer = ElectionPlaceOptions.ReadKey(parse.GetValue(key)!);
            RollInit init = new(Token(parse.GetValue(jurisdiction)!, "--jurisdiction"), Codes(parse.GetValue(precincts)!, "--precincts"),
                parse.GetValue(reasons) is string r ? Codes(r, "--reasons") : RollArtifacts.DefaultReasons);
            string folder = parse.GetValue(dir)!;
            if (File.Exists(Path.Combine(folder, RollRegistry.FileName)))
            {
                throw new UsageException($"--dir: {folder} keeps a roll already.");
            }

            using BoardClient client = new(url, signer, retry: RetryPolicy.Default);
            BoardPostOutcome outcome = await client.PublishAsync(new BoardTarget("roll-inits", init.Jurisdiction, RollArtifacts.InitType, false, false), RollArtifacts.Write(init), ct);
            RollRegistry.Create(folder, url, init);
            await Write(parse, json, new { jurisdiction = init.Jurisdiction, precincts = init.Precincts, reasons = init.Reasons, state = outcome.State.ToString() },
                $"Opened the roll of {init.Jurisdiction} ({init.Precincts.Count} precincts) on {url.AbsoluteUri}{(outcome.State == BoardPostState.AlreadyLogged ? " (it was already there)" : "")}; the database is {Path.Combine(folder, RollRegistry.FileName)}.");
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Change()
    {
        Option<string> dir = Dir();
        Option<string> csv = new("--csv") { Description = "The changes: columns op (add|update|remove), voter_id, reason, and as needed precinct, name, birth_date, address, at.", Required = true };
        Option<string?> notices = new("--notices") { Description = "Append the new registrations' notices (voter_id, salt) to this CSV, to send to the voters." };
        Option<string> key = Key();
        Option<bool> json = Json();
        Command command = new("change", "Import a CSV of roll changes: check every row, then log each change (commitments only) on the board.") { dir, csv, notices, key, json };
        command.SetAction(async (parse, ct) =>
        {
            RollRegistry registry = RollRegistry.Open(parse.GetValue(dir)!);
            using Ed25519NoteSigner signer = ElectionPlaceOptions.ReadKey(parse.GetValue(key)!);
            IReadOnlyList<PlannedChange> plan = RollChangeFile.Plan(CsvTable.Load(parse.GetValue(csv)!), registry, signer.Name, Clock);
            using BoardClient client = new(new Uri(registry.Data.Board), signer, retry: RetryPolicy.Default);
            StringBuilder notes = new();
            int logged = 0;
            foreach (PlannedChange p in plan)
            {
                await client.PublishAsync(new BoardTarget("roll-changes", p.Change.Id, p.Change.Type, false, false), p.Artifact, ct);
                registry.Data.Voters[p.VoterId] = p.After;
                logged++;
                if (p.NewSalt is not null)
                {
                    notes.Append(CultureInfo.InvariantCulture, $"{p.VoterId},{p.NewSalt}\n");
                }

                if (logged % 500 == 0)
                {
                    registry.Save(); // a long import keeps what is logged even if it stops half way
                }
            }

            registry.Save();
            if (parse.GetValue(notices) is string file && notes.Length > 0)
            {
                bool header = !File.Exists(file);
                await File.AppendAllTextAsync(file, (header ? "voter_id,salt\n" : "") + notes, ct);
            }

            int adds = plan.Count(p => p.Change.Operation == RollOperation.Add);
            int removes = plan.Count(p => p.Change.Operation == RollOperation.Remove);
            await Write(parse, json, new { logged, adds, updates = logged - adds - removes, removes },
                $"Logged {logged} change(s) of the roll of {registry.Data.Jurisdiction}: {adds} added, {logged - adds - removes} updated, {removes} removed.");
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Snapshot()
    {
        Option<string> dir = Dir();
        Option<string> key = Key();
        Option<bool> json = Json();
        Command command = new("snapshot", "Post the roll's snapshot: the Merkle root of the registered records and the count per precinct (the board checks it is the roll the log built).") { dir, key, json };
        command.SetAction(async (parse, ct) =>
        {
            RollRegistry registry = RollRegistry.Open(parse.GetValue(dir)!);
            using Ed25519NoteSigner signer = ElectionPlaceOptions.ReadKey(parse.GetValue(key)!);
            Uri board = new(registry.Data.Board);
            using HttpClient http = new(new RetryHandler()) { BaseAddress = board };
            int number = (await http.ListAsync("roll-snapshots", ct)).Count(a => a.Id.StartsWith(registry.Data.Jurisdiction + ":", StringComparison.Ordinal)) + 1;
            RollSnapshot snapshot = registry.Ledger(signer.Name).Rolls[registry.Data.Jurisdiction].Snapshot(number, Clock.GetUtcNow());
            using BoardClient client = new(board, signer, retry: RetryPolicy.Default);
            await client.PublishAsync(new BoardTarget("roll-snapshots", snapshot.Id, RollArtifacts.SnapshotType, false, false), RollArtifacts.Write(snapshot), ct);
            await Write(parse, json, new { id = snapshot.Id, root = snapshot.Root.ToHex(), size = snapshot.Size, precincts = snapshot.Precincts },
                $"Logged snapshot {snapshot.Id}: {snapshot.Size} registered, root {snapshot.Root.ToHex()}.");
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Check()
    {
        Option<string> board = new("--board") { Description = "The board.", Required = true };
        Option<string> policy = new("--policy") { Description = "The witness policy (C2SP tlog-policy) the checkpoint must satisfy: the log key and the witnesses you trust.", Required = true };
        Option<string> jurisdiction = new("--jurisdiction") { Description = "As on your notice.", Required = true };
        Option<string> voterId = new("--voter-id") { Description = "As on your notice.", Required = true };
        Option<string> precinct = new("--precinct") { Description = "As on your notice.", Required = true };
        Option<string> name = new("--name") { Description = "As on your notice.", Required = true };
        Option<string> birth = new("--birth-date") { Description = "YYYY-MM-DD.", Required = true };
        Option<string> address = new("--address") { Description = "As on your notice.", Required = true };
        Option<string> salt = new("--salt") { Description = "The salt on your notice (32 hex digits).", Required = true };
        Option<bool> json = Json();
        Command command = new("check", "Check your registration: recompute your record's commitment and verify its history on the witnessed log (exit 0 registered as you hold it, 1 otherwise).")
        {
            board, policy, jurisdiction, voterId, precinct, name, birth, address, salt, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            TrustPolicy trust = TrustPolicy.Parse(await File.ReadAllTextAsync(parse.GetValue(policy)!, ct));
            VoterRecord record = VoterRecord.Create(parse.GetValue(jurisdiction)!, parse.GetValue(voterId)!, parse.GetValue(precinct)!, parse.GetValue(name)!, parse.GetValue(birth)!, parse.GetValue(address)!);
            byte[] s = RollCommitments.ParseSalt(parse.GetValue(salt)!);
            Hash256 key = RollCommitments.Key(s, record);
            Hash256 mine = RollCommitments.Commitment(s, record);
            using HttpClient http = new(new RetryHandler()) { BaseAddress = AuditBoard.Url(parse.GetValue(board)!) };
            RollCheckDocument? document = await FetchAsync(http, key, ct);
            RollCheckResult result = RollHistoryCheck.Verify(document, key, mine, c => CheckpointVerification.Check(c, null, trust).Failures);
            string verdict = result.Verdict.ToString().ToLowerInvariant();
            StringBuilder text = new(result.Verdict switch
            {
                RollVerdict.Registered => "Registered: the log's current record is exactly your details.",
                RollVerdict.Removed => $"Removed: your registration was removed on {RollArtifacts.Time(result.History[^1].Change.At)} (reason {result.History[^1].Change.Reason}, log entry {result.History[^1].Index}).",
                RollVerdict.Changed => $"Changed: your details are an older version; the record was changed on {RollArtifacts.Time(result.History[^1].Change.At)} (reason {result.History[^1].Change.Reason}).",
                RollVerdict.Mismatch => "Does not match: no logged version of your record has these details (changed without a log entry, or mistyped).",
                RollVerdict.NotOnLog => "Not on the log: no change of a record with your key was ever logged.",
                _ => "NOT verified: " + result.Failure,
            });
            foreach ((long index, RollChange c) in result.History)
            {
                text.Append(CultureInfo.InvariantCulture, $"\n  v{c.Version} {c.Operation.ToString().ToLowerInvariant(),-6} {RollArtifacts.Time(c.At)} {c.Reason} precinct {c.Precinct} entry {index}{(c.Commitment == mine ? " (your details)" : "")}");
            }

            await Write(parse, json, new
            {
                verdict,
                key = key.ToHex(),
                failure = result.Failure,
                history = result.History.Select(h => new { index = h.Index, version = h.Change.Version, op = h.Change.Operation.ToString().ToLowerInvariant(), at = RollArtifacts.Time(h.Change.At), reason = h.Change.Reason, precinct = h.Change.Precinct, yours = h.Change.Commitment == mine }),
            }, text.ToString());
            return result.Verdict == RollVerdict.Registered ? ExitCodes.Ok : ExitCodes.CheckFailed;
        });
        return command;
    }

    private static async Task<RollCheckDocument?> FetchAsync(HttpClient http, Hash256 key, CancellationToken ct)
    {
        string where = new Uri(http.BaseAddress!, "api/roll-check/" + key.ToHex()).AbsoluteUri;
        for (int attempt = 0; ; attempt++)
        {
            using HttpResponseMessage response = await http.GetAsync("api/roll-check/" + key.ToHex(), ct);
            if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                return null;
            }

            if (response.StatusCode == System.Net.HttpStatusCode.Conflict && attempt < 20)
            {
                await Task.Delay(500, ct); // not yet witnessed: the witnesses cosign within seconds
                continue;
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new BoardRequestException(where, (int)response.StatusCode, "Refused", await response.Content.ReadAsStringAsync(ct));
            }

            return await JsonSerializer.DeserializeAsync(await response.Content.ReadAsStreamAsync(ct), RollCliJsonContext.Default.RollCheckDocument, ct)
                ?? throw new BoardRequestException(where, 200, "Unreadable answer", "empty document");
        }
    }

    private static string Token(string value, string option) =>
        RollText.IsToken(value.Trim()) ? value.Trim() : throw new UsageException($"{option}: '{value}' is not a code of A–Z, a–z, 0–9, '.', '_', '-'.");

    private static List<string> Codes(string list, string option)
    {
        List<string> codes = [.. list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(c => Token(c, option)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        return codes.Count > 0 ? codes : throw new UsageException($"{option}: give at least one code.");
    }

    private static async Task Write(ParseResult parse, Option<bool> json, object value, string text)
    {
        TextWriter output = parse.InvocationConfiguration.Output;
        await output.WriteLineAsync(parse.GetValue(json) ? JsonSerializer.Serialize(value) : text);
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(RollCheckDocument))]
internal sealed partial class RollCliJsonContext : System.Text.Json.Serialization.JsonSerializerContext
{
}
