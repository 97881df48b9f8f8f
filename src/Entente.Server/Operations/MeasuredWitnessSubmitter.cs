using System.Diagnostics;
using Entente.Transparency;
using Entente.Transparency.Notes;
using Entente.Transparency.Witness;
using Microsoft.Extensions.Logging;

namespace Entente.Server.Operations;

/// <summary>
/// The collector's add-checkpoint transport, measured: each witness's answer time goes to
/// <see cref="ServerMetrics.Cosignature"/> (by witness key name and outcome), each answer to the log at Debug (a refusal
/// or a transport failure at Warning), and a cosignature's timestamp to the checkpoint-age gauge.
/// </summary>
internal sealed partial class MeasuredWitnessSubmitter(IWitnessSubmitter inner, ServerMetrics metrics) : IWitnessSubmitter
{
    private ILogger logger = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    /// <summary>The host's logger, once the host is built (the collector starts before it).</summary>
    public ILogger Logger
    {
        get => logger;
        set => logger = value ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
    }

    public async Task<WitnessSubmission> SubmitAsync(WitnessEndpoint witness, long oldSize, IReadOnlyList<Hash256> proof, byte[] checkpointNote, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(witness);
        string name = witness.Key.Name;
        long start = Stopwatch.GetTimestamp();
        try
        {
            WitnessSubmission answer = await inner.SubmitAsync(witness, oldSize, proof, checkpointNote, cancellationToken).ConfigureAwait(false);
            TimeSpan elapsed = Stopwatch.GetElapsedTime(start);
            switch (answer)
            {
                case WitnessSubmission.Cosigned cosigned:
                    metrics.Cosignature(name, "cosigned", elapsed);
                    LogCosigned(logger, name, oldSize, elapsed.TotalMilliseconds);
                    foreach (NoteSignature s in cosigned.Signatures.Where(s => s.Name == name && s.KeyId == witness.Key.KeyId && s.Signature.Length == 72))
                    {
                        ulong timestamp = CosignatureV1Verifier.Timestamp(s.Signature);
                        if (timestamp <= 253402300799) // the last second DateTimeOffset holds
                        {
                            metrics.CheckpointCosigned(DateTimeOffset.FromUnixTimeSeconds((long)timestamp));
                        }
                    }

                    break;
                case WitnessSubmission.SizeConflict conflict:
                    metrics.Cosignature(name, "size_conflict", elapsed);
                    LogSizeConflict(logger, name, conflict.WitnessSize);
                    break;
                case WitnessSubmission.Refused refused:
                    metrics.Cosignature(name, "refused", elapsed);
                    LogRefused(logger, name, refused.Status, refused.Reason);
                    break;
            }

            return answer;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            metrics.Cosignature(name, "unreachable", Stopwatch.GetElapsedTime(start));
            LogUnreachable(logger, name, e.Message);
            throw;
        }
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Debug, Message = "Witness {Witness} cosigned the checkpoint (from size {OldSize}) in {ElapsedMs} ms")]
    private static partial void LogCosigned(ILogger logger, string witness, long oldSize, double elapsedMs);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Debug, Message = "Witness {Witness} holds size {WitnessSize}; asking again from there")]
    private static partial void LogSizeConflict(ILogger logger, string witness, long witnessSize);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "Witness {Witness} refused the checkpoint: {Status} {Reason}")]
    private static partial void LogRefused(ILogger logger, string witness, int status, string reason);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "Witness {Witness} is unreachable: {Error}")]
    private static partial void LogUnreachable(ILogger logger, string witness, string error);
}
