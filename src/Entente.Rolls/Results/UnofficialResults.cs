using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Entente.Transparency;
using Entente.Transparency.Log;
using Entente.Transparency.Merkle;
using Entente.Transparency.Notes;

namespace Entente.Rolls.Results;

/// <summary>One option's count.</summary>
/// <param name="Option">The option id.</param>
/// <param name="Votes">Its votes.</param>
public sealed record OptionCount(string Option, long Votes);

/// <summary>One contest's counts in a reporting unit.</summary>
/// <param name="Contest">The contest id.</param>
/// <param name="Options">Each option's count, in the order posted (distinct).</param>
public sealed record ContestCount(string Contest, IReadOnlyList<OptionCount> Options);

/// <summary>
/// A reporting unit's unofficial results as the authority posts them on election night (docs/results.md): per contest and
/// option, with the ballots counted. A correction is a new version of the unit (<see cref="Seq"/> + 1) that names the
/// version it corrects.
/// </summary>
/// <param name="Jurisdiction">The jurisdiction.</param>
/// <param name="Unit">The reporting unit (precinct or county).</param>
/// <param name="Seq">1 for the unit's first report, then +1 per correction.</param>
/// <param name="Ballots">Ballots counted in the unit.</param>
/// <param name="Contests">The counts.</param>
/// <param name="Corrects">The id of the version this one corrects (null for the first).</param>
/// <param name="At">When the authority posted it.</param>
public sealed record UnitResults(string Jurisdiction, string Unit, int Seq, long Ballots, IReadOnlyList<ContestCount> Contests, string? Corrects, DateTimeOffset At)
{
    /// <summary>Entry type.</summary>
    public const string Type = "results.unofficial";

    /// <summary>Its id in the board collection <c>results</c>.</summary>
    public string Id => IdOf(Jurisdiction, Unit, Seq);

    /// <summary>The id of version <paramref name="seq"/> of a unit.</summary>
    public static string IdOf(string jurisdiction, string unit, int seq) => $"{jurisdiction}:{unit}:{seq.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>These results as the audit compares them (Entente.Audit.Trail.PublishedResults), logged at <paramref name="index"/>.</summary>
    public Entente.Audit.Trail.PublishedUnitResults ToPublished(long index) =>
        new(index, Id, Jurisdiction + ":" + Unit, Ballots, [.. Contests.SelectMany(c => c.Options.Select(o => new Entente.Audit.Trail.PublishedCount(c.Contest, o.Option, o.Votes)))]);

    /// <summary>The canonical bytes (keys sorted, no white space).</summary>
    public byte[] Write()
    {
        using MemoryStream stream = new();
        using (Utf8JsonWriter w = new(stream))
        {
            w.WriteStartObject();
            w.WriteString("at", RollArtifacts.Time(At));
            w.WriteNumber("ballots", Ballots);
            w.WriteStartArray("contests");
            foreach (ContestCount c in Contests)
            {
                w.WriteStartObject();
                w.WriteString("contest", c.Contest);
                w.WriteStartArray("options");
                foreach (OptionCount o in c.Options)
                {
                    w.WriteStartObject();
                    w.WriteString("option", o.Option);
                    w.WriteNumber("votes", o.Votes);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            if (Corrects is null)
            {
                w.WriteNull("corrects");
            }
            else
            {
                w.WriteString("corrects", Corrects);
            }

            w.WriteString("jurisdiction", Jurisdiction);
            w.WriteNumber("seq", Seq);
            w.WriteString("unit", Unit);
            w.WriteEndObject();
        }

        return stream.ToArray();
    }

    /// <summary>Reads results strictly (the canonical bytes only) or throws <see cref="RollFormatException"/>.</summary>
    public static UnitResults Read(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > RollArtifacts.MaxBytes)
        {
            throw new RollFormatException($"results: larger than {RollArtifacts.MaxBytes} bytes.");
        }

        UnitResults results;
        try
        {
            results = JsonSerializer.Deserialize(bytes, ResultsArtifactJsonContext.Default.ResultsJson)?.ToResults() ?? throw new RollFormatException("results: null.");
        }
        catch (JsonException e)
        {
            throw new RollFormatException($"results: {e.Message}", e);
        }

        return bytes.SequenceEqual(results.Write()) ? results : throw new RollFormatException("results: not in canonical form (keys sorted, no white space, times to the second in UTC).");
    }
}

internal sealed class ResultsJson
{
    [JsonPropertyName("at")] public string? At { get; set; }
    [JsonPropertyName("ballots")] public long? Ballots { get; set; }
    [JsonPropertyName("contests")] public List<ContestJson>? Contests { get; set; }
    [JsonPropertyName("corrects")] public string? Corrects { get; set; }
    [JsonPropertyName("jurisdiction")] public string? Jurisdiction { get; set; }
    [JsonPropertyName("seq")] public int? Seq { get; set; }
    [JsonPropertyName("unit")] public string? Unit { get; set; }

    public UnitResults ToResults()
    {
        string Token(string? s, string field) => RollText.IsToken(s) ? s! : throw new RollFormatException($"results: $.{field}: a code of A–Z, a–z, 0–9, '.', '_', '-' is expected.");
        if (!DateTimeOffset.TryParseExact(At, "yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset at))
        {
            throw new RollFormatException("results: $.at: a UTC time written yyyy-MM-ddTHH:mm:ssZ is expected.");
        }

        if (Ballots is not >= 0 || Seq is not >= 1 || Contests is null || Contests.Count == 0)
        {
            throw new RollFormatException("results: $.ballots ≥ 0, $.seq ≥ 1 and at least one contest are required.");
        }

        List<ContestCount> contests = [];
        foreach (ContestJson? c in Contests)
        {
            string contest = Token(c?.Contest, $"contests[{contests.Count}].contest");
            if (c!.Options is not { Count: > 0 } options || options.Any(o => o is null || o.Votes is not >= 0))
            {
                throw new RollFormatException($"results: $.contests[{contests.Count}].options: each option has votes ≥ 0.");
            }

            List<OptionCount> counts = [.. options.Select((o, i) => new OptionCount(Token(o!.Option, $"contests[{contests.Count}].options[{i}].option"), o.Votes!.Value))];
            if (counts.Select(o => o.Option).Distinct(StringComparer.Ordinal).Count() != counts.Count || contests.Any(x => x.Contest == contest))
            {
                throw new RollFormatException($"results: $.contests[{contests.Count}]: a contest or option appears twice.");
            }

            contests.Add(new ContestCount(contest, counts));
        }

        if ((Seq == 1) != (Corrects is null))
        {
            throw new RollFormatException("results: $.corrects: null exactly for a unit's first report (seq 1).");
        }

        return new UnitResults(Token(Jurisdiction, "jurisdiction"), Token(Unit, "unit"), Seq.Value, Ballots.Value, contests, Corrects, at);
    }
}

internal sealed class ContestJson
{
    [JsonPropertyName("contest")] public string? Contest { get; set; }
    [JsonPropertyName("options")] public List<OptionJson?>? Options { get; set; }
}

internal sealed class OptionJson
{
    [JsonPropertyName("option")] public string? Option { get; set; }
    [JsonPropertyName("votes")] public long? Votes { get; set; }
}

/// <summary>One unit in the signed results feed: its latest version's signed entry, artifact and inclusion proof.</summary>
/// <param name="Index">The entry's log index.</param>
/// <param name="Entry">The signed entry, base64.</param>
/// <param name="Artifact">The results artifact, base64.</param>
/// <param name="Proof">The entry's inclusion proof in the feed's checkpoint, hex.</param>
public sealed record ResultsFeedUnit(
    [property: JsonPropertyName("index")] long Index,
    [property: JsonPropertyName("entry")] string Entry,
    [property: JsonPropertyName("artifact")] string Artifact,
    [property: JsonPropertyName("proof")] IReadOnlyList<string> Proof);

/// <summary>
/// The signed results feed of a jurisdiction (<c>GET /api/results/{jurisdiction}</c>; docs/results.md): every unit's latest
/// version, each entry signed by the authority and included in the one published checkpoint. Anyone holding the
/// authority's key and the witness policy verifies it (<see cref="ResultsFeedCheck"/>, wwwroot/results-embed.js).
/// </summary>
/// <param name="Jurisdiction">The jurisdiction.</param>
/// <param name="Authority">The authority's charter name.</param>
/// <param name="Units">Every unit's latest version.</param>
/// <param name="Checkpoint">The published checkpoint.</param>
public sealed record ResultsFeed(
    [property: JsonPropertyName("jurisdiction")] string Jurisdiction,
    [property: JsonPropertyName("authority")] string Authority,
    [property: JsonPropertyName("units")] IReadOnlyList<ResultsFeedUnit> Units,
    [property: JsonPropertyName("checkpoint")] string Checkpoint);

/// <summary>The verification of a results feed in .NET, the steps of wwwroot/results-embed.js.</summary>
public static class ResultsFeedCheck
{
    /// <summary>
    /// The units that verify, or every failure (each naming the unit): the artifact hashes to the entry's SHA-256, the
    /// entry is of type results.unofficial and carries a valid signature by <paramref name="authority"/>, its inclusion
    /// proof leads to the checkpoint's root, and the checkpoint passes <paramref name="checkCheckpoint"/>.
    /// </summary>
    public static (IReadOnlyList<UnitResults> Units, IReadOnlyList<string> Failures) Verify(ResultsFeed feed, INoteVerifier authority, Func<SignedCheckpoint, IReadOnlyList<string>> checkCheckpoint)
    {
        ArgumentNullException.ThrowIfNull(feed);
        ArgumentNullException.ThrowIfNull(authority);
        ArgumentNullException.ThrowIfNull(checkCheckpoint);
        List<string> failures = [];
        List<UnitResults> units = [];
        SignedCheckpoint checkpoint;
        try
        {
            checkpoint = SignedCheckpoint.Parse(Encoding.UTF8.GetBytes(feed.Checkpoint));
        }
        catch (FormatException e)
        {
            return ([], [$"checkpoint: {e.Message}"]);
        }

        failures.AddRange(checkCheckpoint(checkpoint).Select(f => "checkpoint: " + f));
        foreach (ResultsFeedUnit u in feed.Units)
        {
            string where = $"entry {u.Index}";
            try
            {
                byte[] entryBytes = Convert.FromBase64String(u.Entry);
                byte[] artifact = Convert.FromBase64String(u.Artifact);
                (LogEntry entry, SignedNote note) = LogEntry.Parse(entryBytes);
                UnitResults results = UnitResults.Read(artifact);
                where = $"unit {results.Unit} (entry {u.Index})";
                List<string> problems = [];
                if (entry.Type != UnitResults.Type || entry.Sha256 != Hash256.Compute(artifact))
                {
                    problems.Add("the entry does not commit to these results (SHA-256 differs)");
                }

                if (!NoteVerification.HasValidSignature(note, authority))
                {
                    problems.Add($"the entry carries no valid signature by the authority's key {authority.Name}");
                }

                if (results.Jurisdiction != feed.Jurisdiction)
                {
                    problems.Add($"the results are of {results.Jurisdiction}, not {feed.Jurisdiction}");
                }

                if (!MerkleMath.VerifyInclusion(u.Index, checkpoint.Checkpoint.Size, Rfc6962.LeafHash(entryBytes), [.. u.Proof.Select(Hash256.FromHex)], checkpoint.Checkpoint.Root))
                {
                    problems.Add("the entry is not in the log: its inclusion proof does not lead to the checkpoint's root");
                }

                failures.AddRange(problems.Select(p => $"{where}: {p}"));
                if (problems.Count == 0)
                {
                    units.Add(results);
                }
            }
            catch (FormatException e)
            {
                failures.Add($"{where}: {e.Message}");
            }
        }

        return (units, failures);
    }
}

/// <summary>The JSON of the results feed.</summary>
[JsonSourceGenerationOptions(UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(ResultsFeed))]
public sealed partial class ResultsJsonContext : JsonSerializerContext
{
}

/// <summary>The JSON of the results artifact (read strictly, then checked canonical).</summary>
[JsonSourceGenerationOptions(UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(ResultsJson))]
internal sealed partial class ResultsArtifactJsonContext : JsonSerializerContext
{
}
