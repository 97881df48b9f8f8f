using System.Security.Cryptography;
using Entente.Cryptography;
using Entente.Cryptography.ElGamal;
using Entente.Cryptography.Hashing;
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
    HashedCiphertext BallotNonce,
    IReadOnlyList<EncryptedContest> Contests);

/// <summary>
/// Ballot encryption of spec 2.1 §3.3: a random id_B and H_I (eq 32), a random ballot nonce ξ_B with
/// per-selection nonces ξ_{i,j} = H_q(H_I; 0x21, i, j, ξ_B) (eq 33), ξ_B encrypted to K̂ with its
/// proof (§3.3.4, eqs 34–38), every selection Enc(σ, ξ) = (g^ξ, K^(σ+ξ)) with a range proof over
/// {0..R}, a contest-limit proof over {0..L} (eq 62), optional contest data (§3.3.10, eqs 63–69)
/// and contest hashes (eq 70). Thread-safe.
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
        HashedCiphertext encryptedNonce = EncryptBallotNonce(identifierHash, ballotNonce);
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
        EncryptedSelection[] selections = new EncryptedSelection[contest.Options.Count];
        ElementModQ nonceSum = group.ZeroModQ;
        int valueSum = 0;
        ElGamalCiphertext? product = null;
        for (int j = 0; j < selections.Length; j++)
        {
            ContestOption option = contest.Options[j];
            ElementModQ nonce = ElectionHashes.SelectionNonce(group, identifierHash, contest.Index, option.Index, ballotNonce);
            ElGamalCiphertext ciphertext = key.Encrypt(values[j], nonce);
            ChallengeResponse[] proof = RangeProof.Prove(key, identifierHash, [contest.Index, option.Index], ciphertext, nonce, values[j], option.SelectionLimit);
            selections[j] = new EncryptedSelection(option.Index, ciphertext, proof);
            nonceSum += nonce;
            valueSum += values[j];
            product = product is null ? ciphertext : product * ciphertext;
        }

        ChallengeResponse[] limitProof = RangeProof.Prove(key, identifierHash, [contest.Index], product!, nonceSum, valueSum, contest.SelectionLimit);
        HashedCiphertext? contestData = contest.ContestDataBlocks > 0
            ? EncryptContestData(contest, data ?? [], identifierHash, ballotNonce)
            : null;
        Hash256 contestHash = ConfirmationCodes.ContestHash(group, identifierHash, contest.Index, selections.Select(s => s.Ciphertext), contestData);
        return new EncryptedContest(contest.Index, selections, limitProof, contestData, contestHash);
    }

    /// <summary>§3.3.4: (α_B, β_B) = (g^ξ̂, K̂^ξ̂), h = H(H_I; 0x22, α_B, β_B), C_1 = b(ξ_B, 32) ⊕ k_1, proof eq 38.</summary>
    private HashedCiphertext EncryptBallotNonce(Hash256 identifierHash, BallotNonce ballotNonce)
    {
        Group group = _context.Group;
        ElementModQ xiHat = group.RandomModQ();
        ElementModP alpha = group.GPowSecret(xiHat);
        ElementModP beta = _context.DataKey.PowSecret(xiHat);
        byte[] c1 = new byte[BallotNonce.Length];
        byte[] mask = new byte[BallotNonce.Length];
        try
        {
            Hash256 h = BallotNonceKey(group, identifierHash, alpha, beta);
            Kdf.DeriveBallotNonceKey(h, mask);
            ballotNonce.CopyTo(c1);
            for (int b = 0; b < c1.Length; b++)
            {
                c1[b] ^= mask[b];
            }

            ElementModQ u = group.RandomModQ();
            ElementModQ c = BallotNonceChallenge(group, identifierHash, group.GPowSecret(u), alpha, c1);
            return new HashedCiphertext(alpha, c1, c, u - (c * xiHat));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(mask);
        }
    }

    /// <summary>§3.3.10: ξ = H_q(H_I; 0x25, ind_c, ξ_B), (α, β) = (g^ξ, K̂^ξ), h (eq 65), keys (eq 66), proof (eq 69).</summary>
    private HashedCiphertext EncryptContestData(Contest contest, byte[] data, Hash256 identifierHash, BallotNonce ballotNonce)
    {
        Group group = _context.Group;
        ElementModQ xi = ContestDataNonce(group, identifierHash, contest.Index, ballotNonce);
        ElementModP alpha = group.GPowSecret(xi);
        ElementModP beta = _context.DataKey.PowSecret(xi);
        int length = 32 * contest.ContestDataBlocks;
        byte[] c1 = new byte[length];
        data.CopyTo(c1, 0); // zero padding to 32·b_Λ bytes
        byte[] mask = new byte[length];
        try
        {
            Hash256 h = ContestDataKey(group, identifierHash, contest.Index, alpha, beta);
            Kdf.DeriveContestDataKeys(h, contest.Index, mask);
            for (int b = 0; b < length; b++)
            {
                c1[b] ^= mask[b];
            }

            ElementModQ u = group.RandomModQ();
            ElementModQ c = ContestDataChallenge(group, identifierHash, contest.Index, group.GPowSecret(u), alpha, c1);
            return new HashedCiphertext(alpha, c1, c, u - (c * xi));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(mask);
        }
    }

    internal static Hash256 BallotNonceKey(Group group, Hash256 identifierHash, ElementModP alpha, ElementModP beta)
    {
        using HashInput input = HashInput.Create(group, DomainSeparation.BallotNonceKey);
        return input.Append(alpha).Append(beta).Hash(identifierHash);
    }

    internal static ElementModQ BallotNonceChallenge(Group group, Hash256 identifierHash, ElementModP commitment, ElementModP c0, ReadOnlySpan<byte> c1)
    {
        using HashInput input = HashInput.Create(group, DomainSeparation.BallotNonceProof);
        return input.Append(commitment).Append(c0).AppendBytes(c1).HashModQ(identifierHash);
    }

    internal static ElementModQ ContestDataNonce(Group group, Hash256 identifierHash, int contestIndex, BallotNonce ballotNonce)
    {
        Span<byte> secret = stackalloc byte[BallotNonce.Length];
        try
        {
            ballotNonce.CopyTo(secret);
            using HashInput input = HashInput.Create(group, DomainSeparation.ContestDataNonce);
            return input.Append(contestIndex).AppendBytes(secret).HashModQ(identifierHash);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    internal static Hash256 ContestDataKey(Group group, Hash256 identifierHash, int contestIndex, ElementModP alpha, ElementModP beta)
    {
        using HashInput input = HashInput.Create(group, DomainSeparation.ContestDataKey);
        return input.Append(contestIndex).Append(alpha).Append(beta).Hash(identifierHash);
    }

    internal static ElementModQ ContestDataChallenge(Group group, Hash256 identifierHash, int contestIndex, ElementModP commitment, ElementModP c0, ReadOnlySpan<byte> c1)
    {
        using HashInput input = HashInput.Create(group, DomainSeparation.ContestDataProof);
        return input.Append(contestIndex).Append(commitment).Append(c0).AppendBytes(c1).HashModQ(identifierHash);
    }
}
