// The audit directory: every file of one audit. JSON state is written atomically (a temporary file in the
// same directory, flushed to disk, then renamed over the old one), so a crash never leaves half a file.
// Input files are copied in at init and their SHA-256 recorded; every later command checks them, so a file
// changed after the seed was fixed is caught.
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Entente.Audit.Io;
using Entente.Audit.Sampling;
using Entente.Audit.Seed;
using Entente.Audit.Statistics;

namespace Entente.Audit.Workflow;

/// <summary>Settings for a new audit.</summary>
/// <param name="Method">BRAVO polling or Kaplan–Markov comparison.</param>
/// <param name="RiskLimit">α.</param>
/// <param name="ManifestPath">Ballot manifest CSV.</param>
/// <param name="ResultsPath">Reported results CSV.</param>
/// <param name="CvrPath">Cast vote records CSV (comparison only).</param>
/// <param name="Parties">Parties that make the seed.</param>
/// <param name="CommitBy">Commit deadline.</param>
/// <param name="RevealBy">Reveal deadline.</param>
/// <param name="DiceBy">End of the public dice window (= RevealBy for none).</param>
/// <param name="IdScheme">entente, arlo or arlo-batch.</param>
/// <param name="Jurisdiction">Jurisdiction for Arlo ids.</param>
/// <param name="AuditId">Audit id; default derived from the inputs' hashes.</param>
public sealed record AuditSettings(AuditMethod Method, double RiskLimit, string ManifestPath, string ResultsPath, string? CvrPath, IReadOnlyList<string> Parties,
    DateTimeOffset CommitBy, DateTimeOffset RevealBy, DateTimeOffset DiceBy, string IdScheme, string? Jurisdiction, string? AuditId)
{
    /// <summary>
    /// A vendor CVR export to import instead of <see cref="CvrPath"/> (docs/audit.md, "Vendor CVR exports"). The manifest is
    /// then read in Arlo's form; the audit keeps the originals under inputs/original and works on the normalized
    /// manifest.csv and cvrs.csv made from them, all hashed.
    /// </summary>
    public VendorCvrInput? VendorCvrs { get; init; }

    /// <summary>Batch audits: the reported batch tallies (Arlo's candidate-totals-by-batch template).</summary>
    public string? BatchTalliesPath { get; init; }

    /// <summary>A multi-jurisdiction audit's jurisdictions: the manifest, CVRs and tallies are then the union of their uploads.</summary>
    public IReadOnlyList<Trail.AuditJurisdiction> Jurisdictions { get; init; } = [];
}

/// <summary>A vendor CVR export: its format and files.</summary>
/// <param name="Format">The export format.</param>
/// <param name="Files">The export's files (or folders, for Hart).</param>
public sealed record VendorCvrInput(Vendors.CvrFormat Format, IReadOnlyList<string> Files);

/// <summary>
/// An audit directory on disk. An open instance holds an exclusive lock on the directory's <c>.lock</c>
/// file, so two commands never interleave their writes; dispose it to release the lock.
/// </summary>
public sealed partial class AuditDirectory : IDisposable
{
    /// <summary>The state file name.</summary>
    public const string StateFile = "audit.json";

    /// <summary>The seed log file name.</summary>
    public const string LogFile = "seed-log.jsonl";

    /// <summary>The interpretations file name.</summary>
    public const string InterpretationsFile = "interpretations.json";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    private readonly FileStream _lock;
    private IAuditLog? _seedLog;

    private AuditDirectory(FileStream directoryLock, string path, AuditState state, BallotManifest manifest, IReadOnlyList<ReportedContest> contests,
        IReadOnlyDictionary<BallotLocation, CastVoteRecord>? cvrs, List<Interpretation> interpretations, TimeProvider clock)
    {
        _lock = directoryLock;
        Path = path;
        State = state;
        Manifest = manifest;
        Contests = contests;
        Cvrs = cvrs;
        Interpretations = interpretations;
        Clock = clock;
    }

    /// <summary>The directory.</summary>
    public string Path { get; }

    /// <summary>The audit state.</summary>
    public AuditState State { get; }

    /// <summary>The ballot manifest.</summary>
    public BallotManifest Manifest { get; }

    /// <summary>The reported contests.</summary>
    public IReadOnlyList<ReportedContest> Contests { get; }

    /// <summary>The cast vote records (comparison audits).</summary>
    public IReadOnlyDictionary<BallotLocation, CastVoteRecord>? Cvrs { get; }

    /// <summary>Every interpretation recorded, in order.</summary>
    public List<Interpretation> Interpretations { get; }

    /// <summary>The clock.</summary>
    public TimeProvider Clock { get; }

    /// <summary>The seed log: the local file, or the board's log once <see cref="UseSeedLog"/> set it (<see cref="AuditState.SeedBoard"/>).</summary>
    public IAuditLog Log => _seedLog ?? new FileAuditLog(System.IO.Path.Combine(Path, LogFile), Clock);

    /// <summary>Reads the seed records from <paramref name="log"/> (the board's, for an audit whose seed is made on a board).</summary>
    public void UseSeedLog(IAuditLog log)
    {
        ArgumentNullException.ThrowIfNull(log);
        _seedLog = log;
    }

    /// <summary>The round being worked on (the last one), or null before the first sample.</summary>
    public AuditRound? CurrentRound => State.Rounds.Count == 0 ? null : State.Rounds[^1];

    /// <summary>Creates a new audit directory: checks and copies the inputs, writes the state.</summary>
    public static AuditDirectory Init(string path, AuditSettings settings, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(clock);
        Directory.CreateDirectory(path);
        string statePath = System.IO.Path.Combine(path, StateFile);
        if (File.Exists(statePath))
        {
            throw new AuditInputException(statePath, 0, "", "An audit already exists in this directory; choose an empty directory.");
        }

        if (settings.Parties.Count == 0 || settings.Parties.Any(string.IsNullOrWhiteSpace) || settings.Parties.Distinct(StringComparer.Ordinal).Count() != settings.Parties.Count)
        {
            throw new AuditInputException("--parties", 0, "", "List each party once, by name.");
        }

        if (!(settings.CommitBy < settings.RevealBy && settings.RevealBy <= settings.DiceBy))
        {
            throw new AuditInputException("--commit-by", 0, "", "The deadlines must satisfy commit-by < reveal-by ≤ dice-by.");
        }

        Bravo.CheckAlphaForInput(settings.RiskLimit);
        Vendors.CvrImport? vendor = null;
        if (settings.VendorCvrs is { } v)
        {
            if (settings.CvrPath is not null)
            {
                throw new AuditInputException("--cvrs", 0, "", "Give the CVRs once: either a vendor export with its format, or Entente's CSV.");
            }

            vendor = Vendors.VendorCvrs.Import(v.Format, Vendors.VendorManifest.Load(settings.ManifestPath), v.Files);
        }

        bool arloManifest = vendor is not null || settings.Method == AuditMethod.Batch;
        BallotManifest manifest = vendor?.Manifest ?? (arloManifest ? Vendors.VendorManifest.Load(settings.ManifestPath) : BallotManifest.Load(settings.ManifestPath));
        IReadOnlyList<ReportedContest> contests = ReportedResults.Load(settings.ResultsPath);
        foreach (ReportedContest c in contests.Where(c => c.Ballots > manifest.TotalBallots))
        {
            throw new AuditInputException(System.IO.Path.GetFileName(settings.ResultsPath), 0, "Ballots",
                $"Contest \"{c.Name}\" reports {c.Ballots} ballots but the manifest holds only {manifest.TotalBallots}. Fix the manifest or the results.");
        }

        if (settings.Method == AuditMethod.Comparison && settings.CvrPath is null && vendor is null)
        {
            throw new AuditInputException("--cvrs", 0, "", "A comparison audit needs the cast vote records (--cvrs).");
        }

        if (settings.CvrPath is not null)
        {
            CastVoteRecords.Load(settings.CvrPath);
        }

        if (settings.Method == AuditMethod.Batch)
        {
            Vendors.CandidateTotalsByBatch.Load(settings.BatchTalliesPath
                ?? throw new AuditInputException("--batch-tallies", 0, "", "A batch-comparison audit needs the reported batch tallies (--batch-tallies)."), manifest, contests);
        }

        string inputs = System.IO.Path.Combine(path, "inputs");
        Directory.CreateDirectory(inputs);
        Dictionary<string, string> hashes = new(StringComparer.Ordinal);
        Copy(settings.ResultsPath, "results.csv");
        if (settings.Method == AuditMethod.Batch)
        {
            Copy(settings.BatchTalliesPath!, BatchTalliesFile);
        }

        if (arloManifest)
        {
            Directory.CreateDirectory(System.IO.Path.Combine(inputs, "original"));
            Copy(settings.ManifestPath, "original/manifest-" + System.IO.Path.GetFileName(settings.ManifestPath));
            Write("manifest.csv", Vendors.NormalizedInputs.Manifest(manifest));
        }

        if (vendor is not null)
        {
            foreach (string file in settings.VendorCvrs!.Files.SelectMany(f => Directory.Exists(f) ? Directory.EnumerateFiles(f, "*", SearchOption.AllDirectories) : [f]))
            {
                Copy(file, "original/cvr-" + System.IO.Path.GetFileName(file));
            }

            Write("cvrs.csv", Vendors.NormalizedInputs.CastVoteRecords(vendor));
        }
        else
        {
            if (!arloManifest)
            {
                Copy(settings.ManifestPath, "manifest.csv");
            }

            if (settings.CvrPath is not null)
            {
                Copy(settings.CvrPath, "cvrs.csv");
            }
        }

        string auditId = settings.AuditId ?? "audit-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            string.Join("\n", hashes.OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => h.Key + ":" + h.Value)))))[..16];
        AuditState state = new()
        {
            AuditId = auditId,
            Method = settings.Method,
            RiskLimit = settings.RiskLimit,
            Parties = settings.Parties,
            CommitBy = settings.CommitBy,
            RevealBy = settings.RevealBy,
            DiceBy = settings.DiceBy,
            IdScheme = settings.IdScheme,
            Jurisdiction = settings.Jurisdiction ?? manifest.Jurisdiction,
            Jurisdictions = settings.Jurisdictions,
            InputHashes = hashes,
        };
        if (state.IdScheme == "arlo" && state.Jurisdiction is null && state.Jurisdictions.Count == 0)
        {
            throw new AuditInputException("--jurisdiction", 0, "", "Arlo ids need the jurisdiction name: give --jurisdiction or a Jurisdiction column in the manifest.");
        }

        WriteAtomically(statePath, JsonSerializer.Serialize(state, Json));
        WriteAtomically(System.IO.Path.Combine(path, InterpretationsFile), "[]");
        return Open(path, clock);

        void Copy(string source, string name) => Write(name, File.ReadAllBytes(source));

        void Write(string name, byte[] bytes)
        {
            if (hashes.ContainsKey(name))
            {
                throw new AuditInputException(name, 0, "", "Two input files have the same name; rename one.");
            }

            File.WriteAllBytes(System.IO.Path.Combine(inputs, name), bytes);
            hashes[name] = Convert.ToHexStringLower(SHA256.HashData(bytes));
        }
    }

    /// <summary>Opens an audit directory and checks its inputs against the recorded hashes.</summary>
    public static AuditDirectory Open(string path, TimeProvider clock)
    {
        string statePath = System.IO.Path.Combine(path, StateFile);
        if (!File.Exists(statePath))
        {
            throw new AuditInputException(statePath, 0, "", "No audit here. Run `entente audit init` first.");
        }

        FileStream directoryLock = AcquireLock(path);
        try
        {
            return Load(directoryLock, path, statePath, clock);
        }
        catch
        {
            directoryLock.Dispose();
            throw;
        }
    }

    private static FileStream AcquireLock(string path)
    {
        string lockPath = System.IO.Path.Combine(path, ".lock");
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (attempt < 50)
            {
                Thread.Sleep(100);
            }
            catch (IOException e)
            {
                throw new IOException($"Another entente audit command is working in {path}; try again when it has finished.", e);
            }
        }
    }

    private static AuditDirectory Load(FileStream directoryLock, string path, string statePath, TimeProvider clock)
    {
        AuditState state = ReadJson<AuditState>(statePath);
        foreach ((string name, string hash) in state.InputHashes)
        {
            string file = System.IO.Path.Combine(path, "inputs", name);
            string actual = File.Exists(file) ? Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file))) : "missing";
            if (actual != hash)
            {
                throw new AuditInputException(file, 0, "", $"The input file changed after the audit began (SHA-256 {actual}, recorded {hash}). Restore the original.");
            }
        }

        BallotManifest manifest = BallotManifest.Load(System.IO.Path.Combine(path, "inputs", "manifest.csv"));
        IReadOnlyList<ReportedContest> contests = ReportedResults.Load(System.IO.Path.Combine(path, "inputs", "results.csv"));
        string cvrPath = System.IO.Path.Combine(path, "inputs", "cvrs.csv");
        IReadOnlyDictionary<BallotLocation, CastVoteRecord>? cvrs = File.Exists(cvrPath) ? CastVoteRecords.Load(cvrPath) : null;
        List<Interpretation> interpretations = ReadJson<List<Interpretation>>(System.IO.Path.Combine(path, InterpretationsFile));
        AuditDirectory directory = new(directoryLock, path, state, manifest, contests, cvrs, interpretations, clock);
        directory.LoadBatches();
        return directory;
    }

    private static T ReadJson<T>(string file)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(file), Json) ?? throw new AuditInputException(file, 0, "", "The file is empty.");
        }
        catch (JsonException e)
        {
            throw new AuditInputException(file, (int)((e.LineNumber ?? -1) + 1), e.Path ?? "", $"Unreadable: {e.Message}");
        }
    }

    /// <summary>Writes text to a temporary file beside <paramref name="path"/>, flushes it to disk and renames it over <paramref name="path"/>.</summary>
    public static void WriteAtomically(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(text);
        string temp = path + "." + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)) + ".tmp";
        try
        {
            using (FileStream stream = new(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                byte[] bytes = new UTF8Encoding(false).GetBytes(text);
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    /// <summary>Releases the directory lock.</summary>
    public void Dispose() => _lock.Dispose();

    /// <summary>Saves the state and the interpretations.</summary>
    public void Save()
    {
        WriteAtomically(System.IO.Path.Combine(Path, InterpretationsFile), JsonSerializer.Serialize(Interpretations, Json));
        WriteAtomically(System.IO.Path.Combine(Path, StateFile), JsonSerializer.Serialize(State, Json));
    }

    /// <summary>The seed protocol's schedule.</summary>
    public SeedSchedule Schedule => new(State.AuditId, State.Parties, State.CommitBy, State.RevealBy, State.DiceBy);

    /// <summary>Evaluates the seed protocol from the log now (by the board's order when the seed is made on a board).</summary>
    public async Task<SeedResult> EvaluateSeedAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<SeedLogRecord> records = await Log.ReadAsync(State.AuditId, cancellationToken).ConfigureAwait(false);
        return State.SeedBoard is null
            ? SeedProtocol.Evaluate(Schedule, records, Clock.GetUtcNow())
            : SeedProtocol.EvaluateOnBoard(State.AuditId, State.Parties, State.HasDice, records);
    }

    /// <summary>The ballot id scheme.</summary>
    public BallotIdScheme Scheme => State.IdScheme switch
    {
        "arlo" => BallotIdScheme.Arlo,
        "arlo-batch" => BallotIdScheme.ArloBatch,
        _ => BallotIdScheme.Entente,
    };

    /// <summary>Every draw in rounds that have been signed off.</summary>
    public IReadOnlyList<AuditDraw> SignedOffDraws => [.. State.Rounds.Where(r => r.SignedOffBy is not null).SelectMany(r => r.Draws)];

    /// <summary>Draws <paramref name="size"/> more ballots as a new round (consistent sampler, with replacement, continuing the ticket stream).</summary>
    public AuditRound DrawRound(string seed, long size)
    {
        ArgumentException.ThrowIfNullOrEmpty(seed);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        if (CurrentRound is { SignedOffBy: null })
        {
            throw new InvalidOperationException($"Round {CurrentRound.Number} is not signed off yet. Record every sampled ballot and sign off first.");
        }

        State.Seed ??= seed;
        if (State.Seed != seed)
        {
            throw new InvalidOperationException("The seed differs from the one the audit already used.");
        }

        if (State.Method == AuditMethod.Batch)
        {
            AuditRound batchRound = DrawBatchRound(seed, size);
            State.Rounds.Add(batchRound);
            Directory.CreateDirectory(System.IO.Path.Combine(Path, "rounds"));
            WriteAtomically(System.IO.Path.Combine(Path, "rounds", string.Create(CultureInfo.InvariantCulture, $"round-{batchRound.Number}-retrieval.csv")), RetrievalList(batchRound));
            Save();
            return batchRound;
        }

        long drawn = State.Rounds.Sum(r => r.Draws.Count);
        var ballots = BallotIds.Enumerate(Manifest, Scheme, State.Jurisdiction);
        IReadOnlyList<SampledTicket> tickets = ConsistentSampler.Sample([.. ballots.Select(b => b.Id)], seed, size, drawn, withReplacement: true);
        List<AuditDraw> draws = [];
        long index = drawn;
        foreach (SampledTicket t in tickets)
        {
            var (batch, position, _) = ballots[t.IdIndex];
            draws.Add(new AuditDraw(++index, t.Number, batch.Container, batch.Tabulator, batch.Batch, position, t.Generation));
        }

        AuditRound round = new() { Number = State.Rounds.Count + 1, Draws = draws };
        State.Rounds.Add(round);
        Directory.CreateDirectory(System.IO.Path.Combine(Path, "rounds"));
        WriteAtomically(System.IO.Path.Combine(Path, "rounds", string.Create(CultureInfo.InvariantCulture, $"round-{round.Number}-retrieval.csv")), RetrievalList(round));
        Save();
        return round;
    }

    /// <summary>The retrieval list of a round: one row per ballot, sorted by container, tabulator, batch and position, with its ticket numbers.</summary>
    public string RetrievalList(AuditRound round)
    {
        ArgumentNullException.ThrowIfNull(round);
        if (State.Method == AuditMethod.Batch)
        {
            return BatchRetrievalList(round);
        }

        HashSet<string> earlier = [.. State.Rounds.Where(r => r.Number < round.Number).SelectMany(r => r.Draws).Select(d => d.BallotKey)];
        List<string> lines = [CsvWriter.Line("Container", "Tabulator", "Batch", "Position", "Ticket Numbers", "Times Drawn", "Already Audited")];
        foreach (IGrouping<string, AuditDraw> ballot in round.Draws.GroupBy(d => d.BallotKey)
                     .OrderBy(g => g.First().Container, NaturalComparer.Instance)
                     .ThenBy(g => g.First().Tabulator, NaturalComparer.Instance)
                     .ThenBy(g => g.First().Batch, NaturalComparer.Instance)
                     .ThenBy(g => g.First().Position))
        {
            AuditDraw first = ballot.First();
            lines.Add(CsvWriter.Line(first.Container, first.Tabulator, first.Batch, first.Position.ToString(CultureInfo.InvariantCulture),
                string.Join(";", ballot.Select(d => ConsistentSampler.Trim(d.Ticket, State.TicketDigits))),
                ballot.Count().ToString(CultureInfo.InvariantCulture), earlier.Contains(ballot.Key) ? "Y" : "N"));
        }

        return CsvWriter.Document(lines);
    }

    /// <summary>
    /// Readings per ballot key. The interpretations are a journal: for each ballot, a later entry for a contest
    /// replaces an earlier one, "not found" clears what was read before, and a contest reading after "not found"
    /// means the ballot turned up.
    /// </summary>
    public IReadOnlyDictionary<string, BallotReading> Readings() =>
        Interpretations.GroupBy(i => i.BallotKey).ToDictionary(g => g.Key, g => Fold(g).Reading, StringComparer.Ordinal);

    private static (BallotReading Reading, HashSet<string> Recorded) Fold(IEnumerable<Interpretation> entries)
    {
        bool notFound = false;
        Dictionary<string, IReadOnlySet<string>> contests = new(StringComparer.Ordinal);
        HashSet<string> recorded = new(StringComparer.Ordinal);
        foreach (Interpretation i in entries)
        {
            if (i.NotFound)
            {
                notFound = true;
                contests.Clear();
                recorded.Clear();
                continue;
            }

            notFound = false;
            recorded.Add(i.Contest!);
            if (i.OnBallot)
            {
                contests[i.Contest!] = new HashSet<string>(i.Choices, StringComparer.Ordinal);
            }
            else
            {
                contests.Remove(i.Contest!);
            }
        }

        return (new BallotReading(notFound, contests), recorded);
    }

    /// <summary>Records an interpretation of a ballot sampled in the current round; a later entry for the same contest supersedes an earlier one.</summary>
    public void Record(string? tabulator, string batch, long position, string? contest, IReadOnlyList<string> choices, bool onBallot)
    {
        ArgumentNullException.ThrowIfNull(choices);
        AuditRound round = CurrentRound ?? throw new InvalidOperationException("No ballots have been sampled yet. Run `entente audit sample --dir` first.");
        if (round.SignedOffBy is not null)
        {
            throw new InvalidOperationException($"Round {round.Number} is signed off; its interpretations can no longer change.");
        }

        AuditDraw? draw = round.Draws.FirstOrDefault(d => d.Tabulator == tabulator && d.Batch == batch && d.Position == position)
            ?? throw new InvalidOperationException($"Ballot {(tabulator is null ? "" : tabulator + " / ")}{batch} #{position} is not in round {round.Number}'s sample.");
        if (contest is not null)
        {
            ReportedContest c = Contests.FirstOrDefault(x => x.Name == contest)
                ?? throw new InvalidOperationException($"No contest \"{contest}\". Contests: {string.Join(", ", Contests.Select(x => x.Name))}.");
            foreach (string choice in choices.Where(x => !c.HasChoice(x)))
            {
                throw new InvalidOperationException($"\"{choice}\" is not a choice of \"{contest}\". Choices: {string.Join(", ", c.Choices.Select(x => x.Name))}.");
            }

            if (choices.Distinct(StringComparer.Ordinal).Count() > c.VotesAllowed)
            {
                // An overvote counts as no valid vote in the contest.
                choices = [];
            }
        }

        Interpretation entry = new(round.Number, draw.Tabulator, draw.Batch, draw.Position, contest, [.. choices.Distinct(StringComparer.Ordinal)], onBallot, Clock.GetUtcNow());
        Interpretations.Add(entry);
        Save();
    }

    /// <summary>Removes the last interpretation of the current round (before sign-off); returns it, or null when none.</summary>
    public Interpretation? Undo()
    {
        AuditRound round = CurrentRound ?? throw new InvalidOperationException("Nothing to undo: no round yet.");
        if (round.SignedOffBy is not null)
        {
            throw new InvalidOperationException($"Round {round.Number} is signed off; nothing can be undone.");
        }

        if (State.Method == AuditMethod.Batch)
        {
            return UndoBatchCount(round);
        }

        int last = Interpretations.FindLastIndex(i => i.Round == round.Number);
        if (last < 0)
        {
            return null;
        }

        Interpretation removed = Interpretations[last];
        Interpretations.RemoveAt(last);
        Save();
        return removed;
    }

    /// <summary>Ballots of the current round still missing an interpretation for some contest.</summary>
    public IReadOnlyList<(AuditDraw Draw, IReadOnlyList<string> MissingContests)> Missing()
    {
        AuditRound? round = CurrentRound;
        if (round is null)
        {
            return [];
        }

        if (State.Method == AuditMethod.Batch)
        {
            return MissingBatchCounts(round);
        }

        List<(AuditDraw, IReadOnlyList<string>)> missing = [];
        foreach (AuditDraw d in round.Draws.DistinctBy(d => d.BallotKey))
        {
            (BallotReading reading, HashSet<string> recorded) = Fold(Interpretations.Where(i => i.BallotKey == d.BallotKey));
            if (reading.NotFound)
            {
                continue;
            }

            string[] absent = [.. Contests.Select(c => c.Name).Where(c => !recorded.Contains(c))];
            if (absent.Length > 0)
            {
                missing.Add((d, absent));
            }
        }

        return missing;
    }

    /// <summary>Signs off the current round: every sampled ballot must have an interpretation for every contest (or be recorded as not found).</summary>
    public void SignOff(string board)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(board);
        AuditRound round = CurrentRound ?? throw new InvalidOperationException("No round to sign off.");
        if (round.SignedOffBy is not null)
        {
            throw new InvalidOperationException($"Round {round.Number} was already signed off by {round.SignedOffBy}.");
        }

        var missing = Missing();
        if (missing.Count > 0)
        {
            var (d, contests) = missing[0];
            throw new InvalidOperationException($"{missing.Count} sampled ballot(s) lack an interpretation, for example {d.Batch} #{d.Position} ({string.Join(", ", contests)}).");
        }

        round.SignedOffBy = board;
        round.SignedOffAt = Clock.GetUtcNow();
        Save();
    }

    /// <summary>The risk per contest over every signed-off round.</summary>
    public AuditDecision Evaluate() => State.Method == AuditMethod.Batch ? EvaluateBatches() :
        AuditEngine.Evaluate(State.Method, State.RiskLimit, Contests, Manifest.TotalBallots, SignedOffDraws, Readings(), Cvrs);
}
