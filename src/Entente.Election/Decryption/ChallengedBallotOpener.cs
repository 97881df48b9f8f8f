using Entente.Cryptography;
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
        HashedElGamalCiphertext nonceCiphertext = ballot.BallotNonce;
        if (!BallotNonceEncryption.VerifyProof(ballot.IdentifierHash, nonceCiphertext))
        {
            throw new ElectionFormatException(null, $"ballot {ballot.Id}.ballot_nonce", "the proof of the encrypted ballot nonce does not verify (eq 38); the ballot cannot be opened");
        }

        ElementModP beta = group.OneModP;
        foreach (DecryptionGuardian guardian in guardians)
        {
            beta *= guardian.DecryptDataShare(nonceCiphertext.C0).Pow(Lagrange.Coefficient(group, guardian.Index, available));
        }

        using BallotNonce ballotNonce = BallotNonceEncryption.DecryptWithBeta(ballot.IdentifierHash, nonceCiphertext, beta);
        return OpenWithNonce(context, ballot, ballotNonce);
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
                ElementModQ nonce = ContestDataEncryption.DeriveNonce(group, ballot.IdentifierHash, contest.ContestIndex, ballotNonce);
                byte[] plain = ContestDataEncryption.DecryptWithNonce(context.DataKey, ballot.IdentifierHash, contest.ContestIndex, cd, ballotNonce)
                    ?? throw new ElectionFormatException(null, $"ballot {ballot.Id}.contests[{contest.ContestIndex}].contest_data",
                        "the contest data does not decrypt with the ballot's nonce (Verification 13.A)");
                data = new OpenedContestData(nonce, plain);
            }

            contests.Add(new OpenedContest(contest.ContestIndex, selections, data));
        }

        return new OpenedBallot(ballot.Id, contests);
    }
}
