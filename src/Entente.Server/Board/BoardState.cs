using System.Globalization;
using System.Text.Json;
using Entente.Audit.Seed;
using Entente.Audit.Trail;
using Entente.Election;
using Entente.Election.Decryption;
using Entente.Election.Encryption;
using Entente.Election.KeyCeremony;
using Entente.Election.Manifest;
using Entente.Election.Parameters;
using Entente.Election.Record;
using Entente.Election.Tally;
using Entente.Transparency.Log;

namespace Entente.Server.Board;

/// <summary>The ballots already on the board, for the rules that need them (the encrypted tally, openings, decryption rounds).</summary>
public interface IBoardBallots
{
    /// <summary>The ids of the challenged ballots on the board.</summary>
    IReadOnlySet<string> ChallengedIds();

    /// <summary>Whether ballot <paramref name="id"/> is on the board (null: it is not), and whether it was challenged.</summary>
    bool? IsChallenged(string id);

    /// <summary>The ballot <paramref name="id"/> as logged (parsed against the election).</summary>
    Task<EncryptedBallot> LoadAsync(string id, CancellationToken cancellationToken);

    /// <summary>
    /// Every ballot on the board (cast and challenged), in log order, read a few hundred at a time: the board never
    /// holds them all (150 million parsed ballots would not fit any machine).
    /// </summary>
    IAsyncEnumerable<EncryptedBallot> EachAsync(CancellationToken cancellationToken);
}

/// <summary>
/// What a posted artifact is once parsed against the board's state: its id in its collection, the fields its log entry
/// must carry, the expensive checks still to run (proofs; run after the board checked that the id is new), and how it
/// changes the state once it is logged.
/// </summary>
/// <param name="Id">Its id within its collection.</param>
/// <param name="Type">The type its log entry must have.</param>
/// <param name="Ballot">The entry's ballot field, or null.</param>
/// <param name="Code">The entry's confirmation-code field, or null.</param>
public sealed record PreparedArtifact(string Id, string Type, string? Ballot, string? Code)
{
    /// <summary>The checks to run before logging (null: none).</summary>
    public Func<CancellationToken, Task>? Validate { get; init; }

    /// <summary>Applies the artifact to the state once logged.</summary>
    public Action Apply { get; init; } = static () => { };

    /// <summary>A check of the signed log entry itself (its time), run before logging (null: none).</summary>
    public Action<LogEntry>? CheckEntry { get; init; }
}

/// <summary>
/// The election board's rules, without transport, log or concurrency: the election's state as the log has built it
/// (manifest, parameters, guardian keys and approvals, joint key, devices, tallies, openings, decryption rounds) and,
/// per artifact kind, one method that parses a posted artifact against that state and says what it is
/// (<see cref="PreparedArtifact"/>) or refuses it (<see cref="BoardRefusedException"/>). With <c>trusted</c> (replaying
/// the log on start) the cryptographic checks that were made when the artifact was first accepted are skipped, and
/// inconsistencies are collected in <see cref="Problems"/> instead of stopping the replay.
/// The caller serialises calls (<see cref="BoardService"/> holds a gate); nothing here locks.
/// </summary>
public sealed class BoardState
{
    private readonly Charter _charter;
    private readonly List<string> _problems = [];
    private readonly Dictionary<int, GuardianPublicKey> _guardians = [];
    private readonly Dictionary<int, Approval> _approvals = [];
    private readonly Dictionary<string, DeviceRecord> _devices = new(StringComparer.Ordinal);
    private readonly List<OpenedBallot> _opened = [];
    // Read by PrepareBallot, which runs outside the board's gate (ballots are validated concurrently).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _uncast = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, BallotSeal> _seals = new(StringComparer.Ordinal);
    private readonly DecryptionRounds _decryptions = new();
    private readonly Dictionary<string, AuditSeed> _audits = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AuditProgress> _auditInputs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (AuditInputsArtifact Inputs, List<AuditUploadArtifact> Uploads)> _auditJurisdictions = new(StringComparer.Ordinal);
    private ElectionContext? _candidate;
    private readonly RollRules _rolls = new(TimeProvider.System);

    /// <summary>An empty board governed by <paramref name="charter"/>.</summary>
    public BoardState(Charter charter)
    {
        ArgumentNullException.ThrowIfNull(charter);
        _charter = charter;
    }

    /// <summary>
    /// The step table of the log as logged so far (docs/record-format.md §11), for the deadline of an abandonment;
    /// null: no abandonment is accepted.
    /// </summary>
    public Func<Entente.Client.Board.ScheduleReport>? Schedule { get; init; }

    /// <summary>The board's clock, for the deadline of an abandonment.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Where the proofs of each posted ballot are checked: the board's own cores, or a cluster's workers.</summary>
    public IBallotValidator BallotValidator { get; init; } = InProcessBallotValidator.Instance;

    /// <summary>The decryption attempt now open (docs/record-format.md §11).</summary>
    public int DecryptionAttempt => _decryptions.Attempt;

    /// <summary>True once the charter is on the board.</summary>
    public bool HasCharter { get; private set; }

    /// <summary>The manifest, once on the board.</summary>
    public ElectionManifest? Manifest { get; private set; }

    /// <summary>The parameters, once on the board.</summary>
    public ElectionParameters? Parameters { get; private set; }

    /// <summary>The election (joint key, H_E), once on the board.</summary>
    public ElectionContext? Context { get; private set; }

    /// <summary>The encrypted tally, once on the board (voting is then closed).</summary>
    public EncryptedTally? EncryptedTally { get; private set; }

    /// <summary>The decrypted tally, once on the board.</summary>
    public DecryptedTally? Tally { get; private set; }

    /// <summary>The guardians' public keys on the board, by index.</summary>
    public IReadOnlyDictionary<int, GuardianPublicKey> Guardians => _guardians;

    /// <summary>The approvals on the board, by guardian index.</summary>
    public IReadOnlyDictionary<int, Approval> Approvals => _approvals;

    /// <summary>The device records on the board.</summary>
    public IReadOnlyCollection<DeviceRecord> Devices => _devices.Values;

    /// <summary>The openings of challenged ballots on the board.</summary>
    public IReadOnlyList<OpenedBallot> Opened => _opened;

    /// <summary>The voter rolls as the log has built them (docs/rolls.md).</summary>
    public Entente.Rolls.RollLedger Rolls => _rolls.Ledger;

    /// <summary>The unofficial results as the log has built them (docs/results.md).</summary>
    public Entente.Rolls.Results.ResultsLedger UnofficialResults => _rolls.Results;

    /// <summary>What the replay of the log found inconsistent (should be empty).</summary>
    public IReadOnlyList<string> Problems => _problems;

    /// <summary>The election's stage: charter, manifest, parameters, key-ceremony, voting, decryption, complete.</summary>
    public string Stage => Tally is not null ? "complete"
        : EncryptedTally is not null ? "decryption"
        : Context is not null ? "voting"
        : Parameters is not null ? "key-ceremony"
        : Manifest is not null ? "parameters"
        : HasCharter ? "manifest"
        : "charter";

    /// <summary>Notes a problem found while replaying the log.</summary>
    public void AddProblem(string problem) => _problems.Add(problem);

    /// <summary>Parses a posted artifact of <paramref name="kind"/> (the kind's own method below).</summary>
    public Task<PreparedArtifact> PrepareAsync(BoardKind kind, string? argument, string party, byte[] body, IBoardBallots ballots, bool trusted, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(ballots);
        return kind.Collection switch
        {
            "charter" => Task.FromResult(PrepareCharter(body, trusted)),
            "manifest" => Task.FromResult(PrepareManifest(body)),
            "parameters" => Task.FromResult(PrepareParameters(body, trusted)),
            "guardians" => Task.FromResult(PrepareGuardian(body, party, trusted)),
            "shares" => Task.FromResult(PrepareShare(body, party, trusted)),
            "approvals" => Task.FromResult(PrepareApproval(body, party, trusted)),
            "election" => Task.FromResult(PrepareElection(body)),
            "sealed" => Task.FromResult(PrepareSeal(body, party, ballots, trusted)),
            "ballots" => Task.FromResult(PrepareBallot(body, party, trusted)),
            "devices" => Task.FromResult(PrepareDevice(body, party, ballots, trusted)),
            "encrypted-tally" => PrepareEncryptedTallyAsync(body, ballots, trusted, cancellationToken),
            "decryptions" => Task.FromResult(PrepareDecryption(argument, body, party, ballots, trusted)),
            "abandonments" => Task.FromResult(PrepareAbandon(body, trusted)),
            "tally" => Task.FromResult(PrepareTally(body, trusted)),
            "challenged" => PrepareOpeningAsync(body, ballots, trusted, cancellationToken),
            "uncast" => Task.FromResult(PrepareUncast(body, ballots, trusted)),
            "audit-commits" => Task.FromResult(PrepareAuditCommit(body, party, trusted)),
            "audit-reveals" => Task.FromResult(PrepareAuditReveal(body, party, trusted)),
            "audit-dice" => Task.FromResult(PrepareAuditDice(body)),
            "audit-inputs" => Task.FromResult(PrepareAuditInputs(body, trusted)),
            "audit-uploads" => Task.FromResult(PrepareAuditUpload(body, party, trusted)),
            "audit-rounds" => Task.FromResult(PrepareAuditRound(body, trusted)),
            "audit-boards" => Task.FromResult(PrepareAuditBoard(body, trusted)),
            "audit-readings" => Task.FromResult(PrepareAuditReading(body, trusted)),
            "audit-tallies" => Task.FromResult(PrepareAuditTally(body, trusted)),
            "audit-signoffs" => Task.FromResult(PrepareAuditSignOff(body, trusted)),
            "roll-inits" or "roll-changes" or "roll-snapshots" or "results" => Task.FromResult(_rolls.Prepare(kind, body, party, trusted)),
            _ => throw BoardRefusal.NotFound("No such collection", $"/board/{kind.Collection} accepts no posts.").Raise(),
        };
    }

    /// <summary>The charter: its bytes must be the server's charter file.</summary>
    public PreparedArtifact PrepareCharter(byte[] body, bool trusted)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (!body.AsSpan().SequenceEqual(_charter.Bytes))
        {
            if (!trusted)
            {
                throw BoardRefusal.Invalid("Not this board's charter", "body: the charter differs from the server's charter file; the board publishes the charter it enforces.").Raise();
            }

            _problems.Add("the charter on the log differs from the server's charter file: the server enforces a charter the parties did not publish");
        }

        return new PreparedArtifact("charter", "charter", null, null) { Apply = () => HasCharter = true };
    }

    /// <summary>The manifest, in canonical form.</summary>
    public PreparedArtifact PrepareManifest(byte[] body)
    {
        ElectionManifest manifest = Parse(() => ManifestReader.Parse(body, "manifest"));
        if (!manifest.CanonicalSpan.SequenceEqual(body))
        {
            throw BoardRefusal.Invalid("Invalid artifact", "manifest: not in canonical form (docs/record-format.md §2 and §6); post manifest.CanonicalBytes.").Raise();
        }

        return new PreparedArtifact("manifest", "manifest", null, null) { Apply = () => Manifest = manifest };
    }

    /// <summary>parameters.json, after the manifest; every guardian must have a holder in the charter.</summary>
    public PreparedArtifact PrepareParameters(byte[] body, bool trusted)
    {
        ElectionManifest manifest = Manifest ?? throw BoardRefusal.NotYet("The manifest is not on the board yet (POST /board/manifest).").Raise();
        ElectionParameters parameters = Parse(() => RecordFormat.ReadParameters("parameters", body, manifest));
        for (int i = 1; !trusted && i <= parameters.GuardianCount; i++)
        {
            if (_charter.GuardianHolder(i) is null)
            {
                throw BoardRefusal.Invalid("Invalid artifact", $"parameters: $.n: guardian {i} has no holder in the charter (a party with the role guardian listing it).").Raise();
            }
        }

        return new PreparedArtifact("parameters", "election.parameters", null, null) { Apply = () => Parameters = parameters };
    }

    /// <summary>A guardian's public key, from the party holding that guardian; its proofs are checked (Verification 2).</summary>
    public PreparedArtifact PrepareGuardian(byte[] body, string party, bool trusted)
    {
        ElectionParameters parameters = NeedParameters();
        GuardianPublicKey key = Parse(() => RecordFormat.ReadGuardian("guardian", body, parameters));
        CheckHolder(key.Index, party, trusted);
        return new PreparedArtifact(Id(key.Index), "guardian.commitment", null, null)
        {
            Validate = trusted ? null : _ =>
            {
                if (key.Verify(parameters) is { Count: > 0 } problems)
                {
                    throw BoardRefusal.Invalid("Invalid proof", $"guardian {key.Index}: {string.Join("; ", problems)} (Verification 2)").Raise();
                }

                return Task.CompletedTask;
            },
            Apply = () => _guardians[key.Index] = key,
        };
    }

    /// <summary>An encrypted share from guardian i to guardian l ≠ i, from the party holding i.</summary>
    public PreparedArtifact PrepareShare(byte[] body, string party, bool trusted)
    {
        ElectionParameters parameters = NeedParameters();
        EncryptedShare share = Parse(() => RecordFormat.ReadShare("share", body, parameters));
        if (share.From == share.To)
        {
            throw BoardRefusal.Invalid("Invalid artifact", "share: $.to: a guardian sends no share to itself.").Raise();
        }

        CheckHolder(share.From, party, trusted);
        return new PreparedArtifact($"{share.From}-to-{share.To}", "guardian.share", null, null);
    }

    /// <summary>An approval (or complaints) of guardian l, which must approve the H_G of the keys on the board.</summary>
    public PreparedArtifact PrepareApproval(byte[] body, string party, bool trusted)
    {
        ElectionParameters parameters = NeedParameters();
        Approval approval = Parse(() => RecordFormat.ReadApproval("approval", body, parameters));
        CheckHolder(approval.Index, party, trusted);
        ElectionContext candidate = Candidate(parameters);
        if (!approval.GuardianRecordHash.Equals(candidate.GuardianRecordHash))
        {
            throw BoardRefusal.Invalid("Invalid artifact", $"approval: $.h_g: guardian {approval.Index} approved H_G {approval.GuardianRecordHash} but the guardian keys on the board give {candidate.GuardianRecordHash}.").Raise();
        }

        return new PreparedArtifact(Id(approval.Index), "guardian.approval", null, null) { Apply = () => _approvals[approval.Index] = approval };
    }

    /// <summary>election.json: only once every guardian approved, and exactly the joint key of the keys on the board.</summary>
    public PreparedArtifact PrepareElection(byte[] body)
    {
        ElectionParameters parameters = NeedParameters();
        ElectionContext candidate = Candidate(parameters);
        for (int i = 1; i <= parameters.GuardianCount; i++)
        {
            if (!_approvals.TryGetValue(i, out Approval? approval))
            {
                throw BoardRefusal.NotYet($"Guardian {i} has not posted its approval (POST /board/approvals).").Raise();
            }

            if (!approval.Approves)
            {
                throw BoardRefusal.Conflict("Ceremony failed", $"Guardian {i} complained: {string.Join("; ", approval.Complaints.Select(c => $"about {c.From}: {c.Reason}"))}.").Raise();
            }
        }

        Parse(() =>
        {
            RecordFormat.CheckElection("election", body, candidate);
            return 0;
        });
        return new PreparedArtifact("election", "election.key", null, null) { Apply = () => Context = candidate };
    }

    /// <summary>
    /// An encrypted ballot from the device that made it, after the joint key: parsed strictly, its proofs, hashes and
    /// confirmation code checked (<see cref="RecordSelfCheck.CheckBallot"/>). The entry carries the ballot's id and code.
    /// </summary>
    public PreparedArtifact PrepareBallot(byte[] body, string party, bool trusted)
    {
        ElectionContext context = NeedContext("The joint election key is not on the board yet (POST /board/election); ballots can be encrypted only after the key ceremony.");
        EncryptedBallot ballot = Parse(() => RecordFormat.ReadBallot("ballot", body, context));
        if (!trusted && ballot.Device != party)
        {
            throw BoardRefusal.Forbidden("Wrong device", $"ballot.device: the ballot says device \"{ballot.Device}\" but the request is signed by \"{party}\"; a device posts only its own ballots.").Raise();
        }

        string id = ballot.Id.ToHex();
        if (!trusted && _seals.TryGetValue(id, out BallotSeal? seal) && !seal.ConfirmationCode.Equals(ballot.ConfirmationCode))
        {
            throw BoardRefusal.Invalid("Invalid ballot", $"ballot {id}: its confirmation code {ballot.ConfirmationCode} is not the code {seal.ConfirmationCode} the device sealed and showed the voter (/board/sealed/{id}); a device cannot change a ballot after the voter saw its code.").Raise();
        }

        if (!trusted && _uncast.ContainsKey(id))
        {
            throw BoardRefusal.Invalid("Invalid ballot", $"ballot {id}: the board holds this pre-encrypted ballot's opening as uncast (/board/uncast/{id}); a ballot is cast or uncast, never both.").Raise();
        }

        return new PreparedArtifact(id, ballot.State == BallotState.Cast ? "ballot.cast" : "ballot.challenged", id, ballot.ConfirmationCode.ToHex())
        {
            Validate = trusted ? null : async ct =>
            {
                IReadOnlyList<string> failures;
                try
                {
                    failures = await BallotValidator.ValidateAsync(context, body, ballot, ct).ConfigureAwait(false);
                }
                catch (BallotValidationUnavailableException e)
                {
                    throw new BoardRefusal(RefusalKind.Unavailable, "Validation unavailable", $"ballot {id}: its proofs could not be checked ({e.Message}); nothing was stored, post it again.") { RetryAfterSeconds = 2 }.Raise();
                }

                if (failures.Count > 0)
                {
                    throw BoardRefusal.Invalid("Invalid ballot", $"ballot {id}: {string.Join("; ", failures.Take(3))}").Raise();
                }
            },
        };
    }

    /// <summary>
    /// A device's seal notice (<see cref="BallotSeal"/>): from that device, while voting is open, for a ballot not yet
    /// decided on the board, once. The cast or challenged ballot that follows must carry the sealed H_C (<see cref="PrepareBallot"/>).
    /// </summary>
    public PreparedArtifact PrepareSeal(byte[] body, string party, IBoardBallots ballots, bool trusted)
    {
        ArgumentNullException.ThrowIfNull(ballots);
        NeedContext("The joint election key is not on the board yet (POST /board/election); ballots can be sealed only after the key ceremony.");
        BallotSeal seal = Parse(() => BallotSeal.Read("seal", body));
        string id = seal.Id.ToHex();
        if (!trusted)
        {
            if (seal.Device != party)
            {
                throw BoardRefusal.Forbidden("Wrong device", $"seal: $.device: the notice says device \"{seal.Device}\" but the request is signed by \"{party}\"; a device seals only its own ballots.").Raise();
            }

            if (EncryptedTally is not null)
            {
                throw BoardRefusal.Conflict("Voting closed", "The encrypted tally is on the board: no ballot is sealed after voting closed.").Raise();
            }

            if (ballots.IsChallenged(id) is bool challenged)
            {
                throw BoardRefusal.Invalid("Invalid artifact", $"seal: $.id: ballot {id} is already on the board as {(challenged ? "challenged" : "cast")}; a seal comes before the voter's choice, never after.").Raise();
            }

            if (_seals.TryGetValue(id, out BallotSeal? earlier) && earlier != seal)
            {
                throw BoardRefusal.Invalid("Invalid artifact", $"seal: $.confirmation_code: ballot {id} was sealed before with code {earlier.ConfirmationCode}; a ballot is sealed once.").Raise();
            }
        }

        return new PreparedArtifact(id, "ballot.sealed", null, seal.ConfirmationCode.ToHex()) { Apply = () => _seals[id] = seal };
    }

    /// <summary>A device's record at close: its own, every listed ballot on the board.</summary>
    public PreparedArtifact PrepareDevice(byte[] body, string party, IBoardBallots ballots, bool trusted)
    {
        ArgumentNullException.ThrowIfNull(ballots);
        NeedContext();
        DeviceRecord device = Parse(() => RecordFormat.ReadDevice("device", body));
        if (!trusted && device.Device != party)
        {
            throw BoardRefusal.Forbidden("Wrong device", $"device: $.device: the record is of \"{device.Device}\" but the request is signed by \"{party}\".").Raise();
        }

        foreach (Entente.Cryptography.Hash256 ballot in device.Ballots)
        {
            if (!trusted && ballots.IsChallenged(ballot.ToHex()) is null)
            {
                throw BoardRefusal.Invalid("Invalid artifact", $"device: $.ballots: ballot {ballot.ToHex()} is not on the board; post every ballot before the device record.").Raise();
            }
        }

        return new PreparedArtifact(device.Device, "device.record", null, null) { Apply = () => _devices[device.Device] = device };
    }

    /// <summary>The encrypted tally: exactly the aggregate of the cast ballots on the board (Verification 9). Closes voting.</summary>
    public async Task<PreparedArtifact> PrepareEncryptedTallyAsync(byte[] body, IBoardBallots ballots, bool trusted, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ballots);
        ElectionContext context = NeedContext();
        // The form first; the total weight of the cast ballots (the bound of the decryption's search) comes from streaming
        // the ballots, once: to aggregate them for a new tally, or only to weigh them when the log is replayed.
        EncryptedTally tally = Parse(() => RecordFormat.ReadEncryptedTally("encrypted tally", body, context, 0));
        if (trusted)
        {
            long weight = 0;
            await foreach (EncryptedBallot ballot in ballots.EachAsync(cancellationToken).ConfigureAwait(false))
            {
                weight += ballot.State == BallotState.Cast ? ballot.Weight : 0;
            }

            tally = Parse(() => RecordFormat.ReadEncryptedTally("encrypted tally", body, context, weight));
        }

        return new PreparedArtifact("encrypted-tally", "tally.encrypted", null, null)
        {
            Validate = trusted ? null : async ct =>
            {
                EncryptedTally.Accumulator accumulator = new(context);
                await foreach (EncryptedBallot ballot in ballots.EachAsync(ct).ConfigureAwait(false))
                {
                    accumulator.Add(ballot);
                }

                EncryptedTally expected = accumulator.Result();
                if (!expected.SameBallots(tally))
                {
                    throw BoardRefusal.Invalid("Invalid tally", tally.Ballots is null
                        ? $"encrypted tally: $.ballots_sha256: the tally commits to {tally.BallotCount} ballot(s) that are not the {expected.BallotCount} cast ballot(s) on the board."
                        : $"encrypted tally: $.ballots: the list of {tally.BallotCount} ballot(s) differs from the {expected.BallotCount} cast ballot(s) on the board.").Raise();
                }

                for (int c = 0; c < expected.Contests.Count; c++)
                {
                    for (int o = 0; o < expected.Contests[c].Options.Count; o++)
                    {
                        if (!expected.Contests[c].Options[o].Ciphertext.Equals(tally.Contests[c].Options[o].Ciphertext))
                        {
                            throw BoardRefusal.Invalid("Invalid tally", $"encrypted tally: $.contests[{c}].options[{o}]: the aggregate does not match the cast ballots on the board (Verification 9).").Raise();
                        }
                    }
                }

                tally = Parse(() => RecordFormat.ReadEncryptedTally("encrypted tally", body, context, expected.TotalWeight));
            },
            Apply = () => EncryptedTally = tally,
        };
    }

    /// <summary>A guardian's decryption round (commit, reveal, response), checked as soon as the protocol allows (<see cref="DecryptionRounds"/>).</summary>
    public PreparedArtifact PrepareDecryption(string? round, byte[] body, string party, IBoardBallots ballots, bool trusted)
    {
        ArgumentNullException.ThrowIfNull(ballots);
        ElectionContext context = NeedContext();
        EncryptedTally tally = EncryptedTally ?? throw BoardRefusal.NotYet("The encrypted tally is not on the board yet (POST /board/encrypted-tally).").Raise();
        DecryptionItem[] items = DecryptionRounds.Items(tally);
        DecryptionRounds.Round parsed = DecryptionRounds.Read(round, body, context, items.Length, [.. ballots.ChallengedIds().Order(StringComparer.Ordinal)]);
        CheckHolder(parsed.Index, party, trusted);
        if (!trusted)
        {
            _decryptions.CheckAttempt(parsed);
        }

        return new PreparedArtifact(parsed.Id, "decryption." + parsed.Name, null, null)
        {
            Validate = trusted ? null : ct => Task.Run(() => _decryptions.Check(parsed, context, items), ct),
            Apply = () => _decryptions.Apply(parsed, context),
        };
    }

    /// <summary>
    /// A party's abandonment of the current decryption attempt (docs/record-format.md §11, "attempts"): refused unless it
    /// names the current attempt, a guardian of its U (any guardian before the first commit) that did not take the step,
    /// the attempt lacks some of U's responses, and the step was due before both the entry's time and the board's clock.
    /// Once logged, the next attempt opens.
    /// </summary>
    public PreparedArtifact PrepareAbandon(byte[] body, bool trusted)
    {
        ElectionContext context = NeedContext();
        _ = EncryptedTally ?? throw BoardRefusal.NotYet("The encrypted tally is not on the board yet (POST /board/encrypted-tally): no decryption attempt is open.").Raise();
        DecryptionAbandonment abandonment = Parse(() => DecryptionRoundFormat.ReadAbandonment("decryption abandon", body, context.Parameters));
        if (!trusted)
        {
            if (Tally is not null)
            {
                throw BoardRefusal.Conflict("Decryption complete", "decryption abandon: the decrypted tally is on the board; there is no attempt to abandon.").Raise();
            }

            _decryptions.CheckAbandon(abandonment);
        }

        return new PreparedArtifact(abandonment.Attempt.ToString(CultureInfo.InvariantCulture), "decryption.abandon", null, null)
        {
            CheckEntry = trusted ? null : entry => CheckAbandonDue(abandonment, entry),
            Apply = () => _decryptions.ApplyAbandon(),
        };
    }

    private void CheckAbandonDue(DecryptionAbandonment abandonment, LogEntry entry)
    {
        string step = "decryption." + abandonment.Step;
        Entente.Client.Board.ScheduleReport schedule = Schedule?.Invoke() ?? throw BoardRefusal.Invalid("No deadline", "decryption abandon: this board keeps no step table; an attempt is abandoned only after a deadline.").Raise();
        Entente.Client.Board.StepStatus? row = schedule.Steps.FirstOrDefault(s => s.Attempt == abandonment.Attempt && s.Step == step && s.Guardians.Contains(abandonment.Guardian));
        if (row is null)
        {
            throw BoardRefusal.NotYet($"The {abandonment.Step} step of attempt {abandonment.Attempt} has not opened for guardian {abandonment.Guardian} (a reveal opens once every guardian of U committed, a response once every one revealed): it is not due.").Raise();
        }

        if (row.Due is not { } due)
        {
            throw BoardRefusal.Invalid("No deadline", $"decryption abandon: the charter sets no deadline for {step} (or the opening entry is untimed); an attempt is abandoned only after its step's deadline (docs/record-format.md §11).").Raise();
        }

        DateTimeOffset now = Clock.GetUtcNow();
        if (entry.Time is not { } time || time <= due || now <= due)
        {
            throw new BoardRefusal(RefusalKind.Conflict, "Not yet due",
                $"decryption abandon: guardian {abandonment.Guardian}'s {abandonment.Step} of attempt {abandonment.Attempt} is due {Entente.Client.Board.ScheduleReport.Text(due)}; the entry's time ({(entry.Time is { } t ? Entente.Client.Board.ScheduleReport.Text(t) : "none")}) and the board's clock ({Entente.Client.Board.ScheduleReport.Text(now)}) must both be after it.")
            {
                Extensions = new Dictionary<string, object?>(StringComparer.Ordinal) { ["due"] = Entente.Client.Board.ScheduleReport.Text(due) },
            }.Raise();
        }
    }

    /// <summary>The decrypted tally: a quorum U and a valid decryption proof for every option (Verification 10).</summary>
    public PreparedArtifact PrepareTally(byte[] body, bool trusted)
    {
        ElectionContext context = NeedContext();
        EncryptedTally encrypted = EncryptedTally ?? throw BoardRefusal.NotYet("The encrypted tally is not on the board yet (POST /board/encrypted-tally).").Raise();
        DecryptedTally tally = Parse(() => RecordFormat.ReadTally("tally", body, context));
        return new PreparedArtifact("tally", "tally.decrypted", null, null)
        {
            Validate = trusted ? null : ct => Task.Run(() =>
            {
                Parse(() => TallyDecryption.CheckQuorum(context, tally.Guardians));
                foreach (DecryptedContest contest in tally.Contests)
                {
                    foreach (DecryptedOption option in contest.Options)
                    {
                        DecryptionItem item = new(contest.ContestIndex, option.OptionIndex, encrypted.Contests[contest.ContestIndex - 1].Options[option.OptionIndex - 1].Ciphertext);
                        if (!TallyDecryption.VerifyOption(context, item, option.Value, option.Challenge, option.Response))
                        {
                            throw BoardRefusal.Invalid("Invalid proof", $"tally: $.contests[{contest.ContestIndex - 1}].options[{option.OptionIndex - 1}]: the decryption proof does not verify for value {option.Value} (Verification 10).").Raise();
                        }
                    }
                }
            }, ct),
            Apply = () => Tally = tally,
        };
    }

    /// <summary>The opening of a challenged ballot on the board (never of a cast one), checked against the ballot (Verifications 13, 14).</summary>
    public async Task<PreparedArtifact> PrepareOpeningAsync(byte[] body, IBoardBallots ballots, bool trusted, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ballots);
        ElectionContext context = NeedContext();
        string id = Parse(() => OpeningId(body));
        bool challenged = ballots.IsChallenged(id) ?? throw BoardRefusal.Invalid("Invalid artifact", $"opening: $.id: no ballot {id} is on the board.").Raise();
        if (!challenged)
        {
            throw BoardRefusal.Invalid("Invalid artifact", $"opening: $.id: ballot {id} was cast, not challenged; a cast ballot is never opened.").Raise();
        }

        EncryptedBallot ballot = await ballots.LoadAsync(id, cancellationToken).ConfigureAwait(false);
        OpenedBallot opened = Parse(() => RecordFormat.ReadOpened("opening", body, context, ballot));
        return new PreparedArtifact(id, "ballot.opened", id, null)
        {
            Validate = trusted ? null : ct => Task.Run(() =>
            {
                if (RecordSelfCheck.CheckOpened(context, context.Parameters.Manifest, ballot, opened) is { Count: > 0 } failures)
                {
                    throw BoardRefusal.Invalid("Invalid opening", $"opening {id}: {string.Join("; ", failures.Take(3))}").Raise();
                }
            }, ct),
            Apply = () => _opened.Add(opened),
        };
    }

    /// <summary>
    /// An uncast pre-encrypted ballot opened by the recording tool (a device of the charter): read strictly and checked
    /// as Verification 19 checks it (every vector re-encrypted from its nonces, the hashes and H_C), and never the id of
    /// a ballot on the board, nor a ballot that arrives later (<see cref="PrepareBallot"/> refuses it): a pre-encrypted
    /// ballot is cast or uncast, never both.
    /// </summary>
    public PreparedArtifact PrepareUncast(byte[] body, IBoardBallots ballots, bool trusted)
    {
        ArgumentNullException.ThrowIfNull(ballots);
        ElectionContext context = NeedContext("The joint election key is not on the board yet (POST /board/election).");
        Entente.Election.PreEncryption.UncastBallot opened = Parse(() => Entente.Election.PreEncryption.PreEncryptionFormat.ReadUncast("uncast", body, context));
        string id = opened.Id.ToHex();
        if (!trusted && ballots.IsChallenged(id) is not null)
        {
            throw BoardRefusal.Invalid("Invalid artifact", $"uncast: $.id: ballot {id} is on the board as a cast or challenged ballot; a pre-encrypted ballot is cast or uncast, never both.").Raise();
        }

        return new PreparedArtifact(id, "ballot.uncast", null, null)
        {
            Validate = trusted ? null : ct => Task.Run(() =>
            {
                if (Entente.Election.PreEncryption.PreEncryptionCheck.CheckUncast(context, opened) is { Count: > 0 } failures)
                {
                    throw BoardRefusal.Invalid("Invalid opening", $"uncast {id}: {string.Join("; ", failures.Take(3))}").Raise();
                }
            }, ct),
            Apply = () => _uncast[id] = true,
        };
    }

    /// <summary>
    /// A party's commitment to its audit-seed secret: from that party (an auditor of the charter), naming the audit's
    /// parties (auditors of the charter, the same in every commitment of the audit) and whether dice follow.
    /// </summary>
    public PreparedArtifact PrepareAuditCommit(byte[] body, string party, bool trusted)
    {
        SeedCommitArtifact commit = ParseAudit(() => SeedArtifacts.ReadCommit("audit commitment", body));
        if (!trusted)
        {
            if (commit.Party != party)
            {
                throw BoardRefusal.Forbidden("Wrong party", $"audit commitment: $.party: the commitment is of \"{commit.Party}\" but the request is signed by \"{party}\"; a party commits only its own secret.").Raise();
            }

            if (commit.Parties.FirstOrDefault(p => _charter.KeyFor(p, BoardKind.AuditorRole) is null) is string stranger)
            {
                throw BoardRefusal.Invalid("Invalid artifact", $"audit commitment: $.parties: \"{stranger}\" is not an auditor of the charter.").Raise();
            }

            if (!commit.Parties.Contains(commit.Party))
            {
                throw BoardRefusal.Invalid("Invalid artifact", $"audit commitment: $.party: \"{commit.Party}\" is not one of the audit's parties.").Raise();
            }

            if (_auditJurisdictions.TryGetValue(commit.AuditId, out var multi) && MultiJurisdiction.Missing(multi.Inputs, multi.Uploads.Select(u => u.Jurisdiction)) is { Count: > 0 } missing)
            {
                throw BoardRefusal.NotYet($"audit commitment: audit {commit.AuditId} still waits for the files of {string.Join(", ", missing)} (POST /board/audit-uploads): the seed is committed to only once every jurisdiction's files are on the board.").Raise();
            }

            if (_audits.TryGetValue(commit.AuditId, out AuditSeed? seed) && (!seed.Parties.SequenceEqual(commit.Parties) || seed.Dice != commit.Dice))
            {
                throw BoardRefusal.Invalid("Invalid artifact", $"audit commitment: $.parties: audit {commit.AuditId} was committed to with parties [{string.Join(", ", seed.Parties)}] and dice {(seed.Dice ? "true" : "false")}; every commitment of an audit repeats them.").Raise();
            }
        }

        return new PreparedArtifact(SeedArtifacts.Id(commit.AuditId, commit.Party), SeedArtifacts.CommitType, null, null)
        {
            Apply = () =>
            {
                if (!_audits.TryGetValue(commit.AuditId, out AuditSeed? seed))
                {
                    _audits[commit.AuditId] = seed = new AuditSeed(commit.Parties, commit.Dice);
                }

                seed.Commitments[commit.Party] = commit.Commitment;
            },
        };
    }

    /// <summary>A party's audit-seed secret: only once every party of the audit committed, and matching its commitment.</summary>
    public PreparedArtifact PrepareAuditReveal(byte[] body, string party, bool trusted)
    {
        SeedRevealArtifact reveal = ParseAudit(() => SeedArtifacts.ReadReveal("audit reveal", body));
        if (!trusted && reveal.Party != party)
        {
            throw BoardRefusal.Forbidden("Wrong party", $"audit reveal: $.party: the reveal is of \"{reveal.Party}\" but the request is signed by \"{party}\".").Raise();
        }

        AuditSeed seed = _audits.GetValueOrDefault(reveal.AuditId) ?? throw BoardRefusal.NotYet($"No commitment of audit {reveal.AuditId} is on the board (POST /board/audit-commits).").Raise();
        if (seed.Parties.FirstOrDefault(p => !seed.Commitments.ContainsKey(p)) is string missing)
        {
            throw BoardRefusal.NotYet($"Party \"{missing}\" of audit {reveal.AuditId} has not committed yet (POST /board/audit-commits): a secret is revealed only once every party committed, or a late party could choose its secret knowing the others'.").Raise();
        }

        if (!seed.Commitments.TryGetValue(reveal.Party, out byte[]? commitment))
        {
            throw BoardRefusal.Invalid("Invalid artifact", $"audit reveal: $.party: \"{reveal.Party}\" is not a party of audit {reveal.AuditId}.").Raise();
        }

        if (!trusted && !System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(SeedProtocol.Commitment(reveal.AuditId, reveal.Party, reveal.Secret), commitment))
        {
            throw BoardRefusal.Invalid("Reveal does not match", $"audit reveal: $.secret: the secret of \"{reveal.Party}\" does not hash to its commitment on the board (docs/audit.md).").Raise();
        }

        return new PreparedArtifact(SeedArtifacts.Id(reveal.AuditId, reveal.Party), SeedArtifacts.RevealType, null, null) { Apply = () => seed.Revealed.Add(reveal.Party) };
    }

    /// <summary>Public dice of an audit that rolls them, only once every party revealed (a joint artifact: every party signs the digits).</summary>
    public PreparedArtifact PrepareAuditDice(byte[] body)
    {
        SeedDiceArtifact dice = ParseAudit(() => SeedArtifacts.ReadDice("audit dice", body));
        AuditSeed seed = _audits.GetValueOrDefault(dice.AuditId) ?? throw BoardRefusal.NotYet($"No commitment of audit {dice.AuditId} is on the board (POST /board/audit-commits).").Raise();
        if (!seed.Dice)
        {
            throw BoardRefusal.Invalid("Invalid artifact", $"audit dice: audit {dice.AuditId} was committed to without dice.").Raise();
        }

        if (seed.Parties.FirstOrDefault(p => !seed.Revealed.Contains(p)) is string missing)
        {
            throw BoardRefusal.NotYet($"Party \"{missing}\" of audit {dice.AuditId} has not revealed yet (POST /board/audit-reveals): dice come after every reveal.").Raise();
        }

        return new PreparedArtifact(dice.AuditId, SeedArtifacts.DiceType, null, null);
    }

    /// <summary>
    /// The inputs an audit checks: only before the audit's first seed commitment, so the reported results are fixed
    /// before anyone can know the seed.
    /// </summary>
    public PreparedArtifact PrepareAuditInputs(byte[] body, bool trusted)
    {
        AuditInputsArtifact inputs = ParseAudit(() => AuditTrailArtifacts.ReadInputs("audit inputs", body));
        if (!trusted && _audits.ContainsKey(inputs.AuditId))
        {
            throw BoardRefusal.Invalid("Inputs after the seed", $"audit inputs: audit {inputs.AuditId} already has seed commitments on the board; its inputs had to come first (docs/audit.md).").Raise();
        }

        if (inputs.Jurisdictions.Count > 0)
        {
            // A multi-jurisdiction audit: its rules apply once every jurisdiction's upload is on the board.
            if (!trusted && inputs.Jurisdictions.FirstOrDefault(j => _charter.KeyFor(j.Party, BoardKind.AuditorRole) is null) is { } stranger)
            {
                throw BoardRefusal.Invalid("Invalid artifact", $"audit inputs: $.jurisdictions: \"{stranger.Party}\" (for {stranger.Name}) is not an auditor of the charter.").Raise();
            }

            return new PreparedArtifact(inputs.AuditId, AuditTrailArtifacts.InputsType, null, null) { Apply = () => _auditJurisdictions.TryAdd(inputs.AuditId, (inputs, [])) };
        }

        AuditProgress progress = ParseAudit(() => new AuditProgress(inputs));
        return new PreparedArtifact(inputs.AuditId, AuditTrailArtifacts.InputsType, null, null) { Apply = () => _auditInputs.TryAdd(inputs.AuditId, progress) };
    }

    /// <summary>
    /// A jurisdiction's files for a multi-jurisdiction audit: by the party its inputs name for the jurisdiction, once,
    /// before the audit's first seed commitment, each file reading in Entente's form (<see cref="MultiJurisdiction.CheckUpload"/>).
    /// The audit's rules apply to the union once the last jurisdiction's files are on the board.
    /// </summary>
    public PreparedArtifact PrepareAuditUpload(byte[] body, string party, bool trusted)
    {
        AuditUploadArtifact upload = ParseAudit(() => AuditTrailArtifacts.ReadUpload("audit upload", body));
        if (!_auditJurisdictions.TryGetValue(upload.AuditId, out var multi))
        {
            throw (_auditInputs.ContainsKey(upload.AuditId)
                ? BoardRefusal.Invalid("Invalid artifact", $"audit upload: audit {upload.AuditId} is not a multi-jurisdiction audit: its inputs hold its manifest already.")
                : BoardRefusal.NotYet($"The inputs of audit {upload.AuditId} are not on the board (POST /board/audit-inputs): they name the jurisdictions and who uploads for each.")).Raise();
        }

        if (!trusted)
        {
            if (multi.Inputs.Jurisdictions.FirstOrDefault(j => j.Name == upload.Jurisdiction) is { } named && named.Party != party)
            {
                throw BoardRefusal.Forbidden("Wrong party", $"audit upload: $.jurisdiction: the files of {upload.Jurisdiction} are uploaded by \"{named.Party}\", as the audit's inputs name, but the request is signed by \"{party}\".").Raise();
            }

            if (_audits.ContainsKey(upload.AuditId))
            {
                throw BoardRefusal.Invalid("Upload after the seed", $"audit upload: audit {upload.AuditId} already has seed commitments on the board; every jurisdiction's files had to come first (docs/audit.md).").Raise();
            }

            if (MultiJurisdiction.CheckUpload(multi.Inputs, upload) is string problem)
            {
                throw BoardRefusal.Invalid("Invalid artifact", $"audit upload of {upload.Jurisdiction}: {problem}").Raise();
            }
        }

        return new PreparedArtifact(upload.Id, AuditTrailArtifacts.UploadType, null, null)
        {
            Apply = () =>
            {
                if (multi.Uploads.Any(u => u.Jurisdiction == upload.Jurisdiction))
                {
                    return;
                }

                multi.Uploads.Add(upload);
                if (MultiJurisdiction.Missing(multi.Inputs, multi.Uploads.Select(u => u.Jurisdiction)).Count == 0)
                {
                    try
                    {
                        _auditInputs.TryAdd(upload.AuditId, new AuditProgress(MultiJurisdiction.Union(multi.Inputs, multi.Uploads)));
                    }
                    catch (Entente.Audit.Io.AuditInputException e)
                    {
                        // Checked before it was logged; a log replayed with a union that no longer reads keeps the audit
                        // without rules, and says so on the board's problems.
                        AddProblem($"audit {upload.AuditId}: the jurisdictions' files do not read as one audit ({e.Message}); its rounds are not checked.");
                    }
                }
            },
        };
    }

    /// <summary>A round's sample: only once the audit's inputs are on the board and every party of its seed revealed.</summary>
    public PreparedArtifact PrepareAuditRound(byte[] body, bool trusted)
    {
        AuditRoundArtifact round = ParseAudit(() => AuditTrailArtifacts.ReadRound("audit round", body));
        if (!trusted)
        {
            if (!_auditInputs.TryGetValue(round.AuditId, out AuditProgress? progress))
            {
                throw BoardRefusal.NotYet($"The inputs of audit {round.AuditId} are not on the board (POST /board/audit-inputs): a sample is checked against them.").Raise();
            }

            if (progress.CheckRound(round) is string problem)
            {
                throw BoardRefusal.Conflict("Round out of order", $"audit round {round.Round}: {problem}").Raise();
            }

            AuditSeed seed = _audits.GetValueOrDefault(round.AuditId) ?? throw BoardRefusal.NotYet($"No seed commitment of audit {round.AuditId} is on the board.").Raise();
            if (seed.Parties.FirstOrDefault(p => !seed.Revealed.Contains(p)) is string missing)
            {
                throw BoardRefusal.NotYet($"Party \"{missing}\" of audit {round.AuditId} has not revealed yet: a sample follows the seed.").Raise();
            }
        }

        return new PreparedArtifact(round.AuditId + ":" + round.Round.ToString(System.Globalization.CultureInfo.InvariantCulture), AuditTrailArtifacts.RoundType, null, null)
        {
            Apply = () => _auditInputs.GetValueOrDefault(round.AuditId)?.ApplyRound(round),
        };
    }

    /// <summary>
    /// An audit board's reading of one ballot: of a ballot in the sample of a drawn round, once, before the round's sign-off,
    /// with the audit's contests and choices (<see cref="AuditProgress.CheckReading"/>).
    /// </summary>
    public PreparedArtifact PrepareAuditReading(byte[] body, bool trusted)
    {
        AuditReadingArtifact reading = ParseAudit(() => AuditTrailArtifacts.ReadReading("audit reading", body));
        AuditProgress? progress = _auditInputs.GetValueOrDefault(reading.AuditId);
        if (!trusted)
        {
            if (progress is null)
            {
                throw BoardRefusal.NotYet($"The inputs of audit {reading.AuditId} are not on the board (POST /board/audit-inputs).").Raise();
            }

            bool again = reading.Round <= progress.Rounds.Count && progress.Rounds[reading.Round - 1].Readings.TryGetValue(reading.BallotKey, out AuditReadingArtifact? logged)
                && AuditTrailArtifacts.Write(logged).AsSpan().SequenceEqual(body);
            if (!again && progress.CheckReading(reading) is { } problem) // the same reading again: the board answers "already on the board"
            {
                throw (problem.Conflict ? BoardRefusal.Conflict("Reading refused", $"audit reading: {problem.Message}")
                    : BoardRefusal.Invalid("Reading refused", $"audit reading: {problem.Message}")).Raise();
            }
        }

        return new PreparedArtifact(reading.Id, AuditTrailArtifacts.ReadingType, null, null) { Apply = () => progress?.ApplyReading(reading) };
    }

    /// <summary>
    /// An audit board's sign-off of its share of a round (the ballots it read, the batches it counted): once per board, naming
    /// both members, once its share is read; the round closes when every board that read signed off (<see cref="AuditProgress.CheckSignOff"/>).
    /// </summary>
    public PreparedArtifact PrepareAuditSignOff(byte[] body, bool trusted)
    {
        AuditSignOffArtifact signOff = ParseAudit(() => AuditTrailArtifacts.ReadSignOff("audit sign-off", body));
        AuditProgress? progress = _auditInputs.GetValueOrDefault(signOff.AuditId);
        if (!trusted)
        {
            if (progress is null)
            {
                throw BoardRefusal.NotYet($"The inputs of audit {signOff.AuditId} are not on the board (POST /board/audit-inputs).").Raise();
            }

            AuditProgressRound? of = signOff.Round <= progress.Rounds.Count ? progress.Rounds[signOff.Round - 1] : null;
            AuditSignOffArtifact? logged = of?.BoardSignOffs.GetValueOrDefault(signOff.Board);
            bool again = logged is not null && AuditTrailArtifacts.Write(logged).AsSpan().SequenceEqual(body);
            if (!again && progress.CheckSignOff(signOff) is string problem) // the same sign-off again: the board answers "already on the board"
            {
                throw BoardRefusal.Conflict("Sign-off refused", $"audit sign-off: {problem}").Raise();
            }
        }

        // Each audit board signs off its own share of the round (id audit:round:board; docs/audit.md).
        return new PreparedArtifact(signOff.Id, AuditTrailArtifacts.SignOffType, null, null) { Apply = () => progress?.ApplySignOff(signOff) };
    }

    /// <summary>
    /// An audit board's hand tally of one batch for one contest (batch-comparison audits): of a batch in the sample of a
    /// drawn round, once per batch and contest (a correction names the latest version), before the counting board's
    /// sign-off, with every choice of the contest and counts that fit the batch (<see cref="AuditProgress.CheckTally"/>).
    /// </summary>
    public PreparedArtifact PrepareAuditTally(byte[] body, bool trusted)
    {
        AuditTallyArtifact tally = ParseAudit(() => AuditTrailArtifacts.ReadTally("audit tally", body));
        AuditProgress? progress = _auditInputs.GetValueOrDefault(tally.AuditId);
        if (!trusted)
        {
            if (progress is null)
            {
                throw BoardRefusal.NotYet($"The inputs of audit {tally.AuditId} are not on the board (POST /board/audit-inputs).").Raise();
            }

            bool again = tally.Round <= progress.Rounds.Count && progress.Rounds[tally.Round - 1].Tallies.TryGetValue((tally.BatchKey, tally.Contest), out AuditTallyArtifact? logged)
                && AuditTrailArtifacts.Write(logged).AsSpan().SequenceEqual(body);
            if (!again && progress.CheckTally(tally) is { } problem) // the same tally again: the board answers "already on the board"
            {
                throw (problem.Conflict ? BoardRefusal.Conflict("Tally refused", $"audit tally: {problem.Message}")
                    : BoardRefusal.Invalid("Tally refused", $"audit tally: {problem.Message}")).Raise();
            }
        }

        return new PreparedArtifact(tally.Id, AuditTrailArtifacts.TallyType, null, null) { Apply = () => progress?.ApplyTally(tally) };
    }

    /// <summary>
    /// An audit board's registration (members and page key) or the revocation of its key, by an auditor: only once the
    /// audit's inputs are on the board; a board name and a key are registered once; only a registered board is revoked.
    /// </summary>
    public PreparedArtifact PrepareAuditBoard(byte[] body, bool trusted)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (AuditTrailArtifacts.IsRevocation(body))
        {
            AuditBoardRevokedArtifact revoked = ParseAudit(() => AuditTrailArtifacts.ReadBoardRevoked("audit board revocation", body));
            AuditProgress? of = _auditInputs.GetValueOrDefault(revoked.AuditId);
            if (!trusted)
            {
                if (of is null)
                {
                    throw BoardRefusal.NotYet($"The inputs of audit {revoked.AuditId} are not on the board (POST /board/audit-inputs).").Raise();
                }

                if (of.CheckRevocation(revoked) is string problem)
                {
                    throw BoardRefusal.Conflict("Revocation refused", $"audit board revocation: {problem}").Raise();
                }
            }

            return new PreparedArtifact(revoked.Id, AuditTrailArtifacts.BoardRevokedType, null, null) { Apply = () => of?.ApplyRevocation(revoked, null) };
        }

        AuditBoardArtifact board = ParseAudit(() => AuditTrailArtifacts.ReadBoard("audit board", body));
        AuditProgress? progress = _auditInputs.GetValueOrDefault(board.AuditId);
        if (!trusted)
        {
            if (progress is null)
            {
                throw BoardRefusal.NotYet($"The inputs of audit {board.AuditId} are not on the board (POST /board/audit-inputs): an audit board is registered for an audit.").Raise();
            }

            if (progress.CheckBoard(board) is string problem)
            {
                throw BoardRefusal.Conflict("Registration refused", $"audit board: {problem}").Raise();
            }
        }

        return new PreparedArtifact(board.Id, AuditTrailArtifacts.BoardType, null, null) { Apply = () => progress?.ApplyBoard(board) };
    }

    /// <summary>The audit-board registration whose key signs as <paramref name="party"/>, with its audit's progress, or null.</summary>
    public (AuditBoardArtifact Board, AuditProgress Audit)? AuditBoardOf(string party)
    {
        foreach (AuditProgress audit in _auditInputs.Values)
        {
            if (audit.BoardOfParty(party) is { } board)
            {
                return (board, audit);
            }
        }

        return null;
    }

    /// <summary>
    /// A reading or sign-off posted by an audit board's page, whose entry is signed by the audit-board key
    /// <paramref name="party"/> (the caller checked the signature): of the key's own audit and board, while the key is not
    /// revoked, a sign-off naming the registered members; then the same rules as any reading or sign-off.
    /// </summary>
    public PreparedArtifact PrepareAuditBoardPost(BoardKind kind, string party, byte[] body)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(body);
        (string audit, string board, IReadOnlyList<string>? members) = kind.Collection switch
        {
            "audit-readings" => ParseAudit(() => AuditTrailArtifacts.ReadReading("audit reading", body)) is var r ? (r.AuditId, r.Board, (IReadOnlyList<string>?)null) : default,
            "audit-tallies" => ParseAudit(() => AuditTrailArtifacts.ReadTally("audit tally", body)) is var t ? (t.AuditId, t.Board, (IReadOnlyList<string>?)null) : default,
            "audit-signoffs" => ParseAudit(() => AuditTrailArtifacts.ReadSignOff("audit sign-off", body)) is var s ? (s.AuditId, s.Board, s.Members) : default,
            _ => throw BoardRefusal.Forbidden("Not an audit board's entry", $"/board/{kind.Collection}: an audit board's key posts only readings, tallies and sign-offs.").Raise(),
        };
        if (AuditBoardOf(party) is not { } registered || registered.Board.AuditId != audit)
        {
            throw BoardRefusal.Forbidden("Unknown audit board key", $"{party} is not the key of an audit board registered for audit {audit}.").Raise();
        }

        if (registered.Audit.CheckSigner(party, board, members) is string problem)
        {
            throw BoardRefusal.Forbidden("Not this audit board's entry", problem).Raise();
        }

        return kind.Collection switch
        {
            "audit-readings" => PrepareAuditReading(body, trusted: false),
            "audit-tallies" => PrepareAuditTally(body, trusted: false),
            _ => PrepareAuditSignOff(body, trusted: false),
        };
    }

    /// <summary>The audits whose inputs are on the board, with their rounds, readings, sign-offs and risk so far.</summary>
    public IReadOnlyDictionary<string, AuditProgress> Audits => _auditInputs;

    /// <summary>The audit seeds on the board: parties, dice, commitments and who revealed.</summary>
    private sealed record AuditSeed(IReadOnlyList<string> Parties, bool Dice)
    {
        public Dictionary<string, byte[]> Commitments { get; } = new(StringComparer.Ordinal);

        public HashSet<string> Revealed { get; } = new(StringComparer.Ordinal);
    }

    private static T ParseAudit<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Entente.Audit.Io.AuditInputException e)
        {
            throw BoardRefusal.Invalid("Invalid artifact", e.Message).Raise();
        }
    }

    /// <summary>Parses a ballot posted earlier (trusted: it passed the checks when it was logged).</summary>
    public EncryptedBallot ReadBallot(string id, byte[] bytes)
    {
        ElectionContext context = NeedContext();
        return Parse(() => RecordFormat.ReadBallot($"ballot {id}", bytes, context));
    }

    private static string OpeningId(byte[] body)
    {
        using JsonDocument doc = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64 });
        return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("id", out JsonElement e) && e.ValueKind == JsonValueKind.String
            ? e.GetString()!
            : throw BoardRefusal.Invalid("Invalid artifact", "opening: $.id: the challenged ballot's id is required.").Raise();
    }

    private static string Id(int index) => index.ToString(CultureInfo.InvariantCulture);

    private ElectionParameters NeedParameters() => Parameters ?? throw BoardRefusal.NotYet("The election parameters are not on the board yet (POST /board/parameters).").Raise();

    private ElectionContext NeedContext(string? detail = null) => Context ?? throw BoardRefusal.NotYet(detail ?? "The joint election key is not on the board yet (POST /board/election).").Raise();

    private void CheckHolder(int guardian, string party, bool trusted)
    {
        if (!trusted && _charter.GuardianHolder(guardian)?.Name != party)
        {
            throw BoardRefusal.Forbidden("Not this party's guardian", $"i: guardian {guardian} is held by \"{_charter.GuardianHolder(guardian)?.Name ?? "nobody"}\" in the charter, not by \"{party}\".").Raise();
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
                throw BoardRefusal.NotYet($"Guardian {i}'s public key is not on the board yet (POST /board/guardians).").Raise();
            }
        }

        _candidate = Parse(() => ElectionContext.Create(parameters, [.. _guardians.Values.OrderBy(g => g.Index)], verifyProofs: false));
        return _candidate;
    }

    private static T Parse<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (ElectionFormatException e)
        {
            throw BoardRefusal.Invalid("Invalid artifact", e.Message).Raise();
        }
        catch (FormatException e)
        {
            throw BoardRefusal.Invalid("Invalid artifact", e.Message).Raise();
        }
        catch (JsonException e)
        {
            throw BoardRefusal.Invalid("Invalid artifact", $"not JSON: {e.Message}").Raise();
        }
    }
}
