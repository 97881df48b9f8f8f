using System.Diagnostics;
using System.Globalization;
using Entente.Client.Board;
using Entente.Client.Http;
using Entente.Election.Encryption;
using Entente.Election.KeyCeremony;
using Entente.Election.Record;
using Entente.Storage.Sqlite.Log;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;
using TlogHash = Entente.Transparency.Hash256;

namespace Entente.Benchmarks.ServerLoad;

/// <summary>
/// The board's per-ballot steps, each timed in process on one core over the run's own ballots (as the validation baseline
/// is), and reported as a fraction of one ballot's validation: the request's signature check (header parse, RFC 9421
/// signature base, Ed25519), the Content-Digest check, the entry's parse and signature checks, the body's SHA-256, the
/// strict ballot parse and the proofs. The sequencer's append and durable commit (entries with their ballots, one SQLite
/// transaction a batch, WAL, synchronous=FULL) is measured on a store of its own with as many concurrent adds as the load
/// has connections: a rate, since most of it is waiting for the disk, not a core's work. What is not here (Kestrel,
/// routing, the nonce journal's durable write, the JSON answer, thread hops) is the rest of the measured intake.
/// </summary>
internal sealed class StageProfile
{
    private readonly List<(string Stage, double Micros)> _stages = [];
    private readonly double _validationMicros;
    private double _sequencerPerSecond;
    private int _sequencerConnections;

    private StageProfile(double validationPerSecond) => _validationMicros = 1e6 / validationPerSecond;

    public static StageProfile Measure(ElectionContext context, Charter charter, Ed25519NoteSigner device, EncryptedBallot[] ballots, double validationPerSecond, int connections = 200)
    {
        StageProfile profile = new(validationPerSecond);
        int n = Math.Min(ballots.Length, 200);
        CharterMember member = charter.Find(device.Name) ?? throw new InvalidOperationException("the device is not in the charter");
        Uri target = new("http://127.0.0.1:1/board/ballots");
        byte[][] bodies = new byte[n][];
        byte[][] entries = new byte[n][];
        string[] entryHeaders = new string[n];
        string[] inputs = new string[n];
        string[] signatures = new string[n];
        string[] digests = new string[n];
        BoardClient client = new(target, device);
        using (client)
        {
            for (int i = 0; i < n; i++)
            {
                bodies[i] = BoardArtifacts.Ballot(ballots[i]);
                entries[i] = client.Entry("ballot.cast", bodies[i], ballots[i].Id.ToHex(), ballots[i].ConfirmationCode.ToHex());
                entryHeaders[i] = Convert.ToBase64String(entries[i]);
                using HttpRequestMessage request = new(HttpMethod.Post, target) { Content = new ByteArrayContent(bodies[i]) };
                HttpSignatureHandler.SignAsync(request, device, DateTimeOffset.UtcNow).GetAwaiter().GetResult();
                inputs[i] = string.Join(",", request.Headers.GetValues("Signature-Input"));
                signatures[i] = string.Join(",", request.Headers.GetValues("Signature"));
                digests[i] = string.Join(",", request.Headers.GetValues("Content-Digest"));
            }
        }

        profile.Time("request signature: parse Signature-Input, signature base, Ed25519 verify", n, i =>
        {
            if (!StructuredFields.TryParseSignatureInput(inputs[i], out Dictionary<string, SignatureParameters> parsed, out _)
                || !StructuredFields.TryParseByteDictionary(signatures[i], out Dictionary<string, byte[]>? sig))
            {
                throw new InvalidOperationException("the request's signature headers do not parse");
            }

            SignatureParameters p = parsed["sig1"];
            byte[] signatureBase = HttpMessageSignatures.SignatureBase(p, c => c switch
            {
                "@method" => "POST",
                "@authority" => target.Authority,
                "@path" => target.AbsolutePath,
                "@query" => "?",
                "content-digest" => digests[i],
                _ => null,
            });
            return member.Key.Verify(signatureBase, sig["sig1"]);
        });
        profile.Time("Content-Digest check (SHA-256 of the body)", n, i => HttpMessageSignatures.CheckContentDigest(digests[i], bodies[i]));
        profile.Time("entry header: base64 and parse", n, i => LogEntry.Parse(Convert.FromBase64String(entryHeaders[i])));
        (LogEntry, SignedNote)[] parsedEntries = [.. entries.Select(e => LogEntry.Parse(e))];
        profile.Time("entry signature: the signer's (Ed25519 verify)", n, i => NoteVerification.HasValidSignature(parsedEntries[i].Item2, member.Key));
        profile.Time("entry signature lines: every line against the charter (Ed25519 verify)", n, i => LogEntry.SignatureLinesProblem(entries[i], parsedEntries[i].Item2, charter));
        profile.Time("SHA-256 of the ballot (entry's sha256 field)", n, i => TlogHash.Compute(bodies[i]));
        profile.Time("strict ballot parse (RecordFormat.ReadBallot)", n, i => RecordFormat.ReadBallot("ballot", bodies[i], context));
        profile.Time("parse + proofs, hashes, code (the baseline's work, RecordSelfCheck.CheckBallot on a fresh parse)", n,
            i => RecordSelfCheck.CheckBallot(context, context.Parameters.Manifest, RecordFormat.ReadBallot("ballot", bodies[i], context)));
        profile.MeasureSequencer(entries, bodies, connections).GetAwaiter().GetResult();
        return profile;
    }

    private async Task MeasureSequencer(byte[][] entries, byte[][] bodies, int connections)
    {
        string dir = Directory.CreateTempSubdirectory("entente-stage-sequencer-").FullName;
        try
        {
            using Ed25519NoteSigner key = Ed25519NoteSigner.Generate("stage-log");
            await using SqliteLogStore store = new(Path.Combine(dir, "log.db"));
            await Sequencer.InitializeLogAsync(store, key, "stage.example/log");
            await new SqliteBlobStore(Path.Combine(dir, "log.db")).CreateSchemaAsync();
            await using Sequencer sequencer = await Sequencer.StartAsync(store, key, "stage.example/log");
            // Distinct entries (a sequencer deduplicates identical ones): each of the run's ballots with a counter appended, and
            // an entry signed for those bytes; at least 2,000, built before the clock starts.
            int total = Math.Max(2000, entries.Length);
            byte[][] items = new byte[total][];
            byte[][] blobs = new byte[total][];
            for (int i = 0; i < total; i++)
            {
                byte[] body = [.. bodies[i % bodies.Length], .. System.Text.Encoding.ASCII.GetBytes(i.ToString(CultureInfo.InvariantCulture))];
                items[i] = new LogEntry("ballot.cast", TlogHash.Compute(body), key.Name, "b" + i.ToString(CultureInfo.InvariantCulture), null, DateTimeOffset.UtcNow).Sign(key);
                blobs[i] = body;
            }

            int next = -1;
            Stopwatch watch = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, connections).Select(_ => Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < total)
                {
                    await sequencer.AddAsync(items[i], blobs[i]);
                }
            })));
            _sequencerPerSecond = total / watch.Elapsed.TotalSeconds;
            _sequencerConnections = connections;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dir, recursive: true);
        }
    }

    private void Time(string stage, int n, Func<int, object?> step)
    {
        for (int i = 0; i < Math.Min(n, 20); i++)
        {
            _ = step(i);
        }

        int count = 0;
        Stopwatch watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(0.4))
        {
            _ = step(count++ % n);
        }

        _stages.Add((stage, watch.Elapsed.TotalMicroseconds / count));
    }

    public void Print(double intakePerSecond)
    {
        Console.WriteLine($"| the board's step, one core, in process (same run) | µs per ballot | × one ballot's validation ({_validationMicros:F0} µs) |");
        Console.WriteLine("|---|---|---|");
        foreach ((string stage, double micros) in _stages)
        {
            Console.WriteLine($"| {stage} | {micros:F0} | {micros / _validationMicros:F3} |");
        }

        Console.WriteLine($"| sequencer alone: append + durable commit with its ballot, {_sequencerConnections} concurrent adds | {_sequencerPerSecond:F0} entries/s | {_sequencerPerSecond * _validationMicros / 1e6:F2} × the validation rate |");
        double budget = 2 * 1e6 / intakePerSecond;
        Console.WriteLine($"intake {intakePerSecond:F0}/s on 2 cores: {budget:F0} µs of the machine per ballot ({budget / _validationMicros:F2} × one validation; ≥ 0.8 × the rate needs ≤ {2 / 0.8:F1} ×)");
    }
}
