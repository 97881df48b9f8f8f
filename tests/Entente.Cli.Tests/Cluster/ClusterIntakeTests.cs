using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Entente.Cli.Tests.Election;
using Entente.Client.Board;
using Entente.Cluster;
using Entente.Client.Election;
using Entente.Client.Http;
using Entente.Client.Log;
using Entente.Election.Board;
using Entente.Election.Encryption;
using Entente.Election.KeyCeremony;
using Entente.Election.Record;
using Entente.Transparency;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;

namespace Entente.Cli.Tests.Cluster;

/// <summary>
/// Ballot intake on a cluster as an operator runs it: <c>entente serve --cluster dev --silos 2</c> starts two
/// <c>entente cluster silo</c> processes and checks every posted ballot's proofs on their workers, while the board keeps
/// the log. A device posts a few hundred ballots at once; the board sheds what it cannot hold with 503 and
/// <c>Retry-After</c>, the device posts those again, and every acknowledged ballot is in the log exactly once. On a
/// PostgreSQL-membership cluster with TLS, a silo killed mid-intake loses no ballot and logs none twice.
/// </summary>
public sealed class ClusterIntakeTests
{
    private const int Ballots = 240;

    [Fact]
    public async Task Ballots_posted_to_a_board_that_validates_on_two_silos_are_each_logged_once_and_a_forged_one_is_refused()
    {
        string config = Path.Combine(Path.GetTempPath(), $"entente-intake-{Guid.NewGuid():N}.json");
        // Two ballots validated at once at most: posts beyond that are shed with 503, which the test must see.
        await File.WriteAllTextAsync(config, """{ "limits": { "maxPendingValidations": 2 } }""");
        try
        {
            using BoardProcess board = await BoardProcess.StartAsync(serveOptions: ["--cluster", "dev", "--silos", "2", "--validation-workers", "16", "--config", config]);
            Assert.Contains("Ballots: proofs checked on the cluster (2 silo process(es) on loopback), 16 at once", board.Log, StringComparison.Ordinal);
            await BoardSteps.CeremonyAsync(board);

            using Ed25519NoteSigner device = await DeviceKeyAsync(board);
            (ElectionContext context, BallotEncryptor encryptor, EncryptionDevice machine) = await DeviceAsync(board, device);
            Random voters = new(20261207);
            EncryptedBallot[] ballots = Encrypt(context, encryptor, machine, voters, Ballots);

            // A burst without retries: the board holds two validations at once, so some posts are shed, each with Retry-After.
            ConcurrentDictionary<string, byte> acknowledged = new(StringComparer.Ordinal);
            int shed = 0;
            using (BoardClient once = new(new Uri(board.Url), device, retry: RetryPolicy.None))
            {
                await Parallel.ForEachAsync(ballots.Take(48), new ParallelOptions { MaxDegreeOfParallelism = 48 }, async (ballot, ct) =>
                {
                    using HttpResponseMessage response = await once.PostBallotAsync(ballot, ct);
                    if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                    {
                        Assert.NotNull(response.Headers.RetryAfter?.Delta);
                        Assert.Contains("Busy validating", await response.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
                        Interlocked.Increment(ref shed);
                    }
                    else
                    {
                        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
                        acknowledged[ballot.Id.ToHex()] = 0;
                    }
                });
            }

            Assert.True(shed > 0, "no post of the burst was shed with 503, though the board validates two ballots at once at most");

            // Every ballot, as a device posts: retrying what is shed after the Retry-After wait. A ballot acknowledged in
            // the burst is answered 409 (already on the board), never logged twice.
            RetryPolicy patient = new() { MaxAttempts = 200, MaxElapsed = TimeSpan.FromMinutes(5), MaxDelay = TimeSpan.FromSeconds(1) };
            using (BoardClient retrying = new(new Uri(board.Url), device, retry: patient))
            {
                await Parallel.ForEachAsync(ballots, new ParallelOptions { MaxDegreeOfParallelism = 24 }, async (ballot, ct) =>
                {
                    using HttpResponseMessage response = await retrying.PostBallotAsync(ballot, ct);
                    string id = ballot.Id.ToHex();
                    if (response.StatusCode == HttpStatusCode.Conflict)
                    {
                        Assert.True(acknowledged.ContainsKey(id), $"ballot {id} refused as a duplicate but never acknowledged: {await response.Content.ReadAsStringAsync(ct)}");
                        return;
                    }

                    Assert.True(response.StatusCode == HttpStatusCode.Created, $"ballot {id}: {response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
                    acknowledged[id] = 0;
                });

                // A forged ballot (another ballot's contests under this one's id): the workers find its proofs do not hold.
                EncryptedBallot honest = machine.Seal(encryptor.Encrypt(ElectionSimulator.RandomBallot(context.Parameters.Manifest, voters), "forged"), DateTimeOffset.UtcNow);
                EncryptedBallot forged = honest with { Contests = ballots[0].Contests };
                using HttpResponseMessage refused = await retrying.PostBallotAsync(forged);
                string problem = await refused.Content.ReadAsStringAsync();
                Assert.True(refused.StatusCode == HttpStatusCode.UnprocessableEntity, $"{refused.StatusCode}: {problem}");
                Assert.Contains($"ballot {forged.Id.ToHex()}", problem, StringComparison.OrdinalIgnoreCase);
                Assert.Contains("does not verify", problem, StringComparison.Ordinal);
            }

            Assert.Equal(Ballots, acknowledged.Count);

            // A device's backlog in one batch (POST /board/ballots/batch, larger than the two validations the board holds
            // at once, so let in only when nothing else is validated): each ballot's proofs checked on the silos, the
            // forged one refused alone with the reason a single post gets.
            EncryptedBallot[] backlog = Encrypt(context, encryptor, machine, voters, 12);
            EncryptedBallot forgedInBatch = machine.Seal(encryptor.Encrypt(ElectionSimulator.RandomBallot(context.Parameters.Manifest, voters), "forged in a batch"), DateTimeOffset.UtcNow) with { Contests = backlog[0].Contests };
            using (BoardClient batching = new(new Uri(board.Url), device, retry: patient))
            {
                IReadOnlyList<BoardBatchItem> results = await batching.PostBallotsAsync([.. backlog.Take(6), forgedInBatch, .. backlog.Skip(6)]);
                Assert.True(results[6].Status == 422, $"{results[6].Status} {results[6].Title}: {results[6].Detail}");
                Assert.StartsWith("ballots[6]: ", results[6].Detail, StringComparison.Ordinal);
                foreach ((BoardBatchItem result, EncryptedBallot ballot) in results.Where((_, i) => i != 6).Zip(backlog))
                {
                    Assert.True(result.Logged, $"{result.Status} {result.Title}: {result.Detail}");
                    Assert.Equal(ballot.Id.ToHex(), result.Ballot);
                    acknowledged[ballot.Id.ToHex()] = 0;
                }
            }

            Assert.Equal(Ballots + backlog.Length, acknowledged.Count);
            await AssertEachLoggedOnceAsync(board, acknowledged.Keys);

            // Both silos checked ballots (each says when it first holds the election's context), the board none itself.
            string output = board.Log;
            Assert.Contains("silo 1: ", output, StringComparison.Ordinal);
            Assert.Matches("silo 1: .*ballot validation: holding election context", output);
            Assert.Matches("silo 2: .*ballot validation: holding election context", output);
            // The operators' counter of shed posts (scraped metrics lag a little behind).
            string scraped = await board.GetTextAsync("metrics");
            for (DateTime until = DateTime.UtcNow.AddSeconds(20); !ShedCounted(scraped) && DateTime.UtcNow < until; scraped = await board.GetTextAsync("metrics"))
            {
                await Task.Delay(250);
            }

            Assert.True(ShedCounted(scraped), "entente_ballot_shed_total is not above 0 on /metrics");
        }
        finally
        {
            File.Delete(config);
        }
    }

    [SkippableFact]
    public async Task A_silo_killed_during_intake_on_a_PostgreSQL_cluster_with_TLS_loses_no_ballot_and_logs_none_twice()
    {
        string connection = ClusterVerifyTests.FreshSchema();
        string folder = Directory.CreateTempSubdirectory("entente-intake-tls-").FullName;
        List<(Process Process, StringBuilder Log)> silos = [];
        try
        {
            // Two silos of a PostgreSQL-membership cluster, every connection mutual TLS with the cluster's certificate.
            string certificate = Path.Combine(folder, "cluster.pfx");
            ClusterTls.CreateThrowaway(certificate).Dispose();
            for (int i = 0; i < 2; i++)
            {
                StringBuilder log = new();
                silos.Add((EntenteProcess.Start(log, "cluster", "silo", "--postgres", connection, "--tls-certificate", certificate,
                    "--port", Port(), "--gateway-port", Port()), log));
            }

            foreach ((Process process, StringBuilder log) in silos)
            {
                ClusterVerifyTests.WaitFor(process, log, "silo ready:");
            }

            using BoardProcess board = await BoardProcess.StartAsync(serveOptions: ["--cluster", connection, "--tls-certificate", certificate, "--validation-workers", "8"]);
            Assert.Contains("Ballots: proofs checked on the cluster (PostgreSQL membership), 8 at once", board.Log, StringComparison.Ordinal);
            await BoardSteps.CeremonyAsync(board);
            using Ed25519NoteSigner device = await DeviceKeyAsync(board);
            (ElectionContext context, BallotEncryptor encryptor, EncryptionDevice machine) = await DeviceAsync(board, device);
            EncryptedBallot[] ballots = Encrypt(context, encryptor, machine, new Random(20261208), 160);

            // The device posts with its retries; once a quarter is acknowledged, the second silo is killed (SIGKILL).
            ConcurrentDictionary<string, byte> acknowledged = new(StringComparer.Ordinal);
            RetryPolicy patient = new() { MaxAttempts = 200, MaxElapsed = TimeSpan.FromMinutes(5), MaxDelay = TimeSpan.FromSeconds(1) };
            using BoardClient client = new(new Uri(board.Url), device, retry: patient);
            Task posting = Parallel.ForEachAsync(ballots, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (ballot, ct) =>
            {
                using HttpResponseMessage response = await client.PostBallotAsync(ballot, ct);
                Assert.True(response.StatusCode == HttpStatusCode.Created, $"ballot {ballot.Id.ToHex()}: {response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
                acknowledged[ballot.Id.ToHex()] = 0;
            });
            for (DateTime until = DateTime.UtcNow.AddMinutes(3); acknowledged.Count < ballots.Length / 4 && !posting.IsCompleted && DateTime.UtcNow < until;)
            {
                await Task.Delay(20);
            }

            silos[1].Process.Kill(entireProcessTree: true);
            Assert.False(posting.IsCompleted, "every ballot was posted before the silo was killed: the test must kill it mid-intake");
            await posting;

            Assert.Equal(ballots.Length, acknowledged.Count);
            await AssertEachLoggedOnceAsync(board, acknowledged.Keys);
            Assert.Contains("ballot validation: holding election context", silos[0].Log.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            foreach ((Process process, _) in silos)
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }

                process.Dispose();
            }

            Directory.Delete(folder, recursive: true);
        }
    }

    private static string Port() => ServerProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<Ed25519NoteSigner> DeviceKeyAsync(BoardProcess board) =>
        Ed25519NoteSigner.FromSkey((await File.ReadAllTextAsync(board.Key("device-1"))).Trim());

    /// <summary>The election as device-1 reads it from the board, with an encryptor and the device that seals.</summary>
    private static async Task<(ElectionContext Context, BallotEncryptor Encryptor, EncryptionDevice Device)> DeviceAsync(BoardProcess board, Ed25519NoteSigner device)
    {
        using HttpElectionBoard reader = new(new Uri(board.Url), device, RetryPolicy.Default);
        ElectionContext context = await reader.LoadContextAsync();
        return (context, new BallotEncryptor(context), new EncryptionDevice(context, "device-1", "intake test device"));
    }

    private static EncryptedBallot[] Encrypt(ElectionContext context, BallotEncryptor encryptor, EncryptionDevice machine, Random voters, int count) =>
        [.. Enumerable.Range(0, count).Select(i => machine.Seal(encryptor.Encrypt(ElectionSimulator.RandomBallot(context.Parameters.Manifest, voters), $"ballot {i}"), DateTimeOffset.UtcNow))];

    /// <summary>The log, read from its tiles and proven against the published checkpoint: each acknowledged ballot in it once, and no other.</summary>
    private static async Task AssertEachLoggedOnceAsync(BoardProcess board, IEnumerable<string> acknowledged)
    {
        long size = await board.LogSizeAsync();
        using LogClient log = new(new Uri(board.Url));
        SignedCheckpoint checkpoint = await log.GetCheckpointAsync();
        for (DateTime until = DateTime.UtcNow.AddMinutes(1); checkpoint.Checkpoint.Size < size && DateTime.UtcNow < until; checkpoint = await log.GetCheckpointAsync())
        {
            await Task.Delay(100);
        }

        Dictionary<string, int> logged = new(StringComparer.OrdinalIgnoreCase);
        await foreach (LogEntryRead read in log.ReadEntriesAsync(checkpoint.Checkpoint, 0, checkpoint.Checkpoint.Size))
        {
            Assert.True(read.Included, $"entry {read.Index}: {read.Failure}");
            if (LogEntry.Parse(read.Bytes!).Entry.BallotId is string id)
            {
                logged[id] = logged.GetValueOrDefault(id) + 1;
            }
        }

        Assert.Equal(acknowledged.Order(StringComparer.OrdinalIgnoreCase), logged.Keys.Order(StringComparer.OrdinalIgnoreCase), StringComparer.OrdinalIgnoreCase);
        Assert.All(logged, l => Assert.Equal(1, l.Value));
    }

    private static bool ShedCounted(string metrics) => System.Text.RegularExpressions.Regex.IsMatch(metrics, @"(?m)^entente_ballot_shed_total(\{[^}]*\})? [1-9]");
}
