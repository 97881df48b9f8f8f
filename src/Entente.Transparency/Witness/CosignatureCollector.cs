using System.Text;
using Entente.Transparency.Log;
using Entente.Transparency.Mirror;
using Entente.Transparency.Notes;

namespace Entente.Transparency.Witness;

/// <summary>A witness a log submits its checkpoints to.</summary>
/// <param name="Key">The witness's cosigner key.</param>
/// <param name="SubmissionPrefix">The witness's submission prefix; requests go to <c>&lt;prefix&gt;/add-checkpoint</c>.</param>
public sealed record WitnessEndpoint(CosignatureV1Verifier Key, Uri SubmissionPrefix);

/// <summary>
/// The log side of tlog-witness: after each new checkpoint (at most once per interval) it sends the checkpoint
/// with a consistency proof to every witness through an <see cref="IWitnessSubmitter"/>, learns a witness's size from a 409 and retries once, checks each
/// returned cosignature, and stores the checkpoint with the cosignatures once <see cref="Quorum"/> witnesses
/// have cosigned it. The same checkpoint goes to every witness so their cosignatures line up. With mirrors
/// (C2SP tlog-mirror), the checkpoint as the witnesses cosigned it then goes to each mirror with the entries it lacks
/// (<see cref="MirrorUploader"/>), and is stored only once <see cref="MirrorQuorum"/> mirrors have cosigned it too.
/// </summary>
public sealed class CosignatureCollector : IAsyncDisposable
{
    private readonly Sequencer _sequencer;
    private readonly ILogStore _store;
    private readonly LogReader _reader;
    private readonly IReadOnlyList<WitnessEndpoint> _witnesses;
    private readonly IWitnessSubmitter _submitter;
    private readonly TimeProvider _time;
    private readonly TimeSpan _interval;
    private readonly Dictionary<string, long> _known = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly IReadOnlyList<MirrorEndpoint> _mirrors;
    private readonly MirrorUploader? _uploader;
    private Task? _loop;

    /// <summary>Creates the collector (call <see cref="Start"/>).</summary>
    public CosignatureCollector(Sequencer sequencer, ILogStore store, IReadOnlyList<WitnessEndpoint> witnesses, IWitnessSubmitter submitter, int quorum,
        TimeSpan interval, TimeProvider? time = null)
        : this(sequencer, store, witnesses, submitter, quorum, interval, [], null, 0, time)
    {
    }

    /// <summary>Creates the collector with mirrors too (call <see cref="Start"/>).</summary>
    public CosignatureCollector(Sequencer sequencer, ILogStore store, IReadOnlyList<WitnessEndpoint> witnesses, IWitnessSubmitter submitter, int quorum,
        TimeSpan interval, IReadOnlyList<MirrorEndpoint> mirrors, IMirrorSubmitter? mirrorSubmitter, int mirrorQuorum, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(mirrors);
        ArgumentOutOfRangeException.ThrowIfNegative(mirrorQuorum);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(mirrorQuorum, mirrors.Count);
        if (mirrors.Count > 0 && mirrorSubmitter is null)
        {
            throw new ArgumentNullException(nameof(mirrorSubmitter), "Mirrors need a submitter.");
        }

        _mirrors = mirrors;
        MirrorQuorum = mirrorQuorum;
        _uploader = mirrors.Count > 0 ? new MirrorUploader(store ?? throw new ArgumentNullException(nameof(store)), new LogReader(store), mirrorSubmitter!) : null;
        ArgumentNullException.ThrowIfNull(witnesses);
        ArgumentOutOfRangeException.ThrowIfNegative(quorum);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quorum, witnesses.Count);
        _sequencer = sequencer ?? throw new ArgumentNullException(nameof(sequencer));
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _reader = new LogReader(store);
        _witnesses = witnesses;
        _submitter = submitter ?? throw new ArgumentNullException(nameof(submitter));
        Quorum = quorum;
        _interval = interval;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Cosignatures needed before a checkpoint is stored as cosigned.</summary>
    public int Quorum { get; }

    /// <summary>Mirror cosignatures needed (besides the witnesses') before a checkpoint is stored as cosigned.</summary>
    public int MirrorQuorum { get; }

    /// <summary>The last error talking to a witness, for diagnostics (never secret).</summary>
    public string? LastError { get; private set; }

    /// <summary>Starts the background loop.</summary>
    public void Start() => _loop ??= Task.Run(() => RunAsync(_stop.Token));

    private async Task RunAsync(CancellationToken stop)
    {
        long done = -1;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                StoredCheckpoint head = _sequencer.Head;
                if (head.Size > done)
                {
                    if (await CollectOnceAsync(head, stop).ConfigureAwait(false))
                    {
                        done = head.Size;
                    }

                    await Task.Delay(_interval, _time, stop).ConfigureAwait(false);
                    continue;
                }

                await _sequencer.WaitForSizeAboveAsync(done, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or LogStoreException or NoteFormatException or TaskCanceledException)
            {
                LastError = e.Message;
                await Task.Delay(_interval, _time, stop).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Sends <paramref name="head"/> to every witness and stores it cosigned if the quorum is met.</summary>
    public async Task<bool> CollectOnceAsync(StoredCheckpoint head, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(head);
        SignedNote note = SignedNote.Parse(head.Note);
        NoteSignature?[] cosignatures = await Task.WhenAll(_witnesses.Select(w => AskAsync(w, head, note, cancellationToken))).ConfigureAwait(false);
        List<NoteSignature> valid = [.. cosignatures.OfType<NoteSignature>()];
        if (valid.Count < Quorum)
        {
            return false;
        }

        SignedNote merged = note;
        foreach (NoteSignature s in valid)
        {
            merged = merged.WithSignature(s);
        }

        if (_uploader is not null)
        {
            StoredCheckpoint witnessed = new(head.Size, head.Root, merged.ToBytes());
            NoteSignature?[] mirrored = await Task.WhenAll(_mirrors.Select(async m =>
            {
                try
                {
                    return await _uploader.PushAsync(m, witnessed, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
                {
                    LastError = $"mirror {m.Key.Name}: {e.Message}";
                    return null;
                }
            })).ConfigureAwait(false);
            List<NoteSignature> mirrorSignatures = [.. mirrored.OfType<NoteSignature>()];
            if (mirrorSignatures.Count < MirrorQuorum)
            {
                LastError = _uploader.LastError ?? LastError;
                return false;
            }

            foreach (NoteSignature s in mirrorSignatures)
            {
                merged = merged.WithSignature(s);
            }
        }

        await _store.WriteCosignedAsync(new StoredCheckpoint(head.Size, head.Root, merged.ToBytes()), cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async Task<NoteSignature?> AskAsync(WitnessEndpoint witness, StoredCheckpoint head, SignedNote note, CancellationToken cancellationToken)
    {
        string name = witness.Key.Name;
        for (int attempt = 0; attempt < 2; attempt++)
        {
            long old;
            lock (_known)
            {
                old = _known.GetValueOrDefault(name);
            }

            if (old > head.Size)
            {
                LastError = $"witness {name} is at size {old}, ahead of this log's {head.Size}: it saw another checkpoint";
                return null;
            }

            Hash256[] proof = old == 0 || old == head.Size ? [] : await _reader.ConsistencyProofAsync(old, head.Size, cancellationToken).ConfigureAwait(false);
            WitnessSubmission answer = await _submitter.SubmitAsync(witness, old, proof, head.Note, cancellationToken).ConfigureAwait(false);
            if (answer is WitnessSubmission.SizeConflict conflict)
            {
                lock (_known)
                {
                    _known[name] = conflict.WitnessSize;
                }

                continue;
            }

            if (answer is not WitnessSubmission.Cosigned cosigned)
            {
                WitnessSubmission.Refused refused = (WitnessSubmission.Refused)answer;
                LastError = $"witness {name} answered {refused.Status}: {refused.Reason}";
                return null;
            }

            byte[] text = Encoding.UTF8.GetBytes(note.Text);
            foreach (NoteSignature s in cosigned.Signatures)
            {
                if (s.Name == name && s.KeyId == witness.Key.KeyId && witness.Key.Verify(text, s.Signature))
                {
                    lock (_known)
                    {
                        _known[name] = head.Size;
                    }

                    return s;
                }
            }

            LastError = $"witness {name} returned no valid cosignature";
            return null;
        }

        return null;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        _stop.Dispose();
    }
}
