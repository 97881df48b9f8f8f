using BenchmarkDotNet.Attributes;
using Entente.Cryptography;
using Entente.Election.Encryption;
using Entente.Election.KeyCeremony;
using Entente.Election.Manifest;
using Entente.Election.Parameters;
using Entente.Election.PreEncryption;
using Entente.Election.Record;

namespace Entente.Benchmarks.Election;

/// <summary>
/// Pre-encrypted ballots (spec 2.1 §4, issue 19) against the same ballot encrypted on a device, standard 4096-bit group,
/// as ratios in one run. The baseline is one smoke ballot (1 contest, 4 options, limit 1, a vote for option 2)
/// encrypted and sealed on a device. A pre-encrypted smoke ballot has m + L = 5 vectors of 4 encryptions (20 α and
/// 20 β), its nonce encryption, and the hashes; recording it regenerates all of them from ξ_B (§4.3), multiplies the
/// marked vector with nothing (L = 1) and proves it like a device ballot. Expected: generation ≈ 20 + 20 + 3 = 43
/// exponentiations against the device ballot's 31, recording ≈ 40 + 28 (regeneration and proofs).
/// </summary>
[MemoryDiagnoser]
[InProcess]
public class PreEncryptionBenchmarks
{
    private ElectionContext _context = null!;
    private BallotEncryptor _encryptor = null!;
    private EncryptionDevice _device = null!;
    private PreEncryptor _tool = null!;
    private PreEncryptionRecorder _recorder = null!;
    private PlaintextBallot _ballot = null!;
    private GeneratedBallot _printed = null!;
    private Dictionary<int, IReadOnlyList<string>> _marks = null!;

    [GlobalSetup]
    public void Setup()
    {
        ElectionManifest manifest = ManifestReader.Parse(File.ReadAllBytes(BenchmarkFiles.Manifest("smoke.json")));
        (ElectionContext context, GuardianSecrets[] secrets) = ElectionSimulator.RunKeyCeremony(ElectionParameters.Create(Group.Standard, manifest, 3, 2));
        foreach (GuardianSecrets secret in secrets)
        {
            secret.Dispose();
        }

        _context = context;
        _encryptor = new BallotEncryptor(context);
        _device = new EncryptionDevice(context, "booth-1", "booth 1");
        _tool = new PreEncryptor(context, "printer-1", "printer 1", ShortCodeFormat.Parse("hex4"));
        _recorder = new PreEncryptionRecorder(context);
        _ballot = new PlaintextBallot(1, new Dictionary<int, int[]> { [1] = [0, 1, 0, 0] });
        _printed = _tool.Generate(1);
        _marks = new Dictionary<int, IReadOnlyList<string>> { [1] = [_printed.Ballot.Contests[0].Selections[1].ShortCode] };
        for (int i = 0; i < 3; i++)
        {
            // K and K̂ build their fixed-base tables outside the measurement.
            _ = _encryptor.Encrypt(_ballot);
            using GeneratedBallot warm = _tool.Generate(1);
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _printed.Dispose();

    [Benchmark(Baseline = true, Description = "device: encrypt and seal one smoke ballot")]
    public EncryptedBallot DeviceBallot() => _device.Seal(_encryptor.Encrypt(_ballot), DateTimeOffset.UnixEpoch);

    [Benchmark(Description = "pre-encryption: generate one smoke ballot (5 vectors, short codes, H_C)")]
    public Hash256 Generate()
    {
        using GeneratedBallot generated = _tool.Generate(1);
        return generated.Ballot.ConfirmationCode;
    }

    [Benchmark(Description = "pre-encryption: record one marked smoke ballot (regenerate, accumulate, prove)")]
    public EncryptedBallot Record() => _recorder.RecordCast(_printed.Ballot, _printed.Nonce, _marks, DateTimeOffset.UnixEpoch);

    [Benchmark(Description = "pre-encryption: generate + record one smoke ballot")]
    public EncryptedBallot GenerateAndRecord()
    {
        using GeneratedBallot generated = _tool.Generate(1);
        Dictionary<int, IReadOnlyList<string>> marks = new() { [1] = [generated.Ballot.Contests[0].Selections[1].ShortCode] };
        return _recorder.RecordCast(generated.Ballot, generated.Nonce, marks, DateTimeOffset.UnixEpoch);
    }
}
