using System.Security.Cryptography;
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
    /// <summary>
    /// Most aggregated ballots a tally lists one by one (docs/record-format.md §4.8): past this, the record and the board
    /// hold their number and the SHA-256 of the sorted list instead (revision 8), so that the file stays small.
    /// </summary>
    public const int MaxListedBallots = 65_536;

    private EncryptedTally(IReadOnlyList<EncryptedContestTally> contests, IReadOnlyList<Hash256>? ballots, long ballotCount, Hash256 ballotsSha256, long totalWeight)
    {
        Contests = contests;
        Ballots = ballots;
        BallotCount = ballotCount;
        BallotsSha256 = ballotsSha256;
        TotalWeight = totalWeight;
    }

    /// <summary>Every contest of the manifest in index order.</summary>
    public IReadOnlyList<EncryptedContestTally> Contests { get; }

    /// <summary>
    /// id_B of every aggregated ballot, ascending; null when the tally only commits to them
    /// (<see cref="BallotCount"/> and <see cref="BallotsSha256"/>, more than <see cref="MaxListedBallots"/> ballots).
    /// </summary>
    public IReadOnlyList<Hash256>? Ballots { get; }

    /// <summary>How many ballots are aggregated.</summary>
    public long BallotCount { get; }

    /// <summary>SHA-256 of the aggregated ballots' id_B, 32 bytes each, ascending and concatenated (§4.8).</summary>
    public Hash256 BallotsSha256 { get; }

    /// <summary>Σ W over the aggregated ballots (bounds every decrypted value together with R).</summary>
    public long TotalWeight { get; }

    /// <summary>Whether both tallies aggregate the same ballots (their number and the SHA-256 of the sorted list).</summary>
    public bool SameBallots(EncryptedTally other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return BallotCount == other.BallotCount && BallotsSha256.Equals(other.BallotsSha256);
    }

    /// <summary>The SHA-256 of ids that are already ascending: 32 bytes each, concatenated (§4.8).</summary>
    public static Hash256 Digest(IEnumerable<Hash256> ascending)
    {
        ArgumentNullException.ThrowIfNull(ascending);
        using IncrementalHash sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (Hash256 id in ascending)
        {
            sha.AppendData(id.Bytes);
        }

        return Hash256.Decode(sha.GetHashAndReset(), "ballots_sha256");
    }

    /// <summary>Aggregates the cast ballots (challenged ones are skipped). Duplicate identifiers are refused (V5.A).</summary>
    /// <param name="context">The election.</param>
    /// <param name="ballots">The ballots of the record, cast and challenged.</param>
    /// <param name="maxListed">Most ballots the result lists (<see cref="MaxListedBallots"/>); past it, it only commits to them.</param>
    public static EncryptedTally Aggregate(ElectionContext context, IEnumerable<EncryptedBallot> ballots, int maxListed = MaxListedBallots)
    {
        ArgumentNullException.ThrowIfNull(ballots);
        Accumulator accumulator = new(context);
        foreach (EncryptedBallot ballot in ballots)
        {
            accumulator.Add(ballot);
        }

        return accumulator.Result(maxListed);
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

        /// <summary>
        /// The tally of the ballots added so far (an option no cast ballot contains is Enc(0, 0) = (1, 1)), listing them
        /// if there are at most <paramref name="maxListed"/> and otherwise committing to them (§4.8).
        /// </summary>
        public EncryptedTally Result(int maxListed = MaxListedBallots)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(maxListed);
            Group group = _context.Group;
            EncryptedContestTally[] contests = new EncryptedContestTally[_products.Length];
            for (int c = 0; c < _products.Length; c++)
            {
                contests[c] = new EncryptedContestTally(c + 1, [.. _products[c].Select((product, o) => new EncryptedOptionTally(o + 1, product ?? ElGamalCiphertext.Product(group, [])))]);
            }

            List<Hash256> included = [.. _included];
            included.Sort((x, y) => x.Bytes.SequenceCompareTo(y.Bytes));
            return new EncryptedTally(contests, included.Count <= maxListed ? included : null, included.Count, Digest(included), _totalWeight);
        }
    }

    /// <summary>A tally as read: listing its ballots (which must be ascending for the digest to mean anything; the reader checks).</summary>
    internal static EncryptedTally Listed(IReadOnlyList<EncryptedContestTally> contests, IReadOnlyList<Hash256> ballots, long totalWeight) =>
        new(contests, ballots, ballots.Count, Digest(ballots), totalWeight);

    /// <summary>A tally as read: committing to its ballots.</summary>
    internal static EncryptedTally Committed(IReadOnlyList<EncryptedContestTally> contests, long ballotCount, Hash256 ballotsSha256, long totalWeight) =>
        new(contests, null, ballotCount, ballotsSha256, totalWeight);
}
