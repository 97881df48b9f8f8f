using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Entente.Client.Board;
using Entente.Client.Http;
using Entente.Client.Log;
using Entente.Election.Encryption;
using Entente.Election.Record;
using Entente.Server.Log;
using Entente.Server.Mirror;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;
using Entente.Verifier.Framework;

namespace Entente.Cli.Commands.Demo;

/// <summary>
/// A whole joint election between two parties that do not trust each other, every party a client of the real board
/// (what <c>entente demo</c> runs). The demo writes the parties' keys, the charter and the configurations, then starts
/// each party's witness (<c>entente witness serve</c>) and the board (<c>entente serve</c>) as their own processes, the
/// board reaching the witnesses over HTTP. Every step of every party is its own <c>entente</c> process against the
/// board (<c>--board URL --key KEY</c>): election init, each guardian's keygen, share, receive and approve, each
/// device's encrypt, the tally, each guardian's decryption rounds and the combination, the audit seed; the incident
/// messages go through the board's TAXII server (<c>entente incident … --server URL</c>). The record it reports is the
/// one <c>entente record fetch</c> returns from the board, checked by <c>entente verify</c>, and the log is checked by
/// <c>entente log verify</c> against the witness policy.
/// </summary>
internal static partial class JointElectionDemo
{
    /// <summary>Party names (also the names of their charter keys).</summary>
    public const string Blue = "Blue";

    /// <summary>The second party.</summary>
    public const string Red = "Red";

    /// <summary>The log's origin line.</summary>
    public const string Origin = "entente.demo/board";

    /// <summary>The run summary the board's pages read (docs/pages.md, "The run summary").</summary>
    public const string SummaryFile = "summary.json";

    /// <summary>The board's configuration file in the board's folder.</summary>
    public const string BoardConfig = "board.json";

    /// <summary>The demo's ballot manifest: two contests, two styles.</summary>
    public const string ManifestJson = """
        {"label":"Entente joint demo election","contests":[
          {"label":"Mayor","contest_options":[{"label":"Ada Lovelace"},{"label":"Alan Turing"},{"label":"Grace Hopper"}]},
          {"label":"Harbour bond","contest_options":[{"label":"Yes"},{"label":"No"}]}],
         "ballot_styles":[{"label":"city","contests":[1,2]},{"label":"mayor only","contests":[1]}]}
        """;

    private static readonly string[] CeremonyRounds = ["keygen", "share", "receive", "approve"];

    private static readonly string[] DecryptionRounds = ["commit", "reveal", "respond"];

    /// <summary>The address the parties' incident messages are about.</summary>
    public const string SuspiciousAddress = "203.0.113.66";

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
            if (i + 1 <= blue)
            {
                order.Add(i + 1);
            }

            if (blue + i + 1 <= n)
            {
                order.Add(blue + i + 1);
            }
        }

        return [.. order.Take(k).Order()];
    }

    /// <summary>The default folder: under the user's local data folder (else the temporary folder), never the current one.</summary>
    public static string DefaultDirectory()
    {
        string root = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
        if (string.IsNullOrEmpty(root))
        {
            root = Path.GetTempPath();
        }

        return Path.Combine(root, "entente", "demo-" + DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
    }

    /// <summary>A free TCP port on the loopback address.</summary>
    public static int FreePort()
    {
        using TcpListener listener = new(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// Runs the demo and returns its result with the board still running (the caller serves it or disposes it).
    /// Throws <see cref="ArgumentException"/> for bad options and <see cref="DemoStepException"/> naming the step that failed.
    /// </summary>
    public static async Task<DemoRun> RunAsync(DemoOptions options, IProgress<DemoProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (CheckSplit(options.Guardians, options.Quorum) is string problem)
        {
            throw new ArgumentException(problem, nameof(options));
        }

        if (options.Ballots < 1 || options.ChallengedCount < 0 || options.ChallengedCount >= options.Ballots || options.Devices is < 1 or > 16)
        {
            throw new ArgumentException($"need at least one ballot, 0 ≤ challenged < ballots and 1..16 devices (got {options.Ballots}, {options.ChallengedCount} and {options.Devices})", nameof(options));
        }

        string dir = Path.GetFullPath(options.Directory);
        if (Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any())
        {
            throw new ArgumentException($"{dir} is not empty; choose a new folder", nameof(options));
        }

        Directory.CreateDirectory(dir);
        DemoRun run = new(dir, options, options.Executable ?? EntenteExecutable.Current(), progress);
        try
        {
            await run.ExecuteAsync(cancellationToken).ConfigureAwait(false);
            return run;
        }
        catch
        {
            run.Dispose();
            throw;
        }
    }

    /// <summary>Writes a file only its owner may read (a key or a secret).</summary>
    private static void WriteSecretFile(string path, string text)
    {
        File.WriteAllText(path, text);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    [GeneratedRegex("^ok checkpoint (?<origin>\\S+) size (?<size>\\d+) root (?<root>\\S+)$", RegexOptions.Multiline)]
    private static partial Regex CheckpointLine();

    [GeneratedRegex("^ok witness policy: cosigned by (?<by>.+)$", RegexOptions.Multiline)]
    private static partial Regex CosignedLine();

    [GeneratedRegex("[0-9a-f]{64}")]
    private static partial Regex SeedHex();

    /// <summary>Rounds the demo's audit draws at most before it stops (a real audit would then count by hand).</summary>
    private const int AuditRoundsAtMost = 3;

    /// <summary>The demo's audit board: one member of each party, as a charter would have it.</summary>
    private const string AuditBoard = "Audit board 1 (Blue's and Red's members)";

    private const string AuditBoardMembers = "Ada Blue,Rui Red";

    /// <summary>
    /// One run: its folder, its processes (the board and the witnesses stay up until disposed) and its result.
    /// </summary>
    internal sealed partial class DemoRun : IDisposable
    {
        private readonly string _dir;
        private readonly DemoOptions _options;
        private readonly EntenteExecutable _entente;
        private readonly IProgress<DemoProgress>? _progress;
        private readonly List<ServerProcess> _servers = [];
        private readonly List<DemoStage> _stages = [];
        private readonly Dictionary<string, string> _keys = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _identities = new(StringComparer.Ordinal);
        private readonly List<string> _exchangeFailures = [];
        private DateTimeOffset _overdueAfter;
        private int _exchangeMessages;

        public DemoRun(string dir, DemoOptions options, EntenteExecutable entente, IProgress<DemoProgress>? progress)
        {
            _dir = dir;
            _options = options;
            _entente = entente;
            _progress = progress;
            BoardDirectory = Path.Combine(dir, "board");
        }

        /// <summary>The board's data folder (configuration, log, artifacts, exchange, summary).</summary>
        public string BoardDirectory { get; }

        /// <summary>The board's URL (with a trailing slash).</summary>
        public string BoardUrl { get; private set; } = "";

        /// <summary>The outcome, once <see cref="ExecuteAsync"/> returned.</summary>
        public DemoResult Result { get; private set; } = null!;

        /// <summary>The board process (the pages are served by it).</summary>
        public ServerProcess Board => _servers[^1];

        /// <summary>
        /// Stops the board, the witnesses and the mirrors (each by its process id): every one is sent its kill first, then
        /// each is waited for, so that a run stopped by a signal, which has a few seconds to clean up, stops them all.
        /// </summary>
        public void Dispose()
        {
            for (int i = _servers.Count - 1; i >= 0; i--)
            {
                _servers[i].Kill();
            }

            for (int i = _servers.Count - 1; i >= 0; i--)
            {
                _servers[i].Dispose();
            }

            _servers.Clear();
        }

        private string Folder(string name) => Directory.CreateDirectory(Path.Combine(_dir, name)).FullName;

        private string[] On(string member) => ["--board", BoardUrl, "--key", _keys[member]];

        private string GuardianSecret(int i) => Path.Combine(_dir, "guardians", $"guardian-{i}.secret.json");

        private void Report(string stage, int done, int total, bool finished = false) => _progress?.Report(new DemoProgress(stage, done, total, finished));

        /// <summary>Runs a stage: reports it started (with its total, 0 when the work has no measure), times it and reports it finished.</summary>
        private async Task StageAsync(string name, int total, Func<Action, Task<string>> body)
        {
            Report(name, 0, total);
            Stopwatch watch = Stopwatch.StartNew();
            int done = 0;
            string outcome = await body(() => Report(name, Interlocked.Increment(ref done), total)).ConfigureAwait(false);
            lock (_stages)
            {
                _stages.Add(new DemoStage(name, watch.Elapsed, outcome));
            }

            Report(name, total, total, finished: true);
        }

        public async Task ExecuteAsync(CancellationToken ct)
        {
            int n = _options.Guardians;
            int k = _options.Quorum;
            await StageAsync("Board, witnesses and mirrors", 6, step => StartAsync(step, ct)).ConfigureAwait(false);
            await StageAsync("Election setup", 2, async step =>
            {
                string manifest = Path.Combine(_dir, "manifest.json");
                await File.WriteAllTextAsync(manifest, ManifestJson, ct).ConfigureAwait(false);
                string[] init = ["election", "init", "--manifest", manifest, "--guardians", $"{n}", "--quorum", $"{k}", "--group", _options.GroupArgument, "--json"];
                foreach (string party in new[] { Blue, Red })
                {
                    await _entente.OkAsync($"{party}'s election init", [.. init, .. On(party)], ct).ConfigureAwait(false);
                    step();
                }

                return "manifest and parameters proposed by Blue, signed by Red";
            }).ConfigureAwait(false);

            await StageAsync("Key ceremony", (4 * n) + 2, async step =>
            {
                Directory.CreateDirectory(Path.Combine(_dir, "guardians"));
                foreach (string verb in CeremonyRounds)
                {
                    // Each guardian's step of a round is its own process; the rounds follow each other.
                    await Task.WhenAll(Enumerable.Range(1, n).Select(async i =>
                    {
                        await _entente.OkAsync($"guardian {i}'s {verb}", ["guardian", verb, .. On(PartyOf(i, n)), "--index", $"{i}", "--secret", GuardianSecret(i), "--insecure-plaintext-secrets", "--json"], ct).ConfigureAwait(false);
                        step();
                    })).ConfigureAwait(false);
                }

                foreach (string party in new[] { Blue, Red })
                {
                    await _entente.OkAsync($"{party}'s election key", ["election", "key", .. On(party), "--json"], ct).ConfigureAwait(false);
                    step();
                }

                return $"{n} guardians (Blue {(n + 1) / 2}, Red {n - ((n + 1) / 2)}), quorum {k}, every message on the board, joint key signed by both";
            }).ConfigureAwait(false);

            // Voting, and meanwhile the parties work an incident through the board's exchange.
            Task voting = StageAsync("Encrypting and casting ballots", _options.Ballots, step => VoteAsync(ct));
            Task incidents = StageAsync("Incident exchange", 6, step => IncidentsAsync(step, ct));
            await Task.WhenAll(voting, incidents).ConfigureAwait(false);

            int[] quorum = DecryptingQuorum(n, k);
            await StageAsync("Tally and joint decryption", 4 + (3 * k), async step =>
            {
                foreach (string party in new[] { Blue, Red })
                {
                    await _entente.OkAsync($"{party}'s tally", ["tally", .. On(party), "--json"], ct).ConfigureAwait(false);
                    step();
                }

                foreach (string round in DecryptionRounds)
                {
                    await Task.WhenAll(quorum.Select(async i =>
                    {
                        string[] args = ["decrypt", "--step", round, .. On(PartyOf(i, n)), "--index", $"{i}", "--secret", GuardianSecret(i), "--insecure-plaintext-secrets", "--json"];
                        await _entente.OkAsync($"guardian {i}'s decryption {round}", round == "commit" ? [.. args, "--guardians", string.Join(',', quorum)] : args, ct).ConfigureAwait(false);
                        step();
                    })).ConfigureAwait(false);
                }

                foreach (string party in new[] { Blue, Red })
                {
                    await _entente.OkAsync($"{party}'s decrypt --combine", ["decrypt", "--combine", .. On(party), "--json"], ct).ConfigureAwait(false);
                    step();
                }

                return $"encrypted tally signed by both; guardians {string.Join(", ", quorum)} decrypted; challenged ballots opened";
            }).ConfigureAwait(false);

            // The guardians' secrets served their purpose; they never leave the guardians' folder and go now.
            Directory.Delete(Path.Combine(_dir, "guardians"), recursive: true);

            string recordDir = Path.Combine(_dir, "record");
            List<string> recordFailures = [];
            await StageAsync("Fetching the record from the board", 0, async _ =>
            {
                EntenteRun fetch = await _entente.RunAsync(["record", "fetch", "--board", BoardUrl, "--out", recordDir, "--policy", PolicyFile], ct).ConfigureAwait(false);
                if (fetch.Code != 0)
                {
                    recordFailures.Add($"record fetch exited {fetch.Code}: {fetch.Why}");
                    return "failed";
                }

                return "every artifact checked against its entry, every entry's inclusion proven";
            }).ConfigureAwait(false);

            ElectionRecord? record = recordFailures.Count == 0 ? await RecordStore.ReadAsync(recordDir, ct).ConfigureAwait(false) : null;
            List<DemoRecordStep> steps = [];
            Task verifying = record is null ? Task.CompletedTask : StageAsync("Verifying the record", 0, async _ =>
            {
                string[] args = ["verify", recordDir, "--json", .. _options.GroupArgument == "standard" ? Array.Empty<string>() : ["--allow-toy-groups"]];
                EntenteRun verify = await _entente.RunAsync(args, ct).ConfigureAwait(false);
                if (verify.Code is not (0 or 1))
                {
                    recordFailures.Add($"entente verify exited {verify.Code}: {verify.Why}");
                    return "failed";
                }

                ReportDocument report = VerificationReportJson.Deserialize(verify.Output);
                steps.AddRange(report.Steps.Select(s => new DemoRecordStep(s.Number, s.Name, s.Checked, s.Passed)));
                recordFailures.AddRange(report.Steps.SelectMany(s => s.Failures.Select(f => $"V{s.Number} {f.Check}: {f.Subject}: {f.Detail}")));
                return $"{report.Steps.Count(s => s.Passed)} of {report.Steps.Count} steps of ElectionGuard 2.1 §6.2 pass";
            });
            string? seed = null;
            DemoAudit? rla = null;
            Task auditing = record is null ? Task.CompletedTask : StageAsync("Audit seed", 6, async step => (seed = await AuditAsync(record, step, ct).ConfigureAwait(false)) is null ? "no seed" : "committed and revealed by Blue and Red on the board");
            await auditing.ConfigureAwait(false);
            if (seed is not null)
            {
                await StageAsync("Risk-limiting audit", AuditRoundsAtMost + 1, async step =>
                {
                    rla = await AuditRoundsAsync(Path.Combine(_dir, "audit"), step, ct).ConfigureAwait(false);
                    return (rla.Confirmed ? "every contest confirmed" : "not confirmed") + $" by {rla.Draws} draws ({rla.Rounds.Sum(r => r.Ballots)} paper ballots read) in {rla.Rounds.Count} round(s) at risk limit {rla.RiskLimit:P0}: "
                        + string.Join("; ", rla.Rounds[^1].Contests.Select(c => $"{c.Contest} risk {c.Risk:0.0000}"));
                }).ConfigureAwait(false);
            }

            List<string> logFailures = [];
            (long size, string root, IReadOnlyList<string> cosigners) = (0, "", []);
            Task logChecks = StageAsync("Verifying the log", 0, async _ =>
            {
                (size, root, cosigners) = await VerifyLogAsync(logFailures, ct).ConfigureAwait(false);
                return logFailures.Count == 0 ? $"{size} entries proven under the checkpoint cosigned by {string.Join(" and ", cosigners)}" : "failed";
            });
            IReadOnlyList<DemoIncident> statuses = [];
            Task statusChecks = StageAsync("Verifying the incident exchange", 4, async step =>
            {
                statuses = await IncidentStatusesAsync(step, ct).ConfigureAwait(false);
                return _exchangeFailures.Count == 0 ? $"{statuses.Count} requests, every message verified" : "failed";
            });
            await Task.WhenAll(verifying, logChecks, statusChecks).ConfigureAwait(false);

            Result = new DemoResult
            {
                Directory = _dir,
                RecordDirectory = recordDir,
                BoardDirectory = BoardDirectory,
                BoardUrl = BoardUrl,
                GroupName = _options.GroupArgument,
                Guardians = [.. Enumerable.Range(1, n).Select(i => new DemoGuardian(i, PartyOf(i, n), record?.Tally.Guardians.Contains(i) ?? false))],
                Quorum = k,
                BallotsCast = record?.Ballots.Count(b => b.State == BallotState.Cast) ?? 0,
                BallotsChallenged = record?.Ballots.Count(b => b.State == BallotState.Challenged) ?? 0,
                Contests = record is null ? [] : [.. record.Tally.Contests.Select(c =>
                {
                    var contest = record.Context.Parameters.Manifest.Contests[c.ContestIndex - 1];
                    return new DemoContestResult(c.ContestIndex, contest.Label, [.. c.Options.Select(o => new DemoOptionResult(contest.Options[o.OptionIndex - 1].Label, o.Value))]);
                })],
                RecordSteps = steps,
                RecordFailures = recordFailures,
                LogFailures = logFailures,
                ExchangeFailures = _exchangeFailures,
                LogSize = size,
                CheckpointRoot = root,
                CheckpointCosigners = cosigners,
                AuditSeed = seed,
                Audit = rla,
                ExchangeMessages = _exchangeMessages,
                Incidents = statuses,
                Processes = _entente.Started,
                Stages = [.. _stages],
            };
            // Each process's wall time, for whoever wants to know where the time went.
            await File.WriteAllLinesAsync(Path.Combine(_dir, "processes.tsv"),
                ["seconds\texit\tcommand", .. _entente.Finished.Select(p => $"{p.Elapsed.TotalSeconds.ToString("F2", CultureInfo.InvariantCulture)}\t{p.Code}\t{p.Command.Replace(_dir, "DEMO", StringComparison.Ordinal)}")], ct).ConfigureAwait(false);
            await File.WriteAllBytesAsync(Path.Combine(BoardDirectory, SummaryFile), JsonSerializer.SerializeToUtf8Bytes(Result, DemoJsonContext.Default.DemoResult), ct).ConfigureAwait(false);
        }

        private string PolicyFile => Path.Combine(BoardDirectory, "witness-policy.txt");

        /// <summary>Keys, charter, configurations; the witnesses and the board as processes; the charter and the witness policy on the log.</summary>
        private async Task<string> StartAsync(Action step, CancellationToken ct)
        {
            string keys = Folder("keys");
            Directory.CreateDirectory(BoardDirectory);
            List<string> members = [Blue, Red, .. Enumerable.Range(1, _options.Devices).Select(d => $"device-{d}")];
            Dictionary<string, Ed25519NoteSigner> signers = new(StringComparer.Ordinal);
            try
            {
                foreach (string member in members)
                {
                    Ed25519NoteSigner key = signers[member] = Ed25519NoteSigner.Generate(member);
                    _keys[member] = Path.Combine(keys, member + ".key");
                    WriteSecretFile(_keys[member], key.ExportSkey() + "\n");
                }

                using Ed25519NoteSigner logKey = Ed25519NoteSigner.Generate(Origin);
                WriteSecretFile(Path.Combine(BoardDirectory, "log.key"), logKey.ExportSkey() + "\n");

                // Each party runs a witness (it cosigns checkpoints consistent with what it saw) and a mirror (a full copy of
                // the log and of every artifact, which the board pushes to), each with its own key, store and configuration.
                // The policy needs all four, so that either party keeps the whole record if the board's operator vanishes.
                StringBuilder policy = new($"# Entente demo: the board's log key, one witness and one mirror per party; a checkpoint needs all four.\nlog {logKey.VerifierKey}\n");
                List<Task> ready = [];
                WitnessRef StartCosigner(string party, string role, Action<string> configure)
                {
                    string folder = Folder($"{role}-{party.ToLowerInvariant()}");
                    using Ed25519NoteSigner key = Ed25519NoteSigner.Generate($"{role}.{party}");
                    WriteSecretFile(Path.Combine(folder, role + ".key"), key.ExportSkey() + "\n");
                    configure(Path.Combine(folder, role + ".json"));
                    string url = $"http://127.0.0.1:{FreePort().ToString(CultureInfo.InvariantCulture)}/";
                    ServerProcess server = _entente.Start($"{party}'s {role}", [role, "serve", "--config", Path.Combine(folder, role + ".json"), "--urls", url.TrimEnd('/')]);
                    _servers.Add(server);
                    ready.Add(WaitUntilUpAsync(server, new Uri(url), "", step, ct));
                    policy.Append(CultureInfo.InvariantCulture, $"witness {party.ToLowerInvariant()}{(role == "mirror" ? "-mirror" : "")} {key.CosignerVerifierKey}\n");
                    return new WitnessRef { Key = key.CosignerVerifierKey, Url = url };
                }

                List<WitnessRef> witnesses = [.. new[] { Blue, Red }.Select(party => StartCosigner(party, "witness", config => new WitnessServerOptions
                {
                    Key = "witness.key",
                    Store = "sqlite:witness.db",
                    Logs = [new WitnessedLogRef { Origin = Origin, Keys = [logKey.VerifierKey] }],
                }.Save(config)))];
                int port = _options.Port == 0 ? FreePort() : _options.Port;
                BoardUrl = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/";
                List<WitnessRef> mirrors = [.. new[] { Blue, Red }.Select(party => StartCosigner(party, "mirror", config => new MirrorServerOptions
                {
                    Key = "mirror.key",
                    Store = "sqlite:mirror.db",
                    LogKey = logKey.VerifierKey,
                    LogUrl = BoardUrl,
                    SyncIntervalMs = 0,
                }.Save(config)))];

                policy.Append("group parties all blue red blue-mirror red-mirror\nquorum parties\n");
                await File.WriteAllTextAsync(PolicyFile, policy.ToString(), ct).ConfigureAwait(false);

                // The charter: both parties (guardians split between them, each with its STIX identity for the exchange) and the devices.
                int n = _options.Guardians;
                JsonArray parties = [];
                foreach (string party in new[] { Blue, Red })
                {
                    _identities[party] = Entente.Exchange.Stix.StixId.NewV4("identity").ToString();
                    parties.Add(new JsonObject
                    {
                        ["name"] = party,
                        ["key"] = signers[party].VerifierKey,
                        ["roles"] = new JsonArray("party", "submitter", "guardian", "auditor"),
                        ["guardians"] = new JsonArray([.. Enumerable.Range(1, n).Where(i => PartyOf(i, n) == party).Select(i => (JsonNode)i)]),
                        ["identity"] = _identities[party],
                    });
                }

                foreach (string device in members.Skip(2))
                {
                    parties.Add(new JsonObject { ["name"] = device, ["key"] = signers[device].VerifierKey, ["roles"] = new JsonArray("device") });
                }

                byte[] charter = Encoding.UTF8.GetBytes(new JsonObject { ["parties"] = parties }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
                await File.WriteAllBytesAsync(Path.Combine(BoardDirectory, "charter.json"), charter, ct).ConfigureAwait(false);
                new LogServerOptions
                {
                    Origin = Origin,
                    Store = "sqlite:board.db",
                    Key = "log.key",
                    Charter = "charter.json",
                    Witnesses = witnesses,
                    Quorum = 2,
                    Mirrors = mirrors,
                    WitnessIntervalMs = 250,
                    Policy = "witness-policy.txt",
                    Exchange = new HostedExchangeOptions(),
                }.Save(Path.Combine(BoardDirectory, BoardConfig));
                await Task.WhenAll(ready).ConfigureAwait(false);

                ServerProcess board = _entente.Start("the board", ["serve", "--config", Path.Combine(BoardDirectory, BoardConfig), "--urls", BoardUrl.TrimEnd('/')]);
                _servers.Add(board);
                await WaitUntilUpAsync(board, new Uri(BoardUrl), "board", step, ct).ConfigureAwait(false);

                // The charter and the witness policy open the log, each signed by both parties.
                Uri address = new(BoardUrl);
                using BoardClient blue = new(address, signers[Blue], retry: RetryPolicy.Default);
                await Created(await blue.PostAsync("board/charter", charter, "charter", cosigners: [signers[Red]], cancellationToken: ct).ConfigureAwait(false), "the charter", ct).ConfigureAwait(false);
                using LogClient log = new(address, RetryPolicy.Default, new HttpSignatureHandler(signers[Blue]));
                byte[] policyBytes = await File.ReadAllBytesAsync(PolicyFile, ct).ConfigureAwait(false);
                await log.PutBlobAsync(policyBytes, ct).ConfigureAwait(false);
                SignedNote entry = SignedNote.Parse(new LogEntry("witness.policy", Entente.Transparency.Hash256.Compute(policyBytes), Blue).Sign(signers[Blue]));
                await log.AddAsync(entry.WithSignature(signers[Red].Sign(entry.TextBytes)).ToBytes(), ct).ConfigureAwait(false);
                step();
                return $"board at {BoardUrl} with both parties' witnesses (each its own process, reached over HTTP); charter and witness policy signed by Blue and Red";
            }
            finally
            {
                foreach (Ed25519NoteSigner signer in signers.Values)
                {
                    signer.Dispose();
                }
            }
        }

        private static async Task Created(HttpResponseMessage response, string what, CancellationToken ct)
        {
            using (response)
            {
                if (response.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.OK))
                {
                    throw new DemoStepException($"the board refused {what}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false)}");
                }
            }
        }

        /// <summary>Waits until <paramref name="server"/> answers HTTP at <paramref name="url"/>/<paramref name="path"/> (any status).</summary>
        private static async Task WaitUntilUpAsync(ServerProcess server, Uri url, string path, Action step, CancellationToken ct)
        {
            using HttpClient http = new() { BaseAddress = url, Timeout = TimeSpan.FromSeconds(5) };
            Stopwatch watch = Stopwatch.StartNew();
            while (true)
            {
                if (server.HasExited)
                {
                    throw new DemoStepException($"{server.Name} exited {server.ExitCode}: {server.Log.Trim()}");
                }

                try
                {
                    using HttpResponseMessage response = await http.GetAsync(path, ct).ConfigureAwait(false);
                    if (path.Length == 0 || response.IsSuccessStatusCode)
                    {
                        step();
                        return;
                    }
                }
                catch (HttpRequestException)
                {
                    // not listening yet
                }
                catch (TaskCanceledException) when (!ct.IsCancellationRequested)
                {
                    // slow to answer while starting
                }

                if (watch.Elapsed > TimeSpan.FromSeconds(60))
                {
                    throw new DemoStepException($"{server.Name} did not answer at {url} within 60 s: {server.Log.Trim()}");
                }

                await Task.Delay(50, ct).ConfigureAwait(false);
            }
        }

        /// <summary>The simulated voters' ballots, split between the devices; each device is its own <c>entente encrypt</c> process.</summary>
        private async Task<string> VoteAsync(CancellationToken ct)
        {
            Random voters = new(_options.VoterSeed);
            int total = _options.Ballots;
            HashSet<int> challenged = [.. Enumerable.Range(0, total).OrderBy(_ => voters.Next()).Take(_options.ChallengedCount)];
            string folder = Folder("devices");
            List<JsonObject>[] perDevice = [.. Enumerable.Range(0, _options.Devices).Select(_ => new List<JsonObject>())];
            for (int b = 0; b < total; b++)
            {
                perDevice[b % _options.Devices].Add(VoterBallot(voters, challenged.Contains(b)));
            }

            using CancellationTokenSource done = CancellationTokenSource.CreateLinkedTokenSource(ct);
            Task watching = WatchBallotsAsync(done.Token);
            try
            {
                await Task.WhenAll(perDevice.Select(async (ballots, d) =>
                {
                    string device = $"device-{d + 1}";
                    string file = Path.Combine(folder, device + ".ballots.json");
                    await File.WriteAllTextAsync(file, new JsonObject { ["ballots"] = new JsonArray([.. ballots]) }.ToJsonString(), ct).ConfigureAwait(false);
                    await _entente.OkAsync($"{device}'s encrypt", ["encrypt", "--ballots", file, .. On(device), "--device-info", $"Booth {d + 1}, Entente demo town hall", "--json"], ct).ConfigureAwait(false);
                })).ConfigureAwait(false);
            }
            finally
            {
                await done.CancelAsync().ConfigureAwait(false);
                await watching.ConfigureAwait(false);
            }

            return $"{total - challenged.Count} cast and {challenged.Count} challenged on {_options.Devices} device(s), each ballot validated by the board";
        }

        /// <summary>Reports the ballots the board holds, as it takes them, until cancelled.</summary>
        private async Task WatchBallotsAsync(CancellationToken ct)
        {
            using HttpClient http = new() { BaseAddress = new Uri(BoardUrl), Timeout = TimeSpan.FromSeconds(5) };
            while (!ct.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(300, ct).ConfigureAwait(false);
                    using HttpResponseMessage response = await http.GetAsync("board", ct).ConfigureAwait(false);
                    BoardStatus? status = await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync(response.Content, BoardJsonContext.Default.BoardStatus, ct).ConfigureAwait(false);
                    if (status is not null && status.Counts.TryGetValue("ballots", out int ballots))
                    {
                        Report("Encrypting and casting ballots", ballots, _options.Ballots);
                    }
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                catch (Exception e) when (e is HttpRequestException or JsonException)
                {
                    // the board is busy; the next poll tells
                }
            }
        }

        /// <summary>A simulated voter: a style, then a choice per contest (sometimes none), as the plaintext-ballot file of docs/record-format.md §5.1.</summary>
        private static JsonObject VoterBallot(Random voters, bool challenge)
        {
            bool city = voters.Next(4) != 0;
            JsonObject selections = [];
            int mayor = voters.Next(100);
            if (mayor < 97)
            {
                selections["Mayor"] = new JsonObject { [mayor < 55 ? "Ada Lovelace" : mayor < 82 ? "Alan Turing" : "Grace Hopper"] = 1 };
            }

            if (city && voters.Next(100) is int bond and < 95)
            {
                selections["Harbour bond"] = new JsonObject { [bond < 70 ? "Yes" : "No"] = 1 };
            }

            JsonObject ballot = new() { ["style"] = city ? "city" : "mayor only", ["selections"] = selections };
            if (challenge)
            {
                ballot["challenge"] = true;
            }

            return ballot;
        }
    }
}
