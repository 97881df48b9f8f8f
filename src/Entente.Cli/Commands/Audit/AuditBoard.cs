using System.CommandLine;
using Entente.Audit.Io;
using Entente.Audit.Trail;
using Entente.Audit.Workflow;
using Entente.Cli.Commands.Election;
using Entente.Client.Board;
using Entente.Client.Http;
using Entente.Transparency.Notes;

namespace Entente.Cli.Commands.Audit;

/// <summary>
/// The audit's own steps on a board (docs/audit.md, "The audit's steps as log entries"): posting the inputs at init and
/// each round's sample with <c>--board URL --key KEY</c>, and reading every entry of an audit back for
/// <c>entente audit verify --board</c>.
/// </summary>
internal static class AuditBoard
{
    private static readonly (string Collection, string Type)[] Collections =
    [
        ("audit-inputs", AuditTrailArtifacts.InputsType), ("audit-uploads", AuditTrailArtifacts.UploadType), ("audit-commits", Entente.Audit.Seed.SeedArtifacts.CommitType),
        ("audit-reveals", Entente.Audit.Seed.SeedArtifacts.RevealType), ("audit-dice", Entente.Audit.Seed.SeedArtifacts.DiceType),
        ("audit-rounds", AuditTrailArtifacts.RoundType), ("audit-boards", AuditTrailArtifacts.BoardType), ("audit-readings", AuditTrailArtifacts.ReadingType),
        ("audit-tallies", AuditTrailArtifacts.TallyType), ("audit-signoffs", AuditTrailArtifacts.SignOffType),
    ];

    public static Option<string> BoardOption(string what) => new("--board") { Description = $"Log {what} on the board at this URL (signed with --key)." };

    public static Option<string> KeyOption() => new("--key") { Description = "With --board: your charter key file (a member with the role auditor)." };

    /// <summary>The board URL and key when --board is given; null otherwise.</summary>
    public static (Uri Board, Ed25519NoteSigner Key)? Read(ParseResult parseResult, Option<string> board, Option<string> key)
    {
        if (parseResult.GetValue(board) is not string url)
        {
            return parseResult.GetValue(key) is null ? null : throw new UsageException("--key goes with --board.");
        }

        return (Url(url), ElectionPlaceOptions.ReadKey(AuditCli.Require(parseResult, key)));
    }

    public static Uri Url(string url) =>
        Uri.TryCreate(url.EndsWith('/') ? url : url + "/", UriKind.Absolute, out Uri? uri) && uri.Scheme is "http" or "https" ? uri
            : throw new UsageException($"--board must be an http:// or https:// URL, not '{url}'.");

    /// <summary>
    /// How the audit's reported results differ from the unofficial results on the board (docs/audit.md "Reported results
    /// from the log"): empty when they agree or the board holds no published results; with <paramref name="auditId"/>,
    /// only results logged before the audit's first seed commitment count.
    /// </summary>
    public static IReadOnlyList<string> UnpublishedResults(Uri board, AuditSettings settings, string? auditId)
    {
        IReadOnlyList<PublishedUnitResults> published;
        long? firstCommit = null;
        try
        {
            published = ResultsCommand.PublishedAsync(board, CancellationToken.None).GetAwaiter().GetResult();
            if (auditId is not null && published.Count > 0)
            {
                using HttpClient http = new(new RetryHandler()) { BaseAddress = board };
                firstCommit = http.ListAsync("audit-commits").GetAwaiter().GetResult()
                    .Where(a => a.Id.StartsWith(auditId + ":", StringComparison.Ordinal)).Select(a => (long?)a.Index).Min();
            }
        }
        catch (BoardRequestException e)
        {
            throw new AuditInputException(e.Where, 0, "", $"{(e.Status is int s ? $"{s} " : "")}{e.Title}: {e.Detail}");
        }

        return PublishedResults.Compare(ReportedResults.Load(settings.ResultsPath), published, firstCommit);
    }

    /// <summary>Posts the audit's inputs (before any seed commitment) and binds the audit's seed to this board.</summary>
    public static int PostInputs(TextWriter output, TextWriter error, AuditDirectory audit, Uri board, Ed25519NoteSigner key)
    {
        audit.State.SeedBoard ??= board.AbsoluteUri;
        audit.Save();
        return SeedCommand.Post(output, error, board, key, new BoardTarget("audit-inputs", audit.State.AuditId, AuditTrailArtifacts.InputsType, false, false),
            AuditTrailArtifacts.Write(audit.InputsArtifact()), "the audit's inputs");
    }

    /// <summary>Posts a round's sample.</summary>
    public static int PostRound(TextWriter output, TextWriter error, AuditDirectory audit, AuditRound round, Uri board, Ed25519NoteSigner key) =>
        SeedCommand.Post(output, error, board, key, new BoardTarget("audit-rounds", audit.RoundId(round), AuditTrailArtifacts.RoundType, false, false),
            AuditTrailArtifacts.Write(audit.RoundArtifact(round)), $"round {round.Number}'s sample");

    /// <summary>
    /// Posts the readings of the current round's ballots <paramref name="ballots"/> (ballot keys) as the audit board
    /// <paramref name="auditBoard"/> read them: every contest of the results (on_ballot false when absent), or not found.
    /// A ballot read in an earlier round keeps that reading and is not posted again.
    /// </summary>
    public static int PostReadings(TextWriter output, TextWriter error, AuditDirectory audit, IEnumerable<string> ballots, string auditBoard, Uri board, Ed25519NoteSigner key)
    {
        AuditRound round = audit.CurrentRound ?? throw new UsageException("No ballots have been sampled yet.");
        HashSet<string> earlier = [.. audit.State.Rounds.Where(r => r.Number < round.Number).SelectMany(r => r.Draws).Select(d => d.BallotKey)];
        IReadOnlyDictionary<string, BallotReading> readings = audit.Readings();
        HashSet<string> missing = [.. audit.Missing().Select(m => m.Draw.BallotKey)];
        using BoardClient client = new(board, key, retry: RetryPolicy.Default);
        int posted = 0;
        try
        {
            foreach (string ballot in ballots.Distinct(StringComparer.Ordinal).Where(b => !earlier.Contains(b)))
            {
                AuditDraw draw = round.Draws.First(d => d.BallotKey == ballot);
                if (missing.Contains(ballot) || !readings.TryGetValue(ballot, out BallotReading? reading))
                {
                    throw new UsageException($"Ballot {draw.Batch} #{draw.Position} is not read for every contest yet; a reading goes on the board whole (every contest, or not found).");
                }

                AuditReadingArtifact artifact = new(audit.State.AuditId, round.Number, auditBoard, draw.Tabulator, draw.Batch, draw.Position, !reading.NotFound,
                    reading.NotFound ? [] : [.. audit.Contests.Select(c => reading.Contests.TryGetValue(c.Name, out IReadOnlySet<string>? marks)
                        ? new AuditContestReading(c.Name, true, [.. c.Choices.Select(x => x.Name).Where(marks.Contains)])
                        : new AuditContestReading(c.Name, false, []))]);
                client.PublishAsync(new BoardTarget("audit-readings", artifact.Id, AuditTrailArtifacts.ReadingType, false, false), AuditTrailArtifacts.Write(artifact)).GetAwaiter().GetResult();
                posted++;
            }
        }
        catch (BoardRequestException e)
        {
            error.WriteLine($"error: {posted} reading(s) logged, then: " + CliSupport.OneLine(e.Message));
            return e.Corrupt || e.Status == 422 ? ExitCodes.CheckFailed : ExitCodes.UsageOrInput;
        }

        output.WriteLine($"Logged {posted} ballot reading(s) of round {round.Number} on the board.");
        return ExitCodes.Ok;
    }

    /// <summary>Posts <paramref name="auditBoard"/>'s sign-off of its share of the current round, naming its two members.</summary>
    public static int PostSignOff(TextWriter output, TextWriter error, AuditDirectory audit, string auditBoard, IReadOnlyList<string> members, Uri board, Ed25519NoteSigner key)
    {
        AuditRound round = audit.CurrentRound ?? throw new UsageException("No round to sign off.");
        AuditSignOffArtifact signOff = new(audit.State.AuditId, round.Number, auditBoard, members);
        return SeedCommand.Post(output, error, board, key, new BoardTarget("audit-signoffs", signOff.Id, AuditTrailArtifacts.SignOffType, false, false),
            AuditTrailArtifacts.Write(signOff), $"{auditBoard}'s sign-off of its share of round {round.Number}");
    }

    /// <summary>
    /// Posts the hand tally of batch <paramref name="tabulator"/>/<paramref name="batch"/> for <paramref name="contest"/> as
    /// recorded in the directory (every choice of the contest, 0 for a choice left out), counted by <paramref name="auditBoard"/>.
    /// </summary>
    public static int PostTally(TextWriter output, TextWriter error, AuditDirectory audit, string? tabulator, string batch, string contest, string auditBoard, Uri board, Ed25519NoteSigner key)
    {
        AuditRound round = audit.CurrentRound ?? throw new UsageException("No batches have been drawn yet.");
        BatchCount count = audit.BatchCounts.Last(c => c.Tabulator == tabulator && c.Batch == batch && c.Contest == contest);
        Entente.Audit.Statistics.ReportedContest c = audit.Contests.First(x => x.Name == contest);
        AuditTallyArtifact tally = new(audit.State.AuditId, round.Number, auditBoard, count.Tabulator, count.Batch, contest,
            [.. c.Choices.Select(x => new AuditChoiceCount(x.Name, count.Votes.GetValueOrDefault(x.Name)))]);
        return SeedCommand.Post(output, error, board, key, new BoardTarget("audit-tallies", tally.Id, AuditTrailArtifacts.TallyType, false, false),
            AuditTrailArtifacts.Write(tally), $"the tally of batch {batch}, {contest}");
    }

    /// <summary>Every log entry of the audit on the board, each checked against the SHA-256 of its index entry.</summary>
    public static async Task<IReadOnlyList<AuditTrailEntry>> ReadAsync(Uri board, string auditId, CancellationToken cancellationToken)
    {
        using HttpClient http = new(new RetryHandler()) { BaseAddress = board };
        List<AuditTrailEntry> entries = [];
        try
        {
            foreach ((string collection, string type) in Collections)
            {
                foreach (BoardArtifact artifact in await http.ListAsync(collection, cancellationToken).ConfigureAwait(false))
                {
                    if (artifact.Id != auditId && !artifact.Id.StartsWith(auditId + ":", StringComparison.Ordinal))
                    {
                        continue;
                    }

                    string path = $"board/{collection}/{Uri.EscapeDataString(artifact.Id)}";
                    byte[] bytes = await http.ReadArtifactAsync(path, artifact.Sha256, cancellationToken).ConfigureAwait(false)
                        ?? throw new AuditInputException(board.AbsoluteUri + path, 0, "", "listed by the board but not served");
                    entries.Add(new AuditTrailEntry(artifact.Index, collection == "audit-boards" ? artifact.Type : type, bytes) { Party = artifact.Party });
                }
            }
        }
        catch (BoardRequestException e)
        {
            throw new AuditInputException(e.Where, 0, "", $"{(e.Status is int s ? $"{s} " : "")}{e.Title}: {e.Detail}");
        }

        return entries;
    }
}
