using Entente.Cryptography;
using Entente.Election.Encryption;
using Entente.Election.KeyCeremony;
using Entente.Election.Manifest;

namespace Entente.Election.Tally;

/// <summary>The aggregate (A, B) of one option over all cast ballots.</summary>
public sealed record EncryptedOptionTally(int OptionIndex, ElGamalCiphertext Ciphertext);

/// <summary>The aggregates of one contest.</summary>
public sealed record EncryptedContestTally(int ContestIndex, IReadOnlyList<EncryptedOptionTally> Options);

/// <summary>
/// Homomorphic aggregation of the cast ballots (spec 2.1 §3.5, eq 79; weighted per §3.5): for each
/// option (A, B) = (Π α_j^{W_j}, Π β_j^{W_j}) over the cast ballots containing its contest.
/// </summary>
public sealed class EncryptedTally
{
    internal EncryptedTally(IReadOnlyList<EncryptedContestTally> contests, IReadOnlyList<Hash256> ballots, long totalWeight)
    {
        Contests = contests;
        Ballots = ballots;
        TotalWeight = totalWeight;
    }

    /// <summary>Every contest of the manifest in index order.</summary>
    public IReadOnlyList<EncryptedContestTally> Contests { get; }

    /// <summary>id_B of every aggregated ballot, ascending.</summary>
    public IReadOnlyList<Hash256> Ballots { get; }

    /// <summary>Σ W over the aggregated ballots (bounds every decrypted value together with R).</summary>
    public long TotalWeight { get; }

    /// <summary>Aggregates the cast ballots (challenged ones are skipped). Duplicate identifiers are refused (V5.A).</summary>
    public static EncryptedTally Aggregate(ElectionContext context, IEnumerable<EncryptedBallot> ballots)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(ballots);
        Group group = context.Group;
        ElectionManifest manifest = context.Parameters.Manifest;
        List<ElGamalCiphertext>[][] parts = [.. manifest.Contests.Select(c => c.Options.Select(_ => new List<ElGamalCiphertext>()).ToArray())];
        HashSet<Hash256> seen = [];
        List<Hash256> included = [];
        long totalWeight = 0;
        foreach (EncryptedBallot ballot in ballots)
        {
            if (!seen.Add(ballot.Id))
            {
                throw new ElectionFormatException(null, $"ballot {ballot.Id}", "the ballot identifier appears twice (Verification 5.A)");
            }

            if (ballot.State != BallotState.Cast)
            {
                continue;
            }

            included.Add(ballot.Id);
            totalWeight += ballot.Weight;
            ElementModQ? weight = ballot.Weight == 1 ? null : ElementModQ.FromInt64(group, ballot.Weight);
            foreach (EncryptedContest contest in ballot.Contests)
            {
                foreach (EncryptedSelection selection in contest.Selections)
                {
                    ElGamalCiphertext ciphertext = weight is null ? selection.Ciphertext : selection.Ciphertext.Pow(weight);
                    parts[contest.ContestIndex - 1][selection.OptionIndex - 1].Add(ciphertext);
                }
            }
        }

        EncryptedContestTally[] contests = new EncryptedContestTally[parts.Length];
        for (int c = 0; c < parts.Length; c++)
        {
            contests[c] = new EncryptedContestTally(c + 1, [.. parts[c].Select((list, o) => new EncryptedOptionTally(o + 1, ElGamalCiphertext.Product(group, list)))]);
        }

        included.Sort((x, y) => x.Bytes.SequenceCompareTo(y.Bytes));
        return new EncryptedTally(contests, included, totalWeight);
    }

    internal static EncryptedTally FromParts(IReadOnlyList<EncryptedContestTally> contests, IReadOnlyList<Hash256> ballots, long totalWeight) =>
        new(contests, ballots, totalWeight);
}
