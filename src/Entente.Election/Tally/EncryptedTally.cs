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
        ArgumentNullException.ThrowIfNull(ballots);
        Accumulator accumulator = new(context);
        foreach (EncryptedBallot ballot in ballots)
        {
            accumulator.Add(ballot);
        }

        return accumulator.Result();
    }

    /// <summary>
    /// A running aggregate: one product per option and the ids seen, so ballots can be added as they
    /// are made (a streamed record) instead of being held all at once.
    /// </summary>
    public sealed class Accumulator
    {
        private readonly ElectionContext _context;
        private readonly ElGamalCiphertext?[][] _products;
        private readonly HashSet<Hash256> _seen = [];
        private readonly List<Hash256> _included = [];
        private long _totalWeight;

        /// <summary>An empty aggregate for the election.</summary>
        public Accumulator(ElectionContext context)
        {
            ArgumentNullException.ThrowIfNull(context);
            _context = context;
            _products = [.. context.Parameters.Manifest.Contests.Select(c => new ElGamalCiphertext?[c.Options.Count])];
        }

        /// <summary>Adds a ballot (a challenged one only counts against duplicate identifiers). Duplicates are refused (V5.A).</summary>
        public void Add(EncryptedBallot ballot)
        {
            ArgumentNullException.ThrowIfNull(ballot);
            if (!_seen.Add(ballot.Id))
            {
                throw new ElectionFormatException(null, $"ballot {ballot.Id}", "the ballot identifier appears twice (Verification 5.A)");
            }

            if (ballot.State != BallotState.Cast)
            {
                return;
            }

            _included.Add(ballot.Id);
            _totalWeight += ballot.Weight;
            ElementModQ? weight = ballot.Weight == 1 ? null : ElementModQ.FromInt64(_context.Group, ballot.Weight);
            foreach (EncryptedContest contest in ballot.Contests)
            {
                ElGamalCiphertext?[] options = _products[contest.ContestIndex - 1];
                foreach (EncryptedSelection selection in contest.Selections)
                {
                    ElGamalCiphertext ciphertext = weight is null ? selection.Ciphertext : selection.Ciphertext.Pow(weight);
                    ElGamalCiphertext? current = options[selection.OptionIndex - 1];
                    options[selection.OptionIndex - 1] = current is null ? ciphertext : current * ciphertext;
                }
            }
        }

        /// <summary>The tally of the ballots added so far (an option no cast ballot contains is Enc(0, 0) = (1, 1)).</summary>
        public EncryptedTally Result()
        {
            Group group = _context.Group;
            EncryptedContestTally[] contests = new EncryptedContestTally[_products.Length];
            for (int c = 0; c < _products.Length; c++)
            {
                contests[c] = new EncryptedContestTally(c + 1, [.. _products[c].Select((product, o) => new EncryptedOptionTally(o + 1, product ?? ElGamalCiphertext.Product(group, [])))]);
            }

            List<Hash256> included = [.. _included];
            included.Sort((x, y) => x.Bytes.SequenceCompareTo(y.Bytes));
            return new EncryptedTally(contests, included, _totalWeight);
        }
    }

    internal static EncryptedTally FromParts(IReadOnlyList<EncryptedContestTally> contests, IReadOnlyList<Hash256> ballots, long totalWeight) =>
        new(contests, ballots, totalWeight);
}
