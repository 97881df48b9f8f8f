using System.Globalization;
using System.Text.Json;
using Entente.Verifier.Framework;

namespace Entente.Verifier.Native;

/// <summary>A point of the log in <c>schedule.json</c>: an entry's index and its time (null when untimed).</summary>
/// <param name="Index">The entry's log index.</param>
/// <param name="Time">The entry's time.</param>
public sealed record NativeLogPoint(long Index, DateTimeOffset? Time);

/// <summary>One party's step in <c>schedule.json</c> (docs/record-format.md §11).</summary>
/// <param name="Step">The step's entry type.</param>
/// <param name="Party">The party that must take it.</param>
/// <param name="Guardians">The party's guardians the step is for.</param>
/// <param name="Opened">The entry that opened it.</param>
/// <param name="Deadline">Seconds from the opening entry, or null.</param>
/// <param name="Due">The deadline, or null.</param>
/// <param name="Done">The entry that completed it, or null.</param>
/// <param name="Status">on_time, late, not_done, pending or done.</param>
public sealed record NativeScheduleStep(string Step, string Party, IReadOnlyList<int> Guardians, NativeLogPoint Opened, long? Deadline, DateTimeOffset? Due, NativeLogPoint? Done, string Status)
{
    /// <summary>The decryption attempt of a decryption step; null for a key-ceremony step (and in revision-5 files, which have no column).</summary>
    public int? Attempt { get; init; }
}

/// <summary><c>schedule.json</c>: every party's step, judged from the board's entries when the record was fetched.</summary>
/// <param name="LogSize">Entries read.</param>
/// <param name="LogTime">The latest entry time.</param>
/// <param name="Steps">The steps.</param>
public sealed record NativeSchedule(long LogSize, DateTimeOffset? LogTime, IReadOnlyList<NativeScheduleStep> Steps)
{
    /// <summary>The file's path in a record.</summary>
    public const string File = "schedule.json";

    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    internal static NativeSchedule Read(NObject o, string file)
    {
        if (o.String("format") != "entente-schedule/1")
        {
            throw o.Error("format", "must be \"entente-schedule/1\"");
        }

        long size = o.Long("log_size");
        DateTimeOffset? logTime = Time(o, "log_time");
        List<NativeScheduleStep> steps = [];
        JsonElement array = o.Required("steps");
        if (array.ValueKind != JsonValueKind.Array)
        {
            throw o.Error("steps", "must be an array");
        }

        int n = 0;
        foreach (JsonElement element in array.EnumerateArray())
        {
            NObject s = NObject.Of(file, $"steps[{n++}]", element);
            string step = s.String("step");
            int? attempt = s.Optional("attempt") is JsonElement a && a.ValueKind != JsonValueKind.Null ? (int)NObject.Number(file, s.Child("attempt"), a, 1000) : null;
            string party = s.String("party");
            JsonElement g = s.Required("guardians");
            int[] guardians = g.ValueKind == JsonValueKind.Array
                ? [.. g.EnumerateArray().Select((x, i) => (int)NObject.Number(file, $"{s.Child("guardians")}[{i}]", x, int.MaxValue))]
                : throw s.Error("guardians", "must be an array");
            NativeLogPoint opened = Point(s, "opened") ?? throw s.Error("opened", "must be an entry {index, time}");
            JsonElement d = s.Required("deadline");
            long? deadline = d.ValueKind == JsonValueKind.Null ? null : NObject.Number(file, s.Child("deadline"), d, long.MaxValue);
            DateTimeOffset? due = Time(s, "due");
            NativeLogPoint? done = Point(s, "done");
            string status = s.String("status");
            s.End();
            steps.Add(new NativeScheduleStep(step, party, guardians, opened, deadline, due, done, status) { Attempt = attempt });
        }

        return new NativeSchedule(size, logTime, steps);
    }

    /// <summary>The status the rule of §11 gives a step, from its own times and the log's time.</summary>
    public string Expected(NativeScheduleStep s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return (s.Done, s.Due) switch
        {
            (not null, null) => "done",
            (not null, { } d) => s.Done.Time is not { } t ? "done" : t <= d ? "on_time" : "late",
            (null, { } d) when LogTime > d => "not_done",
            _ => "pending",
        };
    }

    private static NativeLogPoint? Point(NObject o, string name)
    {
        JsonElement e = o.Required(name);
        if (e.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        NObject p = NObject.Of(o.File, o.Child(name), e);
        long index = p.Long("index");
        DateTimeOffset? time = Time(p, "time");
        p.End();
        return new NativeLogPoint(index, time);
    }

    internal static DateTimeOffset? Time(NObject o, string name)
    {
        JsonElement e = o.Required(name);
        if (e.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        string text = NObject.StringValue(o.File, o.Child(name), e);
        return DateTime.TryParseExact(text, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out DateTime t)
            ? new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc))
            : throw o.Error(name, $"must be a UTC time yyyy-MM-ddTHH:mm:ss.fffZ, found \"{text}\"");
    }
}
