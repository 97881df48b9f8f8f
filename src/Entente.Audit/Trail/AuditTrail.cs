// The audit's own steps as board artifacts (issue #18, "Every audit step on the board"), beside the seed's
// (Seed/SeedArtifacts.cs). Canonical JSON, members in this order, no whitespace:
//
//   audit.inputs  {"audit": id, "method": "bravo"|"comparison"|"batch", "risk_limit": "0.05", "ids": "entente"|"arlo"|"arlo-batch",
//                  "jurisdiction": name|null, "files": [{"name": "manifest.csv", "sha256": hex, "text": "…"}, …]}
//                  the normalized inputs the audit works on (manifest.csv, results.csv, cvrs.csv, batch-tallies.csv);
//                  it must be on the board before the audit's first seed commitment, so the reported results the
//                  audit checks were fixed before anyone could know the seed;
//   audit.round   {"audit": id, "round": n, "draws": [{"ticket": "…", "tabulator": t|null, "batch": b, "position": p}, …]}
//
// AuditTrailVerifier recomputes from these entries and the seed entries alone: the inputs' hashes, their place before
// the first commitment, the seed from the logged reveals, and every round's draws from the seed and the committed
// manifest (and reported batch tallies), naming the first step that does not follow.
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Entente.Audit.Io;

namespace Entente.Audit.Trail;

/// <summary>One committed input file.</summary>
/// <param name="Name">File name in the audit's inputs (manifest.csv, results.csv, cvrs.csv, batch-tallies.csv).</param>
/// <param name="Text">Its text (UTF-8).</param>
public sealed record AuditInputFile(string Name, string Text)
{
    /// <summary>SHA-256 of the UTF-8 text, lowercase hex.</summary>
    public string Sha256 => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Text)));
}

/// <summary>The commitment to an audit's inputs.</summary>
/// <param name="AuditId">The audit.</param>
/// <param name="Method">bravo, comparison or batch.</param>
/// <param name="RiskLimit">The risk limit α.</param>
/// <param name="IdScheme">The ballot id convention the sampler hashes: entente, arlo or arlo-batch.</param>
/// <param name="Jurisdiction">The jurisdiction for Arlo ids, or null.</param>
/// <param name="Files">The input files.</param>
public sealed record AuditInputsArtifact(string AuditId, string Method, double RiskLimit, string IdScheme, string? Jurisdiction, IReadOnlyList<AuditInputFile> Files)
{
    /// <summary>
    /// A multi-jurisdiction audit's jurisdictions, each with the charter party whose key uploads its files
    /// (<see cref="AuditUploadArtifact"/>); empty for an audit of one manifest. The files are then the results only.
    /// </summary>
    public IReadOnlyList<AuditJurisdiction> Jurisdictions { get; init; } = [];
}

/// <summary>One draw of a round as logged.</summary>
/// <param name="Ticket">The ticket (consistent-sampler fraction, or the PPEB ticket number).</param>
/// <param name="Tabulator">Tabulator, or null.</param>
/// <param name="Batch">Batch.</param>
/// <param name="Position">Position in the batch (0 for a whole batch).</param>
public sealed record AuditRoundDraw(string Ticket, string? Tabulator, string Batch, long Position);

/// <summary>A round's sample.</summary>
/// <param name="AuditId">The audit.</param>
/// <param name="Round">1-based round.</param>
/// <param name="Draws">The draws in ticket order.</param>
public sealed record AuditRoundArtifact(string AuditId, int Round, IReadOnlyList<AuditRoundDraw> Draws);

/// <summary>Writes and strictly reads the audit-step artifacts.</summary>
public static partial class AuditTrailArtifacts
{
    /// <summary>Log entry type of the inputs commitment.</summary>
    public const string InputsType = "audit.inputs";

    /// <summary>Log entry type of a round's sample.</summary>
    public const string RoundType = "audit.round";

    /// <summary>Largest artifact accepted (16 MiB: CVR files are large).</summary>
    public const int MaxBytes = 16 << 20;

    /// <summary>Canonical bytes of the inputs commitment.</summary>
    public static byte[] Write(AuditInputsArtifact inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        return Json(w =>
        {
            w.WriteString("audit", inputs.AuditId);
            w.WriteString("method", inputs.Method);
            w.WriteString("risk_limit", inputs.RiskLimit.ToString("R", CultureInfo.InvariantCulture));
            w.WriteString("ids", inputs.IdScheme);
            if (inputs.Jurisdiction is null)
            {
                w.WriteNull("jurisdiction");
            }
            else
            {
                w.WriteString("jurisdiction", inputs.Jurisdiction);
            }

            if (inputs.Jurisdictions.Count > 0)
            {
                w.WriteStartArray("jurisdictions");
                foreach (AuditJurisdiction j in inputs.Jurisdictions)
                {
                    w.WriteStartObject();
                    w.WriteString("name", j.Name);
                    w.WriteString("party", j.Party);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            }

            WriteFiles(w, inputs.Files);
        });
    }

    /// <summary>Canonical bytes of a round.</summary>
    public static byte[] Write(AuditRoundArtifact round)
    {
        ArgumentNullException.ThrowIfNull(round);
        return Json(w =>
        {
            w.WriteString("audit", round.AuditId);
            w.WriteNumber("round", round.Round);
            w.WriteStartArray("draws");
            foreach (AuditRoundDraw d in round.Draws)
            {
                w.WriteStartObject();
                w.WriteString("ticket", d.Ticket);
                if (d.Tabulator is null)
                {
                    w.WriteNull("tabulator");
                }
                else
                {
                    w.WriteString("tabulator", d.Tabulator);
                }

                w.WriteString("batch", d.Batch);
                w.WriteNumber("position", d.Position);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        });
    }

    /// <summary>Reads an inputs commitment strictly (canonical form, every hash matching its text).</summary>
    public static AuditInputsArtifact ReadInputs(string file, byte[] bytes)
    {
        using JsonDocument doc = Parse(file, bytes);
        JsonElement o = doc.RootElement;
        bool multi = o.ValueKind == JsonValueKind.Object && o.TryGetProperty("jurisdictions", out _);
        Members(file, o, "", multi ? ["audit", "method", "risk_limit", "ids", "jurisdiction", "jurisdictions", "files"] : ["audit", "method", "risk_limit", "ids", "jurisdiction", "files"]);
        string ids = Str(file, o, "ids");
        if (ids is not ("entente" or "arlo" or "arlo-batch"))
        {
            throw new AuditInputException(file, 0, "ids", "entente, arlo or arlo-batch is required");
        }

        string? jurisdiction = o.GetProperty("jurisdiction").ValueKind == JsonValueKind.Null ? null : Str(file, o, "jurisdiction");
        string method = Str(file, o, "method");
        if (method is not ("bravo" or "comparison" or "batch"))
        {
            throw new AuditInputException(file, 0, "method", "bravo, comparison or batch is required");
        }

        if (!double.TryParse(Str(file, o, "risk_limit"), NumberStyles.Float, CultureInfo.InvariantCulture, out double alpha) || !(alpha > 0 && alpha < 1))
        {
            throw new AuditInputException(file, 0, "risk_limit", "a number strictly between 0 and 1 is required");
        }

        List<AuditInputFile> files = ReadFiles(file, o);

        List<AuditJurisdiction> jurisdictions = [];
        if (multi)
        {
            int k = 0;
            foreach (JsonElement j in Array(file, o, "jurisdictions"))
            {
                string where = $"jurisdictions[{k++}].";
                Members(file, j, where, "name", "party");
                jurisdictions.Add(new AuditJurisdiction(Str(file, j, "name", where), Str(file, j, "party", where)));
            }

            if (MultiJurisdiction.CheckInputs(jurisdiction, ids, jurisdictions, files) is string problem)
            {
                throw new AuditInputException(file, 0, "jurisdictions", problem);
            }
        }

        return Canonical(file, bytes, new AuditInputsArtifact(Str(file, o, "audit"), method, alpha, ids, jurisdiction, files) { Jurisdictions = jurisdictions }, Write);
    }

    /// <summary>The <c>files</c> member of an inputs commitment or an upload: name, SHA-256 and text of each.</summary>
    private static void WriteFiles(Utf8JsonWriter w, IReadOnlyList<AuditInputFile> files)
    {
        w.WriteStartArray("files");
        foreach (AuditInputFile f in files)
        {
            w.WriteStartObject();
            w.WriteString("name", f.Name);
            w.WriteString("sha256", f.Sha256);
            w.WriteString("text", f.Text);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    /// <summary>Reads the <c>files</c> member strictly: each file's SHA-256 must be that of its text.</summary>
    private static List<AuditInputFile> ReadFiles(string file, JsonElement o)
    {
        List<AuditInputFile> files = [];
        int n = 0;
        foreach (JsonElement f in Array(file, o, "files"))
        {
            string where = $"files[{n++}]";
            Members(file, f, where + ".", "name", "sha256", "text");
            AuditInputFile input = new(Str(file, f, "name", where + "."), f.GetProperty("text").GetString() ?? "");
            if (input.Sha256 != Str(file, f, "sha256", where + "."))
            {
                throw new AuditInputException(file, 0, where + ".sha256", $"the SHA-256 of {input.Name}'s text is {input.Sha256}");
            }

            files.Add(input);
        }

        return files;
    }

    /// <summary>Reads a round strictly.</summary>
    public static AuditRoundArtifact ReadRound(string file, byte[] bytes)
    {
        using JsonDocument doc = Parse(file, bytes);
        JsonElement o = doc.RootElement;
        Members(file, o, "", "audit", "round", "draws");
        if (!o.GetProperty("round").TryGetInt32(out int round) || round < 1)
        {
            throw new AuditInputException(file, 0, "round", "a round number ≥ 1 is required");
        }

        List<AuditRoundDraw> draws = [];
        int n = 0;
        foreach (JsonElement d in Array(file, o, "draws"))
        {
            string where = $"draws[{n++}].";
            Members(file, d, where, "ticket", "tabulator", "batch", "position");
            JsonElement t = d.GetProperty("tabulator");
            if (!d.GetProperty("position").TryGetInt64(out long position) || position < 0)
            {
                throw new AuditInputException(file, 0, where + "position", "a position ≥ 0 is required");
            }

            draws.Add(new AuditRoundDraw(Str(file, d, "ticket", where), t.ValueKind == JsonValueKind.Null ? null : Str(file, d, "tabulator", where), Str(file, d, "batch", where), position));
        }

        return Canonical(file, bytes, new AuditRoundArtifact(Str(file, o, "audit"), round, draws), Write);
    }

    private static byte[] Json(Action<Utf8JsonWriter> members)
    {
        using MemoryStream buffer = new();
        using (Utf8JsonWriter w = new(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            members(w);
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static JsonDocument Parse(string file, byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (bytes.Length > MaxBytes)
        {
            throw new AuditInputException(file, 0, "", $"{bytes.Length} bytes; at most {MaxBytes} are accepted");
        }

        try
        {
            return JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 8, AllowDuplicateProperties = false });
        }
        catch (JsonException e)
        {
            throw new AuditInputException(file, 0, "", "not valid JSON: " + e.Message.Split(" Path:")[0]);
        }
    }

    private static void Members(string file, JsonElement o, string where, params string[] members)
    {
        if (o.ValueKind != JsonValueKind.Object)
        {
            throw new AuditInputException(file, 0, where.TrimEnd('.'), "an object is required");
        }

        foreach (JsonProperty p in o.EnumerateObject().Where(p => System.Array.IndexOf(members, p.Name) < 0))
        {
            throw new AuditInputException(file, 0, where + p.Name, "unknown member");
        }

        foreach (string m in members.Where(m => !o.TryGetProperty(m, out _)))
        {
            throw new AuditInputException(file, 0, where + m, "the member is missing");
        }
    }

    private static string Str(string file, JsonElement o, string member, string where = "") =>
        o.GetProperty(member) is { ValueKind: JsonValueKind.String } e && e.GetString() is { Length: > 0 } s ? s
            : throw new AuditInputException(file, 0, where + member, "a non-empty string is required");

    private static JsonElement.ArrayEnumerator Array(string file, JsonElement o, string member) =>
        o.GetProperty(member) is { ValueKind: JsonValueKind.Array } a ? a.EnumerateArray()
            : throw new AuditInputException(file, 0, member, "an array is required");

    private static T Canonical<T>(string file, byte[] bytes, T value, Func<T, byte[]> write) =>
        write(value).AsSpan().SequenceEqual(bytes) ? value
            : throw new AuditInputException(file, 0, "", "not in canonical form (members in order, no whitespace; docs/audit.md)");
}
