namespace Entente.Verifier.Egk20;

/// <summary>The verification steps of ElectionGuard 2.0.0 §6.2, by their numbers in that version.</summary>
public static class Egk20Steps
{
    /// <summary>The specification these numbers belong to.</summary>
    public const string Specification = "ElectionGuard 2.0.0";

    /// <summary>Step numbers and names, in order.</summary>
    public static IReadOnlyList<(string Number, string Name)> All { get; } =
    [
        ("1", "Parameter validation"),
        ("2", "Guardian public-key validation"),
        ("3", "Election public-key validation"),
        ("4", "Extended base hash validation"),
        ("5", "Well-formedness of selection encryptions"),
        ("6", "Adherence to vote limits"),
        ("7", "Validation of confirmation codes"),
        ("8", "Correctness of ballot aggregation"),
        ("9", "Correctness of tally decryptions"),
        ("10", "Validation of correct decryption of tallies"),
        ("11", "Correctness of decryptions of contest data"),
        ("12", "Correctness of decryptions for challenged ballots"),
        ("13", "Validation of correct decryption of challenged ballots"),
        ("14", "Correctness of contest data decryptions for challenged ballots"),
    ];
}
