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
/// encrypted and decrypted tallies, and the opened challenged ballots.
/// </summary>
public sealed record ElectionRecord(
    ElectionContext Context,
    IReadOnlyList<DeviceRecord> Devices,
    IReadOnlyList<EncryptedBallot> Ballots,
    EncryptedTally EncryptedTally,
    DecryptedTally Tally,
    IReadOnlyList<OpenedBallot> Challenged);
