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
/// Ballot encryption in the standard 4096-bit group (issue 3), as ratios to the cost of the 31
/// fixed-base exponentiations one smoke ballot needs (1 contest, 4 options, limits 1): 16 with base g,
/// 14 with base K, 1 with base K̂. Targets: at most 3 ms per smoke ballot per core; at most 15% of
/// encryption time outside exponentiation (ratio ≤ 1.18 to the exponentiation baseline).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RuntimeMoniker.Net10_0, launchCount: 1, warmupCount: 2, iterationCount: 8)]
public class ElectionEncryptionBenchmarks
{
    private const int BallotsPerParallelInvoke = 32;
    private ElectionContext _context = null!;
    private BallotEncryptor _encryptor = null!;
    private PlaintextBallot _ballot = null!;
    private ElementModQ[] _exponents = null!;

    [GlobalSetup]
    public void Setup()
    {
        ElectionManifest manifest = ManifestReader.Parse(File.ReadAllBytes(BenchmarkFiles.Manifest("smoke.json")));
        ElectionParameters parameters = ElectionParameters.Create(Group.Standard, manifest, 3, 2);
        (_context, GuardianSecrets[] secrets) = ElectionSimulator.RunKeyCeremony(parameters);
        foreach (GuardianSecrets secret in secrets)
        {
            secret.Dispose();
        }

        _encryptor = new BallotEncryptor(_context);
        _ballot = new PlaintextBallot(1, new Dictionary<int, int[]> { [1] = [0, 1, 0, 0] });
        _exponents = [.. Enumerable.Range(0, 31).Select(_ => ElementModQ.Random(Group.Standard))];
        for (int i = 0; i < 4; i++)
        {
            _ = _encryptor.Encrypt(_ballot); // K and K̂ build their fixed-base tables outside the measurement
        }
    }

    [Benchmark(Baseline = true, Description = "31 fixed-base exponentiations (16 g, 14 K, 1 K̂), secret exponents")]
    public ElementModP ExponentiationsOfOneSmokeBallot()
    {
        ElementModP last = _context.Group.OneModP;
        for (int i = 0; i < 16; i++)
        {
            last = _context.Group.GPowSecret(_exponents[i]);
        }

        for (int i = 16; i < 30; i++)
        {
            last = _context.VoteKey.PowSecret(_exponents[i]);
        }

        return _context.DataKey.PowSecret(_exponents[30]);
    }

    [Benchmark(Description = "encrypt one smoke ballot, one core")]
    public PreparedBallot EncryptSmokeBallot() => _encryptor.Encrypt(_ballot);

    [Benchmark(OperationsPerInvoke = BallotsPerParallelInvoke, Description = "encrypt smoke ballots, all cores (per ballot)")]
    public void EncryptSmokeBallotsAllCores() =>
        Parallel.For(0, BallotsPerParallelInvoke, _ => _encryptor.Encrypt(_ballot));
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
