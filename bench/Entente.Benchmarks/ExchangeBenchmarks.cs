using System.Text;
using BenchmarkDotNet.Attributes;
using Entente.Exchange.Canonical;
using Entente.Exchange.Envelopes;
using Entente.Exchange.Stix;

namespace Entente.Benchmarks;

/// <summary>
/// Cost of accepting one message, against the bare Ed25519 verification of the same signed bytes
/// (the baseline): envelope parse + RFC 8785 canonicalisation + signature, and STIX 2.1 schema
/// validation of the carried indicator.
/// </summary>
[MemoryDiagnoser]
public class ExchangeBenchmarks
{
    private PartyKey _key = null!;
    private byte[] _envelope = null!;
    private byte[] _message = null!;
    private byte[] _signature = null!;
    private StixObject _indicator = null!;

    [GlobalSetup]
    public void Setup()
    {
        _key = PartyKey.FromSeed(Enumerable.Repeat((byte)7, 32).ToArray());
        string json = """
            {"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
             "created":"2026-11-03T08:00:00.000Z","modified":"2026-11-03T08:00:00.000Z",
             "created_by_ref":"identity--b1a5e0c0-0000-4000-8000-000000000001","name":"C2 server",
             "indicator_types":["malicious-activity"],"pattern":"[ipv4-addr:value = '198.51.100.7']",
             "pattern_type":"stix","valid_from":"2026-11-03T08:00:00Z",
             "kill_chain_phases":[{"kill_chain_name":"mandiant-attack-lifecycle-model","phase_name":"establish-foothold"}]}
            """;
        _indicator = StixObject.Parse(Encoding.UTF8.GetBytes(json));
        SignedEnvelope envelope = SignedEnvelope.Create(_key, "identity--b1a5e0c0-0000-4000-8000-000000000001",
            "9cfa669c-ee94-4ece-afd2-f8edac37d8fd", null, new DateTimeOffset(2026, 11, 3, 8, 0, 0, TimeSpan.Zero), _indicator);
        _envelope = envelope.ToCanonicalJson();
        _message = envelope.GetSignedMessage();
        _signature = envelope.Signature;
        _ = StixValidator.Validate(_indicator); // load and build the schemas once
    }

    [Benchmark(Baseline = true, Description = "Ed25519 verify of the signed bytes")]
    public bool Ed25519Verify() => PartyKey.Verify(_key.PublicKey, _message, _signature);

    [Benchmark(Description = "Envelope parse + JCS + verify")]
    public bool EnvelopeParseAndVerify() => SignedEnvelope.Parse(_envelope).VerifySignature();

    [Benchmark(Description = "JCS of the envelope")]
    public int Canonicalize() => JsonCanonicalizer.Canonicalize(_envelope).Length;

    [Benchmark(Description = "STIX 2.1 schema + spec validation")]
    public int Validate() => StixValidator.Validate(_indicator).Count;

    [GlobalCleanup]
    public void Cleanup() => _key.Dispose();
}
