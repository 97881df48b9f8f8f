using System.Numerics;

namespace Entente.Cryptography.Tests.Attacks;

/// <summary>Untrusted bytes that must not become elements: wrong length, out of range, outside the subgroup, zero, wrong group.</summary>
public class MalformedEncodingTests
{
    public static TheoryData<string> Groups => ["toy-16", "toy-128", "toy-256", "standard"];

    [Theory]
    [MemberData(nameof(Groups))]
    public void An_element_mod_p_of_the_wrong_length_is_refused(string name)
    {
        Group group = ByName(name);
        byte[] valid = group.Generator.Encode();
        foreach (byte[] bytes in new[] { valid[1..], (byte[])[0, .. valid], Array.Empty<byte>() })
        {
            Assert.False(ElementModP.TryDecode(group, bytes, out _));
            FormatException error = Assert.Throws<FormatException>(() => ElementModP.Decode(group, bytes, "guardian 2 commitment 0"));
            Assert.StartsWith("guardian 2 commitment 0: expected", error.Message, StringComparison.Ordinal);
        }

        Assert.True(ElementModP.TryDecode(group, valid, out ElementModP? decoded));
        Assert.Equal(group.Generator, decoded);
    }

    [Theory]
    [MemberData(nameof(Groups))]
    public void An_element_mod_p_at_or_above_p_is_refused(string name)
    {
        Group group = ByName(name);
        foreach (BigInteger value in new[] { group.P, group.P + 1, (BigInteger.One << (8 * group.PByteLength)) - 1 })
        {
            byte[] bytes = Encode(value, group.PByteLength);
            Assert.False(ElementModP.TryDecode(group, bytes, out _));
            FormatException error = Assert.Throws<FormatException>(() => ElementModP.Decode(group, bytes, "alpha"));
            Assert.Contains("not less than p", error.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Groups))]
    public void Zero_and_elements_outside_the_subgroup_are_refused(string name)
    {
        Group group = ByName(name);
        Assert.Contains("zero", Assert.Throws<FormatException>(() => ElementModP.Decode(group, new byte[group.PByteLength], "beta")).Message, StringComparison.Ordinal);

        // p − 1 has order 2, and 2 generates (almost always) more than the order-q subgroup.
        foreach (BigInteger value in new[] { group.P - 1, new BigInteger(2) })
        {
            Assert.NotEqual(BigInteger.One, BigInteger.ModPow(value, group.Q, group.P));
            byte[] bytes = Encode(value, group.PByteLength);
            Assert.False(ElementModP.TryDecode(group, bytes, out _));
            Assert.Contains("subgroup", Assert.Throws<FormatException>(() => ElementModP.Decode(group, bytes, "beta")).Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Groups))]
    public void An_element_mod_q_of_the_wrong_length_or_at_or_above_q_is_refused(string name)
    {
        Group group = ByName(name);
        Assert.False(ElementModQ.TryDecode(group, new byte[group.QByteLength + 1], out _));
        Assert.False(ElementModQ.TryDecode(group, new byte[group.QByteLength - 1], out _));
        foreach (BigInteger value in new[] { group.Q, (BigInteger.One << (8 * group.QByteLength)) - 1 })
        {
            byte[] bytes = Encode(value, group.QByteLength);
            Assert.False(ElementModQ.TryDecode(group, bytes, out _));
            Assert.Contains("response v_1: the value is not less than q", Assert.Throws<FormatException>(() => ElementModQ.Decode(group, bytes, "response v_1")).Message, StringComparison.Ordinal);
        }

        byte[] largest = Encode(group.Q - 1, group.QByteLength);
        Assert.Equal(group.Q - 1, ElementModQ.Decode(group, largest, "c").ToBigInteger());
    }

    [Fact]
    public void Hex_decoding_refuses_wrong_lengths_and_non_hex_digits()
    {
        Group group = Group.Toy(64);
        string good = group.Generator.ToHex();
        Assert.True(ElementModP.TryDecodeHex(group, good, out _));
        Assert.True(ElementModP.TryDecodeHex(group, good.ToLowerInvariant(), out _));
        Assert.False(ElementModP.TryDecodeHex(group, good[1..], out _));
        Assert.False(ElementModP.TryDecodeHex(group, "ZZ" + good[2..], out _));
        Assert.False(ElementModP.TryDecodeHex(group, null, out _));
        Assert.Throws<FormatException>(() => ElementModP.DecodeHex(group, "ZZ" + good[2..], "K"));
        Assert.False(ElementModQ.TryDecodeHex(group, "GG" + group.OneModQ.ToHex()[2..], out _));
        Assert.Throws<FormatException>(() => ElementModQ.DecodeHex(group, "00", "v"));
        Assert.False(Hash256.TryDecodeHex(new string('0', 63), out _));
    }

    [Fact]
    public void A_ciphertext_with_one_bad_component_is_refused_and_the_message_names_it()
    {
        Group group = Group.Toy(128);
        byte[] bytes = [.. group.Generator.Encode(), .. Encode(group.P - 1, group.PByteLength)];
        Assert.False(ElGamalCiphertext.TryDecode(group, bytes, out _));
        Assert.StartsWith("ballot 7 contest 1 option 2.beta:", Assert.Throws<FormatException>(() => ElGamalCiphertext.Decode(group, bytes, "ballot 7 contest 1 option 2")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Values_of_different_groups_do_not_mix()
    {
        Group toy = Group.Toy(64);
        Group other = Group.Toy(128);
        Assert.Throws<ArgumentException>(() => toy.Generator * other.Generator);
        Assert.Throws<ArgumentException>(() => toy.OneModQ + other.OneModQ);
        Assert.Throws<ArgumentException>(() => toy.Generator.Pow(other.OneModQ));
        Assert.Throws<ArgumentException>(() => toy.GPow(other.OneModQ));
        using HashInput input = HashInput.Create(toy, 0x24);
        Assert.Throws<ArgumentException>(() => input.Append(other.Generator));
        Assert.NotEqual(toy.OneModP, other.OneModP);

        // Same q, different p: still different groups.
        Assert.Throws<ArgumentException>(() => Group.Standard.OneModQ + Group.Reduced3072.OneModQ);
    }

    [Fact]
    public void A_proof_checked_against_values_of_another_group_is_simply_false()
    {
        Group toy = Group.Toy(128);
        using ElGamalKeyPair key = ElGamalKeyPair.Generate(toy);
        using ElGamalKeyPair foreign = ElGamalKeyPair.Generate(Group.Toy(96));
        ElGamalCiphertext ciphertext = key.PublicKey.Encrypt(1, out ElementModQ nonce);
        Hash256 hI = Hash256.Random();
        RangeProof proof = RangeProof.CreateForSelection(key.PublicKey, ciphertext, nonce, 1, 1, hI, 1, 1);
        Assert.False(proof.VerifySelection(foreign.PublicKey, ciphertext, 1, hI, 1, 1));
    }

    [Fact]
    public void The_identity_is_not_accepted_as_a_public_key()
    {
        Assert.Throws<ArgumentException>(() => new ElGamalPublicKey(Group.Tiny.OneModP));
        Assert.Throws<ArgumentException>(() => ElGamalKeyPair.FromSecret(Group.Tiny.ZeroModQ));
    }

    private static Group ByName(string name) => Unit.ScalarFieldTests.ByName(name);

    private static byte[] Encode(BigInteger value, int length)
    {
        byte[] raw = value.ToByteArray(isUnsigned: true, isBigEndian: true);
        byte[] bytes = new byte[length];
        raw.CopyTo(bytes, length - raw.Length);
        return bytes;
    }
}
