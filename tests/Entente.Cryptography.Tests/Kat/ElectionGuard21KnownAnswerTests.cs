using System.Text;
using System.Text.Json;

namespace Entente.Cryptography.Tests.Kat;

/// <summary>
/// The 2.1.0 hash-chain known answers of tests/vectors/electionguard-kat/kat_values.json (see its
/// README for the source). Each value is its own test; the inputs are those of eg21_kat.py.
/// </summary>
public class ElectionGuard21KnownAnswerTests
{
    private static readonly Group Standard = Group.Standard;
    private static readonly Lazy<Dictionary<string, string>> Vectors = new(Load);

    private static readonly byte[] Manifest = Encoding.UTF8.GetBytes("{\"election\":\"kat\"}");
    private const string Device = "Wahllokal Zürich – Gerät №7 🗳";

    [Theory]
    [InlineData(3, 2, "H_P(n=3,k=2)")]
    [InlineData(5, 3, "H_P(n=5,k=3)")]
    [InlineData(1, 1, "H_P(n=1,k=1)")]
    public void Parameter_base_hash_matches_the_known_answer(int n, int k, string name)
    {
        Assert.Equal(Vectors.Value[name], ElectionHashes.ParameterBaseHash(Standard, n, k).ToHex());
    }

    [Fact]
    public void Parameter_base_hash_of_version_2_0_matches_the_constant_printed_in_the_2_0_specification()
    {
        // 2.0 eq 4: H(ver2.0; 0x00, p, q, g) without n and k: same encodings, different key and input.
        byte[] ver = new byte[32];
        Encoding.UTF8.GetBytes("v2.0.0", ver);
        using HashInput input = HashInput.Create(Standard, DomainSeparation.ParameterBaseHash);
        input.AppendBytes(Standard.P.ToByteArray(isUnsigned: true, isBigEndian: true))
            .AppendBytes(Standard.Q.ToByteArray(isUnsigned: true, isBigEndian: true))
            .Append(Standard.Generator);
        Assert.Equal(Vectors.Value["H_P v2.0.0 (spec eq.5 constant)"], input.Hash(ver).ToHex());
    }

    [Fact]
    public void Election_base_hash_matches_the_known_answer()
    {
        Assert.Equal(Vectors.Value["H_B(manifest={\"election\":\"kat\"})"], ElectionBase().ToHex());
    }

    [Fact]
    public void Extended_base_hash_matches_the_known_answer()
    {
        Assert.Equal(Vectors.Value["H_E(K=g^5,Khat=g^7)"], ExtendedBase().ToHex());
    }

    [Fact]
    public void Selection_identifier_hash_matches_the_known_answer()
    {
        Assert.Equal(Vectors.Value["H_I(idB=01..20)"], IdentifierHash().ToHex());
    }

    [Fact]
    public void Selection_nonce_matches_the_known_answer()
    {
        using BallotNonce ballotNonce = BallotNonce.FromBytes(Range(0xA0, 32));
        ElementModQ nonce = ElectionHashes.SelectionNonce(Standard, IdentifierHash(), 1, 1, ballotNonce);
        Assert.Equal(Vectors.Value["xi_{1,1}=Hq(H_I;0x21,1,1,xiB)"], nonce.ToHex());
    }

    [Fact]
    public void Device_hash_matches_the_known_answer()
    {
        Assert.Equal(Vectors.Value["H_DI(0x2A)"], ElectionHashes.DeviceHash(Standard, ExtendedBase(), Device).ToHex());
    }

    [Fact]
    public void Pre_encrypted_device_hash_matches_the_known_answer()
    {
        Assert.Equal(Vectors.Value["H_DI_pre(0x43)"], ElectionHashes.PreEncryptedDeviceHash(Standard, ExtendedBase(), Device).ToHex());
    }

    [Fact]
    public void Every_vector_in_the_file_is_covered_by_a_test()
    {
        Assert.Equal(10, Vectors.Value.Count);
    }

    private static Hash256 ElectionBase() =>
        ElectionHashes.ElectionBaseHash(Standard, ElectionHashes.ParameterBaseHash(Standard, 3, 2), Manifest);

    private static Hash256 ExtendedBase() =>
        ElectionHashes.ExtendedBaseHash(ElectionBase(), Standard.GPow(ElementModQ.FromInt64(Standard, 5)), Standard.GPow(ElementModQ.FromInt64(Standard, 7)));

    private static Hash256 IdentifierHash() =>
        ElectionHashes.SelectionIdentifierHash(Standard, ExtendedBase(), Hash256.Decode(Range(0x01, 32)));

    private static byte[] Range(int start, int count) => [.. Enumerable.Range(start, count).Select(i => (byte)i)];

    private static Dictionary<string, string> Load()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "vectors", "electionguard-kat", "kat_values.json");
        return JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(path))
            ?? throw new InvalidDataException("kat_values.json is empty.");
    }
}
