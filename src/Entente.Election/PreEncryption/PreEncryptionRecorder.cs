using Entente.Cryptography;
using Entente.Election.Encryption;
using Entente.Election.KeyCeremony;
using Entente.Election.Manifest;

namespace Entente.Election.PreEncryption;

/// <summary>
/// The ballot recording tool of spec 2.1 §4.3. Given a printed ballot and its ballot nonce ξ_B (from the encrypting
/// tool's nonce file, the "local database" of §4.3.1), it first rebuilds every vector from ξ_B and refuses a nonce that
/// does not give the printed confirmation code. A <b>cast</b> ballot (the short codes an optical scanner or a clerk read
/// as marked) becomes the standard ballot of §3.3: per contest the marked vectors, completed with null vectors up to L,
/// multiplied componentwise with their nonces added (§4.3), range proofs per option and for the contest limit
/// (§3.3.7), the pre-encrypted χ and H_C (eqs 115, 116), and the record's pre-encryption part (§4.4). An <b>uncast</b>
/// ballot is opened: every derived nonce ξ_{i,j,k} is published, never ξ_B (§4.3). Thread-safe.
/// </summary>
public sealed class PreEncryptionRecorder
{
    private readonly ElectionContext _context;

    /// <summary>A recorder for one election.</summary>
    public PreEncryptionRecorder(ElectionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
    }

    /// <summary>
    /// Records a cast ballot. <paramref name="marks"/> maps a contest index to the short codes marked in it (a contest
    /// absent or empty: no mark, an undervote). Marks are refused, naming ballot, contest and short code, when a code is
    /// not on the ballot's contest, is marked twice, or a contest has more marks than its limit L (an overvote is for a
    /// person to adjudicate, not for the recorder to guess).
    /// </summary>
    /// <exception cref="ElectionFormatException">The nonce does not open the ballot, or the marks are invalid.</exception>
    public EncryptedBallot RecordCast(PreEncryptedBallot printed, BallotNonce nonce, IReadOnlyDictionary<int, IReadOnlyList<string>> marks, DateTimeOffset timestamp)
    {
        ArgumentNullException.ThrowIfNull(marks);
        PreEncryptedBallot ballot = Rebuild(printed, nonce);
        string who = "ballot " + ballot.Id.ToHex();
        foreach (int contestIndex in marks.Keys)
        {
            if (!ballot.Contests.Any(c => c.ContestIndex == contestIndex))
            {
                throw new ElectionFormatException(null, who, $"marks contest {contestIndex}, which is not on the ballot's style {ballot.StyleIndex}");
            }
        }

        Group group = _context.Group;
        ElectionManifest manifest = _context.Parameters.Manifest;
        List<EncryptedContest> contests = [];
        List<PreEncryptedCastContest> records = [];
        foreach (PreEncryptedContest contest in ballot.Contests)
        {
            Contest definition = manifest.Contests[contest.ContestIndex - 1];
            IReadOnlyList<string> marked = marks.TryGetValue(contest.ContestIndex, out IReadOnlyList<string>? m) ? m : [];
            List<PreEncryptedSelection> selected = [];
            foreach (string code in marked)
            {
                PreEncryptedSelection selection = contest.FindShortCode(code)
                    ?? throw new ElectionFormatException(null, $"{who} contest {contest.ContestIndex}", $"short code \"{code}\" is not on this contest of the ballot");
                if (selected.Contains(selection))
                {
                    throw new ElectionFormatException(null, $"{who} contest {contest.ContestIndex}", $"short code \"{code}\" is marked twice");
                }

                selected.Add(selection);
            }

            if (selected.Count > definition.SelectionLimit)
            {
                throw new ElectionFormatException(null, $"{who} contest {contest.ContestIndex}",
                    $"{selected.Count} short codes are marked ({string.Join(", ", marked)}) but the contest allows {definition.SelectionLimit} (an overvote: adjudicate it)");
            }

            // Null vectors complete the marks to exactly L vectors, so the record does not show an undervote (§4.1.5).
            foreach (PreEncryptedSelection empty in contest.Selections.Where(s => s.OptionIndex is null && !selected.Contains(s)))
            {
                if (selected.Count == definition.SelectionLimit)
                {
                    break;
                }

                selected.Add(empty);
            }

            contests.Add(Accumulate(definition, contest, selected, ballot.IdentifierHash, nonce));
            PreEncryptedSelection[] published = [.. selected.OrderBy(s => s.SelectionHash.Bytes.ToArray(), ByteOrder.Instance)];
            records.Add(new PreEncryptedCastContest(
                contest.ContestIndex,
                PreEncryptionHashes.Sorted(contest.Selections.Select(s => s.SelectionHash)),
                [.. published.Select(s => new PreEncryptedSelectedVector(s.ShortCode, s.Vector))]));
        }

        DateTimeOffset seconds = new(timestamp.UtcTicks - (timestamp.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
        Hash256 deviceHash = ElectionHashes.PreEncryptedDeviceHash(group, _context.ExtendedBaseHash, ballot.DeviceInformation);
        return new EncryptedBallot(ballot.Id, ballot.IdentifierHash, ballot.StyleIndex, ballot.Device, seconds, 1, BallotState.Cast,
            ballot.BallotNonce, contests, ballot.ChainingField, ballot.ConfirmationCode)
        {
            PreEncryption = new PreEncryptionRecord(ballot.ShortCodes, ballot.DeviceInformation, deviceHash, records),
        };
    }

    /// <summary>Opens an uncast (spoiled or unreturned and audited) ballot: every ξ_{i,j,k}, never ξ_B (§4.3).</summary>
    /// <exception cref="ElectionFormatException">The nonce does not open the ballot.</exception>
    public UncastBallot OpenUncast(PreEncryptedBallot printed, BallotNonce nonce)
    {
        PreEncryptedBallot ballot = Rebuild(printed, nonce);
        Group group = _context.Group;
        ElectionManifest manifest = _context.Parameters.Manifest;
        List<OpenedPreEncryptedContest> contests = [];
        foreach (PreEncryptedContest contest in ballot.Contests)
        {
            int m = manifest.Contests[contest.ContestIndex - 1].Options.Count;
            List<OpenedPreEncryptedSelection> selections = [];
            foreach (PreEncryptedSelection selection in contest.Selections)
            {
                ElementModQ[] nonces = PreEncryptor.Nonces(group, ballot.IdentifierHash, contest.ContestIndex, selection.SelectionIndex, m, nonce);
                selections.Add(new OpenedPreEncryptedSelection(selection.SelectionIndex, selection.OptionIndex, selection.ShortCode, selection.SelectionHash, nonces));
            }

            contests.Add(new OpenedPreEncryptedContest(contest.ContestIndex, selections, contest.ContestHash));
        }

        Hash256 deviceHash = ElectionHashes.PreEncryptedDeviceHash(group, _context.ExtendedBaseHash, ballot.DeviceInformation);
        return new UncastBallot(ballot.Id, ballot.IdentifierHash, ballot.StyleIndex, ballot.Device, ballot.DeviceInformation, deviceHash,
            ballot.ShortCodes, contests, ballot.ChainingField, ballot.ConfirmationCode);
    }

    /// <summary>Rebuilds the ballot from id_B and ξ_B and checks it against the printed one (every short code and H_C).</summary>
    private PreEncryptedBallot Rebuild(PreEncryptedBallot printed, BallotNonce nonce)
    {
        ArgumentNullException.ThrowIfNull(printed);
        ArgumentNullException.ThrowIfNull(nonce);
        PreEncryptor tool = new(_context, printed.Device, printed.DeviceInformation, printed.ShortCodes);
        PreEncryptedBallot rebuilt = tool.Build(printed.Id, printed.StyleIndex, nonce, encryptNonce: false, printed.BallotNonce);
        bool sameCodes = rebuilt.Contests.Count == printed.Contests.Count
            && rebuilt.Contests.Zip(printed.Contests).All(p => p.First.ContestIndex == p.Second.ContestIndex
                && p.First.Selections.Select(s => s.ShortCode).SequenceEqual(p.Second.Selections.Select(s => s.ShortCode), StringComparer.Ordinal));
        if (rebuilt.ConfirmationCode != printed.ConfirmationCode || !sameCodes)
        {
            throw new ElectionFormatException(null, "ballot " + printed.Id.ToHex(),
                "the ballot nonce does not rebuild this ballot (its confirmation code or short codes differ): wrong nonce file or a altered ballot");
        }

        return rebuilt;
    }

    private EncryptedContest Accumulate(Contest definition, PreEncryptedContest contest, List<PreEncryptedSelection> selected, Hash256 identifierHash, BallotNonce nonce)
    {
        Group group = _context.Group;
        ElGamalPublicKey key = _context.VoteKey;
        int m = definition.Options.Count;
        ElementModQ[] sums = new ElementModQ[m];
        ElGamalCiphertext[] products = new ElGamalCiphertext[m];
        int[] values = new int[m];
        List<ElementModQ> erase = [];
        try
        {
            for (int k = 0; k < m; k++)
            {
                sums[k] = group.ZeroModQ;
                products[k] = new ElGamalCiphertext(group.OneModP, group.OneModP);
            }

            // Ψ = Π Ψ_j componentwise, with ξ_k = Σ ξ_{i,j,k} (§4.3).
            foreach (PreEncryptedSelection selection in selected)
            {
                ElementModQ[] nonces = PreEncryptor.Nonces(group, identifierHash, contest.ContestIndex, selection.SelectionIndex, m, nonce);
                erase.AddRange(nonces);
                for (int k = 0; k < m; k++)
                {
                    products[k] *= selection.Vector[k];
                    sums[k] += nonces[k];
                    erase.Add(sums[k]);
                }

                if (selection.OptionIndex is int option)
                {
                    values[option - 1]++;
                }
            }

            ElGamalCiphertext aggregate = products[0];
            ElementModQ aggregateNonce = sums[0];
            for (int k = 1; k < m; k++)
            {
                aggregate *= products[k];
                aggregateNonce += sums[k];
                erase.Add(aggregateNonce);
            }

            RangeProofStatement[] statements = new RangeProofStatement[m + 1];
            for (int k = 0; k < m; k++)
            {
                ContestOption option = definition.Options[k];
                statements[k] = new RangeProofStatement(products[k], sums[k], values[k], option.SelectionLimit, identifierHash, contest.ContestIndex, option.Index);
            }

            statements[m] = new RangeProofStatement(aggregate, aggregateNonce, values.Sum(), definition.SelectionLimit, identifierHash, contest.ContestIndex, optionIndex: null);
            RangeProof[] proofs = RangeProof.CreateMany(key, statements);
            EncryptedSelection[] selections = new EncryptedSelection[m];
            for (int k = 0; k < m; k++)
            {
                selections[k] = new EncryptedSelection(definition.Options[k].Index, products[k], proofs[k]);
            }

            // No contest data on pre-encrypted ballots (§4.5: V12 does not apply); χ is the pre-encrypted contest hash (eq 115).
            return new EncryptedContest(contest.ContestIndex, selections, proofs[m], null, contest.ContestHash);
        }
        finally
        {
            foreach (ElementModQ value in erase.Where(e => !ReferenceEquals(e, group.ZeroModQ)))
            {
                value.Erase();
            }
        }
    }

    /// <summary>Orders byte arrays as big-endian integers of equal length.</summary>
    private sealed class ByteOrder : IComparer<byte[]>
    {
        public static ByteOrder Instance { get; } = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
