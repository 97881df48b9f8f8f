using Entente.Cryptography;
using Entente.Election.KeyCeremony;
using Entente.Election.Manifest;

namespace Entente.Election.Encryption;

/// <summary>
/// A ballot encrypted up to (not including) its confirmation code: everything that does not depend
/// on the device's chain, so many ballots can be prepared in parallel and chained in order after.
/// </summary>
public sealed record PreparedBallot(
    Hash256 Id,
    Hash256 IdentifierHash,
    int StyleIndex,
    int Weight,
    HashedElGamalCiphertext BallotNonce,
    IReadOnlyList<EncryptedContest> Contests);

/// <summary>
/// Ballot encryption of spec 2.1 §3.3: a random id_B and H_I (eq 32), a random ballot nonce ξ_B with
/// per-selection nonces ξ_{i,j} = H_q(H_I; 0x21, i, j, ξ_B) (eq 33), ξ_B encrypted to K̂ with its
/// proof (§3.3.4, eqs 34–38), every selection Enc(σ, ξ) = (g^ξ, K^(σ+ξ)) with a range proof over
/// {0..R}, a contest-limit proof over {0..L} (eq 62), optional contest data zero-padded to 32·b_Λ
/// bytes (§3.3.10, eqs 63–69) and contest hashes (eq 70). Thread-safe.
/// </summary>
public sealed class BallotEncryptor
{
    private readonly ElectionContext _context;

    /// <summary>An encryptor for one election.</summary>
    public BallotEncryptor(ElectionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
    }

    /// <summary>Validates and encrypts a plaintext ballot with fresh randomness.</summary>
    public PreparedBallot Encrypt(PlaintextBallot ballot, string ballotName = "ballot")
    {
        ArgumentNullException.ThrowIfNull(ballot);
        BallotValidator.Validate(_context.Parameters.Manifest, ballot, ballotName);
        using BallotNonce nonce = BallotNonce.Generate();
        return Encrypt(ballot, Hash256.Random(), nonce);
    }

    /// <summary>Encrypts with a given identifier and ballot nonce (known-answer tests); the ballot must be valid.</summary>
    internal PreparedBallot Encrypt(PlaintextBallot ballot, Hash256 id, BallotNonce ballotNonce)
    {
        Group group = _context.Group;
        ElectionManifest manifest = _context.Parameters.Manifest;
        Hash256 identifierHash = ElectionHashes.SelectionIdentifierHash(group, _context.ExtendedBaseHash, id);
        HashedElGamalCiphertext encryptedNonce = BallotNonceEncryption.Encrypt(_context.DataKey, identifierHash, ballotNonce);
        BallotStyle style = manifest.BallotStyles[ballot.StyleIndex - 1];
        List<EncryptedContest> contests = [];
        foreach (int contestIndex in style.ContestIndices.Order())
        {
            Contest contest = manifest.Contests[contestIndex - 1];
            int[] values = ballot.Selections[contestIndex];
            ballot.ContestData.TryGetValue(contestIndex, out byte[]? data);
            contests.Add(EncryptContest(contest, values, data, identifierHash, ballotNonce));
        }

        return new PreparedBallot(id, identifierHash, ballot.StyleIndex, ballot.Weight, encryptedNonce, contests);
    }

    private EncryptedContest EncryptContest(Contest contest, int[] values, byte[]? data, Hash256 identifierHash, BallotNonce ballotNonce)
    {
        Group group = _context.Group;
        ElGamalPublicKey key = _context.VoteKey;
        int count = contest.Options.Count;
        ElementModQ[] nonces = new ElementModQ[count];
        long[] plaintexts = new long[count];
        ElementModQ nonceSum = group.ZeroModQ;
        int valueSum = 0;
        try
        {
            for (int j = 0; j < count; j++)
            {
                nonces[j] = ElectionHashes.SelectionNonce(group, identifierHash, contest.Index, contest.Options[j].Index, ballotNonce);
                plaintexts[j] = values[j];
                nonceSum += nonces[j];
                valueSum += values[j];
            }

            // Batched: all α = g^ξ, then all β = K^(σ+ξ), then every proof commitment of the contest (Note 3.5 tables).
            ElGamalCiphertext[] ciphertexts = key.Encrypt(plaintexts, nonces);
            ElGamalCiphertext product = ciphertexts[0];
            for (int j = 1; j < count; j++)
            {
                product *= ciphertexts[j];
            }

            RangeProofStatement[] statements = new RangeProofStatement[count + 1];
            for (int j = 0; j < count; j++)
            {
                ContestOption option = contest.Options[j];
                statements[j] = new RangeProofStatement(ciphertexts[j], nonces[j], values[j], option.SelectionLimit, identifierHash, contest.Index, option.Index);
            }

            statements[count] = new RangeProofStatement(product, nonceSum, valueSum, contest.SelectionLimit, identifierHash, contest.Index, optionIndex: null);
            RangeProof[] proofs = RangeProof.CreateMany(key, statements);
            EncryptedSelection[] selections = new EncryptedSelection[count];
            for (int j = 0; j < count; j++)
            {
                selections[j] = new EncryptedSelection(contest.Options[j].Index, ciphertexts[j], proofs[j]);
            }

            return Finish(contest, selections, proofs[count], data, identifierHash, ballotNonce);
        }
        finally
        {
            foreach (ElementModQ? nonce in nonces)
            {
                nonce?.Erase();
            }

            if (!ReferenceEquals(nonceSum, group.ZeroModQ))
            {
                nonceSum.Erase();
            }
        }
    }

    private EncryptedContest Finish(Contest contest, EncryptedSelection[] selections, RangeProof limitProof, byte[]? data, Hash256 identifierHash, BallotNonce ballotNonce)
    {
        Group group = _context.Group;
        HashedElGamalCiphertext? contestData = null;
        if (contest.ContestDataBlocks > 0)
        {
            byte[] padded = new byte[32 * contest.ContestDataBlocks];
            data?.CopyTo(padded, 0);
            contestData = ContestDataEncryption.Encrypt(_context.DataKey, identifierHash, contest.Index, ballotNonce, padded);
        }

        Hash256 contestHash = ConfirmationCodes.ContestHash(group, identifierHash, contest.Index, selections.Select(s => s.Ciphertext), contestData);
        return new EncryptedContest(contest.Index, selections, limitProof, contestData, contestHash);
    }
}
