using Entente.Cryptography;
using Entente.Election.Encryption;
using Entente.Election.KeyCeremony;

namespace Entente.Election.Decryption;

/// <summary>Decrypted contest data of a cast ballot with the joint proof (c, v) of eqs 98–103.</summary>
public sealed record DecryptedContestData(Hash256 BallotId, int ContestIndex, ElementModP Beta, byte[] Data, ElementModQ Challenge, ElementModQ Response);

/// <summary>
/// The decrypted contest data of one cast ballot as the record publishes it (docs/record-format.md §4.11,
/// <c>contest_data/&lt;id_B&gt;.json</c>): the guardians U who decrypted it and one entry per contest the
/// request named, in increasing contest index.
/// </summary>
public sealed record DecryptedBallotContestData(Hash256 BallotId, IReadOnlyList<int> Guardians, IReadOnlyList<DecryptedContestData> Contests);

/// <summary>
/// Verifiable decryption of a ballot's contest data by a quorum (spec 2.1 §3.6.6): m_i = C_0^{ẑ_i},
/// commitments d_i = H(H_I; 0x32, ind_c, i, C_0, C_1, b(C_2,64), a_i, b_i, m_i, U) first (the key is
/// H_I: docs/record-format.md E2), then β = Π m_i^{w_i}, c = H_q(H_I; 0x33, ind_c, C_0, C_1, b(C_2,64),
/// a, b, β), v = Σ (u_i − c·w_i·ẑ_i); the data is C_1 ⊕ the keys of eq 104 (1-based counter, E3).
/// In-process orchestration: each guardian's part uses only its own ẑ_i.
/// </summary>
public static class ContestDataDecryption
{
    /// <summary>Decrypts the contest data of one contest of a ballot with the guardians present (≥ k).</summary>
    public static DecryptedContestData Decrypt(ElectionContext context, EncryptedBallot ballot, int contestIndex, IReadOnlyList<DecryptionGuardian> guardians)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(ballot);
        ArgumentNullException.ThrowIfNull(guardians);
        HashedElGamalCiphertext data = ballot.Contests.FirstOrDefault(c => c.ContestIndex == contestIndex)?.ContestData
            ?? throw new ElectionFormatException(null, $"ballot {ballot.Id}.contests[{contestIndex}]", "the contest has no contest data");
        if (!ContestDataEncryption.VerifyProof(ballot.IdentifierHash, contestIndex, data))
        {
            throw new ElectionFormatException(null, $"ballot {ballot.Id}.contests[{contestIndex}].contest_data", "the proof of the contest data does not verify (eq 69)");
        }

        int[] u = TallyDecryption.CheckQuorum(context, guardians.Select(g => g.Index));
        Group group = context.Group;
        int count = guardians.Count;
        ElementModP[] m = new ElementModP[count];
        ChaumPedersenCommitment[] commitments = new ChaumPedersenCommitment[count];
        Hash256[] d = new Hash256[count];
        for (int g = 0; g < count; g++)
        {
            m[g] = guardians[g].DecryptDataShare(data.C0);
            commitments[g] = ChaumPedersenCommitment.Create(data.C0);
            d[g] = Commitment(group, ballot.IdentifierHash, contestIndex, guardians[g].Index, data, commitments[g].A, commitments[g].B, m[g], u);
        }

        // Every d_i is published before any (a_i, b_i); each reveal is checked against it.
        ElementModP beta = group.OneModP;
        ElementModP a = group.OneModP;
        ElementModP b = group.OneModP;
        ElementModQ[] w = new ElementModQ[count];
        for (int g = 0; g < count; g++)
        {
            if (!Commitment(group, ballot.IdentifierHash, contestIndex, guardians[g].Index, data, commitments[g].A, commitments[g].B, m[g], u).Equals(d[g]))
            {
                throw new InvalidOperationException($"guardian {guardians[g].Index} revealed values that do not match its commitment (eq 99)");
            }

            w[g] = Lagrange.Coefficient(group, guardians[g].Index, u);
            beta *= m[g].Pow(w[g]);
            a *= commitments[g].A;
            b *= commitments[g].B;
        }

        ElementModQ c = Challenge(group, ballot.IdentifierHash, contestIndex, data, a, b, beta);
        ElementModQ v = group.ZeroModQ;
        for (int g = 0; g < count; g++)
        {
            v += guardians[g].RespondData(commitments[g], c * w[g]);
            commitments[g].Dispose();
        }

        if (!Verify(context, ballot, contestIndex, beta, c, v))
        {
            throw new InvalidOperationException($"ballot {ballot.Id} contest {contestIndex}: the contest-data decryption proof does not verify (Verification 12)");
        }

        return new DecryptedContestData(ballot.Id, contestIndex, beta, ContestDataEncryption.DecryptWithBeta(ballot.IdentifierHash, contestIndex, data, beta), c, v);
    }

    /// <summary>
    /// Decrypts the contest data of a cast ballot for the contests <paramref name="contestIndices"/> (every contest
    /// of the ballot that has contest data when null) with the guardians present (≥ k). Only for an explicit
    /// request (write-in adjudication): the decrypted text is linked to the ballot.
    /// </summary>
    /// <exception cref="ElectionFormatException">The ballot is not cast, a contest has no contest data, or fewer than k guardians.</exception>
    public static DecryptedBallotContestData DecryptBallot(ElectionContext context, EncryptedBallot ballot, IReadOnlyCollection<int>? contestIndices, IReadOnlyList<DecryptionGuardian> guardians)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(ballot);
        ArgumentNullException.ThrowIfNull(guardians);
        if (ballot.State != BallotState.Cast)
        {
            throw new ElectionFormatException(null, $"ballot {ballot.Id}", "the ballot is challenged: its contest data is opened with the ballot (challenged/), not decrypted as a cast ballot's");
        }

        int[] available = TallyDecryption.CheckQuorum(context, guardians.Select(g => g.Index));
        int[] contests = contestIndices is null
            ? [.. ballot.Contests.Where(c => c.ContestData is not null).Select(c => c.ContestIndex).Order()]
            : [.. contestIndices.Distinct().Order()];
        return new DecryptedBallotContestData(ballot.Id, available, [.. contests.Select(c => Decrypt(context, ballot, c, guardians))]);
    }

    /// <summary>
    /// The text of contest data D as <c>entente encrypt</c> writes it (UTF-8 left-aligned, zero-padded to 32·b_Λ
    /// bytes): D without its trailing zero bytes, when that is non-empty valid UTF-8 without U+0000; else null
    /// (the record then publishes the bytes only; docs/record-format.md §4.11).
    /// </summary>
    public static string? TextOf(ReadOnlySpan<byte> data)
    {
        int end = data.Length;
        while (end > 0 && data[end - 1] == 0)
        {
            end--;
        }

        if (end == 0 || data[..end].Contains((byte)0))
        {
            return null;
        }

        try
        {
            return new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(data[..end]);
        }
        catch (System.Text.DecoderFallbackException)
        {
            return null;
        }
    }

    /// <summary>Verification 12: a = g^v K̂^c, b = C_0^v β^c, c recomputed.</summary>
    public static bool Verify(ElectionContext context, EncryptedBallot ballot, int contestIndex, ElementModP beta, ElementModQ challenge, ElementModQ response)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(ballot);
        HashedElGamalCiphertext? data = ballot.Contests.FirstOrDefault(c => c.ContestIndex == contestIndex)?.ContestData;
        if (data is null)
        {
            return false;
        }

        Group group = context.Group;
        ElementModP a = group.GPow(response) * context.DataKey.Pow(challenge); // both fixed-base tables
        ElementModP b = group.PowProduct(data.C0, response, beta, challenge);
        return Challenge(group, ballot.IdentifierHash, contestIndex, data, a, b, beta).Equals(challenge);
    }

    /// <summary>d_i = H(H_I; 0x32, ind_c, i, C0, C1, b(C2,64), a_i, b_i, m_i, U) (eq 99, key H_I per E2).</summary>
    internal static Hash256 Commitment(Group group, Hash256 identifierHash, int contestIndex, int index, HashedElGamalCiphertext data, ElementModP a, ElementModP b, ElementModP m, int[] available)
    {
        using HashInput input = HashInput.Create(group, DomainSeparation.ContestDataDecryptionCommitment);
        input.Append(contestIndex).Append(index).Append(data.C0).AppendBytes(data.C1).AppendBytes(data.C2.Encode64())
            .Append(a).Append(b).Append(m).Append(available.Length);
        foreach (int j in available)
        {
            input.Append(j);
        }

        return input.Hash(identifierHash);
    }

    /// <summary>c = H_q(H_I; 0x33, ind_c, C0, C1, b(C2,64), a, b, β) (eq 101).</summary>
    internal static ElementModQ Challenge(Group group, Hash256 identifierHash, int contestIndex, HashedElGamalCiphertext data, ElementModP a, ElementModP b, ElementModP beta)
    {
        using HashInput input = HashInput.Create(group, DomainSeparation.ContestDataDecryptionChallenge);
        return input.Append(contestIndex).Append(data.C0).AppendBytes(data.C1).AppendBytes(data.C2.Encode64())
            .Append(a).Append(b).Append(beta).HashModQ(identifierHash);
    }
}
