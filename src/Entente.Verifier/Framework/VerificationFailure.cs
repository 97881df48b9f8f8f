namespace Entente.Verifier.Framework;

/// <summary>
/// One failed check: the lettered check of the specification (for example "5.A"), the object it
/// concerns and what differed.
/// </summary>
/// <param name="Check">The check identifier, the step number and letter of the specification ("5.A", "7.C").</param>
/// <param name="Subject">The ballot, contest, option, guardian, device or file concerned.</param>
/// <param name="Detail">What differed: the expected and found values or the violated condition.</param>
public sealed record VerificationFailure(string Check, RecordObject Subject, string Detail)
{
    /// <summary>"5.A ballot id-1 / contest c1 / option s1: α is not in Z_p^r".</summary>
    public override string ToString() => $"{Check} {Subject}: {Detail}";
}
