using Entente.Audit.Io;

namespace Entente.Audit.Vendors;

/// <summary>
/// Imports a vendor's CVR export against a ballot manifest (docs/audit.md, "Vendor CVR exports"): reads the files,
/// places each card at its manifest position (its rank by record id inside its batch, as Arlo does) and checks what
/// the audit relies on. Every refusal is an <see cref="AuditInputException"/> naming the file, the row (or element)
/// and the column.
/// </summary>
public static class VendorCvrs
{
    /// <summary>Parses a format name as the CLI writes it: dominion, dominion-json, ess, hart, clearballot, generic.</summary>
    public static bool TryParseFormat(string? text, out CvrFormat format)
    {
        (bool ok, format) = text?.ToLowerInvariant() switch
        {
            "dominion" => (true, CvrFormat.Dominion),
            "dominion-json" => (true, CvrFormat.DominionJson),
            "ess" => (true, CvrFormat.Ess),
            "hart" => (true, CvrFormat.Hart),
            "clearballot" => (true, CvrFormat.ClearBallot),
            "generic" => (true, CvrFormat.Generic),
            _ => (false, CvrFormat.Generic),
        };
        return ok;
    }

    /// <summary>The CLI name of a format.</summary>
    public static string Name(CvrFormat format) => format switch
    {
        CvrFormat.Dominion => "dominion",
        CvrFormat.DominionJson => "dominion-json",
        CvrFormat.Ess => "ess",
        CvrFormat.Hart => "hart",
        CvrFormat.ClearBallot => "clearballot",
        _ => "generic",
    };

    /// <summary>Imports the export's files against the manifest file (Arlo's manifest form, <see cref="VendorManifest"/>).</summary>
    public static CvrImport Import(CvrFormat format, string manifestPath, IReadOnlyList<string> files) =>
        Import(format, VendorManifest.Load(manifestPath), files);

    /// <summary>Imports the export's files against a manifest.</summary>
    public static CvrImport Import(CvrFormat format, BallotManifest manifest, IReadOnlyList<string> files)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(files);
        if (files.Count == 0)
        {
            throw new AuditInputException("", 0, "", "No CVR file given.");
        }

        if (format is CvrFormat.Dominion or CvrFormat.ClearBallot or CvrFormat.Generic && files.Count != 1)
        {
            throw new AuditInputException(files[1], 0, "", $"A {Name(format)} export is one file; {files.Count} were given.");
        }

        (List<RawContest> contests, List<RawCvr> cards) = format switch
        {
            CvrFormat.Dominion => DominionCsv.Read(files[0]),
            CvrFormat.DominionJson => DominionJson.Read(files),
            CvrFormat.Ess => EssCsv.Read(files),
            CvrFormat.Hart => HartXml.Read(files, manifest),
            CvrFormat.ClearBallot => ClearBallotCsv.Read(files[0]),
            _ => Generic(files[0]),
        };
        return CvrImportBuilder.Build(format, contests, cards, manifest);
    }

    /// <summary>
    /// Entente's own CVR CSV read into the same model. Its positions are explicit, so each card's record id is its
    /// position and the rank rule changes nothing; contests and choices come from the rows, and a contest's votes
    /// allowed is the most choices marked on any card.
    /// </summary>
    private static (List<RawContest>, List<RawCvr>) Generic(string path)
    {
        string file = Path.GetFileName(path);
        IReadOnlyDictionary<BallotLocation, CastVoteRecord> records = CastVoteRecords.Load(path);
        Dictionary<string, RawContest> contests = new(StringComparer.Ordinal);
        List<RawCvr> cards = [];
        foreach (CastVoteRecord r in records.Values.OrderBy(r => r.Location.Tabulator, StringComparer.Ordinal).ThenBy(r => r.Location.Batch, StringComparer.Ordinal).ThenBy(r => r.Location.Position))
        {
            Dictionary<string, ContestVote> votes = new(StringComparer.Ordinal);
            foreach ((string contest, IReadOnlySet<string> choices) in r.Contests)
            {
                if (!contests.TryGetValue(contest, out RawContest? raw))
                {
                    raw = new RawContest(contest, 1, []);
                    contests[contest] = raw;
                }

                if (choices.Count > raw.VotesAllowed)
                {
                    contests[contest] = raw = raw with { VotesAllowed = choices.Count };
                }

                raw.Choices.AddRange(choices.Where(c => !raw.Choices.Contains(c)).Order(StringComparer.Ordinal));
                votes[contest] = new ContestVote(ContestVoteKind.Marks, choices.ToDictionary(c => c, _ => 1, StringComparer.Ordinal));
            }

            string position = r.Location.Position.ToString(System.Globalization.CultureInfo.InvariantCulture);
            cards.Add(new RawCvr(r.Location.Tabulator, r.Location.Batch, (ulong)r.Location.Position, position, r.Id, votes, new InputPlace(file, 0, "Tabulator, Batch")));
        }

        return ([.. contests.Values], cards);
    }
}
