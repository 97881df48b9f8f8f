using System.Globalization;
using System.Text.Json;
using Entente.Audit.Vendors;
using static Entente.Audit.Tests.VendorFixtures;

namespace Entente.Audit.Tests.Kat;

/// <summary>
/// Every accepted fixture in tests/vectors/rla-vendor (Arlo's snapshots and our derived facts, see its README)
/// imported to exactly its expected CVR count, contest totals and per-card placement and interpretation.
/// </summary>
public class VendorCvrVectors
{
    private const string EssBallots1 = "ess/ess-ballots-1.csv", EssBallots2 = "ess/ess-ballots-2.csv";

    /// <summary>Expected-results key → how to import it.</summary>
    private static readonly Dictionary<string, Func<CvrImport>> Cases = new()
    {
        ["dominion"] = () => Import(CvrFormat.Dominion, "dominion/manifest.csv", "dominion/dominion-cvrs.csv"),
        ["clearballot"] = () => Import(CvrFormat.ClearBallot, "clearballot/manifest.csv", "clearballot/clearballot-cvrs.csv"),
        ["ess"] = () => Import(CvrFormat.Ess, "ess/manifest.csv", "ess/ess-cvr.csv", EssBallots1, EssBallots2),
        ["hart"] = () => Import(CvrFormat.Hart, "hart/manifest.csv", "hart/cvrs"),
        ["dominion_unique_voting_identifier"] = () => Import(CvrFormat.Dominion, "dominion/manifest.csv", "more/dominion/unique-voting-identifier.csv"),
        ["dominion_counting_group"] = () => Import(CvrFormat.Dominion, "dominion/manifest.csv", "more/dominion/counting-group.csv"),
        ["dominion_newline_in_contest_header"] = () => Import(CvrFormat.Dominion, "dominion/manifest.csv", "more/dominion/newline-in-contest-header.csv"),
        ["dominion_leading_equal_signs"] = () => Import(CvrFormat.Dominion, "dominion/manifest.csv", "more/dominion/leading-equal-signs.csv"),
        ["dominion_extra_choice"] = () => Import(CvrFormat.Dominion, "dominion/manifest.csv", "more/dominion/extra-choice.csv"),
        ["dominion_choice_removed"] = () => Import(CvrFormat.Dominion, "dominion/manifest.csv", "more/dominion/choice-removed.csv"),
        ["ess_ballots_no_metadata_rows"] = () => Import(CvrFormat.Ess, "ess/manifest.csv", "ess/ess-cvr.csv", "more/ess/ballots-no-metadata-rows.csv"),
        ["ess_cvr_file_with_tabulator_cvr_column"] = () => Import(CvrFormat.Ess, "ess/manifest.csv", "more/ess/cvr-with-tabulator-cvr-column/cvr.csv", EssBallots1, EssBallots2),
        ["ess_two_jurisdictions_j1"] = () => Import(CvrFormat.Ess, "ess/manifest.csv", "more/ess/two-jurisdictions/j1-ess-cvr.csv", EssBallots1, EssBallots2),
        ["ess_two_jurisdictions_j2"] = () => Import(CvrFormat.Ess, "ess/manifest.csv", "more/ess/two-jurisdictions/j2-ess-cvr.csv", EssBallots1, EssBallots2),
        ["hart_duplicate_batch_names_with_scanned_ballot_information"] = () => Import(CvrFormat.Hart, "dominion/manifest.csv",
            Flat("more/hart/duplicate-batch-names/TABULATOR1", "more/hart/duplicate-batch-names/TABULATOR2"), "more/hart/scanned-ballot-information/full.csv"),
        ["hart_duplicate_batch_names_with_two_minimal_sbi_csvs"] = () => Import(CvrFormat.Hart, "dominion/manifest.csv",
            Flat("more/hart/duplicate-batch-names/TABULATOR1", "more/hart/duplicate-batch-names/TABULATOR2"),
            "more/hart/scanned-ballot-information/minimal-tabulator-1.csv", "more/hart/scanned-ballot-information/minimal-tabulator-2.csv"),
        ["hart_duplicate_batch_names_zip_per_tabulator"] = () => Import(CvrFormat.Hart, "dominion/manifest.csv",
            "more/hart/duplicate-batch-names/TABULATOR1", "more/hart/duplicate-batch-names/TABULATOR2"),
        ["hart_shared_cvrs_with_sbi_case_1"] = () => Import(CvrFormat.Hart, "hart/manifest.csv", "hart/cvrs", "more/hart/scanned-ballot-information/full.csv"),
        ["hart_shared_cvrs_with_sbi_case_2"] = () => Import(CvrFormat.Hart, "hart/manifest.csv", "hart/cvrs", "more/hart/scanned-ballot-information/minimal.csv"),
        ["hart_shared_cvrs_with_sbi_case_3"] = () => Import(CvrFormat.Hart, "hart/manifest.csv", "hart/cvrs", "more/hart/scanned-ballot-information/minimal-tabulator-1.csv"),
        ["hart_shared_cvrs_with_sbi_case_4"] = () => Import(CvrFormat.Hart, "hart/manifest.csv", "hart/cvrs",
            "more/hart/scanned-ballot-information/minimal-tabulator-1.csv", "more/hart/scanned-ballot-information/minimal-tabulator-2.csv"),
        ["hart_shared_cvrs_with_sbi_case_5"] = () => Import(CvrFormat.Hart, "hart/manifest.csv", "hart/cvrs", "more/hart/scanned-ballot-information/minimal.csv",
            "more/hart/scanned-ballot-information/minimal-tabulator-1.csv", "more/hart/scanned-ballot-information/minimal-tabulator-2.csv"),
        ["generated_jurisdiction_siletz"] = () => Import(CvrFormat.Dominion, "more/generated-jurisdiction/siletz-ballot-manifest.csv", "more/generated-jurisdiction/siletz-cvrs.csv"),
    };

    public static TheoryData<string> Keys() => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(Keys))]
    public void Each_accepted_fixture_imports_to_its_expected_counts_totals_and_placements(string key)
    {
        JsonElement expected = Expected(key);
        CvrImport import = Cases[key]();

        Assert.Equal(expected.GetProperty("cvr_count").GetInt32(), import.CvrCount);
        List<(string Contest, int Allowed, string Choices, long Cast)> want = [];
        foreach (JsonProperty contest in expected.GetProperty("contests").EnumerateObject())
        {
            string choices = string.Join("; ", contest.Value.GetProperty("choices").EnumerateObject()
                .OrderBy(c => c.Value.GetProperty("column").GetInt32())
                .Select(c => $"{c.Name}={c.Value.GetProperty("num_votes").GetInt64()}"));
            want.Add((contest.Name, contest.Value.GetProperty("votes_allowed").GetInt32(), choices, contest.Value.GetProperty("total_ballots_cast").GetInt64()));
        }

        List<(string, int, string, long)> got = [.. import.Contests.Select(c => (c.Name, c.VotesAllowed, string.Join("; ", c.Choices.Select(x => $"{x.Name}={x.Votes}")), c.BallotsCast))];
        Assert.Equal(want.OrderBy(w => w.Contest, StringComparer.Ordinal), got.OrderBy(g => g.Item1, StringComparer.Ordinal));
        if (expected.TryGetProperty("ballots", out JsonElement ballots))
        {
            // The snapshots' column order is the contests' order in the expected document.
            CvrImport ordered = import with { Contests = [.. want.Select(w => import.Contests.Single(c => c.Name == w.Contest))] };
            List<string> wantBallots = [.. ballots.EnumerateArray().Select(b => string.Create(CultureInfo.InvariantCulture,
                $"{b.GetProperty("tabulator").GetString()}|{b.GetProperty("batch_name").GetString()}|{b.GetProperty("ballot_position").GetInt64()}|{b.GetProperty("imprinted_id").GetString()}|{b.GetProperty("interpretations").GetString()}"))
                .Order(StringComparer.Ordinal)];
            List<string> gotBallots = [.. import.Ballots.Select(b => string.Create(CultureInfo.InvariantCulture,
                $"{b.Tabulator}|{b.Batch}|{b.Position}|{b.ImprintedId}|{ordered.Interpretations(b)}")).Order(StringComparer.Ordinal)];
            Assert.Equal(wantBallots, gotBallots);
        }
    }

    [Fact]
    public void Every_ballot_comparison_entry_of_the_expected_results_is_imported_or_refused_by_a_test()
    {
        // Entries Entente refuses on purpose (Attacks/VendorCvrRefusals) and batch-inventory or JSON entries checked elsewhere.
        HashSet<string> refused = ["ess_ballots_machine_column", "ess_ballots_machine_column_no_metadata_rows", "hart_sbi_conflict"];
        foreach (string file in new[] { "expected-arlo-results.json", "more/expected-results.json" })
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(P(file)));
            foreach (JsonProperty entry in doc.RootElement.EnumerateObject().Where(e => e.Value.ValueKind == JsonValueKind.Object && e.Value.TryGetProperty("ballots", out _)))
            {
                Assert.True(Cases.ContainsKey(entry.Name) || refused.Contains(entry.Name), $"{entry.Name} has no test");
            }
        }
    }

    [Fact]
    public void Siletz_has_the_derived_invalid_ballots_of_minister_of_farming()
    {
        CvrImport import = Cases["generated_jurisdiction_siletz"]();
        var byBatch = import.Ballots.Where(b => b.Contests.ContainsKey("Minister of Farming")).GroupBy(b => b.Batch)
            .ToDictionary(g => g.Key, g => (Under: g.Count(b => b.Contests["Minister of Farming"].MarkCount == 0), Over: g.Count(b => b.Contests["Minister of Farming"].MarkCount > 1)));
        Assert.Equal((3, 3), byBatch["Batch 1"]);
        Assert.Equal((2, 3), byBatch["Batch 2"]);
    }

    [Fact]
    public void Dominion_json_5_2_reads_only_marks_that_are_votes()
    {
        string manifest = TempManifest("Tabulator,Batch Name,Number of Ballots\n60001,1,1\n60009,3,1\n");
        CvrImport import = Import(CvrFormat.DominionJson, manifest, "shangrla/dominion-json/test_5.2.18.2.Dominion.json");
        Assert.Equal(["60001-1-1", "60009-3-21"], import.Ballots.Select(b => b.ImprintedId));
        Assert.Equal(["6"], Voted(import, "60001-1-1", "111"));
        Assert.Equal(["6"], Voted(import, "60009-3-21", "111"));
        Assert.Equal(["9"], Voted(import, "60009-3-21", "122"));
    }

    [Fact]
    public void Dominion_json_5_10_takes_the_adjudicated_block_the_image_mask_record_and_every_sheet()
    {
        string manifest = TempManifest("Tabulator,Batch Name,Number of Ballots\n1,2,1\n1,5,1\n1,17,1\n");
        CvrImport import = Import(CvrFormat.DominionJson, manifest, "more/shangrla/dominion-json/test_5.10.50.85.Dominion.json");
        Assert.Equal(["1-2-13", "1-5-119", "1-17-123456789"], import.Ballots.Select(b => b.ImprintedId));
        Assert.Equal(["5"], Voted(import, "1-2-13", "1"));
        Assert.Empty(Voted(import, "1-5-119", "1"));
        Assert.Equal(["17"], Voted(import, "1-17-123456789", "12"));
        Assert.Equal(["18"], Voted(import, "1-17-123456789", "13"));
        Assert.Equal(["26", "27"], Voted(import, "1-17-123456789", "19"));
        Assert.Equal(["192"], Voted(import, "1-17-123456789", "20"));
    }

    [Fact]
    public void Dominion_json_split_exports_are_read_together_in_file_order()
    {
        string manifest = TempManifest("Tabulator,Batch Name,Number of Ballots\n1,2,1\n1,5,1\n");
        CvrImport import = Import(CvrFormat.DominionJson, manifest, "more/shangrla/dominion-json/CVR_Export");
        Assert.Equal(["1-2-13", "1-5-119"], import.Ballots.Select(b => b.ImprintedId));
        Assert.Equal(["5"], Voted(import, "1-2-13", "1"));
        Assert.Empty(Voted(import, "1-5-119", "1"));
    }

    [Fact]
    public void A_Hart_contest_with_an_undervote_element_counts_as_on_the_card()
    {
        string manifest = TempManifest("Tabulator,Batch Name,Number of Ballots\nT,2280,1\n");
        CvrImport import = Import(CvrFormat.Hart, manifest, "shangrla/hart-xml/test_Hart_CVR_1.xml");
        ImportedCvr card = Assert.Single(import.Ballots);
        Assert.Equal(0, card.Contests["GOVERNOR"].MarkCount);
        Assert.Equal(1, import.Contests.Single(c => c.Name == "GOVERNOR").BallotsCast);
        Assert.Equal(["Write-In"], Voted(import, card.ImprintedId, "MAYOR"));
    }

    [Fact]
    public void Imported_cards_become_the_audit_cvrs_with_overvotes_as_no_valid_vote()
    {
        CvrImport import = Cases["dominion"]();
        var cvrs = import.ToCastVoteRecords();
        Assert.Equal(14, cvrs.Count);
        Io.CastVoteRecord overvote = cvrs[new Io.BallotLocation("TABULATOR2", "BATCH2", 2)];
        Assert.Equal("2-2-2", overvote.Id);
        Assert.Empty(overvote.Contests["Contest 1"]);
        Io.CastVoteRecord shifted = cvrs[new Io.BallotLocation("TABULATOR2", "BATCH2", 3)];
        Assert.Equal("2-2-4", shifted.Id); // record id 4 sits at position 3: the rank rule
        Assert.False(shifted.Contests.ContainsKey("Contest 1"));
        Assert.Equal(["Choice 2-1", "Choice 2-3"], shifted.Contests["Contest 2"].Order(StringComparer.Ordinal));
    }

    private static IEnumerable<string> Voted(CvrImport import, string id, string contest) =>
        import.Ballots.Single(b => b.ImprintedId == id).Contests[contest].Marks.Where(m => m.Value > 0).Select(m => m.Key).Order(StringComparer.Ordinal);
}
