using Entente.Verifier.Egk;
using Entente.Verifier.Framework;

namespace Entente.Verifier.Tests.Unit;

/// <summary>The strict reader: every malformed input is an input error naming the file and field.</summary>
public sealed class EgkReaderTests
{
    private static RecordInputException OpenWith(string file, string content)
    {
        using TempRecord record = new();
        File.WriteAllText(record.PathOf(file), content);
        return Assert.Throws<RecordInputException>(() => EgkRecord.Open(record.Directory));
    }

    [Fact]
    public void A_duplicate_property_is_rejected()
    {
        RecordInputException e = OpenWith("election_config.json",
            """{"config_version":"v2.0.0","config_version":"v9","number_of_guardians":5}""");
        Assert.Equal("election_config.json", e.File);
        Assert.Contains("\"config_version\" twice", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_file_is_rejected()
    {
        RecordInputException e = OpenWith("constants.json", "");
        Assert.Contains("empty", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_group_element_longer_than_512_bytes_is_rejected()
    {
        using TempRecord record = new();
        record.Edit("election_initialized.json", init => init["joint_public_key"] = "01" + new string('0', 1024));
        RecordInputException e = Assert.Throws<RecordInputException>(() => EgkRecord.Open(record.Directory));
        Assert.Contains("joint_public_key", e.Reason, StringComparison.Ordinal);
        Assert.Contains("at most 512", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_hash_of_the_wrong_length_is_rejected()
    {
        using TempRecord record = new();
        record.Edit("election_config.json", config => config["manifest_hash"] = "ABCD");
        RecordInputException e = Assert.Throws<RecordInputException>(() => EgkRecord.Open(record.Directory));
        Assert.Contains("manifest_hash", e.Reason, StringComparison.Ordinal);
        Assert.Contains("32 bytes", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_required_field_is_named()
    {
        using TempRecord record = new();
        record.Edit("election_config.json", config => config.AsObject().Remove("quorum"));
        RecordInputException e = Assert.Throws<RecordInputException>(() => EgkRecord.Open(record.Directory));
        Assert.Equal("election_config.json", e.File);
        Assert.Contains("\"quorum\" is missing", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_record_directory_is_an_input_error()
    {
        RecordInputException e = Assert.Throws<RecordInputException>(() => EgkRecord.Open(Path.Combine(Path.GetTempPath(), "no-such-record-" + Guid.NewGuid())));
        Assert.Contains("does not exist", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Hex_parsing_accepts_both_cases_and_rejects_odd_lengths_and_signs()
    {
        Assert.True(JsonFields.TryParseHex("0aFF", out byte[] bytes));
        Assert.Equal(new byte[] { 0x0A, 0xFF }, bytes);
        Assert.False(JsonFields.TryParseHex("ABC", out _));
        Assert.False(JsonFields.TryParseHex("+1", out _));
        Assert.False(JsonFields.TryParseHex(" 1", out _));
    }
}
