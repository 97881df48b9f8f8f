using System.Text.Json.Nodes;
using Entente.Cryptography;
using Entente.Verifier.Framework;
using Entente.Verifier.Native;

namespace Entente.Verifier.Tests.Contract;

/// <summary>One record on the standard 4096-bit group, a few ballots: it passes, and a flipped proof fails its step.</summary>
[Trait("Category", "Slow")]
public sealed class NativeStandardGroupTests : IClassFixture<NativeStandardGroupTests.Record>
{
    private readonly Record _record;

    public NativeStandardGroupTests(Record record) => _record = record;

    /// <summary>n = 2, k = 2, 3 ballots of which 1 challenged, with contest data (both cast ballots' decrypted into contest_data/), simple chaining.</summary>
    public sealed class Record : IDisposable
    {
        private readonly NativeRecords _records = new();

        public Record()
        {
            Directory = _records.Write("standard", """
                {"label":"Standard","contests":[
                  {"label":"Question","contest_options":[{"label":"Yes"},{"label":"No"}],"contest_data_blocks":1}],
                 "ballot_styles":[{"label":"only","contests":[1]}],"chaining_mode":"simple"}
                """, Group.Standard, guardians: 2, quorum: 2, ballots: 3, challenged: 1, seed: 6103, decrypting: null, decryptContestData: 2);
        }

        public string Directory { get; }

        public void Dispose() => _records.Dispose();
    }

    [Fact]
    public void A_standard_group_record_passes_every_step_without_notes_about_its_group()
    {
        VerificationReport report = NativeVerifier.Verify(_record.Directory, new VerificationOptions { Threads = 2 });

        Assert.True(report.Passed, string.Join("\n", report.Failures));
        Assert.Empty(report.Notes);
        Assert.Equal(3, report.Step("5")!.Checked);
        Assert.Equal(1, report.Step("13")!.Checked);
        Assert.Equal(2, report.Step("12")!.Checked);
        Assert.Empty(report.Step("12")!.Notes);
    }

    [Fact]
    public void A_changed_decrypted_write_in_on_the_standard_group_fails_step_12_naming_the_ballot()
    {
        using NativeCopy copy = new(_record.Directory);
        string file = System.IO.Directory.GetFiles(copy.PathOf("contest_data")).Order(StringComparer.Ordinal).First();
        string ballot = Path.GetFileNameWithoutExtension(file);
        copy.Edit($"contest_data/{ballot}.json", d =>
        {
            JsonNode contest = d["contests"]![0]!;
            string data = contest["data"]!.GetValue<string>();
            contest["data"] = "58" + data[2..];   // the first character of the write-in becomes "X"
            contest["text"] = "X" + contest["text"]!.GetValue<string>()[1..];
        });
        copy.Reseal();

        VerificationReport report = NativeVerifier.Verify(copy.Directory, new VerificationOptions { Threads = 2 });

        Assert.Equal(["12"], report.Steps.Where(s => !s.Passed).Select(s => s.Number));
        VerificationFailure failure = Assert.Single(report.Step("12")!.Failures);
        Assert.Equal("12.C", failure.Check);
        Assert.Equal(ballot, failure.Subject.Ballot);
        Assert.Equal("Question", failure.Subject.Contest);
    }

    [Fact]
    public void A_flipped_tally_proof_response_on_the_standard_group_fails_step_10()
    {
        using NativeCopy copy = new(_record.Directory);
        copy.Edit("tally/tally.json", t =>
        {
            JsonNode proof = t["contests"]![0]!["options"]![0]!["proof"]!;
            string v = proof["v"]!.GetValue<string>();
            proof["v"] = (v[10] == '0' ? "1" : "0") is string d ? v[..10] + d + v[11..] : v;
        });
        copy.Reseal();

        VerificationReport report = NativeVerifier.Verify(copy.Directory, new VerificationOptions { Threads = 2 });

        Assert.Equal(["10"], report.Steps.Where(s => !s.Passed).Select(s => s.Number));
    }
}
