// Hart: one XML file per card (namespace http://tempuri.org/CVRDesign.xsd). <Cvr> holds <Contests><Contest><Name/>
// <Options><Option><Name/><Value/>[<WriteInData/>]</Option>…</Options>[<Undervotes/>]</Contest>…</Contests>,
// <BatchSequence> (the record id), <SheetNumber>, <BatchNumber> and <CvrGuid>. Only marked options are listed; a
// write-in option may have no name and is called "Write-In". No vote-for count (1 is assumed); choices are those
// that appear, sorted. A contest with no options is on the card only when the export says so with <Undervotes>
// (real exports do); Arlo-rendered files list contests not on the card with empty <Options/>.
// The tabulator matters only when batch names repeat in the manifest: it then comes from a scanned-ballot-information
// CSV (#FormatVersion 1, header "#CvrId,…,Workstation,…") or from the name of the folder holding the XML files when
// that folder is named as a manifest tabulator. A scanned-ballot-information CSV's UniqueIdentifier, when given,
// is the id printed on the card.
using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using Entente.Audit.Io;

namespace Entente.Audit.Vendors;

/// <summary>Reads Hart XML CVRs and scanned-ballot-information CSVs.</summary>
internal static class HartXml
{
    private static readonly XNamespace Ns = "http://tempuri.org/CVRDesign.xsd";

    /// <summary>Largest XML file accepted (one card is a few kilobytes).</summary>
    private const long MaxXmlBytes = 16L << 20;

    public static (List<RawContest> Contests, List<RawCvr> Cards) Read(IReadOnlyList<string> paths, BallotManifest manifest)
    {
        List<(string Path, string Folder)> xmls = [];
        List<string> sbis = [];
        foreach (string path in paths)
        {
            if (Directory.Exists(path))
            {
                // A folder's other files (the WriteIns images) are not CVRs and are left alone.
                foreach (string f in Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                {
                    Add(f, given: false);
                }
            }
            else
            {
                Add(path, given: true);
            }
        }

        if (xmls.Count == 0)
        {
            throw new AuditInputException(paths.Count > 0 ? paths[0] : "", 0, "", "No Hart CVR XML file among the inputs.");
        }

        Dictionary<string, (string Imprinted, string Workstation, InputPlace Place)> sbi = ReadScannedBallotInformation(sbis);
        bool namesRepeat = manifest.Batches.Select(b => b.Batch).Distinct(StringComparer.Ordinal).Count() != manifest.Batches.Count;
        HashSet<string> tabulators = [.. manifest.Batches.Where(b => b.Tabulator is not null).Select(b => b.Tabulator!)];
        List<RawContest> contests = [];
        Dictionary<string, SortedSet<string>> choices = new(StringComparer.Ordinal);
        Dictionary<string, string> guids = new(StringComparer.Ordinal);
        List<RawCvr> cards = [];
        foreach ((string path, string folder) in xmls)
        {
            string file = Path.GetFileName(path);
            XElement root = Load(path, file);
            if (root.Name != Ns + "Cvr")
            {
                throw new AuditInputException(file, 0, root.Name.LocalName, $"The root element is <{root.Name.LocalName}> in namespace \"{root.Name.NamespaceName}\"; a Hart CVR is <Cvr> in {Ns.NamespaceName}.");
            }

            string Text(string element) => root.Element(Ns + element)?.Value.Trim() is { Length: > 0 } v ? v
                : throw new AuditInputException(file, 0, element, $"The <{element}> element is missing or empty.");
            string guid = Text("CvrGuid");
            string batch = Text("BatchNumber");
            string sequence = Text("BatchSequence");
            string sheet = root.Element(Ns + "SheetNumber")?.Value.Trim() ?? "";
            if (guids.TryGetValue(guid, out string? other))
            {
                throw new AuditInputException(file, 0, "CvrGuid",
                    $"CvrGuid {guid} is also in {other}. Each card needs its own id: the audit board finds the card by it, and a second card under the same id " +
                    "could never be told apart (Arlo accepts this; Entente refuses)." + (sheet is "" or "1" ? "" : " Multi-sheet ballots (one file per sheet with the same CvrGuid) are not supported: the manifest counts cards."));
            }

            guids[guid] = file;
            Dictionary<string, ContestVote> votes = new(StringComparer.Ordinal);
            foreach (XElement contest in root.Element(Ns + "Contests")?.Elements(Ns + "Contest") ?? [])
            {
                string name = contest.Element(Ns + "Name")?.Value.Trim() is { Length: > 0 } n ? n
                    : throw new AuditInputException(file, 0, "Contest/Name", "A <Contest> has no <Name>.");
                if (votes.ContainsKey(name))
                {
                    throw new AuditInputException(file, 0, "Contest", $"Contest \"{name}\" appears twice on the card.");
                }

                Dictionary<string, int> marks = new(StringComparer.Ordinal);
                foreach (XElement option in contest.Element(Ns + "Options")?.Elements(Ns + "Option") ?? [])
                {
                    string choice = option.Element(Ns + "WriteInData") is not null ? "Write-In"
                        : option.Element(Ns + "Name")?.Value.Trim() is { Length: > 0 } c ? c
                        : throw new AuditInputException(file, 0, $"Contest \"{name}\"/Option/Name", "An <Option> has neither a <Name> nor <WriteInData>.");
                    string valueText = option.Element(Ns + "Value")?.Value.Trim() ?? "1";
                    if (!int.TryParse(valueText, NumberStyles.None, CultureInfo.InvariantCulture, out int value))
                    {
                        throw new AuditInputException(file, 0, $"Contest \"{name}\"/Option/Value", $"\"{valueText}\" is not a whole number.");
                    }

                    marks[choice] = marks.GetValueOrDefault(choice) + value;
                }

                bool undervote = contest.Element(Ns + "Undervotes") is { } u && u.Value.Trim() is { Length: > 0 } uv && uv != "0";
                if (marks.Count == 0 && !undervote)
                {
                    continue; // not on the card
                }

                if (!choices.TryGetValue(name, out SortedSet<string>? set))
                {
                    set = new SortedSet<string>(StringComparer.Ordinal);
                    choices[name] = set;
                    contests.Add(new RawContest(name, 1, []));
                }

                set.UnionWith(marks.Keys);
                votes[name] = new ContestVote(ContestVoteKind.Marks, marks);
            }

            string? tabulator = null;
            if (namesRepeat)
            {
                tabulator = sbi.TryGetValue(guid, out var s) && s.Workstation.Length > 0 ? s.Workstation
                    : tabulators.Contains(folder) ? folder
                    : throw new AuditInputException(file, 0, "BatchNumber",
                        $"Batch names repeat in the manifest, and no tabulator is known for CVR {guid}: give a scanned-ballot-information CSV with its Workstation, " +
                        "or put each tabulator's files in a folder named as the manifest's tabulator.");
            }

            string imprinted = sbi.TryGetValue(guid, out var info) && info.Imprinted.Length > 0 ? info.Imprinted : guid;
            cards.Add(new RawCvr(tabulator, batch, CvrImportBuilder.RecordNumber(sequence, new InputPlace(file, 0, "BatchSequence")), sequence, imprinted, votes,
                new InputPlace(file, 0, "BatchNumber")));
        }

        foreach (RawContest c in contests)
        {
            c.Choices.AddRange(choices[c.Name]);
        }

        return (contests, cards);

        void Add(string f, bool given)
        {
            if (f.EndsWith(".xml", StringComparison.OrdinalIgnoreCase))
            {
                xmls.Add((f, Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(f))) ?? ""));
            }
            else if (f.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
            {
                sbis.Add(f);
            }
            else if (given)
            {
                throw new AuditInputException(Path.GetFileName(f), 0, "", "Not a Hart input: give the CVR XML files (or their folders) and scanned-ballot-information CSVs.");
            }
        }
    }

    private static XElement Load(string path, string file)
    {
        FileInfo info = new(path);
        if (!info.Exists || info.Length > MaxXmlBytes)
        {
            throw new AuditInputException(file, 0, "", info.Exists ? $"The file is larger than {MaxXmlBytes} bytes." : "The file does not exist.");
        }

        XmlReaderSettings settings = new() { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, MaxCharactersInDocument = MaxXmlBytes };
        try
        {
            using XmlReader reader = XmlReader.Create(path, settings);
            return XDocument.Load(reader, LoadOptions.None).Root ?? throw new AuditInputException(file, 0, "", "The XML document is empty.");
        }
        catch (XmlException e)
        {
            throw new AuditInputException(file, e.LineNumber, "", $"Not well-formed XML: {e.Message}");
        }
    }

    private static Dictionary<string, (string Imprinted, string Workstation, InputPlace Place)> ReadScannedBallotInformation(List<string> paths)
    {
        Dictionary<string, (string, string, InputPlace)> result = new(StringComparer.Ordinal);
        foreach (string path in paths)
        {
            string file = Path.GetFileName(path);
            List<CsvRow> rows = [.. CsvTable.ReadRecords(path, excelText: false).Where(r => r.Cells.Any(c => c.Length > 0))];
            if (rows.Count < 2 || !rows[0].Cells[0].StartsWith("#FormatVersion", StringComparison.Ordinal) || !rows[1].Cells[0].StartsWith('#'))
            {
                throw new AuditInputException(file, rows.Count > 0 ? rows[0].Row : 0, "",
                    "Not a Hart scanned-ballot-information CSV: it starts with \"#FormatVersion 1\" and a header line beginning with \"#\".");
            }

            List<string> header = [rows[1].Cells[0][1..], .. rows[1].Cells.Skip(1)];
            int cvrId = header.IndexOf("CvrId"), unique = header.IndexOf("UniqueIdentifier"), workstation = header.IndexOf("Workstation");
            if (cvrId < 0)
            {
                throw new AuditInputException(file, rows[1].Row, "CvrId", "Missing required column CvrId.");
            }

            foreach (CsvRow row in rows.Skip(2))
            {
                if (row.Cells.Count != header.Count)
                {
                    throw new AuditInputException(file, row.Row, "", $"Expected {header.Count} cells as in the header, found {row.Cells.Count}.");
                }

                string id = row.Cells[cvrId];
                (string, string, InputPlace) entry = (unique >= 0 ? row.Cells[unique] : "", workstation >= 0 ? row.Cells[workstation] : "", new InputPlace(file, row.Row, "CvrId"));
                if (result.TryGetValue(id, out var known))
                {
                    string column = known.Item1 != entry.Item1 ? "UniqueIdentifier" : "Workstation";
                    if (known.Item1 != entry.Item1 || known.Item2 != entry.Item2)
                    {
                        throw new AuditInputException(file, row.Row, column,
                            $"Conflicting scanned ballot information for CVR {id}: {column} is \"{(column == "Workstation" ? entry.Item2 : entry.Item1)}\" here but " +
                            $"\"{(column == "Workstation" ? known.Item2 : known.Item1)}\" in {known.Item3}.");
                    }

                    continue;
                }

                result[id] = entry;
            }
        }

        return result;
    }
}
