namespace Entente.Verifier.Native;

/// <summary>The verification steps of ElectionGuard 2.1.0 §6.2 that apply to format 1 records (15–19: pre-encrypted ballots, revision 4), by their 2.1 numbers and names.</summary>
public static class NativeSteps
{
    /// <summary>The specification these numbers belong to.</summary>
    public const string Specification = "ElectionGuard 2.1.0";

    /// <summary>Step numbers and names, in order.</summary>
    public static IReadOnlyList<(string Number, string Name)> All { get; } =
    [
        ("1", "Parameter validation"),
        ("2", "Guardian public-key validation"),
        ("3", "Election public-key validation"),
        ("4", "Extended base hash validation"),
        ("5", "Uniqueness of selection encryption identifiers"),
        ("6", "Well-formedness of selection encryptions"),
        ("7", "Adherence to vote limits"),
        ("8", "Validation of confirmation codes"),
        ("9", "Correctness of ballot aggregation"),
        ("10", "Correctness of tally decryptions"),
        ("11", "Validation of contents of tallies"),
        ("12", "Correctness of decryptions of contest data"),
        ("13", "Correctness of decryptions for challenged ballots"),
        ("14", "Validation of well-formedness and content of challenged ballots"),
        ("15", "Validation of correct accumulation of selection vectors"),
        ("16", "Validation of confirmation codes in pre-encrypted ballots"),
        ("17", "Validation of short codes in pre-encrypted ballots"),
        ("18", "Correctness of encryptions for uncast pre-encrypted ballots"),
        ("19", "Validation of content of uncast pre-encrypted ballots"),
    ];
}
