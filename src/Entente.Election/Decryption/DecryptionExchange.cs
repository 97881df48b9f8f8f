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

    private sealed record Work(ElectionContext Context, EncryptedTally Tally, IReadOnlyList<DecryptionItem> Items, IReadOnlyList<EncryptedBallot> Challenged, IReadOnlyList<EncryptedBallot> Ballots, IReadOnlyList<DeviceRecord> Devices);

    private static async Task<Work> LoadAsync(CeremonyFolder folder, CancellationToken ct)
    {
        ElectionContext context = await folder.LoadContextAsync(ct).ConfigureAwait(false);
        (IReadOnlyList<DeviceRecord> devices, IReadOnlyList<EncryptedBallot> ballots) = await folder.LoadBallotsAsync(context, ct).ConfigureAwait(false);
        long weight = ballots.Where(b => b.State == BallotState.Cast).Sum(b => (long)b.Weight);
        string tallyPath = folder.PathOf("tally/encrypted_tally.json");
        EncryptedTally tally = RecordCodec.ReadEncryptedTally(tallyPath, await RecordFiles.ReadLimitedAsync(tallyPath, RecordStore.MaxFileBytes, ct).ConfigureAwait(false), context, weight);
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
        return new Work(context, tally, items, [.. ballots.Where(b => b.State == BallotState.Challenged)], ballots, devices);
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
        ElementModQ[] nonces = new ElementModQ[work.Items.Count];
        ElementModP[] shares = new ElementModP[work.Items.Count];
        Hash256[] commitments = new Hash256[work.Items.Count];
        Parallel.For(0, work.Items.Count, n =>
        {
            DecryptionItem item = work.Items[n];
            nonces[n] = group.RandomModQ();
            shares[n] = item.Ciphertext.Alpha.PowSecret(secrets.VoteShare!);
            commitments[n] = DecryptionGuardian.CommitmentHash(work.Context, item, index, group.GPowSecret(nonces[n]), item.Ciphertext.Alpha.PowSecret(nonces[n]), shares[n], u);
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
        RecordCodec.WriteList(w, "guardians", u);
        w.Name("tally");
        w.StartArray();
        for (int n = 0; n < work.Items.Count; n++)
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

        ElementModQ[] nonces = ReadSession(secret, index, work.Context, mine.Guardians, work.Items.Count);
        Group group = work.Context.Group;
        ElementModP[] a = new ElementModP[nonces.Length];
        ElementModP[] b = new ElementModP[nonces.Length];
        Parallel.For(0, nonces.Length, n =>
        {
            a[n] = group.GPowSecret(nonces[n]);
            b[n] = work.Items[n].Ciphertext.Alpha.PowSecret(nonces[n]);
        });
        CanonicalJsonWriter w = new();
        w.StartObject();
        w.Property("i", index);
        RecordCodec.WriteList(w, "a", a);
        RecordCodec.WriteList(w, "b", b);
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
        ElementModQ[] nonces = ReadSession(secret, index, work.Context, u, work.Items.Count);
        using GuardianSecrets secrets = ReadShares(work.Context, index, secret);
        ElementModQ w = Lagrange.Coefficient(work.Context.Group, index, u);
        CanonicalJsonWriter writer = new();
        writer.StartObject();
        writer.Property("i", index);
        writer.Name("v");
        writer.StartArray();
        for (int n = 0; n < nonces.Length; n++)
        {
            writer.Hex((nonces[n] - (challenges[n] * w * secrets.VoteShare!)).Encode());
        }

        writer.EndArray();
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
        foreach (int j in u)
        {
            string path = folder.PathOf($"decryption/response-{j}.json");
            if (!File.Exists(path))
            {
                throw new ElectionFormatException(path, "", $"guardian {j} has not responded yet (entente decrypt --step respond)");
            }

            using JsonDocument document = JsonReading.Parse(path, await RecordFiles.ReadLimitedAsync(path, RecordStore.MaxFileBytes, ct).ConfigureAwait(false));
            JsonReading r = new(path, group);
            JsonElement o = r.Object(document.RootElement, "$", "i", "v");
            r.Int(o, "$", "i", j, j);
            int n = 0;
            foreach (JsonElement e in r.Array(o, "$", "v", work.Items.Count).EnumerateArray())
            {
                v[n] += r.QValue(e, $"$.v[{n}]");
                n++;
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

            options[n] = new DecryptedOption(item.OptionIndex, value, challenges[n], v[n]);
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

        ElectionRecord record = new(work.Context, work.Devices, work.Ballots, work.Tally, new DecryptedTally(u, contests), opened);
        IReadOnlyList<string> failures = RecordSelfCheck.Check(record);
        if (failures.Count > 0)
        {
            throw new ElectionFormatException(folder.Root, "", "the assembled record fails its self-check: " + string.Join("; ", failures.Take(5)));
        }

        await RecordStore.WriteAsync(record, recordDirectory, ct).ConfigureAwait(false);
        return record;
    }

    private sealed record Commit(int Index, int[] Guardians, ElementModP[] Shares, Hash256[] Commitments, ElementModP[] NonceShares);

    private sealed record Reveal(int Index, ElementModP[] A, ElementModP[] B);

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
            JsonElement o = r.Object(document.RootElement, "$", "i", "a", "b");
            r.Int(o, "$", "i", j, j);
            reveals.Add(new Reveal(j,
                [.. r.Array(o, "$", "a", work.Items.Count).EnumerateArray().Select((e, n) => r.PValue(e, $"$.a[{n}]"))],
                [.. r.Array(o, "$", "b", work.Items.Count).EnumerateArray().Select((e, n) => r.PValue(e, $"$.b[{n}]"))]));
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
        JsonElement o = r.Object(document.RootElement, "$", "i", "guardians", "tally", "ballot_nonces");
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

        return new Commit(index, guardians, [.. shares], [.. commitments], [.. nonceShares]);
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
        RecordCodec.WriteList(h, "guardians", guardians);
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
