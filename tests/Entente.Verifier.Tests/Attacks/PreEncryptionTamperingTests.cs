using System.Text.Json.Nodes;
using Entente.Verifier.Framework;

namespace Entente.Verifier.Tests.Attacks;

/// <summary>
/// Tampered pre-encrypted ballots (steps 15–19, docs/record-format.md §4.7.1 and §4.13) are caught at the step that
/// covers them, naming the ballot, the contest and the short code. Files are resealed in record.json as a forger would.
/// </summary>
[Collection(NativeRecordsGroup.Name)]
public sealed class PreEncryptionTamperingTests(NativeRecords records)
{
    private static string[] FailedSteps(VerificationReport report) => [.. report.Steps.Where(s => !s.Passed).Select(s => s.Number)];

    private VerificationReport Tamper(Action<NativeCopy> mutate)
    {
        using NativeCopy copy = new(records.PreEncrypted);
        mutate(copy);
        copy.Reseal();
        return NativeRecords.Verify(copy.Directory);
    }

    private static string PreEncryptedBallot(NativeCopy copy) => copy.Ballots().First(b => copy.Read(b)["pre_encryption"] is not null && copy.Read(b)["contests"]!.AsArray().Count == 2);

    private static string Uncast(NativeCopy copy) => "uncast/" + Path.GetFileName(Directory.EnumerateFiles(copy.PathOf("uncast")).Order(StringComparer.Ordinal).First());

    private static string Flip(string hex, int position = 0)
    {
        char[] digits = hex.ToCharArray();
        digits[position] = digits[position] == '0' ? '1' : '0';
        return new string(digits);
    }

    [Fact]
    public void The_untampered_record_passes_every_step_and_steps_15_to_19_all_have_objects()
    {
        VerificationReport report = NativeRecords.Verify(records.PreEncrypted);
        Assert.True(report.Passed, string.Join("\n", report.Steps.SelectMany(s => s.Failures).Select(f => $"{f.Check} {f.Subject.Ballot} {f.Subject.Contest} {f.Subject.Option}: {f.Detail}")));
        foreach (string step in new[] { "15", "16", "17", "18", "19" })
        {
            Assert.True(report.Step(step)!.Checked > 0, $"step {step} checked nothing");
        }
    }

    [Fact]
    public void A_wrong_short_code_on_a_cast_ballot_fails_17A_naming_ballot_contest_and_code()
    {
        string id = "";
        VerificationReport report = Tamper(copy =>
        {
            string ballot = PreEncryptedBallot(copy);
            id = NativeCopy.IdOf(ballot);
            copy.Edit(ballot, b => b["pre_encryption"]!["contests"]![0]!["selected"]![0]!["short_code"] = "ZZZZ");
        });

        Assert.Equal(["17"], FailedSteps(report));
        VerificationFailure failure = Assert.Single(report.Step("17")!.Failures);
        Assert.Equal("17.A", failure.Check);
        Assert.Equal(id, failure.Subject.Ballot);
        Assert.Equal("Mayor", failure.Subject.Contest);
        Assert.Equal("short code ZZZZ", failure.Subject.Option);
    }

    [Fact]
    public void Swapped_selected_vectors_on_a_cast_ballot_fail_17A_for_both_short_codes()
    {
        VerificationReport report = Tamper(copy => copy.Edit(PreEncryptedBallot(copy), b =>
        {
            JsonArray selected = b["pre_encryption"]!["contests"]![1]!["selected"]!.AsArray();
            JsonNode first = selected[0]!["vector"]!.DeepClone();
            selected[0]!["vector"] = selected[1]!["vector"]!.DeepClone();
            selected[1]!["vector"] = first;
        }));

        // The product is unchanged (15 passes); only the binding of short codes to vectors breaks.
        Assert.Equal(["17"], FailedSteps(report));
        Assert.Equal(2, report.Step("17")!.Failures.Count(f => f.Check == "17.A" && f.Subject.Contest == "Council"));
    }

    [Fact]
    public void Swapped_encryptions_inside_a_selected_vector_fail_15A_and_16A()
    {
        VerificationReport report = Tamper(copy => copy.Edit(PreEncryptedBallot(copy), b =>
        {
            JsonArray vector = b["pre_encryption"]!["contests"]![0]!["selected"]![0]!["vector"]!.AsArray();
            JsonNode first = vector[0]!.DeepClone();
            vector[0] = vector[1]!.DeepClone();
            vector[1] = first;
        }));

        Assert.Contains("15", FailedSteps(report));
        Assert.Contains(report.Step("16")!.Failures, f => f.Check == "16.A" && f.Subject.Contest == "Mayor" && f.Subject.Option!.StartsWith("short code ", StringComparison.Ordinal));
        Assert.Contains(report.Step("15")!.Failures, f => f.Check == "15.A" && f.Subject.Contest == "Mayor");
    }

    [Fact]
    public void A_confirmation_code_that_does_not_match_the_vectors_fails_16B_or_16C()
    {
        VerificationReport hashes = Tamper(copy => copy.Edit(PreEncryptedBallot(copy), b =>
        {
            JsonArray list = b["pre_encryption"]!["contests"]![1]!["selection_hashes"]!.AsArray();
            list[^1] = "FF" + new string('F', 62); // still sorted, but not the vectors' hash
        }));
        Assert.Contains(hashes.Step("16")!.Failures, f => f.Check == "16.B" && f.Subject.Contest == "Council");

        VerificationReport code = Tamper(copy => copy.Edit(PreEncryptedBallot(copy), b => b["confirmation_code"] = Flip(b["confirmation_code"]!.GetValue<string>())));
        Assert.Equal(["16"], FailedSteps(code));
        Assert.Equal("16.C", Assert.Single(code.Step("16")!.Failures).Check);
    }

    [Fact]
    public void Swapped_short_codes_on_an_uncast_ballot_pass_18A_but_fail_17A_naming_the_option()
    {
        string swappedCode = "";
        VerificationReport report = Tamper(copy => copy.Edit(Uncast(copy), u =>
        {
            JsonArray selections = u["contests"]![0]!["selections"]!.AsArray();
            string a = selections[0]!["short_code"]!.GetValue<string>();
            swappedCode = selections[1]!["short_code"]!.GetValue<string>();
            selections[0]!["short_code"] = swappedCode;
            selections[1]!["short_code"] = a;
        }));

        // χ sorts the hashes, so 18.4 and 18.A still hold: only the binding of 17.A catches the swap (E17).
        Assert.Equal(["17"], FailedSteps(report));
        Assert.Contains(report.Step("17")!.Failures, f => f.Check == "17.A" && f.Subject.Contest == "Mayor" && f.Subject.Option == $"A (short code {swappedCode})");
    }

    [Fact]
    public void An_uncast_ballot_whose_opening_does_not_match_fails_18()
    {
        VerificationReport nonce = Tamper(copy => copy.Edit(Uncast(copy), u =>
        {
            JsonNode selection = u["contests"]![0]!["selections"]![2]!;
            selection["nonces"]![0] = selection["nonces"]![1]!.DeepClone();
        }));
        Assert.Contains(nonce.Step("18")!.Failures, f => f.Check == "18.3" && f.Subject.Contest == "Mayor" && f.Subject.Option!.Contains("short code", StringComparison.Ordinal));

        VerificationReport nullVector = Tamper(copy => copy.Edit(Uncast(copy), u =>
        {
            JsonArray selections = u["contests"]![0]!["selections"]!.AsArray();
            JsonNode last = selections[^1]!;
            last["nonces"]![0] = selections[0]!["nonces"]![0]!.DeepClone(); // the null vector is rebuilt too (E16)
        }));
        Assert.Contains(nullVector.Step("18")!.Failures, f => f.Check == "18.3" && f.Subject.Option!.StartsWith("null vector 1", StringComparison.Ordinal));

        VerificationReport code = Tamper(copy => copy.Edit(Uncast(copy), u => u["confirmation_code"] = Flip(u["confirmation_code"]!.GetValue<string>())));
        Assert.Equal(["18"], FailedSteps(code));
        Assert.Equal("18.A", Assert.Single(code.Step("18")!.Failures).Check);
    }

    [Fact]
    public void An_uncast_ballot_with_a_relabelled_option_fails_19()
    {
        VerificationReport report = Tamper(copy => copy.Edit(Uncast(copy), u => u["contests"]![0]!["selections"]![1]!["label"] = "Z"));
        Assert.Contains(report.Step("19")!.Failures, f => f.Check == "19.C" && f.Subject.Contest == "Mayor");
        Assert.Contains(report.Step("19")!.Failures, f => f.Check == "19.D" && f.Subject.Option == "B");
    }

    [Fact]
    public void An_uncast_ballot_that_is_also_cast_fails_5A()
    {
        VerificationReport report = Tamper(copy =>
        {
            string ballot = PreEncryptedBallot(copy);
            string uncast = Uncast(copy);
            File.Move(copy.PathOf(uncast), copy.PathOf("uncast/" + Path.GetFileName(ballot)));
            copy.Edit("uncast/" + Path.GetFileName(ballot), u => u["id"] = NativeCopy.IdOf(ballot));
        });

        Assert.Contains(report.Step("5")!.Failures, f => f.Check == "5.A");
    }
}
