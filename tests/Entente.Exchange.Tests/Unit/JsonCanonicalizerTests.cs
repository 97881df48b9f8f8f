using System.Text;
using Entente.Exchange.Canonical;

namespace Entente.Exchange.Tests.Unit;

/// <summary>RFC 8785 examples and ECMAScript number formatting.</summary>
public sealed class JsonCanonicalizerTests
{
    [Fact]
    public void Sorts_members_by_utf16_code_units_and_removes_whitespace()
    {
        // RFC 8785 §3.2.3 sorting example: keys compared as UTF-16 code units.
        string input = "{\n \"\\u20ac\": \"Euro Sign\",\n \"\\r\": \"Carriage Return\",\n \"\\ufb33\": \"Hebrew Letter Dalet With Dagesh\",\n \"1\": \"One\",\n \"\\ud83d\\ude00\": \"Emoji: Grinning Face\",\n \"\\u0080\": \"Control\",\n \"\\u00f6\": \"Latin Small Letter O With Diaeresis\"\n}";
        string expected = "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u0080\":\"Control\",\"ö\":\"Latin Small Letter O With Diaeresis\",\"€\":\"Euro Sign\",\"😀\":\"Emoji: Grinning Face\",\"\ufb33\":\"Hebrew Letter Dalet With Dagesh\"}";

        string actual = Encoding.UTF8.GetString(JsonCanonicalizer.Canonicalize(Encoding.UTF8.GetBytes(input)));

        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Serialises_the_rfc_8785_primitive_example()
    {
        // RFC 8785 §3.2.2 example input and output.
        string input = "{\"numbers\": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001], \"string\": \"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\", \"literals\": [null, true, false]}";
        string expected = "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],\"string\":\"€$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}";

        string actual = Encoding.UTF8.GetString(JsonCanonicalizer.Canonicalize(Encoding.UTF8.GetBytes(input)));

        Assert.Equal(expected, actual);
    }

    [Theory]
    [InlineData(0.0, "0")]
    [InlineData(1.0, "1")]
    [InlineData(-1.5, "-1.5")]
    [InlineData(100.0, "100")]
    [InlineData(1e21, "1e+21")]
    [InlineData(1e20, "100000000000000000000")]
    [InlineData(1e-7, "1e-7")]
    [InlineData(0.000001, "0.000001")]
    [InlineData(123456789012345680000.0, "123456789012345680000")]
    [InlineData(5e-324, "5e-324")]
    [InlineData(1.7976931348623157e308, "1.7976931348623157e+308")]
    [InlineData(9007199254740992.0, "9007199254740992")]
    public void Formats_numbers_as_ecmascript_does(double value, string expected) =>
        Assert.Equal(expected, JsonCanonicalizer.FormatNumber(value));

    [Fact]
    public void Rejects_duplicate_member_names()
    {
        FormatException e = Assert.Throws<FormatException>(() => JsonCanonicalizer.Canonicalize("{\"a\":1,\"a\":2}"u8));
        Assert.Contains("\"a\"", e.Message, StringComparison.Ordinal);
    }
}
