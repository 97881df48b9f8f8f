using System.Security.Cryptography;
using System.Text.Json;
using Entente.Cryptography;
using Entente.Election.Board;
using Entente.Election.Encryption;
using Entente.Election.KeyCeremony;
using Entente.Election.Record;
using Entente.Election.Tally;

namespace Entente.Election.Decryption;

/// <summary>
/// Joint decryption through the election's shared place (<see cref="IElectionBoard"/>: a folder or a board), one
/// guardian per process (spec 2.1 §3.6.5's two-round commitment): <c>commit</c> publishes M_i and d_i for every tally
/// option and m_i for every challenged ballot's nonce, keeping u_i in a sealed session file; <c>reveal</c> publishes
/// (a_i, b_i) once every guardian of U has committed; <c>respond</c> checks everyone's d_j, computes the joint
/// challenges and publishes v_i (and destroys u_i: a nonce answers once); <c>combine</c> (any party) assembles the
/// proofs, T and t, opens the challenged ballots, publishes the decrypted tally and the openings (joint documents) and
/// can write the complete record. The round documents are <see cref="DecryptionRoundFormat"/>. Every step checks that
/// the tally it decrypts is exactly the aggregate of the published cast ballots (Verification 9) before using a secret.
/// </summary>
public static class DecryptionExchange
{
    private const string SessionSuffix = ".decryption-session";

    /// <summary>A computed response kept next to the secret file until it is published (the session is destroyed before).</summary>
    private const string ResponseSuffix = ".decryption-response.json";

    private sealed record Work(ElectionContext Context, EncryptedTally Tally, IReadOnlyList<DecryptionItem> Items, IReadOnlyList<EncryptedBallot> Challenged, IReadOnlyList<EncryptedBallot> Ballots, IReadOnlyList<DeviceRecord> Devices)
    {
        /// <summary>The requested contest-data decryptions, in request order (empty without a request).</summary>
        public DataItem[] DataItems { get; init; } = [];

        public DecryptionRoundShape Shape => new(Items.Count, Challenged.Count, DataItems.Length);
    }

    /// <summary>One requested decryption: a cast ballot's contest that carries contest data.</summary>
    private sealed record DataItem(EncryptedBallot Ballot, int ContestIndex, HashedElGamalCiphertext Data);

    /// <summary>What <see cref="CombineAsync"/> produced and published.</summary>
    /// <param name="Record">The complete election record.</param>
    /// <param name="Publications">Each joint document published (the decrypted tally, the openings, the contest data) and what became of it.</param>
    public sealed record CombineResult(ElectionRecord Record, IReadOnlyList<(ElectionDocument Document, Publication Publication)> Publications)
    {
        /// <summary>True when every document is published (none waits for another party's signature).</summary>
        public bool IsComplete => Publications.All(p => p.Publication.IsComplete);
    }

    /// <summary>
    /// Publishes the request to decrypt the contest data of named cast ballots (all their contests with contest data, or
    /// the contests named) jointly with the tally (a joint document). Only before any guardian commits. Returns the
    /// number of contests to decrypt and the publication.
    /// </summary>
    /// <exception cref="ElectionFormatException">A ballot is unknown or challenged, a contest carries no contest data, or a guardian has already committed.</exception>
    public static async Task<(int Contests, Publication Publication)> RequestContestDataAsync(IElectionBoard board, IEnumerable<(Hash256 Ballot, int? Contest)> requests, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(board);
        ArgumentNullException.ThrowIfNull(requests);
        string where = board.Describe(ElectionDocument.ContestDataRequest);
        if ((await board.ListAsync(ElectionDocumentKind.DecryptionCommit, ct).ConfigureAwait(false)).Count > 0)
        {
            throw new ElectionFormatException(where, "", "a guardian has already committed: the request must come before every commit of this decryption");
        }

        Work work = await LoadAsync(board, null, ct, withRequest: false).ConfigureAwait(false);
        SortedDictionary<string, SortedSet<int>> wanted = new(StringComparer.Ordinal);
        foreach ((Hash256 id, int? contest) in requests)
        {
            EncryptedBallot ballot = work.Ballots.FirstOrDefault(b => b.Id.Equals(id))
                ?? throw new ElectionFormatException(null, $"ballot {id}", "no published ballot has this identifier");
            int[] contests = contest is int c ? [c] : [.. ballot.Contests.Where(x => x.ContestData is not null).Select(x => x.ContestIndex)];
            if (contests.Length == 0)
            {
                throw new ElectionFormatException(null, $"ballot {id}", "the ballot carries no contest data");
            }

            if (!wanted.TryGetValue(id.ToHex(), out SortedSet<int>? set))
            {
                wanted[id.ToHex()] = set = [];
            }

            set.UnionWith(contests);
        }

        if (wanted.Count == 0)
        {
            throw new ElectionFormatException(null, "ballots", "name at least one cast ballot");
        }

        RequestedContestData[] request = [.. wanted.Select(w => new RequestedContestData(Hash256.DecodeHex(w.Key), [.. w.Value]))];
        _ = CheckRequest(where, request, work); // the same checks every guardian will make
        Publication publication = await board.PublishAsync(ElectionDocument.ContestDataRequest, DecryptionRoundFormat.WriteContestDataRequest(request), ct).ConfigureAwait(false);
        return (wanted.Values.Sum(c => c.Count), publication);
    }

    /// <summary>
    /// The decryption attempt now open (docs/record-format.md §11, "attempts"): 1 plus the number of abandonments
    /// published, which must be attempts 1, 2, … in turn.
    /// </summary>
    public static async Task<int> CurrentAttemptAsync(IElectionBoard board, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(board);
        IReadOnlyList<ElectionDocument> abandoned = await board.ListAsync(ElectionDocumentKind.DecryptionAbandon, ct).ConfigureAwait(false);
        int[] attempts = [.. abandoned.Select(d => d.Attempt).Order()];
        if (!attempts.SequenceEqual(Enumerable.Range(1, attempts.Length)))
        {
            throw new ElectionFormatException(board.Describe(ElectionDocument.Abandonment(1)), "", $"the abandoned attempts are {string.Join(", ", attempts)}, not 1 to {attempts.Length} in turn");
        }

        return attempts.Length + 1;
    }

    /// <summary>
    /// Abandons the current decryption attempt because guardian <paramref name="guardian"/> of its U did not take
    /// <paramref name="step"/> by its due time; the board judges whether it is due (docs/record-format.md §11). Opens
    /// the next attempt, whose first commit chooses a new U.
    /// </summary>
    public static async Task<Publication> AbandonAsync(IElectionBoard board, int attempt, int guardian, string step, string reason, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(board);
        ElectionContext context = await board.LoadContextAsync(ct).ConfigureAwait(false);
        byte[] bytes = DecryptionRoundFormat.WriteAbandonment(new DecryptionAbandonment(attempt, guardian, step, reason));
        ElectionDocument document = ElectionDocument.Abandonment(attempt);
        _ = DecryptionRoundFormat.ReadAbandonment(board.Describe(document), bytes, context.Parameters); // the checks the board makes
        return await board.PublishAsync(document, bytes, ct).ConfigureAwait(false);
    }

    /// <summary>Round 1 for guardian i with the set U of guardians that will take part. Already committed: nothing changes.</summary>
    public static async Task<Publication> CommitAsync(IElectionBoard board, int index, IReadOnlyList<int> available, GuardianSecretAccess secret, IProgress<StepProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(board);
        ArgumentNullException.ThrowIfNull(secret);
        int attempt = await CurrentAttemptAsync(board, ct).ConfigureAwait(false);
        Work work = await LoadAsync(board, progress, ct).ConfigureAwait(false);
        int[] u = TallyDecryption.CheckQuorum(work.Context, available);
        if (!u.Contains(index))
        {
            throw new ElectionFormatException(null, "--guardians", $"guardian {index} is not in the set {string.Join(",", u)}");
        }

        if (await board.ReadAsync(ElectionDocument.Commit(index, attempt), ct).ConfigureAwait(false) is not null)
        {
            return Publication.AlreadyPublished; // the session of that commit is kept: a new one would not match it
        }

        // Fresh nonces for every attempt (the session of an abandoned attempt is replaced here): a nonce answering two
        // challenges would give away z_i (docs/record-format.md §11, "What publishing an abandoned attempt can leak").

        using GuardianSecrets secrets = ReadShares(work.Context, index, secret);
        Group group = work.Context.Group;
        int tallyCount = work.Items.Count;
        ElementModQ[] nonces = new ElementModQ[tallyCount + work.DataItems.Length];
        ElementModP[] shares = new ElementModP[nonces.Length];
        Hash256[] commitments = new Hash256[nonces.Length];
        Parallel.For(0, nonces.Length, n =>
        {
            nonces[n] = group.RandomModQ();
            if (n < tallyCount)
            {
                DecryptionItem item = work.Items[n];
                shares[n] = item.Ciphertext.Alpha.PowSecret(secrets.VoteShare!);
                commitments[n] = DecryptionGuardian.CommitmentHash(work.Context, item, index, group.GPowSecret(nonces[n]), item.Ciphertext.Alpha.PowSecret(nonces[n]), shares[n], u);
            }
            else
            {
                // Contest data (eqs 96, 98, 99): m_i = C0^ẑ_i, (a_i, b_i) = (g^u_i, C0^u_i), d_i keyed with H_I.
                DataItem item = work.DataItems[n - tallyCount];
                shares[n] = item.Data.C0.PowSecret(secrets.DataShare!);
                commitments[n] = ContestDataDecryption.Commitment(group, item.Ballot.IdentifierHash, item.ContestIndex, index, item.Data, group.GPowSecret(nonces[n]), item.Data.C0.PowSecret(nonces[n]), shares[n], u);
            }
        });
        CanonicalJsonWriter session = new();
        session.StartObject();
        session.Name("u");
        session.StartArray();
        foreach (ElementModQ nonce in nonces)
        {
            session.Hex(nonce.Encode());
        }

        session.EndArray();
        session.EndObject();
        byte[] sessionBytes = session.ToArray();
        try
        {
            WriteSession(secret, index, work.Context.ExtendedBaseHash, u, attempt, sessionBytes);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(sessionBytes);
        }

        DecryptionCommit commit = new(index, u,
            [.. Enumerable.Range(0, tallyCount).Select(n => new CommittedShare(shares[n], commitments[n]))],
            [.. work.Challenged.Select(b => new BallotNonceShare(b.Id, b.BallotNonce.C0.PowSecret(secrets.DataShare!)))],
            [.. work.DataItems.Select((item, n) => new CommittedDataShare(item.Ballot.Id, item.ContestIndex, shares[tallyCount + n], commitments[tallyCount + n]))])
        {
            Attempt = attempt,
        };
        return await board.PublishAsync(ElectionDocument.Commit(index, attempt), DecryptionRoundFormat.WriteCommit(commit), ct).ConfigureAwait(false);
    }

    /// <summary>Round 2: reveals (a_i, b_i) once every guardian of U has committed.</summary>
    public static async Task<Publication> RevealAsync(IElectionBoard board, int index, GuardianSecretAccess secret, IProgress<StepProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(board);
        ArgumentNullException.ThrowIfNull(secret);
        int attempt = await CurrentAttemptAsync(board, ct).ConfigureAwait(false);
        if (await board.ReadAsync(ElectionDocument.Reveal(index, attempt), ct).ConfigureAwait(false) is not null)
        {
            return Publication.AlreadyPublished;
        }

        Work work = await LoadAsync(board, progress, ct).ConfigureAwait(false);
        DecryptionCommit mine = await ReadCommitAsync(board, work, index, null, attempt, ct).ConfigureAwait(false);
        foreach (int j in mine.Guardians)
        {
            await ReadCommitAsync(board, work, j, mine.Guardians, attempt, ct).ConfigureAwait(false);
        }

        int tallyCount = work.Items.Count;
        ElementModQ[] nonces = ReadSession(secret, index, work.Context, [.. mine.Guardians], attempt, tallyCount + work.DataItems.Length);
        Group group = work.Context.Group;
        ElementModP[] a = new ElementModP[nonces.Length];
        ElementModP[] b = new ElementModP[nonces.Length];
        Parallel.For(0, nonces.Length, n =>
        {
            a[n] = group.GPowSecret(nonces[n]);
            b[n] = (n < tallyCount ? work.Items[n].Ciphertext.Alpha : work.DataItems[n - tallyCount].Data.C0).PowSecret(nonces[n]);
        });
        DecryptionReveal reveal = new(index, [.. a.Take(tallyCount)], [.. b.Take(tallyCount)], [.. a.Skip(tallyCount)], [.. b.Skip(tallyCount)]) { Attempt = attempt };
        return await board.PublishAsync(ElectionDocument.Reveal(index, attempt), DecryptionRoundFormat.WriteReveal(reveal), ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Round 3: checks every d_j against the reveals, computes the challenges and publishes v_i. The nonces u_i are
    /// destroyed before v_i leaves (a nonce answers one challenge only); v_i is kept next to the secret file until it is
    /// published, so an interrupted respond publishes the same v_i when run again.
    /// </summary>
    public static async Task<Publication> RespondAsync(IElectionBoard board, int index, GuardianSecretAccess secret, IProgress<StepProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(board);
        ArgumentNullException.ThrowIfNull(secret);
        int attempt = await CurrentAttemptAsync(board, ct).ConfigureAwait(false);
        ElectionDocument document = ElectionDocument.Response(index, attempt);
        string pending = secret.SecretPath + ResponseSuffix;
        if (await board.ReadAsync(document, ct).ConfigureAwait(false) is not null)
        {
            File.Delete(secret.SecretPath + SessionSuffix);
            File.Delete(pending);
            return Publication.AlreadyPublished;
        }

        Work work = await LoadAsync(board, progress, ct).ConfigureAwait(false);
        byte[] bytes;
        if (File.Exists(pending))
        {
            bytes = await RecordFiles.ReadLimitedAsync(pending, RecordStore.MaxFileBytes, ct).ConfigureAwait(false);
            DecryptionResponse computed = DecryptionRoundFormat.ReadResponse(pending, bytes, work.Context.Parameters, work.Shape);
            if (computed.Index != index || computed.Attempt != attempt)
            {
                throw new ElectionFormatException(pending, "$.i", $"this computed response is not guardian {index}'s in attempt {attempt}");
            }
        }
        else
        {
            (DecryptionCommit[] commits, DecryptionReveal[] reveals) = await ReadRoundsAsync(board, work, index, attempt, ct).ConfigureAwait(false);
            int[] u = [.. commits[0].Guardians];
            ElementModQ[] challenges = Challenges(board, work, commits, reveals, out _);
            ElementModQ[] dataChallenges = DataChallenges(board, work, commits, reveals, out _);
            int tallyCount = work.Items.Count;
            ElementModQ[] nonces = ReadSession(secret, index, work.Context, u, attempt, tallyCount + work.DataItems.Length);
            using GuardianSecrets secrets = ReadShares(work.Context, index, secret);
            ElementModQ w = Lagrange.Coefficient(work.Context.Group, index, u);
            DecryptionResponse response = new(index,
                [.. Enumerable.Range(0, tallyCount).Select(n => nonces[n] - (challenges[n] * w * secrets.VoteShare!))],
                [.. Enumerable.Range(0, work.DataItems.Length).Select(n => nonces[tallyCount + n] - (dataChallenges[n] * w * secrets.DataShare!))]) // eq 102
            {
                Attempt = attempt,
            };
            bytes = DecryptionRoundFormat.WriteResponse(response);
            await RecordFiles.WriteAtomicAsync(pending, bytes, ct).ConfigureAwait(false);
        }

        File.Delete(secret.SecretPath + SessionSuffix); // the nonces answer once
        Publication publication = await board.PublishAsync(document, bytes, ct).ConfigureAwait(false);
        File.Delete(pending);
        return publication;
    }

    /// <summary>
    /// Combines every guardian's rounds, checks each proof (V10), opens the challenged ballots, decrypts the requested
    /// contest data, self-checks the record, publishes the decrypted tally, the openings and the contest data (joint
    /// documents), and writes the record to <paramref name="recordDirectory"/> when given.
    /// </summary>
    public static async Task<CombineResult> CombineAsync(IElectionBoard board, string? recordDirectory, IProgress<StepProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(board);
        int attempt = await CurrentAttemptAsync(board, ct).ConfigureAwait(false);
        Work work = await LoadAsync(board, progress, ct).ConfigureAwait(false);
        IReadOnlyList<ElectionDocument> committed = [.. (await board.ListAsync(ElectionDocumentKind.DecryptionCommit, ct).ConfigureAwait(false)).Where(d => d.Attempt == attempt)];
        if (committed.Count == 0)
        {
            throw new ElectionFormatException(board.Describe(ElectionDocument.Commit(1, attempt)), "", $"no guardian has committed in attempt {attempt} yet (entente decrypt --step commit)");
        }

        (DecryptionCommit[] commits, DecryptionReveal[] reveals) = await ReadRoundsAsync(board, work, committed.Min(d => d.Guardian), attempt, ct).ConfigureAwait(false);
        int[] u = [.. commits[0].Guardians];
        ElementModQ[] challenges = Challenges(board, work, commits, reveals, out ElementModP[] m);
        Group group = work.Context.Group;
        ElementModQ[] v = [.. Enumerable.Repeat(group.ZeroModQ, work.Items.Count)];
        ElementModQ[] dataChallenges = DataChallenges(board, work, commits, reveals, out ElementModP[] betas);
        ElementModQ[] dataV = [.. Enumerable.Repeat(group.ZeroModQ, work.DataItems.Length)];
        Dictionary<int, ElementModQ[]> responses = []; // each guardian's v_i, published in tally/partial_decryptions.json
        foreach (int j in u)
        {
            ElectionDocument document = ElectionDocument.Response(j, attempt);
            byte[] bytes = await board.RequireAsync(document, $"guardian {j} has not responded yet (entente decrypt --step respond)", ct).ConfigureAwait(false);
            DecryptionResponse response = DecryptionRoundFormat.ReadResponse(board.Describe(document), bytes, work.Context.Parameters, work.Shape);
            if (response.Index != j)
            {
                throw new ElectionFormatException(board.Describe(document), "$.i", $"the response published for guardian {j} is guardian {response.Index}'s");
            }

            responses[j] = [.. response.V];
            for (int n = 0; n < v.Length; n++)
            {
                v[n] += response.V[n];
            }

            for (int n = 0; n < dataV.Length; n++)
            {
                dataV[n] += response.DataV[n];
            }
        }

        string rounds = board.Describe(ElectionDocument.Response(u[0], attempt));
        long bound = Math.Max(1, work.Tally.TotalWeight) * work.Context.Parameters.Manifest.Contests.SelectMany(c => c.Options).Max(o => (long)o.SelectionLimit);
        DiscreteLog log = DiscreteLog.ForKey(work.Context.VoteKey, Math.Min(bound, 1L << 40));
        DecryptedOption[] options = new DecryptedOption[work.Items.Count];
        for (int n = 0; n < work.Items.Count; n++)
        {
            DecryptionItem item = work.Items[n];
            if (!log.TryFind(item.Ciphertext.Beta / m[n], out long value) || !TallyDecryption.VerifyOption(work.Context, item, value, challenges[n], v[n]))
            {
                throw new ElectionFormatException(rounds, $"contest {item.ContestIndex} option {item.OptionIndex}", "the joint decryption does not verify (Verification 10): a guardian's response is wrong");
            }

            options[n] = new DecryptedOption(item.OptionIndex, value, challenges[n], v[n])
            {
                Shares = [.. commits.Select((commit, g) => new PartialDecryptionShare(commit.Index, commit.Tally[n].M, commit.Tally[n].D, reveals[g].A[n], reveals[g].B[n], responses[commit.Index][n]))],
            };
        }

        List<DecryptedContest> contests = [];
        int offset = 0;
        foreach (EncryptedContestTally contest in work.Tally.Contests)
        {
            contests.Add(new DecryptedContest(contest.ContestIndex, options.AsSpan(offset, contest.Options.Count).ToArray()));
            offset += contest.Options.Count;
        }

        List<OpenedBallot> opened = [];
        for (int b = 0; b < work.Challenged.Count; b++)
        {
            EncryptedBallot ballot = work.Challenged[b];
            if (!BallotNonceEncryption.VerifyProof(ballot.IdentifierHash, ballot.BallotNonce))
            {
                throw new ElectionFormatException(board.Describe(ElectionDocument.Ballot(ballot.Id)), "$.ballot_nonce", "the proof of the encrypted ballot nonce does not verify");
            }

            ElementModP beta = group.OneModP;
            foreach (DecryptionCommit commit in commits)
            {
                beta *= commit.BallotNonces[b].M.Pow(Lagrange.Coefficient(group, commit.Index, u));
            }

            using BallotNonce nonce = BallotNonceEncryption.DecryptWithBeta(ballot.IdentifierHash, ballot.BallotNonce, beta);
            opened.Add(ChallengedBallotOpener.OpenWithNonce(work.Context, ballot, nonce));
        }

        List<DecryptedContestData> decryptedData = [];
        for (int n = 0; n < work.DataItems.Length; n++)
        {
            DataItem item = work.DataItems[n];
            if (!ContestDataDecryption.Verify(work.Context, item.Ballot, item.ContestIndex, betas[n], dataChallenges[n], dataV[n]))
            {
                throw new ElectionFormatException(rounds, $"ballot {item.Ballot.Id} contest {item.ContestIndex}", "the joint contest-data decryption does not verify (Verification 12): a guardian's response is wrong");
            }

            decryptedData.Add(new DecryptedContestData(item.Ballot.Id, item.ContestIndex, betas[n],
                ContestDataEncryption.DecryptWithBeta(item.Ballot.IdentifierHash, item.ContestIndex, item.Data, betas[n]), dataChallenges[n], dataV[n]));
        }

        ElectionRecord record = new(work.Context, work.Devices, work.Ballots, work.Tally, new DecryptedTally(u, contests), opened)
        {
            ContestData = [.. decryptedData.GroupBy(d => d.BallotId).Select(g => new DecryptedBallotContestData(g.Key, u, [.. g]))],
            Uncast = await board.LoadUncastAsync(work.Context, work.Ballots, ct).ConfigureAwait(false),
        };
        IReadOnlyList<string> failures = RecordSelfCheck.Check(record);
        if (failures.Count > 0)
        {
            throw new ElectionFormatException(board.Location, "", "the assembled record fails its self-check: " + string.Join("; ", failures.Take(5)));
        }

        Manifest.ElectionManifest manifest = work.Context.Parameters.Manifest;
        List<(ElectionDocument, Publication)> publications = [];
        publications.Add((ElectionDocument.Tally, await board.PublishAsync(ElectionDocument.Tally, RecordFormat.WriteTally(record.Tally, manifest), ct).ConfigureAwait(false)));
        foreach (OpenedBallot opening in record.Challenged)
        {
            ElectionDocument document = ElectionDocument.Opening(opening.Id);
            publications.Add((document, await board.PublishAsync(document, RecordFormat.WriteOpened(opening, manifest), ct).ConfigureAwait(false)));
        }

        foreach (DecryptedBallotContestData data in record.ContestData)
        {
            ElectionDocument document = ElectionDocument.ContestData(data.BallotId);
            publications.Add((document, await board.PublishAsync(document, RecordFormat.WriteContestData(data, manifest), ct).ConfigureAwait(false)));
        }

        if (recordDirectory is not null)
        {
            await RecordStore.WriteAsync(record, recordDirectory, ct).ConfigureAwait(false);
        }

        return new CombineResult(record, publications);
    }

    private static async Task<Work> LoadAsync(IElectionBoard board, IProgress<StepProgress>? progress, CancellationToken ct, bool withRequest = true)
    {
        ElectionContext context = await board.LoadContextAsync(ct).ConfigureAwait(false);
        (IReadOnlyList<DeviceRecord> devices, IReadOnlyList<EncryptedBallot> ballots) = await board.LoadBallotsAsync(context, progress, ct).ConfigureAwait(false);
        EncryptedTally tally = await board.LoadEncryptedTallyAsync(context, ballots, ct).ConfigureAwait(false);
        List<DecryptionItem> items = [.. tally.Contests.SelectMany(c => c.Options.Select(o => new DecryptionItem(c.ContestIndex, o.OptionIndex, o.Ciphertext)))];
        Work work = new(context, tally, items, [.. ballots.Where(b => b.State == BallotState.Challenged)], ballots, devices);
        if (withRequest && await board.ReadAsync(ElectionDocument.ContestDataRequest, ct).ConfigureAwait(false) is byte[] request)
        {
            string where = board.Describe(ElectionDocument.ContestDataRequest);
            work = work with { DataItems = [.. CheckRequest(where, DecryptionRoundFormat.ReadContestDataRequest(where, request, context.Parameters), work)] };
        }

        return work;
    }

    /// <summary>Every requested contest is a cast ballot's contest with contest data whose proof of eq 69 verifies.</summary>
    private static List<DataItem> CheckRequest(string where, IReadOnlyList<RequestedContestData> request, Work work)
    {
        List<DataItem> items = [];
        for (int n = 0; n < request.Count; n++)
        {
            string p = $"$.ballots[{n}]";
            Hash256 id = request[n].Ballot;
            EncryptedBallot ballot = work.Ballots.FirstOrDefault(x => x.Id.Equals(id)) ?? throw new ElectionFormatException(where, p + ".id", "no published ballot has this identifier");
            if (ballot.State != BallotState.Cast)
            {
                throw new ElectionFormatException(where, p + ".id", "the ballot is challenged: its contest data is opened with it, not decrypted as a cast ballot's (docs/record-format.md §4.11)");
            }

            for (int j = 0; j < request[n].Contests.Count; j++)
            {
                int index = request[n].Contests[j];
                HashedElGamalCiphertext data = ballot.Contests.FirstOrDefault(c => c.ContestIndex == index)?.ContestData
                    ?? throw new ElectionFormatException(where, $"{p}.contests[{j}]", $"contest {index} is not a contest with contest data of ballot {id}");
                if (!ContestDataEncryption.VerifyProof(ballot.IdentifierHash, index, data))
                {
                    throw new ElectionFormatException(where, $"{p}.contests[{j}]", "the proof of the ballot's contest data does not verify (eq 69): it is not decrypted");
                }

                items.Add(new DataItem(ballot, index, data));
            }
        }

        return items;
    }

    private static async Task<(DecryptionCommit[], DecryptionReveal[])> ReadRoundsAsync(IElectionBoard board, Work work, int index, int attempt, CancellationToken ct)
    {
        DecryptionCommit mine = await ReadCommitAsync(board, work, index, null, attempt, ct).ConfigureAwait(false);
        List<DecryptionCommit> commits = [];
        List<DecryptionReveal> reveals = [];
        foreach (int j in mine.Guardians)
        {
            commits.Add(await ReadCommitAsync(board, work, j, mine.Guardians, attempt, ct).ConfigureAwait(false));
            ElectionDocument document = ElectionDocument.Reveal(j, attempt);
            byte[] bytes = await board.RequireAsync(document, $"guardian {j} has not revealed yet (entente decrypt --step reveal)", ct).ConfigureAwait(false);
            DecryptionReveal reveal = DecryptionRoundFormat.ReadReveal(board.Describe(document), bytes, work.Context.Parameters, work.Shape);
            reveals.Add(reveal.Index == j ? reveal : throw new ElectionFormatException(board.Describe(document), "$.i", $"the reveal published for guardian {j} is guardian {reveal.Index}'s"));
        }

        return ([.. commits], [.. reveals]);
    }

    private static async Task<DecryptionCommit> ReadCommitAsync(IElectionBoard board, Work work, int index, IReadOnlyList<int>? expectedGuardians, int attempt, CancellationToken ct)
    {
        ElectionDocument document = ElectionDocument.Commit(index, attempt);
        string where = board.Describe(document);
        byte[] bytes = await board.RequireAsync(document, $"guardian {index} has not committed yet (entente decrypt --step commit)", ct).ConfigureAwait(false);
        DecryptionCommit commit = DecryptionRoundFormat.ReadCommit(where, bytes, work.Context.Parameters, work.Shape);
        if (commit.Index != index || commit.Attempt != attempt)
        {
            throw new ElectionFormatException(where, "$.i", $"the commit published for guardian {index} in attempt {attempt} is guardian {commit.Index}'s in attempt {commit.Attempt}");
        }

        if (expectedGuardians is not null && !commit.Guardians.SequenceEqual(expectedGuardians))
        {
            throw new ElectionFormatException(where, "$.guardians", "this guardian committed for another set of guardians U");
        }

        for (int n = 0; n < work.Challenged.Count; n++)
        {
            if (!commit.BallotNonces[n].Ballot.Equals(work.Challenged[n].Id))
            {
                throw new ElectionFormatException(where, $"$.ballot_nonces[{n}].id", "not the challenged ballot expected at this position (ascending id)");
            }
        }

        for (int n = 0; n < work.DataItems.Length; n++)
        {
            if (!commit.ContestData[n].Ballot.Equals(work.DataItems[n].Ballot.Id) || commit.ContestData[n].Contest != work.DataItems[n].ContestIndex)
            {
                throw new ElectionFormatException(where, $"$.contest_data[{n}]", "not the contest-data decryption expected at this position by the request: the request changed after this guardian committed");
            }
        }

        return commit;
    }

    private static ElementModQ[] Challenges(IElectionBoard board, Work work, DecryptionCommit[] commits, DecryptionReveal[] reveals, out ElementModP[] combined)
    {
        Group group = work.Context.Group;
        int[] u = [.. commits[0].Guardians];
        ElementModQ[] w = [.. u.Select(i => Lagrange.Coefficient(group, i, u))];
        ElementModQ[] challenges = new ElementModQ[work.Items.Count];
        ElementModP[] m = new ElementModP[work.Items.Count];
        Parallel.For(0, work.Items.Count, n =>
        {
            DecryptionItem item = work.Items[n];
            ElementModP a = group.OneModP;
            ElementModP b = group.OneModP;
            for (int g = 0; g < u.Length; g++)
            {
                if (!DecryptionGuardian.CommitmentHash(work.Context, item, u[g], reveals[g].A[n], reveals[g].B[n], commits[g].Tally[n].M, u).Equals(commits[g].Tally[n].D))
                {
                    throw new ElectionFormatException(board.Describe(ElectionDocument.Reveal(u[g])), $"$.a[{n}]", $"guardian {u[g]} revealed values that do not match its commitment d_i (eq 88)");
                }

                a *= reveals[g].A[n];
                b *= reveals[g].B[n];
            }

            ElementModP mn = TallyDecryption.LagrangeProduct(group, [.. commits.Select(c => c.Tally[n].M)], w);
            m[n] = mn;
            challenges[n] = TallyDecryption.ChallengeFor(work.Context, item, a, b, mn);
        });
        combined = m;
        return challenges;
    }

    /// <summary>
    /// Eqs 97, 99–101 for every requested contest-data decryption: each d_j checked against the reveals, β = Π m_j^{w_j},
    /// a = Π a_j, b = Π b_j, c = H_q(H_I; 0x33, ind_c, C0, C1, b(C2,64), a, b, β).
    /// </summary>
    private static ElementModQ[] DataChallenges(IElectionBoard board, Work work, DecryptionCommit[] commits, DecryptionReveal[] reveals, out ElementModP[] betas)
    {
        Group group = work.Context.Group;
        int[] u = [.. commits[0].Guardians];
        ElementModQ[] w = [.. u.Select(i => Lagrange.Coefficient(group, i, u))];
        ElementModQ[] challenges = new ElementModQ[work.DataItems.Length];
        ElementModP[] beta = new ElementModP[work.DataItems.Length];
        for (int n = 0; n < work.DataItems.Length; n++)
        {
            DataItem item = work.DataItems[n];
            ElementModP a = group.OneModP;
            ElementModP b = group.OneModP;
            for (int g = 0; g < u.Length; g++)
            {
                Hash256 expected = ContestDataDecryption.Commitment(group, item.Ballot.IdentifierHash, item.ContestIndex, u[g], item.Data, reveals[g].DataA[n], reveals[g].DataB[n], commits[g].ContestData[n].M, u);
                if (!expected.Equals(commits[g].ContestData[n].D))
                {
                    throw new ElectionFormatException(board.Describe(ElectionDocument.Reveal(u[g])), $"$.data_a[{n}]", $"guardian {u[g]} revealed values that do not match its commitment d_i (eq 99) for ballot {item.Ballot.Id} contest {item.ContestIndex}");
                }

                a *= reveals[g].DataA[n];
                b *= reveals[g].DataB[n];
            }

            beta[n] = TallyDecryption.LagrangeProduct(group, [.. commits.Select(c => c.ContestData[n].M)], w);
            challenges[n] = ContestDataDecryption.Challenge(group, item.Ballot.IdentifierHash, item.ContestIndex, item.Data, a, b, beta[n]);
        }

        betas = beta;
        return challenges;
    }

    private static GuardianSecrets ReadShares(ElectionContext context, int index, GuardianSecretAccess secret)
    {
        GuardianSecrets secrets = GuardianSecretFile.Read(secret.SecretPath, context.Group, context.Parameters.Quorum, index, context.ExtendedBaseHash, secret.Passphrase, secret.AllowPlaintext);
        if (!secrets.HasShares)
        {
            secrets.Dispose();
            throw new ElectionFormatException(secret.SecretPath, "$.stage", "the key ceremony is not complete for this guardian");
        }

        return secrets;
    }

    private static byte[] SessionHeader(int index, Hash256 binding, int[] guardians, int attempt)
    {
        CanonicalJsonWriter h = new();
        h.StartObject();
        h.Property("format", "entente-eg-decryption-session/1");
        h.Property("i", index);
        if (attempt > 1)
        {
            h.Property("attempt", attempt); // a session answers in its own attempt only
        }

        h.PropertyHex("binding", binding.Bytes);
        RecordFormat.WriteList(h, "guardians", guardians);
        h.EndObject();
        return h.ToArray();
    }

    private static void WriteSession(GuardianSecretAccess secret, int index, Hash256 binding, int[] guardians, int attempt, byte[] payload)
    {
        byte[] header = SessionHeader(index, binding, guardians, attempt);
        byte[] salt = SecretBox.RandomBytes(SecretBox.SaltBytes);
        byte[] nonce = SecretBox.RandomBytes(SecretBox.NonceBytes);
        byte[] body = secret.Passphrase is null
            ? (secret.AllowPlaintext ? payload : throw new ElectionFormatException(secret.SecretPath, "", "a passphrase is required"))
            : SecretBox.Seal(payload, secret.Passphrase, SecretBox.KdfSettings.Default, salt, nonce, header);
        byte[] file = [.. BitConverter.GetBytes(header.Length), .. header, .. salt, .. nonce, (byte)(secret.Passphrase is null ? 0 : 1), .. body];
        RecordFiles.WriteAtomicPrivate(secret.SecretPath + SessionSuffix, file);
    }

    private static ElementModQ[] ReadSession(GuardianSecretAccess secret, int index, ElectionContext context, int[] guardians, int attempt, int count)
    {
        string path = secret.SecretPath + SessionSuffix;
        if (!File.Exists(path))
        {
            throw new ElectionFormatException(path, "", "no decryption session: run --step commit first (a session answers one challenge only)");
        }

        byte[] file = RecordFiles.ReadLimited(path, 64L * 1024 * 1024);
        byte[] expectedHeader = SessionHeader(index, context.ExtendedBaseHash, guardians, attempt);
        int headerLength = file.Length >= 4 ? BitConverter.ToInt32(file, 0) : -1;
        int offset = 4 + expectedHeader.Length;
        if (headerLength != expectedHeader.Length || file.Length < offset + SecretBox.SaltBytes + SecretBox.NonceBytes + 1 || !file.AsSpan(4, headerLength).SequenceEqual(expectedHeader))
        {
            throw new ElectionFormatException(path, "", "the decryption session belongs to another guardian, election, set of guardians or decryption attempt");
        }

        byte[] salt = file[offset..(offset + SecretBox.SaltBytes)];
        byte[] nonce = file[(offset + SecretBox.SaltBytes)..(offset + SecretBox.SaltBytes + SecretBox.NonceBytes)];
        bool sealedSession = file[offset + SecretBox.SaltBytes + SecretBox.NonceBytes] == 1;
        byte[] body = file[(offset + SecretBox.SaltBytes + SecretBox.NonceBytes + 1)..];
        byte[] payload = sealedSession
            ? SecretBox.Open(body, secret.Passphrase ?? "", SecretBox.KdfSettings.Default, salt, nonce, expectedHeader) ?? throw new ElectionFormatException(path, "", "the passphrase is wrong or the session was altered")
            : (secret.AllowPlaintext ? body : throw new ElectionFormatException(path, "", "the session is not encrypted; refusing it without --insecure-plaintext-secrets"));
        try
        {
            using JsonDocument document = JsonReading.Parse(path, payload);
            JsonReading r = new(path, context.Group);
            JsonElement o = r.Object(document.RootElement, "$", "u");
            return [.. r.Array(o, "$", "u", count).EnumerateArray().Select((e, n) => r.QValue(e, $"$.u[{n}]"))];
        }
        finally
        {
            CryptographicOperations.ZeroMemory(payload);
        }
    }
}
