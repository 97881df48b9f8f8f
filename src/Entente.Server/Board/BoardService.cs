using System.IO.Compression;
using System.Text;
using Entente.Client.Board;
using Entente.Client.Record;
using Entente.Election;
using Entente.Election.Encryption;
using Entente.Election.Record;
using Entente.Server.Auth;
using Entente.Server.Log;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;
using TlogHash = Entente.Transparency.Hash256;

namespace Entente.Server.Board;

/// <summary>
/// The election board over the log: every artifact is validated by the board's rules (<see cref="BoardState"/>),
/// stored as a content-addressed blob and committed by a small log entry signed by the submitting party (and, for
/// joint artifacts, by every party); <see cref="BoardIndex"/> says where each is. The state is derived from the log
/// alone: on start it is rebuilt by reading every entry, so the log stays the only source of truth. This class holds
/// what is not a rule: the gate that serialises non-ballot writes, the concurrent intake of ballots (claimed by id so
/// that a duplicate is refused even under concurrency, none accepted once voting closes), the checks of the signed
/// entry against the artifact, the append, and the index. Refusals come back as <see cref="BoardResult{T}"/>.
/// </summary>
public sealed class BoardService : IDisposable
{
    private const string EntryHeader = BoardProtocol.EntryHeader;

    private readonly LogService _log;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly BoardState _state;
    private readonly BoardIndex _index = new();
    private readonly ScheduleLog _schedule = new();
    private readonly Ballots _ballots;
    private BoardProposals _proposals = null!;

    // Pipelined admissions (see SubmitPipelinedAsync): checked and applied to the state under the gate, queued in the log,
    // not yet durable and indexed. _admitting holds their ids (so that a second post of one is refused as a duplicate);
    // _drained completes when none is left; _stopped is why the log stopped under one of them.
    private static readonly HashSet<BoardKind> Pipelined = new() { BoardKind.RollChanges, BoardKind.UnofficialResults };
    private readonly Lock _admitLock = new();
    private readonly HashSet<(string Collection, string Id)> _admitting = [];
    private TaskCompletionSource _drained = Drained();
    private Exception? _stopped;

    // Ballots: claimed ids not in the index (being posted, or, should indexing a stored ballot have failed, stored), in-flight
    // submissions, and whether voting is closed. A ballot on the board is claimed by being in the index, which holds its id
    // in 32 bytes (a set of every id here would hold about 180 bytes a ballot more: docs/scale.md).
    private readonly Lock _ballotLock = new();
    private readonly HashSet<string> _ballotIds = new(StringComparer.Ordinal);
    private int _inflight;
    private bool _closed;

    // Ballots being validated now (parse, signatures, proofs), for the backpressure of SubmitBallotAsync.
    private int _validating;

    private BoardService(LogService log, BoardLimits limits)
    {
        _log = log;
        Limits = limits;
        _state = new BoardState(log.Charter) { Schedule = () => _schedule.Evaluate(log.Charter), Clock = limits.Clock, BallotValidator = limits.BallotValidator };
        _ballots = new Ballots(this);
    }

    /// <summary>Size limits of the board's routes.</summary>
    public BoardLimits Limits { get; }

    /// <summary>The log underneath.</summary>
    public LogService Log => _log;

    /// <summary>Where each artifact is in the log.</summary>
    public BoardIndex Index => _index;

    /// <summary>Opens the board over <paramref name="log"/>, rebuilding its state from every entry.</summary>
    public static async Task<BoardService> OpenAsync(LogService log, BoardLimits? limits = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(log);
        BoardService board = new(log, limits ?? new BoardLimits());
        long size = log.Sequencer.Head.Size;
        // A log written before entries had identities may hold an entry twice (the same signed text with other signature
        // lines): each artifact is indexed once, from its first entry, and the repeat is named under problems.
        DistinctEntries distinct = new();
        for (long start = 0; start < size; start += 256)
        {
            IReadOnlyList<byte[]> entries = await log.Store.ReadEntriesAsync(start, (int)Math.Min(256, size - start), cancellationToken);
            for (int i = 0; i < entries.Count; i++)
            {
                if (distinct.FirstIndexOf(start + i, entries[i]) is long first)
                {
                    board._state.AddProblem($"entry {start + i} repeats entry {first} (the same signed text); counted once.");
                    continue;
                }

                await board.ReplayAsync(start + i, entries[i], cancellationToken);
            }
        }

        board._closed = board._state.EncryptedTally is not null;
        board._proposals = await BoardProposals.OpenAsync(log.Options.Resolve("proposals"), log.Blobs, (kind, id) => board._index.Lookup(kind.Collection, id) is not null, cancellationToken);
        return board;
    }

    private async Task ReplayAsync(long index, byte[] bytes, CancellationToken ct)
    {
        LogEntry entry;
        try
        {
            entry = LogEntry.Parse(bytes).Entry;
        }
        catch (NoteFormatException)
        {
            return;
        }

        _schedule.Observe(index, entry);

        if (BoardKind.OfType(entry.Type) is not BoardKind kind)
        {
            return;
        }

        try
        {
            if (kind.IsBallot)
            {
                // Ballots are indexed from their entry alone; they are parsed only when a tally or the record needs them.
                string id = entry.BallotId ?? throw BoardRefusal.Invalid("Bad entry", "a ballot entry has no ballot field").Raise();
                lock (_ballotLock)
                {
                    if (_index.Contains(kind.Collection, id) || _ballotIds.Contains(id))
                    {
                        throw BoardRefusal.Conflict("Duplicate ballot", $"ballot {id} is already on the board (entry {_index.Lookup(kind.Collection, id)?.Index}); this one is not counted").Raise();
                    }

                    _index.Add(kind, id, index, entry);
                }

                return;
            }

            byte[] body = await _log.Blobs.GetCheckedAsync(entry.Sha256, ct) ?? throw BoardRefusal.Invalid("Missing blob", $"blob {entry.Sha256} is missing").Raise();
            PreparedArtifact prepared = await _state.PrepareAsync(kind, kind.ArgumentOf(entry.Type), entry.Party, body, _ballots, trusted: true, ct);
            if (_index.Lookup(kind.Collection, prepared.Id) is BoardArtifact earlier)
            {
                throw BoardRefusal.Conflict("Already on the board", $"{BoardIndex.Href(kind, prepared.Id)} is already on the board (entry {earlier.Index}); this one is not counted").Raise();
            }

            prepared.Apply();
            _index.Add(kind, prepared.Id, index, entry);
            _schedule.Observe(index, entry, body);
        }
        catch (Exception e) when (e is BoardRefusedException or ElectionFormatException or LogStoreException)
        {
            _state.AddProblem($"entry {index} ({entry.Type}): {e.Message}");
        }
    }

    /// <summary>
    /// Validates and logs an artifact of <paramref name="kind"/> posted by <paramref name="request"/>'s signer with the
    /// signed entry <paramref name="entryHeader"/> (base64). Returns the artifact as logged, or (for a joint artifact that
    /// still lacks a party's signature) the pending proposal, or why it was refused.
    /// </summary>
    public async Task<BoardResult<BoardPosted>> SubmitAsync(BoardKind kind, string? routeArgument, SignedRequest request, string? entryHeader, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            return BoardResult.Ok(kind.IsBallot
                ? new BoardPosted(await SubmitBallotAsync(kind, request, entryHeader, cancellationToken), null)
                : await SubmitSerialAsync(kind, routeArgument, request, entryHeader, cancellationToken));
        }
        catch (BoardRefusedException e)
        {
            return BoardResult.Refused<BoardPosted>(e.Refusal);
        }
    }

    /// <summary>
    /// Logs a reading or sign-off posted by an audit board's page (docs/audit.md, "The audit-board screen"): the entry is
    /// signed by one key only, the audit-board key its party names, registered for the artifact's audit and board and not
    /// revoked (403 naming the revocation's log index); then the rules of any reading or sign-off.
    /// </summary>
    public async Task<BoardResult<BoardArtifact>> SubmitAuditBoardAsync(BoardKind kind, byte[] body, string entryHeader, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            (LogEntry entry, SignedNote note, byte[] entryBytes) = ParseEntryHeader(entryHeader);
            await EnterAsync(cancellationToken);
            try
            {
                if (_state.AuditBoardOf(entry.Party) is not { } registered)
                {
                    throw BoardRefusal.Forbidden("Unknown audit board key", $"{EntryHeader}: {entry.Party} is not the key of a registered audit board (entente audit board add); posts are signed by a charter member or a registered audit board's key.").Raise();
                }

                if (_index.Lookup(BoardKind.AuditBoards.Collection, new Entente.Audit.Trail.AuditBoardRevokedArtifact(registered.Board.AuditId, registered.Board.Board).Id) is BoardArtifact revocation)
                {
                    throw new BoardRefusal(RefusalKind.Forbidden, "Audit board key revoked", $"the key of audit board \"{registered.Board.Board}\" of audit {registered.Board.AuditId} was revoked at log entry {revocation.Index}; this link no longer posts.")
                    {
                        Extensions = new Dictionary<string, object?>(StringComparer.Ordinal) { ["revocation_index"] = revocation.Index },
                    }.Raise();
                }

                Ed25519NoteVerifier key = new(entry.Party, registered.Board.PublicKey);
                if (note.Signatures.Count != 1 || !NoteVerification.HasValidSignature(note, key) || !note.ToBytes().AsSpan().SequenceEqual(entryBytes))
                {
                    throw BoardRefusal.Forbidden("Bad entry signature", $"{EntryHeader}: an audit board's entry carries exactly one signature line, a valid one by its registered key ({entry.Party}), in canonical form.").Raise();
                }

                PreparedArtifact prepared = _state.PrepareAuditBoardPost(kind, entry.Party, body);
                Unique(kind, prepared.Id);
                CheckEntryFields(prepared, body, entry, entry.Party);
                CheckTime(entry);
                long index = await AppendAsync(body, entryBytes, cancellationToken);
                prepared.Apply();
                _schedule.Observe(index, entry, body);
                return BoardResult.Ok(_index.Add(kind, prepared.Id, index, entry));
            }
            finally
            {
                _gate.Release();
            }
        }
        catch (BoardRefusedException e)
        {
            return BoardResult.Refused<BoardArtifact>(e.Refusal);
        }
    }

    /// <summary>The pending proposals of joint artifacts.</summary>
    public async Task<IReadOnlyList<BoardProposal>> ProposalsAsync(CancellationToken cancellationToken)
    {
        await EnterAsync(cancellationToken);
        try
        {
            return [.. _proposals.All.Select(Describe)];
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The pending proposal of (<paramref name="collection"/>, <paramref name="id"/>), or null.</summary>
    public async Task<BoardProposal?> ProposalAsync(string collection, string id, CancellationToken cancellationToken)
    {
        await EnterAsync(cancellationToken);
        try
        {
            return _proposals.Get(collection, id) is PendingProposal p ? Describe(p) : null;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The wire form of a pending proposal: its entry with the signatures so far, who signed and who is awaited.</summary>
    public BoardProposal Describe(PendingProposal proposal)
    {
        ArgumentNullException.ThrowIfNull(proposal);
        (IReadOnlyList<string> signed, IReadOnlyList<string> awaiting) = Signers(proposal.Note);
        return new BoardProposal(proposal.Kind.Collection, proposal.Id, proposal.Entry.Type, proposal.Sha256, proposal.Entry.Party,
            Convert.ToBase64String(proposal.Note.ToBytes()), signed, awaiting, proposal.Checked, ProposalHref(proposal.Kind, proposal.Id), BoardIndex.Href(proposal.Kind, proposal.Id));
    }

    /// <summary>Where a pending proposal is served.</summary>
    public static string ProposalHref(BoardKind kind, string id)
    {
        ArgumentNullException.ThrowIfNull(kind);
        return kind.Singleton ? $"/board/proposals/{kind.Collection}" : $"/board/proposals/{kind.Collection}/{Uri.EscapeDataString(id)}";
    }

    private async Task<BoardPosted> SubmitSerialAsync(BoardKind kind, string? routeArgument, SignedRequest request, string? entryHeader, CancellationToken ct)
    {
        CharterMember member = CheckRole(kind, request.Member);
        (LogEntry entry, SignedNote note, byte[] entryBytes) = ParseEntryHeader(entryHeader);
        if (Pipelined.Contains(kind))
        {
            return new BoardPosted(await SubmitPipelinedAsync(kind, routeArgument, member, request.Body, entry, note, entryBytes, ct), null);
        }

        await EnterAsync(ct);
        try
        {
            if (kind.Singleton)
            {
                Unique(kind, kind.Collection);
            }

            if (kind.Joint)
            {
                return await SubmitJointAsync(kind, routeArgument, member, request.Body, entry, note, entryBytes, ct);
            }

            PreparedArtifact prepared = await _state.PrepareAsync(kind, routeArgument, member.Name, request.Body, _ballots, trusted: false, ct);
            Unique(kind, prepared.Id);
            if (prepared.Validate is not null)
            {
                await prepared.Validate(ct);
            }

            CheckEntryFields(prepared, request.Body, entry, member.Name);
            CheckTime(entry);
            prepared.CheckEntry?.Invoke(entry);
            CheckSignature(note, entryBytes, member);
            long index = await AppendAsync(request.Body, entryBytes, ct);
            prepared.Apply();
            _schedule.Observe(index, entry, request.Body);
            return new BoardPosted(_index.Add(kind, prepared.Id, index, entry), null);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// An artifact of a kind whose rules read only the state that artifacts of the kind build and whose parse reads none
    /// (voter-roll changes and unofficial results: <see cref="Pipelined"/>, rules in <see cref="PreparedArtifact.Validate"/>),
    /// admitted without holding the gate through the durable write. Parsed and its entry and signature checked before the
    /// gate; under the gate it is checked against the state as every earlier admission left it, queued in the log (in that order:
    /// log order is the order the rules were checked in) and applied; then the gate is released and the post waits for
    /// its commit, which the sequencer shares with every post admitted meanwhile. One durable write serves a burst of
    /// posts instead of one each, as for ballots. Readers never see an admission before it is durable: every other
    /// holder of the gate first waits until none is pending (<see cref="EnterAsync"/>). Should the log stop before an
    /// admitted entry is durable, the state is ahead of the log; the board then refuses every post and read of its state
    /// until it is restarted, when the state is rebuilt from the log alone.
    /// </summary>
    private async Task<BoardArtifact> SubmitPipelinedAsync(BoardKind kind, string? routeArgument, CharterMember member, byte[] body, LogEntry entry, SignedNote note, byte[] entryBytes, CancellationToken ct)
    {
        // What reads no state runs before the gate, on as many threads as there are posts: the artifact's strict parse
        // (these kinds' rules are in Validate), the entry against the artifact, the signature.
        PreparedArtifact prepared = await _state.PrepareAsync(kind, routeArgument, member.Name, body, _ballots, trusted: false, ct);
        string id = prepared.Id;
        CheckEntryFields(prepared, body, entry, member.Name);
        CheckTime(entry);
        prepared.CheckEntry?.Invoke(entry);
        CheckSignature(note, entryBytes, member);
        Task<AddResult> committed;
        await _gate.WaitAsync(ct);
        try
        {
            ThrowIfStopped();
            Unique(kind, id);
            if (prepared.Validate is not null)
            {
                await prepared.Validate(ct);
            }

            try
            {
                committed = await _log.Sequencer.EnqueueAsync(entryBytes, body, CancellationToken.None);
            }
            catch (LogFatalException e)
            {
                throw new BoardRefusal(RefusalKind.Unavailable, "Log stopped", e.Message).Raise();
            }

            lock (_admitLock)
            {
                _admitting.Add((kind.Collection, id));
                if (_admitting.Count == 1)
                {
                    _drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }
            }

            try
            {
                prepared.Apply();
            }
            catch (Exception e)
            {
                // The entry is queued and will be logged, but the state did not take it: it no longer follows the log.
                Volatile.Write(ref _stopped, e);
            }
        }
        finally
        {
            _gate.Release();
        }

        try
        {
            AddResult added = await committed;
            ThrowIfStopped();
            if (added.Duplicate)
            {
                await _log.Blobs.PutAsync(body, CancellationToken.None);
            }

            _log.Metrics.Appended("board", added.Duplicate);
            _schedule.Observe(added.Index, entry, body);
            return _index.Add(kind, id, added.Index, entry);
        }
        catch (Exception e) when (e is not BoardRefusedException)
        {
            Volatile.Write(ref _stopped, e);
            throw new BoardRefusal(RefusalKind.Unavailable, "Log stopped", $"the log stopped before {BoardIndex.Href(kind, id)} was durable ({e.Message}); the board refuses posts until it is restarted and has rebuilt its state from the log.").Raise();
        }
        finally
        {
            lock (_admitLock)
            {
                _admitting.Remove((kind.Collection, id));
                if (_admitting.Count == 0)
                {
                    _drained.TrySetResult();
                }
            }
        }
    }

    /// <summary>Takes the gate once no pipelined admission is pending, so that the holder sees the state and the index agree with the log.</summary>
    private async Task EnterAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            Task drained;
            lock (_admitLock)
            {
                drained = _drained.Task;
            }

            // No admission starts while the gate is held, so this waits only for those already queued.
            await drained.WaitAsync(ct);
            ThrowIfStopped();
        }
        catch
        {
            _gate.Release();
            throw;
        }
    }

    private void ThrowIfStopped()
    {
        if (Volatile.Read(ref _stopped) is Exception e)
        {
            throw new BoardRefusal(RefusalKind.Unavailable, "Log stopped", $"the log stopped with entries admitted but not durable ({e.Message}); restart the board: it rebuilds its state from the log.").Raise();
        }
    }

    private static TaskCompletionSource Drained()
    {
        TaskCompletionSource drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
        drained.SetResult();
        return drained;
    }

    /// <summary>
    /// A joint artifact, signed by each party in turn (docs/http-api.md, "Joint artifacts"): the first post proposes the
    /// artifact with its entry text (the proposer's <c>party</c> field); every later post of the same artifact adds its
    /// signer's signature over that same text; the post that completes the set of party signatures has the artifact
    /// checked once more and logged, once, with every signature. A proposal is checked when it arrives unless a
    /// prerequisite is itself still missing (a single document only). A different artifact while one is pending is
    /// refused, naming where they differ, unless the pending one no longer passes the rules (it is then dropped).
    /// The caller holds the gate.
    /// </summary>
    private async Task<BoardPosted> SubmitJointAsync(BoardKind kind, string? routeArgument, CharterMember member, byte[] body, LogEntry entry, SignedNote note, byte[] entryBytes, CancellationToken ct)
    {
        string sha = TlogHash.Compute(body).ToHex();
        Expect("sha256", entry.Sha256.ToHex(), sha);
        if (!kind.Types.Contains(entry.Type))
        {
            Expect("type", entry.Type, kind.Types[0]);
        }

        if (_log.Charter.Find(entry.Party) is not CharterMember proposer || !proposer.Roles.Contains(Charter.PartyRole))
        {
            throw BoardRefusal.Invalid("Entry does not match", $"{EntryHeader}: field \"party\" is \"{entry.Party}\" but the entry of a joint artifact names a party of the charter (the one that proposed it).").Raise();
        }

        CheckSignature(note, entryBytes, member);
        PreparedArtifact? prepared = null;
        BoardRefusal? deferred = null;
        try
        {
            prepared = await _state.PrepareAsync(kind, routeArgument, member.Name, body, _ballots, trusted: false, ct);
        }
        catch (BoardRefusedException e) when (kind.Singleton && e.Refusal is { Kind: RefusalKind.Conflict, Title: "Not yet" })
        {
            deferred = e.Refusal; // a prerequisite is missing (itself pending, perhaps): checked when complete
        }

        string id = prepared?.Id ?? kind.Collection;
        Unique(kind, id);
        PendingProposal? pending = _proposals.Get(kind.Collection, id);
        if (pending is not null && pending.Entry.ToText() != entry.ToText())
        {
            if (pending.Sha256 == sha)
            {
                throw new BoardRefusal(RefusalKind.Conflict, "Proposal pending",
                    $"{BoardIndex.Href(kind, id)}: the same artifact was proposed by \"{pending.Entry.Party}\" with another entry text; sign that entry (GET {ProposalHref(kind, id)}) instead of proposing your own.")
                {
                    Extensions = new Dictionary<string, object?>(StringComparer.Ordinal) { ["proposal"] = ProposalHref(kind, id), ["sha256"] = sha },
                }.Raise();
            }

            if (await StillValidAsync(pending, routeArgument, member, ct))
            {
                (IReadOnlyList<string> signed, _) = Signers(pending.Note);
                throw new BoardRefusal(RefusalKind.Conflict, "Different proposal pending",
                    $"{BoardIndex.Href(kind, id)}: your artifact (sha256 {sha}) differs from the one proposed by \"{pending.Entry.Party}\" and signed by {string.Join(", ", signed)} (sha256 {pending.Sha256}) first at {BoardProposals.FirstDifference(body, pending.Body)}; each party computes it from the board: compute it again, or find which of you read the board differently.")
                {
                    Extensions = new Dictionary<string, object?>(StringComparer.Ordinal)
                    {
                        ["proposal"] = ProposalHref(kind, id),
                        ["sha256"] = sha,
                        ["pending_sha256"] = pending.Sha256,
                        ["difference"] = BoardProposals.FirstDifference(body, pending.Body),
                    },
                }.Raise();
            }

            _proposals.Remove(kind, id); // stale: it no longer passes the rules (e.g. ballots arrived since)
            pending = null;
        }

        if (pending is null)
        {
            CheckTime(entry); // a joint entry's time is its proposal's: checked when proposed, then signed by every party
        }

        SignedNote merged = pending?.Note ?? new SignedNote(note.Text, []);
        foreach (NoteSignature signature in note.Signatures)
        {
            SignedNote candidate = new(note.Text, [signature]);
            if (PartyKeys().Any(k => NoteVerification.HasValidSignature(candidate, k)))
            {
                merged = merged.WithSignature(signature);
            }
        }

        (_, IReadOnlyList<string> awaiting) = Signers(merged);
        if (awaiting.Count > 0)
        {
            if (prepared is not null)
            {
                try
                {
                    if (prepared.Validate is not null)
                    {
                        await prepared.Validate(ct);
                    }
                }
                catch (BoardRefusedException) when (pending is not null)
                {
                    _proposals.Remove(kind, id); // the pending proposal no longer passes the rules
                    throw;
                }

                CheckEntryFields(prepared, body, entry, null);
            }

            PendingProposal proposal = new(kind, id, body, entry, merged, prepared is not null);
            await _proposals.PutAsync(proposal, ct);
            return new BoardPosted(null, proposal);
        }

        if (prepared is null)
        {
            // Every party signed, but a prerequisite is still missing: kept (with every signature) until it is there.
            await _proposals.PutAsync(new PendingProposal(kind, id, body, entry, merged, false), ct);
            throw deferred!.Raise();
        }

        bool closing = false;
        try
        {
            if (kind.ClosesVoting && !_closed)
            {
                // Voting closes before the tally is checked against the ballots, so none can slip in between.
                closing = true;
                await CloseVotingAsync(ct);
                prepared = await _state.PrepareAsync(kind, routeArgument, member.Name, body, _ballots, trusted: false, ct);
            }

            try
            {
                if (prepared.Validate is not null)
                {
                    await prepared.Validate(ct);
                }
            }
            catch (BoardRefusedException) when (pending is not null)
            {
                _proposals.Remove(kind, id); // complete but wrong now: the parties compute it again
                throw;
            }

            CheckEntryFields(prepared, body, entry, null);
            long index = await AppendAsync(body, merged.ToBytes(), ct);
            prepared.Apply();
            closing = false;
            if (pending is not null)
            {
                _proposals.Remove(kind, id);
            }

            _schedule.Observe(index, entry, body);
            return new BoardPosted(_index.Add(kind, prepared.Id, index, entry), null);
        }
        finally
        {
            if (closing)
            {
                ReopenVoting();
            }
        }
    }

    private async Task<bool> StillValidAsync(PendingProposal pending, string? routeArgument, CharterMember member, CancellationToken ct)
    {
        try
        {
            PreparedArtifact prepared = await _state.PrepareAsync(pending.Kind, routeArgument, member.Name, pending.Body, _ballots, trusted: false, ct);
            if (prepared.Validate is not null)
            {
                await prepared.Validate(ct);
            }

            return true;
        }
        catch (BoardRefusedException e)
        {
            return e.Refusal is { Kind: RefusalKind.Conflict, Title: "Not yet" }; // cannot tell yet: it stays
        }
    }

    private IEnumerable<Ed25519NoteVerifier> PartyKeys() => _log.Charter.Members.Where(m => m.Roles.Contains(Charter.PartyRole)).Select(m => m.Key);

    /// <summary>The parties whose signature is on <paramref name="note"/>, and those still awaited, by name.</summary>
    private (IReadOnlyList<string> Signed, IReadOnlyList<string> Awaiting) Signers(SignedNote note)
    {
        List<string> signed = [];
        List<string> awaiting = [];
        foreach (CharterMember party in _log.Charter.Members.Where(m => m.Roles.Contains(Charter.PartyRole)).OrderBy(m => m.Name, StringComparer.Ordinal))
        {
            (NoteVerification.HasValidSignature(note, party.Key) ? signed : awaiting).Add(party.Name);
        }

        return (signed, awaiting);
    }

    private async Task<BoardArtifact> SubmitBallotAsync(BoardKind kind, SignedRequest request, string? entryHeader, CancellationToken ct)
    {
        CharterMember member = CheckRole(kind, request.Member);
        (LogEntry entry, SignedNote note, byte[] entryBytes) = ParseEntryHeader(entryHeader);
        ReserveValidations(1, "post this ballot again");
        PreparedArtifact prepared = await ValidateBallotAsync(member, request.Body, entry, note, entryBytes, ct);
        string id = prepared.Id;
        Claim(id);
        bool stored = false;
        try
        {
            long index = await AppendAsync(request.Body, entryBytes, ct);
            stored = true;
            _schedule.Observe(index, entry);
            return _index.Add(kind, id, index, entry);
        }
        finally
        {
            Release(id, stored);
        }
    }

    /// <summary>
    /// A batch of ballots from one device (<c>POST /board/ballots/batch</c>, docs/http-api.md "Ballots in a batch"): each item
    /// is validated as a single post would be (same checks, same refusals, the proofs through the same
    /// <see cref="BoardLimits.BallotValidator"/>, all items at once), then the valid ones are claimed in the request's order
    /// (a ballot already on the board, or twice in the batch, is refused as a duplicate naming its index) and queued in the
    /// log in that order, so that they share the sequencer's commits; the answer comes once every logged item is durable.
    /// A refused item does not stop the others. Backpressure takes the whole request: when validation lags it is refused
    /// (503) before any item is parsed.
    /// </summary>
    public async Task<BoardResult<IReadOnlyList<BoardBatchItem>>> SubmitBallotBatchAsync(SignedRequest request, IReadOnlyList<BatchBallot> items, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(items);
        BoardKind kind = BoardKind.Ballots;
        CharterMember member;
        try
        {
            member = CheckRole(kind, request.Member);
            ReserveValidations(items.Count, "post the batch again");
        }
        catch (BoardRefusedException e)
        {
            return BoardResult.Refused<IReadOnlyList<BoardBatchItem>>(e.Refusal);
        }

        BoardBatchItem?[] results = new BoardBatchItem?[items.Count];
        (PreparedArtifact Prepared, LogEntry Entry, byte[] EntryBytes)?[] valid = await Task.WhenAll(items.Select((item, i) => ValidateItemAsync(i, item)));

        // In the request's order: claimed (a duplicate refused), then queued in the log one after the other.
        List<(int Item, string Id, LogEntry Entry, Task<AddResult>? Committed)> claimed = [];
        for (int i = 0; i < items.Count; i++)
        {
            if (valid[i] is not { } v)
            {
                continue;
            }

            try
            {
                Claim(v.Prepared.Id);
                claimed.Add((i, v.Prepared.Id, v.Entry, null));
            }
            catch (BoardRefusedException e)
            {
                results[i] = Refused(i, v.Prepared.Id, e.Refusal);
            }
        }

        bool[] stored = new bool[claimed.Count];
        try
        {
            for (int c = 0; c < claimed.Count; c++)
            {
                int i = claimed[c].Item;
                try
                {
                    // Not cancellable once queued: the entry is logged whatever becomes of the request (as AppendAsync).
                    claimed[c] = claimed[c] with { Committed = await _log.Sequencer.EnqueueAsync(valid[i]!.Value.EntryBytes, items[i].Ballot, CancellationToken.None) };
                }
                catch (LogFatalException e)
                {
                    results[i] = Refused(i, claimed[c].Id, new BoardRefusal(RefusalKind.Unavailable, "Log stopped", e.Message));
                }
            }

            for (int c = 0; c < claimed.Count; c++)
            {
                (int i, string id, LogEntry entry, Task<AddResult>? committed) = claimed[c];
                if (committed is null)
                {
                    continue;
                }

                try
                {
                    long index = await CommittedAsync(committed, items[i].Ballot, CancellationToken.None);
                    stored[c] = true;
                    _schedule.Observe(index, entry);
                    BoardArtifact logged = _index.Add(kind, id, index, entry);
                    results[i] = new BoardBatchItem(201, id, logged.Index, logged.Href, logged.Sha256);
                }
                catch (BoardRefusedException e)
                {
                    results[i] = Refused(i, id, e.Refusal);
                }
            }
        }
        finally
        {
            for (int c = 0; c < claimed.Count; c++)
            {
                Release(claimed[c].Id, stored[c]);
            }
        }

        // A ballot twice in the batch: its second item names where the first was logged.
        for (int i = 0; i < results.Length; i++)
        {
            if (results[i] is { Status: 409, Title: "Duplicate ballot", Index: null, Ballot: string id } duplicate && _index.Lookup(kind.Collection, id) is BoardArtifact first)
            {
                results[i] = duplicate with { Index = first.Index, Href = first.Href, Sha256 = first.Sha256 };
            }
        }

        return BoardResult.Ok<IReadOnlyList<BoardBatchItem>>([.. results.Select(r => r!)]);

        async Task<(PreparedArtifact, LogEntry, byte[])?> ValidateItemAsync(int i, BatchBallot item)
        {
            LogEntry entry;
            SignedNote note;
            try
            {
                (entry, note) = LogEntry.Parse(item.Entry);
            }
            catch (NoteFormatException e)
            {
                Interlocked.Decrement(ref _validating);
                results[i] = Refused(i, null, BoardRefusal.Malformed("Malformed entry", $"{EntryHeader}: {e.Message}"));
                return null;
            }

            try
            {
                PreparedArtifact prepared = await ValidateBallotAsync(member, item.Ballot, entry, note, item.Entry, cancellationToken);
                return (prepared, entry, item.Entry);
            }
            catch (BoardRefusedException e)
            {
                results[i] = Refused(i, entry.BallotId, e.Refusal);
                return null;
            }
        }
    }

    /// <summary>A refused item of a batch: the refusal a single post would get, its detail naming the item.</summary>
    private static BoardBatchItem Refused(int item, string? ballot, BoardRefusal refusal)
    {
        int status = Endpoints.BoardEndpoints.StatusOf(refusal.Kind);
        string detail = refusal.Detail.StartsWith(EntryHeader + ":", StringComparison.Ordinal)
            ? $"ballots[{item}].entry{refusal.Detail[EntryHeader.Length..]}"
            : $"ballots[{item}]: {refusal.Detail}";
        IReadOnlyDictionary<string, object?>? x = refusal.Extensions;
        return new BoardBatchItem(status, ballot, x?.GetValueOrDefault("index") as long?, x?.GetValueOrDefault("href") as string, x?.GetValueOrDefault("sha256") as string,
            Endpoints.BoardEndpoints.ProblemTypeOf(status), refusal.Title, detail);
    }

    /// <summary>
    /// Backpressure: holds <paramref name="count"/> of the <see cref="BoardLimits.MaxPendingValidations"/> places, or refuses
    /// (503 with Retry-After) before anything is parsed or checked. A batch larger than the limit is let in when nothing else
    /// is being validated, so that it is never refused for ever. <see cref="ValidateBallotAsync"/> gives each place back.
    /// </summary>
    private void ReserveValidations(int count, string again)
    {
        int most = Math.Max(1, Limits.MaxPendingValidations);
        int now = Interlocked.Add(ref _validating, count);
        if (now > most && now != count)
        {
            Interlocked.Add(ref _validating, -count);
            _log.Metrics.BallotShed();
            throw new BoardRefusal(RefusalKind.Unavailable, "Busy validating", $"the board is validating {most} ballots, as many as it holds at once; nothing was stored, {again} after the Retry-After wait.") { RetryAfterSeconds = 1 }.Raise();
        }
    }

    /// <summary>
    /// A ballot's validation, timed for the operators (entente.ballot.validation.duration): parse, entry, signature, proofs.
    /// Gives back the place <see cref="ReserveValidations"/> held for it.
    /// </summary>
    private async Task<PreparedArtifact> ValidateBallotAsync(CharterMember member, byte[] body, LogEntry entry, SignedNote note, byte[] entryBytes, CancellationToken ct)
    {
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        bool valid = false;
        try
        {
            PreparedArtifact prepared = _state.PrepareBallot(body, member.Name, trusted: false);
            CheckEntryFields(prepared, body, entry, member.Name);
            CheckTime(entry);
            CheckSignature(note, entryBytes, member);
            if (prepared.Validate is not null)
            {
                await prepared.Validate(ct);
            }

            valid = true;
            return prepared;
        }
        finally
        {
            Interlocked.Decrement(ref _validating);
            _log.Metrics.BallotValidated(System.Diagnostics.Stopwatch.GetElapsedTime(started), valid);
        }
    }

    /// <summary>Claims a ballot's id for this post (refused once voting is closed, or when the id is on the board or being posted).</summary>
    private void Claim(string id)
    {
        lock (_ballotLock)
        {
            if (_closed)
            {
                throw BoardRefusal.Conflict("Voting closed", "The encrypted tally is on the board (or being posted): no more ballots are accepted.").Raise();
            }

            if (_index.Contains(BoardKind.Ballots.Collection, id) || !_ballotIds.Add(id))
            {
                BoardArtifact? existing = _index.Lookup(BoardKind.Ballots.Collection, id);
                throw new BoardRefusal(RefusalKind.Conflict, "Duplicate ballot", $"ballot.id: a ballot with id {id} is already on the board{(existing is null ? " (or being posted)" : $" (log entry {existing.Index}, sha256 {existing.Sha256})")}.")
                {
                    Extensions = existing is null ? null : new Dictionary<string, object?>(StringComparer.Ordinal) { ["sha256"] = existing.Sha256, ["index"] = existing.Index, ["href"] = existing.Href },
                }.Raise();
            }

            _inflight++;
        }
    }

    /// <summary>Ends a claim: the id stays claimed when its ballot was stored (by the index, or here if it is not in it).</summary>
    private void Release(string id, bool stored)
    {
        lock (_ballotLock)
        {
            _inflight--;
            if (!stored || _index.Contains(BoardKind.Ballots.Collection, id))
            {
                _ballotIds.Remove(id);
            }
        }
    }

    private static CharterMember CheckRole(BoardKind kind, CharterMember member)
    {
        if (!member.Roles.Contains(kind.Role))
        {
            throw BoardRefusal.Forbidden("Role not allowed", $"\"{member.Name}\" lacks the role \"{kind.Role}\" that posting to /board/{kind.Collection} needs.").Raise();
        }

        return member;
    }

    private async Task CloseVotingAsync(CancellationToken ct)
    {
        lock (_ballotLock)
        {
            _closed = true;
        }

        while (true)
        {
            lock (_ballotLock)
            {
                if (_inflight == 0)
                {
                    return;
                }
            }

            await Task.Delay(5, ct);
        }
    }

    private void ReopenVoting()
    {
        lock (_ballotLock)
        {
            _closed = _state.EncryptedTally is not null;
        }
    }

    // The artifact goes into the sequencer's batch: entries and artifacts of a batch are one durable write. Not
    // cancellable: once queued the entry is logged whatever becomes of the request, and the caller must then apply it to
    // the state, or the state would no longer follow the log.
    private Task<long> AppendAsync(byte[] artifact, byte[] entryBytes, CancellationToken ct) =>
        CommittedAsync(_log.Sequencer.AddAsync(entryBytes, artifact, CancellationToken.None), artifact, ct);

    /// <summary>The log index of an entry queued with <paramref name="artifact"/>, once durable (a single post's or a batch item's).</summary>
    private async Task<long> CommittedAsync(Task<AddResult> queued, byte[] artifact, CancellationToken ct)
    {
        try
        {
            AddResult added = await queued;
            if (added.Duplicate)
            {
                // Already logged: its artifact was stored with it, unless that entry came without one.
                await _log.Blobs.PutAsync(artifact, ct);
            }

            _log.Metrics.Appended("board", added.Duplicate);
            return added.Index;
        }
        catch (LogFatalException e)
        {
            throw new BoardRefusal(RefusalKind.Unavailable, "Log stopped", e.Message).Raise();
        }
    }

    private static (LogEntry, SignedNote, byte[]) ParseEntryHeader(string? header)
    {
        if (string.IsNullOrEmpty(header))
        {
            throw BoardRefusal.Malformed("Entry required", $"{EntryHeader}: the header with the signed log entry (base64 of its bytes) committing to the body is missing; see docs/http-api.md.").Raise();
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(header);
        }
        catch (FormatException)
        {
            throw BoardRefusal.Malformed("Malformed entry", $"{EntryHeader}: not base64.").Raise();
        }

        try
        {
            (LogEntry entry, SignedNote note) = LogEntry.Parse(bytes);
            return (entry, note, bytes);
        }
        catch (NoteFormatException e)
        {
            throw BoardRefusal.Malformed("Malformed entry", $"{EntryHeader}: {e.Message}").Raise();
        }
    }

    private static void Expect(string field, string? actual, string? expected)
    {
        if (!string.Equals(actual, expected, StringComparison.Ordinal))
        {
            throw BoardRefusal.Invalid("Entry does not match", $"{EntryHeader}: field \"{field}\" is \"{actual ?? "(absent)"}\" but this artifact needs \"{expected ?? "(absent)"}\".").Raise();
        }
    }

    /// <summary>The entry commits to this artifact: type, SHA-256, lookup fields, and the signer as party (null for a joint artifact, whose party is its proposer).</summary>
    private static void CheckEntryFields(PreparedArtifact prepared, byte[] body, LogEntry entry, string? party)
    {
        Expect("type", entry.Type, prepared.Type);
        Expect("sha256", entry.Sha256.ToHex(), TlogHash.Compute(body).ToHex());
        if (party is not null)
        {
            Expect("party", entry.Party, party);
        }

        Expect("ballot", entry.BallotId, prepared.Ballot);
        Expect("code", entry.ConfirmationCode, prepared.Code);
    }

    /// <summary>
    /// The entry's <c>time</c> is within <see cref="BoardLimits.ClockSkew"/> of the board's clock, and present when the
    /// charter sets deadlines (docs/record-format.md §11): a party cannot date a step other than when it posts it.
    /// </summary>
    private void CheckTime(LogEntry entry)
    {
        DateTimeOffset now = Limits.Clock.GetUtcNow();
        if (entry.Time is not { } time)
        {
            if (_log.Charter.Deadlines.Count > 0)
            {
                throw BoardRefusal.Invalid("Entry time required", $"{EntryHeader}: the entry has no \"time\" field, but the charter sets deadlines, so every entry carries the time it was made (docs/record-format.md §11; the board's clock reads {ScheduleReport.Text(now)}).").Raise();
            }

            return;
        }

        if ((time - now).Duration() > Limits.ClockSkew)
        {
            throw BoardRefusal.Invalid("Entry time off", $"{EntryHeader}: field \"time\" is {ScheduleReport.Text(time)} but the board's clock reads {ScheduleReport.Text(now)}; an entry is logged only within {Limits.ClockSkew.TotalSeconds:0} s of the board's clock (check your clock).").Raise();
        }
    }

    /// <summary>The step table of docs/record-format.md §11, from the entries logged so far.</summary>
    public ScheduleReport Schedule() => _schedule.Evaluate(_log.Charter);

    /// <summary>The entry carries the signer's valid signature, and every signature line is a valid signature by a distinct charter member (docs/http-api.md, "Entry identity").</summary>
    private void CheckSignature(SignedNote note, byte[]? entryBytes, CharterMember member)
    {
        // Each signature is verified once: when the signer has a line under its charter key (the key the request verified),
        // the check of every line against the charter verifies that line with the others. Only a refused entry takes the
        // slower path below, which names what is wrong as before.
        if (entryBytes is not null
            && _log.Charter.Find(member.Name) is CharterMember current
            && current.Key.KeyId == member.Key.KeyId
            && current.Key.PublicKeyBytes.AsSpan().SequenceEqual(member.Key.PublicKeyBytes)
            && note.Signatures.Any(s => s.Name == member.Name && s.KeyId == member.Key.KeyId)
            && LogEntry.SignatureLinesProblem(entryBytes, note, _log.Charter) is null)
        {
            return;
        }

        if (!NoteVerification.HasValidSignature(note, member.Key))
        {
            throw BoardRefusal.Forbidden("Bad entry signature", $"{EntryHeader}: the entry carries no valid signature by the key of \"{member.Name}\".").Raise();
        }

        if (entryBytes is not null && LogEntry.SignatureLinesProblem(entryBytes, note, _log.Charter) is string lines)
        {
            throw BoardRefusal.Forbidden("Bad entry signature", $"{EntryHeader}: the entry's {lines}").Raise();
        }
    }

    private void Unique(BoardKind kind, string id)
    {
        if (_index.Lookup(kind.Collection, id) is BoardArtifact existing)
        {
            throw new BoardRefusal(RefusalKind.Conflict, "Already on the board", $"{BoardIndex.Href(kind, id)} is already on the board (log entry {existing.Index}, sha256 {existing.Sha256}).")
            {
                Extensions = new Dictionary<string, object?>(StringComparer.Ordinal) { ["sha256"] = existing.Sha256, ["index"] = existing.Index, ["href"] = existing.Href },
            }.Raise();
        }

        lock (_admitLock)
        {
            if (_admitting.Contains((kind.Collection, id)))
            {
                throw BoardRefusal.Conflict("Already on the board", $"{BoardIndex.Href(kind, id)} is already being logged (admitted, its commit under way).").Raise();
            }
        }
    }

    /// <summary>The artifact <paramref name="id"/> of <paramref name="collection"/>, or null.</summary>
    public BoardArtifact? Lookup(string collection, string id) => _index.Lookup(collection, id);

    /// <summary>A page of a collection, optionally of one entry type and filtered (<see cref="BoardIndex.List"/>).</summary>
    public (IReadOnlyList<BoardArtifact> Items, int Total) List(string collection, int offset, int limit, Func<BoardArtifact, bool>? filter = null, string? type = null) =>
        _index.List(collection, offset, limit, filter, type);

    /// <summary>The cast or challenged ballot with confirmation code <paramref name="code"/>, or null.</summary>
    public BoardArtifact? ByConfirmationCode(string code) => _index.ByConfirmationCode(code);

    /// <summary>The artifact's bytes, checked against its hash (null when the store lost it).</summary>
    public Task<byte[]?> ReadAsync(BoardArtifact artifact, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        return _log.Blobs.GetCheckedAsync(TlogHash.FromHex(artifact.Sha256), cancellationToken);
    }

    /// <summary>Reads the state consistently (no write is applied while <paramref name="read"/> runs).</summary>
    public async Task<T> ReadStateAsync<T>(Func<BoardState, T> read, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(read);
        await EnterAsync(cancellationToken);
        try
        {
            return read(_state);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _gate.Dispose();

    /// <summary>The board's status.</summary>
    public BoardStatus Status() => new(_state.Stage, _index.Counts(), _log.Sequencer.Head.Size, [.. _state.Problems]);

    /// <summary>
    /// The election record (docs/record-format.md §3) as a zip of the record folder, assembled from the board once the
    /// decrypted tally is on it; refused (Conflict) before that. The record is built by
    /// <see cref="ElectionRecordAssembler"/> from the artifacts' stored bytes, as <c>entente record fetch</c> builds it
    /// from the blobs it downloads: one path from a board to a record.
    /// </summary>
    public async Task<BoardResult<byte[]>> RecordZipAsync(CancellationToken cancellationToken)
    {
        await EnterAsync(cancellationToken);
        try
        {
            if (_state.Context is null || _state.Tally is null || _state.EncryptedTally is null)
            {
                return BoardResult.Refused<byte[]>(BoardRefusal.NotYet("The record is complete once the decrypted tally is on the board (POST /board/tally)."));
            }

            List<(BoardArtifact Artifact, RecordPart Part)> parts = [.. BoardKind.All.SelectMany(k => _index.All(k.Collection))
                .Select(a => (a, RecordEntryTypes.PartOf(a.Type)))
                .Where(x => x.Item2 is not null)
                .Select(x => (x.a, x.Item2!.Value))
                .OrderBy(x => x.a.Index)];
            byte[][] bytes = new byte[parts.Count][];
            await Parallel.ForAsync(0, parts.Count, cancellationToken, async (i, token) =>
            {
                BoardArtifact a = parts[i].Artifact;
                bytes[i] = await _log.Blobs.GetCheckedAsync(TlogHash.FromHex(a.Sha256), token).ConfigureAwait(false)
                    ?? throw new BoardRefusal(RefusalKind.Corrupt, "Missing blob", $"the blob of {a.Href} (sha256 {a.Sha256}, log entry {a.Index}) is missing from the store").Raise();
            });
            ElectionRecordAssembler assembler = new();
            for (int i = 0; i < parts.Count; i++)
            {
                assembler.Add(parts[i].Part, bytes[i], $"log entry {parts[i].Artifact.Index} ({parts[i].Artifact.Type})");
            }

            ScheduleReport schedule = Schedule();
            foreach (BoardArtifact a in _index.All(BoardKind.Abandonments.Collection))
            {
                byte[] artifact = await _log.Blobs.GetCheckedAsync(TlogHash.FromHex(a.Sha256), cancellationToken).ConfigureAwait(false)
                    ?? throw new BoardRefusal(RefusalKind.Corrupt, "Missing blob", $"the blob of {a.Href} (sha256 {a.Sha256}, log entry {a.Index}) is missing from the store").Raise();
                assembler.AddAbandonment(RecordEntryTypes.Abandonment(a.Index, a.Party, artifact, schedule));
            }

            ElectionRecord record = assembler.Build() with { Schedule = schedule.ToJson() };
            string temporary = Path.Combine(Path.GetTempPath(), "entente-record-" + Guid.NewGuid().ToString("N"));
            try
            {
                await RecordStore.WriteAsync(record, temporary, cancellationToken);
                using MemoryStream zip = new();
                ZipFile.CreateFromDirectory(temporary, zip, CompressionLevel.Optimal, includeBaseDirectory: false, Encoding.UTF8);
                return BoardResult.Ok(zip.ToArray());
            }
            finally
            {
                if (Directory.Exists(temporary))
                {
                    Directory.Delete(temporary, recursive: true);
                }
            }
        }
        catch (BoardRefusedException e)
        {
            return BoardResult.Refused<byte[]>(e.Refusal);
        }
        catch (ElectionFormatException e)
        {
            return BoardResult.Refused<byte[]>(new BoardRefusal(RefusalKind.Corrupt, "Record does not assemble", e.Message));
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The ballots on the board, read from the index and the blob store for the rules that need them.</summary>
    private sealed class Ballots(BoardService board) : IBoardBallots
    {
        /// <summary>Ballots read (in parallel) and held at once by <see cref="EachAsync"/>.</summary>
        private const int EachChunk = 256;

        public IReadOnlySet<string> ChallengedIds() =>
            new HashSet<string>(board._index.All(BoardKind.Ballots.Collection).Where(b => b.Type == "ballot.challenged").Select(b => b.Id), StringComparer.Ordinal);

        public bool? IsChallenged(string id) => board._index.Lookup(BoardKind.Ballots.Collection, id) is BoardArtifact a ? a.Type == "ballot.challenged" : null;

        public async Task<EncryptedBallot> LoadAsync(string id, CancellationToken cancellationToken)
        {
            BoardArtifact artifact = board._index.Lookup(BoardKind.Ballots.Collection, id) ?? throw BoardRefusal.Invalid("Invalid artifact", $"no ballot {id} is on the board.").Raise();
            return await LoadAsync(artifact, cancellationToken).ConfigureAwait(false);
        }

        public async IAsyncEnumerable<EncryptedBallot> EachAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            IReadOnlyList<BoardArtifact> refs = board._index.All(BoardKind.Ballots.Collection);
            EncryptedBallot[] loaded = new EncryptedBallot[Math.Min(EachChunk, refs.Count)];
            for (int start = 0; start < refs.Count; start += EachChunk)
            {
                int count = Math.Min(EachChunk, refs.Count - start);
                await Parallel.ForAsync(0, count, cancellationToken, async (i, token) => loaded[i] = await LoadAsync(refs[start + i], token).ConfigureAwait(false)).ConfigureAwait(false);
                for (int i = 0; i < count; i++)
                {
                    yield return loaded[i];
                }
            }
        }

        private async Task<EncryptedBallot> LoadAsync(BoardArtifact artifact, CancellationToken cancellationToken)
        {
            byte[] bytes = await board._log.Blobs.GetCheckedAsync(TlogHash.FromHex(artifact.Sha256), cancellationToken).ConfigureAwait(false)
                ?? throw new BoardRefusal(RefusalKind.Corrupt, "Missing blob", $"the blob of ballot {artifact.Id} (sha256 {artifact.Sha256}, log entry {artifact.Index}) is missing from the store").Raise();
            return board._state.ReadBallot(artifact.Id, bytes);
        }
    }
}

/// <summary>What a post did: the artifact is on the log (<see cref="Logged"/>), or a joint artifact waits for more signatures (<see cref="Pending"/>).</summary>
/// <param name="Logged">The artifact as logged, or null.</param>
/// <param name="Pending">The pending proposal, or null.</param>
public sealed record BoardPosted(BoardArtifact? Logged, PendingProposal? Pending);

/// <summary>Request size limits of the board (JSON member <c>limits</c> of the server configuration).</summary>
public sealed class BoardLimits
{
    /// <summary>Largest encrypted ballot (bytes). 1 MiB holds a 4096-bit ballot of about 300 selections.</summary>
    [System.Text.Json.Serialization.JsonPropertyName("maxBallotBytes")]
    public int MaxBallotBytes { get; set; } = 1 << 20;

    /// <summary>Largest other artifact (bytes): tallies list every cast ballot id, so this bounds the election's size.</summary>
    [System.Text.Json.Serialization.JsonPropertyName("maxArtifactBytes")]
    public int MaxArtifactBytes { get; set; } = 64 << 20;

    /// <summary>
    /// Most ballots the board validates at once (JSON <c>maxPendingValidations</c>, default 256): a ballot posted beyond it
    /// is answered 503 with <c>Retry-After</c> before the ballot is parsed or checked, so that a board whose validation lags (its
    /// own cores, or a cluster's workers) sheds load instead of queueing without bound. Devices post again after the wait.
    /// Values below 1 count as 1.
    /// </summary>
    [System.Text.Json.Serialization.JsonPropertyName("maxPendingValidations")]
    public int MaxPendingValidations { get; set; } = 256;

    /// <summary>
    /// Most ballots in one <c>POST /board/ballots/batch</c> (JSON <c>maxBatchBallots</c>, default 256; values below 1 count
    /// as 1). A batch beyond it is refused (413) before any ballot is looked at.
    /// </summary>
    [System.Text.Json.Serialization.JsonPropertyName("maxBatchBallots")]
    public int MaxBatchBallots { get; set; } = 256;

    /// <summary>
    /// Largest body of a batch (bytes): <see cref="MaxBatchBallots"/> items of a ballot of <see cref="MaxBallotBytes"/> and an
    /// entry of the log's largest entry size, both in base64, with their JSON; a longer body is refused (413) before it is read.
    /// </summary>
    public int MaxBatchBytes()
    {
        long item = 4L * ((MaxBallotBytes + 2) / 3) + 4L * ((Entente.Transparency.Tiles.EntryBundle.MaxEntrySize + 2) / 3) + 64;
        return (int)Math.Min(int.MaxValue, 64 + (Math.Max(1, MaxBatchBallots) * item));
    }

    /// <summary>Where ballots' proofs are checked (set by the host: <c>entente serve --cluster</c>); the board's own cores by default.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public Entente.Election.Record.IBallotValidator BallotValidator { get; set; } = Entente.Election.Record.InProcessBallotValidator.Instance;

    /// <summary>How far an entry's <c>time</c> may be from the board's clock (docs/record-format.md §11).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The board's clock.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public TimeProvider Clock { get; set; } = TimeProvider.System;
}
