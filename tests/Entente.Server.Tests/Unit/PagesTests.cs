using System.Text;
using System.Text.Json;
using Entente.Audit.Seed;
using Entente.Cli.Commands.Demo;
using Entente.Server.Pages;

namespace Entente.Server.Tests.Unit;

/// <summary>The pages' rules that need no server: confirmation codes as typed, the run summary, the audit seed, names of STIX messages.</summary>
public sealed class PagesTests
{
    private const string Code = "AF7ECC429A8631CF0011223344556677AF7ECC429A8631CF0011223344556677";

    [Theory]
    [InlineData("AF7ECC42 9A8631CF 00112233 44556677 AF7ECC42 9A8631CF 00112233 44556677")]
    [InlineData("af7ecc42-9a8631cf-00112233-44556677-af7ecc42-9a8631cf-00112233-44556677")]
    [InlineData("  af7e cc42 9a86 31cf 0011 2233 4455 6677 AF7E CC42 9A86 31CF 0011 2233 4455 6677\n")]
    [InlineData("AF:7E:CC:42:9A:86:31:CF:00:11:22:33:44:55:66:77:AF:7E:CC:42:9A:86:31:CF:00:11:22:33:44:55:66:77")]
    public void A_confirmation_code_typed_with_spaces_dashes_or_lower_case_is_the_same_code(string typed)
    {
        Assert.Equal(Code, ConfirmationCodes.Normalize(typed, out string? problem));
        Assert.Null(problem);
    }

    [Theory]
    [InlineData("AF7ECC42", "this one has 8")]
    [InlineData(Code + "0", "this one has 65")]
    [InlineData("AF7ECC42 9A8631CG", "\"G\" cannot be part")]
    [InlineData("", "64 characters")]
    public void A_wrong_confirmation_code_is_refused_saying_how_many_characters_are_expected(string typed, string expected)
    {
        Assert.Null(ConfirmationCodes.Normalize(typed, out string? problem));
        Assert.Contains(expected, problem, StringComparison.Ordinal);
        Assert.Contains("64", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void The_run_summary_reads_the_stages_of_a_summary_written_by_todays_demo()
    {
        DemoResult result = new()
        {
            Directory = "/somewhere",
            RecordDirectory = "/somewhere/record",
            BoardDirectory = "/somewhere/board",
            BoardUrl = "http://127.0.0.1:5080/",
            GroupName = "tiny",
            Stages = [new DemoStage("Key ceremony", TimeSpan.FromSeconds(1.27), "3 guardians"), new DemoStage("Voting", TimeSpan.FromMilliseconds(2500), "10 ballots")],
        };
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(result, DemoJsonContext.Default.DemoResult);
        RunSummary summary = Assert.IsType<RunSummary>(RunSummary.Parse(json));
        Assert.Equal(["Key ceremony", "Voting"], summary.Stages.Select(s => s.Name));
        Assert.Equal(TimeSpan.FromSeconds(1.27), summary.Stages[0].Elapsed);
        Assert.Equal("10 ballots", summary.Stages[1].Outcome);
        Assert.Equal(TimeSpan.FromSeconds(3.77), summary.Total);
    }

    [Fact]
    public void The_run_summary_accepts_seconds_and_lower_case_names_and_ignores_what_is_not_a_summary()
    {
        RunSummary summary = Assert.IsType<RunSummary>(RunSummary.Parse("""{"stages":[{"name":"Tally","elapsed":0.5,"outcome":"ok"},{"no":"name"}]}"""u8));
        Assert.Equal(TimeSpan.FromSeconds(0.5), Assert.Single(summary.Stages).Elapsed);
        Assert.Null(RunSummary.Parse("""{"stages":[]}"""u8));
        Assert.Null(RunSummary.Parse("not json"u8));
        Assert.Null(RunSummary.Parse("[1,2]"u8));
    }

    [Fact]
    public void The_audit_view_checks_each_reveal_against_its_commitment_and_recomputes_the_seed_of_the_plan()
    {
        const string audit = "audit-0123456789abcdef";
        byte[] blue = SeedProtocol.NewSecret();
        byte[] red = SeedProtocol.NewSecret();
        byte[] wrong = SeedProtocol.NewSecret();
        List<SeedLogRecord> records =
        [
            new(audit, "Blue", SeedRecordKind.Commit, SeedProtocol.Commitment(audit, "Blue", blue), 10, DateTimeOffset.UnixEpoch.AddSeconds(10)),
            new(audit, "Red", SeedRecordKind.Commit, SeedProtocol.Commitment(audit, "Red", red), 11, DateTimeOffset.UnixEpoch.AddSeconds(11)),
            new(audit, "Blue", SeedRecordKind.Reveal, blue, 12, DateTimeOffset.UnixEpoch.AddSeconds(12)),
            new(audit, "Red", SeedRecordKind.Reveal, red, 13, DateTimeOffset.UnixEpoch.AddSeconds(13)),
        ];
        SeedSchedule schedule = new(audit, ["Blue", "Red"], DateTimeOffset.UnixEpoch.AddSeconds(12), DateTimeOffset.UnixEpoch.AddSeconds(14), DateTimeOffset.UnixEpoch.AddSeconds(14));
        string seed = SeedProtocol.Evaluate(schedule, records, DateTimeOffset.UnixEpoch.AddSeconds(20)).Seed!;
        byte[] plan = Encoding.UTF8.GetBytes($$"""{"audit":"{{audit}}","seed":"{{seed}}","method":"BRAVO"}""");
        AuditView view = AuditView.Build(
        [
            new(10, "audit.commit", "Blue", "", records[0].Payload.ToArray()),
            new(11, "audit.commit", "Red", "", records[1].Payload.ToArray()),
            new(12, "audit.reveal", "Blue", "", blue),
            new(13, "audit.reveal", "Red", "", red),
            new(14, "audit.plan", "Blue", "", plan),
        ]);
        Assert.Equal(audit, view.AuditId);
        Assert.Equal(seed, view.StatedSeed);
        Assert.Equal(seed, view.RecomputedSeed);
        Assert.All(view.Parties, p => Assert.True(p.Matches));

        AuditView cheated = AuditView.Build(
        [
            new(10, "audit.commit", "Blue", "", records[0].Payload.ToArray()),
            new(12, "audit.reveal", "Blue", "", wrong),
            new(14, "audit.plan", "Blue", "", plan),
        ]);
        Assert.False(Assert.Single(cheated.Parties).Matches);
        Assert.NotEqual(seed, cheated.RecomputedSeed);
    }

    [Fact]
    public void A_sighting_is_named_by_what_it_saw_not_by_raw_ids()
    {
        using JsonDocument indicator = JsonDocument.Parse("""{"type":"indicator","id":"indicator--1","name":"Scanner 203.0.113.9"}""");
        using JsonDocument sighting = JsonDocument.Parse("""{"type":"sighting","sighting_of_ref":"indicator--1","count":3}""");
        using JsonDocument unknown = JsonDocument.Parse("""{"type":"sighting","sighting_of_ref":"malware--9","count":1}""");
        Dictionary<string, JsonElement> objects = new() { ["indicator--1"] = indicator.RootElement };
        string named = IncidentView.Describe(sighting.RootElement, "sighting", new Dictionary<string, string>(), objects);
        Assert.Equal("sighting of indicator \u201cScanner 203.0.113.9\u201d, seen 3 times", named);
        string other = IncidentView.Describe(unknown.RootElement, "sighting", new Dictionary<string, string>(), objects);
        Assert.Equal("sighting of a malware not shared in this exchange, seen 1 time", other);
        Assert.DoesNotContain("--", named + other, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("stage:key-ceremony", "election.key", true)]
    [InlineData("stage:key-ceremony", "guardian.share", true)]
    [InlineData("guardian.*", "election.key", false)]
    [InlineData("tally.decrypted", "ballot.opened", false)]
    [InlineData("stage:decrypted", "ballot.opened", true)]
    [InlineData("ballot.cast", "ballot.cast", true)]
    [InlineData(null, "anything", true)]
    public void The_log_filter_takes_a_type_a_family_or_a_stage(string? filter, string type, bool matches) =>
        Assert.Equal(matches, LogGroups.Matches(filter, type));
}
