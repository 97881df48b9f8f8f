using Entente.Cryptography;

namespace Entente.Election.Encryption;

/// <summary>Whether the voter cast the ballot or challenged it (§3.4.4).</summary>
public enum BallotState
{
    /// <summary>Cast: counted, never decrypted.</summary>
    Cast,

    /// <summary>Challenged: not counted, opened by the guardians (§3.6.7).</summary>
    Challenged,
}

/// <summary>
/// A voter's plaintext selections for one ballot style: for each contest of the style, one value per
/// option in option order, and optional contest data (at most 32·b_Λ bytes).
/// </summary>
public sealed class PlaintextBallot
{
    /// <summary>Creates a plaintext ballot; <see cref="BallotValidator"/> checks it against the manifest.</summary>
    public PlaintextBallot(int styleIndex, IReadOnlyDictionary<int, int[]> selections, IReadOnlyDictionary<int, byte[]>? contestData = null, int weight = 1)
    {
        ArgumentNullException.ThrowIfNull(selections);
        StyleIndex = styleIndex;
        Selections = selections;
        ContestData = contestData ?? new Dictionary<int, byte[]>();
        Weight = weight;
    }

    /// <summary>The ballot style index.</summary>
    public int StyleIndex { get; }

    /// <summary>Contest index → values per option (option j at position j − 1).</summary>
    public IReadOnlyDictionary<int, int[]> Selections { get; }

    /// <summary>Contest index → contest data bytes (write-ins, overvote details).</summary>
    public IReadOnlyDictionary<int, byte[]> ContestData { get; }

    /// <summary>The ballot weight W (§3.5).</summary>
    public int Weight { get; }
}

/// <summary>An encrypted selection (α, β) with its range proof over {0, …, R}.</summary>
public sealed record EncryptedSelection(int OptionIndex, ElGamalCiphertext Ciphertext, RangeProof Proof);

/// <summary>An encrypted contest: selections, contest-limit proof, optional contest data and χ.</summary>
public sealed record EncryptedContest(
    int ContestIndex,
    IReadOnlyList<EncryptedSelection> Selections,
    RangeProof LimitProof,
    HashedElGamalCiphertext? ContestData,
    Hash256 ContestHash);

/// <summary>
/// An encrypted ballot as the record holds it (docs/record-format.md §4.7): identifier, H_I, style,
/// device, time, weight, state, the encrypted ballot nonce, the contests, the chaining field and
/// the confirmation code H_C.
/// </summary>
public sealed record EncryptedBallot(
    Hash256 Id,
    Hash256 IdentifierHash,
    int StyleIndex,
    string Device,
    DateTimeOffset Timestamp,
    int Weight,
    BallotState State,
    HashedElGamalCiphertext BallotNonce,
    IReadOnlyList<EncryptedContest> Contests,
    byte[] ChainingField,
    Hash256 ConfirmationCode)
{
    /// <summary>
    /// For a ballot recorded from a pre-encrypted ballot (spec 2.1 §4.3): Ω, the encrypting tool's S_device and H_DI,
    /// the sorted selection hashes and the selected vectors with their short codes; null for a ballot encrypted on a device.
    /// Its contest hashes and confirmation code are those of eqs 115–116, not 70–71.
    /// </summary>
    public PreEncryption.PreEncryptionRecord? PreEncryption { get; init; }

    /// <summary>The same ballot with another state (the voter's choice, after H_C is shown).</summary>
    public EncryptedBallot WithState(BallotState state) => this with { State = state };
}
