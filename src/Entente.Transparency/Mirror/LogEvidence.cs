using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Entente.Transparency.Log;
using Entente.Transparency.Merkle;
using Entente.Transparency.Notes;

namespace Entente.Transparency.Mirror;

/// <summary>
/// Evidence of a log's misbehaviour, kept by a mirror (<c>entente mirror sync</c>) or a monitor, in a form anyone can
/// check offline with the log's key (<see cref="Check"/>; <c>entente monitor check-evidence FILE</c>). JSON, one
/// document per finding (docs/mirror.md, "Evidence"):
/// <list type="bullet">
/// <item><c>split-view</c>: two checkpoints signed by the log, of one size with different roots (proves a fork).</item>
/// <item><c>inconsistent</c>: two signed checkpoints and the consistency proof the log served between them, which does
/// not verify (the log cannot show its newer tree extends the older one).</item>
/// <item><c>artifact-altered</c>: a signed checkpoint, an entry with its inclusion proof, and the bytes the log served
/// for the entry's SHA-256, which hash to something else.</item>
/// <item><c>artifact-withheld</c>: a signed checkpoint and an entry with its inclusion proof whose artifact the log did
/// not serve (the absence itself is attested by whoever signs the report that carries this evidence).</item>
/// <item><c>not-a-charter-party</c>: a signed checkpoint and an entry with its inclusion proof whose <c>party</c> is not a
/// party of the charter given beside it.</item>
/// </list>
/// </summary>
public sealed record LogEvidence
{
    /// <summary>The document's format.</summary>
    public const string Format = "entente.org/log-evidence/v1";

    /// <summary>Largest evidence file read.</summary>
    public const int MaxBytes = 16 << 20;

    [JsonPropertyName("format")]
    public string DocumentFormat { get; init; } = Format;

    /// <summary>split-view, inconsistent, artifact-altered, artifact-withheld or not-a-charter-party.</summary>
    [JsonPropertyName("kind")]
    public required string Kind { get; init; }

    /// <summary>The log's verifier key (vkey).</summary>
    [JsonPropertyName("log_key")]
    public required string LogKey { get; init; }

    /// <summary>Where the log was read (for the reader; not checked).</summary>
    [JsonPropertyName("source")]
    public string? Source { get; init; }

    /// <summary>When it was found (RFC 3339, for the reader).</summary>
    [JsonPropertyName("found_at")]
    public string? FoundAt { get; init; }

    /// <summary>The signed checkpoint notes concerned (one, or two for a split view or an inconsistency: older first).</summary>
    [JsonPropertyName("checkpoints")]
    public required IReadOnlyList<string> Checkpoints { get; init; }

    /// <summary>The consistency proof the log served between the two checkpoints (base64 hashes).</summary>
    [JsonPropertyName("consistency_proof")]
    public IReadOnlyList<string>? ConsistencyProof { get; init; }

    /// <summary>The entry's index.</summary>
    [JsonPropertyName("index")]
    public long? Index { get; init; }

    /// <summary>The entry (base64).</summary>
    [JsonPropertyName("entry")]
    public string? Entry { get; init; }

    /// <summary>The entry's inclusion proof in the (first) checkpoint (base64 hashes).</summary>
    [JsonPropertyName("inclusion_proof")]
    public IReadOnlyList<string>? InclusionProof { get; init; }

    /// <summary>The bytes the log served for the entry's artifact (base64), for artifact-altered.</summary>
    [JsonPropertyName("served")]
    public string? Served { get; init; }

    /// <summary>The charter (its JSON text), for not-a-charter-party.</summary>
    [JsonPropertyName("charter")]
    public string? Charter { get; init; }

    /// <summary>A sentence for people.</summary>
    [JsonPropertyName("explanation")]
    public string? Explanation { get; init; }

    /// <summary>The JSON document.</summary>
    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, LogEvidenceJson.Default.LogEvidence);

    /// <summary>Parses a document or throws <see cref="FormatException"/> naming the problem.</summary>
    public static LogEvidence Parse(ReadOnlySpan<byte> json)
    {
        if (json.Length > MaxBytes)
        {
            throw new FormatException($"evidence larger than {MaxBytes} bytes");
        }

        try
        {
            LogEvidence evidence = JsonSerializer.Deserialize(json, LogEvidenceJson.Default.LogEvidence) ?? throw new FormatException("empty evidence");
            return evidence.DocumentFormat == Format ? evidence : throw new FormatException($"format: \"{evidence.DocumentFormat}\" is not {Format}");
        }
        catch (JsonException e)
        {
            throw new FormatException($"not {Format} JSON: {e.Message}", e);
        }
    }

    /// <summary>
    /// Checks the evidence offline; returns what it proves, or every reason it does not. <paramref name="logKey"/>: the
    /// key the reader trusts for the log (null: the document's <c>log_key</c>, reported as such).
    /// </summary>
    public EvidenceVerdict Check(INoteVerifier? logKey = null)
    {
        List<string> problems = [];
        INoteVerifier key;
        try
        {
            key = logKey ?? VerifierKeys.Parse(LogKey);
        }
        catch (NoteFormatException e)
        {
            return new EvidenceVerdict(false, $"log_key: {e.Message}", [$"log_key: {e.Message}"]);
        }

        List<Checkpoint> checkpoints = [];
        for (int i = 0; i < Checkpoints.Count; i++)
        {
            try
            {
                checkpoints.Add(SignedCheckpoint.Open(Encoding.UTF8.GetBytes(Checkpoints[i]), key).Checkpoint);
            }
            catch (Exception e) when (e is NoteFormatException or NoteVerificationException)
            {
                problems.Add($"checkpoints[{i}]: not a checkpoint signed by {key.Name}: {e.Message}");
            }
        }

        if (problems.Count > 0)
        {
            return new EvidenceVerdict(false, "", problems);
        }

        string Size(long n) => n.ToString(CultureInfo.InvariantCulture);
        switch (Kind)
        {
            case "split-view":
                if (checkpoints.Count != 2 || checkpoints[0].Origin != checkpoints[1].Origin || checkpoints[0].Size != checkpoints[1].Size || checkpoints[0].Root == checkpoints[1].Root)
                {
                    problems.Add("a split view needs two checkpoints of one origin and one size with different roots");
                    break;
                }

                return new EvidenceVerdict(true, $"the log {checkpoints[0].Origin} signed two different trees of size {Size(checkpoints[0].Size)}: roots {checkpoints[0].Root.ToBase64()} and {checkpoints[1].Root.ToBase64()}", []);
            case "inconsistent":
                if (checkpoints.Count != 2 || checkpoints[0].Origin != checkpoints[1].Origin || checkpoints[0].Size >= checkpoints[1].Size || checkpoints[0].Size == 0)
                {
                    problems.Add("an inconsistency needs two checkpoints of one origin, the first smaller and not empty");
                    break;
                }

                List<byte[]>? proof = Hashes(ConsistencyProof, "consistency_proof", problems);
                if (proof is null)
                {
                    break;
                }

                if (MerkleMath.VerifyConsistency(checkpoints[0].Size, checkpoints[1].Size, checkpoints[0].Root.Span, checkpoints[1].Root.Span, proof))
                {
                    problems.Add("the consistency proof verifies: the checkpoints are consistent");
                    break;
                }

                return new EvidenceVerdict(true, $"the log {checkpoints[0].Origin} served a consistency proof from size {Size(checkpoints[0].Size)} to {Size(checkpoints[1].Size)} that does not verify", []);
            case "artifact-altered" or "artifact-withheld" or "not-a-charter-party":
                if (IncludedEntry(checkpoints, problems) is not (LogEntry entry, long index))
                {
                    break;
                }

                if (Kind == "artifact-withheld")
                {
                    return new EvidenceVerdict(true, $"entry {Size(index)} of {checkpoints[0].Origin} (size {Size(checkpoints[0].Size)}) commits to artifact {entry.Sha256.ToHex()}, which the reporter says the log did not serve (an absence is attested, not proven)", []);
                }

                if (Kind == "not-a-charter-party")
                {
                    Charter charter;
                    try
                    {
                        charter = Log.Charter.Parse(Charter ?? throw new FormatException("no charter"));
                    }
                    catch (FormatException e)
                    {
                        problems.Add($"charter: {e.Message}");
                        break;
                    }

                    if (charter.Find(entry.Party) is not null)
                    {
                        problems.Add($"the entry's party {entry.Party} is in the charter");
                        break;
                    }

                    return new EvidenceVerdict(true, $"entry {Size(index)} of {checkpoints[0].Origin} is signed as {entry.Party}, not a party of the charter", []);
                }

                byte[]? served = Base64(Served, "served", problems);
                if (served is null)
                {
                    break;
                }

                if (Hash256.Compute(served) == entry.Sha256)
                {
                    problems.Add("the served bytes hash to the entry's SHA-256: nothing was altered");
                    break;
                }

                return new EvidenceVerdict(true, $"entry {Size(index)} of {checkpoints[0].Origin} commits to artifact {entry.Sha256.ToHex()}, but the log served bytes hashing to {Hash256.Compute(served).ToHex()}", []);
            default:
                problems.Add($"kind: \"{Kind}\" is not split-view, inconsistent, artifact-altered, artifact-withheld or not-a-charter-party");
                break;
        }

        return new EvidenceVerdict(false, "", problems);
    }

    private (LogEntry Entry, long Index)? IncludedEntry(List<Checkpoint> checkpoints, List<string> problems)
    {
        byte[]? entryBytes = Base64(Entry, "entry", problems);
        List<byte[]>? proof = Hashes(InclusionProof, "inclusion_proof", problems);
        if (entryBytes is null || proof is null || Index is not long index || checkpoints.Count != 1)
        {
            problems.Add("an entry finding needs one checkpoint, index, entry and inclusion_proof");
            return null;
        }

        if (!MerkleMath.VerifyInclusion(index, checkpoints[0].Size, Rfc6962.LeafHash(entryBytes).Span, proof, checkpoints[0].Root.Span))
        {
            problems.Add($"the entry is not proven at index {index.ToString(CultureInfo.InvariantCulture)} of the checkpoint");
            return null;
        }

        try
        {
            return (LogEntry.Parse(entryBytes).Entry, index);
        }
        catch (NoteFormatException e)
        {
            problems.Add($"entry: not an {LogEntry.Header} entry: {e.Message}");
            return null;
        }
    }

    private static byte[]? Base64(string? text, string field, List<string> problems)
    {
        try
        {
            return Convert.FromBase64String(text ?? throw new FormatException("missing"));
        }
        catch (FormatException e)
        {
            problems.Add($"{field}: not base64 ({e.Message})");
            return null;
        }
    }

    private static List<byte[]>? Hashes(IReadOnlyList<string>? list, string field, List<string> problems)
    {
        if (list is null)
        {
            problems.Add($"{field}: missing");
            return null;
        }

        List<byte[]> hashes = [];
        for (int i = 0; i < list.Count; i++)
        {
            if (!Hash256.TryFromBase64(list[i], out Hash256 h))
            {
                problems.Add($"{field}[{i}]: not the base64 of 32 bytes");
                return null;
            }

            hashes.Add(h.ToArray());
        }

        return hashes;
    }
}

/// <summary>What a piece of evidence proves.</summary>
/// <param name="Proven">True when the evidence checks.</param>
/// <param name="Finding">What it proves.</param>
/// <param name="Problems">Why it does not.</param>
public sealed record EvidenceVerdict(bool Proven, string Finding, IReadOnlyList<string> Problems);

[JsonSourceGenerationOptions(WriteIndented = true, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow, AllowDuplicateProperties = false,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(LogEvidence))]
internal sealed partial class LogEvidenceJson : JsonSerializerContext;
