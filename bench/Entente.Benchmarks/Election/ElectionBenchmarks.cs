using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Jobs;
using Entente.Cryptography;
using Entente.Election.Decryption;
using Entente.Election.Encryption;
using Entente.Election.KeyCeremony;
using Entente.Election.Manifest;
using Entente.Election.Parameters;
using Entente.Election.Record;
using Entente.Election.Tally;

namespace Entente.Benchmarks.Election;

/// <summary>
/// Ballot encryption in the standard 4096-bit group (issue 3), as ratios to one constant-time
/// fixed-base exponentiation g^e (the unit: "a ballot costs N fixed-base exponentiations").
/// A smoke ballot (1 contest, 4 options, limit 1) needs 31 of them: the ballot nonce to K̂ (2 g, 1 K̂),
/// four selections (α = g^ξ, β = K^(σ+ξ), range proof 2 g + 2 K) and the contest limit (2 g + 2 K).
/// "31 batched" performs exactly those, batched per table as <c>BallotEncryptor</c> does, so
/// encrypt ÷ 31-batched − 1 is the share of time outside exponentiation (target ≤ 15%).
/// Target: at most 3 ms per smoke ballot per core, every core busy.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RuntimeMoniker.Net10_0, launchCount: 1, warmupCount: 2, iterationCount: 8)]
public class ElectionEncryptionBenchmarks
{
    private const int BallotsPerParallelInvoke = 32;
    private ElectionContext _smoke = null!;
    private ElectionContext _general = null!;
    private BallotEncryptor _smokeEncryptor = null!;
    private BallotEncryptor _generalEncryptor = null!;
    private PlaintextBallot _smokeBallot = null!;
    private PlaintextBallot _generalBallot = null!;
    private ElementModQ[] _exponents = null!;

    [GlobalSetup]
    public void Setup()
    {
        (_smoke, _smokeEncryptor) = Election("smoke.json");
        (_general, _generalEncryptor) = Election("general.json");
        _smokeBallot = new PlaintextBallot(1, new Dictionary<int, int[]> { [1] = [0, 1, 0, 0] });
        _generalBallot = ElectionSimulator.RandomBallot(_general.Parameters.Manifest, new Random(7));
        _exponents = [.. Enumerable.Range(0, 31).Select(_ => ElementModQ.Random(Group.Standard))];
        for (int i = 0; i < 4; i++)
        {
            // K and K̂ build their fixed-base tables outside the measurement.
            _ = _smokeEncryptor.Encrypt(_smokeBallot);
            _ = _generalEncryptor.Encrypt(_generalBallot);
        }
    }

    private static (ElectionContext Context, BallotEncryptor Encryptor) Election(string manifestName)
    {
        ElectionManifest manifest = ManifestReader.Parse(File.ReadAllBytes(BenchmarkFiles.Manifest(manifestName)));
        ElectionParameters parameters = ElectionParameters.Create(Group.Standard, manifest, 3, 2);
        (ElectionContext context, GuardianSecrets[] secrets) = ElectionSimulator.RunKeyCeremony(parameters);
        foreach (GuardianSecrets secret in secrets)
        {
            secret.Dispose();
        }

        return (context, new BallotEncryptor(context));
    }

    [Benchmark(Baseline = true, Description = "g^e, fixed base, secret exponent (the unit)")]
    public ElementModP OneFixedBaseExponentiation() => _smoke.Group.GPowSecret(_exponents[0]);

    [Benchmark(Description = "31 fixed-base exps of a smoke ballot, batched like the encryptor")]
    public ElementModP ExponentiationsOfOneSmokeBallot()
    {
        ReadOnlySpan<ElementModQ> e = _exponents;
        _ = _smoke.Group.GPowSecret(e[..4]);            // α of the four selections
        _ = _smoke.VoteKey.PowSecret(e[4..8]);          // β
        _ = _smoke.Group.GPowSecret(e[8..18]);          // a_j of five range proofs
        _ = _smoke.VoteKey.PowSecret(e[18..28]);        // b_j
        _ = _smoke.Group.GPowSecret(e[28]);             // ballot nonce: α_B, a_B
        _ = _smoke.Group.GPowSecret(e[29]);
        return _smoke.DataKey.PowSecret(e[30]);         // β_B
    }

    [Benchmark(Description = "encrypt one smoke ballot, one core")]
    public PreparedBallot EncryptSmokeBallot() => _smokeEncryptor.Encrypt(_smokeBallot);

    [Benchmark(OperationsPerInvoke = BallotsPerParallelInvoke, Description = "encrypt smoke ballots, all cores (wall time per ballot)")]
    public void EncryptSmokeBallotsAllCores() =>
        Parallel.For(0, BallotsPerParallelInvoke, _ => _smokeEncryptor.Encrypt(_smokeBallot));

    [Benchmark(Description = "encrypt one general ballot (20 × 5), one core")]
    public PreparedBallot EncryptGeneralBallot() => _generalEncryptor.Encrypt(_generalBallot);

    [Benchmark(OperationsPerInvoke = 4, Description = "encrypt general ballots, all cores (wall time per ballot)")]
    public void EncryptGeneralBallotsAllCores() =>
        Parallel.For(0, 4, _ => _generalEncryptor.Encrypt(_generalBallot));
}

/// <summary>
/// Bytes of the record per smoke ballot (canonical JSON, and deflated as in a zip), printed by the
/// setup, and the time to serialise one ballot. Standard group.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RuntimeMoniker.Net10_0, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class ElectionRecordSizeBenchmarks
{
    private EncryptedBallot _ballot = null!;

    [GlobalSetup]
    public void Setup()
    {
        ElectionManifest manifest = ManifestReader.Parse(File.ReadAllBytes(BenchmarkFiles.Manifest("smoke.json")));
        (ElectionContext context, GuardianSecrets[] secrets) = ElectionSimulator.RunKeyCeremony(ElectionParameters.Create(Group.Standard, manifest, 3, 2));
        foreach (GuardianSecrets secret in secrets)
        {
            secret.Dispose();
        }

        BallotEncryptor encryptor = new(context);
        EncryptionDevice device = new(context, "bench", "benchmark device");
        Random random = new(3);
        EncryptedBallot[] ballots = [.. Enumerable.Range(0, 20).Select(_ => device.Seal(encryptor.Encrypt(ElectionSimulator.RandomBallot(manifest, random)), DateTimeOffset.UnixEpoch))];
        _ballot = ballots[0];
        long raw = 0;
        using MemoryStream zipped = new();
        using (System.IO.Compression.ZipArchive zip = new(zipped, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (EncryptedBallot ballot in ballots)
            {
                byte[] bytes = RecordFormat.WriteBallot(ballot);
                raw += bytes.Length;
                System.IO.Compression.ZipArchiveEntry entry = zip.CreateEntry($"ballots/{ballot.Id}.json", System.IO.Compression.CompressionLevel.Optimal);
                using Stream stream = entry.Open();
                stream.Write(bytes);
            }
        }

        Console.WriteLine($"// record bytes per smoke ballot: {raw / ballots.Length} raw, {zipped.Length / ballots.Length} in a zip of {ballots.Length} ballot files");
    }

    [Benchmark(Description = "serialise one smoke ballot (canonical JSON)")]
    public byte[] SerializeSmokeBallot() => RecordFormat.WriteBallot(_ballot);
}

/// <summary>
/// Joint decryption of a 10-contest × 5-option tally by 3 of 5 guardians (commit, reveal, respond,
/// Lagrange combination, discrete log, proof check), standard group. Target: under 2 s. Baseline: one
/// exponentiation A^z with a secret exponent and a variable base, the unit of a partial decryption.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RuntimeMoniker.Net10_0, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class ElectionDecryptionBenchmarks
{
    private ElectionContext _context = null!;
    private EncryptedTally _tally = null!;
    private DecryptionGuardian[] _guardians = null!;
    private ElementModQ _exponent = null!;

    [GlobalSetup]
    public void Setup()
    {
        ElectionManifest general = ManifestReader.Parse(File.ReadAllBytes(BenchmarkFiles.Manifest("general.json")));
        ElectionManifest manifest = TenContests(general);
        ElectionParameters parameters = ElectionParameters.Create(Group.Standard, manifest, 5, 3);
        (_context, GuardianSecrets[] secrets) = ElectionSimulator.RunKeyCeremony(parameters);
        BallotEncryptor encryptor = new(_context);
        EncryptionDevice device = new(_context, "bench", "benchmark device");
        Random random = new(1);
        EncryptedBallot[] ballots = [.. Enumerable.Range(0, 20).Select(_ => device.Seal(encryptor.Encrypt(ElectionSimulator.RandomBallot(manifest, random)), DateTimeOffset.UnixEpoch))];
        _tally = EncryptedTally.Aggregate(_context, ballots);
        _guardians = [new DecryptionGuardian(_context, secrets[0]), new DecryptionGuardian(_context, secrets[2]), new DecryptionGuardian(_context, secrets[4])];
        _exponent = ElementModQ.Random(Group.Standard);
    }

    private static ElectionManifest TenContests(ElectionManifest general)
    {
        System.Text.StringBuilder json = new("{\"label\":\"ten by five\",\"contests\":[");
        for (int c = 0; c < 10; c++)
        {
            json.Append(c == 0 ? "" : ",").Append("{\"label\":\"").Append(general.Contests[c].Label).Append("\",\"contest_options\":[");
            json.AppendJoin(',', general.Contests[c].Options.Select(o => "{\"label\":\"" + o.Label + "\"}"));
            json.Append("]}");
        }

        json.Append("],\"ballot_styles\":[{\"label\":\"all\",\"contests\":[1,2,3,4,5,6,7,8,9,10]}]}");
        return ManifestReader.Parse(System.Text.Encoding.UTF8.GetBytes(json.ToString()));
    }

    [Benchmark(Baseline = true, Description = "A^z, variable base, secret exponent")]
    public ElementModP PartialDecryptionUnit() => _tally.Contests[0].Options[0].Ciphertext.Alpha.PowSecret(_exponent);

    [Benchmark(Description = "decrypt 10 × 5 tally, 3 of 5 guardians")]
    public DecryptedTally DecryptTally() => TallyDecryption.Decrypt(_context, _tally, _guardians);
}

internal static class BenchmarkFiles
{
    /// <summary>bench/manifests/NAME, found from the working folder upwards (BenchmarkDotNet runs from a generated folder).</summary>
    public static string Manifest(string name)
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            string candidate = Path.Combine(d.FullName, "bench", "manifests", name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"bench/manifests/{name} not found above {AppContext.BaseDirectory}");
    }
}
