using System.Globalization;
using System.Text;
using System.Text.Json.Serialization;
using Entente.Client.Board;
using Entente.Client.Http;
using Entente.Client.Log;
using Entente.Election;
using Entente.Election.Encryption;
using Entente.Election.Record;
using Entente.Transparency;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;
using Entente.Transparency.Policy;

namespace Entente.Client.Record;

/// <summary>What <see cref="RecordFetcher"/> trusts and how patient it is.</summary>
public sealed record RecordFetchOptions
{
    /// <summary>The witness policy (C2SP tlog-policy) the checkpoint must satisfy; null: the board's own <c>witness.policy</c> entry.</summary>
    public TrustPolicy? Policy { get; init; }

    /// <summary>The log's key; null: the policy's <c>log</c> line(s).</summary>
    public INoteVerifier? LogKey { get; init; }

    /// <summary>How long to wait for the witnesses to cosign a checkpoint that covers every entry the board has (default 30 s).</summary>
    public TimeSpan WaitForCheckpoint { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The URL is a mirror's copy of the board's log (<c>&lt;mirror&gt;/&lt;origin hash&gt;/</c>, docs/mirror.md), not the
    /// board: its checkpoint is taken as it is (a mirror serves only what it holds whole), every other check is the same.
    /// </summary>
    public bool FromMirror { get; init; }

    /// <summary>Artifacts fetched at once.</summary>
    public int Parallelism { get; init; } = 8;

    /// <summary>Progress, per stage.</summary>
    public IProgress<RecordFetchProgress>? Progress { get; init; }
}

/// <summary>Progress of a fetch: the stage ("log" or "artifacts"), what is done and the total.</summary>
/// <param name="Stage">The stage.</param>
/// <param name="Done">Done so far.</param>
/// <param name="Total">The stage's total.</param>
public sealed record RecordFetchProgress(string Stage, long Done, long Total);

/// <summary>One thing that did not check: the log entry and artifact concerned (when one is) and what failed.</summary>
/// <param name="Index">The log entry's index, or null.</param>
/// <param name="Sha256">The artifact's SHA-256 (hex), or null.</param>
/// <param name="What">What failed.</param>
public sealed record RecordFetchFailure(long? Index, string? Sha256, string What)
{
    /// <inheritdoc/>
    public override string ToString() =>
        (Index, Sha256) switch
        {
            (long i, string h) => $"entry {i.ToString(CultureInfo.InvariantCulture)} (artifact sha256 {h}): {What}",
            (long i, null) => $"entry {i.ToString(CultureInfo.InvariantCulture)}: {What}",
            (null, string h) => $"artifact sha256 {h}: {What}",
            _ => What,
        };
}

/// <summary>The outcome of a fetch: what was checked, every failure, and the record when everything checked.</summary>
/// <param name="Board">The board's URL.</param>
/// <param name="Checkpoint">The checkpoint the record was read under.</param>
/// <param name="PolicySource">Where the policy came from: <c>--policy</c>, or the board's entry (index and signers).</param>
/// <param name="Cosigners">The policy names of the witnesses whose cosignatures verified.</param>
/// <param name="Entries">Entries read and proven included.</param>
/// <param name="Artifacts">Distinct artifacts fetched and checked against their entries.</param>
/// <param name="Duplicates">Entries that commit again to an artifact already counted (counted once).</param>
/// <param name="Files">Files of the record per part.</param>
/// <param name="Failures">Everything that did not check (empty: the record is good).</param>
/// <param name="Record">The record, when there is no failure.</param>
public sealed record RecordFetchResult(
    Uri Board,
    SignedCheckpoint Checkpoint,
    string PolicySource,
    IReadOnlyList<string> Cosigners,
    long Entries,
    int Artifacts,
    int Duplicates,
    IReadOnlyDictionary<RecordPart, int> Files,
    IReadOnlyList<RecordFetchFailure> Failures,
    ElectionRecord? Record)
{
    /// <summary>True when everything checked and the record was assembled.</summary>
    public bool Ok => Failures.Count == 0 && Record is not null;

    /// <summary>Every party's step judged from the entries read (docs/record-format.md §11), or null without a charter entry.</summary>
    public ScheduleReport? Schedule { get; init; }
}

/// <summary>The board cannot be used as asked (not a board, no witness policy, nothing to vouch for the checkpoint): a usage or input problem, not a failed check.</summary>
public sealed class RecordFetchInputException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RecordFetchInputException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public RecordFetchInputException()
        : this("the board cannot be fetched as asked")
    {
    }

    /// <summary>Creates the exception.</summary>
    public RecordFetchInputException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Downloads the election record from a board and checks all of it (docs/record-format.md, "Fetching a record from a
/// board"): the latest checkpoint, waiting (within a bound) for one the witnesses cosigned that covers every entry the
/// board has; every entry up to it, each proven included through the tiles (<see cref="LogClient.ReadEntriesAsync"/>);
/// the witness policy (given, or the board's <c>witness.policy</c> entry, which every party of the board's charter
/// must have signed) and the checkpoint against it; every artifact a board entry commits to, fetched by its SHA-256
/// and re-hashed, each counted once however many entries commit to it; the lookup fields of ballot entries against the
/// ballots; and the record assembled by <see cref="ElectionRecordAssembler"/>, the same path as the board's own
/// <c>GET /board/record</c>. Every failure is collected with its entry and artifact. Nothing is written here:
/// <see cref="WriteAsync"/> writes a result whose every check passed.
/// </summary>
public sealed class RecordFetcher : IDisposable
{
    private readonly LogClient _log;
    private readonly HttpClient _http;

    /// <summary>A fetcher of the board at <paramref name="board"/>, retrying under <paramref name="retry"/>.</summary>
    public RecordFetcher(Uri board, RetryPolicy? retry = null, HttpMessageHandler? inner = null)
    {
        _http = ClientResponses.Create(board, retry, inner);
        _log = new LogClient(_http);
    }

    /// <summary>The board's URL.</summary>
    public Uri Board => _http.BaseAddress!;

    /// <summary>Fetches and checks everything; the result lists every failure.</summary>
    /// <exception cref="RecordFetchInputException">Not a board, no policy to check the checkpoint against, or no log key.</exception>
    /// <exception cref="ServiceUnavailableException">The board did not answer within the retry bound.</exception>
    public async Task<RecordFetchResult> FetchAsync(RecordFetchOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        List<RecordFetchFailure> failures = [];
        SignedCheckpoint signed = options.FromMirror
            ? await _log.GetCheckpointAsync(cancellationToken).ConfigureAwait(false)
            : await CheckpointCoveringBoardAsync(options.WaitForCheckpoint, cancellationToken).ConfigureAwait(false);
        Checkpoint checkpoint = signed.Checkpoint;

        // 1. Every entry, proven included in the checkpoint's tree (the root is checked against the policy below,
        //    before anything read here counts).
        List<(long Index, LogEntry Entry, SignedNote Note)> entries = [];
        long done = 0;
        try
        {
            await foreach (LogEntryRead read in _log.ReadEntriesAsync(checkpoint, 0, checkpoint.Size, cancellationToken).ConfigureAwait(false))
            {
                if (++done % 256 == 0 || done == checkpoint.Size)
                {
                    options.Progress?.Report(new RecordFetchProgress("log", done, checkpoint.Size));
                }

                if (!read.Included)
                {
                    failures.Add(new RecordFetchFailure(read.Index, null, $"not proven included in the checkpoint of size {checkpoint.Size}: {read.Failure}"));
                    continue;
                }

                try
                {
                    (LogEntry entry, SignedNote note) = LogEntry.Parse(read.Bytes);
                    entries.Add((read.Index, entry, note));
                }
                catch (NoteFormatException e)
                {
                    failures.Add(new RecordFetchFailure(read.Index, null, $"not an {LogEntry.Header} entry: {e.Message}"));
                }
            }
        }
        catch (LogVerificationException e)
        {
            failures.Add(new RecordFetchFailure(e.Index, null, e.Message));
        }

        // 2. The policy and the checkpoint.
        Dictionary<Hash256, Fetched> blobs = [];
        (TrustPolicy? policy, string policySource) = options.Policy is not null
            ? (options.Policy, "--policy")
            : await BoardPolicyAsync(entries, checkpoint, blobs, failures, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<string> cosigners = [];
        if (policy is not null)
        {
            if (options.LogKey is null && policy.Logs.Count == 0)
            {
                throw new RecordFetchInputException($"the witness policy ({policySource}) names no log key: give the board's log key with --key.");
            }

            CheckpointVerification verification = CheckpointVerification.Check(signed, options.LogKey, policy);
            cosigners = [.. (verification.Policy?.Cosigned ?? new HashSet<string>()).Order(StringComparer.Ordinal)];
            failures.AddRange(verification.Failures.Select(f => new RecordFetchFailure(null, null, $"checkpoint of size {checkpoint.Size}: {f}")));
        }

        // 3. Every artifact a board entry commits to, once per SHA-256.
        List<(long Index, LogEntry Entry)> artifacts = [.. entries.Where(e => RecordEntryTypes.IsBoardArtifact(e.Entry.Type)).Select(e => (e.Index, e.Entry))];
        Hash256[] toFetch = [.. artifacts.Select(a => a.Entry.Sha256).Distinct().Where(h => !blobs.ContainsKey(h))];
        await FetchBlobsAsync(toFetch, blobs, options, cancellationToken).ConfigureAwait(false);

        ElectionRecordAssembler assembler = new();
        Dictionary<string, (long Index, LogEntry Entry)> ballotEntries = new(StringComparer.Ordinal);
        int duplicates = 0;
        HashSet<Hash256> counted = [];
        foreach ((long index, LogEntry entry) in artifacts)
        {
            string hex = entry.Sha256.ToHex();
            switch (blobs[entry.Sha256].Bytes)
            {
                case null:
                    failures.Add(new RecordFetchFailure(index, hex, $"{entry.Type} artifact: {blobs[entry.Sha256].Failure}"));
                    continue;
                case byte[] bytes when RecordEntryTypes.PartOf(entry.Type) is RecordPart part:
                    try
                    {
                        if (!assembler.Add(part, bytes, $"entry {index} ({entry.Type}, sha256 {hex})"))
                        {
                            duplicates++;
                            continue;
                        }
                    }
                    catch (ElectionFormatException e)
                    {
                        failures.Add(new RecordFetchFailure(index, hex, e.Problem));
                        continue;
                    }

                    if (part == RecordPart.Ballot)
                    {
                        ballotEntries[hex] = (index, entry);
                    }

                    break;
                default:
                    if (!counted.Add(entry.Sha256))
                    {
                        duplicates++;
                    }

                    break;
            }
        }

        options.Progress?.Report(new RecordFetchProgress("artifacts", toFetch.Length, toFetch.Length));
        Dictionary<RecordPart, int> files = Enum.GetValues<RecordPart>().ToDictionary(p => p, assembler.Count);
        int distinct = files.Values.Sum() + counted.Count;

        // 4. The record, from the same assembler as the board's; the abandoned decryption attempts are dated by the step table.
        ScheduleReport? schedule = Schedule(entries, blobs, out string? noSchedule);
        if (schedule is null && artifacts.Any(a => a.Entry.Type == RecordEntryTypes.Abandon))
        {
            failures.Add(new RecordFetchFailure(null, null, $"an abandoned decryption attempt is dated by the step table, which cannot be built: {noSchedule}"));
        }

        ElectionRecord? record = null;
        if (failures.Count == 0)
        {
            try
            {
                foreach ((long index, LogEntry entry) in artifacts.Where(a => a.Entry.Type == RecordEntryTypes.Abandon))
                {
                    assembler.AddAbandonment(RecordEntryTypes.Abandonment(index, entry.Party, blobs[entry.Sha256].Bytes!, schedule));
                }

                record = assembler.Build();
                CheckBallotEntries(record, ballotEntries, failures);
            }
            catch (ElectionFormatException e)
            {
                failures.Add(new RecordFetchFailure(null, null, $"the record does not assemble from the checkpoint of size {checkpoint.Size}: {e.Message}"));
            }
        }

        // 5. The step table, from the entries and their times (docs/record-format.md §11).
        if (record is not null && schedule is not null)
        {
            record = record with { Schedule = schedule.ToJson() };
        }

        return new RecordFetchResult(Board, signed, policySource, cosigners, entries.Count, distinct, duplicates, files, failures, failures.Count == 0 ? record : null)
        {
            Schedule = schedule,
        };
    }

    private static ScheduleReport? Schedule(List<(long Index, LogEntry Entry, SignedNote Note)> entries, Dictionary<Hash256, Fetched> blobs, out string? why)
    {
        (long _, LogEntry charterEntry, SignedNote _) = entries.FirstOrDefault(e => e.Entry.Type == RecordEntryTypes.Charter);
        if (charterEntry is null || !blobs.TryGetValue(charterEntry.Sha256, out Fetched? charterBlob) || charterBlob.Bytes is null)
        {
            why = charterEntry is null ? "the log has no charter entry" : "the charter's artifact was not fetched";
            return null;
        }

        Charter charter;
        try
        {
            charter = Charter.Parse(System.Text.Encoding.UTF8.GetString(charterBlob.Bytes));
        }
        catch (FormatException e)
        {
            why = "the charter does not parse: " + e.Message;
            return null;
        }

        why = null;

        ScheduleLog log = new();
        foreach ((long index, LogEntry entry, _) in entries)
        {
            byte[]? artifact = entry.Type.StartsWith("decryption.", StringComparison.Ordinal) && blobs.TryGetValue(entry.Sha256, out Fetched? blob) ? blob.Bytes : null;
            log.Observe(index, entry, artifact);
        }

        return log.Evaluate(charter);
    }

    /// <summary>Writes the record of a fetch whose every check passed to <paramref name="directory"/> (a staging folder, renamed into place when complete).</summary>
    public static Task WriteAsync(RecordFetchResult result, string directory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (!result.Ok)
        {
            throw new InvalidOperationException("A fetch with failures is never written as a record.");
        }

        return RecordStore.WriteAsync(result.Record!, directory, cancellationToken);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _log.Dispose();
        _http.Dispose();
    }

    /// <summary>The latest checkpoint, waiting up to <paramref name="wait"/> for one that covers every entry the board says it has.</summary>
    private async Task<SignedCheckpoint> CheckpointCoveringBoardAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        BoardStatus status;
        try
        {
            status = await ClientResponses.GetJsonAsync(_http, "board", RecordJsonContext.Default.BoardStatus, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestRefusedException e) when (e.Status == System.Net.HttpStatusCode.NotFound)
        {
            throw new RecordFetchInputException($"{Board}board: 404: not an election board (is --board the URL of `entente serve`?)", e);
        }
        catch (FormatException e)
        {
            throw new RecordFetchInputException($"{Board}board: not an election board's status: {e.Message}", e);
        }

        DateTimeOffset end = DateTimeOffset.UtcNow + wait;
        while (true)
        {
            SignedCheckpoint checkpoint = await _log.GetCheckpointAsync(cancellationToken).ConfigureAwait(false);
            if (checkpoint.Checkpoint.Size >= status.LogSize || DateTimeOffset.UtcNow >= end)
            {
                return checkpoint;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The board's witness policy: the latest <c>witness.policy</c> entry, whose artifact must hash to it, parse as a
    /// C2SP tlog-policy, and be signed by every <c>party</c> of the board's charter (the first <c>charter</c> entry).
    /// </summary>
    private async Task<(TrustPolicy? Policy, string Source)> BoardPolicyAsync(List<(long Index, LogEntry Entry, SignedNote Note)> entries, Checkpoint checkpoint,
        Dictionary<Hash256, Fetched> blobs, List<RecordFetchFailure> failures, CancellationToken cancellationToken)
    {
        (long Index, LogEntry Entry, SignedNote Note)? policyEntry = entries.LastOrDefault(e => e.Entry.Type == RecordEntryTypes.WitnessPolicy) is { Entry: not null } p ? p : null;
        if (policyEntry is not { } found)
        {
            if (failures.Count > 0)
            {
                return (null, "none");
            }

            throw new RecordFetchInputException(
                $"the board logs no witness policy (an entry of type {RecordEntryTypes.WitnessPolicy}) among its {checkpoint.Size} entries: give the policy the parties agreed with --policy FILE.");
        }

        string hex = found.Entry.Sha256.ToHex();
        string source = $"the board's entry {found.Index}";
        byte[]? text = await GetBlobAsync(found.Entry.Sha256, blobs, found.Index, failures, cancellationToken).ConfigureAwait(false);
        if (text is null)
        {
            return (null, source);
        }

        TrustPolicy policy;
        try
        {
            policy = TrustPolicy.Parse(Encoding.UTF8.GetString(text));
        }
        catch (NoteFormatException e)
        {
            failures.Add(new RecordFetchFailure(found.Index, hex, $"the witness policy does not parse: {e.Message}"));
            return (null, source);
        }

        (long Index, LogEntry Entry, SignedNote Note)? charterEntry = entries.FirstOrDefault(e => e.Entry.Type == RecordEntryTypes.Charter) is { Entry: not null } c ? c : null;
        if (charterEntry is not { } charterFound)
        {
            failures.Add(new RecordFetchFailure(found.Index, hex, "the board has no charter entry, so nobody can be shown to have agreed to this witness policy"));
            return (null, source);
        }

        byte[]? charterBytes = await GetBlobAsync(charterFound.Entry.Sha256, blobs, charterFound.Index, failures, cancellationToken).ConfigureAwait(false);
        if (charterBytes is null)
        {
            return (null, source);
        }

        Charter charter;
        try
        {
            charter = Charter.Parse(Encoding.UTF8.GetString(charterBytes));
        }
        catch (FormatException e)
        {
            failures.Add(new RecordFetchFailure(charterFound.Index, charterFound.Entry.Sha256.ToHex(), $"the charter does not parse: {e.Message}"));
            return (null, source);
        }

        List<CharterMember> parties = [.. charter.Members.Where(m => m.Roles.Contains(Charter.PartyRole))];
        if (parties.Count == 0 && charter.Find(found.Entry.Party) is CharterMember author)
        {
            parties = [author];
        }

        string[] missing = [.. parties.Where(m => !NoteVerification.HasValidSignature(found.Note, m.Key)).Select(m => m.Name)];
        if (parties.Count == 0 || missing.Length > 0)
        {
            failures.Add(new RecordFetchFailure(found.Index, hex, parties.Count == 0
                ? $"the witness policy's party {found.Entry.Party} is not in the board's charter"
                : $"the witness policy is not signed by every party of the board's charter: no valid signature by {string.Join(", ", missing)}"));
            return (null, source);
        }

        return (policy, $"{source}, signed by {string.Join(", ", parties.Select(m => m.Name))}");
    }

    private async Task<byte[]?> GetBlobAsync(Hash256 sha256, Dictionary<Hash256, Fetched> blobs, long index, List<RecordFetchFailure> failures, CancellationToken cancellationToken)
    {
        if (!blobs.TryGetValue(sha256, out Fetched? fetched))
        {
            fetched = await FetchOneAsync(sha256, cancellationToken).ConfigureAwait(false);
            blobs[sha256] = fetched;
        }

        if (fetched.Bytes is null)
        {
            failures.Add(new RecordFetchFailure(index, sha256.ToHex(), fetched.Failure!));
        }

        return fetched.Bytes;
    }

    /// <summary>An artifact as fetched: its bytes, checked against the SHA-256 that addresses it, or why there are none.</summary>
    private sealed record Fetched(byte[]? Bytes, string? Failure);

    /// <summary>A blob checked against its SHA-256, or the failure (reported for every entry that commits to it).</summary>
    private async Task<Fetched> FetchOneAsync(Hash256 sha256, CancellationToken cancellationToken)
    {
        string path = "GET /blob/" + sha256.ToHex();
        try
        {
            return await _log.GetBlobAsync(sha256, cancellationToken).ConfigureAwait(false) is byte[] bytes
                ? new Fetched(bytes, null)
                : new Fetched(null, $"the board does not serve the artifact ({path} answers 404 Not Found)");
        }
        catch (LogVerificationException)
        {
            return new Fetched(null, $"the board serves bytes whose SHA-256 is not the entry's ({path}): the artifact was altered");
        }
        catch (RequestRefusedException e)
        {
            return new Fetched(null, $"the board does not serve the artifact ({path} answers {(int)e.Status} {e.Title}: {e.Detail})");
        }
        catch (FormatException e)
        {
            return new Fetched(null, $"{path}: {e.Message}");
        }
    }

    private async Task FetchBlobsAsync(Hash256[] hashes, Dictionary<Hash256, Fetched> blobs, RecordFetchOptions options, CancellationToken cancellationToken)
    {
        Fetched[] fetched = new Fetched[hashes.Length];
        int done = 0;
        await Parallel.ForAsync(0, hashes.Length, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Parallelism), CancellationToken = cancellationToken }, async (i, token) =>
        {
            fetched[i] = await FetchOneAsync(hashes[i], token).ConfigureAwait(false);
            int n = Interlocked.Increment(ref done);
            if (n % 64 == 0)
            {
                options.Progress?.Report(new RecordFetchProgress("artifacts", n, hashes.Length));
            }
        }).ConfigureAwait(false);
        for (int i = 0; i < hashes.Length; i++)
        {
            blobs[hashes[i]] = fetched[i];
        }
    }

    /// <summary>Each ballot entry's type, <c>ballot</c> and <c>code</c> fields must be the ballot's state, id and confirmation code (what voters look up).</summary>
    private static void CheckBallotEntries(ElectionRecord record, Dictionary<string, (long Index, LogEntry Entry)> ballotEntries, List<RecordFetchFailure> failures)
    {
        foreach (EncryptedBallot ballot in record.Ballots)
        {
            string hex = Hash256.Compute(RecordFormat.WriteBallot(ballot)).ToHex();
            if (!ballotEntries.TryGetValue(hex, out (long Index, LogEntry Entry) found))
            {
                continue;
            }

            string type = ballot.State == BallotState.Cast ? "ballot.cast" : "ballot.challenged";
            if (found.Entry.Type != type || found.Entry.BallotId != ballot.Id.ToHex() || found.Entry.ConfirmationCode != ballot.ConfirmationCode.ToHex())
            {
                failures.Add(new RecordFetchFailure(found.Index, hex,
                    $"the entry says {found.Entry.Type} ballot {found.Entry.BallotId ?? "(none)"} code {found.Entry.ConfirmationCode ?? "(none)"}, but the artifact is {type} ballot {ballot.Id.ToHex()} code {ballot.ConfirmationCode.ToHex()}"));
            }
        }
    }
}

/// <summary>Source-generated JSON of the board documents the fetcher reads (strict: the format is ours).</summary>
[JsonSourceGenerationOptions(UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow, AllowDuplicateProperties = false, RespectNullableAnnotations = true, RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(BoardStatus))]
internal sealed partial class RecordJsonContext : JsonSerializerContext;
