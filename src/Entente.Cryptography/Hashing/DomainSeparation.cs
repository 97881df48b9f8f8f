namespace Entente.Cryptography;

/// <summary>
/// The domain-separation bytes of ElectionGuard 2.1.0 §5.5: the first byte of every hash input B1.
/// Equation numbers refer to the 2.1.0 design specification; the B0 column says which hash keys it.
/// </summary>
public static class DomainSeparation
{
    /// <summary>0x00, B0 = ver: parameter base hash H_P (eq 4).</summary>
    public const byte ParameterBaseHash = 0x00;

    /// <summary>0x01, B0 = H_P: election base hash H_B over the manifest file (eq 5).</summary>
    public const byte ElectionBaseHash = 0x01;

    /// <summary>0x10, B0 = H_P: compact Schnorr challenge for the guardian keys, labels "pk_vote"/"pk_data" (eqs 11, 13).</summary>
    public const byte GuardianKeyProof = 0x10;

    /// <summary>0x11, B0 = H_P: share-encryption secret key k_{i,ℓ} (eq 16).</summary>
    public const byte ShareEncryptionKey = 0x11;

    /// <summary>0x12, B0 = H_P: Schnorr challenge of the share encryption (eq 22).</summary>
    public const byte ShareEncryptionProof = 0x12;

    /// <summary>0x13, B0 = H_B: guardian-record comparison hash H_G (eq 27).</summary>
    public const byte GuardianRecordHash = 0x13;

    /// <summary>0x14, B0 = H_B: extended base hash H_E (eq 30).</summary>
    public const byte ExtendedBaseHash = 0x14;

    /// <summary>0x20, B0 = H_E: selection encryption identifier hash H_I (eq 32).</summary>
    public const byte SelectionIdentifierHash = 0x20;

    /// <summary>0x21, B0 = H_I: selection encryption nonce ξ_{i,j} (eq 33).</summary>
    public const byte SelectionNonce = 0x21;

    /// <summary>0x22, B0 = H_I: ballot-nonce encryption secret key h (eq 35).</summary>
    public const byte BallotNonceKey = 0x22;

    /// <summary>0x23, B0 = H_I: Schnorr challenge of the ballot-nonce encryption (eq 38).</summary>
    public const byte BallotNonceProof = 0x23;

    /// <summary>0x24, B0 = H_I: range-proof challenge for a selection (eqs 41, 50, 59) and for a contest limit (eq 62).</summary>
    public const byte RangeProof = 0x24;

    /// <summary>0x25, B0 = H_I: contest-data encryption nonce (eq 64).</summary>
    public const byte ContestDataNonce = 0x25;

    /// <summary>0x26, B0 = H_I: contest-data encryption secret key h (eqs 65, 104).</summary>
    public const byte ContestDataKey = 0x26;

    /// <summary>0x27, B0 = H_I: Schnorr challenge of the contest-data encryption (eq 69).</summary>
    public const byte ContestDataProof = 0x27;

    /// <summary>0x28, B0 = H_I: contest hash χ_l (eq 70).</summary>
    public const byte ContestHash = 0x28;

    /// <summary>0x29: confirmation code H_C (B0 = H_I, eq 71) and chain initialisation/closing hashes (B0 = H_E, eqs 74, 77).</summary>
    public const byte ConfirmationCode = 0x29;

    /// <summary>0x2A, B0 = H_E: voting device information hash H_DI (eq 72).</summary>
    public const byte DeviceHash = 0x2A;

    /// <summary>0x2B, B0 = H_E: inner hash of the chain closing (eq 78).</summary>
    public const byte ChainClose = 0x2B;

    /// <summary>0x30, B0 = H_E: guardian commitment hash d_i of a tally decryption (eq 88).</summary>
    public const byte DecryptionCommitment = 0x30;

    /// <summary>0x31, B0 = H_E: tally decryption challenge (eq 90).</summary>
    public const byte DecryptionChallenge = 0x31;

    /// <summary>0x32, B0 = H_I (the §5.5 table says H_E; the text of eq 99 uses H_I): contest-data decryption commitment.</summary>
    public const byte ContestDataDecryptionCommitment = 0x32;

    /// <summary>0x33, B0 = H_I: contest-data decryption challenge (eq 101).</summary>
    public const byte ContestDataDecryptionChallenge = 0x33;

    /// <summary>0x40, B0 = H_I: pre-encrypted selection hash ψ (eqs 113, 114).</summary>
    public const byte PreEncryptedSelectionHash = 0x40;

    /// <summary>0x41, B0 = H_I: pre-encrypted contest hash (eq 115).</summary>
    public const byte PreEncryptedContestHash = 0x41;

    /// <summary>0x42: pre-encrypted confirmation code (B0 = H_I, eq 116) and chain hashes (B0 = H_E, eqs 117, 118).</summary>
    public const byte PreEncryptedConfirmationCode = 0x42;

    /// <summary>0x43, B0 = H_E: pre-encrypted device information hash (eq 119).</summary>
    public const byte PreEncryptedDeviceHash = 0x43;

    /// <summary>0x44, B0 = H_E: pre-encrypted chain closing (eq 120; the table's extra "LOCK" bytes are an erratum).</summary>
    public const byte PreEncryptedChainClose = 0x44;

    /// <summary>0x45, B0 = H_I: pre-encrypted selection nonce ξ_{i,j,k} (eq 121).</summary>
    public const byte PreEncryptedNonce = 0x45;
}
