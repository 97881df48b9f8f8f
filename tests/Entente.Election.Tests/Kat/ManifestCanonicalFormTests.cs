using System.Text;
using Entente.Election.Manifest;

namespace Entente.Election.Tests.Kat;

public class ManifestCanonicalFormTests
{
    [Fact]
    public void Canonical_bytes_of_the_reference_manifest_equal_the_reference_implementations_bytes()
    {
        // Source: microsoft/electionguard-rust example_artifacts (see tests/vectors/electionguard-records/README.md).
        ElectionManifest manifest = ManifestReader.Parse(TestFiles.Bytes(TestFiles.Vector("rust-election_manifest.json")));
        byte[] expected = TestFiles.Bytes(TestFiles.Vector("rust-election_manifest_canonical.bin"));
        Assert.Equal(expected, manifest.CanonicalBytes);
    }

    [Fact]
    public void Canonical_bytes_parse_back_to_the_same_canonical_bytes()
    {
        byte[] canonical = TestFiles.Bytes(TestFiles.Vector("rust-election_manifest_canonical.bin"));
        Assert.Equal(canonical, ManifestReader.Parse(canonical).CanonicalBytes);
    }

    [Fact]
    public void Effective_limits_follow_the_serialization_draft()
    {
        ElectionManifest manifest = ManifestReader.Parse(TestFiles.Bytes(TestFiles.Vector("rust-election_manifest.json")));
        Contest council = manifest.Contests[4];
        Assert.Equal("Gränd Cøuncil of Arcáne and Technomägical Affairs", council.Label);
        // contest default 1: every option is capped at 1 and the contest limit stays 1.
        Assert.All(council.Options, o => Assert.Equal(1, o.SelectionLimit));
        Assert.Equal(1, council.SelectionLimit);
        Contest librarian = manifest.Contests[9];
        Assert.Equal(int.MaxValue, librarian.Options[0].SelectionLimit);
        Assert.Equal(int.MaxValue, librarian.SelectionLimit);
        Assert.Equal(17, manifest.BallotStyles.Count);
        Assert.Equal(new[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 11 }, manifest.BallotStyles[13].ContestIndices);
    }

    [Fact]
    public void The_draft_member_name_options_is_read_and_written_as_contest_options()
    {
        string json = """{"label":"E","contests":[{"label":"C","options":[{"label":"A"},{"label":"B","selection_limit":1}]}],"ballot_styles":[{"label":"S","contests":[1]}]}""";
        ElectionManifest manifest = ManifestReader.Parse(Encoding.UTF8.GetBytes(json));
        Assert.Equal(
            """{"label":"E","contests":[{"label":"C","contest_options":[{"label":"A"},{"label":"B"}]}],"ballot_styles":[{"label":"S","contests":[1]}]}""",
            Encoding.UTF8.GetString(manifest.CanonicalBytes));
    }

    [Fact]
    public void Optional_members_are_written_after_the_drafts_members_and_defaults_are_omitted()
    {
        string json = """
            { "label": "E", "max_ballot_weight": 3, "chaining_mode": "simple", "device_information": "device id and polling place",
              "contests": [ { "label": "C", "selection_limit": 2, "contest_data_blocks": 2,
                              "contest_options": [ { "label": "A" }, { "label": "B", "selection_limit": "CONTEST_LIMIT" }, { "label": "W" } ] } ],
              "ballot_styles": [ { "label": "S", "contests": [ 1 ] } ] }
            """;
        ElectionManifest manifest = ManifestReader.Parse(Encoding.UTF8.GetBytes(json));
        Assert.Equal(
            """{"label":"E","contests":[{"label":"C","selection_limit":2,"contest_options":[{"label":"A"},{"label":"B","selection_limit":"CONTEST_LIMIT"},{"label":"W"}],"contest_data_blocks":2}],"ballot_styles":[{"label":"S","contests":[1]}],"chaining_mode":"simple","device_information":"device id and polling place","max_ballot_weight":3}""",
            Encoding.UTF8.GetString(manifest.CanonicalBytes));
        Assert.Equal(ChainingMode.Simple, manifest.ChainingMode);
        Assert.Equal(3, manifest.MaxBallotWeight);
        Assert.Equal(2, manifest.Contests[0].ContestDataBlocks);
        Assert.Equal(new[] { 1, 2, 1 }, manifest.Contests[0].Options.Select(o => o.SelectionLimit));
        Assert.Equal(2, manifest.Contests[0].SelectionLimit);
    }

    [Fact]
    public void Control_characters_and_quotes_are_escaped_like_the_reference_implementation()
    {
        string json = "{\"label\":\"E \\\"x\\\" \\\\ \\u0001 🗳\",\"contests\":[{\"label\":\"C\",\"options\":[{\"label\":\"A\"}]}],\"ballot_styles\":[{\"label\":\"S\",\"contests\":[1]}]}";
        Assert.Throws<ElectionFormatException>(() => ManifestReader.Parse(Encoding.UTF8.GetBytes(json)));
        string ok = "{\"label\":\"E \\\"x\\\" \\\\ 🗳\",\"contests\":[{\"label\":\"C\",\"options\":[{\"label\":\"A\"}]}],\"ballot_styles\":[{\"label\":\"S\",\"contests\":[1]}]}";
        string canonical = Encoding.UTF8.GetString(ManifestReader.Parse(Encoding.UTF8.GetBytes(ok)).CanonicalBytes);
        Assert.StartsWith("{\"label\":\"E \\\"x\\\" \\\\ 🗳\"", canonical, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("smoke.json", 1, 4)]
    [InlineData("general.json", 20, 100)]
    public void Benchmark_manifests_have_the_documented_shape(string file, int contests, int options)
    {
        ElectionManifest manifest = ManifestReader.Parse(TestFiles.Bytes(TestFiles.Manifest(file)));
        Assert.Equal(contests, manifest.Contests.Count);
        Assert.Equal(options, manifest.Contests.Sum(c => c.Options.Count));
        Assert.All(manifest.Contests, c => Assert.Equal(1, c.SelectionLimit));
    }
}
