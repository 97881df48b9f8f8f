using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Entente.Exchange.Envelopes;
using Entente.Exchange.Sealing;

namespace Entente.Exchange.Tests.Attacks;

/// <summary>
/// Sealed envelopes (docs/exchange.md, "Confidential messages"): each reader opens the signed message, nobody else
/// does; any change is caught; a sender cannot give readers another message than it committed to; a reader proves to
/// a third party what the sender signed and cannot frame it with another message.
/// </summary>
public sealed class SealedEnvelopeAttackTests : IDisposable
{
    private readonly ExchangeWorld _world = new();

    private SignedEnvelope Inner(JsonObject? stix = null) =>
        _world.Seal(_world.Blue, ExchangeWorld.BlueId, stix ?? ExchangeWorld.Marked(_world.Indicator(ExchangeWorld.BlueId), Stix.Tlp.Red), ExchangeWorld.ConfidentialCollection);

    private SealedEnvelope Sealed(SignedEnvelope inner, HpkeAead aead = HpkeAead.ChaCha20Poly1305) =>
        SealedEnvelope.SealToReaders(_world.Blue, inner, _world.Collections.Single(c => c.Id == ExchangeWorld.ConfidentialCollection), _world.Parties, aead);

    [Theory]
    [InlineData(HpkeAead.ChaCha20Poly1305)]
    [InlineData(HpkeAead.Aes128Gcm)]
    public void Each_reader_opens_the_signed_message_and_gets_exactly_what_the_sender_signed(HpkeAead aead)
    {
        SignedEnvelope inner = Inner();
        SealedEnvelope sealedEnvelope = Sealed(inner, aead);
        SealedEnvelope reread = SealedEnvelope.Parse(sealedEnvelope.ToCanonicalJson());

        Assert.True(reread.VerifySignature());
        Assert.Equal(sealedEnvelope.ToCanonicalJson(), reread.ToCanonicalJson());
        Assert.Equal([ExchangeWorld.RedId, ExchangeWorld.BlueId], reread.Readers.Select(r => r.IdentityRef)); // sorted by identity
        Assert.Equal((inner.ObjectType, inner.ObjectId, inner.ObjectVersion), (reread.Label.Type, reread.Label.Id, reread.Label.Version));
        Assert.DoesNotContain("198.51.100.7", Encoding.UTF8.GetString(reread.ToCanonicalJson()), StringComparison.Ordinal);
        foreach ((string reader, EncryptionKey key) in new[] { (ExchangeWorld.BlueId, _world.BlueEncryption), (ExchangeWorld.RedId, _world.RedEncryption) })
        {
            Assert.True(reread.TryOpen(key, reader, out SignedEnvelope? opened, out string problem), problem);
            Assert.Equal(inner.ToCanonicalJson(), opened.ToCanonicalJson());
        }
    }

    [Fact]
    public void Someone_who_is_not_a_reader_or_holds_another_key_cannot_open()
    {
        SealedEnvelope sealedEnvelope = Sealed(Inner());
        using EncryptionKey stolenName = EncryptionKey.Generate();

        Assert.False(sealedEnvelope.TryOpen(_world.BlueEncryption, "identity--0badbad0-0000-4000-8000-000000000000", out _, out string notReader));
        Assert.False(sealedEnvelope.TryOpen(stolenName, ExchangeWorld.RedId, out _, out string otherKey));
        Assert.False(sealedEnvelope.TryOpen(_world.BlueEncryption, ExchangeWorld.RedId, out _, out string blueAsRed));
        Assert.Contains("not among the readers", notReader, StringComparison.Ordinal);
        Assert.Contains("another encryption key", otherKey, StringComparison.Ordinal);
        Assert.Contains("another encryption key", blueAsRed, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ciphertext")]
    [InlineData("wrapped_key")]
    [InlineData("enc")]
    [InlineData("swapped wrapped keys")]
    [InlineData("plaintext_sha256")]
    [InlineData("label")]
    public void Any_change_breaks_the_signature_and_the_reader_refuses_to_open(string what)
    {
        JsonObject json = JsonNode.Parse(Sealed(Inner()).ToCanonicalJson())!.AsObject();
        JsonArray readers = json["readers"]!.AsArray();
        JsonNode red = readers.Single(r => r!["identity"]!.GetValue<string>() == ExchangeWorld.RedId)!;
        switch (what)
        {
            case "ciphertext": json["ciphertext"] = Flip(json["ciphertext"]!.GetValue<string>()); break;
            case "wrapped_key": red["wrapped_key"] = Flip(red["wrapped_key"]!.GetValue<string>()); break;
            case "enc": red["enc"] = Flip(red["enc"]!.GetValue<string>()); break;
            case "swapped wrapped keys":
                (readers[0]!["wrapped_key"], readers[1]!["wrapped_key"]) = (readers[1]!["wrapped_key"]!.DeepClone(), readers[0]!["wrapped_key"]!.DeepClone());
                (readers[0]!["enc"], readers[1]!["enc"]) = (readers[1]!["enc"]!.DeepClone(), readers[0]!["enc"]!.DeepClone());
                break;
            case "plaintext_sha256": json["plaintext_sha256"] = Convert.ToHexStringLower(SHA256.HashData("other"u8)); break;
            case "label": json["label"]!["version"] = "2030-01-01T00:00:00.000Z"; break;
            default: throw new ArgumentOutOfRangeException(nameof(what));
        }

        SealedEnvelope tampered = SealedEnvelope.Parse(Encoding.UTF8.GetBytes(json.ToJsonString()));

        Assert.False(tampered.VerifySignature());
        Assert.False(tampered.TryOpen(_world.RedEncryption, ExchangeWorld.RedId, out _, out string problem));
        Assert.NotEmpty(problem);
    }

    [Fact]
    public void A_sender_that_encrypts_another_message_than_it_committed_to_is_caught_by_every_reader()
    {
        // Blue signs a harmless message and commits to it, but encrypts a different one it also signed: without the
        // signed plaintext_sha256, two readers could be shown different "signed" messages from one logged ciphertext.
        SignedEnvelope shown = Inner();
        SignedEnvelope committed = Inner(ExchangeWorld.Marked(_world.Indicator(ExchangeWorld.BlueId), Stix.Tlp.Red));
        List<SealedReader> readers = [new(ExchangeWorld.BlueId, _world.BlueEncryption.PublicKey), new(ExchangeWorld.RedId, _world.RedEncryption.PublicKey)];
        SealedEnvelope lying = SealedEnvelope.SealCore(_world.Blue, shown, shown.ToCanonicalJson(), SHA256.HashData(committed.ToCanonicalJson()), readers, HpkeAead.ChaCha20Poly1305);

        Assert.True(lying.VerifySignature());
        Assert.False(lying.TryOpen(_world.RedEncryption, ExchangeWorld.RedId, out _, out string problem));
        Assert.Contains("plaintext_sha256", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_revealed_message_proves_what_the_sender_signed_and_a_framed_one_does_not()
    {
        SignedEnvelope inner = Inner();
        SealedEnvelope sealedEnvelope = Sealed(inner);
        Assert.True(sealedEnvelope.TryOpen(_world.RedEncryption, ExchangeWorld.RedId, out SignedEnvelope? opened, out _));

        // Red reveals what it read: a third party checks it against the logged sealed envelope alone.
        IReadOnlyList<string> genuine = sealedEnvelope.CheckDisclosure(opened.ToCanonicalJson());
        // Red frames Blue: another message Blue really signed (a public one) ...
        IReadOnlyList<string> otherSigned = sealedEnvelope.CheckDisclosure(_world.Seal(_world.Blue, ExchangeWorld.BlueId, _world.Indicator(ExchangeWorld.BlueId)).ToCanonicalJson());
        // ... or the real message with its object changed (Blue's signature kept).
        JsonObject edited = JsonNode.Parse(opened.ToCanonicalJson())!.AsObject();
        edited["object"]!["name"] = "Red says Blue said this";
        IReadOnlyList<string> altered = sealedEnvelope.CheckDisclosure(Encoding.UTF8.GetBytes(edited.ToJsonString()));

        Assert.Empty(genuine);
        Assert.Contains(otherSigned, p => p.Contains("SHA-256", StringComparison.Ordinal));
        Assert.Contains(altered, p => p.Contains("SHA-256", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("{\"envelope\":\"entente-exchange-sealed/v1\",\"extra\":1}", "\"extra\"")]
    [InlineData("{\"envelope\":\"entente-exchange-sealed/v2\"}", "is not entente-exchange-sealed/v1")]
    public void Malformed_sealed_envelopes_are_refused_naming_the_problem(string text, string expected)
    {
        FormatException e = Assert.Throws<FormatException>(() => SealedEnvelope.Parse(Encoding.UTF8.GetBytes(text)));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("unsorted readers", "sorted")]
    [InlineData("duplicate reader", "sorted")]
    [InlineData("suite", "hpke")]
    [InlineData("label type", "label")]
    [InlineData("label without version", "label.version")]
    [InlineData("short wrapped key", "wrapped_key")]
    [InlineData("no readers", "readers")]
    [InlineData("hash case", "plaintext_sha256")]
    public void Each_malformed_member_is_refused_naming_it(string what, string expected)
    {
        JsonObject json = JsonNode.Parse(Sealed(Inner()).ToCanonicalJson())!.AsObject();
        JsonArray readers = json["readers"]!.AsArray();
        switch (what)
        {
            case "unsorted readers": json["readers"] = new JsonArray(readers[1]!.DeepClone(), readers[0]!.DeepClone()); break;
            case "duplicate reader": json["readers"] = new JsonArray(readers[0]!.DeepClone(), readers[0]!.DeepClone()); break;
            case "suite": json["hpke"]!["aead_id"] = 2; break;
            case "label type": json["label"]!["type"] = "malware"; break;
            case "label without version": json["label"]!.AsObject().Remove("version"); break;
            case "short wrapped key": readers[0]!["wrapped_key"] = Convert.ToBase64String(new byte[16]); break;
            case "no readers": json["readers"] = new JsonArray(); break;
            case "hash case": json["plaintext_sha256"] = json["plaintext_sha256"]!.GetValue<string>().ToUpperInvariant(); break;
            default: throw new ArgumentOutOfRangeException(nameof(what));
        }

        FormatException e = Assert.Throws<FormatException>(() => SealedEnvelope.Parse(Encoding.UTF8.GetBytes(json.ToJsonString())));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sealing_needs_every_reader_key_and_the_key_that_signed_the_message()
    {
        using PartyKey noKey = PartyKey.FromSeed(Enumerable.Repeat((byte)4, 32).ToArray());
        Envelopes.PartyRegistry keyless = new([_world.BlueParty, new Party("Green", "identity--9ee70000-0000-4000-8000-000000000004", noKey.PublicKey)]);
        CollectionDefinition confidential = _world.Collections.Single(c => c.Id == ExchangeWorld.ConfidentialCollection);

        ArgumentException missing = Assert.Throws<ArgumentException>(() => SealedEnvelope.SealToReaders(_world.Blue, Inner(), confidential, keyless));
        ArgumentException wrongSigner = Assert.Throws<ArgumentException>(() => SealedEnvelope.SealToReaders(_world.Red, Inner(), confidential, _world.Parties));

        Assert.Contains("Green has no registered encryption key", missing.Message, StringComparison.Ordinal);
        Assert.Contains("signed by the sealing key", wrongSigner.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_encryption_key_not_signed_by_the_party_is_refused_at_registration()
    {
        PartyEncryptionKey redsKeyForBlue = PartyEncryptionKey.Create(_world.Red, ExchangeWorld.BlueId, _world.RedEncryption);
        PartyEncryptionKey bluesKeyForRed = PartyEncryptionKey.Create(_world.Blue, ExchangeWorld.RedId, _world.BlueEncryption);

        Assert.Throws<ArgumentException>(() => new Party("Blue", ExchangeWorld.BlueId, _world.Blue.PublicKey, redsKeyForBlue));
        Assert.Throws<ArgumentException>(() => new Party("Blue", ExchangeWorld.BlueId, _world.Blue.PublicKey, bluesKeyForRed));
        Assert.True(PartyEncryptionKey.Parse(_world.BlueParty.EncryptionKey!.PublicKeyBase64, Convert.ToBase64String(_world.BlueParty.EncryptionKey.Signature))
            .Verify(ExchangeWorld.BlueId, _world.Blue.PublicKey));
    }

    private static string Flip(string base64)
    {
        byte[] bytes = Convert.FromBase64String(base64);
        bytes[^1] ^= 1;
        return Convert.ToBase64String(bytes);
    }

    public void Dispose() => _world.Dispose();
}
