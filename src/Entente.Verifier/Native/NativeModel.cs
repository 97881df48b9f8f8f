namespace Entente.Verifier.Native;

// The native record (docs/record-format.md §4) as the verifier reads it. Values from the record stay
// raw bytes (fixed-width big-endian) so that the steps decide range and subgroup membership and
// report them as failures; the reader only refuses what it cannot parse.

/// <summary>
/// <c>record.json</c> (§4.1): its own file list, and (revision 7) the pieces <see cref="FileLists"/> that list the
/// per-ballot folders' files of a large record (empty when it lists every file itself).
/// </summary>
public sealed record NativeHeader(string Format, string SpecVersion, string Group, int BallotsCast, int BallotsChallenged, IReadOnlyList<NativeFileEntry> Files, IReadOnlyList<string> FileLists);

/// <summary>One list of a record's files: <c>record.json</c>'s own, or a piece of it (revision 7), with its entries in the list's order.</summary>
public sealed record NativeFileList(string File, IReadOnlyList<NativeFileEntry> Files);

/// <summary>One entry of <c>record.json</c>'s file list (or of a piece of it).</summary>
public sealed record NativeFileEntry(string Path, byte[] Sha256);

/// <summary>The manifest (§6) with its canonical bytes and effective limits.</summary>
public sealed record NativeManifest(
    byte[] Bytes,
    string Label,
    IReadOnlyList<NativeManifestContest> Contests,
    IReadOnlyList<NativeBallotStyle> Styles,
    string ChainingMode,
    string? DeviceInformation,
    int MaxBallotWeight);

/// <summary>A contest: index (1-based position), label, effective limit L, options, contest-data blocks b_Λ.</summary>
public sealed record NativeManifestContest(int Index, string Label, long Limit, IReadOnlyList<NativeManifestOption> Options, int DataBlocks);

/// <summary>An option: index, label and effective limit R.</summary>
public sealed record NativeManifestOption(int Index, string Label, long Limit);

/// <summary>A ballot style: index, label and its contest indices.</summary>
public sealed record NativeBallotStyle(int Index, string Label, IReadOnlyList<int> Contests);

/// <summary><c>parameters.json</c> (§4.3).</summary>
public sealed record NativeParameters(string SpecVersion, string Group, byte[] P, byte[] Q, byte[] G, int N, int K, byte[] Hp, byte[] Hb);

/// <summary>A (c, v) pair of a compact proof.</summary>
public sealed record NativeChallengeResponse(byte[] C, byte[] V);

/// <summary>A guardian's compact Schnorr proof (c, v_0..v_k).</summary>
public sealed record NativeKeyProof(byte[] C, IReadOnlyList<byte[]> V);

/// <summary><c>guardians/guardian-&lt;i&gt;.json</c> (§4.4).</summary>
public sealed record NativeGuardian(
    string File,
    int I,
    string Name,
    IReadOnlyList<byte[]> VoteCommitments,
    IReadOnlyList<byte[]> DataCommitments,
    byte[] CommunicationKey,
    NativeKeyProof VoteProof,
    NativeKeyProof DataProof);

/// <summary><c>election.json</c> (§4.5).</summary>
public sealed record NativeElection(byte[] KVote, byte[] KData, byte[] Hg, byte[] He);

/// <summary><c>devices/&lt;device&gt;.json</c> (§4.6).</summary>
public sealed record NativeDevice(string File, string Device, string SDevice, byte[] Hdi, string ChainingMode, IReadOnlyList<byte[]> Ballots, byte[]? ClosingHash);

/// <summary>A hashed-ElGamal ciphertext (C0, C1, C2 = (c, v)).</summary>
public sealed record NativeHashedCiphertext(byte[] C0, byte[] C1, byte[] C, byte[] V);

/// <summary>An encrypted selection (α, β) with its range proof.</summary>
public sealed record NativeSelection(byte[] Alpha, byte[] Beta, IReadOnlyList<NativeChallengeResponse> Proof);

/// <summary>An encrypted contest of a ballot.</summary>
public sealed record NativeContest(int Index, IReadOnlyList<NativeSelection> Selections, IReadOnlyList<NativeChallengeResponse> LimitProof, NativeHashedCiphertext? ContestData, byte[] ContestHash);

/// <summary><c>ballots/&lt;id_B&gt;.json</c> (§4.7).</summary>
public sealed record NativeBallot(
    string File,
    byte[] Id,
    byte[] Hi,
    int Style,
    string Device,
    string Timestamp,
    int Weight,
    string State,
    NativeHashedCiphertext BallotNonce,
    IReadOnlyList<NativeContest> Contests,
    byte[] ChainingField,
    byte[] ConfirmationCode)
{
    /// <summary>The ballot identifier as 64 uppercase hex digits.</summary>
    public string IdHex => Convert.ToHexString(Id);

    /// <summary>True for a cast ballot.</summary>
    public bool IsCast => State == "cast";

    /// <summary>The <c>pre_encryption</c> member of a ballot recorded from a pre-encrypted ballot (§4.7.1); null otherwise.</summary>
    public NativePreEncryption? PreEncryption { get; init; }
}

/// <summary>An option of the encrypted tally (A, B).</summary>
public sealed record NativeTallyCiphertext(int Index, byte[] Alpha, byte[] Beta);

/// <summary>A contest of the encrypted tally.</summary>
public sealed record NativeEncryptedTallyContest(int Index, IReadOnlyList<NativeTallyCiphertext> Options);

/// <summary><c>tally/encrypted_tally.json</c> (§4.8).</summary>
/// <param name="Contests">The aggregates.</param>
/// <param name="Ballots">The aggregated ballots as listed; null when the tally commits to them instead (revision 8).</param>
/// <param name="Commitment">The number of the aggregated ballots and the SHA-256 of their sorted list, when the tally commits to them.</param>
public sealed record NativeEncryptedTally(IReadOnlyList<NativeEncryptedTallyContest> Contests, IReadOnlyList<byte[]>? Ballots, (long Count, byte[] Sha256)? Commitment);

/// <summary>A decrypted option with its proof.</summary>
public sealed record NativeTallyOption(int Index, string Label, long Value, NativeChallengeResponse Proof);

/// <summary>A decrypted contest.</summary>
public sealed record NativeTallyContest(int Index, string Label, IReadOnlyList<NativeTallyOption> Options);

/// <summary><c>tally/tally.json</c> (§4.9).</summary>
public sealed record NativeTally(IReadOnlyList<int> Guardians, IReadOnlyList<NativeTallyContest> Contests);

/// <summary>One guardian's part of the joint decryption of one tally option (§4.12): M_i, d_i, a_i, b_i, v_i (eqs 84, 87, 88, 92).</summary>
public sealed record NativeShare(int I, byte[] M, byte[] D, byte[] A, byte[] B, byte[] V);

/// <summary>The parts of every guardian of U for one option.</summary>
public sealed record NativeSharesOption(int Index, IReadOnlyList<NativeShare> Shares);

/// <summary>The parts for the options of one contest.</summary>
public sealed record NativeSharesContest(int Index, IReadOnlyList<NativeSharesOption> Options);

/// <summary><c>tally/partial_decryptions.json</c> (§4.12): what binds U to the tally's decryption.</summary>
public sealed record NativePartialDecryptions(IReadOnlyList<NativeSharesContest> Contests);

/// <summary>An opened selection: σ and the nonce ξ_{i,j}.</summary>
public sealed record NativeOpenedSelection(int Index, string Label, long Value, byte[] Nonce);

/// <summary>Opened contest data: the nonce ξ and the decrypted bytes D.</summary>
public sealed record NativeOpenedData(byte[] Nonce, byte[] Data);

/// <summary>An opened contest of a challenged ballot.</summary>
public sealed record NativeOpenedContest(int Index, string Label, IReadOnlyList<NativeOpenedSelection> Selections, NativeOpenedData? ContestData);

/// <summary><c>challenged/&lt;id_B&gt;.json</c> (§4.10).</summary>
public sealed record NativeOpening(string File, byte[] Id, IReadOnlyList<NativeOpenedContest> Contests);

/// <summary>One decrypted contest of a cast ballot: β, D, the optional text and the proof (c, v) of eqs 98–103.</summary>
public sealed record NativeDecryptedData(int Index, string Label, byte[] Beta, byte[] Data, string? Text, NativeChallengeResponse Proof);

/// <summary><c>contest_data/&lt;id_B&gt;.json</c> (§4.11): the decrypted contest data of one cast ballot.</summary>
public sealed record NativeContestDataFile(string File, byte[] Id, IReadOnlyList<int> Guardians, IReadOnlyList<NativeDecryptedData> Contests);

/// <summary>One ciphertext (α, β) of a pre-encryption vector.</summary>
public sealed record NativeCiphertext(byte[] Alpha, byte[] Beta);

/// <summary>A selected pre-encryption vector of a cast ballot: its short code and its m ciphertexts (§4.7.1).</summary>
public sealed record NativePreSelected(string ShortCode, IReadOnlyList<NativeCiphertext> Vector);

/// <summary>One contest of a cast ballot's <c>pre_encryption</c>: the sorted selection hashes and the selected vectors.</summary>
public sealed record NativePreContest(int Index, IReadOnlyList<byte[]> SelectionHashes, IReadOnlyList<NativePreSelected> Selected);

/// <summary>A cast ballot's <c>pre_encryption</c> member (§4.7.1, revision 4).</summary>
public sealed record NativePreEncryption(string ShortCodeFormat, string SDevice, byte[] Hdi, IReadOnlyList<NativePreContest> Contests);

/// <summary>One selection vector of an uncast ballot: j, the option label (null for a null vector), ω, ψ and the m nonces.</summary>
public sealed record NativeUncastSelection(int Index, string? Label, string ShortCode, byte[] SelectionHash, IReadOnlyList<byte[]> Nonces);

/// <summary>One contest of an uncast ballot.</summary>
public sealed record NativeUncastContest(int Index, string Label, IReadOnlyList<NativeUncastSelection> Selections, byte[] ContestHash);

/// <summary><c>uncast/&lt;id_B&gt;.json</c> (§4.13, revision 4): an uncast pre-encrypted ballot, opened.</summary>
public sealed record NativeUncast(
    string File,
    byte[] Id,
    byte[] Hi,
    int Style,
    string Device,
    string SDevice,
    byte[] Hdi,
    string ShortCodeFormat,
    IReadOnlyList<NativeUncastContest> Contests,
    byte[] ChainingField,
    byte[] ConfirmationCode)
{
    /// <summary>The ballot identifier as 64 uppercase hex digits.</summary>
    public string IdHex => Convert.ToHexString(Id);
}
