using System.Text.Json.Nodes;
using Entente.Verifier.Framework;

namespace Entente.Verifier.Tests.Attacks;

/// <summary>
/// Each mutation of a record's decrypted contest data (contest_data/, docs/record-format.md §4.11) fails step 12 and
/// only step 12, naming the ballot and the contest. Mutated files are resealed in record.json, as a forger would.
/// </summary>
[Collection(NativeRecordsGroup.Name)]
public sealed class NativeContestDataTamperingTests(NativeRecords records)
{
    private static string[] FailedSteps(VerificationReport report) => [.. report.Steps.Where(s => !s.Passed).Select(s => s.Number)];

    private VerificationReport Tamper(Action<NativeCopy> mutate)
    {
        using NativeCopy copy = new(records.ContestData);
        mutate(copy);
        copy.Reseal();
        return NativeRecords.Verify(copy.Directory);
    }

    private static string Flip(string hex, int position)
    {
        char[] digits = hex.ToCharArray();
        digits[position] = digits[position] == '0' ? '1' : '0';
        return new string(digits);
    }

    /// <summary>Step 12 failed, only it, and every failure names <paramref name="ballot"/> (and the contest when given).</summary>
    private static IReadOnlyList<VerificationFailure> AssertOnlyStep12(VerificationReport report, string ballot, string? contest, params string[] checks)
    {
        Assert.Equal(["12"], FailedSteps(report));
        IReadOnlyList<VerificationFailure> failures = report.Step("12")!.Failures;
        Assert.NotEmpty(failures);
        Assert.All(failures, f =>
        {
            Assert.Equal(ballot, f.Subject.Ballot);
            if (contest is not null)
            {
                Assert.Equal(contest, f.Subject.Contest);
            }
        });
        foreach (string check in checks)
        {
            Assert.Contains(failures, f => f.Check == check);
        }

        return failures;
    }

    [Fact]
    public void A_wrong_plaintext_byte_fails_12C()
    {
        string ballot = "";
        VerificationReport report = Tamper(copy =>
        {
            string file = copy.ContestData()[0];
            ballot = Path.GetFileNameWithoutExtension(file);
            copy.Edit(file, d =>
            {
                JsonNode contest = d["contests"]![0]!;
                contest["data"] = Flip(contest["data"]!.GetValue<string>(), 40);   // byte 20, in the zero padding
            });
        });

        IReadOnlyList<VerificationFailure> failures = AssertOnlyStep12(report, ballot, "Council", "12.C");
        Assert.All(failures, f => Assert.Equal("12.C", f.Check));
        Assert.Contains(failures, f => f.Detail.Contains("from byte 20", StringComparison.Ordinal));
    }

    [Fact]
    public void A_text_that_is_not_the_text_of_the_data_fails_12C()
    {
        string ballot = "";
        VerificationReport report = Tamper(copy =>
        {
            string file = copy.ContestData()[0];
            ballot = Path.GetFileNameWithoutExtension(file);
            copy.Edit(file, d => d["contests"]![0]!["text"] = "write-in Someone Else");
        });

        Assert.Single(AssertOnlyStep12(report, ballot, "Council", "12.C"));
    }

    [Fact]
    public void A_wrong_beta_fails_12B()
    {
        string ballot = "";
        VerificationReport report = Tamper(copy =>
        {
            string[] files = copy.ContestData();
            ballot = Path.GetFileNameWithoutExtension(files[0]);
            string otherBeta = copy.Read(files[1])["contests"]![0]!["beta"]!.GetValue<string>();   // a valid group element, the wrong one
            copy.Edit(files[0], d => d["contests"]![0]!["beta"] = otherBeta);
        });

        AssertOnlyStep12(report, ballot, "Council", "12.B", "12.C");
    }

    [Fact]
    public void A_wrong_response_fails_12B()
    {
        string ballot = "";
        VerificationReport report = Tamper(copy =>
        {
            string[] files = copy.ContestData();
            ballot = Path.GetFileNameWithoutExtension(files[0]);
            string otherV = copy.Read(files[1])["contests"]![0]!["proof"]!["v"]!.GetValue<string>();   // in Z_q, the wrong one
            copy.Edit(files[0], d => d["contests"]![0]!["proof"]!["v"] = otherV);
        });

        VerificationFailure failure = Assert.Single(AssertOnlyStep12(report, ballot, "Council", "12.B"));
        Assert.Contains("H_q(H_I; 0x33", failure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_decryption_published_for_a_challenged_ballot_fails_step_12()
    {
        string challenged = "";
        VerificationReport report = Tamper(copy =>
        {
            challenged = NativeCopy.IdOf(copy.Ballot("challenged", contest: 2));
            string source = copy.ContestData()[0];
            JsonNode node = copy.Read(source);
            node["id"] = challenged;
            File.WriteAllText(copy.PathOf($"contest_data/{challenged}.json"), node.ToJsonString());
        });

        VerificationFailure failure = Assert.Single(AssertOnlyStep12(report, challenged, null, "12.struct"));
        Assert.Contains("challenged ballot", failure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_decryption_published_for_a_ballot_that_does_not_exist_fails_step_12()
    {
        string missing = new('A', 64);
        VerificationReport report = Tamper(copy =>
        {
            JsonNode node = copy.Read(copy.ContestData()[0]);
            node["id"] = missing;
            File.WriteAllText(copy.PathOf($"contest_data/{missing}.json"), node.ToJsonString());
        });

        VerificationFailure failure = Assert.Single(AssertOnlyStep12(report, missing, null, "12.struct"));
        Assert.Contains("not in the record", failure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_decryption_moved_to_the_wrong_contest_fails_step_12_naming_that_contest()
    {
        string ballot = "";
        VerificationReport report = Tamper(copy =>
        {
            string file = copy.ContestData()[0];
            ballot = Path.GetFileNameWithoutExtension(file);
            copy.Edit(file, d =>
            {
                d["contests"]![0]!["index"] = 1;
                d["contests"]![0]!["label"] = "Mayor";
            });
        });

        VerificationFailure failure = Assert.Single(AssertOnlyStep12(report, ballot, "Mayor", "12.struct"));
        Assert.Contains("no contest data", failure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_decryption_moved_to_another_ballot_fails_12B()
    {
        string target = "";
        VerificationReport report = Tamper(copy =>
        {
            string[] files = copy.ContestData();
            string source = files[0];
            target = Path.GetFileNameWithoutExtension(files[1]);
            JsonNode node = copy.Read(source);
            node["id"] = target;
            File.Delete(copy.PathOf(source));
            File.WriteAllText(copy.PathOf(files[1]), node.ToJsonString());
        });

        AssertOnlyStep12(report, target, "Council", "12.B", "12.C");
    }

    [Fact]
    public void A_quorum_too_small_fails_step_12()
    {
        string ballot = "";
        VerificationReport report = Tamper(copy =>
        {
            string file = copy.ContestData()[0];
            ballot = Path.GetFileNameWithoutExtension(file);
            copy.Edit(file, d => d["guardians"] = new JsonArray(2));
        });

        VerificationFailure failure = Assert.Single(AssertOnlyStep12(report, ballot, null, "12.struct"));
        Assert.Contains("quorum", failure.Detail, StringComparison.Ordinal);
    }
}
