namespace Entente.Verifier.Framework;

/// <summary>The outcome of one numbered verification step.</summary>
/// <param name="Number">The step's number in the specification (for example "5").</param>
/// <param name="Name">The step's name in the specification.</param>
/// <param name="Checked">How many objects the step checked.</param>
/// <param name="Failures">Every failed check, in a stable order.</param>
/// <param name="Notes">Observations that are not failures (accepted conventions, skipped parts).</param>
public sealed record StepResult(
    string Number,
    string Name,
    long Checked,
    IReadOnlyList<VerificationFailure> Failures,
    IReadOnlyList<string> Notes)
{
    /// <summary>True when no check of this step failed.</summary>
    public bool Passed => Failures.Count == 0;
}
