using System.Text.Json;
using Entente.Exchange.Stix;

namespace Entente.Exchange.Tests.Kat;

/// <summary>
/// The official STIX 2.1 examples (tests/vectors/exchange, see its README) against the official
/// schemas plus the spec rules. Expected outcomes are those of schema-validation.txt, except where the
/// spec is stricter than the schemas (invalid_timestamp.json).
/// </summary>
public sealed class OfficialStixExamplesTests
{
    public static TheoryData<string> ValidFiles() =>
    [
        "cti-documentation/identifying-a-threat-actor-profile.json",
        "cti-documentation/indicator-for-malicious-url.json",
        "cti-documentation/sighting-of-an-indicator.json",
        "cti-documentation/sighting-of-observed-data.json",
        "cti-documentation/using-granular-markings.json",
        "cti-documentation/using-marking-definitions.json",
        "cti-python-stix2/identity_identity--c78cb6e5-0c4b-4611-8297-d1b8b55e40b5_20170601000000000000.json",
        "cti-python-stix2/identity_identity--c78cb6e5-0c4b-4611-8297-d1b8b55e40b5_20181101232448446000.json",
        "cti-python-stix2/malware_malware--6b616fc1-1505-48e3-8b2c-0d19337bff38_20170531213258226477.json",
        "cti-python-stix2/malware_malware--6b616fc1-1505-48e3-8b2c-0d19337bff38_20181101232448456000.json",
        "cti-python-stix2/malware_malware--6b616fc1-1505-48e3-8b2c-0d19337bff38_20181101232448457000.json",
        "cti-stix-common-objects/tlp-amber+strict.json",
        "cti-stix-common-objects/tlp-amber.json",
        "cti-stix-common-objects/tlp-clear.json",
        "cti-stix-validator/identity.json",
        "cti-stix-validator/identity_custom.json",
        "cti-stix-validator/tlp-amber.json",
        "cti-stix2-json-schemas/indicator-for-c2-ip-address.json",
        "cti-stix2-json-schemas/indicator-to-campaign-relationship.json",
        "cti-stix2-json-schemas/indicators-for-C2-with-COA.json",
        "cti-stix2-json-schemas/infrastructure.json",
        "cti-stix2-json-schemas/interop-objectmarking-test.json",
        "cti-stix2-json-schemas/malicious-email-indicator-with-attachment.json",
        "spec-extracted/granular-markings-1.json",
        "spec-extracted/granular-markings-2.json", // schema defect: lang-only granular marking is spec-legal (§7.2.3)
        "spec-extracted/identity-1.json",
        "spec-extracted/identity-2.json",
        "spec-extracted/incident-1.json",
        "spec-extracted/indicator-1.json",
        "spec-extracted/marking-definition-1.json",
        "spec-extracted/marking-definition-2.json",
        "spec-extracted/marking-definition-3.json",
        "spec-extracted/marking-definition-4.json",
        "spec-extracted/marking-definition-5.json",
        "spec-extracted/note-1.json",
        "spec-extracted/opinion-1.json",
        "spec-extracted/report-1.json",
        "spec-extracted/sighting-1.json",
        "spec-extracted/sighting-2.json",
    ];

    [Theory]
    [MemberData(nameof(ValidFiles))]
    public void Official_example_validates(string file)
    {
        IReadOnlyList<StixValidationError> errors = ValidateFile(file);

        Assert.True(errors.Count == 0, $"{file}:\n{string.Join("\n", errors)}");
    }

    [Theory]
    [InlineData("cti-stix-validator/invalid_identity.json", "modified", "is required")]
    [InlineData("cti-stix-validator/invalid_timestamp.json", "modified", "earlier than created")]
    [InlineData("spec-extracted/bundle-1.json", "pattern_type", "is required")]
    [InlineData("spec-extracted/report-2.json", "pattern_type", "is required")]
    public void Invalid_example_fails_naming_the_property(string file, string property, string message)
    {
        IReadOnlyList<StixValidationError> errors = ValidateFile(file);

        Assert.Contains(errors, e => e.Property == property && e.Message.Contains(message, StringComparison.Ordinal));
    }

    private static IReadOnlyList<StixValidationError> ValidateFile(string file)
    {
        JsonElement json = Vectors.Json(file);
        if (json.ValueKind == JsonValueKind.Object && json.GetProperty("type").GetString() == "bundle")
        {
            return StixValidator.ValidateBundle(json);
        }

        if (json.ValueKind == JsonValueKind.Array)
        {
            List<StixValidationError> all = [];
            foreach (JsonElement item in json.EnumerateArray())
            {
                all.AddRange(StixValidator.Validate(StixObject.FromElement(item)));
            }

            return all;
        }

        return StixValidator.Validate(StixObject.FromElement(json));
    }
}
