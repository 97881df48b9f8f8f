using System.Text.Json.Nodes;
using Entente.Verifier.Framework;

namespace Entente.Verifier.Tests.Contract;

/// <summary>
/// Chained confirmation codes (ballot_chain.json, 2.0 §3.4.3, steps 7.D–7.G) and challenged ballots
/// with their decryptions (steps 12–14), on synthetic variants of the sample.
/// </summary>
[Collection(EgkSampleGroup.Name)]
[Trait("Category", "Slow")]
public sealed class EgkChainingAndChallengeTests
{
    private const string ChainFile = "encrypted_ballots/" + EgkSample.Device + "/ballot_chain.json";

    [Fact]
    public void A_chain_in_the_egk_convention_passes_and_the_report_notes_the_first_ballot_deviation()
    {
        using TempRecord record = new();
        SyntheticRecords.MakeChained(record);

        VerificationReport report = record.Verify();

        Assert.Empty(report.Failures);
        Assert.Contains(report.Notes, n => n.Contains("first chained ballot", StringComparison.Ordinal));
        Assert.Contains(report.Step("7")!.Notes, n => n.Contains("eq 60", StringComparison.Ordinal));
    }

    [Fact]
    public void A_chain_that_follows_eq_60_passes_without_the_note()
    {
        using TempRecord record = new();
        SyntheticRecords.MakeChained(record, specFirstBaux: true);

        VerificationReport report = record.Verify();

        Assert.Empty(report.Failures);
        Assert.DoesNotContain(report.Notes, n => n.Contains("first chained ballot", StringComparison.Ordinal));
    }

    [Fact]
    public void Ballots_listed_out_of_chain_order_fail_7E()
    {
        using TempRecord record = new();
        SyntheticRecords.MakeChained(record);
        record.Edit(ChainFile, chain =>
        {
            JsonArray ids = chain["ballot_ids"]!.AsArray();
            string third = ids[2]!.GetValue<string>();
            ids[2] = ids[3]!.GetValue<string>();
            ids[3] = third;
        });

        VerificationReport report = record.Verify();

        ReportAssert.FailsExactly(report, "7.E");
        Assert.Equal(["id-3", "id-4", "id-5"], report.Failures.Select(f => f.Subject.Ballot!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_wrong_closing_hash_fails_7G_for_the_device()
    {
        using TempRecord record = new();
        SyntheticRecords.MakeChained(record);
        record.Edit(ChainFile, chain => chain["closing_hash"] = new string('C', 64));

        VerificationReport report = record.Verify();

        ReportAssert.FailsExactly(report, "7.G");
        Assert.Equal(EgkSample.Device, Assert.Single(report.Failures).Subject.Device);
    }

    [Fact]
    public void A_device_without_its_ballot_chain_fails_7D()
    {
        using TempRecord record = new();
        SyntheticRecords.MakeChained(record);
        record.Delete(ChainFile);

        VerificationReport report = record.Verify();

        ReportAssert.FailsExactly(report, "7.D");
    }

    [Fact]
    public void A_ballot_removed_from_the_middle_of_a_chain_breaks_the_chain_at_the_next_ballot()
    {
        using TempRecord record = new();
        SyntheticRecords.MakeChained(record);
        record.Delete(EgkSample.Ballot("id-6"));
        record.Edit(ChainFile, chain => chain["ballot_ids"]!.AsArray().RemoveAt(5));

        VerificationReport report = record.Verify();

        VerificationFailure chain = ReportAssert.HasFailure(report, "7.E", o => o.Ballot == "id-7");
        Assert.Contains("H(B_j−1)", chain.Detail, StringComparison.Ordinal);
        ReportAssert.HasFailure(report, "8.struct", o => o.Ballot == "id-6");
    }

    [Fact]
    public void A_challenged_ballot_with_its_decryption_passes_steps_12_to_14()
    {
        using TempRecord record = new();
        SyntheticRecords.AddChallengedBallot(record);

        VerificationReport report = record.Verify();

        Assert.Empty(report.Failures);
        Assert.Equal(100, report.Step("12")!.Checked);
        Assert.Equal(1, report.Step("14")!.Checked);
        Assert.Contains(report.Notes, n => n.Contains("C1 as upper-case hexadecimal", StringComparison.Ordinal));
    }

    [Fact]
    public void A_changed_selection_in_a_challenged_ballot_decryption_fails_13A_and_the_limit_13C()
    {
        using TempRecord record = new();
        SyntheticRecords.AddChallengedBallot(record);
        record.Edit("challenged_ballots/dballot-id-99.json", ballot =>
        {
            foreach (JsonNode? selection in ballot["contests"]![6]!["selections"]!.AsArray())
            {
                selection!["tally"] = 1;
            }
        });

        VerificationReport report = record.Verify();

        ReportAssert.FailsExactly(report, "13.A", "13.C");
        Assert.All(report.Failures, f => Assert.Equal("id-99", f.Subject.Ballot));
        Assert.Equal("contest7", report.Failures.Single(f => f.Check == "13.C").Subject.Contest);
    }

    [Fact]
    public void A_flipped_challenged_ballot_decryption_proof_fails_12B()
    {
        using TempRecord record = new();
        SyntheticRecords.AddChallengedBallot(record);
        record.Edit("challenged_ballots/dballot-id-99.json", ballot =>
            ballot["contests"]![2]!["selections"]![3]!["proof"]!["response"] = new string('1', 64));

        VerificationReport report = record.Verify();

        ReportAssert.FailsExactly(report, "12.B");
        Assert.Equal(RecordObject.ForBallot("id-99", "contest3", "selection14"), Assert.Single(report.Failures).Subject);
    }

    [Fact]
    public void A_wrong_contest_data_decryption_fails_14B()
    {
        using TempRecord record = new();
        SyntheticRecords.AddChallengedBallot(record);
        record.Edit("challenged_ballots/dballot-id-99.json", ballot =>
            ballot["contests"]![0]!["decrypted_contest_data"]!["proof"]!["response"] = new string('2', 64));

        VerificationReport report = record.Verify();

        ReportAssert.FailsExactly(report, "14.B");
    }

    [Fact]
    public void A_challenged_ballot_without_a_decryption_fails_12()
    {
        using TempRecord record = new();
        SyntheticRecords.AddChallengedBallot(record);
        record.Delete("challenged_ballots/dballot-id-99.json");

        VerificationReport report = record.Verify();

        ReportAssert.FailsExactly(report, "12.struct");
        Assert.Equal("id-99", Assert.Single(report.Failures).Subject.Ballot);
    }

    [Fact]
    public void A_decryption_of_a_cast_ballot_is_rejected()
    {
        using TempRecord record = new();
        SyntheticRecords.AddChallengedBallot(record);
        record.Edit("challenged_ballots/dballot-id-99.json", ballot => ballot["id"] = "id-11");

        VerificationReport report = record.Verify();

        ReportAssert.HasFailure(report, "12.struct", o => o.Ballot == "id-11");
        ReportAssert.HasFailure(report, "12.struct", o => o.Ballot == "id-99");
    }
}
