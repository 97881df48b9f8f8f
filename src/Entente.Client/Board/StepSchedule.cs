using System.Globalization;
using System.Text.Json;
using Entente.Transparency.Log;

namespace Entente.Client.Board;

/// <summary>Where a party's step stands (docs/record-format.md §11).</summary>
public enum StepOutcome
{
    /// <summary>Done, and its entry's time is at or before the deadline.</summary>
    OnTime,

    /// <summary>Done, but its entry's time is after the deadline.</summary>
    Late,

    /// <summary>Not done, and the log's time is past the deadline.</summary>
    NotDone,

    /// <summary>Not done, and the deadline has not passed on the log's time (or the step has no deadline).</summary>
    Pending,

    /// <summary>Done, with no deadline to judge it by (none in the charter, or an untimed entry).</summary>
    Done,
}

/// <summary>A point of the log: an entry's index and the time it carries (null for an untimed entry).</summary>
/// <param name="Index">The entry's log index.</param>
/// <param name="Time">Its <c>time</c> field.</param>
public sealed record LogPoint(long Index, DateTimeOffset? Time);

/// <summary>One party's step and where it stands.</summary>
/// <param name="Step">The step, named by the entry type a party logs for it (<c>guardian.commitment</c> …).</param>
/// <param name="Party">The party that must take it.</param>
/// <param name="Guardians">The guardians of the party the step is for.</param>
/// <param name="Opened">The entry that opened the step.</param>
/// <param name="Deadline">The time the charter gives the step from its opening entry, or null.</param>
/// <param name="Due">The deadline (the opening entry's time plus the charter's duration), or null.</param>
/// <param name="DoneAt">The entry that completed the party's step, or null.</param>
/// <param name="Outcome">Where it stands.</param>
public sealed record StepStatus(string Step, string Party, IReadOnlyList<int> Guardians, LogPoint Opened, TimeSpan? Deadline, DateTimeOffset? Due, LogPoint? DoneAt, StepOutcome Outcome)
{
    /// <summary>The decryption attempt of a decryption step (1, 2, …), null for a key-ceremony step.</summary>
    public int? Attempt { get; init; }
}

/// <summary>The steps of every party, judged from the log alone.</summary>
/// <param name="LogSize">Entries the evaluation read.</param>
/// <param name="LogTime">The latest <c>time</c> of those entries: the log's own clock, by which an open step is judged.</param>
/// <param name="Steps">Every opened step, in the order the steps open, parties by name.</param>
public sealed record ScheduleReport(long LogSize, DateTimeOffset? LogTime, IReadOnlyList<StepStatus> Steps)
{
    /// <summary>The file name in a record (docs/record-format.md §11).</summary>
    public const string FileName = "schedule.json";

    /// <summary>The <c>format</c> member.</summary>
    public const string Format = "entente-schedule/1";

    /// <summary>The steps done late or not done.</summary>
    public IEnumerable<StepStatus> Missed => Steps.Where(s => s.Outcome is StepOutcome.Late or StepOutcome.NotDone);

    /// <summary>The wire name of an outcome.</summary>
    public static string Name(StepOutcome outcome) => outcome switch
    {
        StepOutcome.OnTime => "on_time",
        StepOutcome.Late => "late",
        StepOutcome.NotDone => "not_done",
        StepOutcome.Pending => "pending",
        StepOutcome.Done => "done",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome)),
    };

    /// <summary>Times as written in schedule.json and in entries.</summary>
    public static string Text(DateTimeOffset time) => time.UtcDateTime.ToString(LogEntry.TimeFormat, CultureInfo.InvariantCulture);

    /// <summary>schedule.json: canonical JSON (docs/record-format.md §2), members in the order documented.</summary>
    public byte[] ToJson()
    {
        using MemoryStream stream = new();
        using (Utf8JsonWriter w = new(stream, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("format", Format);
            w.WriteNumber("log_size", LogSize);
            Time(w, "log_time", LogTime);
            w.WriteStartArray("steps");
            foreach (StepStatus s in Steps)
            {
                w.WriteStartObject();
                w.WriteString("step", s.Step);
                if (s.Attempt is int attempt)
                {
                    w.WriteNumber("attempt", attempt);
                }
                else
                {
                    w.WriteNull("attempt");
                }

                w.WriteString("party", s.Party);
                w.WriteStartArray("guardians");
                foreach (int g in s.Guardians)
                {
                    w.WriteNumberValue(g);
                }

                w.WriteEndArray();
                Point(w, "opened", s.Opened);
                if (s.Deadline is { } span)
                {
                    w.WriteNumber("deadline", (long)span.TotalSeconds);
                }
                else
                {
                    w.WriteNull("deadline");
                }

                Time(w, "due", s.Due);
                Point(w, "done", s.DoneAt);
                w.WriteString("status", Name(s.Outcome));
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return stream.ToArray();

        static void Time(Utf8JsonWriter w, string name, DateTimeOffset? time)
        {
            if (time is { } t)
            {
                w.WriteString(name, Text(t));
            }
            else
            {
                w.WriteNull(name);
            }
        }

        static void Point(Utf8JsonWriter w, string name, LogPoint? point)
        {
            if (point is null)
            {
                w.WriteNull(name);
                return;
            }

            w.WriteStartObject(name);
            w.WriteNumber("index", point.Index);
            Time(w, "time", point.Time);
            w.WriteEndObject();
        }
    }
}

/// <summary>
/// The entries a schedule is judged from, gathered in log order: the steps' own entries, the entries that open steps,
/// and the latest time of any entry. Thread-safe; the board keeps one up to date as it logs, a fetch builds one from
/// the entries it proved included.
/// </summary>
public sealed class ScheduleLog
{
    /// <summary>The entry types that open a step or are one.</summary>
    public static readonly IReadOnlySet<string> Types = new HashSet<string>(StringComparer.Ordinal)
    {
        "election.parameters", "guardian.commitment", "guardian.share", "guardian.approval", "tally.encrypted",
        "decryption.commit", "decryption.reveal", "decryption.response", "decryption.abandon",
    };

    private readonly Lock _lock = new();
    private readonly Dictionary<long, Observed> _entries = [];
    private long _size;
    private DateTimeOffset? _time;

    /// <summary>
    /// A logged entry of <see cref="Types"/>; <paramref name="Guardians"/> is U for a decryption commit; for a decryption
    /// round or abandonment, <paramref name="Attempt"/> is its attempt and <paramref name="Guardian"/> its guardian.
    /// </summary>
    internal sealed record Observed(long Index, string Type, string Party, DateTimeOffset? Time, IReadOnlyList<int>? Guardians, int Attempt = 1, int Guardian = 0)
    {
        /// <summary>True when the entry's artifact was read (its U, attempt and guardian are known).</summary>
        public bool Read { get; init; }
    }

    /// <summary>
    /// Notes the entry at <paramref name="index"/>; <paramref name="artifact"/> is its artifact when the caller has it (needed
    /// only for <c>decryption.commit</c>, whose <c>guardians</c> is U). Entries may come in any order, and one entry more than once.
    /// </summary>
    public void Observe(long index, LogEntry entry, ReadOnlySpan<byte> artifact = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        IReadOnlyList<int>? guardians = entry.Type == "decryption.commit" ? GuardiansOf(artifact) : null;
        (int attempt, int guardian) = entry.Type.StartsWith("decryption.", StringComparison.Ordinal) ? AttemptOf(artifact, entry.Type) : (1, 0);
        lock (_lock)
        {
            _size = Math.Max(_size, index + 1);
            if (entry.Time is { } t && (_time is null || t > _time))
            {
                _time = t;
            }

            if (Types.Contains(entry.Type))
            {
                // An entry seen twice (on replay: first without its artifact, then with it) counts once, with what is known.
                if (!_entries.TryGetValue(index, out Observed? known) || (!known.Read && !artifact.IsEmpty))
                {
                    _entries[index] = new Observed(index, entry.Type, entry.Party, entry.Time, guardians, attempt, guardian) { Read = !artifact.IsEmpty };
                }
            }
        }
    }

    /// <summary>Judges every party's steps under <paramref name="charter"/>'s deadlines.</summary>
    public ScheduleReport Evaluate(Charter charter)
    {
        ArgumentNullException.ThrowIfNull(charter);
        Observed[] entries;
        long size;
        DateTimeOffset? time;
        lock (_lock)
        {
            entries = [.. _entries.Values.OrderBy(e => e.Index)];
            size = _size;
            time = _time;
        }

        return StepSchedule.Evaluate(charter, entries, size, time);
    }

    /// <summary>The attempt (absent: 1) and guardian (<c>i</c>, or <c>guardian</c> of an abandonment) of a decryption artifact.</summary>
    private static (int Attempt, int Guardian) AttemptOf(ReadOnlySpan<byte> artifact, string type)
    {
        if (artifact.IsEmpty)
        {
            return (1, 0);
        }

        try
        {
            Utf8JsonReader reader = new(artifact);
            using JsonDocument document = JsonDocument.ParseValue(ref reader);
            JsonElement root = document.RootElement;
            int attempt = root.TryGetProperty("attempt", out JsonElement a) && a.TryGetInt32(out int n) ? n : 1;
            int guardian = root.TryGetProperty(type == "decryption.abandon" ? "guardian" : "i", out JsonElement g) && g.TryGetInt32(out int i) ? i : 0;
            return (attempt, guardian);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            return (1, 0); // the board refuses such an artifact; a fetch reports it elsewhere
        }
    }

    private static int[]? GuardiansOf(ReadOnlySpan<byte> artifact)
    {
        if (artifact.IsEmpty)
        {
            return null;
        }

        try
        {
            Utf8JsonReader reader = new(artifact);
            using JsonDocument document = JsonDocument.ParseValue(ref reader);
            return document.RootElement.TryGetProperty("guardians", out JsonElement u) && u.ValueKind == JsonValueKind.Array
                ? [.. u.EnumerateArray().Select(g => g.GetInt32())]
                : null;
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            return null; // the board refuses such a commit; a fetch reports it elsewhere
        }
    }
}

/// <summary>
/// The pure rule of docs/record-format.md §11: from the log's entries (their order and their <c>time</c> fields only)
/// and the charter's deadlines, every party's step as on time, late, not done or pending. A step opens at an entry:
/// key generation at <c>election.parameters</c>; shares at the entry that completes every guardian's key; approvals at
/// the entry that completes every share; decryption commits at <c>tally.encrypted</c>; reveals at the entry that
/// completes U's commits; responses at the entry that completes U's reveals. Its deadline is the opening entry's time
/// plus the charter's duration for the step. A party's step is done at the entry that completes what its guardians
/// owe (one key or approval per guardian, n − 1 shares per guardian, one round per guardian of U), wherever it is in the
/// log (a guardian may approve once its own shares are in, before the last share opens the step); it is judged by that
/// entry's time. A step not done is "not done" once the log's time (its latest entry time) passes the deadline.
/// </summary>
public static class StepSchedule
{
    internal static ScheduleReport Evaluate(Charter charter, IReadOnlyList<ScheduleLog.Observed> entries, long size, DateTimeOffset? logTime)
    {
        List<(string Party, int[] Guardians)> holders = [.. charter.Members
            .Where(m => m.Roles.Contains(Charter.GuardianRole) && m.Guardians.Count > 0)
            .OrderBy(m => m.Name, StringComparer.Ordinal)
            .Select(m => (m.Name, m.Guardians.ToArray()))];
        int n = holders.Sum(h => h.Guardians.Length);
        List<StepStatus> steps = [];

        // Key ceremony.
        ScheduleLog.Observed? parameters = entries.FirstOrDefault(e => e.Type == "election.parameters");
        ScheduleLog.Observed? keysDone = Nth(entries, "guardian.commitment", n);
        ScheduleLog.Observed? sharesDone = Nth(entries, "guardian.share", n * (n - 1));
        Judge("guardian.commitment", parameters, holders, g => g.Length);
        Judge("guardian.share", keysDone, holders, g => g.Length * (n - 1));
        Judge("guardian.approval", sharesDone, holders, g => g.Length);

        // Decryption, attempt by attempt: attempt 1 opens at the encrypted tally, attempt a + 1 at the abandonment of
        // attempt a; an attempt's U is its first commit's, and only its own rounds count for it.
        ScheduleLog.Observed? opening = entries.FirstOrDefault(e => e.Type == "tally.encrypted");
        for (int attempt = 1; opening is not null; attempt++)
        {
            int a = attempt;
            ScheduleLog.Observed[] rounds = [.. entries.Where(e => e.Attempt == a && e.Type is "decryption.commit" or "decryption.reveal" or "decryption.response")];
            IReadOnlyList<int>? u = rounds.FirstOrDefault(e => e.Type == "decryption.commit" && e.Guardians is not null)?.Guardians;
            List<(string Party, int[] Guardians)> inU = u is null
                ? holders
                : [.. holders.Select(h => (h.Party, h.Guardians.Where(u.Contains).ToArray())).Where(h => h.Item2.Length > 0)];
            int quorum = inU.Sum(h => h.Guardians.Length);
            Judge("decryption.commit", opening, inU, g => g.Length, rounds, a);
            if (u is not null)
            {
                Judge("decryption.reveal", After(opening, Nth(rounds, "decryption.commit", quorum)), inU, g => g.Length, rounds, a);
                Judge("decryption.response", After(opening, Nth(rounds, "decryption.reveal", quorum)), inU, g => g.Length, rounds, a);
            }

            opening = entries.FirstOrDefault(e => e.Type == "decryption.abandon" && e.Attempt == a && e.Index > opening.Index);
        }

        return new ScheduleReport(size, logTime, steps);

        void Judge(string step, ScheduleLog.Observed? opened, IEnumerable<(string Party, int[] Guardians)> parties, Func<int[], int> owed, IReadOnlyList<ScheduleLog.Observed>? scope = null, int? attempt = null)
        {
            if (opened is null)
            {
                return;
            }

            TimeSpan? deadline = charter.Deadlines.TryGetValue(step, out TimeSpan span) ? span : null;
            DateTimeOffset? due = opened.Time is { } t && deadline is { } d0 ? t + d0 : null;
            foreach ((string party, int[] guardians) in parties)
            {
                int count = owed(guardians);
                ScheduleLog.Observed? done = (scope ?? entries)
                    .Where(e => e.Type == step && e.Party == party)
                    .Skip(count - 1)
                    .FirstOrDefault();
                StepOutcome outcome = (done, due) switch
                {
                    (not null, null) => StepOutcome.Done,
                    (not null, { } d) => done.Time is not { } dt ? StepOutcome.Done : dt <= d ? StepOutcome.OnTime : StepOutcome.Late,
                    (null, { } d) when logTime > d => StepOutcome.NotDone,
                    _ => StepOutcome.Pending,
                };
                steps.Add(new StepStatus(step, party, guardians, new LogPoint(opened.Index, opened.Time), deadline, due, done is null ? null : new LogPoint(done.Index, done.Time), outcome) { Attempt = attempt });
            }
        }
    }

    private static ScheduleLog.Observed? Nth(IReadOnlyList<ScheduleLog.Observed> entries, string type, int count) =>
        count <= 0 ? null : entries.Where(e => e.Type == type).Skip(count - 1).FirstOrDefault();

    private static ScheduleLog.Observed? After(ScheduleLog.Observed? opening, ScheduleLog.Observed? entry) =>
        opening is null || entry is null || entry.Index < opening.Index ? null : entry;
}

/// <summary>The step table in words, one line per step that was late or not done (for the CLI and the demo).</summary>
public static class ScheduleLines
{
    /// <summary>"N steps: a on time, b late, c not done, d pending, e done without a deadline".</summary>
    public static string Summary(ScheduleReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        IEnumerable<string> parts = Enum.GetValues<StepOutcome>()
            .Select(o => (o, n: report.Steps.Count(s => s.Outcome == o)))
            .Where(x => x.n > 0)
            .Select(x => $"{x.n} {ScheduleReport.Name(x.o).Replace('_', ' ')}");
        string log = report.LogTime is { } t ? $" (log time {ScheduleReport.Text(t)})" : "";
        return report.Steps.Count == 0 ? $"no step has opened{log}" : $"{report.Steps.Count} step(s): {string.Join(", ", parts)}{log}";
    }

    /// <summary>One line per late or missing step, naming the party and its guardians.</summary>
    public static IEnumerable<string> Missed(ScheduleReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        foreach (StepStatus s in report.Missed)
        {
            string who = $"{s.Party} (guardian{(s.Guardians.Count == 1 ? "" : "s")} {string.Join(", ", s.Guardians)}{(s.Attempt is int a ? $", attempt {a}" : "")})";
            string due = s.Due is { } d ? ScheduleReport.Text(d) : "-";
            yield return s.DoneAt is { } done
                ? $"late      {s.Step} by {who}: due {due}, done at entry {done.Index} ({(done.Time is { } t ? ScheduleReport.Text(t) : "untimed")})"
                : $"not done  {s.Step} by {who}: due {due}, opened at entry {s.Opened.Index}";
        }
    }
}
