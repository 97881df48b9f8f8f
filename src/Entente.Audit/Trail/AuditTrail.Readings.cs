// The audit boards' readings and sign-offs as board artifacts (issue #18, "each audit board's readings and sign-off"),
// beside the inputs and the rounds (AuditTrail.cs). Canonical JSON, members in this order, no whitespace:
//
//   audit.reading  {"audit": id, "round": n, "board": name, "tabulator": t|null, "batch": b, "position": p, ["corrects": v,] "found": true|false,
//                   "contests": [{"contest": name, "on_ballot": true|false, "choices": [choice, …]}, …]}
//                  one sampled ballot of round n as the audit board read it: every contest of the reported results once
//                  (on_ballot false: the contest is not on this ballot, no choices), or found false and no contests;
//                  choices as marked (more than the contest's votes allowed is an overvote: no valid vote); a correction
//                  before sign-off names the version v of the ballot's latest reading it replaces (id audit:round:ballot:v+1);
//   audit.signoff  {"audit": id, "round": n, "board": name, "members": [name, name]}
//                  the audit board signs off its share of round n (the ballots it read); both members named. The round
//                  closes with the sign-off that leaves every ballot read and every board that read signed off.
//
// Ids on the board: audit:round:ballot for a reading (ballot = Entente's ballot id text, t|b|p) and audit:round:board for
// a sign-off.
using System.Globalization;
using System.Text.Json;
using Entente.Audit.Io;
using Entente.Audit.Sampling;

namespace Entente.Audit.Trail;

/// <summary>One contest of a ballot as read.</summary>
/// <param name="Contest">The contest.</param>
/// <param name="OnBallot">False when the contest is not on this ballot.</param>
/// <param name="Choices">The choices marked (none: a blank contest).</param>
public sealed record AuditContestReading(string Contest, bool OnBallot, IReadOnlyList<string> Choices);

/// <summary>An audit board's reading of one sampled ballot.</summary>
/// <param name="AuditId">The audit.</param>
/// <param name="Round">The round whose sample holds the ballot.</param>
/// <param name="Board">The audit board that read it.</param>
/// <param name="Tabulator">Tabulator, or null.</param>
/// <param name="Batch">Batch.</param>
/// <param name="Position">Position in the batch.</param>
/// <param name="Found">False when the ballot could not be found.</param>
/// <param name="Contests">Every contest, as read (empty when not found).</param>
public sealed record AuditReadingArtifact(string AuditId, int Round, string Board, string? Tabulator, string Batch, long Position, bool Found, IReadOnlyList<AuditContestReading> Contests)
{
    /// <summary>The ballot's key, as <see cref="Workflow.AuditDraw.BallotKey"/>.</summary>
    public string BallotKey => $"{Tabulator}\u001f{Batch}\u001f{Position}";

    /// <summary>
    /// For a correction before sign-off: the version of this ballot's reading it replaces (the first reading is version 1,
    /// a correction of version n is version n + 1); null for a first reading.
    /// </summary>
    public int? Corrects { get; init; }

    /// <summary>This reading's version: 1, or one more than the version it corrects.</summary>
    public int Version => (Corrects ?? 0) + 1;

    /// <summary>The reading's id on the board: <c>audit:round:t|b|p</c>, and <c>:v</c> for version v ≥ 2 (a correction).</summary>
    public string Id => AuditTrailArtifacts.ReadingId(AuditId, Round, Tabulator, Batch, Position) + (Corrects is null ? "" : ":" + Version.ToString(CultureInfo.InvariantCulture));
}

/// <summary>An audit board's sign-off of its share of a round.</summary>
/// <param name="AuditId">The audit.</param>
/// <param name="Round">The round.</param>
/// <param name="Board">The audit board.</param>
/// <param name="Members">Both members' names.</param>
public sealed record AuditSignOffArtifact(string AuditId, int Round, string Board, IReadOnlyList<string> Members)
{
    /// <summary>The sign-off's id on the board: <c>audit:round:board</c> (each audit board signs off its own share of the round).</summary>
    public string Id => AuditId + ":" + Round.ToString(CultureInfo.InvariantCulture) + ":" + Board;
}

public static partial class AuditTrailArtifacts
{
    /// <summary>Log entry type of a ballot's reading.</summary>
    public const string ReadingType = "audit.reading";

    /// <summary>Log entry type of a round's sign-off.</summary>
    public const string SignOffType = "audit.signoff";

    /// <summary>The id of a reading on the board.</summary>
    public static string ReadingId(string auditId, int round, string? tabulator, string batch, long position) =>
        string.Create(CultureInfo.InvariantCulture, $"{auditId}:{round}:") + BallotIds.Text(BallotIdScheme.Entente, new ManifestBatch(null, tabulator, batch, 1, 0), position, null);

    /// <summary>Canonical bytes of a reading.</summary>
    public static byte[] Write(AuditReadingArtifact reading)
    {
        ArgumentNullException.ThrowIfNull(reading);
        return Json(w =>
        {
            w.WriteString("audit", reading.AuditId);
            w.WriteNumber("round", reading.Round);
            w.WriteString("board", reading.Board);
            if (reading.Tabulator is null)
            {
                w.WriteNull("tabulator");
            }
            else
            {
                w.WriteString("tabulator", reading.Tabulator);
            }

            w.WriteString("batch", reading.Batch);
            w.WriteNumber("position", reading.Position);
            if (reading.Corrects is int corrects)
            {
                w.WriteNumber("corrects", corrects);
            }

            w.WriteBoolean("found", reading.Found);
            w.WriteStartArray("contests");
            foreach (AuditContestReading c in reading.Contests)
            {
                w.WriteStartObject();
                w.WriteString("contest", c.Contest);
                w.WriteBoolean("on_ballot", c.OnBallot);
                w.WriteStartArray("choices");
                foreach (string choice in c.Choices)
                {
                    w.WriteStringValue(choice);
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndArray();
        });
    }

    /// <summary>Canonical bytes of a sign-off.</summary>
    public static byte[] Write(AuditSignOffArtifact signOff)
    {
        ArgumentNullException.ThrowIfNull(signOff);
        return Json(w =>
        {
            w.WriteString("audit", signOff.AuditId);
            w.WriteNumber("round", signOff.Round);
            w.WriteString("board", signOff.Board);
            w.WriteStartArray("members");
            foreach (string m in signOff.Members)
            {
                w.WriteStringValue(m);
            }

            w.WriteEndArray();
        });
    }

    /// <summary>
    /// Reads a reading strictly: canonical form, a position ≥ 1, no contests when not found, each contest once, no
    /// choices for a contest not on the ballot, each choice once. Whether the contests and choices are the audit's is
    /// checked against the committed results by the board and the verifier.
    /// </summary>
    public static AuditReadingArtifact ReadReading(string file, byte[] bytes)
    {
        using JsonDocument doc = Parse(file, bytes);
        JsonElement o = doc.RootElement;
        bool correction = o.ValueKind == JsonValueKind.Object && o.TryGetProperty("corrects", out _);
        if (correction)
        {
            Members(file, o, "", "audit", "round", "board", "tabulator", "batch", "position", "corrects", "found", "contests");
        }
        else
        {
            Members(file, o, "", "audit", "round", "board", "tabulator", "batch", "position", "found", "contests");
        }

        int round = RoundNumber(file, o);
        int? corrects = null;
        if (correction)
        {
            corrects = o.GetProperty("corrects").TryGetInt32(out int version) && version >= 1 ? version
                : throw new AuditInputException(file, 0, "corrects", "the version of the reading this one corrects, ≥ 1, is required");
        }

        if (!o.GetProperty("position").TryGetInt64(out long position) || position < 1)
        {
            throw new AuditInputException(file, 0, "position", "a position ≥ 1 is required");
        }

        bool found = Bool(file, o, "found", "");
        List<AuditContestReading> contests = [];
        int n = 0;
        foreach (JsonElement c in Array(file, o, "contests"))
        {
            string where = $"contests[{n++}].";
            Members(file, c, where, "contest", "on_ballot", "choices");
            string name = Str(file, c, "contest", where);
            bool onBallot = Bool(file, c, "on_ballot", where);
            List<string> choices = [];
            foreach (JsonElement choice in Array(file, c, "choices"))
            {
                choices.Add(choice is { ValueKind: JsonValueKind.String } s && s.GetString() is { Length: > 0 } text ? text
                    : throw new AuditInputException(file, 0, where + "choices", "every choice is a non-empty string"));
            }

            if (!onBallot && choices.Count > 0)
            {
                throw new AuditInputException(file, 0, where + "choices", "a contest not on the ballot has no choices");
            }

            if (choices.Distinct(StringComparer.Ordinal).Count() != choices.Count)
            {
                throw new AuditInputException(file, 0, where + "choices", "each choice is listed once");
            }

            if (contests.Any(x => x.Contest == name))
            {
                throw new AuditInputException(file, 0, where + "contest", $"\"{name}\" is read twice");
            }

            contests.Add(new AuditContestReading(name, onBallot, choices));
        }

        if (!found && contests.Count > 0)
        {
            throw new AuditInputException(file, 0, "contests", "a ballot not found has no contests");
        }

        JsonElement t = o.GetProperty("tabulator");
        return Canonical(file, bytes, new AuditReadingArtifact(Str(file, o, "audit"), round, Str(file, o, "board"), t.ValueKind == JsonValueKind.Null ? null : Str(file, o, "tabulator"),
            Str(file, o, "batch"), position, found, contests) { Corrects = corrects }, Write);
    }

    /// <summary>Reads a sign-off strictly: two different members, each named.</summary>
    public static AuditSignOffArtifact ReadSignOff(string file, byte[] bytes)
    {
        using JsonDocument doc = Parse(file, bytes);
        JsonElement o = doc.RootElement;
        Members(file, o, "", "audit", "round", "board", "members");
        int round = RoundNumber(file, o);
        List<string> members = [];
        foreach (JsonElement m in Array(file, o, "members"))
        {
            members.Add(m is { ValueKind: JsonValueKind.String } s && s.GetString() is { } name && name.Trim().Length > 0 ? name
                : throw new AuditInputException(file, 0, "members", "every member is named"));
        }

        if (members.Count != 2 || members[0] == members[1])
        {
            throw new AuditInputException(file, 0, "members", "an audit board is two different people; name both");
        }

        return Canonical(file, bytes, new AuditSignOffArtifact(Str(file, o, "audit"), round, Str(file, o, "board"), members), Write);
    }

    private static int RoundNumber(string file, JsonElement o) =>
        o.GetProperty("round").TryGetInt32(out int round) && round >= 1 ? round
            : throw new AuditInputException(file, 0, "round", "a round number ≥ 1 is required");

    private static bool Bool(string file, JsonElement o, string member, string where) => o.GetProperty(member).ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw new AuditInputException(file, 0, where + member, "true or false is required"),
    };
}
