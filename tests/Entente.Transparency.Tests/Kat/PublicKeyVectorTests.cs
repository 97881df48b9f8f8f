using Entente.Transparency.Notes;

namespace Entente.Transparency.Tests.Kat;

/// <summary>
/// Verifier keys published by real deployments (the OmniWitness's list of logs, the ArmoredWitness production
/// witnesses): every one parses, its declared key ID is the one computed from its name and key, and an Ed25519 key formats
/// back to the same string.
/// </summary>
public sealed class PublicKeyVectorTests
{
    private static IEnumerable<string> Values(string file, string field) =>
        File.ReadAllLines(Vectors.PathOf(file))
            .Select(l => l.Trim())
            .Where(l => l.StartsWith(field, StringComparison.Ordinal))
            .Select(l => l[field.Length..].Trim());

    public static TheoryData<string> OmniwitnessLogKeys() => [.. Values("public-keys/omniwitness-logs.yaml", "PublicKey:")];

    public static TheoryData<string> ArmoredWitnessKeys() => [.. Values("public-keys/armoredwitness-witnesses-prod.yaml", "- ")];

    [Fact]
    public void The_key_lists_hold_what_their_sources_publish()
    {
        Assert.Equal(14, OmniwitnessLogKeys().Count);
        Assert.Equal(16, ArmoredWitnessKeys().Count);
    }

    [Theory]
    [MemberData(nameof(OmniwitnessLogKeys))]
    public void Every_log_key_known_to_the_omniwitness_parses_with_its_declared_key_id(string vkey)
    {
        INoteVerifier key = VerifierKeys.Parse(vkey);
        string[] parts = vkey.Split('+');
        Assert.Equal(parts[0], key.Name);
        Assert.Equal(parts[1], key.KeyId.ToString("x8", System.Globalization.CultureInfo.InvariantCulture));
        if (key is Ed25519NoteVerifier ed)
        {
            Assert.Equal(vkey, ed.VerifierKey);
        }
        else
        {
            Assert.IsType<EcdsaNoteVerifier>(key);
        }
    }

    [Theory]
    [MemberData(nameof(ArmoredWitnessKeys))]
    public void Every_armored_witness_key_gives_a_cosignature_verifier(string vkey)
    {
        Ed25519NoteVerifier published = Assert.IsType<Ed25519NoteVerifier>(VerifierKeys.Parse(vkey));
        Assert.Equal(vkey, published.VerifierKey);
        CosignatureV1Verifier cosigner = VerifierKeys.ParseCosigner(vkey);
        Assert.Equal(published.Name, cosigner.Name);

        // The cosignature key ID is computed with type 0x04, so it differs from the published 0x01 ID.
        Assert.NotEqual(published.KeyId, cosigner.KeyId);
    }
}
