using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Entente.Client.Board;
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
/// <c>dotnet Entente.Benchmarks.dll server-load [--group tiny|reduced|standard] [--ballots N] [--connections C] [--seconds S] [--entente ENTENTE_DLL --silos N]</c>
/// prepares a board folder, starts the server (Entente.Server.dll log CONFIG URL) as a second process, runs the key
/// ceremony through the API, pre-encrypts N ballots, then measures with C concurrent connections over loopback:
/// signed ballot submissions per second (each validated by the server: codec, H_E, proofs), checkpoint reads and
/// inclusion-proof reads per second, against baselines measured in the same run (the in-process validation rate of
/// one ballot on one core; GET /board, the cheapest read). It samples the server's resident memory, stops it, and
/// checks that every acknowledged ballot is in the log at its index and that the log re-verifies (fsck).
/// </summary>
internal static class ServerLoad
{
    /// <summary>The demo's ballot manifest (two contests, two styles).</summary>
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
        int connections = int.Parse(Arg(args, "--connections") ?? "200", CultureInfo.InvariantCulture);
        int readSeconds = int.Parse(Arg(args, "--seconds") ?? "5", CultureInfo.InvariantCulture);
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
        using Process process = Process.Start(new ProcessStartInfo("dotnet", command)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("could not start the server");
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
            PlaintextBallot[] plaintexts = [.. Enumerable.Range(0, ballots).Select(_ => ElectionSimulator.RandomBallot(manifest, voters))];
            PreparedBallot[] prepared = new PreparedBallot[ballots];
            Parallel.For(0, ballots, i => prepared[i] = encryptor.Encrypt(plaintexts[i], $"ballot {i}"));
            EncryptedBallot[] sealedBallots = [.. prepared.Select(p => machine.Seal(p, DateTimeOffset.UtcNow))];
            Console.WriteLine($"setup (ceremony through the API, {ballots} ballots encrypted): {setup.Elapsed.TotalSeconds:F1} s");

            // Baseline: the server's per-ballot validation, in process, on one core, once warm (the first ballots pay for the
            // JIT and the election's fixed-base tables, which the server had paid for before its first timed request).
            for (int i = 0; i < Math.Min(50, sealedBallots.Length); i++)
            {
                BoardArtifacts.ValidateBallot(context, BoardArtifacts.Ballot(sealedBallots[i]));
            }

            Stopwatch baseline = Stopwatch.StartNew();
            int validated = 0;
            while (baseline.Elapsed < TimeSpan.FromSeconds(2))
            {
                BoardArtifacts.ValidateBallot(context, BoardArtifacts.Ballot(sealedBallots[validated++ % sealedBallots.Length]));
            }

            double validationPerSecond = validated / baseline.Elapsed.TotalSeconds;

            // Ballot submissions.
            ConcurrentDictionary<string, long> acknowledged = new(StringComparer.Ordinal);
            ConcurrentBag<double> latencies = [];
            int next = -1;
            int failures = 0;
            Stopwatch load = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, connections).Select(_ => Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < sealedBallots.Length)
                {
                    EncryptedBallot ballot = sealedBallots[i];
                    long start = Stopwatch.GetTimestamp();
                    using HttpResponseMessage r = await deviceClient.PostBallotAsync(ballot);
                    latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                    if (r.StatusCode == HttpStatusCode.Created)
                    {
                        JsonElement artifact = await r.Content.ReadFromJsonAsync<JsonElement>();
                        acknowledged[ballot.Id.ToHex()] = artifact.GetProperty("index").GetInt64();
                    }
                    else
                    {
                        Interlocked.Increment(ref failures);
                    }
                }
            })));
            double submitSeconds = load.Elapsed.TotalSeconds;
            long peakAfterWrites = memory.PeakKiB();

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
            Console.WriteLine($"| ballot submissions/s ({connections} connections, {group.Name} group) | {acknowledged.Count / submitSeconds:F0} | in-process validation of one ballot on one core: {validationPerSecond:F0}/s | {acknowledged.Count / submitSeconds / validationPerSecond:F2} |");
            Console.WriteLine($"| submission latency p50 / p99 (ms) | {Percentile(sorted, 0.50):F0} / {Percentile(sorted, 0.99):F0} | | |");
            Console.WriteLine($"| GET /checkpoint reads/s | {checkpointReads:F0} | GET /board {statusReads:F0}/s | {checkpointReads / statusReads:F2} |");
            Console.WriteLine($"| GET /proof/inclusion reads/s (tree of {size}) | {proofReads:F0} | GET /board {statusReads:F0}/s | {proofReads / statusReads:F2} |");
            Console.WriteLine($"| server RSS idle / peak after writes / peak (MiB) | {idleRss / 1024.0:F0} / {peakAfterWrites / 1024.0:F0} / {peak / 1024.0:F0} | | |");
            Console.WriteLine($"refused submissions: {failures}");

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
