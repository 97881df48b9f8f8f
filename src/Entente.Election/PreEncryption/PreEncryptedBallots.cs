using Entente.Cryptography;

namespace Entente.Election.PreEncryption;

/// <summary>
/// One selection vector Ψ_{j,m} of a pre-encrypted contest (eqs 112–114): the selection index j (the option index
/// 1..m, or m + ℓ for the ℓ-th null vector), the option it selects (null for a null vector), its m encryptions, its
/// selection hash ψ_j and its short code ω = Ω(ψ_j).
/// </summary>
public sealed record PreEncryptedSelection(int SelectionIndex, int? OptionIndex, IReadOnlyList<ElGamalCiphertext> Vector, Hash256 SelectionHash, string ShortCode);

/// <summary>A pre-encrypted contest: m + L selection vectors in selection-index order and the contest hash χ (eq 115).</summary>
public sealed record PreEncryptedContest(int ContestIndex, IReadOnlyList<PreEncryptedSelection> Selections, Hash256 ContestHash)
{
    /// <summary>The selection whose short code is <paramref name="shortCode"/>, or null.</summary>
    public PreEncryptedSelection? FindShortCode(string shortCode) =>
        Selections.FirstOrDefault(s => string.Equals(s.ShortCode, shortCode, StringComparison.Ordinal));
}

/// <summary>
/// A pre-encrypted ballot as the ballot encrypting tool produces it (spec 2.1 §4.2): everything that is printed or kept
/// public — id_B, H_I, the style, the tool's S_device, Ω, the encrypted ballot nonce (§3.3.4), every selection vector,
/// hash and short code, the contest hashes, B_C and the confirmation code H_C (eq 116). The ballot nonce ξ_B itself is
/// not here (<see cref="GeneratedBallot"/>).
/// </summary>
public sealed record PreEncryptedBallot(
    Hash256 Id,
    Hash256 IdentifierHash,
    int StyleIndex,
    string Device,
    string DeviceInformation,
    ShortCodeFormat ShortCodes,
    HashedElGamalCiphertext BallotNonce,
    IReadOnlyList<PreEncryptedContest> Contests,
    byte[] ChainingField,
    Hash256 ConfirmationCode);

/// <summary>A freshly generated pre-encrypted ballot with its secret ballot nonce ξ_B; disposing wipes ξ_B.</summary>
public sealed class GeneratedBallot : IDisposable
{
    internal GeneratedBallot(PreEncryptedBallot ballot, BallotNonce nonce)
    {
        Ballot = ballot;
        Nonce = nonce;
    }

    /// <summary>The public part.</summary>
    public PreEncryptedBallot Ballot { get; }

    /// <summary>ξ_B: whoever holds it can open every selection vector of the ballot.</summary>
    public BallotNonce Nonce { get; }

    /// <summary>Wipes ξ_B.</summary>
    public void Dispose() => Nonce.Dispose();
}

/// <summary>One selected pre-encryption vector of a cast ballot as the record publishes it: its short code and its m encryptions.</summary>
public sealed record PreEncryptedSelectedVector(string ShortCode, IReadOnlyList<ElGamalCiphertext> Vector);

/// <summary>
/// What the record adds for one contest of a cast pre-encrypted ballot (§4.4): the m + L selection hashes sorted
/// numerically, and the L selected vectors (the voter's marks, completed with null vectors) with their short codes,
/// in increasing order of their selection hashes so that the order tells nothing about which are null.
/// </summary>
public sealed record PreEncryptedCastContest(int ContestIndex, IReadOnlyList<Hash256> SelectionHashes, IReadOnlyList<PreEncryptedSelectedVector> Selected);

/// <summary>
/// The pre-encryption part of a cast ballot (docs/record-format.md §4.7, member <c>pre_encryption</c>): Ω, the encrypting
/// tool's S_device and H_DI (eq 119), and per contest the sorted selection hashes and the selected vectors.
/// </summary>
public sealed record PreEncryptionRecord(ShortCodeFormat ShortCodes, string DeviceInformation, Hash256 DeviceHash, IReadOnlyList<PreEncryptedCastContest> Contests);

/// <summary>An opened selection vector of an uncast ballot: j, its option (null for a null vector), ω, ψ and the m nonces ξ_{i,j,k} (eq 121).</summary>
public sealed record OpenedPreEncryptedSelection(int SelectionIndex, int? OptionIndex, string ShortCode, Hash256 SelectionHash, IReadOnlyList<ElementModQ> Nonces);

/// <summary>An opened contest of an uncast ballot: every selection vector in selection-index order, and χ.</summary>
public sealed record OpenedPreEncryptedContest(int ContestIndex, IReadOnlyList<OpenedPreEncryptedSelection> Selections, Hash256 ContestHash);

/// <summary>
/// An uncast pre-encrypted ballot opened for the record (§4.3, §4.4; docs/record-format.md §4.13): the ballot's public
/// values and, for every selection vector, its short code, hash and encryption nonces, so that anyone can recompute every
/// encryption (V18) and see which short code stood beside which option (V17, V19).
/// </summary>
public sealed record UncastBallot(
    Hash256 Id,
    Hash256 IdentifierHash,
    int StyleIndex,
    string Device,
    string DeviceInformation,
    Hash256 DeviceHash,
    ShortCodeFormat ShortCodes,
    IReadOnlyList<OpenedPreEncryptedContest> Contests,
    byte[] ChainingField,
    Hash256 ConfirmationCode);
