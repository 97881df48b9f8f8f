using System.Globalization;
using System.Net;
using Entente.Client.Http;
using Entente.Client.Log;
using Entente.Exchange.Log;
using Entente.Transparency;
using Entente.Transparency.Log;
using Entente.Transparency.Mirror;
using Entente.Transparency.Notes;
using Entente.Transparency.Policy;
using Entente.Transparency.Witness;

namespace Entente.Client.Mirror;

/// <summary>The artifacts a board serves publicly (<c>GET /blob/{sha256}</c>), as a mirror's <see cref="IArtifactSource"/>.</summary>
public sealed class LogArtifactSource : IArtifactSource, IDisposable
{
    private readonly HttpClient _http;

    /// <summary>A source of the log at <paramref name="logUrl"/>, retrying under <paramref name="retry"/>.</summary>
    public LogArtifactSource(Uri logUrl, RetryPolicy? retry = null) => _http = ClientResponses.Create(logUrl, retry, null);

    /// <inheritdoc/>
    public void Dispose() => _http.Dispose();

    /// <summary>
    /// Which entries commit to an artifact the board serves publicly: every Entente entry but the exchange's
    /// (<c>exchange.*</c>), whose messages travel over TAXII, sealed to their collection's readers when confidential.
    /// </summary>
    public static bool Needs(LogEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return !BoardAnchor.IsExchangeType(entry.Type);
    }

    /// <summary>Most blobs asked for in one <c>GET /blobs</c> (the board's limit).</summary>
    public const int MaxBlobsPerRequest = BlobBundle.MaxPerRequest;

    private volatile bool _noBundles;

    /// <summary>
    /// <c>GET /blobs?sha256=…</c>: the blobs the board serves in one answer (<see cref="BlobBundle.FetchAsync"/>; each
    /// re-hashed by the mirror). A board without the route (404, 405) serves none this way from then on; a refusal or an
    /// answer too large serves none (each is then read alone); an answer cut short ends with what was whole. A board
    /// unavailable is an <see cref="HttpRequestException"/>.
    /// </summary>
    public async Task<IReadOnlyList<byte[]>> GetManyAsync(IReadOnlyList<Hash256> sha256, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sha256);
        if (_noBundles)
        {
            return [];
        }

        BlobFetch fetch = await BlobBundle.FetchAsync(_http, sha256, cancellationToken).ConfigureAwait(false);
        switch (fetch.Outcome)
        {
            case BlobFetchOutcome.RouteAbsent:
                _noBundles = true;
                return [];
            case BlobFetchOutcome.Unavailable:
                throw fetch.Failure as HttpRequestException ?? new HttpRequestException(fetch.Failure?.Message, fetch.Failure);
            default:
                return [.. fetch.Served.Select(b => b.Bytes)];
        }
    }

    /// <inheritdoc/>
    public async Task<ArtifactServed> GetAsync(Hash256 sha256, CancellationToken cancellationToken)
    {
        string path = "blob/" + sha256.ToHex();
        try
        {
            byte[]? bytes = await ClientResponses.GetBytesOrNullAsync(_http, path, LogClient.MaxBlobBytes, cancellationToken).ConfigureAwait(false);
            return new ArtifactServed(bytes, bytes is null ? $"GET /{path} answers 404 Not Found" : null);
        }
        catch (RequestRefusedException e) when (!RetryHandler.IsTransient(e.Status))
        {
            return new ArtifactServed(null, $"GET /{path} answers {(int)e.Status} {e.Title}: {e.Detail}");
        }
        catch (RequestRefusedException e)
        {
            // Still 503 (or 429, 502, 504) once the retries are spent: unreachable for now, as IArtifactSource says, and
            // as GetManyAsync reports it; not a refusal of this artifact.
            throw new HttpRequestException($"GET /{path} answers {(int)e.Status} {e.Title}: {e.Detail}", e);
        }
        catch (ServiceUnavailableException e)
        {
            throw new HttpRequestException(e.Message, e);
        }
    }
}

/// <summary>How a sync pass ended.</summary>
public enum MirrorSyncStatus
{
    /// <summary>The copy holds the log and every artifact up to the latest checkpoint.</summary>
    Complete,

    /// <summary>The log is inconsistent with what the mirror holds (evidence kept).</summary>
    Inconsistent,

    /// <summary>An artifact is withheld or does not match its entry, or an entry is not proven included (evidence kept).</summary>
    ArtifactsMissing,
}

/// <summary>The outcome of one pass: where the copy stands, and every problem with its evidence.</summary>
/// <param name="Status">How it ended.</param>
/// <param name="Checkpoint">The log's checkpoint the pass worked towards.</param>
/// <param name="Before">The copy's size before.</param>
/// <param name="After">The copy's size after.</param>
/// <param name="Problems">Every problem, one sentence each.</param>
/// <param name="Evidence">The evidence of each problem.</param>
public sealed record MirrorSyncResult(MirrorSyncStatus Status, SignedCheckpoint Checkpoint, long Before, long After, IReadOnlyList<string> Problems, IReadOnlyList<LogEvidence> Evidence);

/// <summary>The log or policy cannot be used as asked (bad signature, policy not met): a usage or input problem.</summary>
public sealed class MirrorSyncInputException : Exception
{
    /// <summary>Creates the exception.</summary>
    public MirrorSyncInputException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public MirrorSyncInputException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public MirrorSyncInputException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// One pull pass of a mirror (docs/mirror.md): reads the log's checkpoint (checked against its key, and the policy
/// when given), hands it with the log's consistency proof to the mirror's <c>add-checkpoint</c> (the witness checks),
/// reads the new entries through the tiles (each proven included in that checkpoint), and commits them with every
/// artifact through <see cref="Transparency.Mirror.Mirror.CommitAsync"/> — the same path as the push protocol's
/// <c>add-entries</c>. A checkpoint of the size the mirror holds with another root, a proof that does not verify, an
/// entry not proven included, an artifact withheld or altered: each is reported with offline-checkable evidence.
/// </summary>
public sealed class MirrorSync
{
    private readonly Transparency.Mirror.Mirror _mirror;
    private readonly LogClient _log;
    private readonly INoteVerifier _logKey;
    private readonly TrustPolicy? _policy;

    /// <summary>A pass of <paramref name="mirror"/> from <paramref name="log"/>.</summary>
    public MirrorSync(Transparency.Mirror.Mirror mirror, LogClient log, INoteVerifier logKey, TrustPolicy? policy)
    {
        _mirror = mirror ?? throw new ArgumentNullException(nameof(mirror));
        _log = log ?? throw new ArgumentNullException(nameof(log));
        _logKey = logKey ?? throw new ArgumentNullException(nameof(logKey));
        _policy = policy;
    }

    /// <summary>Brings the mirror up to the log's latest checkpoint (that satisfies the policy).</summary>
    /// <exception cref="MirrorSyncInputException">The log's checkpoint does not verify under the key or the policy.</exception>
    /// <exception cref="ServiceUnavailableException">The log did not answer within the retry bound.</exception>
    public async Task<MirrorSyncResult> SyncOnceAsync(CancellationToken cancellationToken = default)
    {
        SignedCheckpoint latest = await _log.GetCheckpointAsync(cancellationToken).ConfigureAwait(false);
        CheckpointVerification verified = CheckpointVerification.Check(latest, _logKey, _policy);
        if (!verified.Valid)
        {
            throw new MirrorSyncInputException($"{_log.Address}checkpoint: {string.Join("; ", verified.Failures)}");
        }

        Checkpoint checkpoint = latest.Checkpoint;
        if (checkpoint.Origin != _mirror.Origin)
        {
            throw new MirrorSyncInputException($"{_log.Address}checkpoint: the log's origin is {checkpoint.Origin}, the mirror's {_mirror.Origin}");
        }

        StoredCheckpoint head = await _mirror.HeadAsync(cancellationToken).ConfigureAwait(false);
        long before = head.Size;
        MirrorSyncResult Done(MirrorSyncStatus status, long after, List<string> problems, List<LogEvidence> evidence) =>
            new(status, latest, before, after, problems, evidence);

        // 1. The pending checkpoint, through the witness checks (with the log's proof from what the mirror already accepted).
        WitnessState? pending = await _mirror.PendingAsync(cancellationToken).ConfigureAwait(false);
        long old = pending?.Size ?? 0;
        if (checkpoint.Size < old)
        {
            // The log shows an older tree than the mirror accepted: it must be the mirror's tree at that size.
            if (checkpoint.Size <= head.Size && checkpoint.Size > 0
                && await _mirror.Reader.RootAsync(checkpoint.Size, cancellationToken).ConfigureAwait(false) != checkpoint.Root)
            {
                Hash256[] proof = await _mirror.Reader.ConsistencyProofAsync(checkpoint.Size, head.Size, cancellationToken).ConfigureAwait(false);
                return Done(MirrorSyncStatus.Inconsistent, head.Size,
                    [$"the log's checkpoint of size {Decimal(checkpoint.Size)} is not the tree the mirror holds at that size (the mirror holds size {Decimal(head.Size)})"],
                    [Evidence("inconsistent", [latest.Note.ToString(), Text(head.Note)], proof, $"The mirror holds a tree of size {Decimal(head.Size)} whose prefix of size {Decimal(checkpoint.Size)} does not have the root of the log's later checkpoint of that size.")]);
            }
        }
        else if (checkpoint.Size == old && pending is not null)
        {
            if (pending.Root != checkpoint.Root)
            {
                return Done(MirrorSyncStatus.Inconsistent, head.Size,
                    [$"the log signed two checkpoints of size {Decimal(checkpoint.Size)} with different roots: a split view"],
                    [Evidence("split-view", [Text(pending.Note), latest.Note.ToString()], null, "Two checkpoints signed by the log, of one size with different roots.")]);
            }
        }
        else
        {
            IReadOnlyList<Hash256> proof = old == 0 ? [] : await _log.GetConsistencyProofAsync(old, checkpoint.Size, cancellationToken).ConfigureAwait(false);
            WitnessResponse answer = await _mirror.AddCheckpointAsync(Transparency.Witness.Witness.FormatRequest(old, proof, latest.Note.ToBytes()), cancellationToken).ConfigureAwait(false);
            if (answer.Status == 422 && pending is not null)
            {
                return Done(MirrorSyncStatus.Inconsistent, head.Size,
                    [$"the log's checkpoint of size {Decimal(checkpoint.Size)} is not consistent with the one of size {Decimal(old)} the mirror accepted: {answer.Body.Trim()}"],
                    [Evidence("inconsistent", [Text(pending.Note), latest.Note.ToString()], [.. proof], "The log's consistency proof between two of its checkpoints does not verify.")]);
            }

            if (answer.Status != 200)
            {
                throw new MirrorSyncInputException($"the mirror refused the log's checkpoint: {answer.Status} {answer.Body.Trim()}");
            }
        }

        long target = Math.Max(checkpoint.Size, old);
        pending = await _mirror.PendingAsync(cancellationToken).ConfigureAwait(false);
        if (pending is null || target <= head.Size)
        {
            return Done(MirrorSyncStatus.Complete, head.Size, [], []);
        }

        // 2. The entries, each proven included in the pending checkpoint's tree through the log's tiles.
        Checkpoint pendingCheckpoint = SignedCheckpoint.Parse(pending.Note).Checkpoint;
        long next = await _mirror.NextEntryAsync(cancellationToken).ConfigureAwait(false);
        List<string> problems = [];
        List<LogEvidence> evidence = [];
        List<byte[]> batch = [];
        long batchStart = next;
        try
        {
            await foreach (LogEntryRead read in _log.ReadEntriesAsync(pendingCheckpoint, next, pending.Size, cancellationToken).ConfigureAwait(false))
            {
                if (!read.Included)
                {
                    problems.Add($"entry {Decimal(read.Index)}: not proven included in the checkpoint of size {Decimal(pending.Size)}: {read.Failure}");
                    break;
                }

                batch.Add(read.Bytes!);
                if (batch.Count == 4096)
                {
                    await _mirror.AcceptEntriesAsync(batchStart, batch, cancellationToken).ConfigureAwait(false);
                    batchStart += batch.Count;
                    batch = [];
                }
            }
        }
        catch (LogVerificationException e)
        {
            problems.Add($"the log's tiles do not hash to its checkpoint of size {Decimal(pending.Size)}: {e.Message}");
        }

        await _mirror.AcceptEntriesAsync(batchStart, batch, cancellationToken).ConfigureAwait(false);
        if (problems.Count > 0)
        {
            return Done(MirrorSyncStatus.ArtifactsMissing, head.Size, problems, evidence);
        }

        // 3. Every artifact, and the commit.
        switch (await _mirror.CommitAsync(pending.Size, cancellationToken).ConfigureAwait(false))
        {
            case MirrorCommit.Committed committed:
                return Done(MirrorSyncStatus.Complete, committed.Head.Size, [], []);
            case MirrorCommit.ArtifactsMissing missing:
                foreach (ArtifactFailure f in missing.Failures)
                {
                    problems.Add(f.ToString());
                    IReadOnlyList<Hash256> inclusion = await _log.GetInclusionProofAsync(f.Index, missing.Checkpoint.Size, cancellationToken).ConfigureAwait(false);
                    evidence.Add(Evidence(f.Withheld ? "artifact-withheld" : "artifact-altered", [Text(missing.Checkpoint.Note)], null, f.ToString()) with
                    {
                        Index = f.Index,
                        Entry = Convert.ToBase64String(f.Entry),
                        InclusionProof = [.. inclusion.Select(h => h.ToBase64())],
                        Served = f.Served is null ? null : Convert.ToBase64String(f.Served),
                    });
                }

                return Done(MirrorSyncStatus.ArtifactsMissing, head.Size, problems, evidence);
            case MirrorCommit.Inconsistent inconsistent:
                return Done(MirrorSyncStatus.Inconsistent, head.Size, [inconsistent.Reason], evidence);
            case MirrorCommit.Incomplete incomplete:
                return Done(MirrorSyncStatus.ArtifactsMissing, head.Size, [$"entry {Decimal(incomplete.NextEntry)} could not be read from the log"], evidence);
            default:
                // The pending checkpoint moved on (a push arrived meanwhile): the next pass continues from it.
                return Done(MirrorSyncStatus.Complete, (await _mirror.HeadAsync(cancellationToken).ConfigureAwait(false)).Size, [], []);
        }
    }

    private LogEvidence Evidence(string kind, IReadOnlyList<string> checkpoints, IReadOnlyList<Hash256>? proof, string explanation) => new()
    {
        Kind = kind,
        LogKey = _logKey is Ed25519NoteVerifier ed ? VerifierKeys.Format(ed.Name, ed.KeyId, NoteSignatureType.Ed25519, ed.PublicKeyBytes) : _logKey.Name,
        Source = _log.Address.ToString(),
        FoundAt = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        Checkpoints = checkpoints,
        ConsistencyProof = proof?.Select(h => h.ToBase64()).ToList(),
        Explanation = explanation,
    };

    private static string Text(byte[] note) => System.Text.Encoding.UTF8.GetString(note);

    private static string Decimal(long n) => n.ToString(CultureInfo.InvariantCulture);
}
