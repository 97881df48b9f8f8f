// The model every vendor export is read into (docs/audit.md, "Vendor CVR exports"): per card its batch, its
// position in the batch, the id printed on the paper and, per contest on the card, the marks per choice or the
// tabulator's overvote/undervote verdict. CvrImportBuilder turns the readers' raw cards into this model against a
// manifest; the rules Arlo is lax about (a batch with more cards than the manifest lists, one id on two cards) are
// refused there, once, for every vendor.
using Entente.Audit.Io;

namespace Entente.Audit.Vendors;

/// <summary>The vendor export formats <c>entente audit cvrs</c> reads.</summary>
public enum CvrFormat
{
    /// <summary>Dominion CVR export as CSV (four header rows).</summary>
    Dominion,

    /// <summary>Dominion <c>CvrExport*.json</c> (sessions with Original and adjudicated Modified blocks).</summary>
    DominionJson,

    /// <summary>ES&amp;S CVR file plus one or more "ballots" files.</summary>
    Ess,

    /// <summary>Hart: one XML file per card, optionally scanned-ballot-information CSVs.</summary>
    Hart,

    /// <summary>ClearBallot CSV.</summary>
    ClearBallot,

    /// <summary>Entente's own CVR CSV (docs/audit.md).</summary>
    Generic,
}

/// <summary>How a contest stands on one card.</summary>
public enum ContestVoteKind
{
    /// <summary>Marks per choice (possibly none, possibly more than allowed).</summary>
    Marks,

    /// <summary>The tabulator wrote "overvote" for the whole contest (ES&amp;S).</summary>
    Overvote,

    /// <summary>The tabulator wrote "undervote" for the whole contest (ES&amp;S).</summary>
    Undervote,
}

/// <summary>One contest on one card.</summary>
/// <param name="Kind">Marks, or the tabulator's overvote/undervote verdict.</param>
/// <param name="Marks">Marks per choice name (only for <see cref="ContestVoteKind.Marks"/>; a missing choice has 0).</param>
public sealed record ContestVote(ContestVoteKind Kind, IReadOnlyDictionary<string, int> Marks)
{
    /// <summary>The ES&amp;S overvote verdict.</summary>
    public static readonly ContestVote Overvote = new(ContestVoteKind.Overvote, new Dictionary<string, int>());

    /// <summary>The ES&amp;S undervote verdict.</summary>
    public static readonly ContestVote Undervote = new(ContestVoteKind.Undervote, new Dictionary<string, int>());

    /// <summary>The number of marks.</summary>
    public int MarkCount => Marks.Values.Sum();
}

/// <summary>A choice and the votes the export gives it.</summary>
/// <param name="Name">The choice's name.</param>
/// <param name="Votes">Votes over all cards (overvoted contests give none).</param>
public sealed record CvrChoice(string Name, long Votes);

/// <summary>A contest as the export describes it.</summary>
/// <param name="Name">The contest's name.</param>
/// <param name="VotesAllowed">Votes allowed (the export's, or 1 where the format has none; see docs/audit.md).</param>
/// <param name="Choices">Choices in the export's column order.</param>
/// <param name="BallotsCast">Cards on which the contest appears.</param>
public sealed record CvrContest(string Name, int VotesAllowed, IReadOnlyList<CvrChoice> Choices, long BallotsCast);

/// <summary>One imported card, placed in the manifest.</summary>
/// <param name="Tabulator">The manifest's tabulator, or null when the manifest has none.</param>
/// <param name="Batch">The manifest's batch name.</param>
/// <param name="Position">1-based manifest position: the card's rank by record id inside its batch.</param>
/// <param name="RecordId">The vendor's record id, as written.</param>
/// <param name="ImprintedId">The id printed on the paper, which the audit board looks for.</param>
/// <param name="Contests">Contest → vote, for the contests on the card.</param>
/// <param name="Source">Where the card is in the input (file and row or element), for messages.</param>
public sealed record ImportedCvr(string? Tabulator, string Batch, long Position, string RecordId, string ImprintedId,
    IReadOnlyDictionary<string, ContestVote> Contests, string Source)
{
    /// <summary>The manifest location.</summary>
    public BallotLocation Location => new(Tabulator, Batch, Position);
}

/// <summary>A vendor export read against its manifest.</summary>
/// <param name="Format">The export's format.</param>
/// <param name="Manifest">The manifest the cards were placed in.</param>
/// <param name="Contests">Contests in the export's order.</param>
/// <param name="Ballots">Cards in manifest order (batch order, then position).</param>
public sealed record CvrImport(CvrFormat Format, BallotManifest Manifest, IReadOnlyList<CvrContest> Contests, IReadOnlyList<ImportedCvr> Ballots)
{
    /// <summary>The number of cards.</summary>
    public int CvrCount => Ballots.Count;

    /// <summary>
    /// One cell per choice of every contest, in column order, joined by commas: the marks, <c>o</c>/<c>u</c> for an
    /// ES&amp;S verdict, empty when the contest is not on the card (the form of Arlo's snapshots).
    /// </summary>
    public string Interpretations(ImportedCvr ballot)
    {
        ArgumentNullException.ThrowIfNull(ballot);
        List<string> cells = [];
        foreach (CvrContest contest in Contests)
        {
            ballot.Contests.TryGetValue(contest.Name, out ContestVote? vote);
            foreach (CvrChoice choice in contest.Choices)
            {
                cells.Add(vote?.Kind switch
                {
                    null => "",
                    ContestVoteKind.Overvote => "o",
                    ContestVoteKind.Undervote => "u",
                    _ => vote.Marks.GetValueOrDefault(choice.Name).ToString(System.Globalization.CultureInfo.InvariantCulture),
                });
            }
        }

        return string.Join(",", cells);
    }

    /// <summary>
    /// The cards as the audit compares them: per contest on the card the choices voted; an overvote (more marks than
    /// allowed, or the ES&amp;S verdict) counts as no valid vote, as the audit board's reading of an overvote does.
    /// </summary>
    public IReadOnlyDictionary<BallotLocation, CastVoteRecord> ToCastVoteRecords()
    {
        Dictionary<string, int> allowed = Contests.ToDictionary(c => c.Name, c => c.VotesAllowed, StringComparer.Ordinal);
        Dictionary<BallotLocation, CastVoteRecord> result = [];
        foreach (ImportedCvr b in Ballots)
        {
            Dictionary<string, IReadOnlySet<string>> contests = new(StringComparer.Ordinal);
            foreach ((string name, ContestVote vote) in b.Contests)
            {
                HashSet<string> voted = vote.Kind == ContestVoteKind.Marks && vote.MarkCount <= allowed[name]
                    ? [.. vote.Marks.Where(m => m.Value > 0).Select(m => m.Key)]
                    : [];
                contests[name] = voted;
            }

            result[b.Location] = new CastVoteRecord(b.ImprintedId, b.Location, contests);
        }

        return result;
    }
}
