using System.Globalization;
using System.Text;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;
using Entente.Transparency.Witness;

namespace Entente.Transparency.Mirror;

/// <summary>
/// The log side of tlog-mirror: brings one mirror up to a checkpoint and returns its cosignature. It sends the
/// checkpoint (as cosigned so far, every signature kept) to <c>add-checkpoint</c> with the consistency proof from the
/// size the mirror holds (learned from a 409), then uploads the entries the mirror lacks with <c>add-entries</c>, in
/// requests of at most <see cref="AddEntries.MaxPackagesPerRequest"/> canonical packages each carrying its subtree
/// consistency proof, following the mirror's 202 and 409 answers (its next entry), until it answers 200 with its
/// cosignature, which is verified against the mirror's key. What it learns of each mirror is kept for the next
/// checkpoint.
/// </summary>
public sealed class MirrorUploader
{
    private const int MaxRounds = 64;
    private readonly ILogStore _store;
    private readonly LogReader _reader;
    private readonly IMirrorSubmitter _submitter;
    private readonly Dictionary<string, (long Pending, long Next)> _known = new(StringComparer.Ordinal);

    /// <summary>An uploader of the log in <paramref name="store"/>.</summary>
    public MirrorUploader(ILogStore store, LogReader reader, IMirrorSubmitter submitter)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _reader = reader ?? throw new ArgumentNullException(nameof(reader));
        _submitter = submitter ?? throw new ArgumentNullException(nameof(submitter));
    }

    /// <summary>The last refusal or failure, for diagnostics.</summary>
    public string? LastError { get; private set; }

    /// <summary>Pushes <paramref name="checkpoint"/> (its note with the cosignatures so far) to <paramref name="mirror"/>; its verified cosignature, or null.</summary>
    public async Task<NoteSignature?> PushAsync(MirrorEndpoint mirror, StoredCheckpoint checkpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mirror);
        ArgumentNullException.ThrowIfNull(checkpoint);
        string name = mirror.Key.Name;
        SignedNote note = SignedNote.Parse(checkpoint.Note);
        string origin = Checkpoint.Parse(note.Text).Origin;
        (long pending, long next) = Known(name);

        // 1. add-checkpoint: the pending checkpoint, from the size the mirror holds.
        bool accepted = false;
        for (int attempt = 0; attempt < 2 && !accepted; attempt++)
        {
            if (pending > checkpoint.Size)
            {
                LastError = $"mirror {name} holds a pending checkpoint of size {pending}, ahead of this log's {checkpoint.Size}";
                return null;
            }

            Hash256[] proof = pending == 0 || pending == checkpoint.Size ? [] : await _reader.ConsistencyProofAsync(pending, checkpoint.Size, cancellationToken).ConfigureAwait(false);
            WitnessResponse answer = await _submitter.AddCheckpointAsync(mirror.SubmissionPrefix, Witness.Witness.FormatRequest(pending, proof, checkpoint.Note), cancellationToken).ConfigureAwait(false);
            if (answer.Status == 409 && long.TryParse(answer.Body.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long held))
            {
                pending = held;
                next = Math.Max(next, 0);
                Remember(name, pending, next);
                continue;
            }

            if (answer.Status != 200)
            {
                LastError = $"mirror {name} add-checkpoint answered {answer.Status}: {answer.Body.Trim()}";
                return null;
            }

            accepted = true;
        }

        if (!accepted)
        {
            return null;
        }

        Remember(name, checkpoint.Size, next);

        // 2. add-entries until the mirror cosigns.
        long start = Math.Min(next, checkpoint.Size);
        byte[] text = Encoding.UTF8.GetBytes(note.Text);
        for (int round = 0; round < MaxRounds; round++)
        {
            byte[] body = await BuildAsync(origin, start, checkpoint.Size, cancellationToken).ConfigureAwait(false);
            WitnessResponse answer = await _submitter.AddEntriesAsync(mirror.SubmissionPrefix, body, cancellationToken).ConfigureAwait(false);
            if (answer.Status is 202 or 409 && AddEntries.TryParseMirrorInfo(answer.Body, out long pendingSize, out long advertised, out _))
            {
                if (pendingSize != checkpoint.Size && answer.Status == 409)
                {
                    LastError = $"mirror {name} holds the pending checkpoint of size {pendingSize}, not {checkpoint.Size}";
                    Remember(name, pendingSize, advertised);
                    return null;
                }

                start = Math.Min(advertised, checkpoint.Size);
                Remember(name, checkpoint.Size, start);
                continue;
            }

            if (answer.Status != 200)
            {
                LastError = $"mirror {name} add-entries answered {answer.Status}: {answer.Body.Trim()}";
                return null;
            }

            Remember(name, checkpoint.Size, checkpoint.Size);
            SignedNote lines;
            try
            {
                lines = SignedNote.Parse("x\n\n" + answer.Body);
            }
            catch (NoteFormatException e)
            {
                LastError = $"mirror {name} answered 200 without cosignature lines: {e.Message}";
                return null;
            }

            NoteSignature? valid = lines.Signatures.FirstOrDefault(s => s.Name == name && s.KeyId == mirror.Key.KeyId && mirror.Key.Verify(text, s.Signature));
            LastError = valid is null ? $"mirror {name} returned no valid cosignature" : LastError;
            return valid;
        }

        LastError = $"mirror {name} did not take the entries within {MaxRounds} requests";
        return null;
    }

    /// <summary>The add-entries body: the header and up to 32 canonical packages from <paramref name="start"/>.</summary>
    private async Task<byte[]> BuildAsync(string origin, long start, long end, CancellationToken cancellationToken)
    {
        using MemoryStream body = new();
        body.Write(AddEntries.FormatHeader(origin, start, end, []));
        long count = Math.Min(AddEntries.PackageCount(start, end), AddEntries.MaxPackagesPerRequest);
        for (long i = 0; i < count; i++)
        {
            (long entriesStart, long packageEnd, long subtreeStart) = AddEntries.Package(start, end, i);
            IReadOnlyList<byte[]> entries = await _store.ReadEntriesAsync(entriesStart, (int)(packageEnd - entriesStart), cancellationToken).ConfigureAwait(false);
            if (entries.Count != packageEnd - entriesStart)
            {
                throw new LogStoreException($"The store lacks entries of [{entriesStart}, {packageEnd}).", isTransient: false);
            }

            Hash256[] proof = await _reader.SubtreeConsistencyProofAsync(subtreeStart, packageEnd, end, cancellationToken).ConfigureAwait(false);
            body.Write(AddEntries.FormatPackage(entries, proof));
        }

        return body.ToArray();
    }

    private (long Pending, long Next) Known(string name)
    {
        lock (_known)
        {
            return _known.GetValueOrDefault(name);
        }
    }

    private void Remember(string name, long pending, long next)
    {
        lock (_known)
        {
            _known[name] = (pending, next);
        }
    }
}
