using System.Text.Json;
using System.Text.Json.Serialization;

namespace Entente.Verifier.Framework;

/// <summary>
/// The machine-readable form of a <see cref="VerificationReport"/> (<c>entente verify --json</c>):
/// the same steps, counts, failures and notes as the human report, plus the overall verdict.
/// </summary>
public static class VerificationReportJson
{
    /// <summary>Serialises a report as indented JSON.</summary>
    public static string Serialize(VerificationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        ReportDocument document = new(
            report.Specification,
            report.Format,
            report.Record,
            report.Passed,
            report.Notes,
            [.. report.Steps.Select(step => new StepDocument(
                step.Number,
                step.Name,
                step.Checked,
                step.Passed,
                step.Failures.Count,
                [.. step.Failures.Select(f => new FailureDocument(f.Check, f.Subject.ToString(), ObjectDocument.From(f.Subject), f.Detail))],
                step.Notes))]);
        return JsonSerializer.Serialize(document, ReportJsonContext.Default.ReportDocument);
    }

    /// <summary>Serialises an input error (the record could not be read) as JSON.</summary>
    public static string SerializeInputError(string format, string record, RecordInputException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        InputErrorDocument document = new(format, record, new InputErrorDetail(error.File, error.Reason));
        return JsonSerializer.Serialize(document, ReportJsonContext.Default.InputErrorDocument);
    }

    /// <summary>Reads a report document back (for tools and tests).</summary>
    public static ReportDocument Deserialize(string json)
        => JsonSerializer.Deserialize(json, ReportJsonContext.Default.ReportDocument)
           ?? throw new JsonException("The report is empty.");
}

/// <summary>JSON shape of a report.</summary>
public sealed record ReportDocument(
    [property: JsonPropertyName("specification")] string Specification,
    [property: JsonPropertyName("format")] string Format,
    [property: JsonPropertyName("record")] string Record,
    [property: JsonPropertyName("passed")] bool Passed,
    [property: JsonPropertyName("notes")] IReadOnlyList<string> Notes,
    [property: JsonPropertyName("steps")] IReadOnlyList<StepDocument> Steps);

/// <summary>JSON shape of a step.</summary>
public sealed record StepDocument(
    [property: JsonPropertyName("number")] string Number,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("checked")] long Checked,
    [property: JsonPropertyName("passed")] bool Passed,
    [property: JsonPropertyName("failure_count")] int FailureCount,
    [property: JsonPropertyName("failures")] IReadOnlyList<FailureDocument> Failures,
    [property: JsonPropertyName("notes")] IReadOnlyList<string> Notes);

/// <summary>JSON shape of a failure.</summary>
public sealed record FailureDocument(
    [property: JsonPropertyName("check")] string Check,
    [property: JsonPropertyName("object")] string Subject,
    [property: JsonPropertyName("object_parts")] ObjectDocument ObjectParts,
    [property: JsonPropertyName("detail")] string Detail);

/// <summary>JSON shape of the object a failure concerns (absent parts are omitted).</summary>
public sealed record ObjectDocument(
    [property: JsonPropertyName("file"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? File,
    [property: JsonPropertyName("guardian"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Guardian,
    [property: JsonPropertyName("device"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Device,
    [property: JsonPropertyName("ballot"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Ballot,
    [property: JsonPropertyName("contest"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Contest,
    [property: JsonPropertyName("option"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Option)
{
    /// <summary>The parts of a record object.</summary>
    public static ObjectDocument From(RecordObject o)
    {
        ArgumentNullException.ThrowIfNull(o);
        return new(o.File, o.Guardian, o.Device, o.Ballot, o.Contest, o.Option);
    }
}

/// <summary>JSON shape of an input error.</summary>
public sealed record InputErrorDocument(
    [property: JsonPropertyName("format")] string Format,
    [property: JsonPropertyName("record")] string Record,
    [property: JsonPropertyName("input_error")] InputErrorDetail InputError);

/// <summary>The file and reason of an input error.</summary>
public sealed record InputErrorDetail(
    [property: JsonPropertyName("file")] string File,
    [property: JsonPropertyName("reason")] string Reason);

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(ReportDocument))]
[JsonSerializable(typeof(InputErrorDocument))]
internal sealed partial class ReportJsonContext : JsonSerializerContext;
