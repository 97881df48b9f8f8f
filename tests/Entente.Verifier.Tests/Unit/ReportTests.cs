using Entente.Verifier.Framework;

namespace Entente.Verifier.Tests.Unit;

/// <summary>The report model: every failure kept, stable order, JSON round trip.</summary>
public sealed class ReportTests
{
    [Fact]
    public void A_step_recorder_keeps_every_failure_in_a_stable_order_whatever_the_thread_order()
    {
        StepRecorder recorder = new("5", "Well-formedness of selection encryptions");
        Parallel.For(0, 200, i =>
        {
            recorder.Checked();
            recorder.Fail("5.D", RecordObject.ForBallot($"b{i:D3}", "c1", "o1"), "the challenges do not sum");
        });

        StepResult result = recorder.ToResult();

        Assert.Equal(200, result.Checked);
        Assert.Equal(200, result.Failures.Count);
        Assert.Equal(result.Failures.Select(f => f.Subject.Ballot).Order(StringComparer.Ordinal), result.Failures.Select(f => f.Subject.Ballot));
        Assert.False(result.Passed);
    }

    [Fact]
    public void Record_objects_name_their_parts_from_the_widest_to_the_narrowest()
    {
        Assert.Equal("ballot b1 / contest c2 / option o3", RecordObject.ForBallot("b1", "c2", "o3").ToString());
        Assert.Equal("guardian g1", RecordObject.ForGuardian("g1").ToString());
        Assert.Equal("election", RecordObject.Election.ToString());
    }

    [Fact]
    public void The_json_report_round_trips_steps_counts_and_failures()
    {
        StepRecorder one = new("1", "Parameter validation");
        one.Checked(3);
        StepRecorder two = new("2", "Guardian public-key validation");
        two.Checked(2);
        two.Fail("2.C", RecordObject.ForGuardian("guardian2"), "the challenge differs");
        two.Note("a note");
        VerificationReport report = new("ElectionGuard 2.0.0", "egk", "/r", [one.ToResult(), two.ToResult()], ["record note"]);

        ReportDocument document = VerificationReportJson.Deserialize(VerificationReportJson.Serialize(report));

        Assert.False(document.Passed);
        Assert.Equal(["1", "2"], document.Steps.Select(s => s.Number));
        Assert.Equal(3, document.Steps[0].Checked);
        FailureDocument failure = Assert.Single(document.Steps[1].Failures);
        Assert.Equal("2.C", failure.Check);
        Assert.Equal("guardian2", failure.ObjectParts.Guardian);
        Assert.Null(failure.ObjectParts.Ballot);
        Assert.Equal(["a note"], document.Steps[1].Notes);
        Assert.Equal(["record note"], document.Notes);
    }
}
