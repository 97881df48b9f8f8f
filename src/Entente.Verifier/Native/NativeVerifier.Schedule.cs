using System.Globalization;
using Entente.Verifier.Framework;

namespace Entente.Verifier.Native;

/// <summary>
/// The parties' steps and their deadlines (docs/record-format.md §11): not a step of the specification, reported after
/// them as step "D" when the record carries <c>schedule.json</c>. A step done late or not done is a note naming the
/// party, not a failure (the charter's deadlines order the work; they do not invalidate a tally that verifies). A
/// schedule that contradicts itself — a status its own times do not give, a deadline that is not the opening entry's
/// time plus the charter's seconds, an entry beyond the log's size, a time after the log's time — is a failure.
/// </summary>
public sealed partial class NativeVerifier
{
    /// <summary>The number and name of the deadlines section.</summary>
    public static (string Number, string Name) ScheduleStep { get; } = ("D", "Deadlines of the parties' steps (record-format §11)");

    private StepResult? VerifySchedule()
    {
        if (_record.Schedule is not NativeSchedule schedule)
        {
            return null;
        }

        StepRecorder step = new(ScheduleStep.Number, ScheduleStep.Name);
        RecordObject file = RecordObject.ForFile(NativeSchedule.File);
        foreach (NativeScheduleStep s in schedule.Steps)
        {
            step.Checked();
            string who = $"{s.Step} by {s.Party} (guardian{(s.Guardians.Count == 1 ? "" : "s")} {string.Join(", ", s.Guardians)}{(s.Attempt is int a ? $", attempt {a}" : "")})";
            step.Require(s.Status == schedule.Expected(s), "D.status", file,
                $"{who}: status \"{s.Status}\" but its times give \"{schedule.Expected(s)}\"");
            step.Require(s.Due is null || (s.Deadline is long seconds && s.Opened.Time is { } opened && s.Due == opened.AddSeconds(seconds)), "D.due", file,
                $"{who}: due {Text(s.Due)} is not the opening entry's time {Text(s.Opened.Time)} plus {s.Deadline?.ToString(CultureInfo.InvariantCulture) ?? "no"} seconds");
            step.Require(s.Opened.Index < schedule.LogSize && (s.Done is null || s.Done.Index < schedule.LogSize), "D.order", file,
                $"{who}: opened at entry {s.Opened.Index} or done at entry {s.Done?.Index}, not within the log's {schedule.LogSize} entries");
            step.Require(Before(s.Opened.Time, schedule.LogTime) && Before(s.Done?.Time, schedule.LogTime), "D.time", file,
                $"{who}: a time after the log's time {Text(schedule.LogTime)}");
            switch (s.Status)
            {
                case "late":
                    step.Note($"late: {who}, due {Text(s.Due)}, done at entry {s.Done?.Index} ({Text(s.Done?.Time)})");
                    break;
                case "not_done":
                    step.Note($"not done: {who}, due {Text(s.Due)}, opened at entry {s.Opened.Index}");
                    break;
                default:
                    break;
            }
        }

        return step.ToResult();

        static bool Before(DateTimeOffset? time, DateTimeOffset? log) => time is null || (log is { } l && time <= l);
    }

    private static string Text(DateTimeOffset? time) =>
        time is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture) : "-";
}
