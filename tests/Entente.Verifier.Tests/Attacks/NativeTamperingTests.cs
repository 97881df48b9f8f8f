using System.Text.Json.Nodes;
using Entente.Verifier.Framework;
using Entente.Verifier.Native;

namespace Entente.Verifier.Tests.Attacks;

/// <summary>
/// Each mutation of a valid native record is caught at the step of 2.1 §6.2 that covers it, with the
/// object named. Mutated files are resealed in record.json (as a forger would) unless the test is about
/// record.json itself, so only the cryptographic check can catch them.
/// </summary>
[Collection(NativeRecordsGroup.Name)]
public sealed class NativeTamperingTests(NativeRecords records)
{
    private static string[] FailedSteps(VerificationReport report) => [.. report.Steps.Where(s => !s.Passed).Select(s => s.Number)];

    private VerificationReport Tamper(Action<NativeCopy> mutate, bool reseal = true, string? source = null)
    {
        using NativeCopy copy = new(source ?? records.Chained);
        mutate(copy);
        if (reseal)
        {
            copy.Reseal();
        }

        return NativeRecords.Verify(copy.Directory);
    }

    private static string Flip(string hex, int position = 0)
    {
        char[] digits = hex.ToCharArray();
        digits[position] = digits[position] == '0' ? '1' : '0';
        return new string(digits);
    }

    [Fact]
    public void A_byte_flipped_in_a_selection_proof_response_fails_step_6()
    {
        string ballotId = "";
        VerificationReport report = Tamper(copy =>
        {
            string ballot = copy.Ballot("cast");
            ballotId = NativeCopy.IdOf(ballot);
            copy.Edit(ballot, b =>
            {
                JsonNode pair = b["contests"]![0]!["selections"]![1]!["proof"]![0]!;
                pair["v"] = Flip(pair["v"]!.GetValue<string>(), 3);
            });
        });

        Assert.Equal(["6"], FailedSteps(report));
        VerificationFailure failure = Assert.Single(report.Step("6")!.Failures);
        Assert.Equal("6.D", failure.Check);
        Assert.Equal(ballotId, failure.Subject.Ballot);
        Assert.Equal("Mayor", failure.Subject.Contest);
        Assert.Equal("B", failure.Subject.Option);
    }

    [Fact]
    public void A_byte_flipped_in_a_contest_limit_challenge_fails_step_7()
    {
        VerificationReport report = Tamper(copy => copy.Edit(copy.Ballot("cast"), b =>
        {
            JsonNode pair = b["contests"]![0]!["limit_proof"]![0]!;
            pair["c"] = Flip(pair["c"]!.GetValue<string>(), 3);
        }));

        Assert.Equal(["7"], FailedSteps(report));
        Assert.Equal("7.D", Assert.Single(report.Step("7")!.Failures).Check);
    }

    [Fact]
    public void A_byte_flipped_in_a_selection_challenge_fails_step_6()
    {
        VerificationReport report = Tamper(copy => copy.Edit(copy.Ballot("challenged"), b =>
        {
            JsonNode pair = b["contests"]![0]!["selections"]![0]!["proof"]![1]!;
            pair["c"] = Flip(pair["c"]!.GetValue<string>(), 2);
        }));

        Assert.Equal(["6"], FailedSteps(report));
    }

    [Fact]
    public void A_flipped_ballot_nonce_proof_fails_step_6()
    {
        VerificationReport report = Tamper(copy => copy.Edit(copy.Ballot("cast"), b =>
            b["ballot_nonce"]!["v"] = Flip(b["ballot_nonce"]!["v"]!.GetValue<string>(), 3)));

        Assert.Equal(["6"], FailedSteps(report));
        Assert.Equal("6.nonce", Assert.Single(report.Step("6")!.Failures).Check);
    }

    [Fact]
    public void A_flipped_contest_data_proof_fails_step_6()
    {
        VerificationReport report = Tamper(copy => copy.Edit(copy.Ballot("cast", contest: 2), b =>
        {
            JsonNode data = b["contests"]![1]!["contest_data"]!;
            data["c"] = Flip(data["c"]!.GetValue<string>(), 3);
        }));

        Assert.Contains("6", FailedSteps(report));
        Assert.Contains(report.Step("6")!.Failures, f => f.Check == "6.data");
    }

    [Fact]
    public void Two_ballots_with_swapped_confirmation_codes_fail_step_8_for_both()
    {
        string[] ids = [];
        VerificationReport report = Tamper(copy =>
        {
            string[] ballots = copy.Ballots();
            ids = [NativeCopy.IdOf(ballots[0]), NativeCopy.IdOf(ballots[1])];
            string first = copy.Read(ballots[0])["confirmation_code"]!.GetValue<string>();
            string second = copy.Read(ballots[1])["confirmation_code"]!.GetValue<string>();
            copy.Edit(ballots[0], b => b["confirmation_code"] = second);
            copy.Edit(ballots[1], b => b["confirmation_code"] = first);
        });

        // A challenged ballot among the two also fails 13.B (its opening recomputes the original code).
        Assert.Equal("8", FailedSteps(report)[0]);
        Assert.All(FailedSteps(report), s => Assert.Contains(s, new[] { "8", "13" }));
        Assert.Contains(report.Step("8")!.Failures, f => f.Check == "8.B" && f.Subject.Ballot == ids[0]);
        Assert.Contains(report.Step("8")!.Failures, f => f.Check == "8.B" && f.Subject.Ballot == ids[1]);
    }

    [Fact]
    public void A_dropped_cast_ballot_fails_aggregation_and_the_device_chain()
    {
        string id = "";
        VerificationReport report = Tamper(copy =>
        {
            string ballot = copy.Ballot("cast");
            id = NativeCopy.IdOf(ballot);
            File.Delete(copy.PathOf(ballot));
            copy.Edit("record.json", r => r["ballots_cast"] = r["ballots_cast"]!.GetValue<int>() - 1);
        });

        Assert.Contains("9", FailedSteps(report));
        Assert.Contains("8", FailedSteps(report));
        Assert.Contains(report.Step("9")!.Failures, f => f.Check == "9.struct" && f.Subject.Ballot == id);
        Assert.Contains(report.Step("8")!.Failures, f => f.Check == "8.struct" && f.Subject.Ballot == id);
    }

    [Fact]
    public void A_duplicated_ballot_fails_step_5()
    {
        string id = "";
        VerificationReport report = Tamper(copy =>
        {
            string ballot = copy.Ballot("cast");
            id = NativeCopy.IdOf(ballot);
            File.Copy(copy.PathOf(ballot), copy.PathOf("ballots/" + new string('A', 64) + ".json"));
        });

        Assert.Contains("5", FailedSteps(report));
        Assert.Contains(report.Step("5")!.Failures, f => f.Check == "5.A" && f.Subject.Ballot == id);
    }

    [Fact]
    public void A_changed_tally_count_fails_step_10()
    {
        VerificationReport report = Tamper(copy => copy.Edit("tally/tally.json", t =>
        {
            JsonNode option = t["contests"]![1]!["options"]![2]!;
            option["value"] = option["value"]!.GetValue<long>() + 1;
        }));

        Assert.Equal(["10"], FailedSteps(report));
        VerificationFailure failure = Assert.Single(report.Step("10")!.Failures);
        Assert.Equal("10.B", failure.Check);
        Assert.Equal("Council", failure.Subject.Contest);
        Assert.Equal("F", failure.Subject.Option);
    }

    [Fact]
    public void A_changed_aggregate_fails_step_9()
    {
        VerificationReport report = Tamper(copy => copy.Edit("tally/encrypted_tally.json", t =>
        {
            JsonNode first = t["contests"]![0]!["options"]![0]!;
            JsonNode second = t["contests"]![0]!["options"]![1]!;
            (first["alpha"], second["alpha"]) = (second["alpha"]!.GetValue<string>(), first["alpha"]!.GetValue<string>());
        }));

        Assert.Contains("9", FailedSteps(report));
        Assert.Equal(2, report.Step("9")!.Failures.Count(f => f.Check == "9.A"));
    }

    [Fact]
    public void An_altered_manifest_fails_step_1()
    {
        VerificationReport report = Tamper(copy => copy.Edit("manifest.json", m => m["contests"]![0]!["label"] = "Governor"));

        Assert.Contains("1", FailedSteps(report));
        Assert.Contains(report.Step("1")!.Failures, f => f.Check == "1.F");
        Assert.Contains(report.Step("11")!.Failures, f => f.Check == "11.A");
    }

    [Fact]
    public void A_replaced_guardian_key_fails_steps_2_and_3()
    {
        VerificationReport report = Tamper(copy =>
        {
            string other = copy.Read("guardians/guardian-1.json")["vote_commitments"]![1]!.GetValue<string>();
            copy.Edit("guardians/guardian-2.json", g => g["vote_commitments"]![0] = other);
        });

        Assert.Contains("2", FailedSteps(report));
        Assert.Contains("3", FailedSteps(report));
        Assert.Contains(report.Step("2")!.Failures, f => f.Check == "2.C" && f.Subject.Guardian == "2");
        Assert.Contains(report.Step("3")!.Failures, f => f.Check == "3.A");
    }

    [Theory]
    [InlineData("n")]
    [InlineData("k")]
    public void A_changed_guardian_count_or_quorum_fails_step_1(string member)
    {
        VerificationReport report = Tamper(copy => copy.Edit("parameters.json", p => p[member] = p[member]!.GetValue<int>() + 1));

        Assert.Contains("1", FailedSteps(report));
        Assert.Contains(report.Step("1")!.Failures, f => f.Check == "1.E");
        Assert.Contains("2", FailedSteps(report));
    }

    [Fact]
    public void A_value_not_less_than_p_fails_step_6()
    {
        VerificationReport report = Tamper(copy => copy.Edit(copy.Ballot("cast"), b =>
            b["contests"]![0]!["selections"]![0]!["alpha"] = "FFFFFFFF"));

        Assert.Contains("6", FailedSteps(report));
        Assert.Contains(report.Step("6")!.Failures, f => f.Check == "6.A" && f.Detail.Contains("not less than p", StringComparison.Ordinal));
        Assert.Contains(report.Step("9")!.Failures, f => f.Check == "9.A" && f.Detail.Contains("cannot be recomputed", StringComparison.Ordinal));
    }

    [Fact]
    public void An_element_outside_the_subgroup_fails_step_6()
    {
        // p − 1 has order 2: (p − 1)^q = −1 for odd q.
        VerificationReport report = Tamper(copy => copy.Edit(copy.Ballot("challenged"), b =>
            b["contests"]![0]!["selections"]![2]!["beta"] = "FB2F475E"));

        Assert.Contains("6", FailedSteps(report));
        Assert.Contains(report.Step("6")!.Failures, f => f.Check == "6.A" && f.Subject.Option == "C" && f.Detail.Contains("subgroup", StringComparison.Ordinal));
    }

    [Fact]
    public void A_changed_challenged_selection_fails_steps_13_and_14()
    {
        VerificationReport report = Tamper(copy =>
        {
            string opening = System.IO.Directory.EnumerateFiles(copy.PathOf("challenged")).Select(f => "challenged/" + Path.GetFileName(f)).Order(StringComparer.Ordinal).First();
            copy.Edit(opening, o => o["contests"]![0]!["selections"]![0]!["value"] = 4);
        });

        Assert.Contains(report.Step("13")!.Failures, f => f.Check == "13.2" && f.Subject.Option == "A");
        Assert.Contains(report.Step("14")!.Failures, f => f.Check == "14.E");
    }

    [Fact]
    public void A_missing_opening_of_a_challenged_ballot_fails_step_13()
    {
        VerificationReport report = Tamper(copy =>
        {
            string opening = System.IO.Directory.EnumerateFiles(copy.PathOf("challenged")).Order(StringComparer.Ordinal).First();
            File.Delete(opening);
        });

        Assert.Equal(["13"], FailedSteps(report));
    }

    [Fact]
    public void A_broken_chain_link_fails_step_8()
    {
        VerificationReport report = Tamper(copy => copy.Edit("devices/device-1.json", d =>
        {
            JsonArray ballots = d["ballots"]!.AsArray();
            JsonNode first = ballots[0]!.DeepClone();
            ballots[0] = ballots[1]!.DeepClone();
            ballots[1] = first;
        }));

        Assert.Equal(["8"], FailedSteps(report));
        Assert.Contains(report.Step("8")!.Failures, f => f.Check is "8.E" or "8.F");
    }

    [Fact]
    public void An_edited_file_not_resealed_fails_the_file_list_check()
    {
        VerificationReport report = Tamper(copy => copy.Edit("tally/tally.json", t => t["contests"]![0]!["options"]![0]!["value"] = 99), reseal: false);

        Assert.Contains(report.Step("1")!.Failures, f => f.Check == "1.files" && f.Subject.File == "tally/tally.json");
    }

    [Fact]
    public void A_truncated_file_is_an_input_error_naming_the_file()
    {
        using NativeCopy copy = new(records.Chained);
        string ballot = copy.Ballot("cast");
        byte[] bytes = File.ReadAllBytes(copy.PathOf(ballot));
        File.WriteAllBytes(copy.PathOf(ballot), bytes[..(bytes.Length / 2)]);

        RecordInputException e = Assert.Throws<RecordInputException>(() => NativeRecords.Verify(copy.Directory));

        Assert.Equal(ballot, e.File);
        Assert.Contains("not valid JSON", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_non_canonical_file_is_an_input_error()
    {
        using NativeCopy copy = new(records.Chained);
        File.WriteAllText(copy.PathOf("election.json"), File.ReadAllText(copy.PathOf("election.json")) + "\n");

        RecordInputException e = Assert.Throws<RecordInputException>(() => NativeRecords.Verify(copy.Directory));

        Assert.Equal("election.json", e.File);
        Assert.Contains("canonical", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_misplaced_member_is_an_input_error_naming_its_path()
    {
        using NativeCopy copy = new(records.Chained);
        copy.Edit("tally/tally.json", t =>
        {
            JsonObject option = t["contests"]![0]!["options"]![0]!.AsObject();
            JsonNode label = option["label"]!.DeepClone();
            option.Remove("label");
            option["label"] = label;
        });

        RecordInputException e = Assert.Throws<RecordInputException>(() => NativeRecords.Verify(copy.Directory));

        Assert.Equal("tally/tally.json", e.File);
        Assert.Contains("contests[0].options[0]", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Changed_contest_data_in_an_opening_fails_13_A()
    {
        string id = "";
        VerificationReport report = Tamper(copy =>
        {
            string opening = System.IO.Directory.EnumerateFiles(copy.PathOf("challenged"))
                .Select(f => "challenged/" + Path.GetFileName(f))
                .Order(StringComparer.Ordinal)
                .First(f => copy.Read(f)["contests"]!.AsArray().Any(c => c!["contest_data"] is not null));
            id = Path.GetFileNameWithoutExtension(opening);
            copy.Edit(opening, o =>
            {
                JsonNode data = o["contests"]!.AsArray().First(c => c!["contest_data"] is not null)!["contest_data"]!;
                data["data"] = Flip(data["data"]!.GetValue<string>(), 5);
            });
        });

        Assert.Equal(["13"], FailedSteps(report));
        VerificationFailure failure = Assert.Single(report.Step("13")!.Failures);
        Assert.Equal("13.A", failure.Check);
        Assert.Equal(id, failure.Subject.Ballot);
        Assert.Equal("Council", failure.Subject.Contest);
    }

    [Fact]
    public void A_missing_guardian_file_fails_steps_2_and_3()
    {
        VerificationReport report = Tamper(copy => File.Delete(copy.PathOf("guardians/guardian-3.json")));

        Assert.Contains(report.Step("2")!.Failures, f => f.Check == "2.struct" && f.Detail.Contains("n = 3", StringComparison.Ordinal));
        Assert.Contains(report.Step("3")!.Failures, f => f.Check == "3.A");
    }

    [Fact]
    public void A_ballot_of_another_election_fails_5_B()
    {
        VerificationReport report = Tamper(copy => copy.Edit(copy.Ballot("cast"), b => b["h_i"] = new string('7', 64)));

        Assert.Contains(report.Step("5")!.Failures, f => f.Check == "5.B");
    }

    [Fact]
    public void An_unknown_record_format_is_an_input_error()
    {
        using NativeCopy copy = new(records.Plain);
        copy.Edit("record.json", r => r["format"] = "entente-eg-record/9");

        RecordInputException e = Assert.Throws<RecordInputException>(() => NativeRecords.Verify(copy.Directory));

        Assert.Equal("record.json", e.File);
        Assert.Contains("entente-eg-record/9", e.Reason, StringComparison.Ordinal);
    }
}
