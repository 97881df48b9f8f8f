using System.Globalization;
using Entente.Cryptography;
using Entente.Election.Encryption;

namespace Entente.Election.Board;

/// <summary>The kinds of document the parties of an election exchange through their board (docs/record-format.md §5).</summary>
public enum ElectionDocumentKind
{
    /// <summary>The canonical manifest (joint).</summary>
    Manifest,

    /// <summary>parameters.json (joint).</summary>
    Parameters,

    /// <summary>A guardian's public keys and proofs.</summary>
    GuardianKey,

    /// <summary>An encrypted share from guardian i to guardian ℓ.</summary>
    Share,

    /// <summary>A guardian's approval or complaints.</summary>
    Approval,

    /// <summary>election.json: the joint keys K, K̂, H_G and H_E (joint).</summary>
    ElectionKey,

    /// <summary>An encrypted ballot, posted by its device as it is sealed.</summary>
    Ballot,

    /// <summary>A device's record at close.</summary>
    Device,

    /// <summary>The encrypted tally (joint).</summary>
    EncryptedTally,

    /// <summary>A guardian's decryption commit.</summary>
    DecryptionCommit,

    /// <summary>A guardian's decryption reveal.</summary>
    DecryptionReveal,

    /// <summary>A guardian's decryption response.</summary>
    DecryptionResponse,

    /// <summary>The request to decrypt the contest data of named cast ballots (joint).</summary>
    ContestDataRequest,

    /// <summary>The decrypted tally with its proofs (joint).</summary>
    Tally,

    /// <summary>The opening of a challenged ballot (joint).</summary>
    Opening,

    /// <summary>The decrypted contest data of a cast ballot (joint).</summary>
    ContestData,

    /// <summary>An uncast pre-encrypted ballot, opened by the recording tool (§4.3, §4.4).</summary>
    Uncast,

    /// <summary>A device's notice that it sealed a ballot and showed its H_C, before the voter's choice.</summary>
    Seal,

    /// <summary>A party's abandonment of a decryption attempt whose guardian did not act by its deadline (docs/record-format.md §11).</summary>
    DecryptionAbandon,
}

/// <summary>
/// One document of an election's shared place: its kind and its id within the kind (the guardian index, "i-to-ℓ" for
/// a share, id_B for a ballot, opening or contest data, the device name; empty for a single document). Whether every
/// party must sign it (<see cref="IsJoint"/>) and where it lives in a ceremony folder (<see cref="Path"/>) follow from
/// the kind. A ballot published by its device also carries the lookup fields of its log entry.
/// </summary>
public sealed record ElectionDocument
{
    private ElectionDocument(ElectionDocumentKind kind, string id, int guardian = 0, int recipient = 0)
    {
        Kind = kind;
        Id = id;
        Guardian = guardian;
        Recipient = recipient;
    }

    /// <summary>The kind.</summary>
    public ElectionDocumentKind Kind { get; }

    /// <summary>The id within the kind ("" for a single document).</summary>
    public string Id { get; }

    /// <summary>The guardian concerned: i of a key, approval or round; the sender of a share (0 otherwise).</summary>
    public int Guardian { get; }

    /// <summary>The recipient ℓ of a share (0 otherwise).</summary>
    public int Recipient { get; }

    /// <summary>The decryption attempt of a round or an abandonment (1 otherwise).</summary>
    public int Attempt { get; private init; } = 1;

    /// <summary>A published ballot's confirmation code H_C (uppercase hex), or null.</summary>
    public string? ConfirmationCode { get; private init; }

    /// <summary>True for a published ballot that was challenged.</summary>
    public bool Challenged { get; private init; }

    /// <summary>True when every party must sign the document's entry (manifest, parameters, joint key, tallies, openings, contest data and its request).</summary>
    public bool IsJoint => Kind is ElectionDocumentKind.Manifest or ElectionDocumentKind.Parameters or ElectionDocumentKind.ElectionKey
        or ElectionDocumentKind.EncryptedTally or ElectionDocumentKind.ContestDataRequest or ElectionDocumentKind.Tally
        or ElectionDocumentKind.Opening or ElectionDocumentKind.ContestData;

    /// <summary>True for a kind with one document per election.</summary>
    public bool IsSingle => IsSingleKind(Kind);

    /// <summary>Where the document lives in a ceremony folder (docs/record-format.md §5), with '/' separators.</summary>
    public string Path => Kind switch
    {
        ElectionDocumentKind.Manifest => "manifest.json",
        ElectionDocumentKind.Parameters => "parameters.json",
        ElectionDocumentKind.GuardianKey => $"public/guardian-{Id}.json",
        ElectionDocumentKind.Share => $"shares/share-{Id}.json",
        ElectionDocumentKind.Approval => $"approvals/guardian-{Id}.json",
        ElectionDocumentKind.ElectionKey => "election.json",
        ElectionDocumentKind.Ballot => $"ballots/{Id}.json",
        ElectionDocumentKind.Device => $"devices/{Id}.json",
        ElectionDocumentKind.EncryptedTally => "tally/encrypted_tally.json",
        ElectionDocumentKind.DecryptionCommit => $"decryption/commit-{Id}.json",
        ElectionDocumentKind.DecryptionReveal => $"decryption/reveal-{Id}.json",
        ElectionDocumentKind.DecryptionResponse => $"decryption/response-{Id}.json",
        ElectionDocumentKind.ContestDataRequest => "decryption/contest_data_request.json",
        ElectionDocumentKind.Tally => "tally/tally.json",
        ElectionDocumentKind.Opening => $"challenged/{Id}.json",
        ElectionDocumentKind.ContestData => $"contest_data/{Id}.json",
        ElectionDocumentKind.Uncast => $"uncast/{Id}.json",
        ElectionDocumentKind.Seal => $"sealed/{Id}.json",
        ElectionDocumentKind.DecryptionAbandon => $"decryption/abandon-{Id}.json",
        _ => throw new InvalidOperationException("unknown kind"),
    };

    /// <summary>The manifest.</summary>
    public static ElectionDocument Manifest { get; } = new(ElectionDocumentKind.Manifest, "");

    /// <summary>parameters.json.</summary>
    public static ElectionDocument Parameters { get; } = new(ElectionDocumentKind.Parameters, "");

    /// <summary>election.json.</summary>
    public static ElectionDocument ElectionKey { get; } = new(ElectionDocumentKind.ElectionKey, "");

    /// <summary>The encrypted tally.</summary>
    public static ElectionDocument EncryptedTally { get; } = new(ElectionDocumentKind.EncryptedTally, "");

    /// <summary>The contest-data request.</summary>
    public static ElectionDocument ContestDataRequest { get; } = new(ElectionDocumentKind.ContestDataRequest, "");

    /// <summary>The decrypted tally.</summary>
    public static ElectionDocument Tally { get; } = new(ElectionDocumentKind.Tally, "");

    /// <summary>True for a kind with one document per election.</summary>
    public static bool IsSingleKind(ElectionDocumentKind kind) => kind is ElectionDocumentKind.Manifest or ElectionDocumentKind.Parameters
        or ElectionDocumentKind.ElectionKey or ElectionDocumentKind.EncryptedTally or ElectionDocumentKind.ContestDataRequest or ElectionDocumentKind.Tally;

    /// <summary>Guardian i's public key.</summary>
    public static ElectionDocument GuardianKey(int guardian) => new(ElectionDocumentKind.GuardianKey, Text(guardian), guardian);

    /// <summary>The share from guardian <paramref name="from"/> to guardian <paramref name="to"/>.</summary>
    public static ElectionDocument Share(int from, int to) => new(ElectionDocumentKind.Share, $"{Text(from)}-to-{Text(to)}", from, to);

    /// <summary>Guardian ℓ's approval or complaints.</summary>
    public static ElectionDocument Approval(int guardian) => new(ElectionDocumentKind.Approval, Text(guardian), guardian);

    /// <summary>The ballot <paramref name="id"/> (to read).</summary>
    public static ElectionDocument Ballot(Hash256 id)
    {
        ArgumentNullException.ThrowIfNull(id);
        return new(ElectionDocumentKind.Ballot, id.ToHex());
    }

    /// <summary>A sealed ballot (to publish): its id, with its state and confirmation code for the log entry.</summary>
    public static ElectionDocument Ballot(EncryptedBallot ballot)
    {
        ArgumentNullException.ThrowIfNull(ballot);
        return new(ElectionDocumentKind.Ballot, ballot.Id.ToHex())
        {
            ConfirmationCode = ballot.ConfirmationCode.ToHex(),
            Challenged = ballot.State == BallotState.Challenged,
        };
    }

    /// <summary>The record of device <paramref name="name"/>.</summary>
    public static ElectionDocument Device(string name)
    {
        if (!EncryptionDevice.IsValidName(name))
        {
            throw new ArgumentException($"\"{name}\" is not a device name (A–Z a–z 0–9 . _ -).", nameof(name));
        }

        return new(ElectionDocumentKind.Device, name);
    }

    /// <summary>Guardian i's decryption commit in <paramref name="attempt"/> (id "i", or "i-aN" for attempt N ≥ 2).</summary>
    public static ElectionDocument Commit(int guardian, int attempt = 1) => Round(ElectionDocumentKind.DecryptionCommit, guardian, attempt);

    /// <summary>Guardian i's decryption reveal in <paramref name="attempt"/>.</summary>
    public static ElectionDocument Reveal(int guardian, int attempt = 1) => Round(ElectionDocumentKind.DecryptionReveal, guardian, attempt);

    /// <summary>Guardian i's decryption response in <paramref name="attempt"/>.</summary>
    public static ElectionDocument Response(int guardian, int attempt = 1) => Round(ElectionDocumentKind.DecryptionResponse, guardian, attempt);

    /// <summary>The abandonment of decryption attempt <paramref name="attempt"/> (id = the attempt).</summary>
    public static ElectionDocument Abandonment(int attempt) => new(ElectionDocumentKind.DecryptionAbandon, Text(attempt)) { Attempt = attempt };

    private static ElectionDocument Round(ElectionDocumentKind kind, int guardian, int attempt) =>
        new(kind, attempt == 1 ? Text(guardian) : $"{Text(guardian)}-a{Text(attempt)}", guardian) { Attempt = attempt };

    /// <summary>The opening of challenged ballot <paramref name="id"/>.</summary>
    public static ElectionDocument Opening(Hash256 id)
    {
        ArgumentNullException.ThrowIfNull(id);
        return new(ElectionDocumentKind.Opening, id.ToHex());
    }

    /// <summary>The decrypted contest data of cast ballot <paramref name="id"/>.</summary>
    public static ElectionDocument ContestData(Hash256 id)
    {
        ArgumentNullException.ThrowIfNull(id);
        return new(ElectionDocumentKind.ContestData, id.ToHex());
    }

    /// <summary>The seal notice of a ballot (to publish before the voter's choice), with its H_C for the log entry.</summary>
    public static ElectionDocument Sealed(Encryption.BallotSeal seal)
    {
        ArgumentNullException.ThrowIfNull(seal);
        return new(ElectionDocumentKind.Seal, seal.Id.ToHex()) { ConfirmationCode = seal.ConfirmationCode.ToHex() };
    }

    /// <summary>The opening of uncast pre-encrypted ballot <paramref name="id"/>.</summary>
    public static ElectionDocument Uncast(Hash256 id)
    {
        ArgumentNullException.ThrowIfNull(id);
        return new(ElectionDocumentKind.Uncast, id.ToHex());
    }

    /// <summary>
    /// The document of <paramref name="kind"/> with <paramref name="id"/> as a listing names it (the guardian index for
    /// guardian documents, "i-to-ℓ" for a share), or null when the id does not fit the kind.
    /// </summary>
    public static ElectionDocument? TryFromId(ElectionDocumentKind kind, string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (IsSingleKind(kind))
        {
            return id.Length == 0 ? kind switch
            {
                ElectionDocumentKind.Manifest => Manifest,
                ElectionDocumentKind.Parameters => Parameters,
                ElectionDocumentKind.ElectionKey => ElectionKey,
                ElectionDocumentKind.EncryptedTally => EncryptedTally,
                ElectionDocumentKind.ContestDataRequest => ContestDataRequest,
                _ => Tally,
            } : null;
        }

        switch (kind)
        {
            case ElectionDocumentKind.GuardianKey or ElectionDocumentKind.Approval:
                return Index(id) is int i ? new ElectionDocument(kind, Text(i), i) : null;
            case ElectionDocumentKind.DecryptionCommit or ElectionDocumentKind.DecryptionReveal or ElectionDocumentKind.DecryptionResponse:
            {
                string[] round = id.Split("-a");
                return round.Length switch
                {
                    1 when Index(round[0]) is int g => Round(kind, g, 1),
                    2 when Index(round[0]) is int g && Index(round[1]) is int a && a >= 2 => Round(kind, g, a),
                    _ => null,
                };
            }

            case ElectionDocumentKind.DecryptionAbandon:
                return Index(id) is int attempt ? Abandonment(attempt) : null;
            case ElectionDocumentKind.Share:
                string[] parts = id.Split("-to-");
                return parts.Length == 2 && Index(parts[0]) is int from && Index(parts[1]) is int to ? Share(from, to) : null;
            case ElectionDocumentKind.Ballot or ElectionDocumentKind.Opening or ElectionDocumentKind.ContestData or ElectionDocumentKind.Uncast or ElectionDocumentKind.Seal:
                return Hash256.TryDecodeHex(id, out Hash256? hash) && hash.ToHex() == id ? new ElectionDocument(kind, id) : null;
            case ElectionDocumentKind.Device:
                return EncryptionDevice.IsValidName(id) ? Device(id) : null;
            default:
                return null;
        }
    }

    /// <inheritdoc/>
    public override string ToString() => Path;

    private static string Text(int index)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(index, 1);
        return index.ToString(CultureInfo.InvariantCulture);
    }

    private static int? Index(string text) =>
        text.Length is > 0 and <= 9 && text[0] != '0' && text.All(char.IsAsciiDigit) ? int.Parse(text, CultureInfo.InvariantCulture) : null;
}
