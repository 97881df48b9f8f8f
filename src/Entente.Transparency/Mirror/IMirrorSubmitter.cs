using Entente.Transparency.Notes;
using Entente.Transparency.Witness;

namespace Entente.Transparency.Mirror;

/// <summary>A mirror a log pushes to: its cosigner key and its submission prefix.</summary>
/// <param name="Key">The mirror's cosigner key.</param>
/// <param name="SubmissionPrefix">Requests go to <c>&lt;prefix&gt;/add-checkpoint</c> and <c>&lt;prefix&gt;/add-entries</c>.</param>
public sealed record MirrorEndpoint(CosignatureV1Verifier Key, Uri SubmissionPrefix);

/// <summary>
/// The transport of tlog-mirror for the log side (<see cref="MirrorUploader"/>): POSTs a body to a mirror's
/// <c>add-checkpoint</c> or <c>add-entries</c> and returns the answer as it came (status, content type, body). The HTTP
/// implementation is <c>Entente.Client.Mirror.MirrorClient</c>. Transport failures throw
/// <see cref="HttpRequestException"/> or <see cref="TaskCanceledException"/>.
/// </summary>
public interface IMirrorSubmitter
{
    /// <summary>POST <c>&lt;prefix&gt;/add-checkpoint</c> (a tlog-witness request body).</summary>
    Task<WitnessResponse> AddCheckpointAsync(Uri submissionPrefix, byte[] body, CancellationToken cancellationToken);

    /// <summary>POST <c>&lt;prefix&gt;/add-entries</c> (an <see cref="AddEntries"/> body).</summary>
    Task<WitnessResponse> AddEntriesAsync(Uri submissionPrefix, byte[] body, CancellationToken cancellationToken);
}
