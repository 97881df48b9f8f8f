// The audit boards' hand tallies of sampled batches as board artifacts (issue #18, "the batch-comparison workflow" on the
// board), beside the ballot readings (AuditTrail.Readings.cs). Canonical JSON, members in this order, no whitespace:
//
//   audit.tally  {"audit": id, "round": n, "board": name, "tabulator": t|null, "batch": b, "contest": name, ["corrects": v,]
//                 "votes": [{"choice": name, "votes": n}, …]}
//                one batch of round n's sample, one contest, as the audit board counted it by hand: every choice of the
//                contest once, each with a count ≥ 0; a correction before the counting board's sign-off names the version v
//                of the latest tally of that batch and contest it replaces (id …:v+1).
//
// Id on the board: audit:round:t|b|contest (t, b and the contest with '%' as %25, '|' as %7C and ':' as %3A), and :v for
// a correction's version v ≥ 2. In a batch-comparison audit each audit board signs off its own share of a round
// (audit.signoff, id audit:round:board); the round closes when every batch is counted for every contest it holds and
// every audit board that counted in the round signed off.
using System.Globalization;
using System.Text;
using System.Text.Json;
using Entente.Audit.Io;

namespace Entente.Audit.Trail;

/// <summary>One choice's hand count in a batch.</summary>
/// <param name="Choice">The choice.</param>
/// <param name="Votes">Votes counted (≥ 0).</param>
public sealed record AuditChoiceCount(string Choice, long Votes);

/// <summary>An audit board's hand tally of one sampled batch for one contest.</summary>
/// <param name="AuditId">The audit.</param>
/// <param name="Round">The round whose sample holds the batch.</param>
/// <param name="Board">The audit board that counted it.</param>
/// <param name="Tabulator">Tabulator, or null.</param>
/// <param name="Batch">Batch.</param>
/// <param name="Contest">The contest counted.</param>
/// <param name="Votes">Every choice of the contest once, with its count.</param>
public sealed record AuditTallyArtifact(string AuditId, int Round, string Board, string? Tabulator, string Batch, string Contest, IReadOnlyList<AuditChoiceCount> Votes)
{
    /// <summary>The batch's key, as the round's draws key it (<c>t␟b␟0</c>).</summary>
    public string BatchKey => $"{Tabulator}\u001f{Batch}\u001f0";

    /// <summary>For a correction: the version of the latest tally of this batch and contest it replaces; null for a first tally.</summary>
    public int? Corrects { get; init; }

    /// <summary>This tally's version: 1, or one more than the version it corrects.</summary>
    public int Version => (Corrects ?? 0) + 1;

    /// <summary>The tally's id on the board: <c>audit:round:t|b|contest</c>, and <c>:v</c> for a correction's version v.</summary>
    public string Id => AuditTrailArtifacts.TallyId(AuditId, Round, Tabulator, Batch, Contest) + (Corrects is null ? "" : ":" + Version.ToString(CultureInfo.InvariantCulture));

    /// <summary>The counts as a map, choice → votes.</summary>
    public IReadOnlyDictionary<string, long> VoteMap => Votes.ToDictionary(v => v.Choice, v => v.Votes, StringComparer.Ordinal);
}

public static partial class AuditTrailArtifacts
{
    /// <summary>Log entry type of a batch's hand tally for one contest.</summary>
    public const string TallyType = "audit.tally";

    /// <summary>The id of a tally on the board.</summary>
    public static string TallyId(string auditId, int round, string? tabulator, string batch, string contest) =>
        string.Create(CultureInfo.InvariantCulture, $"{auditId}:{round}:{IdPart(tabulator ?? "")}|{IdPart(batch)}|{IdPart(contest)}");

    private static string IdPart(string text)
    {
        StringBuilder s = new(text.Length);
        foreach (char c in text)
        {
            s.Append(c switch { '%' => "%25", '|' => "%7C", ':' => "%3A", _ => c.ToString() });
        }

        return s.ToString();
    }

    /// <summary>Canonical bytes of a tally.</summary>
    public static byte[] Write(AuditTallyArtifact tally)
    {
        ArgumentNullException.ThrowIfNull(tally);
        return Json(w =>
        {
            w.WriteString("audit", tally.AuditId);
            w.WriteNumber("round", tally.Round);
            w.WriteString("board", tally.Board);
            if (tally.Tabulator is null)
            {
                w.WriteNull("tabulator");
            }
            else
            {
                w.WriteString("tabulator", tally.Tabulator);
            }

            w.WriteString("batch", tally.Batch);
            w.WriteString("contest", tally.Contest);
            if (tally.Corrects is int corrects)
            {
                w.WriteNumber("corrects", corrects);
            }

            w.WriteStartArray("votes");
            foreach (AuditChoiceCount v in tally.Votes)
            {
                w.WriteStartObject();
                w.WriteString("choice", v.Choice);
                w.WriteNumber("votes", v.Votes);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        });
    }

    /// <summary>
    /// Reads a tally strictly: canonical form, each choice once, every count an integer ≥ 0. Whether the batch was drawn
    /// and the contest and choices are the audit's is checked against the committed inputs by the board and the verifier
    /// (<see cref="AuditProgress.CheckTally"/>).
    /// </summary>
    public static AuditTallyArtifact ReadTally(string file, byte[] bytes)
    {
        using JsonDocument doc = Parse(file, bytes);
        JsonElement o = doc.RootElement;
        bool correction = o.ValueKind == JsonValueKind.Object && o.TryGetProperty("corrects", out _);
        if (correction)
        {
            Members(file, o, "", "audit", "round", "board", "tabulator", "batch", "contest", "corrects", "votes");
        }
        else
        {
            Members(file, o, "", "audit", "round", "board", "tabulator", "batch", "contest", "votes");
        }

        int round = RoundNumber(file, o);
        int? corrects = null;
        if (correction)
        {
            corrects = o.GetProperty("corrects").TryGetInt32(out int version) && version >= 1 ? version
                : throw new AuditInputException(file, 0, "corrects", "the version of the tally this one corrects, ≥ 1, is required");
        }

        List<AuditChoiceCount> votes = [];
        int n = 0;
        foreach (JsonElement v in Array(file, o, "votes"))
        {
            string where = $"votes[{n++}].";
            Members(file, v, where, "choice", "votes");
            string choice = Str(file, v, "choice", where);
            JsonElement count = v.GetProperty("votes");
            if (count.ValueKind != JsonValueKind.Number || !count.TryGetInt64(out long k) || k < 0)
            {
                throw new AuditInputException(file, 0, where + "votes", "a count is a whole number ≥ 0");
            }

            if (votes.Any(x => x.Choice == choice))
            {
                throw new AuditInputException(file, 0, where + "choice", $"\"{choice}\" is counted twice");
            }

            votes.Add(new AuditChoiceCount(choice, k));
        }

        JsonElement t = o.GetProperty("tabulator");
        return Canonical(file, bytes, new AuditTallyArtifact(Str(file, o, "audit"), round, Str(file, o, "board"), t.ValueKind == JsonValueKind.Null ? null : Str(file, o, "tabulator"),
            Str(file, o, "batch"), Str(file, o, "contest"), votes) { Corrects = corrects }, Write);
    }
}
