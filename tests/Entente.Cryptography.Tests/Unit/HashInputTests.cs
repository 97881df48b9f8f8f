using System.Security.Cryptography;
using System.Text;

namespace Entente.Cryptography.Tests.Unit;

/// <summary>B1 layouts against the lengths of the §5.5 table and hand-made byte strings.</summary>
public class HashInputTests
{
    [Fact]
    public void The_parameter_base_hash_input_is_1065_bytes_as_the_table_says()
    {
        Group group = Group.Standard;
        using HashInput input = HashInput.Create(group, DomainSeparation.ParameterBaseHash);
        input.AppendBytes(new byte[512]).AppendBytes(new byte[32]).Append(group.Generator).Append(3).Append(2);
        Assert.Equal(1065, input.Written.Length);
    }

    [Fact]
    public void Small_integers_are_four_bytes_big_endian_and_negative_ones_are_refused()
    {
        using HashInput input = HashInput.Create(Group.Tiny, 0x21);
        input.Append(0x01020304);
        Assert.Equal(new byte[] { 0x21, 1, 2, 3, 4 }, input.Written.ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => input.Append(-1));
    }

    [Fact]
    public void Strings_are_length_prefixed_UTF8_and_labels_are_not()
    {
        using HashInput input = HashInput.Create(Group.Tiny, 0x2A);
        input.AppendString("é").AppendLabel("pk_vote");
        byte[] expected = [0x2A, 0, 0, 0, 2, 0xC3, 0xA9, .. "pk_vote"u8];
        Assert.Equal(expected, input.Written.ToArray());
    }

    [Fact]
    public void Elements_are_written_fixed_width_with_left_padding()
    {
        Group group = Group.Toy(64);
        using HashInput input = HashInput.Create(group, 0x00);
        input.Append(group.OneModP).Append(group.OneModQ).Append32(group.OneModQ);
        byte[] expected = [0x00, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, .. new byte[31], 1];
        Assert.Equal(expected, input.Written.ToArray());
    }

    [Fact]
    public void Large_inputs_grow_the_pooled_buffer_without_losing_bytes()
    {
        Group group = Group.Standard;
        using HashInput input = HashInput.Create(group, DomainSeparation.RangeProof);
        input.Append(1).Append(2);
        for (int i = 0; i < 10; i++)
        {
            input.Append(group.Generator);
        }

        Assert.Equal(9 + (10 * 512), input.Written.Length);
        Assert.Equal(group.Generator.Encode(), input.Written.Slice(9 + (9 * 512), 512).ToArray());
    }

    [Fact]
    public void Hash_is_HMAC_SHA256_keyed_with_B0()
    {
        Hash256 key = Hash256.DecodeHex(new string('A', 64));
        using HashInput input = HashInput.Create(Group.Tiny, 0x20);
        input.AppendBytes("abc"u8);
        Assert.Equal(Hmac(key.ToArray(), [0x20, .. "abc"u8]), input.Hash(key).ToArray());
    }

    [Fact]
    public void Hash_mod_q_reduces_the_hash_modulo_the_small_q_of_a_toy_group()
    {
        Group group = Group.Toy(64);
        Hash256 key = ElectionHash.Version;
        using HashInput input = HashInput.Create(group, 0x21);
        byte[] digest = Hmac(key.ToArray(), [0x21]);
        Assert.Equal(new System.Numerics.BigInteger(digest, isUnsigned: true, isBigEndian: true) % group.Q, input.HashModQ(key).ToBigInteger());
    }

    [Fact]
    public void The_version_key_is_v2_1_0_padded_to_32_bytes()
    {
        byte[] expected = [.. Encoding.UTF8.GetBytes("v2.1.0"), .. new byte[26]];
        Assert.Equal(expected, ElectionHash.Version.ToArray());
    }

    [Fact]
    public void A_disposed_builder_refuses_to_hash()
    {
        HashInput input = HashInput.Create(Group.Tiny, 0x20);
        input.Dispose();
        Assert.Throws<ObjectDisposedException>(() => input.Hash(ElectionHash.Version));
    }

    private static byte[] Hmac(byte[] key, byte[] message) => HMACSHA256.HashData(key, message);
}
