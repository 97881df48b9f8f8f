using Entente.Cryptography;
using Entente.Election.Parameters;

namespace Entente.Election.KeyCeremony;

/// <summary>
/// The outcome of a complete key ceremony: every guardian's public key, the joint vote key
/// K = Π K_i (eq 25), the joint data key K̂ = Π K̂_i (eq 26), the guardian-record hash H_G (eq 27)
/// and the extended base hash H_E (eq 30). Everything the encryption devices need.
/// </summary>
public sealed class ElectionContext
{
    private ElectionContext(ElectionParameters parameters, GuardianPublicKey[] guardians, ElementModP voteKey, ElementModP dataKey)
    {
        Parameters = parameters;
        Guardians = guardians;
        VoteKey = new ElGamalPublicKey(voteKey);
        DataKey = new ElGamalPublicKey(dataKey);
        GuardianRecordHash = ElectionHashes.GuardianRecordHash(
            parameters.ElectionBaseHash,
            voteKey,
            dataKey,
            guardians.SelectMany(g => g.VoteCommitments),
            guardians.SelectMany(g => g.DataCommitments),
            guardians.Select(g => g.CommunicationKey));
        ExtendedBaseHash = ElectionHashes.ExtendedBaseHash(parameters.ElectionBaseHash, voteKey, dataKey);
    }

    /// <summary>The parameters.</summary>
    public ElectionParameters Parameters { get; }

    /// <summary>The group.</summary>
    public Group Group => Parameters.Group;

    /// <summary>Guardians 1..n in index order.</summary>
    public IReadOnlyList<GuardianPublicKey> Guardians { get; }

    /// <summary>K.</summary>
    public ElGamalPublicKey VoteKey { get; }

    /// <summary>K̂.</summary>
    public ElGamalPublicKey DataKey { get; }

    /// <summary>H_G (eq 27).</summary>
    public Hash256 GuardianRecordHash { get; }

    /// <summary>H_E (eq 30).</summary>
    public Hash256 ExtendedBaseHash { get; }

    /// <summary>
    /// Checks the n public keys (Verification 2; indices 1..n, each exactly once) and derives the
    /// joint keys. Throws <see cref="ElectionFormatException"/> naming the guardian and the problem.
    /// </summary>
    public static ElectionContext Create(ElectionParameters parameters, IEnumerable<GuardianPublicKey> guardianKeys, bool verifyProofs = true)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(guardianKeys);
        GuardianPublicKey[] guardians = [.. guardianKeys];
        if (guardians.Length != parameters.GuardianCount)
        {
            throw new ElectionFormatException(null, "guardians", $"{guardians.Length} guardian keys given, n = {parameters.GuardianCount} required");
        }

        HashSet<int> seen = [];
        foreach (GuardianPublicKey guardian in guardians)
        {
            string where = $"guardian {guardian.Index}";
            parameters.CheckGuardianIndex(guardian.Index, where + ".i");
            if (!seen.Add(guardian.Index))
            {
                throw new ElectionFormatException(null, where + ".i", $"guardian index {guardian.Index} appears twice");
            }

            if (!guardian.CommunicationKey.Group.Equals(parameters.Group))
            {
                throw new ElectionFormatException(null, where, "the key belongs to another group");
            }

            if (verifyProofs)
            {
                IReadOnlyList<string> problems = guardian.Verify(parameters);
                if (problems.Count > 0)
                {
                    throw new ElectionFormatException(null, where, string.Join("; ", problems));
                }
            }
            else if (guardian.VoteCommitments.Count != parameters.Quorum || guardian.DataCommitments.Count != parameters.Quorum)
            {
                throw new ElectionFormatException(null, where, $"exactly k = {parameters.Quorum} commitments are required");
            }
        }

        Array.Sort(guardians, (x, y) => x.Index.CompareTo(y.Index));
        ElementModP voteKey = ElementModP.Product(parameters.Group, guardians.Select(g => g.VoteCommitments[0]));
        ElementModP dataKey = ElementModP.Product(parameters.Group, guardians.Select(g => g.DataCommitments[0]));
        if (voteKey.IsOne || dataKey.IsOne)
        {
            throw new ElectionFormatException(null, "guardians", "the joint key is the identity; the ceremony must be restarted");
        }

        return new ElectionContext(parameters, guardians, voteKey, dataKey);
    }
}
