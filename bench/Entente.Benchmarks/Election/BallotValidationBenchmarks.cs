using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Jobs;
using Entente.Cryptography;
using Entente.Election.Encryption;
using Entente.Election.KeyCeremony;
using Entente.Election.Manifest;
using Entente.Election.Parameters;
using Entente.Election.Record;

namespace Entente.Benchmarks.Election;

/// <summary>
/// What the board spends on a posted smoke ballot in the standard group, split as <c>entente serve --cluster</c> splits
/// it (docs/cluster.md): the strict parse the board always does itself (with the batched subgroup check of the ballot's
/// values) against the whole check a worker does (<see cref="BallotValidation.Validate"/>: the parse again and every
/// proof, hash and code). The parse's share bounds how far moving the checks to workers can raise one board's intake.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RuntimeMoniker.Net10_0, launchCount: 1, warmupCount: 2, iterationCount: 8)]
public class BallotValidationBenchmarks
{
    private ElectionContext _context = null!;
    private byte[] _ballot = null!;

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

        EncryptionDevice device = new(_context, "device-1", "benchmark device");
        _ballot = RecordFormat.WriteBallot(device.Seal(new BallotEncryptor(_context).Encrypt(new PlaintextBallot(1, new Dictionary<int, int[]> { [1] = [0, 1, 0, 0] })), DateTimeOffset.UtcNow));
        if (BallotValidation.Validate(_context, _ballot).Count != 0)
        {
            throw new InvalidOperationException("the benchmark's ballot does not validate");
        }
    }

    [Benchmark(Baseline = true, Description = "whole check of a posted smoke ballot (parse + proofs), what a worker does")]
    public int Validate() => BallotValidation.Validate(_context, _ballot).Count;

    [Benchmark(Description = "strict parse only, what the board keeps")]
    public EncryptedBallot Parse() => RecordFormat.ReadBallot("ballot", _ballot, _context);
}
