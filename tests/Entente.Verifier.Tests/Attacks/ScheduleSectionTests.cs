using Entente.Verifier.Framework;

namespace Entente.Verifier.Tests.Attacks;

/// <summary>
/// Section D of the report (docs/record-format.md §11): schedule.json's late and missing steps are notes naming the
/// party; a schedule that contradicts its own times fails D.
/// </summary>
[Collection(NativeRecordsGroup.Name)]
public sealed class ScheduleSectionTests(NativeRecords records)
{
    private const string Late = """{"step":"decryption.commit","party":"red.example","guardians":[2],"opened":{"index":40,"time":"2026-12-06T12:00:00.000Z"},"deadline":60,"due":"2026-12-06T12:01:00.000Z","done":{"index":45,"time":"2026-12-06T12:01:30.000Z"},"status":"late"}""";
    private const string Missing = """{"step":"decryption.reveal","party":"green.example","guardians":[3],"opened":{"index":45,"time":"2026-12-06T12:01:30.000Z"},"deadline":60,"due":"2026-12-06T12:02:30.000Z","done":null,"status":"not_done"}""";
    private const string OnTime = """{"step":"decryption.commit","party":"blue.example","guardians":[1],"opened":{"index":40,"time":"2026-12-06T12:00:00.000Z"},"deadline":60,"due":"2026-12-06T12:01:00.000Z","done":{"index":41,"time":"2026-12-06T12:00:10.000Z"},"status":"on_time"}""";

    private static string Schedule(params string[] steps) =>
        "{\"format\":\"entente-schedule/1\",\"log_size\":60,\"log_time\":\"2026-12-06T12:05:00.000Z\",\"steps\":[" + string.Join(",", steps) + "]}";

    private VerificationReport WithSchedule(string json)
    {
        using NativeCopy copy = new(records.Plain);
        File.WriteAllText(copy.PathOf("schedule.json"), json);
        copy.Reseal();
        return NativeRecords.Verify(copy.Directory);
    }

    [Fact]
    public void A_late_and_a_missing_step_are_reported_as_notes_naming_each_party_and_the_record_still_passes()
    {
        VerificationReport report = WithSchedule(Schedule(OnTime, Late, Missing));
        Assert.True(report.Passed, string.Join("\n", report.Failures));
        StepResult d = report.Step("D")!;
        Assert.Equal(3, d.Checked);
        Assert.Contains(d.Notes, n => n.StartsWith("late: decryption.commit by red.example (guardian 2)", StringComparison.Ordinal));
        Assert.Contains(d.Notes, n => n.StartsWith("not done: decryption.reveal by green.example (guardian 3)", StringComparison.Ordinal));
        Assert.DoesNotContain(d.Notes, n => n.Contains("blue.example", StringComparison.Ordinal));
    }

    [Fact]
    public void A_record_without_a_schedule_has_no_section_d()
    {
        Assert.Null(NativeRecords.Verify(records.Plain).Step("D"));
    }

    [Theory]
    [InlineData("\"status\":\"late\"", "\"status\":\"on_time\"", "D.status")]
    [InlineData("\"due\":\"2026-12-06T12:01:00.000Z\",\"done\":{\"index\":45", "\"due\":\"2026-12-06T12:02:00.000Z\",\"done\":{\"index\":45", "D.due")]
    [InlineData("\"done\":{\"index\":45", "\"done\":{\"index\":60", "D.order")]
    [InlineData("\"done\":{\"index\":45,\"time\":\"2026-12-06T12:01:30.000Z\"}", "\"done\":{\"index\":45,\"time\":\"2026-12-06T12:09:30.000Z\"}", "D.time")]
    public void A_schedule_that_contradicts_its_own_times_fails_section_d(string from, string to, string check)
    {
        VerificationReport report = WithSchedule(Schedule(OnTime, Late.Replace(from, to, StringComparison.Ordinal)));
        Assert.False(report.Passed);
        Assert.Equal(["D"], report.Steps.Where(s => !s.Passed).Select(s => s.Number));
        Assert.Contains(report.Step("D")!.Failures, f => f.Check == check && f.Detail.Contains("red.example", StringComparison.Ordinal));
    }
}
