using Xunit.Abstractions;

namespace Entente.Cryptography.Tests.Properties;

public class SchnorrAndChaumPedersenProperties(ITestOutputHelper output)
{
    [Theory]
    [InlineData(1, GuardianKeyPurpose.Vote)]
    [InlineData(2, GuardianKeyPurpose.Data)]
    [InlineData(3, GuardianKeyPurpose.Vote)]
    public void A_guardian_key_proof_verifies_and_any_change_breaks_it(int quorum, GuardianKeyPurpose purpose)
    {
        PropertyContext context = new(output, 3300 + quorum);
        Hash256 hP = ElectionHashes.ParameterBaseHash(context.Group, 5, quorum);
        ElementModQ[] coefficients = [.. Enumerable.Range(0, quorum).Select(_ => context.NextModQ())];
        ElementModP[] commitments = [.. coefficients.Select(a => context.Group.GPow(a))];
        using ElGamalKeyPair communication = context.NextKeyPair();
        GuardianKeyProof proof = GuardianKeyProof.Create(hP, purpose, 2, coefficients, commitments, communication);

        Assert.Equal(quorum + 1, proof.Responses.Count);
        Assert.True(proof.Verify(hP, purpose, 2, commitments, communication.PublicKey.Key));

        GuardianKeyPurpose otherPurpose = purpose == GuardianKeyPurpose.Vote ? GuardianKeyPurpose.Data : GuardianKeyPurpose.Vote;
        Assert.False(proof.Verify(hP, otherPurpose, 2, commitments, communication.PublicKey.Key));
        Assert.False(proof.Verify(hP, purpose, 3, commitments, communication.PublicKey.Key));
        Assert.False(proof.Verify(context.NextHash(), purpose, 2, commitments, communication.PublicKey.Key));
        Assert.False(proof.Verify(hP, purpose, 2, commitments, context.NextElement()));
        ElementModP[] changed = [.. commitments];
        changed[^1] = changed[^1] * context.Group.Generator;
        Assert.False(proof.Verify(hP, purpose, 2, changed, communication.PublicKey.Key));
        Assert.False(proof.Verify(hP, purpose, 2, commitments[..^1], communication.PublicKey.Key));

        ElementModQ[] responses = [.. proof.Responses];
        responses[0] = PropertyContext.Plus(responses[0], 1);
        Assert.False(new GuardianKeyProof(proof.Challenge, responses).Verify(hP, purpose, 2, commitments, communication.PublicKey.Key));
        Assert.False(new GuardianKeyProof(PropertyContext.Plus(proof.Challenge, 1), proof.Responses).Verify(hP, purpose, 2, commitments, communication.PublicKey.Key));
    }

    [Fact]
    public void A_guardian_key_proof_with_a_wrong_coefficient_does_not_verify()
    {
        PropertyContext context = new(output, 3310);
        Hash256 hP = context.NextHash();
        ElementModQ[] coefficients = [context.NextModQ(), context.NextModQ()];
        ElementModP[] commitments = [context.Group.GPow(coefficients[0]), context.Group.GPow(PropertyContext.Plus(coefficients[1], 1))];
        using ElGamalKeyPair communication = context.NextKeyPair();
        GuardianKeyProof proof = GuardianKeyProof.Create(hP, GuardianKeyPurpose.Vote, 1, coefficients, commitments, communication);
        Assert.False(proof.Verify(hP, GuardianKeyPurpose.Vote, 1, commitments, communication.PublicKey.Key));
    }

    [Fact]
    public void A_Chaum_Pedersen_proof_verifies_for_an_honest_decryption_and_fails_for_a_wrong_one()
    {
        PropertyContext context = new(output, 3320);
        using ElGamalKeyPair key = context.NextKeyPair();
        ElementModP a = context.NextElement();
        ElementModP m = key.PartialDecrypt(a);
        Hash256 hE = context.NextHash();
        ElementModQ Challenge(ElementModP commitA, ElementModP commitB)
        {
            using HashInput input = HashInput.Create(context.Group, DomainSeparation.DecryptionChallenge);
            return input.Append(1).Append(1).Append(a).Append(m).Append(commitA).Append(commitB).HashModQ(hE);
        }

        ChaumPedersenProof proof = ChaumPedersenProof.Create(key.SecretKey, a, Challenge);
        Assert.True(proof.Verify(key.PublicKey.Key, a, m, Challenge));
        Assert.False(proof.Verify(key.PublicKey.Key, a, m * context.Group.Generator, Challenge));
        Assert.False(proof.Verify(context.NextElement(), a, m, Challenge));
        Assert.False(new ChaumPedersenProof(PropertyContext.Plus(proof.Challenge, 1), proof.Response).Verify(key.PublicKey.Key, a, m, Challenge));
        Assert.False(new ChaumPedersenProof(proof.Challenge, PropertyContext.Plus(proof.Response, 1)).Verify(key.PublicKey.Key, a, m, Challenge));
    }

    [Fact]
    public void Recomputed_Chaum_Pedersen_commitments_match_the_prover_commitments()
    {
        PropertyContext context = new(output, 3321);
        using ElGamalKeyPair key = context.NextKeyPair();
        ElementModP a = context.NextElement();
        using ChaumPedersenCommitment commitment = ChaumPedersenCommitment.Create(a);
        ElementModQ c = context.NextModQ();
        ChaumPedersenProof proof = new(c, commitment.Respond(c, key.SecretKey));
        (ElementModP ra, ElementModP rb) = proof.RecomputeCommitments(key.PublicKey.Key, a, key.PartialDecrypt(a));
        Assert.Equal(commitment.A, ra);
        Assert.Equal(commitment.B, rb);
        Assert.Throws<InvalidOperationException>(() => commitment.Respond(c, key.SecretKey));
    }
}
