using System.Text.Json.Nodes;
using Entente.Verifier.Framework;

namespace Entente.Verifier.Tests.Attacks;

/// <summary>
/// The set U of guardians that decrypted (tally/tally.json's <c>guardians</c>) must be the set whose partial decryptions
/// the record publishes (tally/partial_decryptions.json, docs/record-format.md §4.12), and the contest data's U the
/// tally's. The record is n = 5, k = 3, decrypted by guardians 1, 2 and 3; every mutation reseals record.json, as a
/// forger would, so only the checks of U can catch it.
/// </summary>
[Collection(NativeRecordsGroup.Name)]
public sealed class NativeDecryptingGuardiansTests(NativeRecords records)
{
    private const string PartialDecryptions = "tally/partial_decryptions.json";

    private static string[] FailedSteps(VerificationReport report) => [.. report.Steps.Where(s => !s.Passed).Select(s => s.Number)];

    private VerificationReport Tamper(Action<NativeCopy> mutate)
    {
        using NativeCopy copy = new(records.Quorum);
        mutate(copy);
        copy.Reseal();
        return NativeRecords.Verify(copy.Directory);
    }

    private static void SetU(NativeCopy copy, string file, params int[] u) => copy.Edit(file, t => t["guardians"] = new JsonArray([.. u.Select(i => (JsonNode)i)]));

    private static IEnumerable<VerificationFailure> Failures(VerificationReport report, string step, string check) => report.Step(step)!.Failures.Where(f => f.Check == check);

    [Fact]
    public void The_record_decrypted_by_guardians_1_2_and_3_passes_every_step_with_their_partial_decryptions()
    {
        VerificationReport report = NativeRecords.Verify(records.Quorum);

        Assert.True(report.Passed, string.Join("; ", report.Steps.SelectMany(s => s.Failures)));
        Assert.True(File.Exists(Path.Combine(records.Quorum, PartialDecryptions)));
    }

    [Theory]
    [InlineData(new[] { 1, 2, 4 }, new[] { 3, 4 })]
    [InlineData(new[] { 2, 3, 4 }, new[] { 1, 4 })]
    [InlineData(new[] { 1, 2, 3, 4 }, new[] { 4 })]
    [InlineData(new[] { 1, 2, 3, 4, 5 }, new[] { 4, 5 })]
    public void A_tally_that_misstates_who_decrypted_fails_step_10_naming_each_guardian_in_question(int[] claimed, int[] named)
    {
        VerificationReport report = Tamper(copy => SetU(copy, "tally/tally.json", claimed));

        // Step 12 fails too: the contest data still says guardians 1, 2 and 3 decrypted it.
        Assert.Equal(["10", "12"], FailedSteps(report));
        VerificationFailure[] step10 = [.. report.Step("10")!.Failures];
        Assert.All(step10, f => Assert.Equal("10.U", f.Check));
        Assert.Equal(named.Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), step10.Select(f => f.Subject.Guardian!).Order(StringComparer.Ordinal));
        Assert.All(step10, f => Assert.Equal(PartialDecryptions, f.Subject.File));
        Assert.Single(Failures(report, "12", "12.U"));
    }

    [Fact]
    public void A_tally_naming_a_guardian_that_does_not_exist_fails_step_10_naming_it()
    {
        VerificationReport report = Tamper(copy => SetU(copy, "tally/tally.json", 1, 2, 9));

        Assert.Contains("10", FailedSteps(report));
        Assert.Contains(Failures(report, "10", "10.struct"), f => f.Subject.Guardian == "9" && f.Detail.Contains("does not exist (n = 5)", StringComparison.Ordinal));
        Assert.Contains(Failures(report, "10", "10.U"), f => f.Subject.Guardian == "9");
        Assert.Contains(Failures(report, "10", "10.U"), f => f.Subject.Guardian == "3");
    }

    [Fact]
    public void A_tally_naming_a_guardian_twice_fails_step_10_naming_it()
    {
        VerificationReport report = Tamper(copy => SetU(copy, "tally/tally.json", 1, 2, 2, 3));

        Assert.Contains("10", FailedSteps(report));
        Assert.Contains(Failures(report, "10", "10.struct"), f => f.Subject.Guardian == "2" && f.Detail.Contains("more than once", StringComparison.Ordinal));
    }

    [Fact]
    public void A_forger_who_also_relabels_guardian_3s_parts_as_guardian_4s_fails_the_equations_of_step_10_naming_guardian_4()
    {
        VerificationReport report = Tamper(copy =>
        {
            SetU(copy, "tally/tally.json", 1, 2, 4);
            SetU(copy, copy.ContestData()[0], 1, 2, 4);
            copy.Edit(PartialDecryptions, p =>
            {
                foreach (JsonNode? share in p["contests"]!.AsArray().SelectMany(c => c!["options"]!.AsArray()).SelectMany(o => o!["shares"]!.AsArray()))
                {
                    if (share!["i"]!.GetValue<int>() == 3)
                    {
                        share["i"] = 4;
                    }
                }
            });
        });

        Assert.Equal(["10"], FailedSteps(report));
        Assert.Empty(Failures(report, "10", "10.U"));
        VerificationFailure[] shares = [.. Failures(report, "10", "10.shares")];
        Assert.Contains(shares, f => f.Subject.Guardian == "4" && f.Detail.Contains("(eq 88)", StringComparison.Ordinal));
        Assert.Contains(shares, f => f.Subject.Guardian == "4" && f.Detail.Contains("(eq 94)", StringComparison.Ordinal));
        Assert.Contains(shares, f => f.Subject.Guardian is null && f.Subject.Option is not null && f.Detail.Contains("(eq 86)", StringComparison.Ordinal));
    }

    [Fact]
    public void A_record_without_its_partial_decryptions_fails_step_10_since_nothing_binds_U()
    {
        VerificationReport report = Tamper(copy =>
        {
            File.Delete(copy.PathOf(PartialDecryptions));
            SetU(copy, "tally/tally.json", 1, 2, 4);
            SetU(copy, copy.ContestData()[0], 1, 2, 4);
        });

        Assert.Equal(["10"], FailedSteps(report));
        VerificationFailure failure = Assert.Single(report.Step("10")!.Failures);
        Assert.Equal("10.struct", failure.Check);
        Assert.Equal(PartialDecryptions, failure.Subject.File);
        Assert.Contains("nothing binds U = [1, 2, 4]", failure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_guardians_partial_decryption_moved_to_another_option_fails_step_10_naming_the_guardian_and_the_options()
    {
        VerificationReport report = Tamper(copy => copy.Edit(PartialDecryptions, p =>
        {
            JsonArray options = p["contests"]![0]!["options"]!.AsArray();
            JsonNode first = options[0]!["shares"]![1]!;
            JsonNode second = options[1]!["shares"]![1]!;
            (first["m"], second["m"]) = (second["m"]!.DeepClone(), first["m"]!.DeepClone());
        }));

        Assert.Equal(["10"], FailedSteps(report));
        VerificationFailure[] failures = [.. report.Step("10")!.Failures];
        Assert.All(failures, f => Assert.Equal("10.shares", f.Check));
        Assert.All(failures.Where(f => f.Subject.Guardian is not null), f => Assert.Equal("2", f.Subject.Guardian));
        Assert.Equal(["A", "B"], failures.Select(f => f.Subject.Option!).Distinct().Order(StringComparer.Ordinal));
        Assert.Contains(failures, f => f.Subject.Guardian == "2" && f.Detail.Contains("(eq 95)", StringComparison.Ordinal));
    }

    [Fact]
    public void Contest_data_that_names_another_U_than_the_tally_fails_step_12_naming_the_ballot()
    {
        string ballot = "";
        VerificationReport report = Tamper(copy =>
        {
            string file = copy.ContestData()[0];
            ballot = Path.GetFileNameWithoutExtension(file);
            SetU(copy, file, 1, 2, 4);
        });

        Assert.Equal(["12"], FailedSteps(report));
        VerificationFailure failure = Assert.Single(report.Step("12")!.Failures);
        Assert.Equal("12.U", failure.Check);
        Assert.Equal(ballot, failure.Subject.Ballot);
    }
}
