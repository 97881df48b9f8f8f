using System.Text;
using Entente.Audit.Io;

namespace Entente.Audit.Tests.Attacks;

public class MalformedCsvTests
{
    private static BallotManifest Manifest(string text) => BallotManifest.FromTable(CsvTable.Parse(Encoding.UTF8.GetBytes(text), "manifest.csv"));

    private static AuditInputException Refused(Action action) => Assert.Throws<AuditInputException>(action);

    [Fact]
    public void A_UTF8_byte_order_mark_is_accepted_and_the_header_still_matches()
    {
        byte[] bytes = [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("Batch,Ballots\r\nB1,10\r\n")];
        BallotManifest m = BallotManifest.FromTable(CsvTable.Parse(bytes, "m.csv"));
        Assert.Equal("B1", m.Batches[0].Batch);
        Assert.Equal(10, m.TotalBallots);
    }

    [Fact]
    public void UTF16_with_a_byte_order_mark_is_decoded()
    {
        byte[] bytes = [0xFF, 0xFE, .. Encoding.Unicode.GetBytes("Batch,Ballots\nZürich,7\n")];
        Assert.Equal("Zürich", BallotManifest.FromTable(CsvTable.Parse(bytes, "m.csv")).Batches[0].Batch);
    }

    [Fact]
    public void Windows_1252_text_is_decoded_including_the_C1_range()
    {
        byte[] bytes = [.. Encoding.ASCII.GetBytes("Batch,Ballots\nCaf"), 0xE9, .. Encoding.ASCII.GetBytes(" "), 0x80, .. Encoding.ASCII.GetBytes(" "), 0x93, 0x41, 0x94, .. Encoding.ASCII.GetBytes(",3\n")];
        Assert.Equal("Café € \u201CA\u201D", BallotManifest.FromTable(CsvTable.Parse(bytes, "m.csv")).Batches[0].Batch);
    }

    [Fact]
    public void A_total_row_is_refused_naming_row_and_column()
    {
        AuditInputException e = Refused(() => Manifest("Batch,Ballots\nB1,10\nB2,5\nTotal,15\n"));
        Assert.Equal(4, e.Row);
        Assert.Equal("Batch", e.Column);
        Assert.Contains("total", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("manifest.csv", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_total_row_with_the_word_in_another_column_is_refused()
    {
        AuditInputException e = Refused(() => Manifest("Tabulator,Batch,Ballots\nT1,B1,10\nGrand Total,,10\n"));
        Assert.Equal(3, e.Row);
        Assert.Equal("Tabulator", e.Column);
    }

    [Fact]
    public void Duplicate_batches_are_refused_naming_both_rows()
    {
        AuditInputException e = Refused(() => Manifest("Tabulator,Batch,Ballots\nT1,B1,10\nT2,B1,4\nT1,B1,3\n"));
        Assert.Equal(4, e.Row);
        Assert.Equal("Batch", e.Column);
        Assert.Contains("rows 2 and 4", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_batch_name_under_two_tabulators_is_two_batches()
    {
        Assert.Equal(2, Manifest("Tabulator,Batch,Ballots\nT1,B1,10\nT2,B1,4\n").Batches.Count);
    }

    [Theory]
    [InlineData("Batch,Ballots\nB1,10,3\n", 2)]
    [InlineData("Batch,Ballots\nB1,10\nB2\n", 3)]
    [InlineData("Container,Batch,Ballots\nC,B1,1\nC,\"B,2\",2,\n", 3)]
    public void Wrong_cell_counts_are_refused_naming_the_row(string text, int row)
    {
        AuditInputException e = Refused(() => Manifest(text));
        Assert.Equal(row, e.Row);
        Assert.Contains("cells", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_negative_count_is_refused_naming_row_and_column()
    {
        AuditInputException e = Refused(() => Manifest("Batch,Ballots\nB1,10\nB2,-3\n"));
        Assert.Equal(3, e.Row);
        Assert.Equal("Ballots", e.Column);
        Assert.Contains("≥ 0", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("12.5")]
    [InlineData("1,000")]
    [InlineData("ten")]
    [InlineData("99999999999999999999")]
    public void A_count_that_is_not_a_whole_number_is_refused(string count)
    {
        AuditInputException e = Refused(() => Manifest($"Batch,Ballots\nB1,\"{count}\"\n"));
        Assert.Equal(2, e.Row);
        Assert.Equal("Ballots", e.Column);
    }

    [Fact]
    public void Missing_and_unexpected_columns_are_refused()
    {
        Assert.Equal("Ballots", Refused(() => Manifest("Batch,Count of stuff\nB1,3\n")).Column);
        AuditInputException e = Refused(() => Manifest("Batch,Ballots,Notes\nB1,3,x\n"));
        Assert.Equal("Notes", e.Column);
        Assert.Equal(1, e.Row);
    }

    [Fact]
    public void A_spreadsheet_saved_with_a_csv_name_is_refused()
    {
        byte[] xlsx = [.. "PK\u0003\u0004"u8, 1, 2, 3];
        Assert.Contains("spreadsheet", Refused(() => CsvTable.Parse(xlsx, "m.csv")).Message, StringComparison.Ordinal);
        byte[] xls = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
        Assert.Contains("spreadsheet", Refused(() => CsvTable.Parse(xls, "m.csv")).Message, StringComparison.Ordinal);
        Assert.Contains("NUL", Refused(() => CsvTable.Parse("Batch\0,Ballots\n"u8, "m.csv")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unclosed_quote_and_text_after_a_closing_quote_are_refused()
    {
        Assert.Equal(2, Refused(() => Manifest("Batch,Ballots\n\"B1,10\n")).Row);
        Assert.Equal(2, Refused(() => Manifest("Batch,Ballots\n\"B1\"x,10\n")).Row);
        Assert.Equal(2, Refused(() => Manifest("Batch,Ballots\nB\"1,10\n")).Row);
    }

    [Fact]
    public void Quoted_cells_with_commas_quotes_and_newlines_parse_and_keep_row_numbers()
    {
        BallotManifest m = Manifest("Batch,Ballots\n\"B, \"\"one\"\"\",1\n\"multi\nline\",2\nB3,-1\n".Replace("B3,-1", "B3,3", StringComparison.Ordinal));
        Assert.Equal("B, \"one\"", m.Batches[0].Batch);
        Assert.Equal("multi\nline", m.Batches[1].Batch);
        Assert.Equal(5, m.Batches[2].Row);
    }

    [Fact]
    public void Empty_files_and_empty_manifests_are_refused()
    {
        Refused(() => Manifest(""));
        Refused(() => Manifest("Batch,Ballots\n"));
        Assert.Contains("empty column name", Refused(() => Manifest("Batch,,Ballots\nB,1,2\n")).Message, StringComparison.Ordinal);
        Assert.Contains("twice", Refused(() => Manifest("Batch,Ballots,batch\nB,1,2\n")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Results_with_a_tie_at_the_last_winning_place_are_refused()
    {
        AuditInputException e = Refused(() => ReportedResults.FromTable(CsvTable.Parse("Contest,Choice,Votes,Ballots\nMayor,A,50,100\nMayor,B,50,100\n"u8, "r.csv")));
        Assert.Contains("tied", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Results_that_disagree_on_a_contests_ballots_or_repeat_a_choice_are_refused()
    {
        AuditInputException e = Refused(() => ReportedResults.FromTable(CsvTable.Parse("Contest,Choice,Votes,Ballots\nMayor,A,50,100\nMayor,B,40,101\n"u8, "r.csv")));
        Assert.Equal((3, "Ballots"), (e.Row, e.Column));
        e = Refused(() => ReportedResults.FromTable(CsvTable.Parse("Contest,Choice,Votes,Ballots\nMayor,A,50,100\nMayor,A,40,100\n"u8, "r.csv")));
        Assert.Equal((3, "Choice"), (e.Row, e.Column));
        e = Refused(() => ReportedResults.FromTable(CsvTable.Parse("Contest,Choice,Votes,Ballots\nMayor,A,80,100\nMayor,B,40,100\n"u8, "r.csv")));
        Assert.Contains("120 votes from 100 ballots", e.Message, StringComparison.Ordinal);
        e = Refused(() => ReportedResults.FromTable(CsvTable.Parse("Contest,Choice,Votes,Ballots\nMayor,A,-8,100\nMayor,B,40,100\n"u8, "r.csv")));
        Assert.Equal((2, "Votes"), (e.Row, e.Column));
    }

    [Fact]
    public void Cast_vote_records_with_bad_confirmation_codes_or_reused_ids_are_refused()
    {
        string code = new('A', 64);
        AuditInputException e = Refused(() => CastVoteRecords.FromTable(CsvTable.Parse(Encoding.UTF8.GetBytes($"ConfirmationCode,Batch,Position,Contest,Choice\n{code[..63]}G,B1,1,Mayor,A\n"), "c.csv")));
        Assert.Equal((2, "ConfirmationCode"), (e.Row, e.Column));
        e = Refused(() => CastVoteRecords.FromTable(CsvTable.Parse(Encoding.UTF8.GetBytes($"ConfirmationCode,Batch,Position,Contest,Choice\n{code},B1,1,Mayor,A\n{code},B1,2,Mayor,A\n"), "c.csv")));
        Assert.Equal(3, e.Row);
        var ok = CastVoteRecords.FromTable(CsvTable.Parse(Encoding.UTF8.GetBytes($"ConfirmationCode,Batch,Position,Contest,Choice\n{code.ToLowerInvariant()},B1,1,Mayor,A\n{code},B1,1,Council,\n"), "c.csv"));
        CastVoteRecord record = ok[new BallotLocation(null, "B1", 1)];
        Assert.Equal(code, record.Id);
        Assert.Empty(record.Contests["Council"]);
    }

    [Fact]
    public void Batch_tallies_with_a_repeated_row_are_refused()
    {
        AuditInputException e = Refused(() => BatchTallies.FromTable(CsvTable.Parse("Batch,Contest,Choice,Votes\nB1,M,A,3\nB1,M,A,4\n"u8, "t.csv")));
        Assert.Equal((3, "Batch"), (e.Row, e.Column));
    }
}
