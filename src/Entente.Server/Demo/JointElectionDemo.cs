using System.Diagnostics;
using System.Security.Cryptography;
using System.Globalization;
using System.Text;
using Entente.Audit.Seed;
using Entente.Audit.Statistics;
using Entente.Cryptography;
using Entente.Election.Decryption;
using Entente.Election.Encryption;
using Entente.Election.KeyCeremony;
using Entente.Election.Manifest;
using Entente.Election.Parameters;
using Entente.Election.Record;
using Entente.Election.Tally;
using Entente.Exchange.Envelopes;
using Entente.Exchange.Log;
using Entente.Storage.Sqlite.Exchange;
using Entente.Storage.Sqlite.Log;
using Entente.Transparency;
using Entente.Transparency.Log;
using Entente.Transparency.Merkle;
using Entente.Transparency.Notes;
using Entente.Transparency.Policy;
using Entente.Transparency.Witness;
using Entente.Verifier.Framework;
using Entente.Verifier.Native;
using TlogHash = Entente.Transparency.Hash256;

namespace Entente.Server.Demo;

/// <summary>
/// A whole joint election run by two parties that do not trust each other, in one process, on the
/// embedded SQLite board (what <c>entente demo</c> runs; tests drive it directly). In order:
/// <list type="number">
/// <item>the board log (SQLite, a fresh Ed25519 log key) and each party's Ed25519 identity key; the
/// charter naming them is the first entry, signed by both; each party runs a witness (the real
/// <see cref="Witness"/> logic, in process) and the witness policy (one cosignature per party) is logged;</item>
/// <item>the manifest; the key ceremony among n guardians split between the parties (Blue the first ⌈n/2⌉,
/// Red the rest) with every public message logged as a commitment entry whose artifact is a
/// content-addressed blob: each guardian's key commitments and proofs, each encrypted share, each
/// guardian's approval after checking what it received, then the joint key;</item>
/// <item>a simulated device encrypts the ballots; every cast ballot is logged with its confirmation
/// code (and every challenged one as challenged);</item>
/// <item>homomorphic tally and joint decryption by a quorum that includes both parties; challenged
/// ballots opened; every result logged and the record written to disk;</item>
/// <item>the record read back from disk and checked, the log checked (fsck of every entry and tile,
/// consistency between every pair of successive cosigned checkpoints, the witness policy, the inclusion
/// of every cast ballot), and an audit seed by commit-then-reveal from both parties on the log with the
/// BRAVO ballot-polling sample size for the first contest.</item>
/// </list>
/// The board is cosigned by both witnesses after every stage. Secrets (guardian keys, party keys)
/// live only in memory and are disposed at the end; the log key is kept in the working directory
/// so <c>entente demo</c> can serve the board afterwards.
/// </summary>
public static partial class JointElectionDemo
{
    /// <summary>Party names (also the names of their Ed25519 keys).</summary>
    public const string Blue = "Blue";

    /// <summary>The second party.</summary>
    public const string Red = "Red";

    /// <summary>The log's origin line.</summary>
    public const string Origin = "entente.demo/board";

    /// <summary>The key name of the simulated voting device.</summary>
    public const string DeviceName = "device-1";

    /// <summary>The demo's ballot manifest: two contests, two styles.</summary>
    public const string ManifestJson = """
        {"label":"Entente joint demo election","contests":[
          {"label":"Mayor","contest_options":[{"label":"Ada Lovelace"},{"label":"Alan Turing"},{"label":"Grace Hopper"}]},
          {"label":"Harbour bond","contest_options":[{"label":"Yes"},{"label":"No"}]}],
         "ballot_styles":[{"label":"city","contests":[1,2]},{"label":"mayor only","contests":[1]}]}
        """;

    /// <summary>The party holding guardian <paramref name="index"/> (1-based) of <paramref name="n"/>.</summary>
    public static string PartyOf(int index, int n) => index <= (n + 1) / 2 ? Blue : Red;

    /// <summary>Checks n and k: k ≤ n and neither party alone holds k guardians. Returns a problem or null.</summary>
    public static string? CheckSplit(int n, int k)
    {
        if (n < 2 || k < 1 || k > n)
        {
            return $"need 2 ≤ guardians and 1 ≤ quorum ≤ guardians (got {n} and {k})";
        }

        int blue = (n + 1) / 2;
        return blue >= k
            ? $"with {n} guardians Blue holds {blue} and Red {n - blue}: a quorum of {k} would let Blue decrypt alone; choose a quorum above {blue}"
            : null;
    }

    /// <summary>The decrypting quorum: k guardians taken alternately from Blue and Red, so both parties take part.</summary>
    public static int[] DecryptingQuorum(int n, int k)
    {
        int blue = (n + 1) / 2;
        List<int> order = [];
        for (int i = 0; i < n; i++)
        {
            int b = i + 1;
            int r = blue + i + 1;
            if (b <= blue)
            {
                order.Add(b);
            }

            if (r <= n)
            {
                order.Add(r);
            }
        }

        return [.. order.Take(k).Order()];
    }

    /// <summary>Runs the demo. Throws <see cref="ArgumentException"/> for bad options (message says what to change).</summary>
    public static async Task<DemoResult> RunAsync(DemoOptions options, IProgress<DemoProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (CheckSplit(options.Guardians, options.Quorum) is string problem)
        {
            throw new ArgumentException(problem, nameof(options));
        }

        if (options.Ballots < 1 || options.ChallengedCount < 0 || options.ChallengedCount >= options.Ballots)
        {
            throw new ArgumentException($"need at least one ballot and 0 ≤ challenged < ballots (got {options.Ballots} and {options.ChallengedCount})", nameof(options));
        }

        string dir = Path.GetFullPath(options.Directory);
        if (Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any())
        {
            throw new ArgumentException($"{dir} is not empty; choose a new directory", nameof(options));
        }

        Directory.CreateDirectory(dir);
        await using Run run = await Run.StartAsync(dir, options, progress, cancellationToken).ConfigureAwait(false);
        DemoResult result = await run.ExecuteAsync(cancellationToken).ConfigureAwait(false);
        await File.WriteAllBytesAsync(Path.Combine(dir, SummaryFile), System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(result, DemoJsonContext.Default.DemoResult), cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>The summary a finished demo leaves in its directory (read by <c>entente serve</c>).</summary>
    public const string SummaryFile = "summary.json";

    /// <summary>Reads the summary of a finished demo in <paramref name="directory"/>; throws <see cref="FileNotFoundException"/> or <see cref="FormatException"/> naming the file.</summary>
    public static async Task<DemoResult> LoadAsync(string directory, CancellationToken cancellationToken = default)
    {
        string file = Path.Combine(Path.GetFullPath(directory), SummaryFile);
        byte[] bytes = await File.ReadAllBytesAsync(file, cancellationToken).ConfigureAwait(false);
        try
        {
            return System.Text.Json.JsonSerializer.Deserialize(bytes, DemoJsonContext.Default.DemoResult) ?? throw new FormatException($"{file}: empty summary");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new FormatException($"{file}: not a demo summary: {e.Message}", e);
        }
    }

    /// <summary>The state of one run.</summary>
    private sealed partial class Run : IAsyncDisposable
    {
        private readonly string _dir;
        private readonly DemoOptions _options;
        private readonly IProgress<DemoProgress>? _progress;
        private readonly List<DemoStage> _stages = [];
        private readonly List<StoredCheckpoint> _cosigned = [];
        private readonly Dictionary<string, Ed25519NoteSigner> _parties;
        private readonly Dictionary<string, PartyKey> _exchangeKeys = new(StringComparer.Ordinal);
        private SqliteExchangeStore? _exchangeStore;
        private PartyRegistry? _exchangeParties;
        private BoardAnchor? _anchor;
        private DateTimeOffset _overdueAfter = DateTimeOffset.MinValue;
        private readonly Ed25519NoteSigner _logKey;
        private readonly Ed25519NoteSigner[] _witnessKeys;
        private readonly SqliteLogStore _store;
        private readonly SqliteBlobStore _blobs;
        private readonly SqliteWitnessStore[] _witnessStores;
        private HttpClient? _witnessClient;
        private Sequencer _sequencer = null!;
        private CosignatureCollector _collector = null!;
        private string _policy = "";

        private Run(string dir, DemoOptions options, IProgress<DemoProgress>? progress)
        {
            _dir = dir;
            _options = options;
            _progress = progress;
            _logKey = Ed25519NoteSigner.Generate(Origin);
            _parties = new(StringComparer.Ordinal) { [DeviceName] = Ed25519NoteSigner.Generate(DeviceName) };
            // Each party has one Ed25519 key: it signs the party's board entries (signed notes) and its
            // exchange envelopes (domain-separated messages), so the charter's key is the exchange key.
            foreach (string party in new[] { Blue, Red })
            {
                byte[] seed = RandomNumberGenerator.GetBytes(PartyKey.SeedSize);
                try
                {
                    _parties[party] = Ed25519NoteSigner.FromSeed(party, seed);
                    _exchangeKeys[party] = PartyKey.FromSeed(seed);
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(seed);
                }
            }

            _witnessKeys = [Ed25519NoteSigner.Generate("witness.blue"), Ed25519NoteSigner.Generate("witness.red")];
            _store = new SqliteLogStore(LogPath(dir));
            _blobs = new SqliteBlobStore(LogPath(dir));
            _witnessStores = [new SqliteWitnessStore(Path.Combine(dir, "witness-blue.db")), new SqliteWitnessStore(Path.Combine(dir, "witness-red.db"))];
        }

        public static string LogPath(string dir) => Path.Combine(dir, "board.db");

        public static async Task<Run> StartAsync(string dir, DemoOptions options, IProgress<DemoProgress>? progress, CancellationToken ct)
        {
            Run run = new(dir, options, progress);
            Dictionary<string, Witness> byHost = new(StringComparer.Ordinal);
            string[] hosts = ["witness-blue.demo.invalid", "witness-red.demo.invalid"];
            for (int i = 0; i < 2; i++)
            {
                await run._witnessStores[i].CreateSchemaAsync(ct).ConfigureAwait(false);
                byHost[hosts[i]] = new Witness(run._witnessKeys[i], [new WitnessedLog(Origin, [run._logKey.Verifier])], run._witnessStores[i]);
            }

            run._witnessClient = new HttpClient(new InProcessWitnesses(byHost));
            await run._store.CreateSchemaAsync(ct).ConfigureAwait(false);
            await run._blobs.CreateSchemaAsync(ct).ConfigureAwait(false);
            await Sequencer.InitializeLogAsync(run._store, run._logKey, Origin, ct).ConfigureAwait(false);
            run._sequencer = await Sequencer.StartAsync(run._store, run._logKey, Origin, cancellationToken: ct).ConfigureAwait(false);
            run._collector = new CosignatureCollector(
                run._sequencer, run._store,
                [.. run._witnessKeys.Select((k, i) => new WitnessEndpoint(k.CosignatureVerifier, new Uri($"http://{hosts[i]}/")))],
                new Entente.Client.Witness.WitnessClient(run._witnessClient), quorum: 2, interval: TimeSpan.FromSeconds(1));
            await File.WriteAllTextAsync(Path.Combine(dir, "log.key"), run._logKey.ExportSkey() + "\n", ct).ConfigureAwait(false);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(Path.Combine(dir, "log.key"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            return run;
        }

        public async Task<DemoResult> ExecuteAsync(CancellationToken ct)
        {
            int n = _options.Guardians;
            int k = _options.Quorum;
            ElectionManifest manifest = ManifestReader.Parse(Encoding.UTF8.GetBytes(ManifestJson), "demo manifest");

            // 1. Charter, witness policy, manifest.
            await StageAsync("Charter and witnesses", async () =>
            {
                await AppendAsync("charter", CharterJson(), Blue, countersign: Red, ct: ct).ConfigureAwait(false);
                _policy = PolicyText();
                await AppendAsync("witness.policy", Encoding.UTF8.GetBytes(_policy), Blue, countersign: Red, ct: ct).ConfigureAwait(false);
                await AppendAsync("manifest", manifest.CanonicalBytes, Blue, countersign: Red, ct: ct).ConfigureAwait(false);
                return "charter with Blue and Red, one witness per party, manifest";
            }, ct).ConfigureAwait(false);

            // 2. Key ceremony through the board.
            ElectionParameters parameters = ElectionParameters.Create(_options.Group, manifest, n, k);
            ElectionContext context = null!;
            GuardianSecrets[] secrets = new GuardianSecrets[n];
            try
            {
                await StageAsync("Key ceremony", async () =>
                {
                    context = await KeyCeremonyAsync(parameters, secrets, ct).ConfigureAwait(false);
                    return $"{n} guardians (Blue {(n + 1) / 2}, Red {n - ((n + 1) / 2)}), quorum {k}, joint key logged";
                }, ct).ConfigureAwait(false);

                // 3. Voting.
                Random voters = new(_options.VoterSeed);
                EncryptedBallot[] ballots = [];
                await StageAsync("Encrypting and casting ballots", async () =>
                {
                    ballots = await VoteAsync(context, manifest, voters, ct).ConfigureAwait(false);
                    return $"{ballots.Count(b => b.State == BallotState.Cast)} cast with confirmation codes on the log, {ballots.Count(b => b.State == BallotState.Challenged)} challenged";
                }, ct).ConfigureAwait(false);

                // 3b. Incident exchange on the same board log.
                await StageAsync("Incident exchange", () => IncidentsAsync(ct), ct).ConfigureAwait(false);

                // 4. Tally and joint decryption.
                int[] quorum = DecryptingQuorum(n, k);
                ElectionRecord record = null!;
                await StageAsync("Tally and joint decryption", async () =>
                {
                    record = await TallyAsync(context, ballots, secrets, quorum, ct).ConfigureAwait(false);
                    return $"decrypted by guardians {string.Join(", ", quorum.Select(i => $"{i} ({PartyOf(i, n)})"))}; {record.Challenged.Count} challenged ballots opened";
                }, ct).ConfigureAwait(false);

                // 5. Verification of the record.
                string recordDir = Path.Combine(_dir, "record");
                IReadOnlyList<string> recordFailures = [];
                VerificationReport? recordReport = null;
                await StageAsync("Verifying the record", () =>
                {
                    // The independent verifier reads the record from disk as any observer would: it shares
                    // only arithmetic and hashing with the code that wrote it.
                    VerificationOptions verification = new() { AllowToyGroups = _options.Group.Name != Group.Standard.Name };
                    try
                    {
                        recordReport = NativeVerifier.Verify(recordDir, verification);
                        recordFailures = [.. recordReport.Failures.Select(f => f.ToString())];
                    }
                    catch (RecordInputException e)
                    {
                        recordFailures = [$"the record cannot be read: {e.Message}"];
                    }

                    long objects = recordReport?.Steps.Sum(s => s.Checked) ?? 0;
                    return Task.FromResult(recordFailures.Count == 0
                        ? $"entente verify: {recordReport!.Steps.Count} steps (V1–V14), {objects.ToString(CultureInfo.InvariantCulture)} checks, every one passed"
                        : $"{recordFailures.Count} failures");
                }, ct).ConfigureAwait(false);

                // 6. Audit seed.
                string? seed = null;
                long? sampleSize = null;
                await StageAsync("Audit seed and sample size", async () =>
                {
                    (seed, sampleSize) = await AuditAsync(record, manifest, ct).ConfigureAwait(false);
                    return $"seed {seed[..16]}…, BRAVO sample for {manifest.Contests[0].Label}: {(sampleSize is long s ? s.ToString(CultureInfo.InvariantCulture) + " ballots" : "a full hand count (the margin is too small for a sample)")}";
                }, ct).ConfigureAwait(false);

                // 7. Verification of the log.
                IReadOnlyList<string> logFailures = [];
                PolicyResult? policy = null;
                StoredCheckpoint final = _cosigned[^1];
                await StageAsync("Verifying the log", async () =>
                {
                    (logFailures, policy) = await VerifyLogAsync(record, ct).ConfigureAwait(false);
                    return logFailures.Count == 0 ? $"fsck, {_cosigned.Count - 1} consistency proofs, witness policy and {record.Ballots.Count(b => b.State == BallotState.Cast)} inclusions pass" : $"{logFailures.Count} failures";
                }, ct).ConfigureAwait(false);

                // 8. The exchange messages against the same final checkpoint, and the requests' statuses.
                IReadOnlyList<string> exchangeFailures = [];
                IReadOnlyList<DemoIncident> incidents = [];
                await StageAsync("Verifying the incident exchange", async () =>
                {
                    exchangeFailures = await VerifyExchangeAsync(final, ct).ConfigureAwait(false);
                    incidents = await IncidentStatusesAsync(ct).ConfigureAwait(false);
                    return (exchangeFailures.Count == 0 ? $"{_anchor!.BoardIndexes.Count} messages: envelope signature, board entry, inclusion and witnessed checkpoint pass" : $"{exchangeFailures.Count} failures")
                        + "; requests " + string.Join(", ", incidents.Select(i => i.Status));
                }, ct).ConfigureAwait(false);

                DecryptedTally tally = record.Tally;
                List<DemoContestResult> contests = [.. tally.Contests.Select(c =>
                {
                    Contest definition = manifest.Contests[c.ContestIndex - 1];
                    return new DemoContestResult(c.ContestIndex, definition.Label, [.. c.Options.Select(o => new DemoOptionResult(definition.Options[o.OptionIndex - 1].Label, o.Value))]);
                })];
                return new DemoResult(
                    _dir, recordDir, LogPath(_dir), _options.Group.Name,
                    [.. Enumerable.Range(1, n).Select(i => new DemoGuardian(i, PartyOf(i, n), quorum.Contains(i)))],
                    k,
                    ballots.Count(b => b.State == BallotState.Cast),
                    record.Challenged.Count,
                    contests,
                    "entente verify, the independent ElectionGuard 2.1 verifier (§6.2 steps V1–V14), on the record read back from disk",
                    recordFailures,
                    logFailures,
                    final.Size,
                    final.Root.ToHex(),
                    policy is null ? [] : [.. policy.Cosigned.Order(StringComparer.Ordinal)],
                    seed,
                    sampleSize,
                    _stages)
                {
                    ExchangeDatabase = Path.Combine(_dir, DemoExchange.StoreFile),
                    ExchangeMessages = _anchor!.BoardIndexes.Count,
                    Incidents = incidents,
                    ExchangeFailures = exchangeFailures,
                    RecordSteps = recordReport?.Steps ?? [],
                };
            }
            finally
            {
                foreach (GuardianSecrets? s in secrets)
                {
                    s?.Dispose();
                }
            }
        }

        private async Task<ElectionContext> KeyCeremonyAsync(ElectionParameters parameters, GuardianSecrets[] secrets, CancellationToken ct)
        {
            // The ceremony itself is the simulator's; the demo publishes every message it sends on the board.
            int n = parameters.GuardianCount;
            int steps = (2 * n) + (n * (n + 1)); // the ceremony's 2n steps, then n commitments, n(n−1) shares and n approvals to log
            List<KeyCeremonyMessage> messages = [];
            InlineProgress<SimulationProgress> progress = new(p => Report("Key ceremony", p.Done, steps));
            (ElectionContext context, GuardianSecrets[] generated) = await Task.Run(
                () => ElectionSimulator.RunKeyCeremony(parameters, progress, i => $"{PartyOf(i, n)} guardian {i}", messages.Add), ct).ConfigureAwait(false);
            generated.CopyTo(secrets, 0);

            int published = 0;
            foreach (KeyCeremonyMessage message in messages)
            {
                ct.ThrowIfCancellationRequested();
                await (message switch
                {
                    GuardianCommitted c => AppendAsync("guardian.commitment", RecordFormat.WriteGuardian(c.Key), PartyOf(c.Sender, n), ct: ct),
                    ShareSent s => AppendAsync("guardian.share", ShareJson(s.Share), PartyOf(s.Sender, n), ct: ct),
                    SharesApproved a => AppendAsync(
                        "guardian.approval",
                        Encoding.UTF8.GetBytes($"{{\"guardian\":{a.Sender},\"approves\":[{string.Join(",", a.Approved)}],\"h_b\":\"{parameters.ElectionBaseHash.ToHex()}\"}}"),
                        PartyOf(a.Sender, n),
                        ct: ct),
                    _ => throw new UnreachableException($"unknown ceremony message {message.GetType().Name}"),
                }).ConfigureAwait(false);
                Report("Key ceremony", (2 * n) + (++published), steps);
            }

            await AppendAsync("election.parameters", RecordFormat.WriteParameters(parameters), Blue, countersign: Red, ct: ct).ConfigureAwait(false);
            await AppendAsync("election.key", RecordFormat.WriteElection(context), Blue, countersign: Red, ct: ct).ConfigureAwait(false);
            return context;
        }

        /// <summary>An IProgress that reports on the calling thread (Progress&lt;T&gt; would post asynchronously).</summary>
        private sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
        {
            public void Report(T value) => report(value);
        }

        private async Task<EncryptedBallot[]> VoteAsync(ElectionContext context, ElectionManifest manifest, Random voters, CancellationToken ct)
        {
            int total = _options.Ballots;
            BallotEncryptor encryptor = new(context);
            EncryptionDevice device = new(context, DeviceName, "entente demo device 1");
            PlaintextBallot[] plaintexts = [.. Enumerable.Range(0, total).Select(_ => ElectionSimulator.RandomBallot(manifest, voters))];
            HashSet<int> challenged = [.. Enumerable.Range(0, total).OrderBy(_ => voters.Next()).Take(_options.ChallengedCount)];
            PreparedBallot[] prepared = new PreparedBallot[total];
            int encrypted = 0;
            await Task.Run(() => Parallel.For(0, total, new ParallelOptions { CancellationToken = ct }, b =>
            {
                prepared[b] = encryptor.Encrypt(plaintexts[b], $"ballot {b + 1}");
                Report("Encrypting and casting ballots", Interlocked.Increment(ref encrypted), 2 * total);
            }), ct).ConfigureAwait(false);

            EncryptedBallot[] sealedBallots = new EncryptedBallot[total];
            for (int b = 0; b < total; b++)
            {
                sealedBallots[b] = device.Seal(prepared[b], DateTimeOffset.UtcNow, challenged.Contains(b) ? BallotState.Challenged : BallotState.Cast);
            }

            _device = new DeviceRecord(device.Name, device.DeviceInformation, device.DeviceHash, device.ChainingMode, [.. device.Ballots], device.ClosingHash());
            int logged = 0;
            foreach (EncryptedBallot[] chunk in sealedBallots.Chunk(64))
            {
                await Task.WhenAll(chunk.Select(async ballot =>
                {
                    string type = ballot.State == BallotState.Cast ? "ballot.cast" : "ballot.challenged";
                    await AppendAsync(type, RecordFormat.WriteBallot(ballot), DeviceName, ballot.Id.ToHex(), ballot.ConfirmationCode.ToHex(), ct: ct).ConfigureAwait(false);
                    Report("Encrypting and casting ballots", total + Interlocked.Increment(ref logged), 2 * total);
                })).ConfigureAwait(false);
            }

            return sealedBallots;
        }

        private DeviceRecord? _device;

        private async Task<ElectionRecord> TallyAsync(ElectionContext context, EncryptedBallot[] ballots, GuardianSecrets[] secrets, int[] quorum, CancellationToken ct)
        {
            int steps = 3 + ballots.Count(b => b.State == BallotState.Challenged);
            EncryptedTally tally = await Task.Run(() => EncryptedTally.Aggregate(context, ballots), ct).ConfigureAwait(false);
            await AppendAsync("tally.encrypted", RecordFormat.WriteEncryptedTally(tally), Blue, countersign: Red, ct: ct).ConfigureAwait(false);
            Report("Tally and joint decryption", 1, steps);
            DecryptionGuardian[] decrypting = [.. quorum.Select(i => new DecryptionGuardian(context, secrets[i - 1]))];
            DecryptedTally decrypted = await Task.Run(() => TallyDecryption.Decrypt(context, tally, decrypting), ct).ConfigureAwait(false);
            await AppendAsync("tally.decrypted", RecordFormat.WriteTally(decrypted, context.Parameters.Manifest), Blue, countersign: Red, ct: ct).ConfigureAwait(false);
            Report("Tally and joint decryption", 2, steps);
            List<OpenedBallot> opened = [];
            foreach (EncryptedBallot ballot in ballots.Where(b => b.State == BallotState.Challenged))
            {
                OpenedBallot o = await Task.Run(() => ChallengedBallotOpener.Open(context, ballot, decrypting), ct).ConfigureAwait(false);
                opened.Add(o);
                await AppendAsync("ballot.opened", RecordFormat.WriteOpened(o, context.Parameters.Manifest), Blue, o.Id.ToHex(), countersign: Red, ct: ct).ConfigureAwait(false);
                Report("Tally and joint decryption", 2 + opened.Count, steps);
            }

            ElectionRecord record = new(context, [_device!], ballots, tally, decrypted, opened);
            string recordDir = Path.Combine(_dir, "record");
            await RecordStore.WriteAsync(record, recordDir, ct).ConfigureAwait(false);
            await AppendAsync("record.index", await File.ReadAllBytesAsync(Path.Combine(recordDir, "record.json"), ct).ConfigureAwait(false), Blue, countersign: Red, ct: ct).ConfigureAwait(false);
            Report("Tally and joint decryption", steps, steps);
            return record;
        }

        private async Task<(string Seed, long? SampleSize)> AuditAsync(ElectionRecord record, ElectionManifest manifest, CancellationToken ct)
        {
            string auditId = "audit-" + record.Context.ExtendedBaseHash.ToHex()[..16].ToLowerInvariant();
            DateTimeOffset commitBy = DateTimeOffset.MaxValue;
            Dictionary<string, byte[]> secrets = new(StringComparer.Ordinal) { [Blue] = SeedProtocol.NewSecret(), [Red] = SeedProtocol.NewSecret() };
            List<SeedLogRecord> records = [];
            try
            {
                foreach (string party in new[] { Blue, Red })
                {
                    byte[] commitment = SeedProtocol.Commitment(auditId, party, secrets[party]);
                    long index = await AppendAsync("audit.commit", commitment, party, ct: ct).ConfigureAwait(false);
                    records.Add(new SeedLogRecord(auditId, party, SeedRecordKind.Commit, commitment, index, DateTimeOffset.UtcNow));
                }

                // The commit window closes once both commitments are cosigned; only then does anyone reveal.
                await CosignAsync(ct).ConfigureAwait(false);
                commitBy = records.Max(r => r.Timestamp).AddTicks(1);
                foreach (string party in new[] { Blue, Red })
                {
                    long index = await AppendAsync("audit.reveal", secrets[party], party, ct: ct).ConfigureAwait(false);
                    DateTimeOffset at = DateTimeOffset.UtcNow;
                    records.Add(new SeedLogRecord(auditId, party, SeedRecordKind.Reveal, secrets[party].ToArray(), index, at < commitBy ? commitBy : at));
                }
            }
            finally
            {
                foreach (byte[] s in secrets.Values)
                {
                    Array.Clear(s);
                }
            }

            DateTimeOffset revealBy = records.Max(r => r.Timestamp).AddTicks(1);
            SeedSchedule schedule = new(auditId, [Blue, Red], commitBy, revealBy, revealBy);
            SeedResult result = SeedProtocol.Evaluate(schedule, records, revealBy);
            string seed = result.Seed ?? throw new InvalidOperationException("the audit seed could not be derived: " + string.Join("; ", result.Parties.Select(p => $"{p.Party} {p.Outcome}")));
            DecryptedContest first = record.Tally.Contests[0];
            Contest definition = manifest.Contests[first.ContestIndex - 1];
            long ballotsInContest = record.Ballots.Count(b => b.State == BallotState.Cast && b.Contests.Any(c => c.ContestIndex == first.ContestIndex));
            ReportedContest reported = new(definition.Label, first.Options.Select(o => new ChoiceTally(definition.Options[o.OptionIndex - 1].Label, o.Value)), ballotsInContest);
            BravoSampleSizes sizes = Bravo.SampleSizes(0.05, reported, new Dictionary<string, long>());
            // A BRAVO sample at least as large as the contest means a full hand count is the cheaper audit.
            long? size = sizes.AllBallots || sizes.Asn >= ballotsInContest ? null : sizes.Asn;
            await AppendAsync("audit.plan", Encoding.UTF8.GetBytes($"{{\"audit\":\"{auditId}\",\"seed\":\"{seed}\",\"contest\":{first.ContestIndex},\"method\":\"BRAVO\",\"risk_limit\":0.05,\"sample_size\":{(size is long n ? n.ToString(CultureInfo.InvariantCulture) : "null")}}}"), Blue, countersign: Red, ct: ct).ConfigureAwait(false);
            return (seed, size);
        }

        private async Task<(IReadOnlyList<string> Failures, PolicyResult Policy)> VerifyLogAsync(ElectionRecord record, CancellationToken ct)
        {
            List<string> failures = [];
            FsckResult fsck = await Fsck.RunAsync(_store, _logKey.Verifier, cancellationToken: ct).ConfigureAwait(false);
            failures.AddRange(fsck.Problems.Select(p => "fsck: " + p));
            LogReader reader = new(_store);
            for (int i = 1; i < _cosigned.Count; i++)
            {
                StoredCheckpoint old = _cosigned[i - 1];
                StoredCheckpoint next = _cosigned[i];
                TlogHash[] proof = await reader.ConsistencyProofAsync(old.Size, next.Size, ct).ConfigureAwait(false);
                if (!MerkleMath.VerifyConsistency(old.Size, next.Size, old.Root, next.Root, proof))
                {
                    failures.Add($"consistency: checkpoint of size {next.Size} does not extend the one of size {old.Size}");
                }
            }

            StoredCheckpoint final = _cosigned[^1];
            PolicyResult policy = TrustPolicy.Parse(_policy).Check(SignedNote.Parse(final.Note));
            if (!policy.Valid)
            {
                failures.Add($"witness policy not met by the checkpoint of size {final.Size}: cosigned by [{string.Join(", ", policy.Cosigned)}]");
            }

            int checkedBallots = 0;
            foreach (EncryptedBallot ballot in record.Ballots.Where(b => b.State == BallotState.Cast))
            {
                if (!_ballotIndex.TryGetValue(ballot.Id.ToHex(), out (long Index, TlogHash Leaf) at))
                {
                    failures.Add($"inclusion: ballot {ballot.Id.ToHex()} has no log entry");
                    continue;
                }

                TlogHash[] proof = await reader.InclusionProofAsync(at.Index, final.Size, ct).ConfigureAwait(false);
                if (!MerkleMath.VerifyInclusion(at.Index, final.Size, at.Leaf, proof, final.Root))
                {
                    failures.Add($"inclusion: ballot {ballot.Id.ToHex()} at index {at.Index} is not in the checkpoint of size {final.Size}");
                }

                Report("Verifying the log", ++checkedBallots, record.Ballots.Count);
            }

            return (failures, policy);
        }

        private readonly Dictionary<string, (long, TlogHash)> _ballotIndex = new(StringComparer.Ordinal);

        private async Task<long> AppendAsync(string type, byte[] artifact, string party, string? ballotId = null, string? code = null, string? countersign = null, CancellationToken ct = default)
        {
            TlogHash sha = await _blobs.PutAsync(artifact, ct).ConfigureAwait(false);
            LogEntry entry = new(type, sha, party, ballotId, code);
            byte[] bytes = entry.Sign(_parties[party]);
            if (countersign is not null)
            {
                SignedNote note = SignedNote.Parse(bytes);
                bytes = note.WithSignature(_parties[countersign].Sign(note.TextBytes)).ToBytes();
            }

            AddResult added = await _sequencer.AddAsync(bytes, ct).ConfigureAwait(false);
            if (ballotId is not null && type == "ballot.cast")
            {
                lock (_ballotIndex)
                {
                    _ballotIndex[ballotId] = (added.Index, Rfc6962.LeafHash(bytes));
                }
            }

            return added.Index;
        }

        private async Task CosignAsync(CancellationToken ct)
        {
            StoredCheckpoint head = _sequencer.Head;
            if (_cosigned.Count > 0 && _cosigned[^1].Size == head.Size)
            {
                return;
            }

            if (!await _collector.CollectOnceAsync(head, ct).ConfigureAwait(false))
            {
                throw new InvalidOperationException($"the witnesses did not cosign the checkpoint of size {head.Size}: {_collector.LastError}");
            }

            _cosigned.Add(await _store.ReadCosignedAsync(ct).ConfigureAwait(false) ?? throw new InvalidOperationException("the cosigned checkpoint was not stored"));
        }

        private async Task StageAsync(string name, Func<Task<string>> body, CancellationToken ct)
        {
            Report(name, 0, 1);
            Stopwatch watch = Stopwatch.StartNew();
            string outcome = await body().ConfigureAwait(false);
            await CosignAsync(ct).ConfigureAwait(false);
            _stages.Add(new DemoStage(name, watch.Elapsed, outcome));
            Report(name, 1, 1);
        }

        private void Report(string stage, int done, int total) => _progress?.Report(new DemoProgress(stage, done, total));

        private byte[] CharterJson()
        {
            StringBuilder sb = new();
            sb.Append("{\"parties\":[");
            sb.Append($"{{\"name\":\"{Blue}\",\"key\":\"{_parties[Blue].VerifierKey}\",\"roles\":[\"submitter\",\"guardian\",\"witness\",\"auditor\"]}},");
            sb.Append($"{{\"name\":\"{Red}\",\"key\":\"{_parties[Red].VerifierKey}\",\"roles\":[\"submitter\",\"guardian\",\"witness\",\"auditor\"]}},");
            sb.Append($"{{\"name\":\"{DeviceName}\",\"key\":\"{_parties[DeviceName].VerifierKey}\",\"roles\":[\"submitter\",\"device\"]}}");
            sb.Append("]}");
            byte[] bytes = Encoding.UTF8.GetBytes(sb.ToString());
            File.WriteAllBytes(Path.Combine(_dir, "charter.json"), bytes);
            return bytes;
        }

        private string PolicyText()
        {
            string text = $"""
                # Entente demo: the board's log key and one witness per party; a checkpoint needs both parties.
                log {_logKey.VerifierKey}
                witness blue {_witnessKeys[0].CosignerVerifierKey}
                witness red {_witnessKeys[1].CosignerVerifierKey}
                group parties all blue red
                quorum parties

                """;
            File.WriteAllText(Path.Combine(_dir, "witness-policy.txt"), text);
            return text;
        }

        private static byte[] ShareJson(EncryptedShare share) => Encoding.UTF8.GetBytes(
            $"{{\"from\":{share.From},\"to\":{share.To},\"c0\":\"{share.Ciphertext.C0.ToHex()}\",\"c1\":\"{Convert.ToHexString(share.Ciphertext.C1)}\",\"c2\":{{\"challenge\":\"{share.Ciphertext.C2.Challenge.ToHex()}\",\"response\":\"{share.Ciphertext.C2.Response.ToHex()}\"}}}}");

        public async ValueTask DisposeAsync()
        {
            if (_collector is not null)
            {
                await _collector.DisposeAsync().ConfigureAwait(false);
            }

            if (_sequencer is not null)
            {
                await _sequencer.DisposeAsync().ConfigureAwait(false);
            }

            await _store.DisposeAsync().ConfigureAwait(false);
            _witnessClient?.Dispose();
            foreach (Ed25519NoteSigner key in _parties.Values.Concat(_witnessKeys).Append(_logKey))
            {
                key.Dispose();
            }

            foreach (PartyKey key in _exchangeKeys.Values)
            {
                key.Dispose();
            }
        }
    }
}
