using Entente.Cryptography;
using Entente.Election.Decryption;
using Entente.Election.Encryption;
using Entente.Election.KeyCeremony;
using Entente.Election.Tally;

namespace Entente.Election.Record;

/// <summary>What the record says about one encryption device (docs/record-format.md §4.6).</summary>
public sealed record DeviceRecord(string Device, string DeviceInformation, Hash256 DeviceHash, Manifest.ChainingMode ChainingMode, IReadOnlyList<Hash256> Ballots, Hash256? ClosingHash);

/// <summary>
/// A complete election record in memory (spec 2.1 §3.7; docs/record-format.md): the context
/// (parameters, manifest, guardian keys, joint keys, hashes), devices, every encrypted ballot, the
/// encrypted and decrypted tallies, the opened challenged ballots, and the decrypted contest data of
/// the cast ballots an explicit request named (<see cref="ContestData"/>, usually none).
/// </summary>
public sealed record ElectionRecord(
    ElectionContext Context,
    IReadOnlyList<DeviceRecord> Devices,
    IReadOnlyList<EncryptedBallot> Ballots,
    EncryptedTally EncryptedTally,
    DecryptedTally Tally,
    IReadOnlyList<OpenedBallot> Challenged)
{
    /// <summary>
    /// Decrypted contest data of cast ballots (docs/record-format.md §4.11, <c>contest_data/</c>), one entry per
    /// ballot; empty unless a request named ballots (contest data is never decrypted by default).
    /// </summary>
    public IReadOnlyList<DecryptedBallotContestData> ContestData { get; init; } = [];

    /// <summary>
    /// Uncast pre-encrypted ballots, opened (docs/record-format.md §4.13, <c>uncast/</c>): the spoiled or audited printed
    /// ballots that take the place of challenged ballots for pre-encryption (spec 2.1 §4.5). Empty without pre-encryption.
    /// </summary>
    public IReadOnlyList<PreEncryption.UncastBallot> Uncast { get; init; } = [];

    /// <summary>The record path of <see cref="Schedule"/>.</summary>
    public const string SchedulePath = "schedule.json";

    /// <summary>
    /// <c>schedule.json</c> (docs/record-format.md §11), written and read back as given: every party's step as on time,
    /// late, not done or pending, judged from the board's entries; null for a record not fetched from a board.
    /// </summary>
    public byte[]? Schedule { get; init; }

    /// <summary>
    /// The abandoned decryption attempts (docs/record-format.md §11): record path
    /// (<c>tally/abandoned/attempt-&lt;a&gt;.json</c>) → canonical bytes, written and read back as given; empty when the
    /// first attempt completed.
    /// </summary>
    public IReadOnlyDictionary<string, byte[]> Abandoned { get; init; } = new Dictionary<string, byte[]>();
}
