using Entente.Verifier.Egk;
using Entente.Verifier.Framework;

namespace Entente.Verifier.Tests.Contract;

/// <summary>The egk 2.0 sample (n = 5, k = 3, 11 cast ballots, 20 contests) passes every 2.0 step.</summary>
[Collection(EgkSampleGroup.Name)]
[Trait("Category", "Slow")]
public sealed class EgkSampleTests
{
    [Fact]
    public void The_egk_sample_passes_every_verification_step()
    {
        VerificationReport report = EgkSample.Verify(EgkSample.Directory);

        Assert.Empty(report.Failures);
        Assert.True(report.Passed);
        Assert.Equal("ElectionGuard 2.0.0", report.Specification);
        Assert.Equal([.. Enumerable.Range(1, 14).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))], report.Steps.Select(s => s.Number));
    }

    [Fact]
    public void Every_object_of_the_sample_is_counted_at_its_step()
    {
        VerificationReport report = EgkSample.Verify(EgkSample.Directory);

        Assert.Equal(15, report.Step("2")!.Checked);    // 5 guardians × k = 3 coefficient proofs
        Assert.Equal(6, report.Step("3")!.Checked);     // 5 keys K_i and the joint key
        Assert.Equal(1100, report.Step("5")!.Checked);  // 11 ballots × 20 contests × 5 options
        Assert.Equal(220, report.Step("6")!.Checked);   // 11 ballots × 20 contests
        Assert.Equal(100, report.Step("8")!.Checked);   // 20 contests × 5 options
        Assert.Equal(100, report.Step("9")!.Checked);
        Assert.Equal(0, report.Step("12")!.Checked);    // no challenged ballots in this sample
    }

    [Fact]
    public void The_record_reader_lists_one_device_and_eleven_ballots()
    {
        EgkRecord record = EgkRecord.Open(EgkSample.Directory);

        Assert.Equal([EgkSample.Device], record.Devices);
        Assert.Equal(11, record.BallotFiles.Count);
        Assert.Equal(5, record.Config.NumberOfGuardians);
        Assert.Equal(3, record.Config.Quorum);
        Assert.Equal(20, record.Manifest.Contests.Count);
        Assert.Empty(record.Chains);
    }

    [Fact]
    public void One_thread_and_two_threads_give_the_same_report()
    {
        VerificationReport one = EgkSample.Verify(EgkSample.Directory, threads: 1);
        VerificationReport two = EgkSample.Verify(EgkSample.Directory, threads: 2);

        Assert.Equal(VerificationReportJson.Serialize(one), VerificationReportJson.Serialize(two));
    }
}

/// <summary>Tests that verify copies of the sample share one memo and run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class EgkSampleGroup
{
    public const string Name = "egk sample";
}
