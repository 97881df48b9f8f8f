using System.Text.Json.Serialization;

namespace Entente.Election.Manifest;

// The wire shape of a manifest, as the 2.1 serialization draft writes it, plus the few optional
// members the draft does not cover yet (contest data size, chaining mode, device information,
// ballot weights). docs/record-format.md §Manifest documents every member. These types only carry
// what was parsed; ElectionManifest is the validated model.

internal sealed class ManifestDocument
{
    [JsonPropertyName("label")]
    [JsonRequired]
    public string Label { get; set; } = "";

    [JsonPropertyName("contests")]
    [JsonRequired]
    public List<ContestDocument> Contests { get; set; } = [];

    [JsonPropertyName("ballot_styles")]
    [JsonRequired]
    public List<BallotStyleDocument> BallotStyles { get; set; } = [];

    [JsonPropertyName("chaining_mode")]
    public string? ChainingMode { get; set; }

    [JsonPropertyName("device_information")]
    public string? DeviceInformation { get; set; }

    [JsonPropertyName("max_ballot_weight")]
    public int? MaxBallotWeight { get; set; }
}

internal sealed class ContestDocument
{
    [JsonPropertyName("label")]
    [JsonRequired]
    public string Label { get; set; } = "";

    [JsonPropertyName("selection_limit")]
    public StatedLimit? SelectionLimit { get; set; }

    // The draft's schema names this member "options"; the reference implementation (electionguard-rust)
    // writes "contest_options". We read either (not both) and write "contest_options".
    [JsonPropertyName("contest_options")]
    public List<OptionDocument>? ContestOptions { get; set; }

    [JsonPropertyName("options")]
    public List<OptionDocument>? Options { get; set; }

    [JsonPropertyName("contest_data_blocks")]
    public int? ContestDataBlocks { get; set; }
}

internal sealed class OptionDocument
{
    [JsonPropertyName("label")]
    [JsonRequired]
    public string Label { get; set; } = "";

    [JsonPropertyName("selection_limit")]
    public StatedLimit? SelectionLimit { get; set; }
}

internal sealed class BallotStyleDocument
{
    [JsonPropertyName("label")]
    [JsonRequired]
    public string Label { get; set; } = "";

    [JsonPropertyName("contests")]
    [JsonRequired]
    public List<int> Contests { get; set; } = [];
}

[JsonSourceGenerationOptions(
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    AllowDuplicateProperties = false,
    RespectNullableAnnotations = true,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Disallow,
    AllowTrailingCommas = false,
    MaxDepth = 16)]
[JsonSerializable(typeof(ManifestDocument))]
internal sealed partial class ManifestJsonContext : JsonSerializerContext;
