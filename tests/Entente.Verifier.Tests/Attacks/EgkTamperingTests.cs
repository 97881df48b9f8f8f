using System.Numerics;
using System.Text;
using System.Text.Json.Nodes;
using Entente.Verifier.Framework;
using Entente.Verifier.Tests.Contract;

namespace Entente.Verifier.Tests.Attacks;

/// <summary>
/// Each test tampers with a copy of the egk sample and asserts the check that catches it, the object
/// it names, that nothing else fails, and that verification went on through every step.
/// </summary>
[Collection(EgkSampleGroup.Name)]
[Trait("Category", "Slow")]
public sealed class EgkTamperingTests
{
    private static string FlipNibble(string hex, int index)
    {
        char[] chars = hex.ToCharArray();
        chars[index] = "0123456789ABCDEF"[Convert.ToInt32(chars[index].ToString(), 16) ^ 0x1];
        return new string(chars);
    }

    private static JsonNode Selection(JsonNode ballot, int contest, int option) => ballot["contests"]![contest]!["selections"]![option]!;

    [Fact]
    public void A_byte_flipped_in_a_selection_proof_response_fails_5D_for_that_option_only()
    {
        using TempRecord record = new();
        record.Edit(EgkSample.Ballot("id-3"), ballot =>
        {
            JsonNode proof = Selection(ballot, 2, 1)["proof"]!["proofs"]![0]!;
            proof["response"] = FlipNibble(proof["response"]!.GetValue<string>(), 30);
        });

        VerificationReport report = record.Verify();

        ReportAssert.FailsExactly(report, "5.D");
        VerificationFailure failure = Assert.Single(report.Failures);
        Assert.Equal(RecordObject.ForBallot("id-3", "contest3", "selection12"), failure.Subject);
        ReportAssert.AllStepsRan(report);
    }

    [Fact]
    public void A_byte_flipped_in_a_contest_limit_challenge_fails_6D()
    {
        using TempRecord record = new();
        record.Edit(EgkSample.Ballot("id-5"), ballot =>
        {
            JsonNode proof = ballot["contests"]![7]!["proof"]!["proofs"]![1]!;
            proof["challenge"] = FlipNibble(proof["challenge"]!.GetValue<string>(), 12);
        });

        VerificationReport report = record.Verify();

        ReportAssert.FailsExactly(report, "6.D");
        Assert.Equal(RecordObject.ForBallot("id-5", "contest8"), Assert.Single(report.Failures).Subject);
        ReportAssert.AllStepsRan(report);
    }

    [Fact]
    public void Two_ballots_with_swapped_confirmation_codes_both_fail_7B()
    {
        using TempRecord record = new();
        JsonNode first = record.Read(EgkSample.Ballot("id-2"));
        JsonNode second = record.Read(EgkSample.Ballot("id-9"));
        (first["confirmation_code"], second["confirmation_code"]) =
            (JsonValue.Create(second["confirmation_code"]!.GetValue<string>()), JsonValue.Create(first["confirmation_code"]!.GetValue<string>()));
        record.Write(EgkSample.Ballot("id-2"), first);
        record.Write(EgkSample.Ballot("id-9"), second);

        VerificationReport report = record.Verify();

        ReportAssert.FailsExactly(report, "7.B");
        Assert.Equal(["id-2", "id-9"], report.Failures.Select(f => f.Subject.Ballot!).Order(StringComparer.Ordinal));
        ReportAssert.AllStepsRan(report);
    }

    [Fact]
    public void A_dropped_ballot_fails_aggregation_and_names_the_missing_ballot()
    {
        using TempRecord record = new();
        record.Delete(EgkSample.Ballot("id-6"));

        VerificationReport report = record.Verify();

        ReportAssert.FailsExactly(report, "8.A", "8.B", "8.struct");
        Assert.Equal(RecordObject.ForBallot("id-6"), report.Failures.Single(f => f.Check == "8.struct").Subject);
        Assert.True(report.Step("5")!.Passed);
        Assert.True(report.Step("9")!.Passed);
        ReportAssert.AllStepsRan(report);
    }

    [Fact]
    public void A_duplicated_ballot_fails_7C_and_aggregation()
    {
        using TempRecord record = new();
        File.Copy(record.PathOf(EgkSample.Ballot("id-4")), record.PathOf(EgkSample.Ballot("id-4-again")));

        VerificationReport report = record.Verify();

        ReportAssert.FailsExactly(report, "7.C", "8.A", "8.B", "8.struct");
        Assert.Contains("id-4", report.Failures.Single(f => f.Check == "7.C").Detail, StringComparison.Ordinal);
        Assert.Equal(RecordObject.ForBallot("id-4"), report.Failures.Single(f => f.Check == "8.struct").Subject);
        ReportAssert.AllStepsRan(report);
    }

    [Fact]
    public void A_changed_tally_count_fails_10A_for_that_option_only()
    {
        using TempRecord record = new();
        record.Edit("tally.json", tally =>
        {
            JsonNode selection = tally["contests"]![4]!["selections"]![2]!;
            selection["tally"] = selection["tally"]!.GetValue<int>() + 1;
        });

        VerificationReport report = record.Verify();

        ReportAssert.FailsExactly(report, "10.A");
        Assert.Equal(RecordObject.ForBallot("tally", "contest5", "selection23"), Assert.Single(report.Failures).Subject);
        ReportAssert.AllStepsRan(report);
    }

    [Fact]
    public void A_byte_flipped_in_a_tally_decryption_proof_fails_9B()
    {
        using TempRecord record = new();
        record.Edit("tally.json", tally =>
        {
            JsonNode proof = tally["contests"]![0]!["selections"]![0]!["proof"]!;
            proof["response"] = FlipNibble(proof["response"]!.GetValue<string>(), 40);
        });

        VerificationReport report = record.Verify();

        ReportAssert.FailsExactly(report, "9.B");
        Assert.Equal(RecordObject.ForBallot("tally", "contest1", "selection1"), Assert.Single(report.Failures).Subject);
    }

    [Fact]
    public void An_altered_manifest_fails_1G_only()
    {
        using TempRecord record = new();
        string manifest = Encoding.UTF8.GetString(record.Bytes("manifest.json"));
        record.WriteBytes("manifest.json", Encoding.UTF8.GetBytes(manifest.Replace("\"phone\": \"911\"", "\"phone\": \"912\"", StringComparison.Ordinal)));

        VerificationReport report = record.Verify();

        ReportAssert.FailsExactly(report, "1.G");
        Assert.Equal(RecordObject.ForFile("manifest.json"), Assert.Single(report.Failures).Subject);
        ReportAssert.AllStepsRan(report);
    }

    [Fact]
    public void A_replaced_guardian_commitment_fails_2C_for_that_guardian()
    {
        using TempRecord record = new();
        record.Edit("election_initialized.json", init =>
        {
            string other = init["guardians"]![0]!["coefficient_proofs"]![2]!["public_key"]!.GetValue<string>();
            init["guardians"]![1]!["coefficient_proofs"]![2]!["public_key"] = other;
        });

        VerificationReport report = record.Verify();

        ReportAssert.FailsExactly(report, "2.C");
        Assert.Equal("guardian2", Assert.Single(report.Failures).Subject.Guardian);
        ReportAssert.AllStepsRan(report);
    }

    [Fact]
    public void A_replaced_guardian_public_key_fails_2C_and_the_joint_key_3B()
    {
        using TempRecord record = new();
        record.Edit("election_initialized.json", init =>
        {
            string other = init["guardians"]![3]!["coefficient_proofs"]![1]!["public_key"]!.GetValue<string>();
            init["guardians"]![3]!["coefficient_proofs"]![0]!["public_key"] = other;
        });

        VerificationReport report = record.Verify();

        ReportAssert.FailsExactly(report, "2.C", "3.B");
        Assert.Equal("guardian4", report.Failures.Single(f => f.Check == "2.C").Subject.Guardian);
        ReportAssert.AllStepsRan(report);
    }

    [Theory]
    [InlineData("number_of_guardians", 6)]
    [InlineData("quorum", 2)]
    public void Changing_n_or_k_fails_the_base_hash_1H_and_the_guardian_count(string field, int value)
    {
        using TempRecord record = new();
        record.Edit("election_config.json", config => config[field] = value);

        VerificationReport report = record.Verify();

        ReportAssert.FailsExactly(report, "1.H", "2.struct");
        ReportAssert.AllStepsRan(report);
    }

    [Fact]
    public void A_ciphertext_value_equal_to_p_fails_5A_and_the_checks_that_use_it()
    {
        using TempRecord record = new();
        record.Edit(EgkSample.Ballot("id-7"), ballot => Selection(ballot, 0, 3)["encrypted_vote"]!["pad"] = EgkSample.ToHex(EgkSample.P, 512));

        VerificationReport report = record.Verify();

        VerificationFailure failure = ReportAssert.HasFailure(report, "5.A", o => o == RecordObject.ForBallot("id-7", "contest1", "selection4"));
        Assert.Contains("α", failure.Detail, StringComparison.Ordinal);
        ReportAssert.FailsExactly(report, "5.A", "6.A", "7.A", "8.A", "8.B");
        ReportAssert.AllStepsRan(report);
    }

    [Fact]
    public void An_element_outside_the_order_q_subgroup_fails_5A()
    {
        using TempRecord record = new();
        // p − 1 has order 2: it is below p but not in Z_p^r.
        record.Edit(EgkSample.Ballot("id-8"), ballot => Selection(ballot, 19, 0)["encrypted_vote"]!["data"] = EgkSample.ToHex(EgkSample.P - 1, 512));

        VerificationReport report = record.Verify();

        VerificationFailure failure = ReportAssert.HasFailure(report, "5.A", o => o == RecordObject.ForBallot("id-8", "contest20", "selection96"));
        Assert.Contains("β", failure.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(report.Failures, f => f.Check.StartsWith('9') || f.Check.StartsWith("10", StringComparison.Ordinal));
    }

    [Fact]
    public void A_joint_key_outside_the_group_fails_3B_and_every_step_that_needs_it()
    {
        using TempRecord record = new();
        record.Edit("election_initialized.json", init => init["joint_public_key"] = EgkSample.ToHex(EgkSample.P + 1, 512));

        VerificationReport report = record.Verify();

        ReportAssert.HasFailure(report, "3.B", o => o.File == "election_initialized.json");
        ReportAssert.HasFailure(report, "4.A", o => o.File == "election_initialized.json");
        foreach (string step in new[] { "5", "6", "7", "8", "9", "10", "11", "12", "13", "14" })
        {
            Assert.False(report.Step(step)!.Passed, $"step {step} passed without a valid K");
        }
    }

    [Fact]
    public void A_ballot_for_another_election_fails_5_struct()
    {
        using TempRecord record = new();
        record.Edit(EgkSample.Ballot("id-10"), ballot => ballot["election_id"] = new string('0', 64));

        VerificationReport report = record.Verify();

        ReportAssert.FailsExactly(report, "5.struct");
        Assert.Equal("id-10", Assert.Single(report.Failures).Subject.Ballot);
    }

    [Fact]
    public void A_tally_that_drops_a_manifest_option_fails_8A_and_10D()
    {
        using TempRecord record = new();
        record.Edit("encrypted_tally.json", tally => tally["contests"]![3]!["selections"]!.AsArray().RemoveAt(4));
        record.Edit("tally.json", tally => tally["contests"]![3]!["selections"]!.AsArray().RemoveAt(4));

        VerificationReport report = record.Verify();

        ReportAssert.FailsExactly(report, "8.A", "10.D");
        Assert.All(report.Failures, f => Assert.Equal(RecordObject.ForBallot("tally", "contest4", "selection20"), f.Subject));
    }

    [Fact]
    public void A_changed_extended_base_hash_fails_4A_and_then_every_ballot()
    {
        using TempRecord record = new();
        record.Edit("election_initialized.json", init => init["extended_base_hash"] = new string('A', 64));

        VerificationReport report = record.Verify();

        ReportAssert.HasFailure(report, "4.A", o => o.File == "election_initialized.json");
        Assert.Equal(11, report.Failures.Count(f => f.Check == "5.struct"));
    }

    /// <summary>The helper flips a nibble inside the value (guards the tests above).</summary>
    [Fact]
    public void Flipping_a_nibble_changes_the_value_and_keeps_it_below_q()
    {
        string hex = "7F3DB6B30AFA8F12505A00000000000000000000000000000000000000000001";
        string flipped = FlipNibble(hex, 30);
        Assert.NotEqual(hex, flipped);
        Assert.True(EgkSample.FromHex(flipped) < EgkSample.Q);
        Assert.True(BigInteger.Abs(EgkSample.FromHex(flipped) - EgkSample.FromHex(hex)) > 0);
    }
}
