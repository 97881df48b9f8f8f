using System.Text.Json;
using Entente.Verifier.Framework;

namespace Entente.Verifier.Tests.Attacks;

/// <summary>
/// Section A of the report (docs/record-format.md §11, "attempts"): an abandoned decryption attempt is a note naming
/// the party, the guardian and the step; one abandoned before its step was due, for a guardian that took the step, with a
/// due time that is not its opening plus the deadline, or whose guardian reused a nonce of another attempt, fails A.
/// The completed attempt is the record's own (guardians 1 and 3); the abandoned one had U = {1, 2}.
/// </summary>
[Collection(NativeRecordsGroup.Name)]
public sealed class AttemptsSectionTests(NativeRecords records)
{
    /// <summary>a_i of guardian <paramref name="guardian"/> in the completed attempt, per option in tally order.</summary>
    private static string[] CompletedA(string record, int guardian)
    {
        using JsonDocument parts = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(record, "tally", "partial_decryptions.json")));
        return [.. parts.RootElement.GetProperty("contests").EnumerateArray()
            .SelectMany(c => c.GetProperty("options").EnumerateArray())
            .Select(o => o.GetProperty("shares").EnumerateArray().Single(s => s.GetProperty("i").GetInt32() == guardian).GetProperty("a").GetString()!)];
    }

    private static string Attempt(string[] revealedA, string step = "reveal", string time = "2026-12-06T12:03:00.000Z", string due = "2026-12-06T12:02:30.000Z", bool guardian2Revealed = false)
    {
        string a = string.Join(",", revealedA.Select(x => $"\"{x}\""));
        string reveal1 = $"{{\"i\":1,\"a\":[{a}],\"b\":[{a}]}}";
        string reveal2 = $"{{\"i\":2,\"a\":[{a}],\"b\":[{a}]}}";
        return "{\"attempt\":1,\"guardians\":[1,2],"
            + $"\"abandonment\":{{\"index\":50,\"time\":\"{time}\",\"party\":\"blue.example\",\"guardian\":2,\"step\":\"{step}\",\"reason\":\"guardian 2 did not {step} in time\"}},"
            + $"\"missed\":{{\"opened\":{{\"index\":45,\"time\":\"2026-12-06T12:01:30.000Z\"}},\"deadline\":60,\"due\":\"{due}\"}},"
            + "\"commits\":[{\"i\":1,\"guardians\":[1,2],\"tally\":[],\"ballot_nonces\":[]},{\"i\":2,\"guardians\":[1,2],\"tally\":[],\"ballot_nonces\":[]}],"
            + $"\"reveals\":[{reveal1}{(guardian2Revealed ? "," + reveal2 : "")}],\"responses\":[]}}";
    }

    private VerificationReport With(Func<string, string> attempt)
    {
        using NativeCopy copy = new(records.Chained);
        Directory.CreateDirectory(Path.Combine(copy.Directory, "tally", "abandoned"));
        File.WriteAllText(copy.PathOf("tally/abandoned/attempt-1.json"), attempt(copy.Directory));
        copy.Reseal();
        return NativeRecords.Verify(copy.Directory);
    }

    [Fact]
    public void An_attempt_abandoned_after_its_due_time_for_a_guardian_that_did_not_act_is_a_note_and_the_record_passes()
    {
        VerificationReport report = With(dir => Attempt(CompletedA(dir, 3)));
        Assert.True(report.Passed, string.Join("\n", report.Failures));
        StepResult a = report.Step("A")!;
        Assert.Contains(a.Notes, n => n.StartsWith("attempt 1 abandoned by blue.example at entry 50 (2026-12-06T12:03:00.000Z): guardian 2 did not reveal by 2026-12-06T12:02:30.000Z", StringComparison.Ordinal));
    }

    [Fact]
    public void A_record_whose_first_attempt_completed_has_no_section_a()
    {
        Assert.Null(NativeRecords.Verify(records.Chained).Step("A"));
    }

    [Theory]
    [InlineData("early", "A.time")]
    [InlineData("taken", "A.step")]
    [InlineData("due", "A.due")]
    [InlineData("response", "A.step")]
    public void An_attempt_abandoned_too_early_or_for_a_step_taken_or_not_open_fails_section_a(string tamper, string check)
    {
        VerificationReport report = With(dir => tamper switch
        {
            "early" => Attempt(CompletedA(dir, 3), time: "2026-12-06T12:02:00.000Z"),
            "taken" => Attempt(CompletedA(dir, 3), guardian2Revealed: true),
            "due" => Attempt(CompletedA(dir, 3), due: "2026-12-06T12:02:00.000Z", time: "2026-12-06T12:03:00.000Z"),
            _ => Attempt(CompletedA(dir, 3), step: "response"), // guardian 2 never revealed: the response step had not opened
        });
        Assert.False(report.Passed);
        Assert.Equal(["A"], report.Steps.Where(s => !s.Passed).Select(s => s.Number));
        Assert.Contains(report.Step("A")!.Failures, f => f.Check == check);
    }

    [Fact]
    public void A_guardian_that_reveals_the_same_nonce_in_two_attempts_is_named_as_a_failure()
    {
        VerificationReport report = With(dir => Attempt(CompletedA(dir, 1)));
        Assert.False(report.Passed);
        VerificationFailure[] repeats = [.. report.Step("A")!.Failures.Where(f => f.Check == "A.nonce")];
        Assert.Equal(CompletedA(records.Chained, 1).Length, repeats.Length); // one per option
        Assert.All(repeats, f => Assert.Contains("guardian 1 revealed the same a_i", f.Detail, StringComparison.Ordinal));
        Assert.All(repeats, f => Assert.Contains("in attempts 1 and 2", f.Detail, StringComparison.Ordinal));
        Assert.Equal(["A"], report.Steps.Where(s => !s.Passed).Select(s => s.Number));
    }
}
