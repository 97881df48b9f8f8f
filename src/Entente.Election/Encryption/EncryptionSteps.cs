using Entente.Election.Board;
using Entente.Election.KeyCeremony;
using Entente.Election.Record;

namespace Entente.Election.Encryption;

/// <summary>
/// <c>entente encrypt</c>: one encryption device against the election's shared place. Ballots are encrypted in
/// parallel, sealed in order (confirmation codes and chaining, eqs 71–78) and each published as soon as it is sealed and
/// a publication slot is free; ballots sealed while every slot is busy wait and go together (a batch,
/// <see cref="IElectionBoard.PublishBallotsAsync"/>), as does the backlog of a resumed journal. The device's record (its
/// ballots in order and its closing hash) is published last.
/// </summary>
public static class EncryptionSteps
{
    /// <summary>Publications in flight at once (a board validates ballots concurrently).</summary>
    private const int InFlight = 4;

    /// <summary>Most ballots that wait for a publication slot before the device waits for one (a batch's size at most).</summary>
    private const int MostWaiting = 64;

    /// <summary>
    /// Encrypts <paramref name="entries"/> on a new device <paramref name="device"/> (S_device <paramref name="deviceInformation"/>),
    /// publishing each ballot as it is sealed and then the device record. Returns the sealed ballots in order.
    /// </summary>
    /// <exception cref="ElectionFormatException">The ceremony is not complete, or the device already has a record.</exception>
    public static Task<IReadOnlyList<EncryptedBallot>> EncryptAsync(
        IElectionBoard board, IReadOnlyList<PlaintextBallotEntry> entries, string device, string deviceInformation, TimeProvider time,
        IProgress<StepProgress>? progress = null, CancellationToken cancellationToken = default) =>
        EncryptAsync(board, entries, device, deviceInformation, time, null, progress, cancellationToken);

    /// <summary>
    /// As above, keeping <paramref name="journal"/>: each ballot is written to it before it is published, and a journal
    /// that already holds ballots (a run that stopped) is continued: its ballots are published again (those on the
    /// board already are "already published"), the chain continues from the last of them, and only the entries after
    /// them are encrypted. Running again a run that completed publishes nothing new and returns the same ballots.
    /// </summary>
    /// <exception cref="ElectionFormatException">The ceremony is not complete, the device already has a record and the
    /// journal is empty, or the journal does not match the entries.</exception>
    public static async Task<IReadOnlyList<EncryptedBallot>> EncryptAsync(
        IElectionBoard board, IReadOnlyList<PlaintextBallotEntry> entries, string device, string deviceInformation, TimeProvider time,
        DeviceJournal? journal, IProgress<StepProgress>? progress = null, CancellationToken cancellationToken = default) =>
        await EncryptAsync(board, entries, device, deviceInformation, time, journal, twoStep: false, progress, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// As above; with <paramref name="twoStep"/>, each ballot follows the voter's two steps (§3.4): the device seals it
    /// and publishes its seal notice (id_B, device, H_C: <see cref="BallotSeal"/>) and, once the board holds the notice,
    /// applies the voter's choice (the ballots file's "challenge") and publishes the cast or challenged ballot, whose
    /// H_C the board checks against the notice.
    /// </summary>
    public static async Task<IReadOnlyList<EncryptedBallot>> EncryptAsync(
        IElectionBoard board, IReadOnlyList<PlaintextBallotEntry> entries, string device, string deviceInformation, TimeProvider time,
        DeviceJournal? journal, bool twoStep, IProgress<StepProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(board);
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(time);
        ElectionContext context = await board.LoadContextAsync(cancellationToken).ConfigureAwait(false);
        EncryptionDevice encryptionDevice = new(context, device, deviceInformation);
        ElectionDocument record = ElectionDocument.Device(device);
        IReadOnlyList<EncryptedBallot> resumed = journal?.Sealed ?? [];
        if (resumed.Count == 0 && await board.ReadAsync(record, cancellationToken).ConfigureAwait(false) is not null)
        {
            throw new ElectionFormatException(board.Describe(record), "", $"device \"{device}\" is closed (its record is published); use a new device name");
        }

        int total = entries.Count;
        if (resumed.Count > total)
        {
            throw new ElectionFormatException(journal!.Path, "", $"holds {resumed.Count} ballots but the ballots file has {total}");
        }

        for (int b = 0; b < resumed.Count; b++)
        {
            encryptionDevice.Resume(resumed[b]);
            if ((resumed[b].State == BallotState.Challenged) != entries[b].Challenge)
            {
                throw new ElectionFormatException(journal!.Path, $"ballot {b + 1}", "is cast in the journal and challenged in the ballots file, or the reverse");
            }
        }

        BallotEncryptor encryptor = new(context);
        TaskCompletionSource<PreparedBallot>[] prepared = [.. Enumerable.Range(0, total).Select(_ => new TaskCompletionSource<PreparedBallot>(TaskCreationOptions.RunContinuationsAsynchronously))];
        using CancellationTokenSource stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        int encrypted = resumed.Count;
        Task encrypting = Task.Run(() => Parallel.For(resumed.Count, total, new ParallelOptions { CancellationToken = stop.Token }, b =>
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
        List<EncryptedBallot> waiting = [];
        try
        {
            if (resumed.Count > 0)
            {
                // The backlog of a run that stopped (journaled, perhaps never published: the device was offline, or stopped):
                // published again in batches; those the board holds already are "already published".
                sealedBallots.AddRange(resumed);
                await window.WaitAsync(stop.Token).ConfigureAwait(false);
                posts.Add(PublishAsync([.. resumed]));
            }

            for (int b = resumed.Count; b < total; b++)
            {
                EncryptedBallot sealedBallot;
                PreparedBallot ballot = await prepared[b].Task.WaitAsync(stop.Token).ConfigureAwait(false);
                BallotState choice = entries[b].Challenge ? BallotState.Challenged : BallotState.Cast;
                if (twoStep)
                {
                    SealedBallot shown = encryptionDevice.SealForVoter(ballot, time.GetUtcNow());
                    await board.PublishAsync(ElectionDocument.Sealed(shown.Seal), shown.Seal.ToJson(), stop.Token).ConfigureAwait(false);
                    sealedBallot = shown.Decide(choice);
                }
                else
                {
                    sealedBallot = encryptionDevice.Seal(ballot, time.GetUtcNow(), choice);
                }

                if (journal is not null)
                {
                    // Written before it is published: a ballot the board may hold is always in the journal.
                    await journal.AppendAsync(sealedBallot, stop.Token).ConfigureAwait(false);
                }

                sealedBallots.Add(sealedBallot);
                waiting.Add(sealedBallot);
                // Sent at once when a slot is free; while none is, ballots wait (up to MostWaiting) and the next slot takes them together.
                if (b == total - 1 || waiting.Count >= MostWaiting || window.CurrentCount > 0)
                {
                    await window.WaitAsync(stop.Token).ConfigureAwait(false);
                    posts.Add(PublishAsync([.. waiting]));
                    waiting.Clear();
                }

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

        async Task PublishAsync(IReadOnlyList<EncryptedBallot> batch)
        {
            try
            {
                await board.PublishBallotsAsync(batch, stop.Token).ConfigureAwait(false);
                progress?.Report(new StepProgress("publishing ballots", Interlocked.Add(ref published, batch.Count), total));
            }
            finally
            {
                window.Release();
            }
        }
    }
}
