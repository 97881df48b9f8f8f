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
    private readonly Dictionary<(string BatchKey, string Contest), AuditTallyArtifact> _tallies = [];
    private readonly Dictionary<string, AuditSignOffArtifact> _boardSignOffs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SortedSet<string>> _shares = new(StringComparer.Ordinal);
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

    /// <summary>
    /// The sign-off that closed the round (the one that left every ballot or batch read and every audit board that read
    /// or counted in the round signed off its share), once logged; null while the round is open.
    /// </summary>
    public AuditSignOffArtifact? SignOff { get; internal set; }

    /// <summary>The risk per contest over every draw up to and including this round, once signed off.</summary>
    public AuditDecision? Decision { get; internal set; }

    /// <summary>Batch audits: the latest hand tally per (batch key, contest) on the board.</summary>
    public IReadOnlyDictionary<(string BatchKey, string Contest), AuditTallyArtifact> Tallies => _tallies;

    /// <summary>Each audit board's sign-off of its share of the round, by board name, in log order.</summary>
    public IReadOnlyDictionary<string, AuditSignOffArtifact> BoardSignOffs => _boardSignOffs;

    /// <summary>
    /// Each audit board's share of the round, by board name: the ballot keys it posted a reading of (a first reading or a
    /// correction), or in a batch audit the batch keys it posted a tally of.
    /// </summary>
    public IReadOnlyDictionary<string, SortedSet<string>> Shares => _shares;

    /// <summary>Batch audits: the batch keys with a tally of this round.</summary>
    public IEnumerable<string> TalliedBatches => _tallies.Keys.Select(k => k.BatchKey).Distinct(StringComparer.Ordinal);

    internal void Add(AuditReadingArtifact reading)
    {
        _readings[reading.BallotKey] = reading;
        AddToShare(reading.Board, reading.BallotKey);
    }

    internal void Add(AuditTallyArtifact tally)
    {
        _tallies[(tally.BatchKey, tally.Contest)] = tally;
        AddToShare(tally.Board, tally.BatchKey);
    }

    private void AddToShare(string board, string key)
    {
        if (!_shares.TryGetValue(board, out SortedSet<string>? share))
        {
            _shares[board] = share = new SortedSet<string>(StringComparer.Ordinal);
        }

        share.Add(key);
    }

    /// <summary>The audit boards whose share holds <paramref name="key"/> and that signed it off, in log order.</summary>
    public IEnumerable<string> SignedOffHolders(string key) =>
        _boardSignOffs.Keys.Where(b => _shares.TryGetValue(b, out SortedSet<string>? share) && share.Contains(key));

    internal void AddBoardSignOff(AuditSignOffArtifact signOff) => _boardSignOffs[signOff.Board] = signOff;

    internal static string Key(AuditRoundDraw d) => $"{d.Tabulator}\u001f{d.Batch}\u001f{d.Position}";
}

/// <summary>
/// The rules an audit's rounds, readings and sign-offs follow on a board, applied to its entries in log order: one path,
/// used by the board when it accepts an entry and by <see cref="AuditTrailVerifier"/> when it recomputes the audit.
/// Each <c>Check…</c> says what is wrong with the next entry (null: it follows); each <c>Apply…</c> adds it.
/// A round comes after the previous round closed and only while a contest is still open; a reading is of a ballot in the
/// sample of the round being read, once (or a correction of the latest version), with the audit's contests and choices,
/// before its board signed off its share and before any board that read that ballot did; each audit board signs off its
/// share (the ballots or batches it read or counted), and the round closes with the sign-off that leaves every ballot
/// read and every board that read signed off: then the risk is measured (AuditEngine) over every signed-off draw.
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
        if (Method == AuditMethod.Batch)
        {
            Reported = Vendors.CandidateTotalsByBatch.Parse(File(inputs, "batch-tallies.csv"), "batch-tallies.csv", Manifest, Contests);
            _batches = Manifest.Batches.ToDictionary(b => $"{b.Tabulator}\u001f{b.Batch}\u001f0", StringComparer.Ordinal);
        }
    }

    private readonly Dictionary<string, ManifestBatch> _batches = new(StringComparer.Ordinal);

    /// <summary>Batch audits: the committed reported tallies per manifest batch (contest → choice → votes); null for ballot audits.</summary>
    public IReadOnlyDictionary<ManifestBatch, IReadOnlyDictionary<string, IReadOnlyDictionary<string, long>>>? Reported { get; }

    /// <summary>Batch audits: the manifest batch of a batch key (<c>t␟b␟0</c>), or null.</summary>
    public ManifestBatch? BatchOf(string batchKey) => _batches.GetValueOrDefault(batchKey);

    /// <summary>Batch audits: the contests a batch is counted for (those its reported tallies hold), in the results' order.</summary>
    public IReadOnlyList<ReportedContest> ContestsOf(ManifestBatch batch) =>
        Reported is not null && Reported.TryGetValue(batch, out var tallies) ? [.. Contests.Where(c => tallies.ContainsKey(c.Name))] : [];

    /// <summary>Batch audits: the contests of batch <paramref name="batchKey"/> with no tally in <paramref name="round"/> yet.</summary>
    public IReadOnlyList<string> Uncounted(AuditProgressRound round, string batchKey)
    {
        ArgumentNullException.ThrowIfNull(round);
        return BatchOf(batchKey) is { } b ? [.. ContestsOf(b).Select(c => c.Name).Where(c => !round.Tallies.ContainsKey((batchKey, c)))] : [];
    }

    /// <summary>
    /// True when every ballot of the round is read (every batch counted for every contest it holds, in a batch audit) and
    /// every audit board that read or counted in the round signed off its share: the round is then closed.
    /// </summary>
    public bool IsComplete(AuditProgressRound round)
    {
        ArgumentNullException.ThrowIfNull(round);
        return round.Ballots.All(b => IsDone(round, b)) && round.Shares.Keys.All(round.BoardSignOffs.ContainsKey) && round.BoardSignOffs.Count > 0;
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

    /// <summary>
    /// The deal of a round (docs/audit.md, "Progress per audit board"): the ballots or batches to read or count, in key order,
    /// dealt in turn to the audit boards registered and not revoked, in registration order. A guide for who retrieves what
    /// (the screen marks "assigned to you", the audit page shows each board's progress), not a rule: any registered audit
    /// board may read or count any ballot or batch still open.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Deal(AuditProgressRound round)
    {
        ArgumentNullException.ThrowIfNull(round);
        string[] boards = [.. _boards.Values.Select(b => b.Board).Where(b => !_revoked.ContainsKey(b))];
        Dictionary<string, List<string>> deal = boards.ToDictionary(b => b, _ => new List<string>(), StringComparer.Ordinal);
        int i = 0;
        foreach (string key in round.Ballots.Order(StringComparer.Ordinal))
        {
            if (boards.Length > 0)
            {
                deal[boards[i++ % boards.Length]].Add(key);
            }
        }

        return deal.ToDictionary(d => d.Key, d => (IReadOnlyList<string>)d.Value, StringComparer.Ordinal);
    }

    /// <summary>True when ballot or batch <paramref name="key"/> of <paramref name="round"/> is read (every contest counted, for a batch).</summary>
    public bool IsDone(AuditProgressRound round, string key)
    {
        ArgumentNullException.ThrowIfNull(round);
        return Method == AuditMethod.Batch ? Uncounted(round, key).Count == 0 : round.Readings.ContainsKey(key);
    }

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

        if (Method == AuditMethod.Batch && round.Draws.FirstOrDefault(d => d.Position != 0 || BatchOf(AuditProgressRound.Key(d)) is null) is { } stray)
        {
            return $"draw {stray.Tabulator} / {stray.Batch} #{stray.Position} is not a whole batch of the committed manifest.";
        }

        if (_rounds.Count == 0)
        {
            return null;
        }

        AuditProgressRound previous = _rounds[^1];
        if (previous.SignOff is null)
        {
            return Method == AuditMethod.Batch
                ? $"round {previous.Sample.Round} is not signed off: every batch counted and every audit board that counted signed off; its counts decide whether another round is needed."
                : $"round {previous.Sample.Round} is not signed off: every ballot read and every audit board that read signed off; its readings decide whether another round is needed"
                    + (OpenBoards(previous) is { Length: > 0 } open ? $" ({open})." : ".");
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
            _rounds.SelectMany(r => r.Readings.Keys.Concat(r.TalliedBatches)).ToHashSet(StringComparer.Ordinal)));
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
            return "a batch-comparison audit has no ballot readings: each sampled batch's hand count is an audit.tally entry (POST /board/audit-tallies; docs/audit.md).";
        }

        if (reading.Round > _rounds.Count)
        {
            return $"round {reading.Round} has not been drawn: no sample of it is on the board.";
        }

        AuditProgressRound round = _rounds[reading.Round - 1];
        if (round.SignOff is not null)
        {
            return $"round {reading.Round} is signed off (closed by {round.SignOff.Board}); its readings are final.";
        }

        if (round.BoardSignOffs.ContainsKey(reading.Board))
        {
            return $"audit board \"{reading.Board}\" signed off its share of round {reading.Round}; its readings are final.";
        }

        if (round.Readings.TryGetValue(reading.BallotKey, out AuditReadingArtifact? latest))
        {
            if (round.SignedOffHolders(reading.BallotKey).FirstOrDefault() is string holder)
            {
                return $"ballot {ballot} of round {reading.Round} was read by {holder}, which signed off its share; that reading is final.";
            }

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
        if (signOff.Round > _rounds.Count)
        {
            return $"round {signOff.Round} has not been drawn: no sample of it is on the board.";
        }

        return ShareSignOffProblem(signOff);
    }

    /// <summary>Adds <paramref name="signOff"/> and measures the risk over every signed-off draw.</summary>
    public void ApplySignOff(AuditSignOffArtifact signOff)
    {
        ArgumentNullException.ThrowIfNull(signOff);
        if (signOff.Round > _rounds.Count)
        {
            return;
        }

        // Each audit board signs off its own share; the round closes with the sign-off that leaves every ballot (batch)
        // read and every board that read (counted) signed off, and only then is the risk measured. A log replayed out of
        // the rules (an earlier round still open) closes nothing.
        AuditProgressRound round = _rounds[signOff.Round - 1];
        round.AddBoardSignOff(signOff);
        if (round.SignOff is null && IsComplete(round) && _rounds.Take(signOff.Round - 1).All(r => r.SignOff is not null))
        {
            round.SignOff = signOff; // the sign-off that closed the round
            round.Decision = Measure(signOff.Round);
        }
    }

    /// <summary>
    /// What round <paramref name="round"/> still waits for (empty when closed or when nothing is named): the ballots or
    /// batches still open and the audit boards that read or counted but did not sign off, e.g. <c>2 ballot(s) still open;
    /// waiting for the sign-off of Board 2</c>.
    /// </summary>
    public string OpenBoards(AuditProgressRound round)
    {
        ArgumentNullException.ThrowIfNull(round);
        if (round.SignOff is not null)
        {
            return "";
        }

        int open = round.Ballots.Count(b => !IsDone(round, b));
        string[] waiting = [.. round.Shares.Keys.Where(b => !round.BoardSignOffs.ContainsKey(b)).Order(StringComparer.Ordinal)];
        List<string> parts = [];
        if (open > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{open} {(Method == AuditMethod.Batch ? "batch(es)" : "ballot(s)")} still open"));
        }

        if (waiting.Length > 0)
        {
            parts.Add("waiting for the sign-off of " + string.Join(", ", waiting));
        }

        return string.Join("; ", parts);
    }

    /// <summary>The risk per contest over the draws of rounds 1..<paramref name="throughRound"/> with their readings.</summary>
    public AuditDecision Measure(int throughRound)
    {
        if (Method == AuditMethod.Batch)
        {
            List<ManifestBatch> drawn = [.. _rounds.Take(throughRound).SelectMany(r => r.Sample.Draws).Select(d => BatchOf(AuditProgressRound.Key(d))!)];
            Dictionary<(string, string), AuditTallyArtifact> latest = [];
            foreach (AuditProgressRound r in _rounds.Take(throughRound))
            {
                foreach (var (k, t) in r.Tallies)
                {
                    latest[k] = t;
                }
            }

            return AuditEngine.EvaluateBatches(Inputs.RiskLimit, Contests, Manifest.Batches, Reported!, drawn,
                (b, contest) => latest.TryGetValue(($"{b.Tabulator}\u001f{b.Batch}\u001f0", contest), out AuditTallyArtifact? t) ? t.VoteMap : null);
        }

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

    /// <summary>What is wrong with <paramref name="tally"/> as the next entry, or null.</summary>
    public AuditStepRefusal? CheckTally(AuditTallyArtifact tally) => TallyProblem(tally, out bool conflict) is string problem ? new AuditStepRefusal(problem, conflict) : null;

    private string? TallyProblem(AuditTallyArtifact tally, out bool conflict)
    {
        ArgumentNullException.ThrowIfNull(tally);
        string batch = $"{(tally.Tabulator is null ? "" : tally.Tabulator + " / ")}{tally.Batch}";
        conflict = true;
        if (Method != AuditMethod.Batch)
        {
            return "this audit reads ballots (audit.reading); hand tallies of whole batches belong to batch-comparison audits.";
        }

        if (tally.Round > _rounds.Count)
        {
            return $"round {tally.Round} has not been drawn: no sample of it is on the board.";
        }

        AuditProgressRound round = _rounds[tally.Round - 1];
        if (round.SignOff is not null)
        {
            return $"round {tally.Round} is signed off; its counts are final.";
        }

        if (round.BoardSignOffs.ContainsKey(tally.Board))
        {
            return $"audit board \"{tally.Board}\" signed off its share of round {tally.Round}; its counts are final.";
        }

        if (round.Tallies.TryGetValue((tally.BatchKey, tally.Contest), out AuditTallyArtifact? latest))
        {
            if (tally.Corrects is null)
            {
                return $"batch {batch}, \"{tally.Contest}\", of round {tally.Round} already has a tally on the board (version {latest.Version}, by {latest.Board}); a correction names the version it corrects (\"corrects\": {latest.Version}).";
            }

            if (tally.Corrects != latest.Version)
            {
                return $"batch {batch}, \"{tally.Contest}\", of round {tally.Round}: the correction names version {tally.Corrects}, but the latest tally on the board is version {latest.Version}.";
            }

            if (round.BoardSignOffs.ContainsKey(latest.Board))
            {
                return $"batch {batch}, \"{tally.Contest}\", of round {tally.Round} was counted by {latest.Board}, which signed off its share; that count is final.";
            }
        }
        else if (tally.Corrects is not null)
        {
            return $"batch {batch}, \"{tally.Contest}\", of round {tally.Round} has no tally on the board to correct.";
        }

        conflict = false;
        if (!round.IsToRead(tally.BatchKey))
        {
            return round.IsDrawn(tally.BatchKey)
                ? $"batch {batch} was counted in an earlier round; that count stands."
                : $"batch {batch} was not drawn in round {tally.Round}" + (BatchOf(tally.BatchKey) is null ? " (it is not in the committed manifest)." : ".");
        }

        ManifestBatch b = BatchOf(tally.BatchKey)!;
        ReportedContest? contest = Contests.FirstOrDefault(x => x.Name == tally.Contest);
        if (contest is null)
        {
            return $"batch {batch}: no contest \"{tally.Contest}\" in the committed results; contests: {string.Join(", ", Contests.Select(x => x.Name))}.";
        }

        if (!ContestsOf(b).Contains(contest))
        {
            return $"batch {batch}: contest \"{tally.Contest}\" is not in the batch's reported tallies; it is counted for {string.Join(", ", ContestsOf(b).Select(x => x.Name))}.";
        }

        if (tally.Votes.FirstOrDefault(v => !contest.HasChoice(v.Choice)) is { } stranger)
        {
            return $"batch {batch}: \"{stranger.Choice}\" is not a choice of \"{tally.Contest}\"; choices: {string.Join(", ", contest.Choices.Select(x => x.Name))}.";
        }

        if (contest.Choices.Select(c => c.Name).FirstOrDefault(c => !tally.Votes.Any(v => v.Choice == c)) is string left)
        {
            return $"batch {batch}, \"{tally.Contest}\": \"{left}\" is not counted; a tally names every choice of the contest (0 when it has no votes).";
        }

        long total = tally.Votes.Sum(v => v.Votes);
        return total > b.Ballots * contest.VotesAllowed
            ? string.Create(CultureInfo.InvariantCulture, $"batch {batch}, \"{tally.Contest}\": {total} votes, but the batch holds {b.Ballots} ballot(s) × {contest.VotesAllowed} vote(s) allowed.")
            : null;
    }

    /// <summary>Adds <paramref name="tally"/>.</summary>
    public void ApplyTally(AuditTallyArtifact tally)
    {
        ArgumentNullException.ThrowIfNull(tally);
        if (tally.Round <= _rounds.Count)
        {
            _rounds[tally.Round - 1].Add(tally);
        }
    }

    private string? ShareSignOffProblem(AuditSignOffArtifact signOff)
    {
        AuditProgressRound round = _rounds[signOff.Round - 1];
        if (round.SignOff is not null)
        {
            return $"round {signOff.Round} is already signed off (closed by {round.SignOff.Board}).";
        }

        if (round.BoardSignOffs.ContainsKey(signOff.Board))
        {
            return $"audit board \"{signOff.Board}\" already signed off its share of round {signOff.Round}.";
        }

        if (_boards.TryGetValue(signOff.Board, out AuditBoardArtifact? registered) && !signOff.Members.SequenceEqual(registered.Members, StringComparer.Ordinal))
        {
            return $"the sign-off names {string.Join(" and ", signOff.Members)}, but audit board \"{registered.Board}\"'s registered members are {string.Join(" and ", registered.Members)}.";
        }

        if (!round.Shares.TryGetValue(signOff.Board, out SortedSet<string>? share))
        {
            return Method == AuditMethod.Batch
                ? $"audit board \"{signOff.Board}\" has counted no batch of round {signOff.Round}; an audit board signs off the batches it counted."
                : $"audit board \"{signOff.Board}\" has read no ballot of round {signOff.Round}; an audit board signs off the ballots it read.";
        }

        if (Method != AuditMethod.Batch)
        {
            return null; // a reading is whole (every contest, or not found): every ballot of the share is read
        }

        foreach (string key in share)
        {
            if (Uncounted(round, key) is { Count: > 0 } open)
            {
                string[] parts = key.Split('\u001f');
                return $"batch {(parts[0].Length == 0 ? "" : parts[0] + " / ")}{parts[1]} of round {signOff.Round} is not counted for {string.Join(", ", open.Select(c => $"\"{c}\""))} yet.";
            }
        }

        return null;
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
