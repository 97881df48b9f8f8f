using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Entente.Client.Board;
using Entente.Client.Http;
using Entente.Cryptography;
using Entente.Election.Encryption;
using Entente.Election.KeyCeremony;
using Entente.Election.Manifest;
using Entente.Election.Parameters;
using Entente.Election.Record;
using Entente.Server.Auth;
using Entente.Server.Board;
using Entente.Server.Log;
using Entente.Storage.Sqlite.Log;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;

namespace Entente.Benchmarks.ServerLoad;

/// <summary>
/// Load test of the board (not a BenchmarkDotNet benchmark: it needs a second process and a check afterwards).
/// <c>dotnet Entente.Benchmarks.dll server-load [--group tiny|reduced|standard] [--ballots N] [--connections C] [--warmup W] [--sign-in-window] [--seconds S] [--batch N] [--server-env NAME=VALUE] [--entente ENTENTE_DLL --silos N] [--gcdump PATH]</c>
/// prepares a board folder, starts the server (Entente.Server.dll log CONFIG URL) as a second process, runs the key
/// ceremony through the API, pre-encrypts W + N ballots, posts the W first untimed (warm-up), builds and signs the N
/// requests before the timed window (unless --sign-in-window), then measures with C concurrent connections over loopback:
/// signed ballot submissions per second (each validated by the server: codec, H_E, proofs), checkpoint reads and
/// inclusion-proof reads per second, against baselines measured in the same run (the in-process validation rate of
/// one ballot on one core; GET /board, the cheapest read). It samples the server's resident memory, stops it, and
/// checks that every acknowledged ballot is in the log at its index and that the log re-verifies (fsck). It also prints
/// the CPU per ballot of the server and of itself in the window (/proc) and the board's steps timed in process
/// (<see cref="StageProfile"/>).
/// </summary>
internal static class ServerLoad
{
    /// <summary>The demo's ballot manifest (two contests, two styles).</summary>
    /// <summary>The fewest requests posted before the timed window (by default).</summary>
    private const int WarmupRequests = 120;

    private const string ManifestJson = """
        {"label":"Entente joint demo election","contests":[
          {"label":"Mayor","contest_options":[{"label":"Ada Lovelace"},{"label":"Alan Turing"},{"label":"Grace Hopper"}]},
          {"label":"Harbour bond","contest_options":[{"label":"Yes"},{"label":"No"}]}],
         "ballot_styles":[{"label":"city","contests":[1,2]},{"label":"mayor only","contests":[1]}]}
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        string groupName = Arg(args, "--group") ?? "tiny";
        int ballots = int.Parse(Arg(args, "--ballots") ?? "2000", CultureInfo.InvariantCulture);

        int readSeconds = int.Parse(Arg(args, "--seconds") ?? "5", CultureInfo.InvariantCulture);
        // --batch N: N ballots per request (POST /board/ballots/batch, one signed request carrying N entries and ballots);
        // 1 (the default) posts each ballot alone to POST /board/ballots, as until 7 December.
        int batch = Math.Max(1, int.Parse(Arg(args, "--batch") ?? "1", CultureInfo.InvariantCulture));

        // Ballots posted before the timed window, so that the server's JIT has compiled the path (as the baseline is warm):
        // half the ballots, at most 2,000, and at least WarmupRequests requests. The runtime optimises a method after 30
        // calls, in the background: with 1,500 warm-up ballots in batches of 64 (24 requests), the request path was still
        // unoptimised when the window began, and the JIT took a quarter of the server's CPU in it (7 December).
        int warmup = int.Parse(Arg(args, "--warmup") ?? Math.Max(Math.Min(2000, ballots / 2), WarmupRequests * batch).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        // Connections: 200 single posts by default; with batches, as many as keep the ballots being validated within the
        // board's default limits.maxPendingValidations (256), beyond which it answers 503 (backpressure, not measured here).
        int connections = int.Parse(Arg(args, "--connections") ?? Math.Max(1, (batch == 1 ? 200 : 256) / batch).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        Group group = Group.TryGetByName(groupName, out Group? g) ? g : throw new ArgumentException($"unknown group {groupName}");
        string dir = Directory.CreateTempSubdirectory("entente-server-load-").FullName;
        Console.WriteLine($"server-load: group {group.Name}, {ballots} ballots, {connections} connections, folder {dir}");

        using Ed25519NoteSigner blue = Ed25519NoteSigner.Generate("Blue");
        using Ed25519NoteSigner red = Ed25519NoteSigner.Generate("Red");
        using Ed25519NoteSigner device = Ed25519NoteSigner.Generate("device-1");
        await File.WriteAllTextAsync(Path.Combine(dir, "charter.json"), $$"""
            { "parties": [
              { "name": "Blue", "key": "{{blue.VerifierKey}}", "roles": ["party", "guardian"], "guardians": [1] },
              { "name": "Red", "key": "{{red.VerifierKey}}", "roles": ["party", "guardian"], "guardians": [2, 3] },
              { "name": "device-1", "key": "{{device.VerifierKey}}", "roles": ["device"] } ] }
            """);
        LogServerOptions options = new() { Origin = "bench.example/board", Store = "sqlite:board.db", Key = "log.key", Charter = "charter.json", Board = true, BaseDirectory = dir };
        options.Save(Path.Combine(dir, "board.json"));
        await BoardHost.PrepareAsync(options);

        int port = FreePort();
        string server = Path.Combine(AppContext.BaseDirectory, "Entente.Server.dll");
        // --entente PATH/entente.dll --silos N: the board is `entente serve --cluster dev --silos N`, which checks ballots'
        // proofs on N silo processes' workers instead of its own cores (docs/cluster.md).
        string? entente = Arg(args, "--entente");
        int silos = int.Parse(Arg(args, "--silos") ?? "0", CultureInfo.InvariantCulture);
        string[] command = entente is null || silos == 0
            ? [server, "log", Path.Combine(dir, "board.json"), $"http://127.0.0.1:{port}"]
            : [entente, "serve", "--config", Path.Combine(dir, "board.json"), "--urls", $"http://127.0.0.1:{port}", "--cluster", "dev", "--silos", silos.ToString(CultureInfo.InvariantCulture)];
        Console.WriteLine(silos == 0 ? "board: validates ballots on its own cores" : $"board: validates ballots on {silos} silo process(es) (entente serve --cluster dev)");
        ProcessStartInfo start = new("dotnet", command)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        // --server-env NAME=VALUE (repeatable): a runtime setting for the server process only, e.g.
        // DOTNET_TieredCompilation=0; the baseline, in this process, keeps the default runtime.
        for (int a = 0; a < args.Length - 1; a++)
        {
            if (args[a] == "--server-env" && args[a + 1].Split('=', 2) is [string name, string value])
            {
                start.Environment[name] = value;
                Console.WriteLine($"server environment: {name}={value}");
            }
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException("could not start the server");
        // Drain what the server prints (with --silos, the silos' lines too), so that a full pipe never blocks it.
        _ = process.StandardOutput.ReadToEndAsync();
        Task<string> errors = process.StandardError.ReadToEndAsync();
        MemorySampler memory = new(process.Id);
        try
        {
            Uri address = new($"http://127.0.0.1:{port}/");
            SocketsHttpHandler Pool() => new() { MaxConnectionsPerServer = connections, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
            using BoardClient blueClient = new(address, blue, Pool());
            using BoardClient redClient = new(address, red, Pool());
            using BoardClient deviceClient = new(address, device, Pool());
            await WaitAsync(blueClient.Http, process, errors);
            long idleRss = memory.CurrentKiB();

            // The election up to voting, through the API.
            Stopwatch setup = Stopwatch.StartNew();
            ElectionManifest manifest = ManifestReader.Parse(Encoding.UTF8.GetBytes(ManifestJson), "manifest");
            ElectionParameters parameters = ElectionParameters.Create(group, manifest, 3, 2);
            Ed25519NoteSigner[] withRed = [red];
            await Expect(blueClient.PostAsync("board/charter", await File.ReadAllBytesAsync(Path.Combine(dir, "charter.json")), "charter", cosigners: withRed));
            await Expect(blueClient.PostAsync("board/manifest", BoardArtifacts.Manifest(manifest), "manifest", cosigners: withRed));
            await Expect(blueClient.PostAsync("board/parameters", BoardArtifacts.Parameters(parameters), "election.parameters", cosigners: withRed));
            List<KeyCeremonyMessage> messages = [];
            (ElectionContext context, GuardianSecrets[] secrets) = ElectionSimulator.RunKeyCeremony(parameters, observer: messages.Add);
            foreach (GuardianSecrets s in secrets)
            {
                s.Dispose();
            }

            foreach (KeyCeremonyMessage message in messages)
            {
                BoardClient holder = message.Sender == 1 ? blueClient : redClient;
                await Expect(message switch
                {
                    GuardianCommitted c => holder.PostAsync("board/guardians", BoardArtifacts.Guardian(c.Key), "guardian.commitment"),
                    ShareSent s => holder.PostAsync("board/shares", BoardArtifacts.Share(s.Share), "guardian.share"),
                    SharesApproved a => holder.PostAsync("board/approvals", BoardArtifacts.Approval(new Approval(a.Sender, context.GuardianRecordHash, [])), "guardian.approval"),
                    _ => throw new UnreachableException(),
                });
            }

            await Expect(blueClient.PostAsync("board/election", BoardArtifacts.Election(context), "election.key", cosigners: withRed));
            BallotEncryptor encryptor = new(context);
            EncryptionDevice machine = new(context, "device-1", "load test device");
            Random voters = new(20261128);
            PlaintextBallot[] plaintexts = [.. Enumerable.Range(0, warmup + ballots).Select(_ => ElectionSimulator.RandomBallot(manifest, voters))];
            PreparedBallot[] prepared = new PreparedBallot[warmup + ballots];
            Parallel.For(0, warmup + ballots, i => prepared[i] = encryptor.Encrypt(plaintexts[i], $"ballot {i}"));
            EncryptedBallot[] everyBallot = [.. prepared.Select(p => machine.Seal(p, DateTimeOffset.UtcNow))];
            EncryptedBallot[] warmBallots = everyBallot[..warmup];
            EncryptedBallot[] sealedBallots = everyBallot[warmup..];
            Console.WriteLine($"setup (ceremony through the API, {warmup} + {ballots} ballots encrypted): {setup.Elapsed.TotalSeconds:F1} s");

            // Baseline: the server's per-ballot validation, in process, on one core, once warm (the first ballots pay for the
            // JIT and the election's fixed-base tables, which the server had paid for before its first timed request).
            // The board receives bytes: each ballot is serialised before the clock starts (until 7 December the baseline also
            // serialised each ballot, a device's work, which made one validation look 2-4 × dearer on the tiny group; that
            // older figure is printed beside it).
            // Warm: a second of validations (at least 50), so that the timed loop runs the JIT's optimised code.
            byte[][] ballotBytes = [.. sealedBallots.Select(BoardArtifacts.Ballot)];
            Stopwatch warming = Stopwatch.StartNew();
            for (int i = 0; i < 50 || warming.Elapsed < TimeSpan.FromSeconds(1); i++)
            {
                BoardArtifacts.ValidateBallot(context, ballotBytes[i % ballotBytes.Length]);
                BoardArtifacts.ValidateBallot(context, BoardArtifacts.Ballot(sealedBallots[i % sealedBallots.Length]));
            }

            // Its CPU time too (this process runs nothing else meanwhile): on a shared machine the wall-clock rate moves with
            // the other tenants, the CPU time per validation much less.
            TimeSpan baselineCpu = Process.GetCurrentProcess().TotalProcessorTime;
            Stopwatch baseline = Stopwatch.StartNew();
            int validated = 0;
            while (baseline.Elapsed < TimeSpan.FromSeconds(2))
            {
                BoardArtifacts.ValidateBallot(context, ballotBytes[validated++ % ballotBytes.Length]);
            }

            double validationPerSecond = validated / baseline.Elapsed.TotalSeconds;
            double validationCpuMicros = (Process.GetCurrentProcess().TotalProcessorTime - baselineCpu).TotalMicroseconds / validated;
            Stopwatch older = Stopwatch.StartNew();
            int serialisedAndValidated = 0;
            while (older.Elapsed < TimeSpan.FromSeconds(1))
            {
                BoardArtifacts.ValidateBallot(context, BoardArtifacts.Ballot(sealedBallots[serialisedAndValidated++ % sealedBallots.Length]));
            }

            double olderBaselinePerSecond = serialisedAndValidated / older.Elapsed.TotalSeconds;

            // The board's per-ballot steps besides validation, in process on one core (same run): what each costs as a
            // fraction of the validation baseline.
            Charter charter = Charter.Parse(await File.ReadAllTextAsync(Path.Combine(dir, "charter.json")));
            StageProfile stages = StageProfile.Measure(context, charter, device, sealedBallots, validationPerSecond, connections);

            // Ballot submissions. A device's work (serialising the ballot, signing its entry and the request) is not the
            // board's: by default every request is built and signed before the timed window, so the window holds the
            // board's work and HTTP only. Each request is signed with the current time and a fresh nonce, so the whole
            // window must fit in the board's clock-skew window (auth.clockSkewSeconds, 60 s by default; entries 2 min);
            // a late request is refused and fails the run. --sign-in-window signs each request as it is sent (the old way).
            bool signInWindow = args.Contains("--sign-in-window");
            Stopwatch signing = Stopwatch.StartNew();
            using HttpClient unsigned = new(Pool()) { BaseAddress = address };
            ConcurrentDictionary<string, long> acknowledged = new(StringComparer.Ordinal);
            ConcurrentBag<double> latencies = [];
            int failures = 0;
            ConcurrentBag<string> refusals = [];
            async Task PostAllAsync(EncryptedBallot[] set, HttpRequestMessage[]? signed)
            {
                int next = -1;
                EncryptedBallot[][] units = [.. set.Chunk(batch)];
                await Task.WhenAll(Enumerable.Range(0, connections).Select(_ => Task.Run(async () =>
                {
                    int i;
                    while ((i = Interlocked.Increment(ref next)) < units.Length)
                    {
                        EncryptedBallot[] unit = units[i];
                        long start = Stopwatch.GetTimestamp();
                        using HttpResponseMessage r = signed is not null ? await unsigned.SendAsync(signed[i])
                            : batch == 1 ? await deviceClient.PostBallotAsync(unit[0])
                            : await deviceClient.Http.SendAsync(deviceClient.BallotBatchRequest(unit));
                        latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                        if (batch == 1 && r.StatusCode == HttpStatusCode.Created)
                        {
                            JsonElement artifact = await r.Content.ReadFromJsonAsync<JsonElement>();
                            acknowledged[unit[0].Id.ToHex()] = artifact.GetProperty("index").GetInt64();
                        }
                        else if (batch > 1 && r.StatusCode == HttpStatusCode.OK)
                        {
                            BoardBatchResult results = (await r.Content.ReadFromJsonAsync(BoardJsonContext.Default.BoardBatchResult))!;
                            for (int k = 0; k < unit.Length; k++)
                            {
                                if (results.Results[k] is { Logged: true, Index: long index })
                                {
                                    acknowledged[unit[k].Id.ToHex()] = index;
                                }
                                else
                                {
                                    Interlocked.Increment(ref failures);
                                    refusals.Add($"ballots[{k}]: {results.Results[k].Status} {results.Results[k].Title}: {results.Results[k].Detail}");
                                }
                            }
                        }
                        else
                        {
                            Interlocked.Add(ref failures, unit.Length);
                            refusals.Add($"{(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}");
                        }
                    }
                })));
                foreach (HttpRequestMessage request in signed ?? [])
                {
                    request.Dispose();
                }
            }

            // Warm-up (untimed; its ballots are checked in the log with the others), in three rounds, each followed by a wait
            // until the server is idle: its JIT recompiles hot methods in the background (tier 0, instrumented, optimised), and on
            // a loaded machine that ran into the timed window (7 December: a quarter to a third of the server's CPU in the window
            // was the JIT's, with the board's own code still instrumented), which a server taking ballots for hours never pays.
            Stopwatch settling = Stopwatch.StartNew();
            foreach (EncryptedBallot[] round in warmBallots.Chunk(Math.Max(1, (warmBallots.Length + 2) / 3)))
            {
                await PostAllAsync(round, signInWindow ? null : await SignAllAsync(deviceClient, device, address, round, batch));
                await SettleAsync(process.Id);
            }

            Console.WriteLine($"warm-up: {warmBallots.Length} ballots in three rounds, each followed by the server's background JIT settling ({settling.Elapsed.TotalSeconds:F1} s in all)");
            latencies.Clear();
            int warmAcknowledged = acknowledged.Count;
            signing.Restart();
            HttpRequestMessage[]? requests = signInWindow ? null : await SignAllAsync(deviceClient, device, address, sealedBallots, batch);
            Console.WriteLine(signInWindow
                ? $"requests: signed in the timed window (the load generator's signing shares the board's cores); {warmAcknowledged} warm-up ballots posted first"
                : $"requests: {requests!.Length} ({batch} ballot(s) each) built and signed before the timed window in {signing.Elapsed.TotalSeconds:F1} s; {warmAcknowledged} warm-up ballots posted first");
            Console.WriteLine($"submissions: start (server pid {process.Id})");
            TimeSpan serverCpuBefore = ProcessCpu(process.Id);
            TimeSpan ownCpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            Stopwatch load = Stopwatch.StartNew();
            await PostAllAsync(sealedBallots, requests);
            double submitSeconds = load.Elapsed.TotalSeconds;
            int timedAcknowledged = acknowledged.Count - warmAcknowledged;
            double serverCpuMicros = (ProcessCpu(process.Id) - serverCpuBefore).TotalMicroseconds / Math.Max(1, timedAcknowledged);
            double ownCpuMicros = (Process.GetCurrentProcess().TotalProcessorTime - ownCpuBefore).TotalMicroseconds / Math.Max(1, timedAcknowledged);
            long peakAfterWrites = memory.PeakKiB();

            // --gcdump PATH: the server's live heap after intake (dotnet-gcdump forces a full collection and walks the heap),
            // for its bytes per ballot on the board; read it with `dotnet-gcdump report PATH`. Taken after the timed window.
            if (Arg(args, "--gcdump") is string gcdump)
            {
                await GcDumpAsync(process.Id, Path.GetFullPath(gcdump));
            }

            // Reads: the cheapest read (baseline), the checkpoint, inclusion proofs.
            using HttpClient reader = new(Pool()) { BaseAddress = address };
            long size = (await reader.GetFromJsonAsync<JsonElement>("board")).GetProperty("log_size").GetInt64();
            double statusReads = await ReadLoadAsync(reader, connections, readSeconds, _ => "board");
            double checkpointReads = await ReadLoadAsync(reader, connections, readSeconds, _ => "checkpoint");
            double proofReads = await ReadLoadAsync(reader, connections, readSeconds, n => $"proof/inclusion?index={n % size}&size={size}");
            long peak = memory.PeakKiB();

            double[] sorted = [.. latencies.Order()];
            Console.WriteLine();
            Console.WriteLine($"| measure | value | baseline (same run) | ratio |");
            Console.WriteLine($"|---|---|---|---|");
            Console.WriteLine($"| ballot submissions/s ({connections} connections, {group.Name} group, {(batch == 1 ? "one ballot per request" : $"{batch} ballots per request, POST /board/ballots/batch")}) | {timedAcknowledged / submitSeconds:F0} | in-process validation of one ballot on one core: {validationPerSecond:F0}/s | {timedAcknowledged / submitSeconds / validationPerSecond:F2} |");
            Console.WriteLine($"| {(batch == 1 ? "submission" : "request")} latency p50 / p99 (ms) | {Percentile(sorted, 0.50):F0} / {Percentile(sorted, 0.99):F0} | | |");
            Console.WriteLine($"| GET /checkpoint reads/s | {checkpointReads:F0} | GET /board {statusReads:F0}/s | {checkpointReads / statusReads:F2} |");
            Console.WriteLine($"| GET /proof/inclusion reads/s (tree of {size}) | {proofReads:F0} | GET /board {statusReads:F0}/s | {proofReads / statusReads:F2} |");
            Console.WriteLine($"| server RSS idle / peak after writes / peak (MiB) | {idleRss / 1024.0:F0} / {peakAfterWrites / 1024.0:F0} / {peak / 1024.0:F0} | | |");
            Console.WriteLine($"| (the baseline as measured until 6 December: serialise + validate, one core) | | {olderBaselinePerSecond:F0}/s | {timedAcknowledged / submitSeconds / olderBaselinePerSecond:F2} |");
            Console.WriteLine($"refused submissions: {failures}{(refusals.IsEmpty ? "" : " (first: " + refusals.First() + ")")}");
            Console.WriteLine();
            stages.Print(timedAcknowledged / submitSeconds);
            double validationMicros = 1e6 / validationPerSecond;
            double wallMicros = 2 * submitSeconds * 1e6 / Math.Max(1, timedAcknowledged);
            Console.WriteLine($"CPU per ballot in the timed window (/proc): server {serverCpuMicros:F0} µs, load generator {ownCpuMicros:F0} µs; "
                + $"the 2 cores' time per ballot {wallMicros:F0} µs, so {Math.Max(0, wallMicros - serverCpuMicros - ownCpuMicros):F0} µs went to other processes or idle (load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]})");
            Console.WriteLine($"CPU ratio: one validation takes {validationCpuMicros:F0} µs of CPU (baseline loop, wall {validationMicros:F0} µs); the board spends {serverCpuMicros:F0} µs = {serverCpuMicros / validationCpuMicros:F2} × that per ballot, "
                + $"so with 2 cores of its own it would take in {2 * validationCpuMicros / serverCpuMicros:F2} × one core's validation rate (target ≥ 0.8)");

            // Stop the server and check the log: every acknowledged ballot at its index, and the whole tree.
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            using Ed25519NoteSigner logKey = Ed25519NoteSigner.FromSkey((await File.ReadAllTextAsync(Path.Combine(dir, "log.key"))).Trim());
            await using SqliteLogStore store = new(Path.Combine(dir, "board.db"));
            FsckResult fsck = await Fsck.RunAsync(store, logKey.Verifier);
            int missing = 0;
            foreach ((string id, long index) in acknowledged)
            {
                IReadOnlyList<byte[]> entry = await store.ReadEntriesAsync(index, 1);
                if (entry.Count != 1 || LogEntry.Parse(entry[0]).Entry is not { Type: "ballot.cast" } e || e.BallotId != id)
                {
                    missing++;
                }
            }

            Console.WriteLine($"after the load: fsck of {fsck.Size} entries {(fsck.Ok ? "passes" : "FAILS: " + string.Join("; ", fsck.Problems.Take(3)))}; {acknowledged.Count - missing} of {acknowledged.Count} acknowledged ballots found at their index");
            return fsck.Ok && missing == 0 && failures == 0 ? 0 : 1;
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>
    /// Every ballot's request as the device sends it (body, signed entry header, RFC 9421 signature with the current time
    /// and a fresh nonce), built before the timed window. A request is sent once.
    /// </summary>
    private static async Task<HttpRequestMessage[]> SignAllAsync(BoardClient client, Ed25519NoteSigner device, Uri address, EncryptedBallot[] ballots, int batch)
    {
        if (batch > 1)
        {
            // A batch: one request per N ballots, each ballot with its own signed entry in the body.
            EncryptedBallot[][] units = [.. ballots.Chunk(batch)];
            HttpRequestMessage[] batches = new HttpRequestMessage[units.Length];
            for (int u = 0; u < units.Length; u++)
            {
                HttpRequestMessage request = client.BallotBatchRequest(units[u]);
                request.RequestUri = new Uri(address, BoardProtocol.BallotBatchPath);
                await HttpSignatureHandler.SignAsync(request, device, DateTimeOffset.UtcNow);
                batches[u] = request;
            }

            return batches;
        }

        HttpRequestMessage[] requests = new HttpRequestMessage[ballots.Length];
        Uri target = new(address, "board/ballots");
        for (int i = 0; i < ballots.Length; i++)
        {
            EncryptedBallot ballot = ballots[i];
            byte[] body = BoardArtifacts.Ballot(ballot);
            byte[] entry = client.Entry(ballot.State == BallotState.Cast ? "ballot.cast" : "ballot.challenged", body, ballot.Id.ToHex(), ballot.ConfirmationCode.ToHex());
            HttpRequestMessage request = new(HttpMethod.Post, target) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new("application/json");
            request.Headers.TryAddWithoutValidation(BoardProtocol.EntryHeader, Convert.ToBase64String(entry));
            await HttpSignatureHandler.SignAsync(request, device, DateTimeOffset.UtcNow);
            requests[i] = request;
        }

        return requests;
    }

    private static async Task<double> ReadLoadAsync(HttpClient http, int connections, int seconds, Func<int, string> path)
    {
        int count = 0;
        int errors = 0;
        Stopwatch watch = Stopwatch.StartNew();
        TimeSpan duration = TimeSpan.FromSeconds(seconds);
        await Task.WhenAll(Enumerable.Range(0, connections).Select(c => Task.Run(async () =>
        {
            int n = c;
            while (watch.Elapsed < duration)
            {
                using HttpResponseMessage r = await http.GetAsync(path(n++));
                _ = await r.Content.ReadAsByteArrayAsync();
                if (r.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref count);
                }
                else
                {
                    Interlocked.Increment(ref errors);
                }
            }
        })));
        if (errors > 0)
        {
            throw new InvalidOperationException($"{errors} reads failed");
        }

        return count / watch.Elapsed.TotalSeconds;
    }

    /// <summary>A process's user + system CPU time so far, from /proc/PID/stat (clock ticks of 10 ms).</summary>
    /// <summary>Waits (at most 30 s) until the server, sent no request, uses under 2 % of a core over half a second: its background JIT is done.</summary>
    private static async Task SettleAsync(int pid)
    {
        Stopwatch waited = Stopwatch.StartNew();
        TimeSpan before = ProcessCpu(pid);
        while (waited.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(500);
            TimeSpan now = ProcessCpu(pid);
            if (now - before < TimeSpan.FromMilliseconds(10))
            {
                return;
            }

            before = now;
        }
    }

    private static TimeSpan ProcessCpu(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        long ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromMilliseconds(ticks * 10);
    }

    /// <summary>Writes a gcdump of process <paramref name="pid"/> to <paramref name="path"/> with dotnet-gcdump (a global tool).</summary>
    private static async Task GcDumpAsync(int pid, string path)
    {
        string installed = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools", "dotnet-gcdump");
        ProcessStartInfo start = new(File.Exists(installed) ? installed : "dotnet-gcdump", ["collect", "-p", pid.ToString(CultureInfo.InvariantCulture), "-o", path])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using Process tool = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet-gcdump");
        Task<string> output = tool.StandardOutput.ReadToEndAsync();
        Task<string> errors = tool.StandardError.ReadToEndAsync();
        await tool.WaitForExitAsync();
        Console.WriteLine(tool.ExitCode == 0
            ? $"gcdump of the server after intake: {path} ({new FileInfo(path).Length / 1024} KiB; dotnet-gcdump report {path})"
            : $"gcdump failed ({tool.ExitCode}): {(await output).Trim()} {(await errors).Trim()}");
    }

    private static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];

    private static async Task Expect(Task<HttpResponseMessage> post)
    {
        using HttpResponseMessage r = await post;
        if (r.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"{r.RequestMessage?.RequestUri}: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}");
        }
    }

    private static async Task WaitAsync(HttpClient http, Process process, Task<string> errors)
    {
        for (int attempt = 0; attempt < 600; attempt++)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"the server exited: {await errors}");
            }

            try
            {
                using HttpResponseMessage r = await http.GetAsync("board");
                if (r.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("the server did not answer within 60 s");
    }

    private static int FreePort()
    {
        using TcpListener l = new(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private static string? Arg(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    /// <summary>Samples a process's resident memory from /proc (VmRSS, VmHWM).</summary>
    private sealed class MemorySampler(int pid)
    {
        public long CurrentKiB() => Read("VmRSS:");

        public long PeakKiB() => Read("VmHWM:");

        private long Read(string key)
        {
            string path = $"/proc/{pid}/status";
            if (!File.Exists(path))
            {
                return 0;
            }

            string? line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
    }
}
