using Entente.Verifier.Framework;
using Entente.Verifier.Native;

namespace Entente.Verifier.Tests.Contract;

/// <summary>Records written by the producer pass every step of the independent 2.1 verifier.</summary>
[Collection(NativeRecordsGroup.Name)]
public sealed class NativeRecordTests(NativeRecords records)
{
    [Fact]
    public void A_chained_record_with_challenged_ballots_passes_every_step()
    {
        VerificationReport report = NativeRecords.Verify(records.Chained);

        Assert.True(report.Passed, string.Join("\n", report.Failures));
        Assert.Equal(NativeSteps.All.Select(s => s.Number), report.Steps.Select(s => s.Number));
        Assert.Equal("ElectionGuard 2.1.0", report.Specification);
        Assert.Equal("native", report.Format);
        Assert.Equal(10, report.Step("5")!.Checked);
        Assert.Equal(4, report.Step("13")!.Checked);
        Assert.True(report.Step("6")!.Checked > 10);
        Assert.True(report.Step("10")!.Checked == 6);
        Assert.Equal(0, report.Step("12")!.Checked);
        Assert.Contains("no decrypted contest data", Assert.Single(report.Step("12")!.Notes), StringComparison.Ordinal);
    }

    [Fact]
    public void A_record_with_decrypted_contest_data_of_cast_ballots_passes_step_12_with_every_object_counted()
    {
        VerificationReport report = NativeRecords.Verify(records.ContestData);

        Assert.True(report.Passed, string.Join("\n", report.Failures));
        string[] files = Directory.GetFiles(Path.Combine(records.ContestData, "contest_data"));
        Assert.Equal(3, files.Length);
        Assert.Equal(3, report.Step("12")!.Checked);   // one decrypted contest (Council) per ballot
        Assert.Empty(report.Step("12")!.Notes);
        Assert.Equal(2, report.Step("13")!.Checked);
    }

    [Fact]
    public void A_record_without_chaining_or_challenged_ballots_passes_every_step()
    {
        VerificationReport report = NativeRecords.Verify(records.Plain);

        Assert.True(report.Passed, string.Join("\n", report.Failures));
        Assert.Equal(0, report.Step("13")!.Checked);
        Assert.Equal(5, report.Step("5")!.Checked);
    }

    [Fact]
    public void One_thread_and_several_threads_give_the_same_report()
    {
        VerificationReport one = NativeVerifier.Verify(records.Chained, NativeRecords.Options with { Threads = 1 });
        VerificationReport four = NativeVerifier.Verify(records.Chained, NativeRecords.Options with { Threads = 4 });

        Assert.Equal(VerificationReportJson.Serialize(one), VerificationReportJson.Serialize(four));
    }

    [Fact]
    public void A_toy_group_record_fails_step_1_unless_toy_groups_are_allowed()
    {
        VerificationReport report = NativeVerifier.Verify(records.Plain, new VerificationOptions { Threads = 2 });

        StepResult step1 = report.Step("1")!;
        VerificationFailure failure = Assert.Single(step1.Failures);
        Assert.Equal("1.B", failure.Check);
        Assert.Contains("toy group", failure.Detail, StringComparison.Ordinal);
        Assert.All(report.Steps.Where(s => s.Number != "1"), s => Assert.True(s.Passed));
    }

    [Fact]
    public void Progress_is_reported_for_every_ballot()
    {
        List<VerificationProgress> reports = [];
        Progress progress = new(reports);
        NativeVerifier.Verify(records.Chained, NativeRecords.Options with { Progress = progress });

        Assert.Contains(reports, r => r.Stage == "encrypted ballots" && r.Done == 10 && r.Total == 10);
    }

    private sealed class Progress(List<VerificationProgress> reports) : IProgress<VerificationProgress>
    {
        public void Report(VerificationProgress value)
        {
            lock (reports)
            {
                reports.Add(value);
            }
        }
    }
}

/// <summary>The verifier is independent of the code that writes records.</summary>
public sealed class NativeIndependenceTests
{
    [Fact]
    public void The_verifier_assembly_references_only_the_cryptographic_primitives_of_entente()
    {
        string[] entente = [.. typeof(Native.NativeVerifier).Assembly.GetReferencedAssemblies()
            .Select(a => a.Name!)
            .Where(n => n.StartsWith("Entente.", StringComparison.Ordinal))];

        Assert.Equal(["Entente.Cryptography"], entente);
    }
}
