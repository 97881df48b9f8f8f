using System.Numerics;

namespace Entente.Verifier.Egk;

// The ElectionGuard 2.0 election record in the JSON layout of electionguard-kotlin-multiplatform
// (egk, "JSON 1.9"). Numbers are kept as read (BigInteger, bytes); whether they lie in Z_p^r or Z_q
// is for the verification steps to decide, so that a value ≥ p is reported at the step that checks it.

/// <summary>constants.json: the group parameters the producer used.</summary>
public sealed record EgkConstants(string Name, BigInteger LargePrime, BigInteger SmallPrime, BigInteger Cofactor, BigInteger Generator);

/// <summary>election_config.json: configuration and base hashes.</summary>
public sealed record EgkConfig(
    string ConfigVersion,
    int NumberOfGuardians,
    int Quorum,
    byte[] ParameterBaseHash,
    byte[] ManifestHash,
    byte[] ElectionBaseHash,
    bool ChainConfirmationCodes,
    byte[] Baux0);

/// <summary>One contest of the manifest.</summary>
public sealed record EgkManifestContest(
    string ContestId,
    int SequenceOrder,
    int VotesAllowed,
    int OptionSelectionLimit,
    IReadOnlyList<EgkManifestSelection> Selections);

/// <summary>One selection (option) of a manifest contest.</summary>
public sealed record EgkManifestSelection(string SelectionId, int SequenceOrder);

/// <summary>manifest.json: the exact file bytes (hashed into H_M) and the contests.</summary>
public sealed record EgkManifest(byte[] FileBytes, string SpecVersion, IReadOnlyList<EgkManifestContest> Contests);

/// <summary>A Schnorr proof of knowledge of one polynomial coefficient, with its commitment K_{i,j}.</summary>
public sealed record EgkSchnorrProof(BigInteger PublicKey, BigInteger Challenge, BigInteger Response);

/// <summary>A guardian's public record.</summary>
public sealed record EgkGuardian(string GuardianId, int XCoordinate, IReadOnlyList<EgkSchnorrProof> CoefficientProofs);

/// <summary>election_initialized.json: joint key, extended base hash, guardians.</summary>
public sealed record EgkInitialized(BigInteger JointPublicKey, byte[] ExtendedBaseHash, IReadOnlyList<EgkGuardian> Guardians);

/// <summary>An ElGamal ciphertext (α, β) = (pad, data).</summary>
public sealed record EgkCiphertext(BigInteger Pad, BigInteger Data);

/// <summary>One (c_j, v_j) pair of a compact range proof, or a Chaum–Pedersen decryption proof.</summary>
public sealed record EgkChallengeResponse(BigInteger Challenge, BigInteger Response);

/// <summary>Hashed ElGamal ciphertext of contest data (C0, C1, C2).</summary>
public sealed record EgkHashedCiphertext(BigInteger C0, byte[] C1, byte[] C2, int NumBytes);

/// <summary>An encrypted selection with its range proof.</summary>
public sealed record EgkEncryptedSelection(string SelectionId, int SequenceOrder, EgkCiphertext Vote, IReadOnlyList<EgkChallengeResponse> Proof);

/// <summary>An encrypted contest with its selection-limit proof and contest hash.</summary>
public sealed record EgkEncryptedContest(
    string ContestId,
    int SequenceOrder,
    int VotesAllowed,
    byte[] ContestHash,
    IReadOnlyList<EgkEncryptedSelection> Selections,
    IReadOnlyList<EgkChallengeResponse> Proof,
    EgkHashedCiphertext? ContestData,
    bool HasPreEncryption);

/// <summary>eballot-*.json: an encrypted ballot, cast or challenged ("SPOILED").</summary>
public sealed record EgkEncryptedBallot(
    string File,
    string BallotId,
    string BallotStyleId,
    string Device,
    long Timestamp,
    byte[] CodeBaux,
    byte[] ConfirmationCode,
    byte[] ElectionId,
    string State,
    bool IsPreencrypt,
    IReadOnlyList<EgkEncryptedContest> Contests)
{
    /// <summary>True for a cast ballot.</summary>
    public bool IsCast => State == "CAST";

    /// <summary>True for a challenged ballot (egk writes "SPOILED").</summary>
    public bool IsChallenged => State is "SPOILED" or "CHALLENGED";
}

/// <summary>A ballot file found in encrypted_ballots/, read on demand.</summary>
/// <param name="Device">The device folder.</param>
/// <param name="File">Path relative to the record directory.</param>
public sealed record EgkBallotFile(string Device, string File);

/// <summary>ballot_chain.json of one device.</summary>
public sealed record EgkBallotChain(
    string File,
    string Device,
    byte[] Baux0,
    IReadOnlyList<string> BallotIds,
    byte[] LastConfirmationCode,
    bool Chaining,
    byte[]? ClosingHash);

/// <summary>One selection of the encrypted tally.</summary>
public sealed record EgkTallySelection(string SelectionId, int SequenceOrder, EgkCiphertext Vote);

/// <summary>One contest of the encrypted tally.</summary>
public sealed record EgkTallyContest(string ContestId, int SequenceOrder, IReadOnlyList<EgkTallySelection> Selections);

/// <summary>encrypted_tally.json.</summary>
public sealed record EgkEncryptedTally(string TallyId, IReadOnlyList<EgkTallyContest> Contests, IReadOnlyList<string> CastBallotIds, byte[]? ElectionId);

/// <summary>A decrypted selection of the tally or of a challenged ballot: t, T = K^t, the ciphertext and the proof.</summary>
public sealed record EgkDecryptedSelection(string SelectionId, int Tally, BigInteger BOverM, EgkCiphertext Vote, EgkChallengeResponse Proof);

/// <summary>Decrypted contest data of a challenged ballot.</summary>
public sealed record EgkDecryptedContestData(EgkHashedCiphertext Ciphertext, EgkChallengeResponse Proof, BigInteger Beta);

/// <summary>A decrypted contest.</summary>
public sealed record EgkDecryptedContest(string ContestId, IReadOnlyList<EgkDecryptedSelection> Selections, EgkDecryptedContestData? ContestData);

/// <summary>tally.json or challenged_ballots/dballot-*.json.</summary>
public sealed record EgkDecryptedTallyOrBallot(string File, string Id, IReadOnlyList<EgkDecryptedContest> Contests, byte[]? ElectionId);
