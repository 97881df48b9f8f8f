namespace Entente.Cli.Tests.Audit;

public class AuditContractTests
{
    [Fact]
    public void Rivest_sample_prints_one_ballot_number_per_line_in_draw_order()
    {
        // Known answer: cjerdonek/rivest-sampler-tests tests.json, seed U+1F600, 1..1000.
        var (code, output, error) = CliRunner.Run("audit", "sample", "--method", "rivest", "--seed", "😀", "--total", "1000", "--count", "5");
        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.Equal(CliRunner.Expected("rivest-emoji.txt"), output);
    }

    [Fact]
    public void Rivest_sample_without_replacement_reproduces_the_reference_example()
    {
        var (code, output, _) = CliRunner.Run("audit", "sample", "--method", "rivest", "--seed", "3546311556112163624615351222", "--total", "876", "--count", "47", "--without-replacement");
        Assert.Equal(0, code);
        string[] lines = output.TrimEnd('\n').Split('\n');
        Assert.Equal(["740", "180", "264", "789", "238", "448", "272", "611"], lines[..8]);
        Assert.Equal("197", lines[46]);
    }

    [Fact]
    public void Consistent_sample_prints_ticket_batch_position_draw_lines_in_ticket_order()
    {
        // Known answer: Arlo's draw_sample snapshot (seed ending in U+1F60A, 4 batches of 25, 18 digits).
        var (code, output, _) = CliRunner.Run("audit", "sample", "--method", "consistent", "--seed", "12345678901234567890abcdefghijklmnopqrstuvwxyz😊",
            "--manifest", CliRunner.Data("arlo-4x25-manifest.csv"), "--count", "20", "--with-replacement", "--ids", "arlo-batch");
        Assert.Equal(0, code);
        Assert.Equal(CliRunner.Expected("consistent-arlo-4x25.txt"), output);
    }

    [Fact]
    public void Consistent_sample_continues_a_round_with_skip()
    {
        string[] common = ["audit", "sample", "--method", "consistent", "--seed", "12345678901234567890abcdefghijklmnopqrstuvwxyz😊",
            "--manifest", CliRunner.Data("arlo-4x25-manifest.csv"), "--with-replacement", "--ids", "arlo-batch"];
        var (_, second, _) = CliRunner.Run([.. common, "--count", "10", "--skip", "10"]);
        Assert.Equal(string.Join('\n', CliRunner.Expected("consistent-arlo-4x25.txt").Split('\n').Skip(10)), second);
    }

    [Fact]
    public void Consistent_sample_digits_trim_the_tickets()
    {
        var (code, output, _) = CliRunner.Run("audit", "sample", "--method", "consistent", "--seed", "12345678901234567890abcdefghijklmnopqrstuvwxyz😊",
            "--manifest", CliRunner.Data("arlo-4x25-manifest.csv"), "--count", "1", "--with-replacement", "--ids", "arlo-batch", "--digits", "6");
        Assert.Equal(0, code);
        Assert.Equal("0.000617,pct 2,3,1\n", output);
    }

    [Fact]
    public void Bravo_risk_prints_a_p_value_per_contest_and_exits_1_above_the_risk_limit()
    {
        string[] args = ["audit", "risk", "--method", "bravo", "--results", CliRunner.Data("colorado-2018-results.csv"), "--sample-tally", CliRunner.Data("colorado-2018-tally.csv"), "--csv"];
        var (code, output, _) = CliRunner.Run([.. args, "--risk-limit", "0.1"]);
        Assert.Equal(1, code);
        Assert.Equal(CliRunner.Expected("risk-bravo-colorado.txt"), output);
        Assert.Equal(0, CliRunner.Run([.. args, "--risk-limit", "0.5"]).Code);
    }

    [Fact]
    public void Risk_says_what_the_p_value_is_and_which_contests_it_confirms()
    {
        string[] args = ["audit", "risk", "--method", "bravo", "--results", CliRunner.Data("colorado-2018-results.csv"), "--sample-tally", CliRunner.Data("colorado-2018-tally.csv"), "--risk-limit", "0.2"];
        var (code, output, error) = CliRunner.Run(args);
        Assert.Equal(1, code);
        Assert.Equal("", error);
        Assert.Equal(CliRunner.Expected("risk-bravo-colorado-human.txt"), output);
    }

    [Fact]
    public void Risk_as_json_names_the_risk_limit_and_each_contests_verdict()
    {
        var (code, output, _) = CliRunner.Run("audit", "risk", "--method", "bravo", "--results", CliRunner.Data("colorado-2018-results.csv"),
            "--sample-tally", CliRunner.Data("colorado-2018-tally.csv"), "--risk-limit", "0.2", "--json");
        Assert.Equal(1, code);
        using System.Text.Json.JsonDocument doc = System.Text.Json.JsonDocument.Parse(output);
        Assert.Equal(0.2, doc.RootElement.GetProperty("risk_limit").GetDouble());
        Assert.False(doc.RootElement.GetProperty("all_confirmed").GetBoolean());
        var contests = doc.RootElement.GetProperty("contests").EnumerateArray().ToList();
        Assert.Equal("Custer", contests[0].GetProperty("contest").GetString());
        Assert.Equal(0.13423820693447217, contests[0].GetProperty("p_value").GetDouble());
        Assert.True(contests[0].GetProperty("confirmed").GetBoolean());
        Assert.False(contests[1].GetProperty("confirmed").GetBoolean());
    }

    [Fact]
    public void Comparison_risk_reproduces_rlacalcs_New_Hampshire_value()
    {
        var (code, output, _) = CliRunner.Run("audit", "risk", "--method", "comparison", "--results", CliRunner.Data("nh-2016-results.csv"),
            "--discrepancies", CliRunner.Data("nh-2016-discrepancies.csv"), "--csv");
        Assert.Equal(1, code);
        Assert.Equal(CliRunner.Expected("risk-comparison-nh.txt"), output);
        Assert.Equal(0.21438135077031842, double.Parse(output.Split(',')[1], System.Globalization.CultureInfo.InvariantCulture), 12);
    }

    [Fact]
    public void Macro_risk_measures_batch_comparison()
    {
        var (code, output, _) = CliRunner.Run("audit", "risk", "--method", "macro", "--results", CliRunner.Data("batch-results.csv"),
            "--manifest", CliRunner.Data("batch-manifest.csv"), "--reported-batches", CliRunner.Data("batch-reported.csv"),
            "--audited-batches", CliRunner.Data("batch-audited.csv"), "--draws", CliRunner.Data("batch-draws.csv"), "--risk-limit", "0.25", "--csv");
        Assert.Equal(1, code);
        Assert.Equal(CliRunner.Expected("risk-macro.txt"), output);
    }

    [Fact]
    public void Alpha_polling_risk_is_printed_per_contest()
    {
        var (code, output, _) = CliRunner.Run("audit", "risk", "--method", "alpha", "--results", CliRunner.Data("batch-results.csv"),
            "--mvrs", CliRunner.Data("polling-mvrs.csv"), "--risk-limit", "0.1", "--csv");
        Assert.Equal(0, code);
        Assert.Equal(CliRunner.Expected("risk-alpha-polling.txt"), output);
    }

    [Theory]
    [InlineData("audit", "sample", "--method", "rivest", "--seed", "1", "--total", "abc", "--count", "2")]
    [InlineData("audit", "sample", "--method", "rivest", "--seed", "1", "--count", "2")]
    [InlineData("audit", "sample", "--method", "fisher-yates", "--seed", "1", "--total", "5", "--count", "2")]
    [InlineData("audit", "sample", "--method", "rivest", "--seed", "1", "--total", "5", "--count", "6", "--without-replacement")]
    [InlineData("audit", "sample", "--method", "rivest", "--seed", "1", "--total", "5", "--count", "2", "--bogus")]
    [InlineData("audit", "risk", "--method", "bravo")]
    [InlineData("audit", "status", "--dir", "/nonexistent/entente-audit")]
    public void Usage_errors_exit_2_with_a_message_on_standard_error(params string[] args)
    {
        var (code, output, error) = CliRunner.Run(args);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.StartsWith("error: ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_manifest_with_a_total_row_exits_2_naming_row_and_column()
    {
        var (code, _, error) = CliRunner.Run("audit", "sample", "--method", "consistent", "--seed", "1", "--manifest", CliRunner.Data("manifest-with-total.csv"), "--count", "2");
        Assert.Equal(2, code);
        Assert.Equal("error: manifest-with-total.csv, row 4, column \"Batch\": \"Total\" looks like a total row. Remove total rows: the audit adds up the rows itself.\n",
            error.Replace("\r\n", "\n", StringComparison.Ordinal));
    }
}

public class AuditAlphaComparisonTests
{
    [Fact]
    public void Alpha_comparison_risk_grows_when_an_audited_ballot_overstates_the_record()
    {
        string[] common = ["audit", "risk", "--method", "alpha", "--results", CliRunner.Data("batch-results.csv"), "--cvrs", CliRunner.Data("alpha-cvrs.csv"), "--risk-limit", "0.05", "--csv"];
        var (cleanCode, clean, _) = CliRunner.Run([.. common, "--mvrs", CliRunner.Data("alpha-mvrs-clean.csv")]);
        var (_, dirty, _) = CliRunner.Run([.. common, "--mvrs", CliRunner.Data("alpha-mvrs-overstated.csv")]);
        double pClean = double.Parse(clean.Trim().Split(',')[1], System.Globalization.CultureInfo.InvariantCulture);
        double pDirty = double.Parse(dirty.Trim().Split(',')[1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(0, cleanCode);
        Assert.True(pClean < 0.05, clean);
        Assert.True(pDirty > pClean, dirty);
    }
}
