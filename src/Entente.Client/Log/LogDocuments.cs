using System.Text.Json.Serialization;

namespace Entente.Client.Log;

/// <summary>JSON of the log's add endpoint.</summary>
/// <param name="Index">Index of the entry.</param>
/// <param name="Duplicate">True when the entry was already logged.</param>
public sealed record AddResponse(
    [property: JsonPropertyName("index")] long Index,
    [property: JsonPropertyName("duplicate")] bool Duplicate);

/// <summary>JSON of a proof endpoint.</summary>
/// <param name="Proof">Base64 hashes.</param>
public sealed record ProofResponse([property: JsonPropertyName("proof")] IReadOnlyList<string> Proof);

/// <summary>JSON of the blob upload endpoint.</summary>
/// <param name="Sha256">Lowercase hex address.</param>
public sealed record BlobResponse([property: JsonPropertyName("sha256")] string Sha256);
