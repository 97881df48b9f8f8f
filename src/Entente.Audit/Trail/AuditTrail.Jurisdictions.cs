// Multi-jurisdiction audits (issue #18; docs/audit.md, "Multi-jurisdiction audits"). Canonical JSON, members in this
// order, no whitespace:
//
//   audit.inputs  {…, "jurisdiction": null, "jurisdictions": [{"name": "Kent", "party": "kent.example"}, …],
//                  "files": [{"name": "results.csv", …}]}
//                  the audit admin names the jurisdictions and the charter party whose key uploads each one's files;
//   audit.upload  {"audit": id, "jurisdiction": name, "files": [{"name", "sha256", "text"}, …]}
//                  a jurisdiction's normalized manifest.csv, and cvrs.csv (comparison) or batch-tallies.csv (batch),
//                  posted by that jurisdiction's party; id = audit:jurisdiction.
//
// The audit works on the union (MultiJurisdiction.Union): the jurisdictions' files in the order the inputs list them, each
// batch's tabulator written "jurisdiction:tabulator" ("jurisdiction" when the jurisdiction's manifest has no tabulators),
// and each CVR's BallotId "jurisdiction:id", so that every ballot carries its jurisdiction and batch names may repeat
// across jurisdictions. With Arlo ids the id of a ballot is Arlo's ((jurisdiction, tabulator, batch), position).
using System.Text;
using System.Text.Json;
using Entente.Audit.Io;

namespace Entente.Audit.Trail;

/// <summary>A jurisdiction of a multi-jurisdiction audit and the charter party that uploads its files.</summary>
/// <param name="Name">The jurisdiction's name (no ':').</param>
/// <param name="Party">The charter party whose key signs its upload.</param>
public sealed record AuditJurisdiction(string Name, string Party);

/// <summary>A jurisdiction's files for a multi-jurisdiction audit.</summary>
/// <param name="AuditId">The audit.</param>
/// <param name="Jurisdiction">The jurisdiction.</param>
/// <param name="Files">Its normalized manifest.csv, and cvrs.csv or batch-tallies.csv.</param>
public sealed record AuditUploadArtifact(string AuditId, string Jurisdiction, IReadOnlyList<AuditInputFile> Files)
{
    /// <summary>The upload's id on the board: <c>audit:jurisdiction</c>.</summary>
    public string Id => AuditId + ":" + Jurisdiction;
}

public static partial class AuditTrailArtifacts
{
    /// <summary>Log entry type of a jurisdiction's upload.</summary>
    public const string UploadType = "audit.upload";

    /// <summary>Canonical bytes of an upload.</summary>
    public static byte[] Write(AuditUploadArtifact upload)
    {
        ArgumentNullException.ThrowIfNull(upload);
        return Json(w =>
        {
            w.WriteString("audit", upload.AuditId);
            w.WriteString("jurisdiction", upload.Jurisdiction);
            WriteFiles(w, upload.Files);
        });
    }

    /// <summary>Reads an upload strictly (canonical form, every hash matching its text).</summary>
    public static AuditUploadArtifact ReadUpload(string file, byte[] bytes)
    {
        using JsonDocument doc = Parse(file, bytes);
        JsonElement o = doc.RootElement;
        Members(file, o, "", "audit", "jurisdiction", "files");
        List<AuditInputFile> files = ReadFiles(file, o);

        return Canonical(file, bytes, new AuditUploadArtifact(Str(file, o, "audit"), Str(file, o, "jurisdiction"), files), Write);
    }
}

/// <summary>The rules of a multi-jurisdiction audit and the union its jurisdictions' files make.</summary>
public static class MultiJurisdiction
{
    /// <summary>Separates a jurisdiction from its tabulator in the union's tabulator names.</summary>
    public const char Separator = ':';

    /// <summary>The files an upload carries for <paramref name="method"/>, in this order.</summary>
    public static IReadOnlyList<string> FilesOf(string method) => method switch
    {
        "comparison" => ["manifest.csv", "cvrs.csv"],
        "batch" => ["manifest.csv", "batch-tallies.csv"],
        _ => ["manifest.csv"],
    };

    /// <summary>What is wrong with a multi-jurisdiction audit's inputs, or null.</summary>
    public static string? CheckInputs(string? jurisdiction, string ids, IReadOnlyList<AuditJurisdiction> jurisdictions, IReadOnlyList<AuditInputFile> files)
    {
        ArgumentNullException.ThrowIfNull(jurisdictions);
        ArgumentNullException.ThrowIfNull(files);
        if (jurisdictions.Count == 0)
        {
            return "a multi-jurisdiction audit names at least one jurisdiction";
        }

        if (jurisdiction is not null)
        {
            return "a multi-jurisdiction audit has \"jurisdiction\": null (each ballot carries its own jurisdiction)";
        }

        if (ids == "arlo-batch")
        {
            return "arlo-batch ids (batch, position) do not carry the jurisdiction; use entente or arlo ids";
        }

        if (jurisdictions.FirstOrDefault(j => j.Name.Contains(Separator, StringComparison.Ordinal) || j.Name != j.Name.Trim()) is { } bad)
        {
            return $"the jurisdiction name \"{bad.Name}\" has a ':' or spaces around it";
        }

        if (jurisdictions.GroupBy(j => j.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            return $"the jurisdiction \"{twice.Key}\" is named twice";
        }

        return files.Count == 1 && files[0].Name == "results.csv" ? null
            : "a multi-jurisdiction audit's inputs hold results.csv only; each jurisdiction uploads its manifest and CVRs or batch tallies (audit.upload)";
    }

    /// <summary>
    /// What is wrong with <paramref name="upload"/> for the multi-jurisdiction audit <paramref name="inputs"/>, or null: a
    /// jurisdiction of the audit, exactly the files its method needs, each parsing in Entente's form.
    /// </summary>
    public static string? CheckUpload(AuditInputsArtifact inputs, AuditUploadArtifact upload)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(upload);
        if (inputs.Jurisdictions.Count == 0)
        {
            return $"audit {inputs.AuditId} is not a multi-jurisdiction audit: its inputs hold its manifest already";
        }

        if (inputs.Jurisdictions.All(j => j.Name != upload.Jurisdiction))
        {
            return $"\"{upload.Jurisdiction}\" is not a jurisdiction of audit {inputs.AuditId}; its jurisdictions: {string.Join(", ", inputs.Jurisdictions.Select(j => j.Name))}";
        }

        IReadOnlyList<string> needed = FilesOf(inputs.Method);
        if (!upload.Files.Select(f => f.Name).SequenceEqual(needed))
        {
            return $"a {inputs.Method} audit's upload holds {string.Join(" and ", needed)}, in this order; this one holds {(upload.Files.Count == 0 ? "nothing" : string.Join(", ", upload.Files.Select(f => f.Name)))}";
        }

        try
        {
            UnionOf(inputs, [upload], partial: true);
        }
        catch (AuditInputException e)
        {
            return e.Message;
        }

        return null;
    }

    /// <summary>The jurisdictions of <paramref name="inputs"/> without an upload among <paramref name="uploads"/>, in the inputs' order.</summary>
    public static IReadOnlyList<string> Missing(AuditInputsArtifact inputs, IEnumerable<string> uploads)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        HashSet<string> have = [.. uploads];
        return [.. inputs.Jurisdictions.Select(j => j.Name).Where(j => !have.Contains(j))];
    }

    /// <summary>Splits a union tabulator into its jurisdiction and the jurisdiction's own tabulator (null when none).</summary>
    public static (string Jurisdiction, string? Tabulator) Split(string tabulator)
    {
        ArgumentNullException.ThrowIfNull(tabulator);
        int at = tabulator.IndexOf(Separator, StringComparison.Ordinal);
        return at < 0 ? (tabulator, null) : (tabulator[..at], tabulator[(at + 1)..]);
    }

    /// <summary>
    /// The audit's inputs as one audit of the union of its jurisdictions' files (every jurisdiction's upload, in the
    /// inputs' order): the same method, risk limit, ids and results, with the union manifest.csv and cvrs.csv or
    /// batch-tallies.csv. Refuses, naming the jurisdiction, a file that does not parse or a jurisdiction missing.
    /// </summary>
    public static AuditInputsArtifact Union(AuditInputsArtifact inputs, IReadOnlyList<AuditUploadArtifact> uploads) => UnionOf(inputs, uploads, partial: false);

    private static AuditInputsArtifact UnionOf(AuditInputsArtifact inputs, IReadOnlyList<AuditUploadArtifact> uploads, bool partial)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(uploads);
        List<(string Jurisdiction, AuditUploadArtifact Upload)> parts = [];
        foreach (AuditJurisdiction j in inputs.Jurisdictions)
        {
            if (uploads.FirstOrDefault(u => u.Jurisdiction == j.Name) is { } u)
            {
                parts.Add((j.Name, u));
            }
            else if (!partial)
            {
                throw new AuditInputException("audit.upload", 0, "", $"jurisdiction {j.Name} has not uploaded its files");
            }
        }

        List<AuditInputFile> files = [];
        Dictionary<string, BallotManifest> manifests = new(StringComparer.Ordinal);
        foreach (string name in FilesOf(inputs.Method))
        {
            files.Add(new AuditInputFile(name, UnionCsv(name, [.. parts.Select(p => (p.Jurisdiction, p.Upload.Files.FirstOrDefault(f => f.Name == name)?.Text
                ?? throw new AuditInputException($"{p.Jurisdiction}'s {name}", 0, "", $"the upload of {p.Jurisdiction} has no {name}")))], manifests)));
        }

        files.Add(inputs.Files.First(f => f.Name == "results.csv"));
        AuditInputsArtifact union = new(inputs.AuditId, inputs.Method, inputs.RiskLimit, inputs.IdScheme, null, files) { Jurisdictions = inputs.Jurisdictions };
        try
        {
            _ = new AuditProgress(union);
        }
        catch (AuditInputException e)
        {
            throw new AuditInputException("the union of " + string.Join(", ", parts.Select(p => p.Jurisdiction)), 0, "", e.Message);
        }

        return union;
    }

    /// <summary>
    /// One CSV of several jurisdictions' CSVs of the same kind: the header's columns (Tabulator first; Container and
    /// Jurisdiction as the manifest allows), each row's tabulator "jurisdiction:tabulator" (or "jurisdiction"), and in
    /// cvrs.csv each BallotId "jurisdiction:id".
    /// </summary>
    private static string UnionCsv(string name, IReadOnlyList<(string Jurisdiction, string Text)> parts, Dictionary<string, BallotManifest> manifests)
    {
        List<(string Jurisdiction, CsvTable Table)> tables = [];
        foreach ((string jurisdiction, string text) in parts)
        {
            string where = $"{jurisdiction}'s {name}";
            CsvTable table = CsvTable.Parse(Encoding.UTF8.GetBytes(text), where);
            // Each part must read on its own, so that a refusal names the jurisdiction, file, row and column.
            switch (name)
            {
                case "manifest.csv":
                    manifests[jurisdiction] = BallotManifest.FromTable(table);
                    break;
                case "cvrs.csv":
                    CastVoteRecords.FromTable(table);
                    break;
            }

            tables.Add((jurisdiction, table));
        }

        string[] skip = ["Tabulator", "Jurisdiction"];
        List<string> columns = ["Tabulator"];
        foreach ((string jurisdiction, CsvTable table) in tables)
        {
            foreach (string column in table.Header.Where(c => !skip.Any(s => Same(s, c)) && !columns.Any(x => Same(x, c))))
            {
                if (tables[0].Table != table && !Same(column, "Container"))
                {
                    throw new AuditInputException($"{jurisdiction}'s {name}", 1, column, $"the column is not in {tables[0].Jurisdiction}'s {name}; every jurisdiction's {name} has the same columns");
                }

                columns.Add(column);
            }

            if (columns.FirstOrDefault(c => !Same(c, "Tabulator") && !Same(c, "Container") && !table.HasColumn(c)) is string absent)
            {
                throw new AuditInputException($"{jurisdiction}'s {name}", 1, absent, $"the column is missing; every jurisdiction's {name} has the same columns as {tables[0].Jurisdiction}'s");
            }
        }

        StringBuilder csv = new();
        csv.AppendJoin(',', columns.Select(Quote)).Append('\n');
        foreach ((string jurisdiction, CsvTable table) in tables)
        {
            foreach (CsvRow row in table.Rows)
            {
                csv.AppendJoin(',', columns.Select(c =>
                {
                    string cell = table.Cell(row, c) ?? "";
                    if (Same(c, "Tabulator") && cell.Length == 0 && name != "manifest.csv" && manifests.TryGetValue(jurisdiction, out BallotManifest? own) && own.HasTabulator
                        && (table.Cell(row, "Batch Name") ?? table.Cell(row, "Batch")) is string batch && own.Batches.Where(b => b.Batch == batch).ToList() is [{ } only])
                    {
                        // Arlo's tallies name the tabulator only when batch names repeat within the jurisdiction: take it from its manifest.
                        cell = only.Tabulator!;
                    }

                    if (Same(c, "Tabulator"))
                    {
                        return Quote(cell.Length == 0 ? jurisdiction : jurisdiction + Separator + cell);
                    }

                    return Quote(Same(c, "BallotId") ? jurisdiction + Separator + cell : cell);
                })).Append('\n');
            }
        }

        return csv.ToString();
    }

    private static bool Same(string a, string b) => Key(a) == Key(b);

    private static string Key(string column) => column.Replace(" ", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal).ToUpperInvariant();

    private static string Quote(string cell) =>
        cell.IndexOfAny([',', '"', '\n', '\r']) >= 0 || cell != cell.Trim() ? "\"" + cell.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : cell;
}
