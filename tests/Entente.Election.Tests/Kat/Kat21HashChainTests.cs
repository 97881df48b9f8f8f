using System.Text.Json;
using Entente.Cryptography;
using Entente.Election.Encryption;
using Entente.Election.Manifest;
using Entente.Election.Parameters;

namespace Entente.Election.Tests.Kat;

/// <summary>
/// Known answers of the 2.1 hash chain (tests/vectors/electionguard-records/kat-2.1-values.json,
/// computed from the 2.1.0 PDF; inputs as in kat-2.1-eg21_kat.py), checked through the election
/// layer's own entry points where it has one.
/// </summary>
public class Kat21HashChainTests
{
    private static readonly Dictionary<string, string> Values =
        JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(TestFiles.Vector("kat-2.1-values.json")))!;

    private const string DeviceText = "Wahllokal Zürich – Gerät №7 🗳";

    [Theory]
    [InlineData(3, 2, "H_P(n=3,k=2)")]
    [InlineData(5, 3, "H_P(n=5,k=3)")]
    [InlineData(1, 1, "H_P(n=1,k=1)")]
    public void Parameters_hash_H_P_for_n_and_k(int n, int k, string key)
    {
        ElectionManifest manifest = ManifestReader.Parse(TestFiles.Bytes(TestFiles.Manifest("smoke.json")));
        Assert.Equal(Values[key], ElectionParameters.Create(Group.Standard, manifest, n, k).ParameterBaseHash.ToHex());
    }

    [Fact]
    public void The_chain_H_B_H_E_H_I_nonce_and_device_hash_match()
    {
        Group group = Group.Standard;
        Hash256 hP = ElectionHashes.ParameterBaseHash(group, 3, 2);
        Hash256 hB = ElectionHashes.ElectionBaseHash(group, hP, "{\"election\":\"kat\"}"u8);
        Assert.Equal(Values["H_B(manifest={\"election\":\"kat\"})"], hB.ToHex());
        ElementModP k = group.GPow(ElementModQ.FromInt64(group, 5));
        ElementModP kHat = group.GPow(ElementModQ.FromInt64(group, 7));
        Hash256 hE = ElectionHashes.ExtendedBaseHash(hB, k, kHat);
        Assert.Equal(Values["H_E(K=g^5,Khat=g^7)"], hE.ToHex());
        Hash256 id = Hash256.Decode([.. Enumerable.Range(1, 32).Select(b => (byte)b)]);
        Hash256 hI = ElectionHashes.SelectionIdentifierHash(group, hE, id);
        Assert.Equal(Values["H_I(idB=01..20)"], hI.ToHex());
        using BallotNonce nonce = BallotNonce.FromBytes([.. Enumerable.Range(0xA0, 32).Select(b => (byte)b)]);
        Assert.Equal(Values["xi_{1,1}=Hq(H_I;0x21,1,1,xiB)"], ElectionHashes.SelectionNonce(group, hI, 1, 1, nonce).ToHex());
        Assert.Equal(Values["H_DI(0x2A)"], ElectionHashes.DeviceHash(group, hE, DeviceText).ToHex());
    }

    [Fact]
    public void The_no_chaining_field_is_mode_zero_then_the_device_hash()
    {
        Hash256 deviceHash = Hash256.DecodeHex(Values["H_DI(0x2A)"]);
        byte[] field = ConfirmationCodes.ChainingField(ChainingMode.None, deviceHash);
        Assert.Equal("00000000" + Values["H_DI(0x2A)"], Convert.ToHexString(field));
        Assert.Equal("00000001" + Values["H_DI(0x2A)"], Convert.ToHexString(ConfirmationCodes.ChainingField(ChainingMode.Simple, deviceHash)));
    }
}
