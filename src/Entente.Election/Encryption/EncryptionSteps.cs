using Entente.Election.Board;
using Entente.Election.KeyCeremony;
using Entente.Election.Record;

namespace Entente.Election.Encryption;

/// <summary>
/// <c>entente encrypt</c>: one encryption device against the election's shared place. Ballots are encrypted in
/// parallel, sealed in order (confirmation codes and chaining, eqs 71–78) and each published as soon as it is sealed;
/// the device's record (its ballots in order and its closing hash) is published last.
/// </summary>
public static class EncryptionSteps
{
    /// <summary>Publications in flight at once (a board validates ballots concurrently).</summary>
    private const int InFlight = 4;

    /// <summary>
    /// Encrypts <paramref name="entries"/> on a new device <paramref name="device"/> (S_device <paramref name="deviceInformation"/>),
    /// publishing each ballot as it is sealed and then the device record. Returns the sealed ballots in order.
    /// </summary>
    /// <exception cref="ElectionFormatException">The ceremony is not complete, or the device already has a record.</exception>
    public static async Task<IReadOnlyList<EncryptedBallot>> EncryptAsync(
        IElectionBoard board, IReadOnlyList<PlaintextBallotEntry> entries, string device, string deviceInformation, TimeProvider time,
        IProgress<StepProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(board);
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(time);
        ElectionContext context = await board.LoadContextAsync(cancellationToken).ConfigureAwait(false);
        EncryptionDevice encryptionDevice = new(context, device, deviceInformation);
        ElectionDocument record = ElectionDocument.Device(device);
        if (await board.ReadAsync(record, cancellationToken).ConfigureAwait(false) is not null)
        {
            throw new ElectionFormatException(board.Describe(record), "", $"device \"{device}\" is closed (its record is published); use a new device name");
        }

        int total = entries.Count;
        BallotEncryptor encryptor = new(context);
        TaskCompletionSource<PreparedBallot>[] prepared = [.. Enumerable.Range(0, total).Select(_ => new TaskCompletionSource<PreparedBallot>(TaskCreationOptions.RunContinuationsAsynchronously))];
        using CancellationTokenSource stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        int encrypted = 0;
        Task encrypting = Task.Run(() => Parallel.For(0, total, new ParallelOptions { CancellationToken = stop.Token }, b =>
        {
            try
            {
                prepared[b].SetResult(encryptor.Encrypt(entries[b].Ballot, $"ballot {b + 1}"));
                progress?.Report(new StepProgress("encrypting ballots", Interlocked.Increment(ref encrypted), total));
            }
            catch (Exception e)
            {
                prepared[b].SetException(e);
            }
        }), CancellationToken.None);

        List<EncryptedBallot> sealedBallots = [];
        List<Task> posts = [];
        using SemaphoreSlim window = new(InFlight);
        int published = 0;
        try
        {
            for (int b = 0; b < total; b++)
            {
                PreparedBallot ballot = await prepared[b].Task.WaitAsync(stop.Token).ConfigureAwait(false);
                EncryptedBallot sealedBallot = encryptionDevice.Seal(ballot, time.GetUtcNow(), entries[b].Challenge ? BallotState.Challenged : BallotState.Cast);
                sealedBallots.Add(sealedBallot);
                await window.WaitAsync(stop.Token).ConfigureAwait(false);
                posts.Add(PublishAsync(sealedBallot));
                posts.RemoveAll(p => p.IsCompletedSuccessfully);
                if (posts.FirstOrDefault(p => p.IsFaulted || p.IsCanceled) is Task failed)
                {
                    await failed.ConfigureAwait(false);
                }
            }

            await Task.WhenAll(posts).ConfigureAwait(false);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await encrypting.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // stopped because a publication failed; that failure is the one reported
            }
        }

        DeviceRecord closing = new(device, deviceInformation, encryptionDevice.DeviceHash, encryptionDevice.ChainingMode, [.. encryptionDevice.Ballots], encryptionDevice.ClosingHash());
        await board.PublishAsync(record, RecordFormat.WriteDevice(closing), cancellationToken).ConfigureAwait(false);
        return sealedBallots;

        async Task PublishAsync(EncryptedBallot sealedBallot)
        {
            try
            {
                await board.PublishAsync(ElectionDocument.Ballot(sealedBallot), RecordFormat.WriteBallot(sealedBallot), stop.Token).ConfigureAwait(false);
                progress?.Report(new StepProgress("publishing ballots", Interlocked.Increment(ref published), total));
            }
            finally
            {
                window.Release();
            }
        }
    }
}
