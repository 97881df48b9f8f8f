using System.Text;
using Entente.Audit.Io;
using Entente.Audit.Sampling;
using Entente.Audit.Trail;

namespace Entente.Audit.Tests.Unit;

/// <summary>
/// Multi-jurisdiction audits (docs/audit.md, "Multi-jurisdiction audits"): the inputs naming the jurisdictions and each
/// jurisdiction's upload in canonical form, the union every ballot of which carries its jurisdiction, Arlo's ids over the
/// union equal to each jurisdiction's own Arlo ids, and the refusals.
/// </summary>
public sealed class MultiJurisdictionTests
{
    private const string Results = "Contest,Choice,Votes,Ballots\nMayor,Alice,6,8\nMayor,Bob,2,8\n";

    private static AuditInputsArtifact Inputs(string ids = "arlo", string method = "bravo") =>
        new("a1", method, 0.1, ids, null, [new AuditInputFile("results.csv", Results)])
        {
            Jurisdictions = [new AuditJurisdiction("Kent", "blue.example"), new AuditJurisdiction("Mesa", "red.example")],
        };

    private static AuditUploadArtifact Upload(string jurisdiction, string manifest) => new("a1", jurisdiction, [new AuditInputFile("manifest.csv", manifest)]);

    [Fact]
    public void The_inputs_naming_jurisdictions_and_an_upload_read_back_from_their_canonical_bytes()
    {
        byte[] bytes = AuditTrailArtifacts.Write(Inputs());
        Assert.Contains("\"jurisdiction\":null,\"jurisdictions\":[{\"name\":\"Kent\",\"party\":\"blue.example\"},{\"name\":\"Mesa\",\"party\":\"red.example\"}],\"files\":", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
        AuditInputsArtifact read = AuditTrailArtifacts.ReadInputs("inputs", bytes);
        Assert.Equal(["Kent", "Mesa"], read.Jurisdictions.Select(j => j.Name));
        AuditUploadArtifact upload = Upload("Kent", "Batch,Ballots\nB1,3\n");
        Assert.Equal("a1:Kent", upload.Id);
        Assert.Equal(AuditTrailArtifacts.Write(upload), AuditTrailArtifacts.Write(AuditTrailArtifacts.ReadUpload("upload", AuditTrailArtifacts.Write(upload))));

        // An audit of one manifest keeps its bytes: no "jurisdictions" member.
        Assert.DoesNotContain("jurisdictions", Encoding.UTF8.GetString(AuditTrailArtifacts.Write(Inputs() with { Jurisdictions = [] })), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("arlo-batch", "Kent", "Mesa", "arlo-batch ids (batch, position) do not carry the jurisdiction")]
    [InlineData("arlo", "Ke:nt", "Mesa", "the jurisdiction name \"Ke:nt\" has a ':'")]
    [InlineData("entente", "Kent", "Kent", "the jurisdiction \"Kent\" is named twice")]
    public void Inputs_whose_jurisdictions_cannot_label_every_ballot_are_refused(string ids, string first, string second, string expected)
    {
        AuditInputsArtifact inputs = Inputs(ids) with { Jurisdictions = [new AuditJurisdiction(first, "blue.example"), new AuditJurisdiction(second, "red.example")] };
        AuditInputException e = Assert.Throws<AuditInputException>(() => AuditTrailArtifacts.ReadInputs("inputs", AuditTrailArtifacts.Write(inputs)));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_union_labels_each_batch_with_its_jurisdiction_and_arlo_ids_are_each_jurisdictions_own()
    {
        AuditInputsArtifact union = MultiJurisdiction.Union(Inputs(), [Upload("Mesa", "Batch,Ballots\nB1,2\n"), Upload("Kent", "Tabulator,Batch,Ballots\nT1,B1,3\nT1,B2,3\n")]);
        BallotManifest manifest = BallotManifest.FromTable(CsvTable.Parse(Encoding.UTF8.GetBytes(union.Files.Single(f => f.Name == "manifest.csv").Text), "manifest.csv"));
        Assert.Equal(["Kent:T1 / B1", "Kent:T1 / B2", "Mesa / B1"], manifest.Batches.Select(b => b.Key)); // the inputs' order, batch names repeating across jurisdictions
        var ids = BallotIds.Enumerate(manifest, BallotIdScheme.Arlo);
        Assert.Equal("(('Kent', 'T1', 'B1'), 1)", ids[0].Id);
        Assert.Equal("(('Mesa', None, 'B1'), 2)", ids[^1].Id);
        BallotManifest mesa = BallotManifest.FromTable(CsvTable.Parse("Batch,Ballots\nB1,2\n"u8, "m"));
        Assert.Equal(BallotIds.Enumerate(mesa, BallotIdScheme.Arlo, "Mesa").Select(b => b.Id), ids.Skip(6).Select(b => b.Id));
    }

    [Fact]
    public void A_comparison_union_prefixes_each_ballot_id_with_its_jurisdiction_so_equal_ids_in_two_counties_do_not_collide()
    {
        const string Cvrs = "Batch,Position,BallotId,Contest,Choice\nB1,1,1-1-1,Mayor,Alice\n";
        AuditUploadArtifact U(string j) => new("a1", j, [new AuditInputFile("manifest.csv", "Batch,Ballots\nB1,4\n"), new AuditInputFile("cvrs.csv", Cvrs)]);
        AuditInputsArtifact union = MultiJurisdiction.Union(Inputs("entente", "comparison"), [U("Kent"), U("Mesa")]);
        Assert.Equal("Tabulator,Batch,Position,BallotId,Contest,Choice\nKent,B1,1,Kent:1-1-1,Mayor,Alice\nMesa,B1,1,Mesa:1-1-1,Mayor,Alice\n", union.Files.Single(f => f.Name == "cvrs.csv").Text);
    }

    [Fact]
    public void An_upload_of_another_jurisdiction_of_wrong_files_or_of_an_unreadable_manifest_is_refused_naming_why()
    {
        AuditInputsArtifact inputs = Inputs();
        Assert.Contains("\"Lake\" is not a jurisdiction of audit a1; its jurisdictions: Kent, Mesa", MultiJurisdiction.CheckUpload(inputs, Upload("Lake", "Batch,Ballots\nB1,3\n")), StringComparison.Ordinal);
        Assert.Contains("a comparison audit's upload holds manifest.csv and cvrs.csv", MultiJurisdiction.CheckUpload(Inputs(method: "comparison"), Upload("Kent", "Batch,Ballots\nB1,3\n")), StringComparison.Ordinal);
        Assert.Contains("Kent's manifest.csv", MultiJurisdiction.CheckUpload(inputs, Upload("Kent", "Batch,Ballots\nB1,-3\n")), StringComparison.Ordinal);
        Assert.Null(MultiJurisdiction.CheckUpload(inputs, Upload("Kent", "Batch,Ballots\nB1,3\n")));
        Assert.Equal(["Mesa"], MultiJurisdiction.Missing(inputs, ["Kent"]));
        AuditInputException missing = Assert.Throws<AuditInputException>(() => MultiJurisdiction.Union(inputs, [Upload("Kent", "Batch,Ballots\nB1,3\n")]));
        Assert.Contains("jurisdiction Mesa has not uploaded its files", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_batch_union_reads_each_jurisdictions_tallies_against_its_own_batches_even_where_batch_names_repeat()
    {
        string Text(string name) => File.ReadAllText(VendorFixtures.P("more/generated-jurisdiction/" + name));
        string manifest = Encoding.UTF8.GetString(Vendors.NormalizedInputs.Manifest(Vendors.VendorManifest.Load(VendorFixtures.P("more/generated-jurisdiction/siletz-ballot-manifest.csv"))));
        AuditUploadArtifact U(string j) => new("a1", j, [new AuditInputFile("manifest.csv", manifest), new AuditInputFile("batch-tallies.csv", Text("siletz-minister-of-farming-candidate-totals-by-batch.csv"))]);
        AuditInputsArtifact inputs = new("a1", "batch", 0.1, "entente", null, [new AuditInputFile("results.csv",
            "Contest,Choice,Votes,Ballots\nMinister of Farming,Erin George,82,114\nMinister of Farming,Alex Hall,10,114\nMinister of Farming,Write-In,0,114\n")])
        {
            Jurisdictions = [new AuditJurisdiction("Kent", "blue.example"), new AuditJurisdiction("Mesa", "red.example")],
        };
        Assert.Null(MultiJurisdiction.CheckUpload(inputs, U("Kent")));
        AuditProgress progress = new(MultiJurisdiction.Union(inputs, [U("Kent"), U("Mesa")]));
        Assert.Equal(6, progress.Reported!.Count);
        Assert.Equal(18, progress.Reported[progress.Manifest.Batches.Single(b => b.Key == "Mesa:Tabulator A / Batch 1")]["Minister of Farming"]["Erin George"]);
    }
}
