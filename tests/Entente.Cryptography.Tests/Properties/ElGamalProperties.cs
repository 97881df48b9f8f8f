using Xunit.Abstractions;

namespace Entente.Cryptography.Tests.Properties;

public class ElGamalProperties(ITestOutputHelper output)
{
    [Fact]
    public void The_product_of_two_encryptions_decrypts_to_the_sum_with_the_key_and_with_the_summed_nonce()
    {
        PropertyContext context = new(output, 3101);
        using ElGamalKeyPair key = context.NextKeyPair();
        DiscreteLog log = DiscreteLog.ForKey(key.PublicKey, 10_000);
        for (int i = 0; i < 25; i++)
        {
            int a = context.Random.Next(0, 1000);
            int b = context.Random.Next(0, 1000);
            ElementModQ xa = context.NextModQ();
            ElementModQ xb = context.NextModQ();
            ElGamalCiphertext sum = key.PublicKey.Encrypt(a, xa) * key.PublicKey.Encrypt(b, xb);
            Assert.Equal(a + b, key.Decrypt(sum, log));
            Assert.Equal(a + b, sum.DecryptWithNonce(key.PublicKey, xa + xb, log));
            Assert.Equal(key.PublicKey.EncodePlaintext(a + b), key.Decrypt(sum));
        }
    }

    [Fact]
    public void Encryption_follows_equation_31()
    {
        PropertyContext context = new(output, 3102);
        using ElGamalKeyPair key = context.NextKeyPair();
        ElementModQ nonce = context.NextModQ();
        ElGamalCiphertext ciphertext = key.PublicKey.Encrypt(3, nonce);
        Assert.Equal(context.Group.GPow(nonce), ciphertext.Alpha);
        Assert.Equal(key.PublicKey.Key.Pow(PropertyContext.Plus(nonce, 3)), ciphertext.Beta);
    }

    [Fact]
    public void Weighting_a_ciphertext_multiplies_its_plaintext()
    {
        PropertyContext context = new(output, 3103);
        using ElGamalKeyPair key = context.NextKeyPair();
        ElGamalCiphertext ciphertext = key.PublicKey.Encrypt(7, out _);
        Assert.Equal(21, key.Decrypt(ciphertext.Pow(ElementModQ.FromInt64(context.Group, 3)), DiscreteLog.ForKey(key.PublicKey, 100)));
    }

    [Fact]
    public void Decryption_with_another_key_does_not_give_the_plaintext()
    {
        PropertyContext context = new(output, 3104);
        using ElGamalKeyPair key = context.NextKeyPair();
        using ElGamalKeyPair other = context.NextKeyPair();
        ElGamalCiphertext ciphertext = key.PublicKey.Encrypt(5, out _);
        Assert.Null(other.Decrypt(ciphertext, DiscreteLog.ForKey(key.PublicKey, 1000)));
    }

    [Fact]
    public void Two_encryptions_of_the_same_value_differ()
    {
        PropertyContext context = new(output, 3105);
        using ElGamalKeyPair key = context.NextKeyPair();
        Assert.NotEqual(key.PublicKey.Encrypt(1, out _), key.PublicKey.Encrypt(1, out _));
    }

    [Fact]
    public void A_ciphertext_survives_encoding_and_decoding()
    {
        PropertyContext context = new(output, 3106);
        using ElGamalKeyPair key = context.NextKeyPair();
        ElGamalCiphertext ciphertext = key.PublicKey.Encrypt(1, out _);
        Assert.Equal(ciphertext, ElGamalCiphertext.Decode(context.Group, ciphertext.Encode(), "selection"));
    }

    [Fact]
    public void Discrete_log_finds_small_values_and_values_near_two_to_the_32_by_baby_step_giant_step()
    {
        PropertyContext context = new(output, 3107, Group.Toy(256));
        ElementModP baseElement = context.NextElement();
        DiscreteLog log = new(baseElement);
        foreach (long t in new[] { 0L, 1L, 2L, 65_535L, 65_536L, 1_000_003L, uint.MaxValue - 5L, uint.MaxValue })
        {
            Assert.True(log.TryFind(baseElement.Pow(t), out long found), $"t = {t}");
            Assert.Equal(t, found);
        }

        Assert.False(log.TryFind(baseElement.Pow(uint.MaxValue + 1L), out _));
    }

    [Fact]
    public void Discrete_log_respects_a_small_bound()
    {
        PropertyContext context = new(output, 3108);
        ElementModP baseElement = context.NextElement();
        DiscreteLog log = new(baseElement, maxExponent: 10);
        Assert.True(log.TryFind(baseElement.Pow(10), out long ten));
        Assert.Equal(10, ten);
        Assert.False(log.TryFind(baseElement.Pow(11), out _));
        Assert.False(log.TryFind(baseElement.Pow(12), out _));
    }
}

public class PublicKeyTableProperties(ITestOutputHelper output)
{
    [Fact]
    public void Powers_of_a_public_key_agree_with_BigInteger_before_and_after_its_table_is_built()
    {
        PropertyContext context = new(output, 3109, Group.Toy(256));
        ElementModP key = context.NextElement();
        ElGamalPublicKey publicKey = new(key);
        for (int i = 0; i < 3 * ElGamalPublicKey.TableThreshold; i++)
        {
            ElementModQ exponent = context.NextModQ();
            System.Numerics.BigInteger expected = System.Numerics.BigInteger.ModPow(PropertyContext.Value(key), exponent.ToBigInteger(), context.Group.P);
            Assert.Equal(expected, PropertyContext.Value(i % 2 == 0 ? publicKey.Pow(exponent) : publicKey.PowSecret(exponent)));
        }
    }
}

public class ConcurrencyProperties(ITestOutputHelper output)
{
    [Fact]
    public void One_key_and_one_group_serve_many_threads_at_once()
    {
        PropertyContext context = new(output, 3110, Group.Toy(192));
        using ElGamalKeyPair key = context.NextKeyPair();
        ElGamalPublicKey shared = new(key.PublicKey.Key);
        DiscreteLog log = DiscreteLog.ForKey(shared, 100);
        long?[] results = new long?[64];
        Parallel.For(0, results.Length, i =>
        {
            ElGamalCiphertext ciphertext = shared.Encrypt(i % 7, out ElementModQ nonce);
            Hash256 hI = Hash256.Random();
            RangeProof proof = RangeProof.CreateForSelection(shared, ciphertext, nonce, i % 7, 6, hI, 1, 1);
            results[i] = proof.VerifySelection(shared, ciphertext, 6, hI, 1, 1) ? key.Decrypt(ciphertext, log) : -1;
        });
        Assert.Equal(Enumerable.Range(0, results.Length).Select(i => (long?)(i % 7)), results);
    }
}
