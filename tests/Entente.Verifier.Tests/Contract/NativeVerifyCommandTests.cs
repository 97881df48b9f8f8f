using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Cli.Commands;
using Entente.Verifier.Framework;

namespace Entente.Verifier.Tests.Contract;

/// <summary><c>entente verify</c> on native records (the default format): exit codes, the human report and --json.</summary>
[Collection(NativeRecordsGroup.Name)]
public sealed class NativeVerifyCommandTests(NativeRecords records)
{
    private static (int Exit, string Output, string Error) Run(string directory, bool json, bool allowToy = true)
    {
        using StringWriter output = new();
        using StringWriter error = new();
        int exit = VerifyCommand.Run(directory, "native", json, threads: 2, output, error, showProgress: false, memo: null, allowToyGroups: allowToy);
        return (exit, output.ToString(), error.ToString());
    }

    private NativeCopy Tampered()
    {
        NativeCopy copy = new(records.Chained);
        copy.Edit("tally/tally.json", t =>
        {
            JsonNode option = t["contests"]![0]!["options"]![1]!;
            option["value"] = option["value"]!.GetValue<long>() + 3;
        });
        string ballot = copy.Ballot("cast");
        copy.Edit(ballot, b => b["confirmation_code"] = new string('1', 64));
        copy.Reseal();
        return copy;
    }

    [Fact]
    public void A_valid_record_exits_0_with_a_summary_table_of_the_14_steps()
    {
        (int exit, string output, _) = Run(records.Chained, json: false);

        Assert.Equal(0, exit);
        Assert.Contains("ElectionGuard 2.1.0 verification", output, StringComparison.Ordinal);
        Assert.Contains("Uniqueness of selection encryption identifiers", output, StringComparison.Ordinal);
        Assert.Contains("Verified: all 19 steps pass.", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_toy_group_record_without_the_option_exits_1()
    {
        (int exit, string output, _) = Run(records.Plain, json: false, allowToy: false);

        Assert.Equal(1, exit);
        Assert.Contains("1.B file parameters.json:", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tampered_record_exits_1_and_lists_every_failure()
    {
        using NativeCopy copy = Tampered();

        (int exit, string output, _) = Run(copy.Directory, json: false);

        Assert.Equal(1, exit);
        Assert.Contains("10.B file tally/tally.json / ballot tally / contest Mayor / option B:", output, StringComparison.Ordinal);
        Assert.Contains("8.B ballot ", output, StringComparison.Ordinal);
        Assert.Contains("NOT verified:", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_output_parses_and_matches_the_human_report()
    {
        using NativeCopy copy = Tampered();

        (int jsonExit, string json, _) = Run(copy.Directory, json: true);
        (int humanExit, string human, _) = Run(copy.Directory, json: false);

        Assert.Equal(1, jsonExit);
        Assert.Equal(humanExit, jsonExit);
        ReportDocument document = VerificationReportJson.Deserialize(json);
        Assert.False(document.Passed);
        Assert.Equal("native", document.Format);
        Assert.Equal(19, document.Steps.Count);
        string[] lines = human.Split('\n');
        foreach (StepDocument step in document.Steps)
        {
            string row = Assert.Single(lines, l => l.TrimStart().StartsWith(step.Number + " ", StringComparison.Ordinal) && l.Contains(step.Name, StringComparison.Ordinal));
            string[] cells = row.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(step.Checked.ToString(CultureInfo.InvariantCulture), cells[^3]);
            Assert.Equal(step.FailureCount.ToString(CultureInfo.InvariantCulture), cells[^2]);
            Assert.Equal(step.Passed ? "pass" : "FAIL", cells[^1]);
            foreach (FailureDocument failure in step.Failures)
            {
                Assert.Contains($"{failure.Check} {failure.Subject}: {failure.Detail}", human, StringComparison.Ordinal);
            }
        }

        FailureDocument tally = document.Steps.Single(s => s.Number == "10").Failures.Single();
        Assert.Equal("Mayor", tally.ObjectParts.Contest);
        Assert.Equal("B", tally.ObjectParts.Option);
    }

    [Fact]
    public void Invalid_json_exits_2_naming_the_file_and_line()
    {
        using NativeCopy copy = new(records.Chained);
        File.WriteAllText(copy.PathOf("election.json"), "{\"k_vote\":\n oops}");

        (int exit, string output, string error) = Run(copy.Directory, json: true);

        Assert.Equal(2, exit);
        Assert.Contains("election.json", error, StringComparison.Ordinal);
        Assert.Contains("line 2", error, StringComparison.Ordinal);
        using JsonDocument document = JsonDocument.Parse(output);
        Assert.Equal("election.json", document.RootElement.GetProperty("input_error").GetProperty("file").GetString());
    }

    [Fact]
    public void A_truncated_ballot_exits_2_naming_the_file()
    {
        using NativeCopy copy = new(records.Chained);
        string ballot = copy.Ballot("challenged");
        byte[] bytes = File.ReadAllBytes(copy.PathOf(ballot));
        File.WriteAllBytes(copy.PathOf(ballot), bytes[..100]);

        (int exit, _, string error) = Run(copy.Directory, json: false);

        Assert.Equal(2, exit);
        Assert.Contains(ballot, error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_directory_exits_2()
    {
        (int exit, _, string error) = Run(Path.Combine(Path.GetTempPath(), "no-such-record-" + Guid.NewGuid().ToString("N")), json: false);

        Assert.Equal(2, exit);
        Assert.Contains("does not exist", error, StringComparison.Ordinal);
    }
}
