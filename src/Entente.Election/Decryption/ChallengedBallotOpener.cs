using System.Security.Cryptography;
using Entente.Cryptography;
using Entente.Cryptography.ElGamal;
using Entente.Cryptography.Hashing;
using Entente.Election.Encryption;
using Entente.Election.KeyCeremony;
using Entente.Election.Manifest;

namespace Entente.Election.Decryption;

/// <summary>An opened selection: σ and its nonce ξ_{i,j}.</summary>
public sealed record OpenedSelection(int OptionIndex, int Value, ElementModQ Nonce);

/// <summary>Opened contest data: its nonce ξ (eq 64) and the 32·b_Λ decrypted bytes.</summary>
public sealed record OpenedContestData(ElementModQ Nonce, byte[] Data);

/// <summary>An opened contest of a challenged ballot.</summary>
public sealed record OpenedContest(int ContestIndex, IReadOnlyList<OpenedSelection> Selections, OpenedContestData? ContestData);

/// <summary>A challenged ballot opened per §3.6.7 (docs/record-format.md §4.10).</summary>
public sealed record OpenedBallot(Hash256 Id, IReadOnlyList<OpenedContest> Contests);

/// <summary>
/// Opens challenged ballots (spec 2.1 §3.6.7): the guardians check the proof of the encrypted ballot
/// nonce (eq 38), decrypt it jointly with their data-key shares (m_i = C_0^{ẑ_i}, β_B = Π m_i^{w_i},
/// h = H(H_I; 0x22, C_0, β_B), ξ_B = C_1 ⊕ k_1), derive every ξ_{i,j}, recover σ from β·K^{−ξ} and
/// check that α = g^ξ, the contest data and the confirmation code all match (V13). Only the derived
/// nonces are returned; ξ_B is wiped.
/// </summary>
public static class ChallengedBallotOpener
{
    /// <summary>Opens one challenged ballot with at least k guardians.</summary>
    public static OpenedBallot Open(ElectionContext context, EncryptedBallot ballot, IReadOnlyList<DecryptionGuardian> guardians)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(ballot);
        ArgumentNullException.ThrowIfNull(guardians);
        if (ballot.State != BallotState.Challenged)
        {
            throw new InvalidOperationException($"ballot {ballot.Id} was cast; a cast ballot is never opened");
        }

        int[] available = TallyDecryption.CheckQuorum(context, guardians.Select(g => g.Index));
        Group group = context.Group;
        HashedCiphertext nonceCiphertext = ballot.BallotNonce;
        ElementModP commitment = group.GPowTimes(nonceCiphertext.Response, nonceCiphertext.C0, nonceCiphertext.Challenge);
        if (!BallotEncryptor.BallotNonceChallenge(group, ballot.IdentifierHash, commitment, nonceCiphertext.C0, nonceCiphertext.C1).Equals(nonceCiphertext.Challenge))
        {
            throw new ElectionFormatException(null, $"ballot {ballot.Id}.ballot_nonce", "the proof of the encrypted ballot nonce does not verify (eq 38); the ballot cannot be opened");
        }

        ElementModP beta = group.OneModP;
        foreach (DecryptionGuardian guardian in guardians)
        {
            beta *= guardian.DecryptDataShare(nonceCiphertext.C0).Pow(Lagrange.Coefficient(group, guardian.Index, available));
        }

        byte[] secret = new byte[BallotNonce.Length];
        try
        {
            Hash256 h = BallotEncryptor.BallotNonceKey(group, ballot.IdentifierHash, nonceCiphertext.C0, beta);
            Kdf.DeriveBallotNonceKey(h, secret);
            for (int b = 0; b < secret.Length; b++)
            {
                secret[b] ^= nonceCiphertext.C1Bytes[b];
            }

            using BallotNonce ballotNonce = BallotNonce.FromBytes(secret);
            return OpenWithNonce(context, ballot, ballotNonce);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    /// <summary>Opens a ballot given ξ_B and checks it against every published value.</summary>
    internal static OpenedBallot OpenWithNonce(ElectionContext context, EncryptedBallot ballot, BallotNonce ballotNonce)
    {
        Group group = context.Group;
        ElectionManifest manifest = context.Parameters.Manifest;
        List<OpenedContest> contests = [];
        foreach (EncryptedContest contest in ballot.Contests)
        {
            Contest definition = manifest.Contests[contest.ContestIndex - 1];
            List<OpenedSelection> selections = [];
            foreach (EncryptedSelection selection in contest.Selections)
            {
                ElementModQ nonce = ElectionHashes.SelectionNonce(group, ballot.IdentifierHash, contest.ContestIndex, selection.OptionIndex, ballotNonce);
                int limit = definition.Options[selection.OptionIndex - 1].SelectionLimit;
                int? value = null;
                if (group.GPow(nonce).Equals(selection.Ciphertext.Alpha))
                {
                    ElementModP kSigma = selection.Ciphertext.DecryptWithNonce(context.VoteKey, nonce);
                    for (int s = 0; s <= limit && s <= 1_000_000; s++)
                    {
                        if (context.VoteKey.EncodePlaintext(s).Equals(kSigma))
                        {
                            value = s;
                            break;
                        }
                    }
                }

                if (value is null)
                {
                    throw new ElectionFormatException(null, $"ballot {ballot.Id}.contests[{contest.ContestIndex}].selections[{selection.OptionIndex}]",
                        "the selection does not decrypt with the ballot's nonce (Verification 13)");
                }

                selections.Add(new OpenedSelection(selection.OptionIndex, value.Value, nonce));
            }

            OpenedContestData? data = null;
            if (contest.ContestData is { } cd)
            {
                ElementModQ nonce = BallotEncryptor.ContestDataNonce(group, ballot.IdentifierHash, contest.ContestIndex, ballotNonce);
                data = new OpenedContestData(nonce, DecryptContestData(context, ballot.IdentifierHash, contest.ContestIndex, cd, nonce));
            }

            contests.Add(new OpenedContest(contest.ContestIndex, selections, data));
        }

        return new OpenedBallot(ballot.Id, contests);
    }

    /// <summary>Contest data with its nonce ξ: checks C_0 = g^ξ, then C_1 ⊕ keys of eqs 65–66 (V13.A).</summary>
    public static byte[] DecryptContestData(ElectionContext context, Hash256 identifierHash, int contestIndex, HashedCiphertext data, ElementModQ nonce)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(data);
        Group group = context.Group;
        if (!group.GPow(nonce).Equals(data.C0))
        {
            throw new ElectionFormatException(null, $"contests[{contestIndex}].contest_data", "C0 does not match the contest-data nonce");
        }

        ElementModP beta = context.DataKey.Pow(nonce);
        Hash256 h = BallotEncryptor.ContestDataKey(group, identifierHash, contestIndex, data.C0, beta);
        byte[] plain = new byte[data.C1.Length];
        Kdf.DeriveContestDataKeys(h, contestIndex, plain);
        for (int b = 0; b < plain.Length; b++)
        {
            plain[b] ^= data.C1Bytes[b];
        }

        return plain;
    }
}
