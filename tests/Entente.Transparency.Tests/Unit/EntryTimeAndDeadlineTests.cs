using System.Text;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;

namespace Entente.Transparency.Tests.Unit;

/// <summary>An entry's <c>time</c> field and the charter's <c>deadlines</c> (docs/record-format.md §11).</summary>
public sealed class EntryTimeAndDeadlineTests
{
    private static readonly Hash256 Sha = Hash256.Compute("artifact"u8);

    [Fact]
    public void A_timed_entry_writes_its_time_after_the_party_in_milliseconds_and_parses_back_to_the_same_entry()
    {
        using Ed25519NoteSigner key = Ed25519NoteSigner.Generate("Blue");
        DateTimeOffset time = new(2026, 12, 6, 17, 0, 1, 234, TimeSpan.FromHours(2));
        LogEntry entry = new("decryption.commit", Sha, "Blue", time: time.AddTicks(5678));
        string text = entry.ToText();
        Assert.Contains("party Blue\ntime 2026-12-06T15:00:01.234Z\n", text, StringComparison.Ordinal);
        (LogEntry parsed, _) = LogEntry.Parse(entry.Sign(key));
        Assert.Equal(new DateTimeOffset(2026, 12, 6, 15, 0, 1, 234, TimeSpan.Zero), parsed.Time);
        Assert.Equal(text, parsed.ToText());
    }

    [Fact]
    public void An_untimed_entry_has_no_time_line_and_no_time()
    {
        using Ed25519NoteSigner key = Ed25519NoteSigner.Generate("Blue");
        LogEntry entry = new("manifest", Sha, "Blue");
        Assert.DoesNotContain("time", entry.ToText(), StringComparison.Ordinal);
        Assert.Null(LogEntry.Parse(entry.Sign(key)).Entry.Time);
    }

    [Theory]
    [InlineData("2026-12-06T15:00:01Z")]
    [InlineData("2026-12-06T15:00:01.2340Z")]
    [InlineData("2026-12-06T15:00:01.234+00:00")]
    [InlineData("2026-12-06 15:00:01.234Z")]
    [InlineData("2026-13-06T15:00:01.234Z")]
    public void A_time_in_any_other_form_than_utc_with_milliseconds_is_refused_naming_the_field(string time)
    {
        using Ed25519NoteSigner key = Ed25519NoteSigner.Generate("Blue");
        string text = $"{LogEntry.Header}\ntype manifest\nsha256 {Sha.ToHex()}\nparty Blue\ntime {time}\n";
        byte[] bytes = key.SignNote(text).ToBytes();
        NoteFormatException e = Assert.Throws<NoteFormatException>(() => LogEntry.Parse(bytes));
        Assert.Contains("time", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_time_after_the_ballot_field_is_refused_as_out_of_order()
    {
        using Ed25519NoteSigner key = Ed25519NoteSigner.Generate("Blue");
        string text = $"{LogEntry.Header}\ntype ballot.cast\nsha256 {Sha.ToHex()}\nparty Blue\nballot B1\ntime 2026-12-06T15:00:01.234Z\n";
        Assert.Throws<NoteFormatException>(() => LogEntry.Parse(key.SignNote(text).ToBytes()));
    }

    private static string Charter(string deadlines)
    {
        using Ed25519NoteSigner key = Ed25519NoteSigner.Generate("Blue");
        return $$"""{ "parties": [ { "name": "Blue", "key": "{{key.VerifierKey}}", "roles": ["party", "guardian"], "guardians": [1] } ]{{deadlines}} }""";
    }

    [Fact]
    public void A_charter_gives_each_step_its_deadline_in_seconds_and_none_without_deadlines()
    {
        Charter charter = Log.Charter.Parse(Charter(""", "deadlines": { "decryption.commit": 90, "guardian.share": 3600 }"""));
        Assert.Equal(TimeSpan.FromSeconds(90), charter.Deadlines["decryption.commit"]);
        Assert.Equal(TimeSpan.FromHours(1), charter.Deadlines["guardian.share"]);
        Assert.False(charter.Deadlines.ContainsKey("decryption.reveal"));
        Assert.Empty(Log.Charter.Parse(Charter("")).Deadlines);
    }

    [Theory]
    [InlineData("""{ "ballot.cast": 60 }""", "not a step with a deadline")]
    [InlineData("""{ "decryption.commit": 0 }""", "not a number of seconds")]
    [InlineData("""{ "decryption.commit": -5 }""", "not a number of seconds")]
    [InlineData("""{ "decryption.commit": 99999999999 }""", "not a number of seconds")]
    [InlineData("""{ "decryption.commit": "1h" }""", "Charter")]
    public void A_deadline_for_an_unknown_step_or_out_of_range_is_refused_naming_it(string deadlines, string expected)
    {
        FormatException e = Assert.Throws<FormatException>(() => Log.Charter.Parse(Charter(", \"deadlines\": " + deadlines)));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}
