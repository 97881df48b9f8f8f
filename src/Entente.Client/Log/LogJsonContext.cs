using System.Text.Json.Serialization;

namespace Entente.Client.Log;

/// <summary>Source-generated JSON of the log's documents; strict (the format is ours): unknown or duplicate members are refused.</summary>
[JsonSourceGenerationOptions(UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow, AllowDuplicateProperties = false, RespectNullableAnnotations = true, RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(AddResponse))]
[JsonSerializable(typeof(ProofResponse))]
[JsonSerializable(typeof(BlobResponse))]
internal sealed partial class LogJsonContext : JsonSerializerContext;
