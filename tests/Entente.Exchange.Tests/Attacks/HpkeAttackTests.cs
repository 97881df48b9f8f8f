using Entente.Exchange.Sealing;

namespace Entente.Exchange.Tests.Attacks;

/// <summary>HPKE single-shot round trips, and every tampered, truncated or misdirected input refused without an exception.</summary>
public sealed class HpkeAttackTests
{
    private static readonly byte[] Info = "entente test info"u8.ToArray();
    private static readonly byte[] Aad = "entente test aad"u8.ToArray();
    private static readonly byte[] Message = "TLP:RED — for the named readers only"u8.ToArray();

    [Theory]
    [InlineData(HpkeAead.ChaCha20Poly1305)]
    [InlineData(HpkeAead.Aes128Gcm)]
    public void Seal_then_open_round_trips_and_each_seal_is_fresh(HpkeAead aead)
    {
        using EncryptionKey recipient = EncryptionKey.Generate();
        byte[] ct1 = Hpke.Seal(aead, recipient.PublicKey, Info, Aad, Message, out byte[] enc1);
        byte[] ct2 = Hpke.Seal(aead, recipient.PublicKey, Info, Aad, Message, out byte[] enc2);

        Assert.Equal(Message.Length + Hpke.TagSize, ct1.Length);
        Assert.NotEqual(enc1, enc2);
        Assert.NotEqual(ct1, ct2);
        Assert.True(Hpke.TryOpen(aead, recipient, enc1, Info, Aad, ct1, out byte[]? pt));
        Assert.Equal(Message, pt);
    }

    [Theory]
    [InlineData("ciphertext")]
    [InlineData("tag")]
    [InlineData("enc")]
    [InlineData("aad")]
    [InlineData("info")]
    [InlineData("truncated")]
    [InlineData("other recipient")]
    [InlineData("other aead")]
    public void Open_refuses_altered_or_misdirected_input(string what)
    {
        using EncryptionKey recipient = EncryptionKey.Generate();
        using EncryptionKey other = EncryptionKey.Generate();
        byte[] ct = Hpke.Seal(HpkeAead.ChaCha20Poly1305, recipient.PublicKey, Info, Aad, Message, out byte[] enc);
        byte[] info = Info.ToArray();
        byte[] aad = Aad.ToArray();
        EncryptionKey key = recipient;
        HpkeAead aead = HpkeAead.ChaCha20Poly1305;
        switch (what)
        {
            case "ciphertext": ct[0] ^= 1; break;
            case "tag": ct[^1] ^= 0x80; break;
            case "enc": enc[5] ^= 1; break;
            case "aad": aad[0] ^= 1; break;
            case "info": info[^1] ^= 1; break;
            case "truncated": ct = ct[..(Hpke.TagSize - 1)]; break;
            case "other recipient": key = other; break;
            case "other aead": aead = HpkeAead.Aes128Gcm; break;
            default: throw new ArgumentOutOfRangeException(nameof(what));
        }

        Assert.False(Hpke.TryOpen(aead, key, enc, info, aad, ct, out byte[]? pt));
        Assert.Null(pt);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(31)]
    [InlineData(33)]
    public void Open_refuses_an_enc_that_is_not_32_bytes(int length)
    {
        using EncryptionKey recipient = EncryptionKey.Generate();
        byte[] ct = Hpke.Seal(HpkeAead.ChaCha20Poly1305, recipient.PublicKey, Info, Aad, Message, out _);

        Assert.False(Hpke.TryOpen(HpkeAead.ChaCha20Poly1305, recipient, new byte[length], Info, Aad, ct, out _));
    }

    [Fact]
    public void A_low_order_point_is_refused_as_enc_and_as_a_recipient_key()
    {
        // RFC 9180 §7.1.4: an all-zero X25519 shared secret aborts. The point 0 and the point 1 are of low order.
        using EncryptionKey recipient = EncryptionKey.Generate();
        byte[] zero = new byte[32];
        byte[] one = new byte[32];
        one[0] = 1;
        byte[] ct = Hpke.Seal(HpkeAead.ChaCha20Poly1305, recipient.PublicKey, Info, Aad, Message, out _);

        Assert.False(Hpke.TryOpen(HpkeAead.ChaCha20Poly1305, recipient, zero, Info, Aad, ct, out _));
        Assert.False(Hpke.TryOpen(HpkeAead.ChaCha20Poly1305, recipient, one, Info, Aad, ct, out _));
        Assert.Throws<ArgumentException>(() => Hpke.Seal(HpkeAead.ChaCha20Poly1305, zero, Info, Aad, Message, out _));
        Assert.False(EncryptionKey.IsValidPublicKey(zero));
        Assert.False(EncryptionKey.IsValidPublicKey(one));
        Assert.True(EncryptionKey.IsValidPublicKey(recipient.PublicKey));
    }

    [Fact]
    public void Derived_encryption_key_is_stable_per_party_and_differs_between_parties()
    {
        using Envelopes.PartyKey blue = Envelopes.PartyKey.FromSeed(Enumerable.Repeat((byte)1, 32).ToArray());
        using Envelopes.PartyKey red = Envelopes.PartyKey.FromSeed(Enumerable.Repeat((byte)2, 32).ToArray());
        using EncryptionKey blue1 = EncryptionKey.Derive(blue);
        using EncryptionKey blue2 = EncryptionKey.Derive(blue);
        using EncryptionKey red1 = EncryptionKey.Derive(red);

        Assert.Equal(blue1.PublicKey, blue2.PublicKey);
        Assert.NotEqual(blue1.PublicKey, red1.PublicKey);
        Assert.NotEqual(blue.PublicKey, blue1.PublicKey);
    }
}
