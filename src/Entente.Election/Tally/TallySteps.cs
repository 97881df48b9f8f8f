using Entente.Election.Board;
using Entente.Election.Encryption;
using Entente.Election.KeyCeremony;
using Entente.Election.Record;

namespace Entente.Election.Tally;

/// <summary>
/// <c>entente tally</c>: the encrypted tally (spec 2.1 §3.5) from the ballots published on the election's shared
/// place. A joint document: on a board each party computes it independently from the same ballots (the aggregate is
/// deterministic) and publishes it with its own signature; the board logs it once every party has signed the same bytes.
/// </summary>
public static class TallySteps
{
    /// <summary>Aggregates every published cast ballot and publishes the encrypted tally. Returns it with its publication.</summary>
    public static async Task<(EncryptedTally Tally, Publication Publication)> TallyAsync(IElectionBoard board, IProgress<StepProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(board);
        ElectionContext context = await board.LoadContextAsync(cancellationToken).ConfigureAwait(false);
        (_, IReadOnlyList<EncryptedBallot> ballots) = await board.LoadBallotsAsync(context, progress, cancellationToken).ConfigureAwait(false);
        EncryptedTally tally = EncryptedTally.Aggregate(context, ballots);
        return (tally, await board.PublishAsync(ElectionDocument.EncryptedTally, RecordFormat.WriteEncryptedTally(tally), cancellationToken).ConfigureAwait(false));
    }
}
