using System.Security.Cryptography;
using System.Text.Json;
using Entente.Election.Encryption;
using Entente.Election.KeyCeremony;
using Entente.Election.Manifest;
using Entente.Election.Parameters;

namespace Entente.Election.Record;

/// <summary>
/// Where the board checks the proofs of a posted ballot (<see cref="RecordSelfCheck.CheckBallot"/>): in its own process
/// (<see cref="InProcessBallotValidator"/>) or on the workers of a cluster (Entente.Cluster). Either way the same checks,
/// with the same failure texts, decide.
/// </summary>
public interface IBallotValidator
{
    /// <summary>
    /// The failures of <paramref name="ballot"/> (empty: valid), whose canonical bytes are <paramref name="body"/>, against
    /// <paramref name="context"/>.
    /// </summary>
    /// <exception cref="BallotValidationUnavailableException">The checks could not be run (a cluster that cannot be reached); the ballot is neither valid nor invalid.</exception>
    Task<IReadOnlyList<string>> ValidateAsync(ElectionContext context, byte[] body, EncryptedBallot ballot, CancellationToken cancellationToken);
}

/// <summary>The checks could not be run (a worker or a cluster that cannot be reached): the ballot must be posted again.</summary>
public sealed class BallotValidationUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The board's own cores check each ballot (the default).</summary>
public sealed class InProcessBallotValidator : IBallotValidator
{
    /// <summary>The one instance.</summary>
    public static InProcessBallotValidator Instance { get; } = new();

    /// <inheritdoc/>
    public Task<IReadOnlyList<string>> ValidateAsync(ElectionContext context, byte[] body, EncryptedBallot ballot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(ballot);
        return Task.Run<IReadOnlyList<string>>(() => RecordSelfCheck.CheckBallot(context, context.Parameters.Manifest, ballot), cancellationToken);
    }
}

/// <summary>
/// What a worker that holds nothing of the election needs to check ballots: the election's public context (manifest,
/// parameters, the guardians' public keys) in one document (<see cref="WriteContext"/>), named by its SHA-256
/// (<see cref="ContextId"/>) so that a worker reads it once and keeps it; then each ballot's bytes
/// (<see cref="Validate"/>: the strict parse and <see cref="RecordSelfCheck.CheckBallot"/>, as the board does).
/// </summary>
public static class BallotValidation
{
    /// <summary>The format name of the context document.</summary>
    public const string ContextFormat = "entente-validation-context/1";

    /// <summary>
    /// The context document: <c>{"format", "manifest", "parameters", "guardians": [...], "h_e"}</c>, each file the base64
    /// of its canonical record bytes (manifest.json, parameters.json, guardians/guardian-i.json), H_E in hex.
    /// </summary>
    public static byte[] WriteContext(ElectionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        using MemoryStream stream = new();
        using (Utf8JsonWriter w = new(stream))
        {
            w.WriteStartObject();
            w.WriteString("format", ContextFormat);
            w.WriteBase64String("manifest", context.Parameters.Manifest.CanonicalSpan);
            w.WriteBase64String("parameters", RecordFormat.WriteParameters(context.Parameters));
            w.WriteStartArray("guardians");
            foreach (GuardianPublicKey guardian in context.Guardians)
            {
                w.WriteBase64StringValue(RecordFormat.WriteGuardian(guardian));
            }

            w.WriteEndArray();
            w.WriteString("h_e", context.ExtendedBaseHash.ToHex());
            w.WriteEndObject();
        }

        return stream.ToArray();
    }

    /// <summary>The name of a context document: the lowercase hex SHA-256 of its bytes.</summary>
    public static string ContextId(ReadOnlySpan<byte> document) => Convert.ToHexStringLower(SHA256.HashData(document));

    /// <summary>
    /// Reads a context document strictly: every file through the record's own readers, the guardians in index order,
    /// and H_E recomputed and compared with the document's. Throws <see cref="ElectionFormatException"/> naming the part.
    /// </summary>
    public static ElectionContext ReadContext(byte[] document)
    {
        ArgumentNullException.ThrowIfNull(document);
        const string File = "validation context";
        try
        {
            using JsonDocument json = JsonDocument.Parse(document);
            JsonElement root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("format", out JsonElement format) || format.GetString() != ContextFormat)
            {
                throw new ElectionFormatException(File, "$.format", $"not an {ContextFormat} document");
            }

            ElectionManifest manifest = ManifestReader.Parse(Member(root, "manifest").GetBytesFromBase64(), File + " manifest");
            ElectionParameters parameters = RecordFormat.ReadParameters(File + " parameters", Member(root, "parameters").GetBytesFromBase64(), manifest);
            List<GuardianPublicKey> guardians = [];
            int i = 0;
            foreach (JsonElement guardian in Member(root, "guardians").EnumerateArray())
            {
                i++;
                guardians.Add(RecordFormat.ReadGuardian($"{File} guardian {i}", guardian.GetBytesFromBase64(), parameters));
            }

            ElectionContext context = ElectionContext.Create(parameters, guardians, verifyProofs: false);
            if (!string.Equals(context.ExtendedBaseHash.ToHex(), Member(root, "h_e").GetString(), StringComparison.OrdinalIgnoreCase))
            {
                throw new ElectionFormatException(File, "$.h_e", "H_E of the manifest, parameters and guardians' keys is not the document's");
            }

            return context;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException || (e is FormatException and not ElectionFormatException))
        {
            throw new ElectionFormatException(File, "$", e.Message);
        }
    }

    /// <summary>
    /// A ballot's failures (empty: valid) from its bytes alone, as the board finds them: the strict parse (its error is the
    /// one failure), then <see cref="RecordSelfCheck.CheckBallot"/>.
    /// </summary>
    public static IReadOnlyList<string> Validate(ElectionContext context, byte[] body)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(body);
        EncryptedBallot ballot;
        try
        {
            ballot = RecordFormat.ReadBallot("ballot", body, context);
        }
        catch (ElectionFormatException e)
        {
            return [e.Message];
        }

        return RecordSelfCheck.CheckBallot(context, context.Parameters.Manifest, ballot);
    }

    private static JsonElement Member(JsonElement root, string name) =>
        root.TryGetProperty(name, out JsonElement value) ? value : throw new ElectionFormatException("validation context", "$." + name, "missing");
}
