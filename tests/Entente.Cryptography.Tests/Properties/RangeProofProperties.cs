using Xunit.Abstractions;

namespace Entente.Cryptography.Tests.Properties;

public class RangeProofProperties(ITestOutputHelper output)
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    public void A_proof_for_every_value_in_range_verifies(int limit)
    {
        PropertyContext context = new(output, 3201 + limit);
        using ElGamalKeyPair key = context.NextKeyPair();
        Hash256 hI = context.NextHash();
        for (int value = 0; value <= limit; value++)
        {
            ElementModQ nonce = context.NextModQ();
            ElGamalCiphertext ciphertext = key.PublicKey.Encrypt(value, nonce);
            RangeProof proof = RangeProof.CreateForSelection(key.PublicKey, ciphertext, nonce, value, limit, hI, 4, 9);
            Assert.True(proof.VerifySelection(key.PublicKey, ciphertext, limit, hI, 4, 9), $"value {value} of 0..{limit}");
            Assert.Equal(limit, proof.Limit);
        }
    }

    [Fact]
    public void Batched_encryption_and_proofs_give_what_one_at_a_time_gives_and_verify()
    {
        PropertyContext context = new(output, 3220);
        using ElGamalKeyPair key = context.NextKeyPair();
        for (int i = 0; i < ElGamalPublicKey.TableThreshold + 1; i++)
        {
            _ = key.PublicKey.Pow(context.NextModQ()); // past the threshold: the batch goes through K's table
        }

        Hash256 hI = context.NextHash();
        long[] values = [0, 1, 0, 2];
        ElementModQ[] nonces = [.. values.Select(_ => context.NextModQ())];
        ElGamalCiphertext[] ciphertexts = key.PublicKey.Encrypt(values, nonces);
        ElementModP[] powers = context.Group.GPowSecret(nonces);
        for (int n = 0; n < values.Length; n++)
        {
            Assert.Equal(key.PublicKey.Encrypt(values[n], nonces[n]), ciphertexts[n]);
            Assert.Equal(context.Group.GPowSecret(nonces[n]), powers[n]);
        }

        RangeProofStatement[] statements =
        [
            .. values.Select((v, n) => new RangeProofStatement(ciphertexts[n], nonces[n], (int)v, 2, hI, 5, n + 1)),
            new RangeProofStatement(ciphertexts[0] * ciphertexts[1] * ciphertexts[2] * ciphertexts[3], nonces[0] + nonces[1] + nonces[2] + nonces[3], 3, 4, hI, 5, null),
        ];
        RangeProof[] proofs = RangeProof.CreateMany(key.PublicKey, statements);
        for (int n = 0; n < values.Length; n++)
        {
            Assert.True(proofs[n].VerifySelection(key.PublicKey, ciphertexts[n], 2, hI, 5, n + 1), $"selection {n}");
            Assert.False(proofs[n].VerifySelection(key.PublicKey, ciphertexts[(n + 1) % values.Length], 2, hI, 5, n + 1), $"selection {n} on another ciphertext");
        }

        Assert.True(proofs[^1].VerifyContestLimit(key.PublicKey, statements[^1].Ciphertext, 4, hI, 5));
        Assert.DoesNotContain(nonces[0].ToHex(), statements[0].ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.Throws<ArgumentOutOfRangeException>(() => new RangeProofStatement(ciphertexts[0], nonces[0], 3, 2, hI, 5, 1));
    }

    [Fact]
    public void Erase_zeroes_an_owned_secret_and_refuses_the_group_constants()
    {
        PropertyContext context = new(output, 3221);
        ElementModQ secret = context.NextNonZeroModQ();
        secret.Erase();
        Assert.True(secret.IsZero);
        Assert.Throws<InvalidOperationException>(() => context.Group.ZeroModQ.Erase());
        Assert.Throws<InvalidOperationException>(() => context.Group.OneModQ.Erase());
        Assert.True(context.Group.OneModQ.Equals(ElementModQ.FromInt64(context.Group, 1)));
    }

    [Fact]
    public void A_proof_that_lies_about_the_value_does_not_verify()
    {
        PropertyContext context = new(output, 3210);
        using ElGamalKeyPair key = context.NextKeyPair();
        Hash256 hI = context.NextHash();
        for (int i = 0; i < 10; i++)
        {
            ElementModQ nonce = context.NextModQ();
            ElGamalCiphertext two = key.PublicKey.Encrypt(2, nonce);
            int claimed = i % 2;
            RangeProof proof = RangeProof.CreateForSelection(key.PublicKey, two, nonce, claimed, 1, hI, 1, 1);
            Assert.False(proof.VerifySelection(key.PublicKey, two, 1, hI, 1, 1));
        }
    }

    [Fact]
    public void A_proof_does_not_verify_for_another_ciphertext_key_identifier_hash_or_index()
    {
        PropertyContext context = new(output, 3211);
        using ElGamalKeyPair key = context.NextKeyPair();
        using ElGamalKeyPair other = context.NextKeyPair();
        Hash256 hI = context.NextHash();
        ElementModQ nonce = context.NextModQ();
        ElGamalCiphertext one = key.PublicKey.Encrypt(1, nonce);
        RangeProof proof = RangeProof.CreateForSelection(key.PublicKey, one, nonce, 1, 1, hI, 2, 3);
        Assert.True(proof.VerifySelection(key.PublicKey, one, 1, hI, 2, 3));

        Assert.False(proof.VerifySelection(key.PublicKey, key.PublicKey.Encrypt(1, nonce + nonce), 1, hI, 2, 3));
        Assert.False(proof.VerifySelection(other.PublicKey, one, 1, hI, 2, 3));
        Assert.False(proof.VerifySelection(key.PublicKey, one, 1, context.NextHash(), 2, 3));
        Assert.False(proof.VerifySelection(key.PublicKey, one, 1, hI, 3, 3));
        Assert.False(proof.VerifySelection(key.PublicKey, one, 1, hI, 2, 4));
        Assert.False(proof.VerifySelection(key.PublicKey, one, 2, hI, 2, 3));
        Assert.False(proof.VerifyContestLimit(key.PublicKey, one, 1, hI, 2));
    }

    [Fact]
    public void Changing_any_challenge_or_response_breaks_the_proof()
    {
        PropertyContext context = new(output, 3212);
        using ElGamalKeyPair key = context.NextKeyPair();
        Hash256 hI = context.NextHash();
        ElementModQ nonce = context.NextModQ();
        ElGamalCiphertext ciphertext = key.PublicKey.Encrypt(1, nonce);
        RangeProof proof = RangeProof.CreateForSelection(key.PublicKey, ciphertext, nonce, 1, 2, hI, 1, 1);
        for (int j = 0; j <= 2; j++)
        {
            ElementModQ[] challenges = [.. proof.Challenges];
            challenges[j] = PropertyContext.Plus(challenges[j], 1);
            Assert.False(new RangeProof(challenges, proof.Responses).VerifySelection(key.PublicKey, ciphertext, 2, hI, 1, 1), $"challenge {j}");

            ElementModQ[] responses = [.. proof.Responses];
            responses[j] = PropertyContext.Plus(responses[j], 1);
            Assert.False(new RangeProof(proof.Challenges, responses).VerifySelection(key.PublicKey, ciphertext, 2, hI, 1, 1), $"response {j}");
        }

        // Moving challenge weight between two entries keeps Σc_j but must still fail.
        ElementModQ[] shifted = [.. proof.Challenges];
        shifted[0] = PropertyContext.Plus(shifted[0], 1);
        shifted[1] = PropertyContext.Plus(shifted[1], -1);
        Assert.False(new RangeProof(shifted, proof.Responses).VerifySelection(key.PublicKey, ciphertext, 2, hI, 1, 1));

        ElementModQ[] swapped = [proof.Challenges[1], proof.Challenges[0], proof.Challenges[2]];
        Assert.False(new RangeProof(swapped, proof.Responses).VerifySelection(key.PublicKey, ciphertext, 2, hI, 1, 1));
    }

    [Fact]
    public void A_contest_limit_proof_over_the_aggregate_verifies_and_an_overvote_does_not()
    {
        PropertyContext context = new(output, 3213);
        using ElGamalKeyPair key = context.NextKeyPair();
        Hash256 hI = context.NextHash();
        int[] votes = [1, 0, 1, 0];
        ElementModQ[] nonces = [.. votes.Select(_ => context.NextModQ())];
        ElGamalCiphertext[] selections = [.. votes.Select((v, i) => key.PublicKey.Encrypt(v, nonces[i]))];
        ElGamalCiphertext aggregate = ElGamalCiphertext.Product(context.Group, selections);
        ElementModQ aggregateNonce = ElementModQ.Sum(context.Group, nonces);

        RangeProof proof = RangeProof.CreateForContestLimit(key.PublicKey, aggregate, aggregateNonce, 2, 2, hI, 6);
        Assert.True(proof.VerifyContestLimit(key.PublicKey, aggregate, 2, hI, 6));
        Assert.False(proof.VerifySelection(key.PublicKey, aggregate, 2, hI, 6, 0));

        RangeProof lie = RangeProof.CreateForContestLimit(key.PublicKey, aggregate, aggregateNonce, 1, 1, hI, 6);
        Assert.False(lie.VerifyContestLimit(key.PublicKey, aggregate, 1, hI, 6));
    }

    [Fact]
    public void A_value_above_the_limit_is_refused_by_the_prover()
    {
        PropertyContext context = new(output, 3214);
        using ElGamalKeyPair key = context.NextKeyPair();
        ElementModQ nonce = context.NextModQ();
        ElGamalCiphertext two = key.PublicKey.Encrypt(2, nonce);
        Assert.Throws<ArgumentOutOfRangeException>(() => RangeProof.CreateForSelection(key.PublicKey, two, nonce, 2, 1, context.NextHash(), 1, 1));
    }
}
