using System.Globalization;
using System.Text;
using Entente.Audit.Io;
using Entente.Audit.Statistics;
using Entente.Audit.Workflow;

namespace Entente.Audit.Trail;

/// <summary>Why an audit step's entry does not follow.</summary>
/// <param name="Message">What is wrong, naming the ballot or round.</param>
/// <param name="Conflict">True when the entry is well formed but comes at the wrong time (a duplicate, after sign-off, before its round).</param>
public sealed record AuditStepRefusal(string Message, bool Conflict);

/// <summary>One round of an audit as its entries built it: the sample, the readings so far, the sign-off and the risk it gave.</summary>
public sealed class AuditProgressRound
{
    private readonly Dictionary<string, AuditReadingArtifact> _readings = new(StringComparer.Ordinal);
    private readonly HashSet<string> _toRead;
    private readonly HashSet<string> _drawn;

    internal AuditProgressRound(AuditRoundArtifact sample, long firstDraw, IReadOnlySet<string> readBefore)
    {
        Sample = sample;
        FirstDraw = firstDraw;
        Ballots = [.. sample.Draws.Select(d => Key(d)).Distinct(StringComparer.Ordinal).Where(b => !readBefore.Contains(b))];
        _toRead = new HashSet<string>(Ballots, StringComparer.Ordinal);
        _drawn = sample.Draws.Select(d => Key(d)).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>True when ballot <paramref name="key"/> is to be read in this round.</summary>
    public bool IsToRead(string key) => _toRead.Contains(key);

    /// <summary>True when ballot <paramref name="key"/> was drawn in this round (perhaps read in an earlier one).</summary>
    public bool IsDrawn(string key) => _drawn.Contains(key);

    /// <summary>The round's sample as logged.</summary>
    public AuditRoundArtifact Sample { get; }

    /// <summary>The number of draws made before this round.</summary>
    public long FirstDraw { get; }

    /// <summary>
    /// The ballots of the sample to read (ballot keys), in ticket order of their first draw: a ballot read in an earlier
    /// round (drawn again) keeps that reading, as the retrieval list's "Already Audited" says.
    /// </summary>
    public IReadOnlyList<string> Ballots { get; }

    /// <summary>The readings on the board, by ballot key.</summary>
    public IReadOnlyDictionary<string, AuditReadingArtifact> Readings => _readings;

    /// <summary>The sign-off, once logged.</summary>
    public AuditSignOffArtifact? SignOff { get; internal set; }

    /// <summary>The risk per contest over every draw up to and including this round, once signed off.</summary>
    public AuditDecision? Decision { get; internal set; }

    internal void Add(AuditReadingArtifact reading) => _readings[reading.BallotKey] = reading;

    internal static string Key(AuditRoundDraw d) => $"{d.Tabulator}\u001f{d.Batch}\u001f{d.Position}";
}

/// <summary>
/// The rules an audit's rounds, readings and sign-offs follow on a board, applied to its entries in log order: one path,
/// used by the board when it accepts an entry and by <see cref="AuditTrailVerifier"/> when it recomputes the audit.
/// Each <c>Check…</c> says what is wrong with the next entry (null: it follows); each <c>Apply…</c> adds it.
/// A round comes after the sign-off of the one before it (ballot audits) and only while a contest is still open; a
/// reading is of a ballot in the sample of the round being read, once, before its sign-off, with the audit's contests
/// and choices; a sign-off needs every ballot of the round read, and then the risk is measured (AuditEngine) over
/// every signed-off draw.
/// </summary>
public sealed class AuditProgress
{
    private readonly List<AuditProgressRound> _rounds = [];
    private readonly Dictionary<string, AuditBoardArtifact> _boards = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long?> _revoked = new(StringComparer.Ordinal);

    /// <summary>Reads the committed inputs (throws <see cref="AuditInputException"/> when they cannot be read).</summary>
    public AuditProgress(AuditInputsArtifact inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        Inputs = inputs;
        Method = inputs.Method switch { "bravo" => AuditMethod.Bravo, "batch" => AuditMethod.Batch, _ => AuditMethod.Comparison };
        Manifest = BallotManifest.FromTable(CsvTable.Parse(File(inputs, "manifest.csv"), "manifest.csv"));
        Contests = ReportedResults.FromTable(CsvTable.Parse(File(inputs, "results.csv"), "results.csv"));
        Cvrs = Method == AuditMethod.Comparison ? CastVoteRecords.FromTable(CsvTable.Parse(File(inputs, "cvrs.csv"), "cvrs.csv")) : null;
    }

    /// <summary>The committed inputs.</summary>
    public AuditInputsArtifact Inputs { get; }

    /// <summary>The audit's method.</summary>
    public AuditMethod Method { get; }

    /// <summary>The committed manifest.</summary>
    public BallotManifest Manifest { get; }

    /// <summary>The committed reported results.</summary>
    public IReadOnlyList<ReportedContest> Contests { get; }

    /// <summary>The committed cast vote records (comparison audits).</summary>
    public IReadOnlyDictionary<BallotLocation, CastVoteRecord>? Cvrs { get; }

    /// <summary>The rounds so far.</summary>
    public IReadOnlyList<AuditProgressRound> Rounds => _rounds;

    /// <summary>The risk after the last signed-off round, or null before the first sign-off.</summary>
    public AuditDecision? Decision => _rounds.LastOrDefault(r => r.Decision is not null)?.Decision;

    /// <summary>The audit boards registered for this audit (<c>audit.board</c>), by name.</summary>
    public IReadOnlyDictionary<string, AuditBoardArtifact> Boards => _boards;

    /// <summary>The audit boards whose key is revoked, with the revocation's log index when known.</summary>
    public IReadOnlyDictionary<string, long?> Revoked => _revoked;

    /// <summary>What is wrong with registering <paramref name="board"/>, or null.</summary>
    public string? CheckBoard(AuditBoardArtifact board)
    {
        ArgumentNullException.ThrowIfNull(board);
        if (_boards.ContainsKey(board.Board))
        {
            return $"audit board \"{board.Board}\" is already registered for audit {board.AuditId}; a new key is a new board name.";
        }

        return _boards.Values.FirstOrDefault(b => b.Party == board.Party) is { } other
            ? $"this key is already audit board \"{other.Board}\"'s; each audit board has its own key."
            : null;
    }

    /// <summary>Adds a registration.</summary>
    public void ApplyBoard(AuditBoardArtifact board)
    {
        ArgumentNullException.ThrowIfNull(board);
        _boards.TryAdd(board.Board, board);
    }

    /// <summary>What is wrong with <paramref name="revoked"/>, or null.</summary>
    public string? CheckRevocation(AuditBoardRevokedArtifact revoked)
    {
        ArgumentNullException.ThrowIfNull(revoked);
        return !_boards.ContainsKey(revoked.Board) ? $"no audit board \"{revoked.Board}\" is registered for audit {revoked.AuditId}."
            : _revoked.ContainsKey(revoked.Board) ? $"audit board \"{revoked.Board}\"'s key is already revoked."
            : null;
    }

    /// <summary>Adds a revocation logged at <paramref name="index"/> (null when not known).</summary>
    public void ApplyRevocation(AuditBoardRevokedArtifact revoked, long? index)
    {
        ArgumentNullException.ThrowIfNull(revoked);
        _revoked.TryAdd(revoked.Board, index);
    }

    /// <summary>The registration whose key signs as <paramref name="party"/>, or null.</summary>
    public AuditBoardArtifact? BoardOfParty(string party) => _boards.Values.FirstOrDefault(b => b.Party == party);

    /// <summary>
    /// What is wrong with an entry of audit board <paramref name="board"/> (and, for a sign-off, naming
    /// <paramref name="members"/>) signed by the audit-board key <paramref name="party"/>, or null: the key is registered for
    /// this audit, not revoked, the entry names the key's board, and a sign-off names its registered members.
    /// </summary>
    public string? CheckSigner(string party, string board, IReadOnlyList<string>? members)
    {
        ArgumentNullException.ThrowIfNull(party);
        ArgumentNullException.ThrowIfNull(board);
        if (BoardOfParty(party) is not { } registered)
        {
            return $"{party} is not the key of an audit board registered for audit {Inputs.AuditId}.";
        }

        if (_revoked.TryGetValue(registered.Board, out long? at))
        {
            return $"the key of audit board \"{registered.Board}\" was revoked{(at is long i ? string.Create(CultureInfo.InvariantCulture, $" at log entry {i}") : "")}; its link no longer posts.";
        }

        if (registered.Board != board)
        {
            return $"the key is audit board \"{registered.Board}\"'s, but the entry is of \"{board}\".";
        }

        return members is not null && !members.SequenceEqual(registered.Members, StringComparer.Ordinal)
            ? $"the sign-off names {string.Join(" and ", members)}, but audit board \"{registered.Board}\"'s registered members are {string.Join(" and ", registered.Members)}."
            : null;
    }

    /// <summary>Reads the text of a committed input file.</summary>
    public static byte[] File(AuditInputsArtifact inputs, string name)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        return inputs.Files.FirstOrDefault(f => f.Name == name) is { } f ? Encoding.UTF8.GetBytes(f.Text)
            : throw new AuditInputException("audit.inputs", 0, "files", $"{name} is not among the committed inputs.");
    }

    /// <summary>What is wrong with <paramref name="round"/> as the next round, or null.</summary>
    public string? CheckRound(AuditRoundArtifact round)
    {
        ArgumentNullException.ThrowIfNull(round);
        if (round.Round != _rounds.Count + 1)
        {
            return $"it is round {round.Round} but round {_rounds.Count + 1} comes next.";
        }

        if (Method == AuditMethod.Batch || _rounds.Count == 0)
        {
            return null;
        }

        AuditProgressRound previous = _rounds[^1];
        if (previous.SignOff is null)
        {
            return $"round {previous.Sample.Round} is not signed off: its readings decide whether another round is needed.";
        }

        return previous.Decision is { AllConfirmed: true }
            ? $"every contest was confirmed after round {previous.Sample.Round}; no further round follows."
            : null;
    }

    /// <summary>Adds round <paramref name="round"/> (checked or trusted).</summary>
    public void ApplyRound(AuditRoundArtifact round)
    {
        ArgumentNullException.ThrowIfNull(round);
        _rounds.Add(new AuditProgressRound(round, _rounds.Sum(r => (long)r.Sample.Draws.Count),
            _rounds.SelectMany(r => r.Readings.Keys).ToHashSet(StringComparer.Ordinal)));
    }

    /// <summary>What is wrong with <paramref name="reading"/> as the next entry, or null.</summary>
    public AuditStepRefusal? CheckReading(AuditReadingArtifact reading) => ReadingProblem(reading, out bool conflict) is string problem ? new AuditStepRefusal(problem, conflict) : null;

    private string? ReadingProblem(AuditReadingArtifact reading, out bool conflict)
    {
        ArgumentNullException.ThrowIfNull(reading);
        string ballot = $"{(reading.Tabulator is null ? "" : reading.Tabulator + " / ")}{reading.Batch} #{reading.Position}";
        conflict = true;
        if (Method == AuditMethod.Batch)
        {
            return "a batch-comparison audit's hand counts are not board entries (docs/audit.md); it has no ballot readings.";
        }

        if (reading.Round > _rounds.Count)
        {
            return $"round {reading.Round} has not been drawn: no sample of it is on the board.";
        }

        AuditProgressRound round = _rounds[reading.Round - 1];
        if (round.SignOff is not null)
        {
            return $"round {reading.Round} was signed off by {round.SignOff.Board}; its readings are final.";
        }

        if (round.Readings.TryGetValue(reading.BallotKey, out AuditReadingArtifact? latest))
        {
            if (reading.Corrects is null)
            {
                return $"ballot {ballot} of round {reading.Round} already has a reading on the board (version {latest.Version}); a correction before sign-off names the version it corrects (\"corrects\": {latest.Version}).";
            }

            if (reading.Corrects != latest.Version)
            {
                return $"ballot {ballot} of round {reading.Round}: the correction names version {reading.Corrects}, but the latest reading on the board is version {latest.Version}.";
            }
        }
        else if (reading.Corrects is not null)
        {
            return $"ballot {ballot} of round {reading.Round} has no reading on the board to correct.";
        }

        conflict = false;

        if (!round.IsToRead(reading.BallotKey))
        {
            return round.IsDrawn(reading.BallotKey)
                ? $"ballot {ballot} was read in an earlier round; that reading stands."
                : $"ballot {ballot} was not drawn in round {reading.Round}.";
        }

        if (!reading.Found)
        {
            return null;
        }

        foreach (AuditContestReading c in reading.Contests)
        {
            ReportedContest? contest = Contests.FirstOrDefault(x => x.Name == c.Contest);
            if (contest is null)
            {
                return $"ballot {ballot}: no contest \"{c.Contest}\" in the committed results; contests: {string.Join(", ", Contests.Select(x => x.Name))}.";
            }

            if (c.Choices.FirstOrDefault(x => !contest.HasChoice(x)) is string stranger)
            {
                return $"ballot {ballot}: \"{stranger}\" is not a choice of \"{c.Contest}\"; choices: {string.Join(", ", contest.Choices.Select(x => x.Name))}.";
            }
        }

        return Contests.FirstOrDefault(x => !reading.Contests.Any(c => c.Contest == x.Name)) is { } missing
            ? $"ballot {ballot}: contest \"{missing.Name}\" is not read; a found ballot's reading names every contest (on_ballot false when it is not on the ballot)."
            : null;
    }

    /// <summary>Adds <paramref name="reading"/>.</summary>
    public void ApplyReading(AuditReadingArtifact reading)
    {
        ArgumentNullException.ThrowIfNull(reading);
        if (reading.Round <= _rounds.Count)
        {
            _rounds[reading.Round - 1].Add(reading);
        }
    }

    /// <summary>What is wrong with <paramref name="signOff"/> as the next entry, or null.</summary>
    public string? CheckSignOff(AuditSignOffArtifact signOff)
    {
        ArgumentNullException.ThrowIfNull(signOff);
        if (Method == AuditMethod.Batch)
        {
            return "a batch-comparison audit's sign-offs are not board entries yet (docs/audit.md).";
        }

        if (signOff.Round > _rounds.Count)
        {
            return $"round {signOff.Round} has not been drawn: no sample of it is on the board.";
        }

        AuditProgressRound round = _rounds[signOff.Round - 1];
        if (round.SignOff is not null)
        {
            return $"round {signOff.Round} was already signed off by {round.SignOff.Board}.";
        }

        string[] unread = [.. round.Ballots.Where(b => !round.Readings.ContainsKey(b))];
        if (unread.Length > 0)
        {
            string[] first = unread[0].Split('\u001f');
            return string.Create(CultureInfo.InvariantCulture,
                $"{unread.Length} ballot(s) of round {signOff.Round} have no reading on the board, for example {(first[0].Length == 0 ? "" : first[0] + " / ")}{first[1]} #{first[2]}.");
        }

        return null;
    }

    /// <summary>Adds <paramref name="signOff"/> and measures the risk over every signed-off draw.</summary>
    public void ApplySignOff(AuditSignOffArtifact signOff)
    {
        ArgumentNullException.ThrowIfNull(signOff);
        if (signOff.Round > _rounds.Count || Method == AuditMethod.Batch)
        {
            return;
        }

        AuditProgressRound round = _rounds[signOff.Round - 1];
        round.SignOff = signOff;
        if (_rounds.Take(signOff.Round).Any(r => r.SignOff is null || r.Ballots.Any(b => !r.Readings.ContainsKey(b))))
        {
            return; // replayed out of the rules: no risk to measure
        }

        round.Decision = Measure(signOff.Round);
    }

    /// <summary>The risk per contest over the draws of rounds 1..<paramref name="throughRound"/> with their readings.</summary>
    public AuditDecision Measure(int throughRound)
    {
        List<AuditDraw> draws = [];
        Dictionary<string, BallotReading> readings = new(StringComparer.Ordinal);
        Dictionary<string, int> times = new(StringComparer.Ordinal);
        foreach (AuditProgressRound r in _rounds.Take(throughRound))
        {
            foreach (AuditRoundDraw d in r.Sample.Draws)
            {
                string key = AuditProgressRound.Key(d);
                times[key] = times.GetValueOrDefault(key) + 1;
                draws.Add(new AuditDraw(draws.Count + 1, d.Ticket, null, d.Tabulator, d.Batch, d.Position, times[key]));
            }

            foreach (AuditReadingArtifact reading in r.Readings.Values)
            {
                readings[reading.BallotKey] = ToBallotReading(reading);
            }
        }

        return AuditEngine.Evaluate(Method, Inputs.RiskLimit, Contests, Manifest.TotalBallots, draws, readings, Cvrs);
    }

    private BallotReading ToBallotReading(AuditReadingArtifact reading)
    {
        Dictionary<string, IReadOnlySet<string>> contests = new(StringComparer.Ordinal);
        foreach (AuditContestReading c in reading.Contests.Where(c => c.OnBallot))
        {
            int allowed = Contests.FirstOrDefault(x => x.Name == c.Contest)?.VotesAllowed ?? int.MaxValue;
            // An overvote counts as no valid vote in the contest (as `audit record` records it).
            contests[c.Contest] = c.Choices.Count > allowed ? new HashSet<string>(StringComparer.Ordinal) : new HashSet<string>(c.Choices, StringComparer.Ordinal);
        }

        return new BallotReading(!reading.Found, contests);
    }
}
