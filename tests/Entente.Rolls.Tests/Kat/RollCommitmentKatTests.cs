using Entente.Rolls;

namespace Entente.Rolls.Tests.Kat;

/// <summary>
/// Known answers of the commitment scheme (docs/rolls.md, "Commitments"), computed independently with Python's hashlib
/// from the definition (SHA-256 of the label, the salt and the length-prefixed UTF-8 fields); wwwroot/roll-check.js is
/// checked against the same values in the browser test.
/// </summary>
public sealed class RollCommitmentKatTests
{
    internal static readonly byte[] Salt = [.. Enumerable.Range(0, 16).Select(i => (byte)i)];

    internal static VoterRecord Record => VoterRecord.Create("county-12", "v000123", "P-07", "  Jos\u00e9   O'Neill ", "1984-02-29", "12 rue de la Paix,\tApt 3");

    [Fact]
    public void Key_and_commitment_match_the_independent_computation()
    {
        Assert.Equal("47f46a6d7ff88e64ec9995b03b2ee2913598bdf3fb4f92b9a79d15444046aac0", RollCommitments.Key(Salt, Record).ToHex());
        Assert.Equal("8c9be9994e245ef525cbb943e2aa66f0f2932563c425cb50303f212777a7d706", RollCommitments.Commitment(Salt, Record).ToHex());
    }

    [Fact]
    public void Canonical_form_collapses_spaces_and_upper_cases_by_the_simple_mapping()
    {
        Assert.Equal("JOSÉ O'NEILL", Record.Name);
        Assert.Equal("V000123", Record.VoterId);
        Assert.Equal("12 RUE DE LA PAIX, APT 3", Record.Address);
        Assert.Equal("\u0178 STRAßE", RollText.Canonical("ÿ straße")); // simple case mapping: ß has no one-character upper case
        Assert.NotEqual("JOS\u00c9", RollText.Canonical("Jose\u0301")); // no Unicode normalization (docs/rolls.md)
    }

    [Fact]
    public void Salt_is_printed_in_groups_and_read_back_in_any_spacing()
    {
        string printed = RollCommitments.FormatSalt(Salt);
        Assert.Equal("0001-0203-0405-0607-0809-0a0b-0c0d-0e0f", printed);
        Assert.Equal(Salt, RollCommitments.ParseSalt(printed.Replace("-", " ", StringComparison.Ordinal).ToUpperInvariant()));
        Assert.Throws<RollFormatException>(() => RollCommitments.ParseSalt("0001"));
        Assert.Throws<RollFormatException>(() => RollCommitments.ParseSalt(printed + "zz"));
    }

    [Fact]
    public void Another_salt_gives_an_unrelated_key_and_commitment()
    {
        byte[] other = (byte[])Salt.Clone();
        other[15] ^= 1;
        Assert.NotEqual(RollCommitments.Key(Salt, Record), RollCommitments.Key(other, Record));
        Assert.NotEqual(RollCommitments.Commitment(Salt, Record), RollCommitments.Commitment(other, Record));
    }
}
