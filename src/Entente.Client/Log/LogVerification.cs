using Entente.Transparency;
using Entente.Transparency.Notes;
using Entente.Transparency.Policy;

namespace Entente.Client.Log;

/// <summary>
/// What a log served does not agree with its own checkpoint: a tile or entry bundle that does not hash to the root,
/// an entry whose leaf hash is not the tree's, a blob whose SHA-256 is not its address. Not transient: the log is
/// wrong (or a man in the middle is), and the message names the resource and, where known, the entry index.
/// </summary>
public sealed class LogVerificationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public LogVerificationException(string message, long? index = null)
        : base(message)
    {
        Index = index;
    }

    /// <summary>Creates the exception.</summary>
    public LogVerificationException()
        : this("the log does not agree with its checkpoint")
    {
    }

    /// <summary>Creates the exception.</summary>
    public LogVerificationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The entry concerned, when one is.</summary>
    public long? Index { get; }
}

/// <summary>One entry read from a log by <see cref="LogClient.ReadEntriesAsync"/>.</summary>
/// <param name="Index">The entry's index.</param>
/// <param name="Bytes">The entry, or null when it could not be read.</param>
/// <param name="Failure">Null when the entry's leaf hash is the one the checkpoint's tree has at <paramref name="Index"/> (it is included); otherwise what failed.</param>
public sealed record LogEntryRead(long Index, byte[]? Bytes, string? Failure)
{
    /// <summary>True when the entry is proven included in the checkpoint's tree.</summary>
    public bool Included => Failure is null && Bytes is not null;
}

/// <summary>
/// The checks of a signed checkpoint: the log's signature (by the key given and/or a <c>log</c> of the policy) and
/// the witnesses' cosignatures against a C2SP tlog-policy quorum.
/// </summary>
/// <param name="Checkpoint">The checkpoint.</param>
/// <param name="LogSignatureValid">The log's signature verifies.</param>
/// <param name="Policy">The policy check, when a policy was given.</param>
/// <param name="Failures">What failed, one sentence each (empty: valid).</param>
public sealed record CheckpointVerification(SignedCheckpoint Checkpoint, bool LogSignatureValid, PolicyResult? Policy, IReadOnlyList<string> Failures)
{
    /// <summary>Every check passed.</summary>
    public bool Valid => Failures.Count == 0;

    /// <summary>
    /// Checks <paramref name="checkpoint"/>: a valid signature by <paramref name="logKey"/> when given, and when
    /// <paramref name="policy"/> is given, a signature by one of its <c>log</c> keys (when it lists any) and valid
    /// cosignatures meeting its quorum, with no cosignature of a known witness failing. At least one of the two
    /// must be given (otherwise nothing would vouch for the checkpoint).
    /// </summary>
    public static CheckpointVerification Check(SignedCheckpoint checkpoint, INoteVerifier? logKey, TrustPolicy? policy)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        if (logKey is null && (policy is null || policy.Logs.Count == 0))
        {
            throw new ArgumentException("Give the log's key, or a policy that lists the log's key: otherwise nothing vouches for the checkpoint.", nameof(logKey));
        }

        List<string> failures = [];
        bool logValid = true;
        if (logKey is not null && !NoteVerification.HasValidSignature(checkpoint.Note, logKey))
        {
            logValid = false;
            failures.Add($"the checkpoint carries no valid signature by the log key {logKey.Name}+{logKey.KeyId:x8}");
        }

        PolicyResult? result = null;
        if (policy is not null)
        {
            result = policy.Check(checkpoint.Note);
            if (!result.LogSignatureValid)
            {
                logValid = false;
                failures.Add($"the checkpoint carries no valid signature by a log key of the policy ({string.Join(", ", policy.Logs.Select(l => $"{l.Name}+{l.KeyId:x8}"))})");
            }

            foreach (string invalid in result.InvalidCosignatures)
            {
                failures.Add($"witness {invalid}: its cosignature does not verify");
            }

            if (!result.QuorumMet && result.InvalidCosignatures.Count == 0)
            {
                string[] known = [.. policy.Witnesses.Keys.Order(StringComparer.Ordinal)];
                failures.Add($"the witness policy's quorum is not met: cosigned by [{string.Join(", ", result.Cosigned.Order(StringComparer.Ordinal))}] of the witnesses [{string.Join(", ", known)}]");
            }
        }

        return new CheckpointVerification(checkpoint, logValid, result, failures);
    }
}
