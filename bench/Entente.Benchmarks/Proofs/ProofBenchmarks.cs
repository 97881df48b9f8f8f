using BenchmarkDotNet.Attributes;
using Entente.Cryptography;

namespace Entente.Benchmarks.Proofs;

/// <summary>
/// The ElectionGuard 2.1 operations built on the arithmetic, in the standard 4096-bit group, as ratios
/// to one fixed-base exponentiation g^e with a secret 256-bit exponent measured in the same run.
/// Target (issue 2): encrypting one 0/1 selection with its range proof costs at most 7 of those.
/// Run with <c>dotnet run -c Release --project bench/Entente.Benchmarks -- --filter '*ProofBenchmarks*'</c>.
/// </summary>
[MemoryDiagnoser]
[InProcess] // no separate build: the machine is shared, and an out-of-process build can time out
[WarmupCount(2)]
[IterationCount(8)]
public class ProofBenchmarks
{
    private readonly Group _group = Group.Standard;
    private ElGamalKeyPair _key = null!;
    private ElementModQ _exponent = null!;
    private ElementModQ _nonce = null!;
    private Hash256 _identifierHash = null!;
    private ElGamalCiphertext _ciphertext = null!;
    private RangeProof _proof = null!;
    private Hash256 _parameterBaseHash = null!;
    private ElementModQ[] _coefficients = null!;
    private ElementModP[] _commitments = null!;
    private ElGamalKeyPair _communication = null!;
    private GuardianKeyProof _keyProof = null!;
    private ElementModP _element = null!;

    [GlobalSetup]
    public void Setup()
    {
        _key = ElGamalKeyPair.Generate(_group);
        _exponent = ElementModQ.Random(_group);
        _nonce = ElementModQ.Random(_group);
        _identifierHash = Hash256.Random();
        _ciphertext = _key.PublicKey.Encrypt(1, _nonce);
        _proof = RangeProof.CreateForSelection(_key.PublicKey, _ciphertext, _nonce, 1, 1, _identifierHash, 1, 1);
        _parameterBaseHash = ElectionHashes.ParameterBaseHash(_group, 3, 3);
        _coefficients = [ElementModQ.Random(_group), ElementModQ.Random(_group), ElementModQ.Random(_group)];
        _commitments = [.. _coefficients.Select(_group.GPowSecret)];
        _communication = ElGamalKeyPair.Generate(_group);
        _keyProof = GuardianKeyProof.Create(_parameterBaseHash, GuardianKeyPurpose.Vote, 1, _coefficients, _commitments, _communication);
        _element = _group.GPow(ElementModQ.Random(_group));
        for (int i = 0; i < ElGamalPublicKey.TableThreshold; i++)
        {
            _ = _key.PublicKey.Pow(_exponent); // build K's table outside the measurement
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _key.Dispose();
        _communication.Dispose();
    }

    [Benchmark(Baseline = true, Description = "g^e fixed base, secret e")]
    public ElementModP FixedBaseSecret() => _group.GPowSecret(_exponent);

    [Benchmark(Description = "g^e fixed base, public e")]
    public ElementModP FixedBasePublic() => _group.GPow(_exponent);

    [Benchmark(Description = "x^e general base, public e")]
    public ElementModP GeneralPow() => _element.Pow(_exponent);

    [Benchmark(Description = "decode + subgroup check of one element")]
    public ElementModP DecodeWithMembership() => ElementModP.Decode(_group, _element.Encode(), "x");

    [Benchmark(Description = "encrypt 0/1 selection + range proof")]
    public RangeProof EncryptSelectionWithProof()
    {
        ElGamalCiphertext ciphertext = _key.PublicKey.Encrypt(1, _nonce);
        return RangeProof.CreateForSelection(_key.PublicKey, ciphertext, _nonce, 1, 1, _identifierHash, 1, 1);
    }

    [Benchmark(Description = "verify 0/1 range proof")]
    public bool VerifySelectionProof() => _proof.VerifySelection(_key.PublicKey, _ciphertext, 1, _identifierHash, 1, 1);

    [Benchmark(Description = "guardian key proof k=3, create")]
    public GuardianKeyProof CreateGuardianKeyProof() =>
        GuardianKeyProof.Create(_parameterBaseHash, GuardianKeyPurpose.Vote, 1, _coefficients, _commitments, _communication);

    [Benchmark(Description = "guardian key proof k=3, verify")]
    public bool VerifyGuardianKeyProof() =>
        _keyProof.Verify(_parameterBaseHash, GuardianKeyPurpose.Vote, 1, _commitments, _communication.PublicKey.Key);

    [Benchmark(Description = "share encryption (eqs 15-22)")]
    public HashedElGamalCiphertext EncryptShare() =>
        ShareEncryption.Encrypt(_parameterBaseHash, 1, 2, _communication.PublicKey.Key, _exponent, _nonce);
}
