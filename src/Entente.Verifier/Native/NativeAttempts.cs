using System.Text.Json;
using Entente.Verifier.Framework;

namespace Entente.Verifier.Native;

/// <summary>A guardian's round in an abandoned attempt: its index, the attempt it names, U (commits only) and a_i per option (reveals only).</summary>
/// <param name="I">The guardian.</param>
/// <param name="Attempt">The attempt the document names (1 when it has no <c>attempt</c>).</param>
/// <param name="Guardians">U of a commit; empty otherwise.</param>
/// <param name="A">a_i per tally option of a reveal; empty otherwise.</param>
public sealed record NativeAttemptRound(int I, int Attempt, IReadOnlyList<int> Guardians, IReadOnlyList<byte[]> A);

/// <summary>
/// <c>tally/abandoned/attempt-&lt;a&gt;.json</c> (docs/record-format.md §11, "attempts"): an abandoned decryption
/// attempt, its U, its abandonment entry, the missed step's opening and due time, and every round it received.
/// </summary>
/// <param name="File">The file.</param>
/// <param name="Attempt">The attempt.</param>
/// <param name="Guardians">U (empty when nobody committed).</param>
/// <param name="Index">The abandonment entry's log index.</param>
/// <param name="Time">Its time.</param>
/// <param name="Party">The party that logged it.</param>
/// <param name="Guardian">The guardian that did not act.</param>
/// <param name="Step">commit, reveal or response.</param>
/// <param name="Reason">The party's reason.</param>
/// <param name="OpenedIndex">The entry that opened the missed step.</param>
/// <param name="OpenedTime">Its time.</param>
/// <param name="Deadline">The charter's seconds for the step.</param>
/// <param name="Due">The step's due time.</param>
/// <param name="Commits">The commits received.</param>
/// <param name="Reveals">The reveals received.</param>
/// <param name="Responses">The responses received.</param>
public sealed record NativeAbandonedAttempt(string File, int Attempt, IReadOnlyList<int> Guardians, long Index, DateTimeOffset Time, string Party, int Guardian, string Step, string Reason,
    long OpenedIndex, DateTimeOffset OpenedTime, long Deadline, DateTimeOffset Due,
    IReadOnlyList<NativeAttemptRound> Commits, IReadOnlyList<NativeAttemptRound> Reveals, IReadOnlyList<NativeAttemptRound> Responses)
{
    /// <summary>The folder of the abandoned attempts.</summary>
    public const string Folder = "tally/abandoned";

    internal static NativeAbandonedAttempt Read(NObject o, string file, int pBytes)
    {
        int attempt = o.Int("attempt");
        IReadOnlyList<int> guardians = o.Array("guardians", (e, path) => (int)NObject.Number(file, path, e, int.MaxValue));
        NObject ab = o.Object("abandonment");
        long index = ab.Long("index");
        DateTimeOffset time = NativeSchedule.Time(ab, "time") ?? throw ab.Error("time", "must be a time");
        string party = ab.String("party");
        int guardian = ab.Int("guardian");
        string step = ab.String("step");
        if (step is not ("commit" or "reveal" or "response"))
        {
            throw ab.Error("step", "must be commit, reveal or response");
        }

        string reason = ab.String("reason");
        ab.End();
        NObject missed = o.Object("missed");
        NObject opened = missed.Object("opened");
        long openedIndex = opened.Long("index");
        DateTimeOffset openedTime = NativeSchedule.Time(opened, "time") ?? throw opened.Error("time", "must be a time");
        opened.End();
        long deadline = missed.Long("deadline");
        DateTimeOffset due = NativeSchedule.Time(missed, "due") ?? throw missed.Error("due", "must be a time");
        missed.End();
        IReadOnlyList<NativeAttemptRound> commits = o.Array("commits", (e, path) => Round(file, path, e, "commit", pBytes));
        IReadOnlyList<NativeAttemptRound> reveals = o.Array("reveals", (e, path) => Round(file, path, e, "reveal", pBytes));
        IReadOnlyList<NativeAttemptRound> responses = o.Array("responses", (e, path) => Round(file, path, e, "response", pBytes));
        return new NativeAbandonedAttempt(file, attempt, guardians, index, time, party, guardian, step, reason, openedIndex, openedTime, deadline, due, commits, reveals, responses);
    }

    private static NativeAttemptRound Round(string file, string path, JsonElement e, string kind, int pBytes)
    {
        NObject r = NObject.Of(file, path, e);
        int i = r.Int("i");
        int attempt = r.OptionalInt("attempt") ?? 1;
        IReadOnlyList<int> guardians = [];
        IReadOnlyList<byte[]> a = [];
        switch (kind)
        {
            case "commit":
                guardians = r.Array("guardians", (g, p) => (int)NObject.Number(file, p, g, int.MaxValue));
                _ = r.Required("tally");
                _ = r.Required("ballot_nonces");
                _ = r.Optional("contest_data");
                break;
            case "reveal":
                a = r.Array("a", (x, p) => NObject.HexValue(file, p, x, pBytes));
                _ = r.Required("b");
                _ = r.Optional("data_a");
                _ = r.Optional("data_b");
                break;
            default:
                _ = r.Required("v");
                _ = r.Optional("data_v");
                break;
        }

        r.End();
        return new NativeAttemptRound(i, attempt, guardians, a);
    }
}
