namespace Entente.Cryptography.Tests.Attacks;

/// <summary>Secrets must not leak through ToString, exception messages or hash codes.</summary>
public class SecretHygieneTests
{
    [Fact]
    public void A_mod_q_value_never_shows_in_ToString()
    {
        ElementModQ secret = ElementModQ.Random(Group.Standard);
        Assert.DoesNotContain(secret.ToHex(), secret.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(secret.ToHex()[..8], secret.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_key_pair_shows_its_public_key_but_not_its_secret()
    {
        using ElGamalKeyPair key = ElGamalKeyPair.Generate(Group.Toy(128));
        string text = key.ToString();
        Assert.DoesNotContain(key.SecretKey.ToHex(), text, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("hidden", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_ballot_nonce_never_shows_in_ToString_and_is_wiped_on_dispose()
    {
        BallotNonce nonce = BallotNonce.FromBytes([.. Enumerable.Repeat((byte)0xAB, 32)]);
        Assert.DoesNotContain("AB", nonce.ToString(), StringComparison.OrdinalIgnoreCase);
        nonce.Dispose();
        Assert.Throws<ObjectDisposedException>(() => nonce.CopyTo(new byte[32]));
    }

    [Fact]
    public void Disposing_a_key_pair_wipes_its_secret()
    {
        ElGamalKeyPair key = ElGamalKeyPair.Generate(Group.Toy(128));
        ElementModQ secret = key.SecretKey;
        key.Dispose();
        Assert.True(secret.IsZero);
        Assert.Throws<ObjectDisposedException>(() => key.SecretKey);
    }

    [Fact]
    public void A_decoding_error_for_a_secret_does_not_echo_the_bytes()
    {
        Group group = Group.Toy(64);
        byte[] bytes = [0xFF, 0xFF, 0xFE, 0xED];
        FormatException error = Assert.Throws<FormatException>(() => ElementModQ.Decode(group, bytes.AsSpan(0, group.QByteLength), "guardian secret"));
        Assert.DoesNotContain("FEED", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("FFFF", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Hash_codes_of_mod_q_values_do_not_depend_on_the_value()
    {
        Group group = Group.Standard;
        Assert.Equal(ElementModQ.Random(group).GetHashCode(), ElementModQ.Random(group).GetHashCode());
    }
}
