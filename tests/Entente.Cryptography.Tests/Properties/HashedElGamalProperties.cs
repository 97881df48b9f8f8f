using Xunit.Abstractions;

namespace Entente.Cryptography.Tests.Properties;

public class HashedElGamalProperties(ITestOutputHelper output)
{
    [Fact]
    public void Shares_decrypt_for_the_recipient_and_the_proof_binds_the_indices_and_C1()
    {
        PropertyContext context = new(output, 3401);
        Hash256 hP = context.NextHash();
        using ElGamalKeyPair recipient = context.NextKeyPair();
        ElementModQ vote = context.NextModQ();
        ElementModQ data = context.NextModQ();
        HashedElGamalCiphertext ciphertext = ShareEncryption.Encrypt(hP, 1, 3, recipient.PublicKey.Key, vote, data);

        Assert.Equal(64, ciphertext.C1.Length);
        Assert.True(ShareEncryption.VerifyProof(hP, 1, 3, ciphertext));
        Assert.True(ShareEncryption.TryDecrypt(hP, 1, 3, ciphertext, recipient, out ElementModQ? v, out ElementModQ? d));
        Assert.Equal(vote, v);
        Assert.Equal(data, d);

        Assert.False(ShareEncryption.VerifyProof(hP, 3, 1, ciphertext));
        Assert.False(ShareEncryption.VerifyProof(context.NextHash(), 1, 3, ciphertext));
        byte[] flipped = ciphertext.C1.ToArray();
        flipped[0] ^= 1;
        HashedElGamalCiphertext tampered = new(ciphertext.C0, flipped, ciphertext.C2);
        Assert.False(ShareEncryption.VerifyProof(hP, 1, 3, tampered));
        Assert.False(ShareEncryption.TryDecrypt(hP, 1, 3, tampered, recipient, out _, out _));
    }

    [Fact]
    public void Shares_decrypted_with_the_wrong_key_are_not_the_shares()
    {
        PropertyContext context = new(output, 3402);
        Hash256 hP = context.NextHash();
        using ElGamalKeyPair recipient = context.NextKeyPair();
        using ElGamalKeyPair intruder = context.NextKeyPair();
        ElementModQ vote = context.NextModQ();
        HashedElGamalCiphertext ciphertext = ShareEncryption.Encrypt(hP, 1, 2, recipient.PublicKey.Key, vote, vote);
        bool decrypted = ShareEncryption.TryDecrypt(hP, 1, 2, ciphertext, intruder, out ElementModQ? v, out _);
        Assert.True(!decrypted || v != vote);
    }

    [Fact]
    public void The_ballot_nonce_decrypts_with_the_key_and_with_beta_and_its_proof_checks()
    {
        PropertyContext context = new(output, 3403);
        using ElGamalKeyPair dataKey = context.NextKeyPair();
        Hash256 hI = context.NextHash();
        using BallotNonce nonce = BallotNonce.Generate();
        HashedElGamalCiphertext ciphertext = BallotNonceEncryption.Encrypt(dataKey.PublicKey, hI, nonce);

        Assert.True(BallotNonceEncryption.VerifyProof(hI, ciphertext));
        Assert.False(BallotNonceEncryption.VerifyProof(context.NextHash(), ciphertext));
        using BallotNonce decrypted = BallotNonceEncryption.Decrypt(hI, ciphertext, dataKey);
        Assert.True(decrypted.SecretEquals(nonce));
        using BallotNonce viaBeta = BallotNonceEncryption.DecryptWithBeta(hI, ciphertext, dataKey.PartialDecrypt(ciphertext.C0));
        Assert.True(viaBeta.SecretEquals(nonce));
        using BallotNonce wrong = BallotNonceEncryption.DecryptWithBeta(context.NextHash(), ciphertext, dataKey.PartialDecrypt(ciphertext.C0));
        Assert.False(wrong.SecretEquals(nonce));

        SchnorrProof bent = new(ciphertext.C2.Challenge, PropertyContext.Plus(ciphertext.C2.Response, 1));
        Assert.False(BallotNonceEncryption.VerifyProof(hI, new HashedElGamalCiphertext(ciphertext.C0, ciphertext.C1, bent)));
    }

    [Fact]
    public void Contest_data_of_several_blocks_decrypts_with_the_key_and_with_the_ballot_nonce()
    {
        PropertyContext context = new(output, 3404);
        using ElGamalKeyPair dataKey = context.NextKeyPair();
        Hash256 hI = context.NextHash();
        using BallotNonce nonce = BallotNonce.Generate();
        byte[] data = new byte[96];
        context.Random.NextBytes(data);
        HashedElGamalCiphertext ciphertext = ContestDataEncryption.Encrypt(dataKey.PublicKey, hI, 5, nonce, data);

        Assert.True(ContestDataEncryption.VerifyProof(hI, 5, ciphertext));
        Assert.False(ContestDataEncryption.VerifyProof(hI, 4, ciphertext));
        Assert.Equal(data, ContestDataEncryption.Decrypt(hI, 5, ciphertext, dataKey));
        Assert.Equal(data, ContestDataEncryption.DecryptWithNonce(dataKey.PublicKey, hI, 5, ciphertext, nonce));
        Assert.NotEqual(data, ContestDataEncryption.Decrypt(hI, 4, ciphertext, dataKey));
        using BallotNonce otherNonce = BallotNonce.Generate();
        Assert.Null(ContestDataEncryption.DecryptWithNonce(dataKey.PublicKey, hI, 5, ciphertext, otherNonce));

        // The nonce is derived (eq 64): the same inputs give the same C0.
        HashedElGamalCiphertext again = ContestDataEncryption.Encrypt(dataKey.PublicKey, hI, 5, nonce, data);
        Assert.Equal(ciphertext.C0, again.C0);
        Assert.Equal(ciphertext.C1.ToArray(), again.C1.ToArray());
    }
}
