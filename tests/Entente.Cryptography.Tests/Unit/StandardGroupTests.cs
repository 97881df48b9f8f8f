namespace Entente.Cryptography.Tests.Unit;

/// <summary>The real 4096-bit group end to end (slow with the reference engine: a few hundred ms each).</summary>
[Trait("Category", "Slow")]
public class StandardGroupTests
{
    private static readonly Group Standard = Group.Standard;

    [Fact]
    public void A_selection_encrypts_proves_verifies_and_decrypts_in_the_standard_group()
    {
        using ElGamalKeyPair key = ElGamalKeyPair.Generate(Standard);
        Hash256 hI = Hash256.Random();
        using BallotNonce ballotNonce = BallotNonce.Generate();
        ElementModQ nonce = ElectionHashes.SelectionNonce(Standard, hI, 1, 2, ballotNonce);
        ElGamalCiphertext vote = key.PublicKey.Encrypt(1, nonce);
        RangeProof proof = RangeProof.CreateForSelection(key.PublicKey, vote, nonce, 1, 1, hI, 1, 2);

        Assert.True(proof.VerifySelection(key.PublicKey, vote, 1, hI, 1, 2));
        Assert.False(proof.VerifySelection(key.PublicKey, vote, 1, hI, 1, 3));
        ElGamalCiphertext decoded = ElGamalCiphertext.Decode(Standard, vote.Encode(), "vote");
        Assert.Equal(1, key.Decrypt(decoded, DiscreteLog.ForKey(key.PublicKey, 100)));
        Assert.Equal(key.PublicKey.EncodePlaintext(1), vote.DecryptWithNonce(key.PublicKey, nonce));
    }

    [Fact]
    public void A_guardian_key_proof_verifies_in_the_standard_group()
    {
        Hash256 hP = ElectionHashes.ParameterBaseHash(Standard, 3, 2);
        ElementModQ[] coefficients = [ElementModQ.Random(Standard), ElementModQ.Random(Standard)];
        ElementModP[] commitments = [.. coefficients.Select(Standard.GPowSecret)];
        using ElGamalKeyPair communication = ElGamalKeyPair.Generate(Standard);
        GuardianKeyProof proof = GuardianKeyProof.Create(hP, GuardianKeyPurpose.Vote, 1, coefficients, commitments, communication);
        Assert.True(proof.Verify(hP, GuardianKeyPurpose.Vote, 1, commitments, communication.PublicKey.Key));
        Assert.False(proof.Verify(hP, GuardianKeyPurpose.Data, 1, commitments, communication.PublicKey.Key));
    }

    [Fact]
    public void Shares_travel_between_guardians_in_the_standard_group()
    {
        Hash256 hP = ElectionHashes.ParameterBaseHash(Standard, 3, 2);
        using ElGamalKeyPair recipient = ElGamalKeyPair.Generate(Standard);
        ElementModQ share = ElementModQ.Random(Standard);
        ElementModQ dataShare = ElementModQ.Random(Standard);
        HashedElGamalCiphertext ciphertext = ShareEncryption.Encrypt(hP, 2, 3, recipient.PublicKey.Key, share, dataShare);
        Assert.True(ShareEncryption.TryDecrypt(hP, 2, 3, ciphertext, recipient, out ElementModQ? s, out ElementModQ? d));
        Assert.Equal(share, s);
        Assert.Equal(dataShare, d);
    }
}
