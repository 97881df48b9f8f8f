using Entente.Transparency.Notes;

namespace Entente.Transparency.Witness;

/// <summary>
/// The transport of tlog-witness <c>add-checkpoint</c> for the log side (<see cref="CosignatureCollector"/>): sends a
/// checkpoint with its consistency proof to a witness and says what the witness answered. The HTTP implementation is
/// <c>Entente.Client.Witness.WitnessClient</c>, the one client of the protocol.
/// </summary>
public interface IWitnessSubmitter
{
    /// <summary>
    /// POSTs <c>old <paramref name="oldSize"/></c>, <paramref name="proof"/> and <paramref name="checkpointNote"/> to the
    /// witness's <c>add-checkpoint</c>. Transport failures throw <see cref="HttpRequestException"/> (or a subclass of
    /// it) or <see cref="TaskCanceledException"/> for a timeout.
    /// </summary>
    Task<WitnessSubmission> SubmitAsync(WitnessEndpoint witness, long oldSize, IReadOnlyList<Hash256> proof, byte[] checkpointNote, CancellationToken cancellationToken);
}

/// <summary>What a witness answered to add-checkpoint (C2SP tlog-witness).</summary>
public abstract record WitnessSubmission
{
    private WitnessSubmission()
    {
    }

    /// <summary>200: the cosignature lines the witness returned (not yet verified: the caller checks them against the witness's key).</summary>
    /// <param name="Signatures">The signature lines, parsed.</param>
    public sealed record Cosigned(IReadOnlyList<NoteSignature> Signatures) : WitnessSubmission;

    /// <summary>409 with <c>text/x.tlog.size</c>: the witness holds another size for this log; ask again from it.</summary>
    /// <param name="WitnessSize">The size the witness holds.</param>
    public sealed record SizeConflict(long WitnessSize) : WitnessSubmission;

    /// <summary>Any other answer: the status and the witness's reason (plain text by the spec).</summary>
    /// <param name="Status">The HTTP status.</param>
    /// <param name="Reason">The body, trimmed.</param>
    public sealed record Refused(int Status, string Reason) : WitnessSubmission;
}
