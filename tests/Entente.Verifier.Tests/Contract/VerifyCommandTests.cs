using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Entente.Cli.Commands;
using Entente.Verifier.Framework;

namespace Entente.Verifier.Tests.Contract;

/// <summary><c>entente verify</c>: exit codes, the human report, and --json for machines.</summary>
[Collection(EgkSampleGroup.Name)]
[Trait("Category", "Slow")]
public sealed class VerifyCommandTests
{
    private static (int Exit, string Output, string Error) Run(string directory, bool json, string format = "egk")
    {
        using StringWriter output = new();
        using StringWriter error = new();
        int exit = VerifyCommand.Run(directory, format, json, threads: 2, output, error, showProgress: false, EgkSample.Memo);
        return (exit, output.ToString(), error.ToString());
    }

    private static TempRecord TamperedRecord()
    {
        TempRecord record = new();
        record.Edit("tally.json", tally =>
        {
            JsonNode selection = tally["contests"]![1]!["selections"]![0]!;
            selection["tally"] = selection["tally"]!.GetValue<int>() + 2;
        });
        record.Edit(EgkSample.Ballot("id-1"), ballot => ballot["confirmation_code"] = new string('1', 64));
        return record;
    }

    [Fact]
    public void The_sample_verifies_with_exit_code_0_and_a_summary_table()
    {
        (int exit, string output, _) = Run(EgkSample.Directory, json: false);

        Assert.Equal(0, exit);
        Assert.Contains("Verified: all 14 steps pass.", output, StringComparison.Ordinal);
        Assert.Contains("Well-formedness of selection encryptions", output, StringComparison.Ordinal);
        Assert.Contains("1100", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tampered_record_exits_1_and_lists_every_failure()
    {
        using TempRecord record = TamperedRecord();

        (int exit, string output, _) = Run(record.Directory, json: false);

        Assert.Equal(1, exit);
        Assert.Contains("7.B ballot id-1:", output, StringComparison.Ordinal);
        Assert.Contains("10.A ballot tally / contest contest2 / option selection6:", output, StringComparison.Ordinal);
        Assert.Contains("NOT verified: 2 failure(s) in 2 step(s).", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_output_parses_and_matches_the_human_report()
    {
        using TempRecord record = TamperedRecord();

        (int jsonExit, string json, _) = Run(record.Directory, json: true);
        (int humanExit, string human, _) = Run(record.Directory, json: false);

        Assert.Equal(humanExit, jsonExit);
        ReportDocument document = VerificationReportJson.Deserialize(json);
        Assert.False(document.Passed);
        Assert.Equal(14, document.Steps.Count);
        string[] lines = human.Split('\n');
        foreach (StepDocument step in document.Steps)
        {
            // The table row of the step carries the same number, name, count and failures.
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

        Assert.Equal(2, document.Steps.Sum(s => s.FailureCount));
        FailureDocument tally = document.Steps.Single(s => s.Number == "10").Failures.Single();
        Assert.Equal("contest2", tally.ObjectParts.Contest);
        Assert.Equal("selection6", tally.ObjectParts.Option);
    }

    [Fact]
    public void A_truncated_ballot_file_is_an_input_error_naming_the_file()
    {
        using TempRecord record = new();
        byte[] bytes = record.Bytes(EgkSample.Ballot("id-1"));
        record.WriteBytes(EgkSample.Ballot("id-1"), bytes[..(bytes.Length / 2)]);

        (int exit, _, string error) = Run(record.Directory, json: false);

        Assert.Equal(2, exit);
        Assert.Contains("encrypted_ballots/runWorkflowSomeAvailableJson/eballot-id-1.json", error, StringComparison.Ordinal);
        Assert.Contains("not valid JSON", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_json_is_an_input_error_with_its_line_in_json_output_too()
    {
        using TempRecord record = new();
        File.WriteAllText(record.PathOf("election_config.json"), "{\n  \"config_version\": \"v2.0.0\",\n  oops\n}");

        (int exit, string output, string error) = Run(record.Directory, json: true);

        Assert.Equal(2, exit);
        Assert.Contains("election_config.json", error, StringComparison.Ordinal);
        Assert.Contains("line 3", error, StringComparison.Ordinal);
        using JsonDocument document = JsonDocument.Parse(output);
        Assert.Equal("election_config.json", document.RootElement.GetProperty("input_error").GetProperty("file").GetString());
    }

    [Fact]
    public void A_missing_file_is_an_input_error()
    {
        using TempRecord record = new();
        record.Delete("tally.json");

        (int exit, _, string error) = Run(record.Directory, json: false);

        Assert.Equal(2, exit);
        Assert.Contains("tally.json: the file is missing.", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_field_of_the_wrong_shape_is_an_input_error_naming_its_path()
    {
        using TempRecord record = new();
        record.Edit(EgkSample.Ballot("id-2"), ballot => ballot["contests"]![0]!["selections"]![1]!["proof"]!["proofs"]![0]!["response"] = "XYZ");

        (int exit, _, string error) = Run(record.Directory, json: false);

        Assert.Equal(2, exit);
        Assert.Contains("contests[0].selections[1].proof.proofs[0].response", error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_native_format_on_an_egk_record_is_an_input_error_that_says_to_use_egk()
    {
        (int exit, _, string error) = Run(EgkSample.Directory, json: false, format: "native");

        Assert.Equal(2, exit);
        Assert.Contains("record.json", error, StringComparison.Ordinal);
        Assert.Contains("--format egk", error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_verify_verb_is_registered_with_its_options()
    {
        System.CommandLine.Command verify = Assert.Single(CommandCatalog.All(), c => c.Name == "verify");
        Assert.Contains(verify.Options, o => o.Name == "--json");
        Assert.Contains(verify.Options, o => o.Name == "--threads");
        Assert.Contains(verify.Options, o => o.Name == "--format");
        Assert.Contains(verify.Options, o => o.Name == "--allow-toy-groups");
    }
}
