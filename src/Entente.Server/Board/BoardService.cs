using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Entente.Cryptography;
using Entente.Election;
using Entente.Election.Decryption;
using Entente.Election.Encryption;
using Entente.Election.KeyCeremony;
using Entente.Election.Manifest;
using Entente.Election.Parameters;
using Entente.Election.Record;
using Entente.Election.Tally;
using Entente.Server.Auth;
using Entente.Server.Log;
using Entente.Transparency.Log;
using Entente.Transparency.Notes;
using TlogHash = Entente.Transparency.Hash256;

namespace Entente.Server.Board;

/// <summary>
/// The election board over the log: every artifact is validated (record codecs, proofs, the election's state),
/// stored as a content-addressed blob and committed by a small log entry signed by the submitting party (and, for
/// joint artifacts, by every party). The board's state (manifest, parameters, guardian keys, joint key, ballots,
/// tallies…) is derived from the log alone: on start it is rebuilt by reading every entry, so the log stays the
/// only source of truth. Non-ballot writes are serialised; ballots are validated concurrently and claimed by
/// id so that a duplicate is refused (409) even under concurrency.
/// </summary>
public sealed class BoardService : IDisposable
{
    /// <summary>Name of the request header carrying the signed log entry (base64 of its bytes).</summary>
    public const string EntryHeader = "Entente-Entry";

    private readonly LogService _log;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Lock _indexLock = new();
    private readonly Dictionary<string, List<BoardArtifact>> _lists = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, string), BoardArtifact> _byId = [];
    private readonly Dictionary<string, BoardArtifact> _byCode = new(StringComparer.Ordinal);
    private readonly List<string> _problems = [];

    // Election state, derived from the log.
    private ElectionManifest? _manifest;
    private ElectionParameters? _parameters;
    private readonly Dictionary<int, GuardianPublicKey> _guardians = [];
    private readonly Dictionary<int, Approval> _approvals = [];
    private ElectionContext? _candidate;
    private ElectionContext? _context;
    private readonly Dictionary<string, DeviceRecord> _devices = new(StringComparer.Ordinal);
    private EncryptedTally? _encryptedTally;
    private DecryptedTally? _tally;
    private readonly List<OpenedBallot> _opened = [];
    private readonly DecryptionRounds _decryptions = new();

    // Ballots: claimed ids, in-flight submissions, and whether voting is closed.
    private readonly Lock _ballotLock = new();
    private readonly HashSet<string> _ballotIds = new(StringComparer.Ordinal);
    private int _inflight;
    private bool _closed;

    private BoardService(LogService log, BoardLimits limits)
    {
        _log = log;
        Limits = limits;
        foreach (BoardKind kind in BoardKind.All)
        {
            _lists[kind.Collection] = [];
        }
    }

    /// <summary>Size limits of the board's routes.</summary>
    public BoardLimits Limits { get; }

    /// <summary>The log underneath.</summary>
    public LogService Log => _log;

    /// <summary>Opens the board over <paramref name="log"/>, rebuilding its state from every entry.</summary>
    public static async Task<BoardService> OpenAsync(LogService log, BoardLimits? limits = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(log);
        BoardService board = new(log, limits ?? new BoardLimits());
        long size = log.Sequencer.Head.Size;
        for (long start = 0; start < size; start += 256)
        {
            IReadOnlyList<byte[]> entries = await log.Store.ReadEntriesAsync(start, (int)Math.Min(256, size - start), cancellationToken);
            for (int i = 0; i < entries.Count; i++)
            {
                await board.ReplayAsync(start + i, entries[i], cancellationToken);
            }
        }

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

        if (BoardKind.OfType(entry.Type) is not BoardKind kind)
        {
            return;
        }

        try
        {
            if (kind.Collection == "ballots")
            {
                // Ballots are indexed from their entry alone; they are parsed only when a tally or the record needs them.
                string id = entry.BallotId ?? throw new BoardException(422, "Bad entry", "a ballot entry has no ballot field");
                lock (_ballotLock)
                {
                    _ballotIds.Add(id);
                }

                AddToIndex(kind, id, index, entry);
                return;
            }

            byte[] body = await _log.Blobs.GetCheckedAsync(entry.Sha256, ct) ?? throw new BoardException(422, "Missing blob", $"blob {entry.Sha256} is missing");
            string? round = kind.Collection == "decryptions" ? entry.Type["decryption.".Length..] : null;
            Prepared prepared = await PrepareAsync(kind, round, entry.Party, body, trusted: true, ct);
            prepared.Apply();
            AddToIndex(kind, prepared.Id, index, entry);
        }
        catch (Exception e) when (e is BoardException or ElectionFormatException or LogStoreException or JsonException)
        {
            _problems.Add($"entry {index} ({entry.Type}): {e.Message}");
        }
    }

    /// <summary>
    /// Validates and logs an artifact posted by <paramref name="request"/>'s signer with the signed entry
    /// <paramref name="entryHeader"/>. Throws <see cref="BoardException"/> with the HTTP status of a refusal.
    /// </summary>
    public async Task<BoardArtifact> SubmitAsync(BoardKind kind, string? routeArgument, SignedRequest request, string? entryHeader, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(request);
        CharterMember member = request.Member;
        if (!member.Roles.Contains(kind.Role))
        {
            throw new BoardException(403, "Role not allowed", $"\"{member.Name}\" lacks the role \"{kind.Role}\" that posting to /board/{kind.Collection} needs.");
        }

        (LogEntry entry, SignedNote note, byte[] entryBytes) = ParseEntryHeader(entryHeader);
        if (kind.Collection == "ballots")
        {
            return await SubmitBallotAsync(kind, member, request.Body, entry, note, entryBytes, cancellationToken);
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (kind.Collection == "encrypted-tally" && _encryptedTally is null)
            {
                // Voting closes before the tally is checked against the ballots, so none can slip in between.
                await CloseVotingAsync(cancellationToken);
            }

            Prepared prepared = await PrepareAsync(kind, routeArgument, member.Name, request.Body, trusted: false, cancellationToken);
            CheckEntry(kind, prepared, member, request.Body, entry, note);

            long index = await AppendAsync(request.Body, entryBytes, cancellationToken);
            prepared.Apply();
            return AddToIndex(kind, prepared.Id, index, entry);
        }
        catch when (kind.Collection == "encrypted-tally")
        {
            ReopenVoting();
            throw;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<BoardArtifact> SubmitBallotAsync(BoardKind kind, CharterMember member, byte[] body, LogEntry entry, SignedNote note, byte[] entryBytes, CancellationToken ct)
    {
        ElectionContext context = _context ?? throw new BoardException(409, "Not yet", "The joint election key is not on the board yet (POST /board/election); ballots can be encrypted only after the key ceremony.");
        EncryptedBallot ballot = Parse(() => RecordCodec.ReadBallot("ballot", body, context));
        if (ballot.Device != member.Name)
        {
            throw new BoardException(403, "Wrong device", $"ballot.device: the ballot says device \"{ballot.Device}\" but the request is signed by \"{member.Name}\"; a device posts only its own ballots.");
        }

        string id = ballot.Id.ToHex();
        Prepared prepared = new(id, ballot.State == BallotState.Cast ? "ballot.cast" : "ballot.challenged", id, ballot.ConfirmationCode.ToHex(), () => { });
        CheckEntry(kind, prepared, member, body, entry, note);
        List<string> failures = await Task.Run(() => RecordSelfCheck.CheckBallot(context, context.Parameters.Manifest, ballot), ct);
        if (failures.Count > 0)
        {
            throw new BoardException(422, "Invalid ballot", $"ballot {id}: {string.Join("; ", failures.Take(3))}");
        }

        lock (_ballotLock)
        {
            if (_closed)
            {
                throw new BoardException(409, "Voting closed", "The encrypted tally is on the board (or being posted): no more ballots are accepted.");
            }

            if (!_ballotIds.Add(id))
            {
                throw new BoardException(409, "Duplicate ballot", $"ballot.id: a ballot with id {id} is already on the board (or being posted).");
            }

            _inflight++;
        }

        bool stored = false;
        try
        {
            long index = await AppendAsync(body, entryBytes, ct);
            stored = true;
            return AddToIndex(kind, id, index, entry);
        }
        finally
        {
            lock (_ballotLock)
            {
                _inflight--;
                if (!stored)
                {
                    _ballotIds.Remove(id);
                }
            }
        }
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
            _closed = _encryptedTally is not null;
        }
    }

    private async Task<long> AppendAsync(byte[] artifact, byte[] entryBytes, CancellationToken ct)
    {
        await _log.Blobs.PutAsync(artifact, ct);
        try
        {
            return (await _log.Sequencer.AddAsync(entryBytes, ct)).Index;
        }
        catch (LogFatalException e)
        {
            throw new BoardException(503, "Log stopped", e.Message);
        }
    }

    private static (LogEntry, SignedNote, byte[]) ParseEntryHeader(string? header)
    {
        if (string.IsNullOrEmpty(header))
        {
            throw new BoardException(400, "Entry required", $"{EntryHeader}: the header with the signed log entry (base64 of its bytes) committing to the body is missing; see docs/http-api.md.");
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(header);
        }
        catch (FormatException)
        {
            throw new BoardException(400, "Malformed entry", $"{EntryHeader}: not base64.");
        }

        try
        {
            (LogEntry entry, SignedNote note) = LogEntry.Parse(bytes);
            return (entry, note, bytes);
        }
        catch (NoteFormatException e)
        {
            throw new BoardException(400, "Malformed entry", $"{EntryHeader}: {e.Message}");
        }
    }

    private void CheckEntry(BoardKind kind, Prepared prepared, CharterMember member, byte[] body, LogEntry entry, SignedNote note)
    {
        void Expect(string field, string? actual, string? expected)
        {
            if (!string.Equals(actual, expected, StringComparison.Ordinal))
            {
                throw new BoardException(422, "Entry does not match", $"{EntryHeader}: field \"{field}\" is \"{actual ?? "(absent)"}\" but this artifact needs \"{expected ?? "(absent)"}\".");
            }
        }

        Expect("type", entry.Type, prepared.Type);
        Expect("sha256", entry.Sha256.ToHex(), TlogHash.Compute(body).ToHex());
        Expect("party", entry.Party, member.Name);
        Expect("ballot", entry.BallotId, prepared.Ballot);
        Expect("code", entry.ConfirmationCode, prepared.Code);
        if (!NoteVerification.HasValidSignature(note, member.Key))
        {
            throw new BoardException(403, "Bad entry signature", $"{EntryHeader}: the entry carries no valid signature by the key of \"{member.Name}\".");
        }

        if (kind.Joint)
        {
            foreach (CharterMember party in _log.Charter.Members.Where(m => m.Roles.Contains(Charter.PartyRole)))
            {
                if (!NoteVerification.HasValidSignature(note, party.Key))
                {
                    throw new BoardException(403, "Joint signature missing", $"{EntryHeader}: /board/{kind.Collection} is a joint artifact; the entry needs a valid signature by every party, and \"{party.Name}\"'s is missing.");
                }
            }
        }
    }

    /// <summary>What a validated artifact is, and how to apply it to the state once logged.</summary>
    private sealed record Prepared(string Id, string Type, string? Ballot, string? Code, Action Apply);

    private static T Parse<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (ElectionFormatException e)
        {
            throw new BoardException(422, "Invalid artifact", e.Message);
        }
        catch (FormatException e)
        {
            throw new BoardException(422, "Invalid artifact", e.Message);
        }
    }

    private void Unique(BoardKind kind, string id)
    {
        lock (_indexLock)
        {
            if (_byId.TryGetValue((kind.Collection, id), out BoardArtifact? existing))
            {
                throw new BoardException(409, "Already on the board", $"/board/{kind.Collection}{(kind.Singleton ? "" : "/" + id)} is already on the board (log entry {existing.Index}, sha256 {existing.Sha256}).");
            }
        }
    }

    private ElectionParameters NeedParameters() => _parameters ?? throw new BoardException(409, "Not yet", "The election parameters are not on the board yet (POST /board/parameters).");

    private ElectionContext NeedContext() => _context ?? throw new BoardException(409, "Not yet", "The joint election key is not on the board yet (POST /board/election).");

    private void CheckHolder(int guardian, string party, bool trusted)
    {
        if (!trusted && _log.Charter.GuardianHolder(guardian)?.Name != party)
        {
            throw new BoardException(403, "Not this party's guardian", $"i: guardian {guardian} is held by \"{_log.Charter.GuardianHolder(guardian)?.Name ?? "nobody"}\" in the charter, not by \"{party}\".");
        }
    }

    private async Task<Prepared> PrepareAsync(BoardKind kind, string? routeArgument, string party, byte[] body, bool trusted, CancellationToken ct)
    {
        switch (kind.Collection)
        {
            case "charter":
            {
                Unique(kind, "charter");
                if (!body.AsSpan().SequenceEqual(_log.Charter.Bytes))
                {
                    if (!trusted)
                    {
                        throw new BoardException(422, "Not this board's charter", "body: the charter differs from the server's charter file; the board publishes the charter it enforces.");
                    }

                    _problems.Add("the charter on the log differs from the server's charter file: the server enforces a charter the parties did not publish");
                }

                return new Prepared("charter", "charter", null, null, () => { });
            }

            case "manifest":
            {
                Unique(kind, "manifest");
                ElectionManifest manifest = Parse(() => ManifestReader.Parse(body, "manifest"));
                if (!manifest.CanonicalSpan.SequenceEqual(body))
                {
                    throw new BoardException(422, "Invalid artifact", "manifest: not in canonical form (docs/record-format.md §2 and §6); post manifest.CanonicalBytes.");
                }

                return new Prepared("manifest", "manifest", null, null, () => _manifest = manifest);
            }

            case "parameters":
            {
                Unique(kind, "parameters");
                ElectionManifest manifest = _manifest ?? throw new BoardException(409, "Not yet", "The manifest is not on the board yet (POST /board/manifest).");
                ElectionParameters parameters = Parse(() => RecordCodec.ReadParameters("parameters", body, manifest));
                for (int i = 1; !trusted && i <= parameters.GuardianCount; i++)
                {
                    if (_log.Charter.GuardianHolder(i) is null)
                    {
                        throw new BoardException(422, "Invalid artifact", $"parameters: $.n: guardian {i} has no holder in the charter (a party with the role guardian listing it).");
                    }
                }

                return new Prepared("parameters", "election.parameters", null, null, () => _parameters = parameters);
            }

            case "guardians":
            {
                ElectionParameters parameters = NeedParameters();
                GuardianPublicKey key = Parse(() => RecordCodec.ReadGuardian("guardian", body, parameters));
                string id = key.Index.ToString(System.Globalization.CultureInfo.InvariantCulture);
                Unique(kind, id);
                CheckHolder(key.Index, party, trusted);
                if (!trusted && key.Verify(parameters) is { Count: > 0 } problems)
                {
                    throw new BoardException(422, "Invalid proof", $"guardian {key.Index}: {string.Join("; ", problems)} (Verification 2)");
                }

                return new Prepared(id, "guardian.commitment", null, null, () => _guardians[key.Index] = key);
            }

            case "shares":
            {
                ElectionParameters parameters = NeedParameters();
                EncryptedShare share = Parse(() => RecordCodec.ReadShare("share", body, parameters));
                if (share.From == share.To)
                {
                    throw new BoardException(422, "Invalid artifact", "share: $.to: a guardian sends no share to itself.");
                }

                string id = $"{share.From}-to-{share.To}";
                Unique(kind, id);
                CheckHolder(share.From, party, trusted);
                return new Prepared(id, "guardian.share", null, null, () => { });
            }

            case "approvals":
            {
                ElectionParameters parameters = NeedParameters();
                Approval approval = Parse(() => RecordCodec.ReadApproval("approval", body, parameters));
                string id = approval.Index.ToString(System.Globalization.CultureInfo.InvariantCulture);
                Unique(kind, id);
                CheckHolder(approval.Index, party, trusted);
                ElectionContext candidate = Candidate(parameters);
                if (!approval.GuardianRecordHash.Equals(candidate.GuardianRecordHash))
                {
                    throw new BoardException(422, "Invalid artifact", $"approval: $.h_g: guardian {approval.Index} approved H_G {approval.GuardianRecordHash} but the guardian keys on the board give {candidate.GuardianRecordHash}.");
                }

                return new Prepared(id, "guardian.approval", null, null, () => _approvals[approval.Index] = approval);
            }

            case "election":
            {
                Unique(kind, "election");
                ElectionParameters parameters = NeedParameters();
                ElectionContext candidate = Candidate(parameters);
                for (int i = 1; i <= parameters.GuardianCount; i++)
                {
                    if (!_approvals.TryGetValue(i, out Approval? approval))
                    {
                        throw new BoardException(409, "Not yet", $"Guardian {i} has not posted its approval (POST /board/approvals).");
                    }

                    if (!approval.Approves)
                    {
                        throw new BoardException(409, "Ceremony failed", $"Guardian {i} complained: {string.Join("; ", approval.Complaints.Select(c => $"about {c.From}: {c.Reason}"))}.");
                    }
                }

                Parse(() =>
                {
                    RecordCodec.CheckElection("election", body, candidate);
                    return 0;
                });
                return new Prepared("election", "election.key", null, null, () => _context = candidate);
            }

            case "devices":
            {
                ElectionContext context = NeedContext();
                DeviceRecord device = Parse(() => RecordCodec.ReadDevice("device", body));
                if (!trusted && device.Device != party)
                {
                    throw new BoardException(403, "Wrong device", $"device: $.device: the record is of \"{device.Device}\" but the request is signed by \"{party}\".");
                }

                Unique(kind, device.Device);
                foreach (Entente.Cryptography.Hash256 ballot in device.Ballots)
                {
                    if (!trusted && Lookup("ballots", ballot.ToHex()) is null)
                    {
                        throw new BoardException(422, "Invalid artifact", $"device: $.ballots: ballot {ballot.ToHex()} is not on the board; post every ballot before the device record.");
                    }
                }

                _ = context;
                return new Prepared(device.Device, "device.record", null, null, () => _devices[device.Device] = device);
            }

            case "encrypted-tally":
            {
                Unique(kind, "encrypted-tally");
                ElectionContext context = NeedContext();
                List<EncryptedBallot> ballots = await LoadBallotsAsync(context, ct);
                long weight = ballots.Where(b => b.State == BallotState.Cast).Sum(b => (long)b.Weight);
                EncryptedTally tally = Parse(() => RecordCodec.ReadEncryptedTally("encrypted tally", body, context, weight));
                if (!trusted)
                {
                    EncryptedTally expected = await Task.Run(() => EncryptedTally.Aggregate(context, ballots), ct);
                    if (!expected.Ballots.SequenceEqual(tally.Ballots))
                    {
                        throw new BoardException(422, "Invalid tally", "encrypted tally: $.ballots: the list differs from the cast ballots on the board.");
                    }

                    for (int c = 0; c < expected.Contests.Count; c++)
                    {
                        for (int o = 0; o < expected.Contests[c].Options.Count; o++)
                        {
                            if (!expected.Contests[c].Options[o].Ciphertext.Equals(tally.Contests[c].Options[o].Ciphertext))
                            {
                                throw new BoardException(422, "Invalid tally", $"encrypted tally: $.contests[{c}].options[{o}]: the aggregate does not match the cast ballots on the board (Verification 9).");
                            }
                        }
                    }
                }

                return new Prepared("encrypted-tally", "tally.encrypted", null, null, () =>
                {
                    _encryptedTally = tally;
                    lock (_ballotLock)
                    {
                        _closed = true;
                    }
                });
            }

            case "decryptions":
            {
                ElectionContext context = NeedContext();
                EncryptedTally tally = _encryptedTally ?? throw new BoardException(409, "Not yet", "The encrypted tally is not on the board yet (POST /board/encrypted-tally).");
                DecryptionItem[] items = DecryptionRounds.Items(tally);
                HashSet<string> challenged;
                lock (_indexLock)
                {
                    challenged = new(_lists["ballots"].Where(b => b.Type == "ballot.challenged").Select(b => b.Id), StringComparer.Ordinal);
                }

                DecryptionRounds.Round round = DecryptionRounds.Read(routeArgument, body, context, items.Length, challenged);
                string id = $"{round.Name}-{round.Index}";
                Unique(kind, id);
                CheckHolder(round.Index, party, trusted);
                if (!trusted)
                {
                    await Task.Run(() => _decryptions.Check(round, context, items), ct);
                }

                return new Prepared(id, "decryption." + round.Name, null, null, () => _decryptions.Apply(round, context));
            }

            case "tally":
            {
                Unique(kind, "tally");
                ElectionContext context = NeedContext();
                EncryptedTally encrypted = _encryptedTally ?? throw new BoardException(409, "Not yet", "The encrypted tally is not on the board yet (POST /board/encrypted-tally).");
                DecryptedTally tally = Parse(() => RecordCodec.ReadTally("tally", body, context));
                if (!trusted)
                {
                    Parse(() => TallyDecryption.CheckQuorum(context, tally.Guardians));
                    foreach (DecryptedContest contest in tally.Contests)
                    {
                        foreach (DecryptedOption option in contest.Options)
                        {
                            DecryptionItem item = new(contest.ContestIndex, option.OptionIndex, encrypted.Contests[contest.ContestIndex - 1].Options[option.OptionIndex - 1].Ciphertext);
                            if (!TallyDecryption.VerifyOption(context, item, option.Value, option.Challenge, option.Response))
                            {
                                throw new BoardException(422, "Invalid proof", $"tally: $.contests[{contest.ContestIndex - 1}].options[{option.OptionIndex - 1}]: the decryption proof does not verify for value {option.Value} (Verification 10).");
                            }
                        }
                    }
                }

                return new Prepared("tally", "tally.decrypted", null, null, () => _tally = tally);
            }

            case "challenged":
            {
                ElectionContext context = NeedContext();
                string id;
                using (JsonDocument doc = Parse(() => JsonReading.Parse("opening", body)))
                {
                    id = doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("id", out JsonElement e) && e.ValueKind == JsonValueKind.String
                        ? e.GetString()! : throw new BoardException(422, "Invalid artifact", "opening: $.id: the challenged ballot's id is required.");
                }

                Unique(kind, id);
                BoardArtifact ballotRef = Lookup("ballots", id) ?? throw new BoardException(422, "Invalid artifact", $"opening: $.id: no ballot {id} is on the board.");
                if (ballotRef.Type != "ballot.challenged")
                {
                    throw new BoardException(422, "Invalid artifact", $"opening: $.id: ballot {id} was cast, not challenged; a cast ballot is never opened.");
                }

                EncryptedBallot ballot = await LoadBallotAsync(ballotRef, context, ct);
                OpenedBallot opened = Parse(() => RecordCodec.ReadOpened("opening", body, context, ballot));
                if (!trusted && RecordSelfCheck.CheckOpened(context, context.Parameters.Manifest, ballot, opened) is { Count: > 0 } failures)
                {
                    throw new BoardException(422, "Invalid opening", $"opening {id}: {string.Join("; ", failures.Take(3))}");
                }

                return new Prepared(id, "ballot.opened", id, null, () => _opened.Add(opened));
            }

            default:
                throw new BoardException(404, "No such collection", $"/board/{kind.Collection} accepts no posts.");
        }
    }

    private ElectionContext Candidate(ElectionParameters parameters)
    {
        if (_candidate is not null)
        {
            return _candidate;
        }

        for (int i = 1; i <= parameters.GuardianCount; i++)
        {
            if (!_guardians.ContainsKey(i))
            {
                throw new BoardException(409, "Not yet", $"Guardian {i}'s public key is not on the board yet (POST /board/guardians).");
            }
        }

        _candidate = Parse(() => ElectionContext.Create(parameters, [.. _guardians.Values.OrderBy(g => g.Index)], verifyProofs: false));
        return _candidate;
    }

    private async Task<EncryptedBallot> LoadBallotAsync(BoardArtifact artifact, ElectionContext context, CancellationToken ct)
    {
        byte[] bytes = await _log.Blobs.GetCheckedAsync(TlogHash.FromHex(artifact.Sha256), ct) ?? throw new BoardException(500, "Missing blob", $"the blob of ballot {artifact.Id} is missing from the store");
        return Parse(() => RecordCodec.ReadBallot($"ballot {artifact.Id}", bytes, context));
    }

    private async Task<List<EncryptedBallot>> LoadBallotsAsync(ElectionContext context, CancellationToken ct)
    {
        List<BoardArtifact> refs;
        lock (_indexLock)
        {
            refs = [.. _lists["ballots"]];
        }

        EncryptedBallot[] ballots = new EncryptedBallot[refs.Count];
        await Parallel.ForAsync(0, refs.Count, ct, async (i, token) => ballots[i] = await LoadBallotAsync(refs[i], context, token));
        return [.. ballots];
    }

    private BoardArtifact AddToIndex(BoardKind kind, string id, long index, LogEntry entry)
    {
        BoardArtifact artifact = new(kind.Collection, id, index, entry.Type, entry.Sha256.ToHex(), entry.Party, entry.BallotId, entry.ConfirmationCode, Href(kind, id));
        lock (_indexLock)
        {
            List<BoardArtifact> list = _lists[kind.Collection];
            int at = list.Count;
            while (at > 0 && list[at - 1].Index > index)
            {
                at--;
            }

            list.Insert(at, artifact);
            _byId[(kind.Collection, id)] = artifact;
            if (entry.ConfirmationCode is string code && kind.Collection == "ballots")
            {
                _byCode[code] = artifact;
            }
        }

        return artifact;
    }

    /// <summary>The URL path of an artifact.</summary>
    public static string Href(BoardKind kind, string id)
    {
        ArgumentNullException.ThrowIfNull(kind);
        return kind.Singleton ? $"/board/{kind.Collection}" : $"/board/{kind.Collection}/{Uri.EscapeDataString(id)}";
    }

    /// <summary>The artifact <paramref name="id"/> of <paramref name="collection"/>, or null.</summary>
    public BoardArtifact? Lookup(string collection, string id)
    {
        lock (_indexLock)
        {
            return _byId.GetValueOrDefault((collection, id));
        }
    }

    /// <summary>A page of a collection, optionally filtered.</summary>
    public (IReadOnlyList<BoardArtifact> Items, int Total) List(string collection, int offset, int limit, Func<BoardArtifact, bool>? filter = null)
    {
        lock (_indexLock)
        {
            if (filter is null)
            {
                List<BoardArtifact> all = _lists[collection];
                return ([.. all.Skip(offset).Take(limit)], all.Count);
            }

            List<BoardArtifact> matching = [.. _lists[collection].Where(filter)];
            return ([.. matching.Skip(offset).Take(limit)], matching.Count);
        }
    }

    /// <summary>The cast or challenged ballot with confirmation code <paramref name="code"/>, or null.</summary>
    public BoardArtifact? ByConfirmationCode(string code)
    {
        lock (_indexLock)
        {
            return _byCode.GetValueOrDefault(code);
        }
    }

    /// <summary>The artifact's bytes, checked against its hash.</summary>
    public Task<byte[]?> ReadAsync(BoardArtifact artifact, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        return _log.Blobs.GetCheckedAsync(TlogHash.FromHex(artifact.Sha256), cancellationToken);
    }

    /// <inheritdoc/>
    public void Dispose() => _gate.Dispose();

    /// <summary>The board's status.</summary>
    public BoardStatus Status()
    {
        Dictionary<string, int> counts;
        lock (_indexLock)
        {
            counts = _lists.ToDictionary(l => l.Key, l => l.Value.Count, StringComparer.Ordinal);
        }

        string stage = _tally is not null ? "complete"
            : _encryptedTally is not null ? "decryption"
            : _context is not null ? "voting"
            : _parameters is not null ? "key-ceremony"
            : _manifest is not null ? "parameters"
            : counts["charter"] > 0 ? "manifest"
            : "charter";
        return new BoardStatus(stage, counts, _log.Sequencer.Head.Size, [.. _problems]);
    }

    /// <summary>
    /// The election record (docs/record-format.md §3) as a zip of the record folder, assembled from the board once the
    /// decrypted tally is on it. Throws <see cref="BoardException"/> (409) before that.
    /// </summary>
    public async Task<byte[]> RecordZipAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            ElectionContext context = NeedContext();
            if (_tally is null || _encryptedTally is null)
            {
                throw new BoardException(409, "Not yet", "The record is complete once the decrypted tally is on the board (POST /board/tally).");
            }

            List<EncryptedBallot> ballots = await LoadBallotsAsync(context, cancellationToken);
            Dictionary<string, EncryptedBallot> byId = ballots.ToDictionary(b => b.Id.ToHex(), StringComparer.Ordinal);
            List<DeviceRecord> devices = [.. _devices.Values.OrderBy(d => d.Device, StringComparer.Ordinal)];
            List<EncryptedBallot> ordered = [.. devices.SelectMany(d => d.Ballots).Select(id => id.ToHex()).Where(byId.ContainsKey).Select(id => byId[id]).Distinct()];
            ordered.AddRange(ballots.Where(b => !ordered.Contains(b)));
            ElectionRecord record = new(context, devices, ordered, _encryptedTally, _decryptions.WithShares(_tally), [.. _opened]);
            string temporary = Path.Combine(Path.GetTempPath(), "entente-record-" + Guid.NewGuid().ToString("N"));
            try
            {
                await RecordStore.WriteAsync(record, temporary, cancellationToken);
                using MemoryStream zip = new();
                ZipFile.CreateFromDirectory(temporary, zip, CompressionLevel.Optimal, includeBaseDirectory: false, Encoding.UTF8);
                return zip.ToArray();
            }
            finally
            {
                if (Directory.Exists(temporary))
                {
                    Directory.Delete(temporary, recursive: true);
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }
}

/// <summary>Request size limits of the board (JSON member <c>limits</c> of the server configuration).</summary>
public sealed class BoardLimits
{
    /// <summary>Largest encrypted ballot (bytes). 1 MiB holds a 4096-bit ballot of about 300 selections.</summary>
    [System.Text.Json.Serialization.JsonPropertyName("maxBallotBytes")]
    public int MaxBallotBytes { get; set; } = 1 << 20;

    /// <summary>Largest other artifact (bytes): tallies list every cast ballot id, so this bounds the election's size.</summary>
    [System.Text.Json.Serialization.JsonPropertyName("maxArtifactBytes")]
    public int MaxArtifactBytes { get; set; } = 64 << 20;
}
