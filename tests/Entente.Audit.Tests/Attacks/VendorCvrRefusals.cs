using System.Text.Json;
using Entente.Audit.Io;
using Entente.Audit.Vendors;
using static Entente.Audit.Tests.VendorFixtures;

namespace Entente.Audit.Tests.Attacks;

/// <summary>
/// Every refusal case of tests/vectors/rla-vendor (more/invalid with Arlo's expected errors, and the cases where
/// Entente refuses what Arlo accepts) refused with a message naming the file, the row or element, and the column.
/// </summary>
public class VendorCvrRefusals
{
    private const string DomManifest = "dominion/manifest.csv", EssManifest = "ess/manifest.csv";
    private const string EssCvr = "ess/ess-cvr.csv", EssBallots1 = "ess/ess-ballots-1.csv", EssBallots2 = "ess/ess-ballots-2.csv";

    /// <summary>A refusal: how to import, then the file, row (0 = element or whole file), column and a phrase of the message.</summary>
    private sealed record Refusal(Func<CvrImport> Import, string File, int Row, string Column, string Phrase);

    private static Refusal Dom(string name, int row, string column, string phrase) =>
        new(() => Import(CvrFormat.Dominion, DomManifest, $"more/invalid/{name}"), name, row, column, phrase);

    private static Refusal Cb(string name, int row, string column, string phrase) =>
        new(() => Import(CvrFormat.ClearBallot, DomManifest, $"more/invalid/{name}"), name, row, column, phrase);

    private const string Choice11 = "Choice_1_1:Contest 1:Vote For 1:Choice 1-1";

    private static readonly Dictionary<string, Refusal> Cases = new()
    {
        ["invalid/dominion-02.csv"] = Dom("dominion-02.csv", 2, "#10", "\"Contest 1 (123)\" is not a contest header"),
        ["invalid/dominion-03.csv"] = Dom("dominion-03.csv", 5, "TabulatorNum, BatchId", "TABULATOR1 / BATCH001 is not in the manifest. The closest manifest batch is TABULATOR1 / BATCH1"),
        ["invalid/dominion-04.csv"] = Dom("dominion-04.csv", 5, "TabulatorNum, BatchId", "TABULATO1 / BATCH1 is not in the manifest. The closest manifest batch is TABULATOR1 / BATCH1"),
        ["invalid/dominion-05.csv"] = Dom("dominion-05.csv", 5, "TabulatorNum, BatchId", "abc / 123 is not in the manifest. The export's"),
        ["invalid/dominion-06.csv"] = Dom("dominion-06.csv", 4, "CvrNumber", "Missing required column CvrNumber"),
        ["invalid/dominion-07.csv"] = Dom("dominion-07.csv", 4, "TabulatorNum", "Missing required column TabulatorNum"),
        ["invalid/dominion-08.csv"] = Dom("dominion-08.csv", 4, "BatchId", "Missing required column BatchId"),
        ["invalid/dominion-09.csv"] = Dom("dominion-09.csv", 4, "RecordId", "Missing required column RecordId"),
        ["invalid/dominion-10.csv"] = Dom("dominion-10.csv", 4, "ImprintedId", "Missing required column ImprintedId"),
        ["invalid/dominion-11.csv"] = Dom("dominion-11.csv", 5, "CvrNumber", "The cell is empty"),
        ["invalid/dominion-12.csv"] = Dom("dominion-12.csv", 5, "TabulatorNum", "The cell is empty"),
        ["invalid/dominion-13.csv"] = Dom("dominion-13.csv", 5, "BatchId", "The cell is empty"),
        ["invalid/dominion-14.csv"] = Dom("dominion-14.csv", 5, "RecordId", "The cell is empty"),
        ["invalid/dominion-15.csv"] = Dom("dominion-15.csv", 5, "ImprintedId", "The cell is empty"),
        ["invalid/dominion-16.csv"] = Dom("dominion-16.csv", 2, "#10", "\"Contest 1 (Vote Fo=1)\" is not a contest header"),
        ["invalid/dominion-17.csv"] = Dom("dominion-17.csv", 5, "UniqueVotingIdentifier", "The cell is empty"),
        ["invalid/dominion-18.csv"] = Dom("dominion-18.csv", 5, "Contest 1: Choice 1-1", "\"0 (0%)\" is not a whole number"),
        ["invalid/dominion-19.csv"] = Dom("dominion-19.csv", 5, "Contest 1: Choice 1-1", "\"0 (0)\" is not a whole number"),
        ["invalid/dominion-duplicate-row.csv"] = Dom("dominion-duplicate-row.csv", 6, "CvrNumber", "CvrNumber 1 is also on row 5"),
        ["invalid/clearballot-20.csv"] = Cb("clearballot-20.csv", 2, "ScanComputerName, BoxID", "TABULATO1 / BATCH1 is not in the manifest. The closest manifest batch is TABULATOR1 / BATCH1"),
        ["invalid/clearballot-21.csv"] = Cb("clearballot-21.csv", 1, "RowNumber", "Missing required column RowNumber"),
        ["invalid/clearballot-22.csv"] = Cb("clearballot-22.csv", 1, "BoxID", "Missing required column BoxID"),
        ["invalid/clearballot-23.csv"] = Cb("clearballot-23.csv", 1, "BoxPosition", "Missing required column BoxPosition"),
        ["invalid/clearballot-24.csv"] = Cb("clearballot-24.csv", 1, "BallotID", "Missing required column BallotID"),
        ["invalid/clearballot-25.csv"] = Cb("clearballot-25.csv", 1, "ScanComputerName", "Missing required column ScanComputerName"),
        ["invalid/clearballot-26.csv"] = Cb("clearballot-26.csv", 2, "RowNumber", "The cell is empty"),
        ["invalid/clearballot-27.csv"] = Cb("clearballot-27.csv", 2, "BoxID", "The cell is empty"),
        ["invalid/clearballot-28.csv"] = Cb("clearballot-28.csv", 2, "BoxPosition", "The cell is empty"),
        ["invalid/clearballot-29.csv"] = Cb("clearballot-29.csv", 2, "BallotID", "The cell is empty"),
        ["invalid/clearballot-30.csv"] = Cb("clearballot-30.csv", 2, "ScanComputerName", "The cell is empty"),
        ["invalid/clearballot-31.csv"] = Cb("clearballot-31.csv", 1, Choice11, "Not a choice header"),
        ["invalid/ess-ballots-2-leading-zeros-stripped.csv"] = new(() => Import(CvrFormat.Ess, EssManifest, EssCvr, EssBallots1,
            Named("more/invalid/ess-ballots-2-leading-zeros-stripped.csv", "ess_ballots_2.csv")), "ess_ballots_2.csv", 13, "Tabulator CVR", "leading zeros were not stripped"),
        ["invalid/ess-ballots-1-scientific-notation.csv"] = new(() => Import(CvrFormat.Ess, EssManifest, EssCvr,
            Named("more/invalid/ess-ballots-1-scientific-notation.csv", "ess_ballots_1.csv")), "ess_ballots_1.csv", 3, "Tabulator CVR", "scientific notation"),
        ["invalid/ess-ballots-2-unknown-tabulator.csv"] = new(() => Import(CvrFormat.Ess, EssManifest, EssCvr, EssBallots1,
            Named("more/invalid/ess-ballots-2-unknown-tabulator.csv", "ess_ballots_2.csv")), "ess_ballots_2.csv", 13, "Tabulator CVR, Batch", "0003 / BATCH2 is not in the manifest. The closest manifest batches are 0001 / BATCH2 and 0002 / BATCH2"),
        ["invalid/ess-ballots-2-row-missing.csv"] = new(() => Import(CvrFormat.Ess, EssManifest, EssCvr, EssBallots1,
            Named("more/invalid/ess-ballots-2-row-missing.csv", "ess_ballots_2.csv")), "ess-cvr.csv", 13, "Cast Vote Record", "Cast Vote Record 12 is in the CVR file but in none of the ballots files"),
        ["invalid/ess-cvr-row-missing.csv"] = new(() => Import(CvrFormat.Ess, EssManifest, Named("more/invalid/ess-cvr-row-missing.csv", "ess_cvr.csv"), EssBallots1, EssBallots2),
            "ess-ballots-2.csv", 0, "Tabulator CVR, Batch", "Cast Vote Record 10 is in this ballots file but not in the CVR file"),
        ["invalid/ess-cvr-tab-delimited-header.csv"] = new(() => Import(CvrFormat.Ess, EssManifest, Named("more/invalid/ess-cvr-tab-delimited-header.csv", "ess_cvr.csv"), EssBallots1, EssBallots2),
            "ess_cvr.csv", 1, "", "separated by tabs"),
        ["invalid/ess-cvr-no-cast-vote-record-column.csv"] = new(() => Import(CvrFormat.Ess, EssManifest, Named("more/invalid/ess-cvr-no-cast-vote-record-column.csv", "ess_cvr.csv"), EssBallots1, EssBallots2),
            "ess_cvr.csv", 1, "Cast Vote Record", "Missing required column Cast Vote Record"),
        ["invalid/hart-bad-batch/cvr-0.xml"] = new(() => Import(CvrFormat.Hart, "hart/manifest.csv", "more/invalid/hart-bad-batch/cvr-0.xml"),
            "cvr-0.xml", 0, "BatchNumber", "Batch bad batch is not in the manifest"),

        // Beyond Arlo's list: its other refusals, and what Entente refuses where Arlo is lax.
        ["clearballot/not-a-cvr.csv"] = new(() => Import(CvrFormat.ClearBallot, DomManifest, "more/clearballot/not-a-cvr.csv"), "not-a-cvr.csv", 1, "", "No column begins with \"Choice_\""),
        ["hart_sbi_conflict"] = new(() => Import(CvrFormat.Hart, "hart/manifest.csv", "hart/cvrs", "more/hart/scanned-ballot-information/minimal.csv",
            "more/hart/scanned-ballot-information/conflicting-with-minimal.csv"), "conflicting-with-minimal.csv", 3, "Workstation", "Conflicting scanned ballot information for CVR 1-1-1"),
        ["hart (d): repeated batch names, one folder, no tabulator"] = new(() => Import(CvrFormat.Hart, DomManifest,
            Flat("more/hart/duplicate-batch-names/TABULATOR1", "more/hart/duplicate-batch-names/TABULATOR2")), "card-0.xml", 0, "BatchNumber", "no tabulator is known for CVR 1-1-1"),
        ["ess_ballots_machine_column (Arlo accepts)"] = new(() => Import(CvrFormat.Ess, EssManifest, EssCvr, "more/ess/ballots-machine-column.csv"),
            "ballots-machine-column.csv", 10, "Tabulator CVR, Batch", "Batch 0001 / BATCH1 has 4 cast vote records but the manifest (row 2) lists 3 ballots"),
        ["ess_ballots_machine_column_no_metadata_rows (Arlo accepts)"] = new(() => Import(CvrFormat.Ess, EssManifest, EssCvr, "more/ess/ballots-machine-column-no-metadata-rows.csv"),
            "ballots-machine-column-no-metadata-rows.csv", 5, "Tabulator CVR, Batch", "has 4 cast vote records but the manifest (row 2) lists 3 ballots"),
        ["hart_batch_inventory duplicate CvrGuid (Arlo accepts)"] = new(() => Import(CvrFormat.Hart,
            TempManifest("Tabulator,Batch Name,Number of Ballots\nT1,BATCH1,4\nT1,BATCH2,3\nT2,BATCH3,2\nT2,BATCH4,2\n"), "more/hart-batch-inventory/cvrs"),
            "cvr-9.xml", 0, "CvrGuid", "CvrGuid 1-4-1 is also in cvr-10.xml"),
        ["shangrla hart sheets with one CvrGuid"] = new(() => Import(CvrFormat.Hart, TempManifest("Batch Name,Number of Ballots\n2280,2\n"),
            "shangrla/hart-xml/test_Hart_CVR_1.xml", "shangrla/hart-xml/test_Hart_CVR_2.xml"), "test_Hart_CVR_2.xml", 0, "CvrGuid", "Multi-sheet ballots"),
    };

    public static TheoryData<string> Keys() => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(Keys))]
    public void Each_refusal_fixture_is_refused_naming_file_row_and_column(string key)
    {
        Refusal r = Cases[key];
        AuditInputException e = Assert.Throws<AuditInputException>(() => r.Import());
        Assert.Equal(r.File, e.File);
        if (r.Row > 0)
        {
            Assert.Equal(r.Row, e.Row);
        }

        Assert.Equal(r.Column, e.Column);
        Assert.True(e.Problem.Contains(r.Phrase, StringComparison.Ordinal), e.Message);
        Assert.StartsWith(r.File, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_entry_of_Arlo_s_expected_errors_has_a_refusal_case()
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(P("more/invalid/expected-errors.json")));
        foreach (JsonProperty entry in doc.RootElement.EnumerateObject().Where(e => !e.Name.StartsWith('_')))
        {
            Assert.True(Cases.ContainsKey(entry.Name), $"{entry.Name} has no refusal case");
        }
    }
}
