using System.Security.Cryptography;
using System.Text;

namespace Entente.Cryptography.Tests.Kat;

/// <summary>
/// The three KDF call sites, each recomputed here from the byte layout the 2.1.0 PDF prints
/// (counter ∥ Label ∥ 0x00 ∥ Context ∥ length; labels with underscores), written out by hand.
/// </summary>
public class KdfLayoutTests
{
    private static readonly byte[] Key = [.. Enumerable.Range(0x40, 32).Select(i => (byte)i)];

    [Fact]
    public void Share_encryption_keys_follow_equations_17_and_18()
    {
        byte[] k1 = Hmac(Key, [0x01, .. "share_enc_keys"u8, 0x00, .. "share_encrypt"u8, 0, 0, 0, 3, 0, 0, 0, 5, 0x02, 0x00]);
        byte[] k2 = Hmac(Key, [0x02, .. "share_enc_keys"u8, 0x00, .. "share_encrypt"u8, 0, 0, 0, 3, 0, 0, 0, 5, 0x02, 0x00]);
        byte[] derived = new byte[64];
        Kdf.DeriveShareEncryptionKeys(Hash256.Decode(Key), 3, 5, derived);
        Assert.Equal([.. k1, .. k2], derived);
    }

    [Fact]
    public void Ballot_nonce_key_follows_equation_36()
    {
        byte[] k1 = Hmac(Key, [0x01, .. "ballot_nonce"u8, 0x00, .. "ballot_nonce_encrypt"u8, 0x01, 0x00]);
        byte[] derived = new byte[32];
        Kdf.DeriveBallotNonceKey(Hash256.Decode(Key), derived);
        Assert.Equal(k1, derived);
    }

    [Fact]
    public void Contest_data_keys_follow_equation_66_with_a_four_byte_counter_from_one()
    {
        // b_Λ = 3, ind_c = 7: L = b(768, 4) = 00 00 03 00.
        byte[] expected = [];
        for (byte i = 1; i <= 3; i++)
        {
            expected = [.. expected, .. Hmac(Key, [0, 0, 0, i, .. "data_enc_keys"u8, 0x00, .. "contest_data"u8, 0, 0, 0, 7, 0, 0, 3, 0])];
        }

        byte[] derived = new byte[96];
        Kdf.DeriveContestDataKeys(Hash256.Decode(Key), 7, derived);
        Assert.Equal(expected, derived);
    }

    [Fact]
    public void The_labels_carry_underscores_not_spaces()
    {
        string[] labels = [Kdf.ShareEncryptionLabel, Kdf.ShareEncryptionContext, Kdf.BallotNonceLabel, Kdf.BallotNonceContext, Kdf.ContestDataLabel, Kdf.ContestDataContext];
        Assert.All(labels, label => Assert.DoesNotContain(' ', label));
        Assert.Equal([14, 13, 12, 20, 13, 12], labels.Select(l => Encoding.UTF8.GetByteCount(l)));
    }

    private static byte[] Hmac(byte[] key, byte[] message) => HMACSHA256.HashData(key, message);
}
