using System.Security.Cryptography;
using System.Text.Json;
using Entente.Cryptography;
using Entente.Election.Encryption;
using Entente.Election.KeyCeremony;
using Entente.Election.Record;
using Entente.Election.Tally;

namespace Entente.Election.Decryption;

/// <summary>
/// Joint decryption through the shared folder, one guardian per process (spec 2.1 §3.6.3's two-round
/// commitment): <c>commit</c> publishes M_i and d_i for every tally entry and m_i for every challenged
/// ballot's nonce, keeping u_i in a sealed session file; <c>reveal</c> publishes (a_i, b_i) once every
/// guardian of U has committed; <c>respond</c> checks everyone's d_j, computes the joint challenges and
/// publishes v_i (then destroys u_i: a nonce answers once); <c>combine</c> (anyone) assembles the proofs,
/// T and t, opens the challenged ballots and writes the complete record.
/// Files: decryption/commit-i.json, reveal-i.json, response-i.json (docs/record-format.md §5.3).
/// </summary>
public static class DecryptionExchange
{
    private const string SessionSuffix = ".decryption-session";

    /// <summary>The contest-data decryption request of the ceremony folder (docs/record-format.md §5).</summary>
    public const string ContestDataRequestFile = "decryption/contest_data_request.json";

    private sealed record Work(ElectionContext Context, EncryptedTally Tally, IReadOnlyList<DecryptionItem> Items, IReadOnlyList<EncryptedBallot> Challenged, IReadOnlyList<EncryptedBallot> Ballots, IReadOnlyList<DeviceRecord> Devices)
    {
        /// <summary>The requested contest-data decryptions, in request order (empty without a request).</summary>
        public DataItem[] DataItems { get; init; } = [];
    }

    /// <summary>One requested decryption: a cast ballot's contest that carries contest data.</summary>
    private sealed record DataItem(EncryptedBallot Ballot, int ContestIndex, HashedElGamalCiphertext Data);

    /// <summary>
    /// Writes the request to decrypt the contest data of named cast ballots (all their contests with contest data,
    /// or the contests named) jointly with the tally: <see cref="ContestDataRequestFile"/>, canonical
    /// {<c>ballots</c>: [{<c>id</c>, <c>contests</c>}]} sorted by id and contest. Only before any guardian commits.
    /// Returns the number of contests to decrypt.
    /// </summary>
    /// <exception cref="ElectionFormatException">A ballot is unknown or challenged, a contest carries no contest data, or a guardian has already committed.</exception>
    public static async Task<int> RequestContestDataAsync(CeremonyFolder folder, IEnumerable<(Hash256 Ballot, int? Contest)> requests, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(requests);
        if (Directory.Exists(folder.PathOf("decryption")) && Directory.GetFiles(folder.PathOf("decryption"), "commit-*.json").Length > 0)
        {
            throw new ElectionFormatException(folder.PathOf(ContestDataRequestFile), "", "a guardian has already committed: the request must come before every commit of this decryption");
        }

        Work work = await LoadAsync(folder, ct, withRequest: false).ConfigureAwait(false);
        SortedDictionary<string, SortedSet<int>> wanted = new(StringComparer.Ordinal);
        foreach ((Hash256 id, int? contest) in requests)
        {
            EncryptedBallot ballot = work.Ballots.FirstOrDefault(b => b.Id.Equals(id))
                ?? throw new ElectionFormatException(null, $"ballot {id}", "no ballot of the ceremony folder has this identifier");
            int[] contests = contest is int c ? [c] : [.. ballot.Contests.Where(x => x.ContestData is not null).Select(x => x.ContestIndex)];
            if (contests.Length == 0)
            {
                throw new ElectionFormatException(null, $"ballot {id}", "the ballot carries no contest data");
            }

            if (!wanted.TryGetValue(id.ToString(), out SortedSet<int>? set))
            {
                wanted[id.ToString()] = set = [];
            }

            set.UnionWith(contests);
        }

        if (wanted.Count == 0)
        {
            throw new ElectionFormatException(null, "ballots", "name at least one cast ballot");
        }

        CanonicalJsonWriter w = new();
        w.StartObject();
        w.Name("ballots");
        w.StartArray();
        foreach ((string id, SortedSet<int> contests) in wanted)
        {
            w.StartObject();
            w.Property("id", id);
            RecordFormat.WriteList(w, "contests", contests);
            w.EndObject();
        }

        w.EndArray();
        w.EndObject();
        byte[] bytes = w.ToArray();
        _ = ReadRequest(folder.PathOf(ContestDataRequestFile), bytes, work); // the same checks every guardian will make
        await RecordFiles.WriteAtomicAsync(folder.PathOf(ContestDataRequestFile), bytes, ct).ConfigureAwait(false);
        return wanted.Values.Sum(c => c.Count);
    }

    private static List<DataItem> ReadRequest(string path, byte[] bytes, Work work)
    {
        using JsonDocument document = JsonReading.Parse(path, bytes);
        JsonReading r = new(path, work.Context.Group);
        JsonElement o = r.Object(document.RootElement, "$", "ballots");
        List<DataItem> items = [];
        string? previous = null;
        int n = 0;
        foreach (JsonElement e in r.Array(o, "$", "ballots", min: 1).EnumerateArray())
        {
            string p = $"$.ballots[{n++}]";
            JsonElement b = r.Object(e, p, "id", "contests");
            Hash256 id = r.Hash(b, p, "id");
            if (previous is not null && string.CompareOrdinal(previous, id.ToString()) >= 0)
            {
                throw r.Error(p + ".id", "ballots must be listed once each, by ascending identifier");
            }

            previous = id.ToString();
            EncryptedBallot ballot = work.Ballots.FirstOrDefault(x => x.Id.Equals(id)) ?? throw r.Error(p + ".id", "no ballot of the ceremony folder has this identifier");
            if (ballot.State != BallotState.Cast)
            {
                throw r.Error(p + ".id", "the ballot is challenged: its contest data is opened with it, not decrypted as a cast ballot's (docs/record-format.md §4.11)");
            }

            int last = 0;
            int j = 0;
            foreach (JsonElement ce in r.Array(b, p, "contests", min: 1).EnumerateArray())
            {
                string cp = $"{p}.contests[{j++}]";
                int index = ce.ValueKind == JsonValueKind.Number && ce.TryGetInt32(out int x) ? x : 0;
                HashedElGamalCiphertext? data = ballot.Contests.FirstOrDefault(c => c.ContestIndex == index)?.ContestData;
                if (index <= last || data is null)
                {
                    throw r.Error(cp, $"contest {index} is not a contest with contest data of ballot {id}, or is not in ascending order");
                }

                if (!ContestDataEncryption.VerifyProof(ballot.IdentifierHash, index, data))
                {
                    throw r.Error(cp, "the proof of the ballot's contest data does not verify (eq 69): it is not decrypted");
                }

                last = index;
                items.Add(new DataItem(ballot, index, data));
            }
        }

        return CheckRequestCanonical(path, bytes, items);
    }

    private static List<DataItem> CheckRequestCanonical(string path, byte[] bytes, List<DataItem> items)
    {
        CanonicalJsonWriter w = new();
        w.StartObject();
        w.Name("ballots");
        w.StartArray();
        foreach (IGrouping<Hash256, DataItem> ballot in items.GroupBy(i => i.Ballot.Id))
        {
            w.StartObject();
            w.PropertyHex("id", ballot.Key.Bytes);
            RecordFormat.WriteList(w, "contests", ballot.Select(i => i.ContestIndex));
            w.EndObject();
        }

        w.EndArray();
        w.EndObject();
        return RecordFormat.CheckCanonical(path, bytes, items, _ => w.ToArray());
    }

    private static async Task<Work> LoadAsync(CeremonyFolder folder, CancellationToken ct, bool withRequest = true)
    {
        ElectionContext context = await folder.LoadContextAsync(ct).ConfigureAwait(false);
        (IReadOnlyList<DeviceRecord> devices, IReadOnlyList<EncryptedBallot> ballots) = await folder.LoadBallotsAsync(context, ct).ConfigureAwait(false);
        long weight = ballots.Where(b => b.State == BallotState.Cast).Sum(b => (long)b.Weight);
        string tallyPath = folder.PathOf("tally/encrypted_tally.json");
        EncryptedTally tally = RecordFormat.ReadEncryptedTally(tallyPath, await RecordFiles.ReadLimitedAsync(tallyPath, RecordStore.MaxFileBytes, ct).ConfigureAwait(false), context, weight);
        EncryptedTally recomputed = EncryptedTally.Aggregate(context, ballots);
        for (int c = 0; c < tally.Contests.Count; c++)
        {
            for (int o = 0; o < tally.Contests[c].Options.Count; o++)
            {
                if (!tally.Contests[c].Options[o].Ciphertext.Equals(recomputed.Contests[c].Options[o].Ciphertext))
                {
                    throw new ElectionFormatException(tallyPath, $"$.contests[{c}].options[{o}]", "the aggregate does not match the cast ballots (Verification 9); run entente tally again");
                }
            }
        }

        List<DecryptionItem> items = [.. tally.Contests.SelectMany(c => c.Options.Select(o => new DecryptionItem(c.ContestIndex, o.OptionIndex, o.Ciphertext)))];
        Work work = new(context, tally, items, [.. ballots.Where(b => b.State == BallotState.Challenged)], ballots, devices);
        string requestPath = folder.PathOf(ContestDataRequestFile);
        if (withRequest && File.Exists(requestPath))
        {
            work = work with { DataItems = [.. ReadRequest(requestPath, await RecordFiles.ReadLimitedAsync(requestPath, RecordStore.MaxFileBytes, ct).ConfigureAwait(false), work)] };
        }

        return work;
    }

    /// <summary>Round 1 for guardian i with the set U of guardians that will take part.</summary>
    public static async Task CommitAsync(CeremonyFolder folder, int index, IReadOnlyList<int> available, CeremonyFolder.SecretAccess secret, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(secret);
        Work work = await LoadAsync(folder, ct).ConfigureAwait(false);
        int[] u = TallyDecryption.CheckQuorum(work.Context, available);
        if (!u.Contains(index))
        {
            throw new ElectionFormatException(null, "--guardians", $"guardian {index} is not in the set {string.Join(",", u)}");
        }

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
            WriteSession(secret, index, work.Context.ExtendedBaseHash, u, sessionBytes);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(sessionBytes);
        }

        CanonicalJsonWriter w = new();
        w.StartObject();
        w.Property("i", index);
        RecordFormat.WriteList(w, "guardians", u);
        w.Name("tally");
        w.StartArray();
        for (int n = 0; n < tallyCount; n++)
        {
            w.StartObject();
            w.PropertyHex("m", shares[n].Encode());
            w.PropertyHex("d", commitments[n].Bytes);
            w.EndObject();
        }

        w.EndArray();
        w.Name("ballot_nonces");
        w.StartArray();
        foreach (EncryptedBallot ballot in work.Challenged)
        {
            w.StartObject();
            w.PropertyHex("id", ballot.Id.Bytes);
            w.PropertyHex("m", ballot.BallotNonce.C0.PowSecret(secrets.DataShare!).Encode());
            w.EndObject();
        }

        w.EndArray();
        if (work.DataItems.Length > 0)
        {
            w.Name("contest_data");
            w.StartArray();
            for (int n = tallyCount; n < nonces.Length; n++)
            {
                DataItem item = work.DataItems[n - tallyCount];
                w.StartObject();
                w.PropertyHex("id", item.Ballot.Id.Bytes);
                w.Property("index", item.ContestIndex);
                w.PropertyHex("m", shares[n].Encode());
                w.PropertyHex("d", commitments[n].Bytes);
                w.EndObject();
            }

            w.EndArray();
        }

        w.EndObject();
        await RecordFiles.WriteAtomicAsync(folder.PathOf($"decryption/commit-{index}.json"), w.ToArray(), ct).ConfigureAwait(false);
    }

    /// <summary>Round 2: reveals (a_i, b_i) once every guardian of U has committed.</summary>
    public static async Task RevealAsync(CeremonyFolder folder, int index, CeremonyFolder.SecretAccess secret, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(secret);
        Work work = await LoadAsync(folder, ct).ConfigureAwait(false);
        Commit mine = await ReadCommitAsync(folder, work, index, null, ct).ConfigureAwait(false);
        foreach (int j in mine.Guardians)
        {
            await ReadCommitAsync(folder, work, j, mine.Guardians, ct).ConfigureAwait(false);
        }

        int tallyCount = work.Items.Count;
        ElementModQ[] nonces = ReadSession(secret, index, work.Context, mine.Guardians, tallyCount + work.DataItems.Length);
        Group group = work.Context.Group;
        ElementModP[] a = new ElementModP[nonces.Length];
        ElementModP[] b = new ElementModP[nonces.Length];
        Parallel.For(0, nonces.Length, n =>
        {
            a[n] = group.GPowSecret(nonces[n]);
            b[n] = (n < tallyCount ? work.Items[n].Ciphertext.Alpha : work.DataItems[n - tallyCount].Data.C0).PowSecret(nonces[n]);
        });
        CanonicalJsonWriter w = new();
        w.StartObject();
        w.Property("i", index);
        RecordFormat.WriteList(w, "a", a.Take(tallyCount));
        RecordFormat.WriteList(w, "b", b.Take(tallyCount));
        if (work.DataItems.Length > 0)
        {
            RecordFormat.WriteList(w, "data_a", a.Skip(tallyCount));
            RecordFormat.WriteList(w, "data_b", b.Skip(tallyCount));
        }

        w.EndObject();
        await RecordFiles.WriteAtomicAsync(folder.PathOf($"decryption/reveal-{index}.json"), w.ToArray(), ct).ConfigureAwait(false);
    }

    /// <summary>Round 3: checks every d_j against the reveals, computes the challenges and publishes v_i; destroys u_i.</summary>
    public static async Task RespondAsync(CeremonyFolder folder, int index, CeremonyFolder.SecretAccess secret, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(secret);
        Work work = await LoadAsync(folder, ct).ConfigureAwait(false);
        (Commit[] commits, Reveal[] reveals) = await ReadRoundsAsync(folder, work, index, ct).ConfigureAwait(false);
        int[] u = commits[0].Guardians;
        ElementModQ[] challenges = Challenges(work, commits, reveals, out _);
        ElementModQ[] dataChallenges = DataChallenges(work, commits, reveals, out _);
        int tallyCount = work.Items.Count;
        ElementModQ[] nonces = ReadSession(secret, index, work.Context, u, tallyCount + work.DataItems.Length);
        using GuardianSecrets secrets = ReadShares(work.Context, index, secret);
        ElementModQ w = Lagrange.Coefficient(work.Context.Group, index, u);
        CanonicalJsonWriter writer = new();
        writer.StartObject();
        writer.Property("i", index);
        writer.Name("v");
        writer.StartArray();
        for (int n = 0; n < tallyCount; n++)
        {
            writer.Hex((nonces[n] - (challenges[n] * w * secrets.VoteShare!)).Encode());
        }

        writer.EndArray();
        if (work.DataItems.Length > 0)
        {
            // v_i = u_i − c·w_i·ẑ_i (eq 102).
            writer.Name("data_v");
            writer.StartArray();
            for (int n = 0; n < work.DataItems.Length; n++)
            {
                writer.Hex((nonces[tallyCount + n] - (dataChallenges[n] * w * secrets.DataShare!)).Encode());
            }

            writer.EndArray();
        }

        writer.EndObject();
        File.Delete(secret.SecretPath + SessionSuffix); // the nonces answer once
        await RecordFiles.WriteAtomicAsync(folder.PathOf($"decryption/response-{index}.json"), writer.ToArray(), ct).ConfigureAwait(false);
    }

    /// <summary>Combines every guardian's rounds, checks each proof (V10), opens the challenged ballots and writes the record.</summary>
    public static async Task<ElectionRecord> CombineAsync(CeremonyFolder folder, string recordDirectory, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(folder);
        Work work = await LoadAsync(folder, ct).ConfigureAwait(false);
        string[] commitFiles = Directory.Exists(folder.PathOf("decryption")) ? Directory.GetFiles(folder.PathOf("decryption"), "commit-*.json") : [];
        if (commitFiles.Length == 0)
        {
            throw new ElectionFormatException(folder.PathOf("decryption"), "", "no guardian has committed yet (entente decrypt --step commit)");
        }

        int first = int.Parse(Path.GetFileNameWithoutExtension(commitFiles.Order(StringComparer.Ordinal).First())["commit-".Length..], System.Globalization.CultureInfo.InvariantCulture);
        (Commit[] commits, Reveal[] reveals) = await ReadRoundsAsync(folder, work, first, ct).ConfigureAwait(false);
        int[] u = commits[0].Guardians;
        ElementModQ[] challenges = Challenges(work, commits, reveals, out ElementModP[] m);
        Group group = work.Context.Group;
        ElementModQ[] v = [.. Enumerable.Repeat(group.ZeroModQ, work.Items.Count)];
        ElementModQ[] dataChallenges = DataChallenges(work, commits, reveals, out ElementModP[] betas);
        ElementModQ[] dataV = [.. Enumerable.Repeat(group.ZeroModQ, work.DataItems.Length)];
        Dictionary<int, ElementModQ[]> responses = []; // each guardian's v_i, published in tally/partial_decryptions.json
        foreach (int j in u)
        {
            string path = folder.PathOf($"decryption/response-{j}.json");
            if (!File.Exists(path))
            {
                throw new ElectionFormatException(path, "", $"guardian {j} has not responded yet (entente decrypt --step respond)");
            }

            using JsonDocument document = JsonReading.Parse(path, await RecordFiles.ReadLimitedAsync(path, RecordStore.MaxFileBytes, ct).ConfigureAwait(false));
            JsonReading r = new(path, group);
            JsonElement o = r.Object(document.RootElement, "$", "i", "v", "data_v");
            r.Int(o, "$", "i", j, j);
            int n = 0;
            responses[j] = new ElementModQ[work.Items.Count];
            foreach (JsonElement e in r.Array(o, "$", "v", work.Items.Count).EnumerateArray())
            {
                responses[j][n] = r.QValue(e, $"$.v[{n}]");
                v[n] += responses[j][n];
                n++;
            }

            if (work.DataItems.Length > 0 || JsonReading.Has(o, "data_v"))
            {
                n = 0;
                foreach (JsonElement e in r.Array(o, "$", "data_v", work.DataItems.Length).EnumerateArray())
                {
                    dataV[n] += r.QValue(e, $"$.data_v[{n}]");
                    n++;
                }
            }
        }

        long bound = Math.Max(1, work.Tally.TotalWeight) * work.Context.Parameters.Manifest.Contests.SelectMany(c => c.Options).Max(o => (long)o.SelectionLimit);
        DiscreteLog log = DiscreteLog.ForKey(work.Context.VoteKey, Math.Min(bound, 1L << 40));
        DecryptedOption[] options = new DecryptedOption[work.Items.Count];
        for (int n = 0; n < work.Items.Count; n++)
        {
            DecryptionItem item = work.Items[n];
            if (!log.TryFind(item.Ciphertext.Beta / m[n], out long value) || !TallyDecryption.VerifyOption(work.Context, item, value, challenges[n], v[n]))
            {
                throw new ElectionFormatException(folder.PathOf("decryption"), $"contest {item.ContestIndex} option {item.OptionIndex}", "the joint decryption does not verify (Verification 10): a guardian's response is wrong");
            }

            options[n] = new DecryptedOption(item.OptionIndex, value, challenges[n], v[n])
            {
                Shares = [.. commits.Select((commit, g) => new PartialDecryptionShare(commit.Index, commit.Shares[n], commit.Commitments[n], reveals[g].A[n], reveals[g].B[n], responses[commit.Index][n]))],
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
                throw new ElectionFormatException(folder.PathOf($"ballots/{ballot.Id}.json"), "$.ballot_nonce", "the proof of the encrypted ballot nonce does not verify");
            }

            ElementModP beta = group.OneModP;
            foreach (Commit commit in commits)
            {
                beta *= commit.NonceShares[b].Pow(Lagrange.Coefficient(group, commit.Index, u));
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
                throw new ElectionFormatException(folder.PathOf("decryption"), $"ballot {item.Ballot.Id} contest {item.ContestIndex}", "the joint contest-data decryption does not verify (Verification 12): a guardian's response is wrong");
            }

            decryptedData.Add(new DecryptedContestData(item.Ballot.Id, item.ContestIndex, betas[n],
                ContestDataEncryption.DecryptWithBeta(item.Ballot.IdentifierHash, item.ContestIndex, item.Data, betas[n]), dataChallenges[n], dataV[n]));
        }

        ElectionRecord record = new(work.Context, work.Devices, work.Ballots, work.Tally, new DecryptedTally(u, contests), opened)
        {
            ContestData = [.. decryptedData.GroupBy(d => d.BallotId).Select(g => new DecryptedBallotContestData(g.Key, u, [.. g]))],
        };
        IReadOnlyList<string> failures = RecordSelfCheck.Check(record);
        if (failures.Count > 0)
        {
            throw new ElectionFormatException(folder.Root, "", "the assembled record fails its self-check: " + string.Join("; ", failures.Take(5)));
        }

        await RecordStore.WriteAsync(record, recordDirectory, ct).ConfigureAwait(false);
        return record;
    }

    private sealed record Commit(int Index, int[] Guardians, ElementModP[] Shares, Hash256[] Commitments, ElementModP[] NonceShares)
    {
        /// <summary>m_i and d_i of each requested contest-data decryption (eqs 96, 99).</summary>
        public ElementModP[] DataShares { get; init; } = [];

        public Hash256[] DataCommitments { get; init; } = [];
    }

    private sealed record Reveal(int Index, ElementModP[] A, ElementModP[] B)
    {
        /// <summary>(a_i, b_i) of each requested contest-data decryption (eq 98).</summary>
        public ElementModP[] DataA { get; init; } = [];

        public ElementModP[] DataB { get; init; } = [];
    }

    private static async Task<(Commit[], Reveal[])> ReadRoundsAsync(CeremonyFolder folder, Work work, int index, CancellationToken ct)
    {
        Commit mine = await ReadCommitAsync(folder, work, index, null, ct).ConfigureAwait(false);
        List<Commit> commits = [];
        List<Reveal> reveals = [];
        foreach (int j in mine.Guardians)
        {
            commits.Add(await ReadCommitAsync(folder, work, j, mine.Guardians, ct).ConfigureAwait(false));
            string path = folder.PathOf($"decryption/reveal-{j}.json");
            if (!File.Exists(path))
            {
                throw new ElectionFormatException(path, "", $"guardian {j} has not revealed yet (entente decrypt --step reveal)");
            }

            using JsonDocument document = JsonReading.Parse(path, await RecordFiles.ReadLimitedAsync(path, RecordStore.MaxFileBytes, ct).ConfigureAwait(false));
            JsonReading r = new(path, work.Context.Group);
            JsonElement o = r.Object(document.RootElement, "$", "i", "a", "b", "data_a", "data_b");
            r.Int(o, "$", "i", j, j);
            bool data = work.DataItems.Length > 0 || JsonReading.Has(o, "data_a") || JsonReading.Has(o, "data_b");
            reveals.Add(new Reveal(j,
                [.. r.Array(o, "$", "a", work.Items.Count).EnumerateArray().Select((e, n) => r.PValue(e, $"$.a[{n}]"))],
                [.. r.Array(o, "$", "b", work.Items.Count).EnumerateArray().Select((e, n) => r.PValue(e, $"$.b[{n}]"))])
            {
                DataA = data ? [.. r.Array(o, "$", "data_a", work.DataItems.Length).EnumerateArray().Select((e, n) => r.PValue(e, $"$.data_a[{n}]"))] : [],
                DataB = data ? [.. r.Array(o, "$", "data_b", work.DataItems.Length).EnumerateArray().Select((e, n) => r.PValue(e, $"$.data_b[{n}]"))] : [],
            });
        }

        return ([.. commits], [.. reveals]);
    }

    private static async Task<Commit> ReadCommitAsync(CeremonyFolder folder, Work work, int index, int[]? expectedGuardians, CancellationToken ct)
    {
        string path = folder.PathOf($"decryption/commit-{index}.json");
        if (!File.Exists(path))
        {
            throw new ElectionFormatException(path, "", $"guardian {index} has not committed yet (entente decrypt --step commit)");
        }

        using JsonDocument document = JsonReading.Parse(path, await RecordFiles.ReadLimitedAsync(path, RecordStore.MaxFileBytes, ct).ConfigureAwait(false));
        JsonReading r = new(path, work.Context.Group);
        JsonElement o = r.Object(document.RootElement, "$", "i", "guardians", "tally", "ballot_nonces", "contest_data");
        r.Int(o, "$", "i", index, index);
        int[] guardians = [.. r.Array(o, "$", "guardians", min: 1).EnumerateArray().Select(e => e.TryGetInt32(out int g) ? g : 0)];
        try
        {
            guardians = TallyDecryption.CheckQuorum(work.Context, guardians);
        }
        catch (ElectionFormatException ex)
        {
            throw new ElectionFormatException(path, "$.guardians", ex.Problem);
        }

        if (expectedGuardians is not null && !guardians.SequenceEqual(expectedGuardians))
        {
            throw new ElectionFormatException(path, "$.guardians", "this guardian committed for another set of guardians U");
        }

        List<ElementModP> shares = [];
        List<Hash256> commitments = [];
        int n = 0;
        foreach (JsonElement e in r.Array(o, "$", "tally", work.Items.Count).EnumerateArray())
        {
            string p = $"$.tally[{n++}]";
            JsonElement t = r.Object(e, p, "m", "d");
            shares.Add(r.P(t, p, "m"));
            commitments.Add(r.Hash(t, p, "d"));
        }

        List<ElementModP> nonceShares = [];
        n = 0;
        foreach (JsonElement e in r.Array(o, "$", "ballot_nonces", work.Challenged.Count).EnumerateArray())
        {
            string p = $"$.ballot_nonces[{n}]";
            JsonElement t = r.Object(e, p, "id", "m");
            if (!r.Hash(t, p, "id").Equals(work.Challenged[n].Id))
            {
                throw r.Error(p + ".id", "not the challenged ballot expected at this position");
            }

            nonceShares.Add(r.P(t, p, "m"));
            n++;
        }

        List<ElementModP> dataShares = [];
        List<Hash256> dataCommitments = [];
        if (work.DataItems.Length > 0 || JsonReading.Has(o, "contest_data"))
        {
            n = 0;
            foreach (JsonElement e in r.Array(o, "$", "contest_data", work.DataItems.Length).EnumerateArray())
            {
                string p = $"$.contest_data[{n}]";
                JsonElement t = r.Object(e, p, "id", "index", "m", "d");
                if (!r.Hash(t, p, "id").Equals(work.DataItems[n].Ballot.Id) || r.Int(t, p, "index") != work.DataItems[n].ContestIndex)
                {
                    throw r.Error(p, $"not the contest-data decryption expected at this position by {ContestDataRequestFile}: the request changed after this guardian committed");
                }

                dataShares.Add(r.P(t, p, "m"));
                dataCommitments.Add(r.Hash(t, p, "d"));
                n++;
            }
        }

        return new Commit(index, guardians, [.. shares], [.. commitments], [.. nonceShares]) { DataShares = [.. dataShares], DataCommitments = [.. dataCommitments] };
    }

    private static ElementModQ[] Challenges(Work work, Commit[] commits, Reveal[] reveals, out ElementModP[] combined)
    {
        Group group = work.Context.Group;
        int[] u = commits[0].Guardians;
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
                if (!DecryptionGuardian.CommitmentHash(work.Context, item, u[g], reveals[g].A[n], reveals[g].B[n], commits[g].Shares[n], u).Equals(commits[g].Commitments[n]))
                {
                    throw new ElectionFormatException($"decryption/reveal-{u[g]}.json", $"$.a[{n}]", $"guardian {u[g]} revealed values that do not match its commitment d_i (eq 88)");
                }

                a *= reveals[g].A[n];
                b *= reveals[g].B[n];
            }

            ElementModP mn = TallyDecryption.LagrangeProduct(group, [.. commits.Select(c => c.Shares[n])], w);
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
    private static ElementModQ[] DataChallenges(Work work, Commit[] commits, Reveal[] reveals, out ElementModP[] betas)
    {
        Group group = work.Context.Group;
        int[] u = commits[0].Guardians;
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
                Hash256 expected = ContestDataDecryption.Commitment(group, item.Ballot.IdentifierHash, item.ContestIndex, u[g], item.Data, reveals[g].DataA[n], reveals[g].DataB[n], commits[g].DataShares[n], u);
                if (!expected.Equals(commits[g].DataCommitments[n]))
                {
                    throw new ElectionFormatException($"decryption/reveal-{u[g]}.json", $"$.data_a[{n}]", $"guardian {u[g]} revealed values that do not match its commitment d_i (eq 99) for ballot {item.Ballot.Id} contest {item.ContestIndex}");
                }

                a *= reveals[g].DataA[n];
                b *= reveals[g].DataB[n];
            }

            beta[n] = TallyDecryption.LagrangeProduct(group, [.. commits.Select(c => c.DataShares[n])], w);
            challenges[n] = ContestDataDecryption.Challenge(group, item.Ballot.IdentifierHash, item.ContestIndex, item.Data, a, b, beta[n]);
        }

        betas = beta;
        return challenges;
    }

    private static GuardianSecrets ReadShares(ElectionContext context, int index, CeremonyFolder.SecretAccess secret)
    {
        GuardianSecrets secrets = GuardianSecretFile.Read(secret.SecretPath, context.Group, context.Parameters.Quorum, index, context.ExtendedBaseHash, secret.Passphrase, secret.AllowPlaintext);
        if (!secrets.HasShares)
        {
            secrets.Dispose();
            throw new ElectionFormatException(secret.SecretPath, "$.stage", "the key ceremony is not complete for this guardian");
        }

        return secrets;
    }

    private static byte[] SessionHeader(int index, Hash256 binding, int[] guardians)
    {
        CanonicalJsonWriter h = new();
        h.StartObject();
        h.Property("format", "entente-eg-decryption-session/1");
        h.Property("i", index);
        h.PropertyHex("binding", binding.Bytes);
        RecordFormat.WriteList(h, "guardians", guardians);
        h.EndObject();
        return h.ToArray();
    }

    private static void WriteSession(CeremonyFolder.SecretAccess secret, int index, Hash256 binding, int[] guardians, byte[] payload)
    {
        byte[] header = SessionHeader(index, binding, guardians);
        byte[] salt = SecretBox.RandomBytes(SecretBox.SaltBytes);
        byte[] nonce = SecretBox.RandomBytes(SecretBox.NonceBytes);
        byte[] body = secret.Passphrase is null
            ? (secret.AllowPlaintext ? payload : throw new ElectionFormatException(secret.SecretPath, "", "a passphrase is required"))
            : SecretBox.Seal(payload, secret.Passphrase, SecretBox.KdfSettings.Default, salt, nonce, header);
        byte[] file = [.. BitConverter.GetBytes(header.Length), .. header, .. salt, .. nonce, (byte)(secret.Passphrase is null ? 0 : 1), .. body];
        RecordFiles.WriteAtomicPrivate(secret.SecretPath + SessionSuffix, file);
    }

    private static ElementModQ[] ReadSession(CeremonyFolder.SecretAccess secret, int index, ElectionContext context, int[] guardians, int count)
    {
        string path = secret.SecretPath + SessionSuffix;
        if (!File.Exists(path))
        {
            throw new ElectionFormatException(path, "", "no decryption session: run --step commit first (a session answers one challenge only)");
        }

        byte[] file = RecordFiles.ReadLimited(path, 64L * 1024 * 1024);
        byte[] expectedHeader = SessionHeader(index, context.ExtendedBaseHash, guardians);
        int headerLength = file.Length >= 4 ? BitConverter.ToInt32(file, 0) : -1;
        int offset = 4 + expectedHeader.Length;
        if (headerLength != expectedHeader.Length || file.Length < offset + SecretBox.SaltBytes + SecretBox.NonceBytes + 1 || !file.AsSpan(4, headerLength).SequenceEqual(expectedHeader))
        {
            throw new ElectionFormatException(path, "", "the decryption session belongs to another guardian, election or set of guardians");
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
