using System.Runtime.CompilerServices;
using Entente.Cryptography;
using Entente.Election.Encryption;
using Entente.Election.KeyCeremony;
using Entente.Election.Manifest;
using Entente.Election.Parameters;
using Entente.Election.Record;
using Entente.Election.Tally;

namespace Entente.Election.Board;

/// <summary>
/// The typed reads every step of the protocol makes from its shared place, each document parsed strictly and checked
/// against what it depends on. A missing document is an <see cref="ElectionFormatException"/> naming it and the step
/// that publishes it; a bad one names the document (its path or URL), the JSON path and the problem.
/// </summary>
public static class ElectionBoardReads
{
    /// <summary>
    /// How many documents of a listing (ballots, device records, uncast ballots) a load asks the place for at once
    /// (<see cref="IElectionBoard.ReadManyAsync"/>; the board fetches them 64 to an answer); the next chunk is fetched
    /// while one is parsed, so at most two are held as bytes.
    /// </summary>
    private const int ReadChunk = 1024;

    /// <summary>The bytes of a document that must be published, or an error naming it and <paramref name="missing"/>.</summary>
    public static async Task<byte[]> RequireAsync(this IElectionBoard board, ElectionDocument document, string missing, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(board);
        return await board.ReadAsync(document, cancellationToken).ConfigureAwait(false)
            ?? throw new ElectionFormatException(board.Describe(document), "", missing);
    }

    /// <summary>The manifest and parameters (H_P, H_B), checked against each other.</summary>
    public static async Task<ElectionParameters> LoadParametersAsync(this IElectionBoard board, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(board);
        const string init = "the election is not initialised here (entente election init)";
        ElectionManifest manifest = ManifestReader.Parse(await board.RequireAsync(ElectionDocument.Manifest, init, cancellationToken).ConfigureAwait(false), board.Describe(ElectionDocument.Manifest));
        byte[] parameters = await board.RequireAsync(ElectionDocument.Parameters, init, cancellationToken).ConfigureAwait(false);
        return RecordFormat.ReadParameters(board.Describe(ElectionDocument.Parameters), parameters, manifest);
    }

    /// <summary>Guardian i's public key if published (parsed, proofs checked: Verification 2), else null.</summary>
    public static async Task<GuardianPublicKey?> TryLoadGuardianKeyAsync(this IElectionBoard board, ElectionParameters parameters, int index, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(board);
        ArgumentNullException.ThrowIfNull(parameters);
        ElectionDocument document = ElectionDocument.GuardianKey(index);
        if (await board.ReadAsync(document, cancellationToken).ConfigureAwait(false) is not byte[] bytes)
        {
            return null;
        }

        string where = board.Describe(document);
        GuardianPublicKey key = RecordFormat.ReadGuardian(where, bytes, parameters);
        if (key.Index != index)
        {
            throw new ElectionFormatException(where, "$.i", $"the key of guardian {index} holds guardian {key.Index}");
        }

        IReadOnlyList<string> problems = key.Verify(parameters);
        return problems.Count > 0 ? throw new ElectionFormatException(where, "$", string.Join("; ", problems)) : key;
    }

    /// <summary>All n public keys, each checked (Verification 2). Throws naming the first missing or bad one.</summary>
    public static async Task<GuardianPublicKey[]> LoadGuardianKeysAsync(this IElectionBoard board, ElectionParameters parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(board);
        ArgumentNullException.ThrowIfNull(parameters);
        GuardianPublicKey[] keys = new GuardianPublicKey[parameters.GuardianCount];
        for (int i = 1; i <= keys.Length; i++)
        {
            keys[i - 1] = await board.TryLoadGuardianKeyAsync(parameters, i, cancellationToken).ConfigureAwait(false)
                ?? throw new ElectionFormatException(board.Describe(ElectionDocument.GuardianKey(i)), "", $"guardian {i} has not published its keys yet (entente guardian keygen)");
        }

        return keys;
    }

    /// <summary>Guardian ℓ's approval if published, else null.</summary>
    public static async Task<Approval?> TryLoadApprovalAsync(this IElectionBoard board, ElectionParameters parameters, int index, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(board);
        ElectionDocument document = ElectionDocument.Approval(index);
        if (await board.ReadAsync(document, cancellationToken).ConfigureAwait(false) is not byte[] bytes)
        {
            return null;
        }

        Approval approval = RecordFormat.ReadApproval(board.Describe(document), bytes, parameters);
        return approval.Index == index ? approval : throw new ElectionFormatException(board.Describe(document), "$.i", $"the approval of guardian {index} is signed as guardian {approval.Index}");
    }

    /// <summary>
    /// The election context from the guardian keys, once every guardian approved the same H_G (throws naming the first
    /// missing approval or complaint), without election.json.
    /// </summary>
    public static async Task<ElectionContext> LoadApprovedContextAsync(this IElectionBoard board, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(board);
        ElectionParameters parameters = await board.LoadParametersAsync(cancellationToken).ConfigureAwait(false);
        GuardianPublicKey[] keys = await board.LoadGuardianKeysAsync(parameters, cancellationToken).ConfigureAwait(false);
        ElectionContext context = ElectionContext.Create(parameters, keys);
        for (int i = 1; i <= parameters.GuardianCount; i++)
        {
            string where = board.Describe(ElectionDocument.Approval(i));
            Approval approval = await board.TryLoadApprovalAsync(parameters, i, cancellationToken).ConfigureAwait(false)
                ?? throw new ElectionFormatException(where, "", $"guardian {i} has not approved the ceremony yet (entente guardian approve)");
            if (!approval.Approves)
            {
                throw new ElectionFormatException(where, "$.verdict", $"guardian {i} complained: {string.Join("; ", approval.Complaints.Select(c => $"about guardian {c.From}: {c.Reason}"))}");
            }

            if (!approval.GuardianRecordHash.Equals(context.GuardianRecordHash))
            {
                throw new ElectionFormatException(where, "$.h_g", $"guardian {i} approved different keys (H_G differs)");
            }
        }

        return context;
    }

    /// <summary>The election context once the ceremony is complete: every approval, and election.json matching the keys (Verifications 3, 4).</summary>
    public static async Task<ElectionContext> LoadContextAsync(this IElectionBoard board, CancellationToken cancellationToken = default)
    {
        ElectionContext context = await board.LoadApprovedContextAsync(cancellationToken).ConfigureAwait(false);
        byte[] election = await board.RequireAsync(ElectionDocument.ElectionKey, "the joint election key is not published yet: every guardian has approved, so any party completes the ceremony (entente election key)", cancellationToken).ConfigureAwait(false);
        RecordFormat.CheckElection(board.Describe(ElectionDocument.ElectionKey), election, context);
        return context;
    }

    /// <summary>
    /// Every published device record and every published ballot (ordered by id), each parsed against the election; a
    /// device's listed ballots must be published and made by it.
    /// </summary>
    public static async Task<(IReadOnlyList<DeviceRecord> Devices, IReadOnlyList<EncryptedBallot> Ballots)> LoadBallotsAsync(
        this IElectionBoard board, ElectionContext context, IProgress<StepProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(board);
        ArgumentNullException.ThrowIfNull(context);
        IReadOnlyList<ElectionDocument> ballotDocuments = await board.ListAsync(ElectionDocumentKind.Ballot, cancellationToken).ConfigureAwait(false);
        EncryptedBallot[] ballots = new EncryptedBallot[ballotDocuments.Count];
        int read = 0;
        int start = 0;
        await foreach ((ElectionDocument[] chunk, IReadOnlyList<byte[]?> bytes) in board.ReadInChunksAsync(ballotDocuments, cancellationToken).ConfigureAwait(false))
        {
            int offset = start;
            await Parallel.ForAsync(0, chunk.Length, new ParallelOptions { CancellationToken = cancellationToken }, (b, _) =>
            {
                ElectionDocument document = chunk[b];
                string where = board.Describe(document);
                EncryptedBallot ballot = RecordFormat.ReadBallot(where, bytes[b] ?? throw new ElectionFormatException(where, "", "the ballot disappeared while it was read"), context);
                ballots[offset + b] = ballot.Id.ToHex() == document.Id ? ballot : throw new ElectionFormatException(where, "$.id", $"the ballot published as {document.Id} has id {ballot.Id}");
                progress?.Report(new StepProgress("reading ballots", Interlocked.Increment(ref read), ballots.Length));
                return ValueTask.CompletedTask;
            }).ConfigureAwait(false);
            start += chunk.Length;
        }

        Dictionary<Hash256, EncryptedBallot> byId = ballots.ToDictionary(b => b.Id);

        List<DeviceRecord> devices = [];
        IReadOnlyList<ElectionDocument> deviceDocuments = await board.ListAsync(ElectionDocumentKind.Device, cancellationToken).ConfigureAwait(false);
        await foreach ((ElectionDocument document, byte[] bytes) in board.ReadEachAsync(deviceDocuments, "the device record disappeared while it was read", cancellationToken).ConfigureAwait(false))
        {
            string where = board.Describe(document);
            DeviceRecord device = RecordFormat.ReadDevice(where, bytes);
            if (device.Device != document.Id)
            {
                throw new ElectionFormatException(where, "$.device", $"the record published for device \"{document.Id}\" is of device \"{device.Device}\"");
            }

            for (int n = 0; n < device.Ballots.Count; n++)
            {
                if (!byId.TryGetValue(device.Ballots[n], out EncryptedBallot? ballot) || ballot.Device != device.Device)
                {
                    throw new ElectionFormatException(where, $"$.ballots[{n}]", $"ballot {device.Ballots[n]} is not a published ballot of this device");
                }
            }

            devices.Add(device);
        }

        return (devices, [.. ballots.OrderBy(b => b.Id.ToHex(), StringComparer.Ordinal)]);
    }

    /// <summary>
    /// The published openings of uncast pre-encrypted ballots (<c>uncast/</c>, docs/record-format.md §4.13), read
    /// strictly, each under its own id and none the id of one of <paramref name="ballots"/>; their checks are
    /// Verification 19's.
    /// </summary>
    public static async Task<IReadOnlyList<PreEncryption.UncastBallot>> LoadUncastAsync(
        this IElectionBoard board, ElectionContext context, IReadOnlyList<EncryptedBallot> ballots, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(board);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(ballots);
        HashSet<Hash256> ids = [.. ballots.Select(b => b.Id)];
        List<PreEncryption.UncastBallot> uncast = [];
        IReadOnlyList<ElectionDocument> uncastDocuments = await board.ListAsync(ElectionDocumentKind.Uncast, cancellationToken).ConfigureAwait(false);
        await foreach ((ElectionDocument document, byte[] bytes) in board.ReadEachAsync(uncastDocuments, "the uncast ballot disappeared while it was read", cancellationToken).ConfigureAwait(false))
        {
            string where = board.Describe(document);
            PreEncryption.UncastBallot opened = PreEncryption.PreEncryptionFormat.ReadUncast(where, bytes, context);
            if (opened.Id.ToHex() != document.Id)
            {
                throw new ElectionFormatException(where, "$.id", $"the uncast ballot published as {document.Id} has id {opened.Id}");
            }

            if (ids.Contains(opened.Id))
            {
                throw new ElectionFormatException(where, "$.id", $"ballot {opened.Id} is also a cast or challenged ballot: a pre-encrypted ballot is cast or uncast, never both");
            }

            uncast.Add(opened);
        }

        return [.. uncast.OrderBy(u => u.Id.ToHex(), StringComparer.Ordinal)];
    }

    /// <summary>The published encrypted tally, checked to be exactly the aggregate of <paramref name="ballots"/> (Verification 9).</summary>
    public static async Task<EncryptedTally> LoadEncryptedTallyAsync(this IElectionBoard board, ElectionContext context, IReadOnlyList<EncryptedBallot> ballots, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(board);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(ballots);
        string where = board.Describe(ElectionDocument.EncryptedTally);
        long weight = ballots.Where(b => b.State == BallotState.Cast).Sum(b => (long)b.Weight);
        byte[] bytes = await board.RequireAsync(ElectionDocument.EncryptedTally, "the encrypted tally is not published yet (entente tally)", cancellationToken).ConfigureAwait(false);
        EncryptedTally tally = RecordFormat.ReadEncryptedTally(where, bytes, context, weight);
        EncryptedTally recomputed = EncryptedTally.Aggregate(context, ballots);
        if (!tally.SameBallots(recomputed))
        {
            throw new ElectionFormatException(where, tally.Ballots is null ? "$.ballots_sha256" : "$.ballots",
                tally.BallotCount == recomputed.BallotCount
                    ? $"the tally aggregates {tally.BallotCount} ballot(s), as many as are cast, but not the published cast ballots (Verification 9)"
                    : $"the tally aggregates {tally.BallotCount} ballot(s) but {recomputed.BallotCount} cast ballot(s) are published (Verification 9)");
        }

        for (int c = 0; c < tally.Contests.Count; c++)
        {
            for (int o = 0; o < tally.Contests[c].Options.Count; o++)
            {
                if (!tally.Contests[c].Options[o].Ciphertext.Equals(recomputed.Contests[c].Options[o].Ciphertext))
                {
                    throw new ElectionFormatException(where, $"$.contests[{c}].options[{o}]", "the aggregate does not match the published cast ballots (Verification 9)");
                }
            }
        }

        return tally;
    }

    /// <summary>
    /// The bytes of <paramref name="documents"/> (a listing), <see cref="ReadChunk"/> at a time through
    /// <see cref="IElectionBoard.ReadManyAsync"/>, in their order; the next chunk is fetched while the caller works on
    /// one. A chunk still being fetched when the caller stops (a document refused): its failure, if any, is observed, not raised.
    /// </summary>
    private static async IAsyncEnumerable<(ElectionDocument[] Chunk, IReadOnlyList<byte[]?> Bytes)> ReadInChunksAsync(
        this IElectionBoard board, IReadOnlyList<ElectionDocument> documents, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ElectionDocument[][] chunks = [.. documents.Chunk(ReadChunk)];
        Task<IReadOnlyList<byte[]?>>? next = chunks.Length > 0 ? board.ReadManyAsync(chunks[0], cancellationToken) : null;
        try
        {
            for (int c = 0; c < chunks.Length; c++)
            {
                IReadOnlyList<byte[]?> bytes = await next!.ConfigureAwait(false);
                next = c + 1 < chunks.Length ? board.ReadManyAsync(chunks[c + 1], cancellationToken) : null; // fetched while this chunk is parsed
                yield return (chunks[c], bytes);
            }
        }
        finally
        {
            _ = next?.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    /// <summary>
    /// Each of <paramref name="documents"/> (a listing) with its bytes, in order, read in chunks (<see cref="ReadInChunksAsync"/>);
    /// one no longer published is an <see cref="ElectionFormatException"/> naming it and <paramref name="missing"/>, as
    /// <see cref="RequireAsync"/> says.
    /// </summary>
    private static async IAsyncEnumerable<(ElectionDocument Document, byte[] Bytes)> ReadEachAsync(
        this IElectionBoard board, IReadOnlyList<ElectionDocument> documents, string missing, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach ((ElectionDocument[] chunk, IReadOnlyList<byte[]?> bytes) in board.ReadInChunksAsync(documents, cancellationToken).ConfigureAwait(false))
        {
            for (int i = 0; i < chunk.Length; i++)
            {
                yield return (chunk[i], bytes[i] ?? throw new ElectionFormatException(board.Describe(chunk[i]), "", missing));
            }
        }
    }
}
