using Entente.Transparency.Log;
using Entente.Transparency.Notes;

namespace Entente.Transparency.Tests.Unit;

/// <summary>A charter member's exchange encryption key: its shape is read here, its signature checked by the hosted exchange.</summary>
public sealed class CharterEncryptionKeyTests
{
    private const string Identity = "identity--6f1d3c2a-8b4e-4f7a-9c1d-2e3f4a5b6c7d";
    private const string X25519 = "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=";
    private const string Signature = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==";

    private static string Charter(string member)
    {
        using Ed25519NoteSigner key = Ed25519NoteSigner.Generate("Blue");
        return $$"""{ "parties": [ { "name": "Blue", "key": "{{key.VerifierKey}}", "roles": ["party"]{{member}} } ] }""";
    }

    [Fact]
    public void A_member_with_an_identity_keeps_its_encryption_key_as_written_and_one_without_has_none()
    {
        Charter with = Log.Charter.Parse(Charter($$""", "identity": "{{Identity}}", "encryption_key": { "x25519": "{{X25519}}", "signature": "{{Signature}}" }"""));
        Assert.Equal(new CharterEncryptionKey(X25519, Signature), with.Find("Blue")!.EncryptionKey);
        Assert.Null(Log.Charter.Parse(Charter($$""", "identity": "{{Identity}}" """)).Find("Blue")!.EncryptionKey);
    }

    [Theory]
    [InlineData(", \"encryption_key\": { \"x25519\": \"" + X25519 + "\", \"signature\": \"" + Signature + "\" }", "needs an identity")]
    [InlineData(", \"identity\": \"" + Identity + "\", \"encryption_key\": { \"x25519\": \"" + X25519 + "\" }", "needs x25519 and signature")]
    [InlineData(", \"identity\": \"" + Identity + "\", \"encryption_key\": { \"x25519\": \"" + X25519 + "\", \"signature\": \"" + Signature + "\", \"extra\": 1 }", "extra")]
    public void An_encryption_key_without_an_identity_a_member_or_with_an_unknown_member_is_refused_naming_it(string member, string expected)
    {
        FormatException e = Assert.Throws<FormatException>(() => Log.Charter.Parse(Charter(member)));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}
