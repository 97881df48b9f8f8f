using System.Text;
using Entente.Rolls;
using Entente.Transparency;

namespace Entente.Rolls.Tests.Attacks;

public sealed class RollArtifactAttackTests
{
    private static readonly RollChange Change = new("county-12", RollOperation.Update, Hash256.Compute([1]), 2, Hash256.Compute([2]), "P-01", "address-change",
        new DateTimeOffset(2026, 10, 1, 9, 30, 0, TimeSpan.Zero), Hash256.Compute([3]));

    [Fact]
    public void A_change_round_trips_through_its_canonical_bytes()
    {
        byte[] bytes = RollArtifacts.Write(Change);
        Assert.StartsWith("{\"at\":\"2026-10-01T09:30:00Z\",\"commitment\":\"", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
        Assert.Equal(Change, RollArtifacts.ReadChange(bytes));
    }

    [Theory]
    [InlineData("\"op\":\"update\"", "\"op\":\"delete\"", "$.op")]
    [InlineData("\"version\":2", "\"version\":0", "$.version")]
    [InlineData("\"precinct\":\"P-01\"", "\"precinct\":\"P 01\"", "$.precinct")]
    [InlineData("{\"at\"", "{\"name\":\"Jane Doe\",\"at\"", "unknown field")]
    [InlineData("{\"at\"", "{\"at\":\"2026-10-01T09:30:00Z\",\"at\"", "twice")]
    [InlineData(",\"reason\":\"address-change\"", "", "$.reason")]
    [InlineData("\"version\":2", "\"version\": 2", "canonical")]
    [InlineData("09:30:00Z", "09:30:00+00:00", "$.at")]
    public void A_tampered_or_non_canonical_change_is_refused_naming_the_field(string from, string to, string expected)
    {
        string text = Encoding.UTF8.GetString(RollArtifacts.Write(Change));
        Assert.Contains(from, text, StringComparison.Ordinal);
        RollFormatException e = Assert.Throws<RollFormatException>(() => RollArtifacts.ReadChange(Encoding.UTF8.GetBytes(text.Replace(from, to, StringComparison.Ordinal))));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_removal_carries_no_commitment_and_a_first_version_no_previous()
    {
        RollFormatException e = Assert.Throws<RollFormatException>(() => RollArtifacts.ReadChange(RollArtifacts.Write(Change with { Operation = RollOperation.Remove })));
        Assert.Contains("$.commitment", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<RollFormatException>(() => RollArtifacts.ReadChange(RollArtifacts.Write(Change with { Version = 1 })));
        Assert.Contains("$.previous", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_snapshot_and_an_opening_round_trip_and_refuse_unsorted_lists()
    {
        RollSnapshot snapshot = new("county-12", 1, Hash256.Compute([4]), 3, new Dictionary<string, long> { ["P-02"] = 1, ["P-01"] = 2 }, Change.At);
        RollSnapshot read = RollArtifacts.ReadSnapshot(RollArtifacts.Write(snapshot));
        Assert.Equal(2, read.Precincts["P-01"]);
        RollInit init = new("county-12", ["P-01", "P-02"], ["deceased"]);
        Assert.Equal(init.Precincts, RollArtifacts.ReadInit(RollArtifacts.Write(init)).Precincts);
        Assert.Throws<RollFormatException>(() => RollArtifacts.ReadInit(RollArtifacts.Write(init with { Precincts = ["P-02", "P-01"] })));
    }

    [Fact]
    public void Details_are_refused_naming_the_field_but_never_echoing_the_value()
    {
        RollFormatException e = Assert.Throws<RollFormatException>(() => VoterRecord.Create("county-12", "V1", "P-01", "Jane Secretname", "1984-02-30", "1 Main St"));
        Assert.Contains("birth_date", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("1984-02-30", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<RollFormatException>(() => VoterRecord.Create("county-12", "V 1", "P-01", "Jane Secretname", "1984-02-28", "1 Main St"));
        Assert.Contains("voter_id", e.Message, StringComparison.Ordinal);
    }
}
