using Entente.Client.Board;
using Entente.Transparency;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;

namespace Entente.Client.Tests.Unit;

/// <summary>The step table of docs/record-format.md §11, judged from entries and their times alone.</summary>
public sealed class StepScheduleTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    private static Charter Charter(string deadlines)
    {
        using Ed25519NoteSigner blue = Ed25519NoteSigner.Generate("Blue");
        using Ed25519NoteSigner red = Ed25519NoteSigner.Generate("Red");
        using Ed25519NoteSigner green = Ed25519NoteSigner.Generate("Green");
        return Transparency.Log.Charter.Parse($$"""
            { "parties": [
              { "name": "Blue", "key": "{{blue.VerifierKey}}", "roles": ["party", "guardian"], "guardians": [1] },
              { "name": "Red", "key": "{{red.VerifierKey}}", "roles": ["party", "guardian"], "guardians": [2] },
              { "name": "Green", "key": "{{green.VerifierKey}}", "roles": ["party", "guardian"], "guardians": [3] } ],
              "deadlines": {{deadlines}} }
            """);
    }

    private static LogEntry Entry(string type, string party, double seconds) =>
        new(type, Hash256.Compute(System.Text.Encoding.UTF8.GetBytes(type + party + seconds)), party, time: T0.AddSeconds(seconds));

    private static byte[] Commit(params int[] u) => System.Text.Encoding.UTF8.GetBytes($$"""{"i":1,"guardians":[{{string.Join(",", u)}}]}""");

    [Fact]
    public void A_guardian_that_commits_late_is_late_one_that_never_commits_is_not_done_once_the_log_passes_the_deadline()
    {
        ScheduleLog log = new();
        log.Observe(10, Entry("tally.encrypted", "Blue", 0));
        log.Observe(11, Entry("decryption.commit", "Blue", 30), Commit(1, 2));
        log.Observe(12, Entry("decryption.commit", "Red", 90), Commit(1, 2));
        ScheduleReport report = log.Evaluate(Charter("""{ "decryption.commit": 60 }"""));
        Assert.Equal(StepOutcome.OnTime, Status(report, "decryption.commit", "Blue").Outcome);
        StepStatus red = Status(report, "decryption.commit", "Red");
        Assert.Equal(StepOutcome.Late, red.Outcome);
        Assert.Equal(T0.AddSeconds(60), red.Due);
        Assert.Equal(new LogPoint(12, T0.AddSeconds(90)), red.DoneAt);
        Assert.DoesNotContain(report.Steps, s => s.Party == "Green"); // not in U = {1, 2}

        // Reveals open at Red's commit (the last of U): Blue reveals, Red does not, and the log's time moves past the deadline.
        log.Observe(13, Entry("decryption.reveal", "Blue", 100));
        Assert.Equal(StepOutcome.Pending, Status(log.Evaluate(Charter("""{ "decryption.reveal": 60 }""")), "decryption.reveal", "Red").Outcome);
        log.Observe(20, Entry("ballot.cast", "Green", 151));
        report = log.Evaluate(Charter("""{ "decryption.reveal": 60 }"""));
        StepStatus missing = Status(report, "decryption.reveal", "Red");
        Assert.Equal(StepOutcome.NotDone, missing.Outcome);
        Assert.Equal(new LogPoint(12, T0.AddSeconds(90)), missing.Opened);
        Assert.Null(missing.DoneAt);
        Assert.Equal(StepOutcome.OnTime, Status(report, "decryption.reveal", "Blue").Outcome);
        Assert.Equal(T0.AddSeconds(151), report.LogTime);
        Assert.Equal(21, report.LogSize);
        Assert.Equal(["Red"], report.Missed.Select(s => s.Party));
    }

    [Fact]
    public void Key_ceremony_steps_open_one_after_the_other_and_a_party_owes_n_minus_one_shares_per_guardian()
    {
        ScheduleLog log = new();
        log.Observe(2, Entry("election.parameters", "Blue", 0));
        string[] parties = ["Blue", "Red", "Green"];
        long index = 3;
        foreach (string p in parties)
        {
            log.Observe(index++, Entry("guardian.commitment", p, index));
        }

        foreach (string p in parties)
        {
            log.Observe(index++, Entry("guardian.share", p, 100 + index));
            if (p != "Green")
            {
                log.Observe(index++, Entry("guardian.share", p, 100 + index));
            }
        }

        ScheduleReport report = log.Evaluate(Charter("""{ "guardian.commitment": 60, "guardian.share": 60 }"""));
        Assert.All(report.Steps.Where(s => s.Step == "guardian.commitment"), s => Assert.Equal(StepOutcome.OnTime, s.Outcome));
        Assert.Equal(StepOutcome.Late, Status(report, "guardian.share", "Blue").Outcome); // opened at ~6 s, done at ~106 s
        Assert.Equal(StepOutcome.NotDone, Status(report, "guardian.share", "Green").Outcome); // one share of two
        Assert.DoesNotContain(report.Steps, s => s.Step == "guardian.approval"); // not every share is in: approvals have not opened
    }

    [Fact]
    public void An_approval_logged_before_the_last_share_opens_the_step_counts_as_on_time()
    {
        ScheduleLog log = new();
        log.Observe(0, Entry("election.parameters", "Blue", 0));
        string[] parties = ["Blue", "Red", "Green"];
        long index = 1;
        foreach (string p in parties)
        {
            log.Observe(index++, Entry("guardian.commitment", p, 1));
        }

        foreach (string p in parties)
        {
            log.Observe(index++, Entry("guardian.share", p, 2));
            log.Observe(index++, Entry("guardian.share", p, 2));
            if (p == "Red")
            {
                log.Observe(index++, Entry("guardian.approval", "Blue", 3)); // before Green's shares: early, not late
            }
        }

        log.Observe(index, Entry("guardian.approval", "Red", 4));
        ScheduleReport report = log.Evaluate(Charter("""{ "guardian.approval": 60 }"""));
        StepStatus blue = Status(report, "guardian.approval", "Blue");
        Assert.Equal(StepOutcome.OnTime, blue.Outcome);
        Assert.True(blue.DoneAt!.Index < blue.Opened.Index);
        Assert.Equal(StepOutcome.OnTime, Status(report, "guardian.approval", "Red").Outcome);
        Assert.Equal(StepOutcome.Pending, Status(report, "guardian.approval", "Green").Outcome);
    }

    [Fact]
    public void A_step_without_a_deadline_is_done_or_pending_never_late()
    {
        ScheduleLog log = new();
        log.Observe(0, Entry("tally.encrypted", "Blue", 0));
        log.Observe(1, Entry("decryption.commit", "Blue", 10_000), Commit(1, 3));
        ScheduleReport report = log.Evaluate(Charter("{}"));
        Assert.Equal(StepOutcome.Done, Status(report, "decryption.commit", "Blue").Outcome);
        Assert.Equal(StepOutcome.Pending, Status(report, "decryption.commit", "Green").Outcome);
        Assert.Null(Status(report, "decryption.commit", "Green").Due);
    }

    [Fact]
    public void The_schedule_file_names_each_step_party_due_time_and_status()
    {
        ScheduleLog log = new();
        log.Observe(0, Entry("tally.encrypted", "Blue", 0));
        log.Observe(1, Entry("decryption.commit", "Red", 75), Commit(2, 3));
        string json = System.Text.Encoding.UTF8.GetString(log.Evaluate(Charter("""{ "decryption.commit": 60 }""")).ToJson());
        Assert.Contains("\"format\":\"entente-schedule/1\"", json, StringComparison.Ordinal);
        Assert.Contains("\"due\":\"2026-12-06T12:01:00.000Z\"", json, StringComparison.Ordinal);
        Assert.Contains("\"status\":\"late\"", json, StringComparison.Ordinal);
        Assert.Contains("\"status\":\"not_done\"", json, StringComparison.Ordinal);
    }

    private static StepStatus Status(ScheduleReport report, string step, string party) =>
        Assert.Single(report.Steps, s => s.Step == step && s.Party == party);

    [Fact]
    public void An_abandonment_opens_the_next_attempt_whose_rounds_count_for_it_alone_and_dates_the_abandoned_attempt()
    {
        ScheduleLog log = new();
        byte[] abandon = System.Text.Encoding.UTF8.GetBytes("""{"attempt":1,"guardian":2,"step":"reveal","reason":"r"}""");
        log.Observe(10, Entry("tally.encrypted", "Blue", 0));
        log.Observe(11, Entry("decryption.commit", "Blue", 5), Commit(1, 2));
        log.Observe(12, Entry("decryption.commit", "Red", 10), Commit(1, 2));
        log.Observe(13, Entry("decryption.reveal", "Blue", 15), System.Text.Encoding.UTF8.GetBytes("""{"i":1,"a":[],"b":[]}"""));
        log.Observe(14, Entry("decryption.abandon", "Green", 80), abandon);
        log.Observe(15, Entry("decryption.commit", "Blue", 85), System.Text.Encoding.UTF8.GetBytes("""{"i":1,"attempt":2,"guardians":[1,3]}"""));
        ScheduleReport report = log.Evaluate(Charter("""{ "decryption.commit": 60, "decryption.reveal": 60 }"""));
        StepStatus missed = Assert.Single(report.Steps, s => s.Attempt == 1 && s.Step == "decryption.reveal" && s.Party == "Red");
        Assert.Equal(StepOutcome.NotDone, missed.Outcome);
        Assert.Equal(T0.AddSeconds(70), missed.Due);
        StepStatus[] second = [.. report.Steps.Where(s => s.Attempt == 2)];
        Assert.Equal(["Blue", "Green"], second.Select(s => s.Party)); // U' = {1, 3}
        Assert.All(second, s => Assert.Equal(new LogPoint(14, T0.AddSeconds(80)), s.Opened));
        Assert.Equal(StepOutcome.OnTime, second[0].Outcome);

        Entente.Election.Record.AbandonmentEntry dated = Record.RecordEntryTypes.Abandonment(14, "Green", abandon, report);
        Assert.Equal(T0.AddSeconds(80), dated.Time);
        Assert.Equal(12, dated.OpenedIndex);
        Assert.Equal(T0.AddSeconds(10), dated.OpenedTime);
        Assert.Equal(60, dated.Deadline);
        Assert.Equal(T0.AddSeconds(70), dated.Due);
    }
}
