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
using Entente.Rolls.Results;
using Entente.Transparency.Notes;
using Entente.Transparency.Policy;

namespace Entente.Cli.Commands;

/// <summary>
/// <c>entente results post|list|verify|check</c> (docs/results.md): an authority posts a reporting unit's unofficial results (a
/// correction is the unit's next version, naming the one it corrects); anyone lists them, verifies the signed feed
/// against the authority's key and the witness policy, as the embeddable script does in a browser, and runs the
/// cross-checks on the log (turnout against the roll snapshot, the sum against the ElectionGuard tally). Errors go
/// through <see cref="VerbAction"/>.
/// </summary>
internal static class ResultsCommand
{
    /// <summary>The clock results are stamped with; tests replace it.</summary>
    internal static TimeProvider Clock { get; set; } = TimeProvider.System;

    public static Command Create()
    {
        Command command = new("results", "Unofficial results on the board: signed per reporting unit, verifiable by anyone.");
        command.Subcommands.Add(Post());
        command.Subcommands.Add(List());
        command.Subcommands.Add(Verify());
        command.Subcommands.Add(Check());
        return command;
    }

    private static Option<string> Board() => new("--board") { Description = "The board, e.g. http://127.0.0.1:5080/.", Required = true };

    private static Option<string> Jurisdiction() => new("--jurisdiction") { Description = "The jurisdiction.", Required = true };

    private static Option<bool> Json() => new("--json") { Description = "Print the outcome as JSON." };

    private static Command Post()
    {
        Option<string> board = Board();
        Option<string> key = new("--key") { Description = "Your charter key file (a member with the role authority).", Required = true };
        Option<string> jurisdiction = Jurisdiction();
        Option<string> unit = new("--unit") { Description = "The reporting unit (a precinct of the roll, or the jurisdiction itself).", Required = true };
        Option<long> ballots = new("--ballots") { Description = "Ballots counted in the unit.", Required = true };
        Option<string> csv = new("--csv") { Description = "The counts: columns contest, option, votes.", Required = true };
        Option<bool> correct = new("--correct") { Description = "Post a correction of the unit's latest results (required when the unit has reported)." };
        Option<bool> json = Json();
        Command command = new("post", "Post a reporting unit's unofficial results (or, with --correct, a correction naming what it corrects).") { board, key, jurisdiction, unit, ballots, csv, correct, json };
        command.SetAction(async (parse, ct) =>
        {
            Uri url = AuditBoard.Url(parse.GetValue(board)!);
            string j = parse.GetValue(jurisdiction)!.Trim();
            string u = parse.GetValue(unit)!.Trim();
            if (!RollText.IsToken(j) || !RollText.IsToken(u))
            {
                throw new UsageException("--jurisdiction and --unit are codes of A–Z, a–z, 0–9, '.', '_', '-'.");
            }

            if (parse.GetValue(ballots) < 0)
            {
                throw new UsageException("--ballots: a number ≥ 0.");
            }

            CsvTable table = CsvTable.Load(parse.GetValue(csv)!);
            table.RequireColumns(["contest", "option", "votes"], []);
            List<ContestCount> contests = [];
            foreach (IGrouping<string, CsvRow> group in table.Rows.GroupBy(r => table.Text(r, "contest")))
            {
                if (!RollText.IsToken(group.Key))
                {
                    throw table.Error(group.First(), "contest", $"\"{group.Key}\" is not a code of A–Z, a–z, 0–9, '.', '_', '-'.");
                }

                List<OptionCount> options = [];
                foreach (CsvRow row in group)
                {
                    string option = table.Text(row, "option");
                    if (!RollText.IsToken(option) || options.Any(o => o.Option == option))
                    {
                        throw table.Error(row, "option", $"\"{option}\" is not a code, or appears twice in the contest.");
                    }

                    options.Add(new OptionCount(option, table.Count(row, "votes")));
                }

                contests.Add(new ContestCount(group.Key, options));
            }

            if (contests.Count == 0)
            {
                throw new AuditInputException(table.File, 0, "", "The file has no counts.");
            }

            using HttpClient http = new(new RetryHandler()) { BaseAddress = url };
            int latest = (await http.ListAsync("results", ct)).Select(a => a.Id).Where(id => id.StartsWith($"{j}:{u}:", StringComparison.Ordinal))
                .Select(id => int.Parse(id[(id.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture)).DefaultIfEmpty(0).Max();
            if (latest > 0 && !parse.GetValue(correct))
            {
                throw new UsageException($"unit {u} of {j} has reported already (version {latest}); post a correction with --correct.");
            }

            if (latest == 0 && parse.GetValue(correct))
            {
                throw new UsageException($"unit {u} of {j} has not reported yet: there is nothing to correct.");
            }

            UnitResults results = new(j, u, latest + 1, parse.GetValue(ballots), contests, latest == 0 ? null : UnitResults.IdOf(j, u, latest), RollArtifacts.ToSecond(Clock.GetUtcNow()));
            using Ed25519NoteSigner signer = ElectionPlaceOptions.ReadKey(parse.GetValue(key)!);
            using BoardClient client = new(url, signer, retry: RetryPolicy.Default);
            await client.PublishAsync(new BoardTarget("results", results.Id, UnitResults.Type, false, false), results.Write(), ct);
            await parse.InvocationConfiguration.Output.WriteLineAsync(parse.GetValue(json)
                ? JsonSerializer.Serialize(new { id = results.Id, seq = results.Seq, corrects = results.Corrects })
                : $"Logged the results of unit {u} of {j} as {results.Id}{(results.Corrects is null ? "" : $", correcting {results.Corrects}")}.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List()
    {
        Option<string> board = Board();
        Option<string?> jurisdiction = new("--jurisdiction") { Description = "Only this jurisdiction." };
        Option<bool> json = Json();
        Command command = new("list", "List the results on the board: every version of every unit, in log order (not verified; see verify).") { board, jurisdiction, json };
        command.SetAction(async (parse, ct) =>
        {
            using HttpClient http = new(new RetryHandler()) { BaseAddress = AuditBoard.Url(parse.GetValue(board)!) };
            string? j = parse.GetValue(jurisdiction);
            List<BoardArtifact> items = [.. (await http.ListAsync("results", ct)).Where(a => j is null || a.Id.StartsWith(j + ":", StringComparison.Ordinal))];
            StringBuilder text = new();
            foreach (BoardArtifact a in items)
            {
                text.Append(CultureInfo.InvariantCulture, $"{a.Id}  entry {a.Index}  sha256 {a.Sha256}\n");
            }

            await parse.InvocationConfiguration.Output.WriteAsync(parse.GetValue(json)
                ? JsonSerializer.Serialize(items.Select(a => new { id = a.Id, index = a.Index, sha256 = a.Sha256 })) + "\n"
                : items.Count == 0 ? "No results on the board.\n" : text.ToString());
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Verify()
    {
        Option<string> board = Board();
        Option<string> jurisdiction = Jurisdiction();
        Option<string> policy = new("--policy") { Description = "The witness policy (C2SP tlog-policy) the checkpoint must satisfy.", Required = true };
        Option<string> authority = new("--authority-key") { Description = "The authority's verifier key (name+id+key), or a file holding it: the key every entry must be signed with.", Required = true };
        Option<string?> feedFile = new("--feed") { Description = "Verify this saved feed (JSON) instead of fetching the board's." };
        Option<bool> json = Json();
        Command command = new("verify", "Verify a jurisdiction's signed results feed: each unit's entry signed by the authority, committing to its numbers, included in the witnessed checkpoint (exit 0 verified, 1 refused).")
        {
            board, jurisdiction, policy, authority, feedFile, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            TrustPolicy trust = TrustPolicy.Parse(await File.ReadAllTextAsync(parse.GetValue(policy)!, ct));
            string keyText = parse.GetValue(authority)!;
            INoteVerifier key = VerifierKeys.Parse(File.Exists(keyText) ? (await File.ReadAllTextAsync(keyText, ct)).Trim() : keyText);
            string j = parse.GetValue(jurisdiction)!;
            byte[] bytes;
            if (parse.GetValue(feedFile) is string file)
            {
                bytes = await File.ReadAllBytesAsync(file, ct);
            }
            else
            {
                using HttpClient http = new(new RetryHandler()) { BaseAddress = AuditBoard.Url(parse.GetValue(board)!) };
                using HttpResponseMessage response = await http.GetAsync("api/results/" + Uri.EscapeDataString(j), ct);
                if (!response.IsSuccessStatusCode)
                {
                    throw new BoardRequestException(new Uri(http.BaseAddress!, "api/results/" + Uri.EscapeDataString(j)).AbsoluteUri, (int)response.StatusCode, "No feed", await response.Content.ReadAsStringAsync(ct));
                }

                bytes = await response.Content.ReadAsByteArrayAsync(ct);
            }

            ResultsFeed feed = JsonSerializer.Deserialize(bytes, ResultsJsonContext.Default.ResultsFeed) ?? throw new FormatException("the feed is empty.");
            (IReadOnlyList<UnitResults> units, IReadOnlyList<string> failures) = feed.Jurisdiction != j
                ? ([], [$"the feed is of {feed.Jurisdiction}, not {j}"])
                : ResultsFeedCheck.Verify(feed, key, c => CheckpointVerification.Check(c, null, trust).Failures);
            StringBuilder text = new(failures.Count == 0 ? $"Verified: {units.Count} reporting unit(s) of {j}, each signed by {key.Name} and in the witnessed log.\n" : $"NOT verified: {failures.Count} problem(s).\n");
            foreach (string f in failures)
            {
                text.Append("  ").Append(f).Append('\n');
            }

            foreach (UnitResults u in units)
            {
                text.Append(CultureInfo.InvariantCulture, $"  {u.Unit} v{u.Seq}: {u.Ballots} ballots; ").Append(string.Join("; ", u.Contests.Select(c => c.Contest + " " + string.Join(", ", c.Options.Select(o => $"{o.Option} {o.Votes}"))))).Append('\n');
            }

            await parse.InvocationConfiguration.Output.WriteAsync(parse.GetValue(json)
                ? JsonSerializer.Serialize(new { verified = failures.Count == 0, failures, units = units.Select(u => new { unit = u.Unit, seq = u.Seq, ballots = u.Ballots }) }) + "\n"
                : text.ToString());
            return failures.Count == 0 ? ExitCodes.Ok : ExitCodes.CheckFailed;
        });
        return command;
    }

    private static Command Check()
    {
        Option<string> board = Board();
        Option<string?> jurisdiction = new("--jurisdiction") { Description = "Only this jurisdiction's turnout (the tally is compared with every unit's results)." };
        Option<bool> json = Json();
        Command command = new("check", "Cross-check the results on the log: each unit's ballots against the registered voters of the roll snapshot logged before them (turnout), and the sum of the results against the ElectionGuard tally when the log holds one (exit 0 consistent, 1 a check failed).")
        {
            board, jurisdiction, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            Uri url = AuditBoard.Url(parse.GetValue(board)!);
            ResultsCrossCheckResult result = ResultsCrossCheck.Check(await ReadLoggedAsync(url, ct), parse.GetValue(jurisdiction));
            if (parse.GetValue(json))
            {
                await parse.InvocationConfiguration.Output.WriteLineAsync(JsonSerializer.Serialize(new
                {
                    ok = result.Ok,
                    failures = result.Failures,
                    turnout = result.Turnout.Select(t => new { jurisdiction = t.Jurisdiction, unit = t.Unit, results = t.Results, resultsIndex = t.ResultsIndex, ballots = t.Ballots, snapshot = t.Snapshot, snapshotIndex = t.SnapshotIndex, registered = t.Registered, percent = t.Percent, exceeds = t.Exceeds }),
                    tallyEntry = result.TallyEntry,
                    tally = result.Tally.Select(c => new { contest = c.Contest, option = c.Option, tally = c.Tally, results = c.Results, matches = c.Matches }),
                }));
            }
            else
            {
                StringBuilder text = new(result.Ok ? "Consistent: every check on the log passes.\n" : $"NOT consistent: {result.Failures.Count} failed check(s).\n");
                foreach (string f in result.Failures)
                {
                    text.Append("  ").Append(f).Append('\n');
                }

                text.Append("Turnout (ballots counted / registered in the snapshot logged before the results):\n");
                foreach (UnitTurnout t in result.Turnout)
                {
                    text.Append(CultureInfo.InvariantCulture, $"  {t.Jurisdiction} {t.Unit}: {t.Ballots} / ")
                        .Append(t.Registered is long r ? string.Create(CultureInfo.InvariantCulture, $"{r} ({t.Percent?.ToString("0.0", CultureInfo.InvariantCulture) ?? "-"} %) snapshot {t.Snapshot}") : "no snapshot before the results")
                        .Append(t.Exceeds ? "  EXCEEDS" : "").Append('\n');
                }

                text.Append(result.TallyEntry is long tallyIndex
                    ? string.Create(CultureInfo.InvariantCulture, $"ElectionGuard tally (entry {tallyIndex}): {result.Tally.Count(c => c.Matches)} of {result.Tally.Count} option(s) equal the sum of the results.\n")
                    : "No ElectionGuard tally on the log: nothing to compare the sum with.\n");
                await parse.InvocationConfiguration.Output.WriteAsync(text.ToString());
            }

            return result.Ok ? ExitCodes.Ok : ExitCodes.CheckFailed;
        });
        return command;
    }

    /// <summary>The roll snapshots, unofficial results and decrypted tally on the board, each checked against its entry's SHA-256.</summary>
    internal static async Task<List<LoggedArtifact>> ReadLoggedAsync(Uri board, CancellationToken ct)
    {
        using HttpClient http = new(new RetryHandler()) { BaseAddress = board };
        List<LoggedArtifact> entries = [];
        foreach (string collection in new[] { "roll-snapshots", "results" })
        {
            foreach (BoardArtifact a in await http.ListAsync(collection, ct))
            {
                byte[] bytes = await http.ReadArtifactAsync($"board/{collection}/{Uri.EscapeDataString(a.Id)}", a.Sha256, ct)
                    ?? throw new BoardRequestException(new Uri(board, $"board/{collection}/{a.Id}").AbsoluteUri, 404, "Listed but not served", $"{a.Id} is listed by the board but not served");
                entries.Add(new LoggedArtifact(a.Index, a.Type, bytes));
            }
        }

        using HttpResponseMessage tally = await http.GetAsync("board/tally", ct);
        if (tally.IsSuccessStatusCode)
        {
            byte[] bytes = await tally.Content.ReadAsByteArrayAsync(ct);
            string where = new Uri(board, "board/tally").AbsoluteUri;
            if (!tally.Headers.TryGetValues("Entente-Log-Index", out IEnumerable<string>? values) || !long.TryParse(values.First(), NumberStyles.None, CultureInfo.InvariantCulture, out long index)
                || !string.Equals(tally.Headers.ETag?.Tag.Trim('"'), Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)), StringComparison.OrdinalIgnoreCase))
            {
                throw new BoardRequestException(where, null, "Artifact does not match its entry", "the tally served has no log index or does not hash to its entry's SHA-256", corrupt: true);
            }

            entries.Add(new LoggedArtifact(index, ResultsCrossCheck.TallyType, bytes));
        }

        return entries;
    }

    /// <summary>Every unofficial results entry on the board, as the audit compares them.</summary>
    internal static async Task<IReadOnlyList<Entente.Audit.Trail.PublishedUnitResults>> PublishedAsync(Uri board, CancellationToken ct)
    {
        using HttpClient http = new(new RetryHandler()) { BaseAddress = board };
        List<Entente.Audit.Trail.PublishedUnitResults> published = [];
        foreach (BoardArtifact a in await http.ListAsync("results", ct))
        {
            byte[] bytes = await http.ReadArtifactAsync($"board/results/{Uri.EscapeDataString(a.Id)}", a.Sha256, ct)
                ?? throw new BoardRequestException(new Uri(board, $"board/results/{a.Id}").AbsoluteUri, 404, "Listed but not served", $"{a.Id} is listed by the board but not served");
            published.Add(UnitResults.Read(bytes).ToPublished(a.Index));
        }

        return published;
    }
}
