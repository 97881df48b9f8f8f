using System.Text.Json.Serialization;

namespace Entente.Client.Exchange;

/// <summary>Source-generated JSON of TAXII 2.1 resources: lenient, as TAXII allows custom members.</summary>
[JsonSourceGenerationOptions(UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip, RespectNullableAnnotations = true, RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(TaxiiDiscovery))]
[JsonSerializable(typeof(TaxiiApiRoot))]
[JsonSerializable(typeof(TaxiiCollections))]
[JsonSerializable(typeof(TaxiiCollectionInfo))]
[JsonSerializable(typeof(TaxiiEnvelope))]
[JsonSerializable(typeof(TaxiiManifest))]
[JsonSerializable(typeof(TaxiiVersions))]
[JsonSerializable(typeof(TaxiiStatus))]
[JsonSerializable(typeof(TaxiiError))]
internal sealed partial class TaxiiJsonContext : JsonSerializerContext;

/// <summary>Source-generated JSON of Entente's exchange documents: strict (the format is ours), unknown or duplicate members refused.</summary>
[JsonSourceGenerationOptions(UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow, AllowDuplicateProperties = false, RespectNullableAnnotations = true, RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(ExchangeUnit))]
[JsonSerializable(typeof(ExchangeProofDocument))]
[JsonSerializable(typeof(ExchangeObjectProofs))]
internal sealed partial class ExchangeJsonContext : JsonSerializerContext;
