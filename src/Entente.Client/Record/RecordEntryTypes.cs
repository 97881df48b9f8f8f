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
        PartOf(type) is not null || type is Charter or "guardian.share" or "guardian.approval";
}
