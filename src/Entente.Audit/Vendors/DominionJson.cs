// Dominion's CvrExport*.json: {Version, ElectionId, Sessions:[…]}. A session is one card: TabulatorId, BatchId,
// RecordId (or "X" when hidden: the record number is then the third group of the ImageMask file name
// TTTTT_BBBBB_RRRRRR), CountingGroupId, an Original block and, after adjudication, a Modified block that replaces it.
// A block holds Contests:[{Id, Marks:[{CandidateId, Rank, IsVote, …}]}] (5.2.x) or Cards:[{Contests}] (later
// versions, one card per sheet). Marks with IsVote false are not votes. Contest and candidate are numeric ids; their
// names and vote-for counts are in ContestManifest.json and CandidateManifest.json, which may be given with the
// export (without them the ids stand as names and a contest's votes allowed is the most votes on any card).
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Entente.Audit.Io;

namespace Entente.Audit.Vendors;

/// <summary>Reads Dominion's JSON CVR export.</summary>
internal static partial class DominionJson
{
    private const long MaxJsonBytes = 1L << 30;

    public static (List<RawContest> Contests, List<RawCvr> Cards) Read(IReadOnlyList<string> paths)
    {
        Dictionary<string, (string Name, int VoteFor)> contestNames = [];
        Dictionary<string, string> candidateNames = [];
        List<string> exports = [];
        foreach (string path in paths.SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p, "*.json").Order(NaturalComparer.Instance) : (IEnumerable<string>)[p]))
        {
            string name = Path.GetFileName(path);
            if (name.StartsWith("ContestManifest", StringComparison.OrdinalIgnoreCase))
            {
                foreach (JsonElement c in List(path))
                {
                    contestNames[Id(c, "Id", name)] = (Str(c, "Description", name), c.TryGetProperty("VoteFor", out JsonElement v) && v.TryGetInt32(out int n) && n > 0 ? n : 1);
                }
            }
            else if (name.StartsWith("CandidateManifest", StringComparison.OrdinalIgnoreCase))
            {
                foreach (JsonElement c in List(path))
                {
                    candidateNames[Id(c, "Id", name)] = Str(c, "Description", name);
                }
            }
            else
            {
                exports.Add(path);
            }
        }

        List<RawContest> contests = [];
        Dictionary<string, RawContest> byId = [];
        Dictionary<string, HashSet<string>> seenChoices = [];
        Dictionary<string, int> mostVotes = [];
        List<RawCvr> cards = [];
        foreach (string path in exports)
        {
            string file = Path.GetFileName(path);
            using JsonDocument doc = Parse(path, file);
            if (!doc.RootElement.TryGetProperty("Sessions", out JsonElement sessions) || sessions.ValueKind != JsonValueKind.Array)
            {
                throw new AuditInputException(file, 0, "Sessions", "No \"Sessions\" array: this is not a Dominion CvrExport JSON file.");
            }

            int index = 0;
            foreach (JsonElement session in sessions.EnumerateArray())
            {
                string where = $"Sessions[{index++}]";
                string tabulator = Id(session, "TabulatorId", file, where);
                string batch = Id(session, "BatchId", file, where);
                string record = Id(session, "RecordId", file, where);
                if (record == "X")
                {
                    string mask = session.TryGetProperty("ImageMask", out JsonElement m) ? m.GetString() ?? "" : "";
                    Match match = MaskRecord().Match(mask.Replace('\\', '/').Split('/')[^1]);
                    record = match.Success ? match.Groups[1].Value.TrimStart('0') is { Length: > 0 } r ? r : "0"
                        : throw new AuditInputException(file, 0, where + ".ImageMask", $"RecordId is hidden (\"X\") and the ImageMask \"{mask}\" does not give it (TTTTT_BBBBB_RRRRRR).");
                }

                JsonElement block = session.TryGetProperty("Modified", out JsonElement modified) && modified.ValueKind == JsonValueKind.Object ? modified
                    : session.TryGetProperty("Original", out JsonElement original) && original.ValueKind == JsonValueKind.Object ? original
                    : throw new AuditInputException(file, 0, where + ".Original", "The session has neither an Original nor a Modified block.");
                IEnumerable<JsonElement> contestList = block.TryGetProperty("Cards", out JsonElement sheets) && sheets.ValueKind == JsonValueKind.Array
                    ? sheets.EnumerateArray().SelectMany(s => s.TryGetProperty("Contests", out JsonElement cs) ? cs.EnumerateArray() : [])
                    : block.TryGetProperty("Contests", out JsonElement direct) && direct.ValueKind == JsonValueKind.Array ? direct.EnumerateArray() : [];
                Dictionary<string, ContestVote> votes = new(StringComparer.Ordinal);
                foreach (JsonElement contest in contestList)
                {
                    string contestId = Id(contest, "Id", file, where + ".Contests");
                    (string contestName, int voteFor) = contestNames.TryGetValue(contestId, out var known) ? known : (contestId, 0);
                    if (!byId.TryGetValue(contestId, out RawContest? raw))
                    {
                        raw = new RawContest(contestName, voteFor, []);
                        byId[contestId] = raw;
                        contests.Add(raw);
                        seenChoices[contestId] = [];
                    }

                    Dictionary<string, int> marks = votes.TryGetValue(contestName, out ContestVote? v) ? (Dictionary<string, int>)v.Marks : new(StringComparer.Ordinal);
                    foreach (JsonElement mark in contest.TryGetProperty("Marks", out JsonElement ms) && ms.ValueKind == JsonValueKind.Array ? ms.EnumerateArray() : [])
                    {
                        if (!(mark.TryGetProperty("IsVote", out JsonElement isVote) && isVote.ValueKind == JsonValueKind.True))
                        {
                            continue;
                        }

                        string candidateId = Id(mark, "CandidateId", file, where + ".Marks");
                        string choice = candidateNames.GetValueOrDefault(candidateId, candidateId);
                        marks[choice] = 1;
                        seenChoices[contestId].Add(choice);
                    }

                    votes[contestName] = new ContestVote(ContestVoteKind.Marks, marks);
                    mostVotes[contestId] = Math.Max(mostVotes.GetValueOrDefault(contestId), marks.Count);
                }

                string imprinted = $"{tabulator}-{batch}-{record}";
                cards.Add(new RawCvr(tabulator, batch, CvrImportBuilder.RecordNumber(record, new InputPlace(file, 0, where + ".RecordId")), record, imprinted, votes,
                    new InputPlace(file, 0, where + ".TabulatorId, BatchId")));
            }
        }

        List<RawContest> result = [];
        foreach ((string id, RawContest raw) in byId)
        {
            int allowed = raw.VotesAllowed > 0 ? raw.VotesAllowed : Math.Max(1, mostVotes.GetValueOrDefault(id));
            result.Add(new RawContest(raw.Name, allowed, [.. seenChoices[id].Order(NaturalComparer.Instance)]));
        }

        return (result, cards);
    }

    private static JsonDocument Parse(string path, string file)
    {
        byte[] bytes = CsvTable.ReadBytes(path);
        try
        {
            return JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 32 });
        }
        catch (JsonException e)
        {
            throw new AuditInputException(file, (int)(e.LineNumber ?? -1) + 1, e.Path ?? "", $"Not valid JSON: {e.Message}");
        }
    }

    private static List<JsonElement> List(string path)
    {
        string file = Path.GetFileName(path);
        using JsonDocument doc = Parse(path, file);
        return doc.RootElement.TryGetProperty("List", out JsonElement list) && list.ValueKind == JsonValueKind.Array
            ? [.. list.EnumerateArray().Select(e => e.Clone())]
            : throw new AuditInputException(file, 0, "List", "A Dominion manifest file has a \"List\" array.");
    }

    private static string Id(JsonElement e, string property, string file, string where = "")
    {
        if (e.ValueKind == JsonValueKind.Object && e.TryGetProperty(property, out JsonElement v))
        {
            if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out long n) && n >= 0)
            {
                return n.ToString(CultureInfo.InvariantCulture);
            }

            if (v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s)
            {
                return s;
            }
        }

        throw new AuditInputException(file, 0, (where.Length > 0 ? where + "." : "") + property, $"\"{property}\" is missing or not an id.");
    }

    private static string Str(JsonElement e, string property, string file) =>
        e.TryGetProperty(property, out JsonElement v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s ? s
            : throw new AuditInputException(file, 0, property, $"\"{property}\" is missing.");

    [GeneratedRegex(@"^\d+_\d+_(\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex MaskRecord();
}
