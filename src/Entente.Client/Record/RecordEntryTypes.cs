using Entente.Election.Record;

namespace Entente.Client.Record;

/// <summary>
/// Which log entry types of a board commit to a file of the election record (docs/http-api.md, "Election board";
/// docs/record-format.md §3). Entries of other types (the charter, shares, approvals, decryption rounds, the witness
/// policy, exchange messages) are on the board but not in the record.
/// </summary>
public static class RecordEntryTypes
{
    /// <summary>The entry type of the board's witness policy (a C2SP tlog-policy, signed by the parties).</summary>
    public const string WitnessPolicy = "witness.policy";

    /// <summary>The entry type of the board's charter.</summary>
    public const string Charter = "charter";

    /// <summary>The record file an entry of <paramref name="type"/> commits to, or null when it is not a record file.</summary>
    public static RecordPart? PartOf(string type) => type switch
    {
        "manifest" => RecordPart.Manifest,
        "election.parameters" => RecordPart.Parameters,
        "guardian.commitment" => RecordPart.Guardian,
        "election.key" => RecordPart.Election,
        "ballot.cast" or "ballot.challenged" => RecordPart.Ballot,
        "device.record" => RecordPart.Device,
        "tally.encrypted" => RecordPart.EncryptedTally,
        "tally.decrypted" => RecordPart.Tally,
        "ballot.opened" => RecordPart.Opening,
        "ballot.uncast" => RecordPart.Uncast,
        "decryption.commit" => RecordPart.DecryptionCommit,
        "decryption.reveal" => RecordPart.DecryptionReveal,
        "decryption.response" => RecordPart.DecryptionResponse,
        _ => null,
    };

    /// <summary>
    /// True for the entry types whose artifacts the election board validates (every <see cref="PartOf"/> type plus
    /// the charter, shares, approvals and decryption rounds): <c>record fetch</c> checks each one's blob.
    /// </summary>
    public static bool IsBoardArtifact(string type) =>
        PartOf(type) is not null || type is Charter or "guardian.share" or "guardian.approval" or Abandon;

    /// <summary>The entry type of the abandonment of a decryption attempt (docs/record-format.md §11).</summary>
    public const string Abandon = "decryption.abandon";

    /// <summary>
    /// The abandonment logged at <paramref name="index"/> with what the step table says of it: its time (the entry opens
    /// the next attempt's commit step), and the missed step's opening, deadline and due time for the named guardian.
    /// Unknown values stay null (the record assembler refuses an abandonment it cannot date).
    /// </summary>
    public static AbandonmentEntry Abandonment(long index, string party, byte[] artifact, Board.ScheduleReport? schedule)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        int attempt = 0;
        int guardian = 0;
        string step = "";
        try
        {
            using System.Text.Json.JsonDocument document = System.Text.Json.JsonDocument.Parse(artifact);
            System.Text.Json.JsonElement root = document.RootElement;
            attempt = root.TryGetProperty("attempt", out System.Text.Json.JsonElement a) && a.TryGetInt32(out int x) ? x : 0;
            guardian = root.TryGetProperty("guardian", out System.Text.Json.JsonElement g) && g.TryGetInt32(out int y) ? y : 0;
            step = root.TryGetProperty("step", out System.Text.Json.JsonElement s) && s.ValueKind == System.Text.Json.JsonValueKind.String ? s.GetString()! : "";
        }
        catch (System.Text.Json.JsonException)
        {
            // the assembler reads the artifact strictly and names the problem
        }

        Board.StepStatus? next = schedule?.Steps.FirstOrDefault(r => r.Attempt == attempt + 1 && r.Step == "decryption.commit" && r.Opened.Index == index);
        Board.StepStatus? missed = schedule?.Steps.FirstOrDefault(r => r.Attempt == attempt && r.Step == "decryption." + step && r.Guardians.Contains(guardian));
        return new AbandonmentEntry(artifact, index, next?.Opened.Time, party, missed?.Opened.Index ?? -1, missed?.Opened.Time,
            missed?.Deadline is { } d ? (long)d.TotalSeconds : null, missed?.Due);
    }
}
