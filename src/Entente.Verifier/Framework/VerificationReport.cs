namespace Entente.Verifier.Framework;

/// <summary>
/// The result of verifying one election record: every step with its number, name, the number of
/// objects checked and every failure.
/// </summary>
/// <param name="Specification">The specification whose steps were run ("ElectionGuard 2.0.0").</param>
/// <param name="Format">The record format that was read ("egk").</param>
/// <param name="Record">The record directory as given.</param>
/// <param name="Steps">The steps in specification order.</param>
/// <param name="Notes">Observations about the whole record.</param>
public sealed record VerificationReport(
    string Specification,
    string Format,
    string Record,
    IReadOnlyList<StepResult> Steps,
    IReadOnlyList<string> Notes)
{
    /// <summary>True when every step passed.</summary>
    public bool Passed => Steps.All(step => step.Passed);

    /// <summary>All failures of all steps.</summary>
    public IEnumerable<VerificationFailure> Failures => Steps.SelectMany(step => step.Failures);

    /// <summary>The step with this number, or null.</summary>
    public StepResult? Step(string number) => Steps.FirstOrDefault(step => step.Number == number);
}
