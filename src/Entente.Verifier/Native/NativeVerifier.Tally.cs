using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using Entente.Cryptography;
using Entente.Verifier.Framework;

namespace Entente.Verifier.Native;

public sealed partial class NativeVerifier
{
    private const string EncryptedTallyFile = "tally/encrypted_tally.json";
    private const string TallyFile = "tally/tally.json";

    /// <summary>The valid (A, B) of the encrypted tally by (contest, option), filled by step 9 for step 10.</summary>
    private readonly Dictionary<(int Contest, int Option), (ElementModP A, ElementModP B, byte[] RawA, byte[] RawB)> _aggregates = [];

    // ---------------------------------------------------------------- step 9

    private void VerifyAggregation(BallotPass pass)
    {
        StepRecorder step = Step("9");
        NativeEncryptedTally tally = _record.EncryptedTally;
        RecordObject file = RecordObject.ForFile(EncryptedTallyFile);

        if (tally.Ballots is { } ballots)
        {
            // 9.struct: the aggregated ballots are sorted ascending, each once; that they are exactly the cast ballots is
            // checked by the ballot partitions, each for its identifiers (ResolveWholeRecord).
            string[] listed = [.. ballots.Select(b => NativeMath.Hex(b))];
            step.Require(listed.SequenceEqual(listed.Order(StringComparer.Ordinal)), "9.struct", file, "ballots is not sorted ascending");
            foreach (string id in listed.GroupBy(b => b, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key))
            {
                step.Fail("9.struct", RecordObject.ForBallot(id) with { File = EncryptedTallyFile }, "the ballot is aggregated more than once");
            }
        }
        else
        {
            // 9.struct (revision 8): the tally commits to its ballots; they are the record's cast ballots, by number and by
            // the SHA-256 of their identifiers in ascending order.
            (long count, byte[] sha256) = tally.Commitment!.Value;
            (long cast, byte[] castSha256) = CastBallotsCommitment();
            if (count != cast)
            {
                step.Fail("9.struct", file, string.Create(CultureInfo.InvariantCulture, $"ballot_count says {count} ballot(s) are aggregated; the record has {cast} cast ballot(s)"));
            }
            else
            {
                step.Require(sha256.AsSpan().SequenceEqual(castSha256), "9.struct", file,
                    "ballots_sha256 is not the SHA-256 of the record's cast ballots (their identifiers, ascending): the tally aggregates other ballots than the cast ones");
            }
        }

        // 9.A, 9.B for every option of every contest of the manifest, in index order.
        int[] indices = [.. tally.Contests.Select(c => c.Index)];
        step.Require(indices.SequenceEqual(Manifest.Contests.Select(c => c.Index)), "9.struct", file,
            $"the encrypted tally has contests [{string.Join(", ", indices)}]; the manifest has 1..{Manifest.Contests.Count}");
        foreach (NativeEncryptedTallyContest contest in tally.Contests)
        {
            NativeManifestContest? definition = contest.Index >= 1 && contest.Index <= Manifest.Contests.Count ? Manifest.Contests[contest.Index - 1] : null;
            RecordObject where = RecordObject.ForBallot("tally", definition?.Label ?? $"#{contest.Index}") with { File = EncryptedTallyFile };
            if (definition is null)
            {
                continue;
            }

            step.Require(contest.Options.Select(o => o.Index).SequenceEqual(definition.Options.Select(o => o.Index)), "9.struct", where,
                $"the contest has options [{string.Join(", ", contest.Options.Select(o => o.Index))}]; the manifest has 1..{definition.Options.Count}");
            foreach (NativeTallyCiphertext option in contest.Options)
            {
                NativeManifestOption? manifestOption = option.Index >= 1 && option.Index <= definition.Options.Count ? definition.Options[option.Index - 1] : null;
                RecordObject at = where.WithOption(manifestOption?.Label ?? $"#{option.Index}");
                step.Checked();
                ElementModP?[] ab = _math.Members([option.Alpha, option.Beta]);
                if (ab[0] is null || ab[1] is null)
                {
                    step.Fail("9.A", at, $"(A, B) is not in Z_p^r: {(ab[0] is null ? "A " + _math.WhyNotMember(option.Alpha) : "B " + _math.WhyNotMember(option.Beta))}");
                    continue;
                }

                _aggregates[(contest.Index, option.Index)] = (ab[0]!, ab[1]!, option.Alpha, option.Beta);
                if (manifestOption is null)
                {
                    continue;
                }

                if (pass.Unaggregatable.TryGetValue((contest.Index, option.Index), out string? blocker))
                {
                    step.Fail("9.A", at, $"the aggregate cannot be recomputed: cast ballot {blocker} has a selection that is not in Z_p^r (6.A)");
                    continue;
                }

                (ElementModP a, ElementModP b) = pass.Products.TryGetValue((contest.Index, option.Index), out (ElementModP A, ElementModP B) product)
                    ? product
                    : (Group.OneModP, Group.OneModP);
                step.Require(a.Equals(ab[0]), "9.A", at, "A is not Π α^W over the cast ballots");
                step.Require(b.Equals(ab[1]), "9.B", at, "B is not Π β^W over the cast ballots");
            }
        }
    }

    /// <summary>
    /// The record's cast ballots as the committed form of the encrypted tally states them (§4.8): their number and the
    /// SHA-256 of their identifiers, 32 bytes each, ascending. The cast ballots are the files of <c>ballots/</c> without an
    /// opening in <c>challenged/</c>, as listed (step 1 checks the listing, steps 5 and 13 that each file's name is its
    /// ballot's identifier and that a ballot has an opening exactly when it is challenged), so this needs nothing but the
    /// listing that the verification holds already, in one process or on a cluster.
    /// </summary>
    private (long Count, byte[] Sha256) CastBallotsCommitment()
    {
        const string BallotsFolder = "ballots/", ChallengedFolder = "challenged/", Json = ".json";
        static bool IsIn(string path, string folder) =>
            path.Length == folder.Length + 64 + Json.Length && path.StartsWith(folder, StringComparison.Ordinal) && path.EndsWith(Json, StringComparison.Ordinal);

        // The paths themselves, not copies of their ids: one reference per cast ballot (sorting "ballots/<id>.json" sorts the ids).
        HashSet<string> challenged = new(_record.ListedFiles.Where(f => IsIn(f.Path, ChallengedFolder)).Select(f => f.Path[ChallengedFolder.Length..^Json.Length]), StringComparer.Ordinal);
        HashSet<string>.AlternateLookup<ReadOnlySpan<char>> isChallenged = challenged.GetAlternateLookup<ReadOnlySpan<char>>();
        List<string> cast = [.. _record.ListedFiles.Select(f => f.Path).Where(p => IsIn(p, BallotsFolder) && !isChallenged.Contains(p.AsSpan(BallotsFolder.Length, 64)))];
        cast.Sort(StringComparer.Ordinal);
        using IncrementalHash sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> id = stackalloc byte[32];
        foreach (string path in cast)
        {
            // A name that is not 64 hex digits adds nothing and so cannot match (step 5 names the file).
            if (Convert.FromHexString(path.AsSpan(BallotsFolder.Length, 64), id, out _, out int written) == OperationStatus.Done && written == 32)
            {
                sha.AppendData(id);
            }
        }

        return (cast.Count, sha.GetHashAndReset());
    }

    // ---------------------------------------------------------------- steps 10 and 11

    private void VerifyTally(BallotPass pass)
    {
        StepRecorder step10 = Step("10");
        StepRecorder step11 = Step("11");
        NativeTally tally = _record.Tally;
        RecordObject file = RecordObject.ForFile(TallyFile);

        // 10.struct: U ascending, distinct, in 1..n, at least k guardians; each guardian at fault is named.
        IReadOnlyList<int> u = tally.Guardians;
        bool uValid = step10.Require(u.Count >= Parameters.K, "10.struct", file, $"{u.Count} guardians took part; the quorum is k = {Parameters.K}");
        uValid &= step10.Require(u.SequenceEqual(u.Distinct().Order()) && u.All(i => i >= 1 && i <= Parameters.N), "10.struct", file,
            $"guardians [{string.Join(", ", u)}] must be distinct indices in 1..n = {Parameters.N}, ascending");
        foreach (int i in u.Where(i => i < 1 || i > Parameters.N).Distinct())
        {
            step10.Fail("10.struct", GuardianObject(i, TallyFile), $"U names guardian {i}, which does not exist (n = {Parameters.N})");
        }

        foreach (int i in u.GroupBy(i => i).Where(g => g.Count() > 1).Select(g => g.Key))
        {
            step10.Fail("10.struct", GuardianObject(i, TallyFile), $"U names guardian {i} more than once");
        }

        // 10.U: U is the set of guardians whose partial decryptions the record publishes (§4.12), checked per option
        // in VerifyTallyOption: the joint proof alone is the same for every quorum, so it cannot tell who decrypted.
        PrepareDecryptingGuardians(step10, u, uValid);

        List<(NativeTallyContest Contest, NativeTallyOption Option, RecordObject At)> work = [];
        HashSet<int> seenContests = [];
        foreach (NativeTallyContest contest in tally.Contests)
        {
            NativeManifestContest? definition = contest.Index >= 1 && contest.Index <= Manifest.Contests.Count ? Manifest.Contests[contest.Index - 1] : null;
            RecordObject where = RecordObject.ForBallot("tally", contest.Label) with { File = TallyFile };
            step11.Checked();
            if (!seenContests.Add(contest.Index))
            {
                step11.Fail("11.struct", where, $"contest index {contest.Index} appears twice in the tally");
            }

            // 11.A: the contest label is a contest label of the manifest (the one at its index).
            if (!step11.Require(definition is not null && definition.Label == contest.Label, "11.A", where,
                definition is null ? $"contest index {contest.Index} is not in the manifest" : $"the manifest's contest {contest.Index} is \"{definition.Label}\", not \"{contest.Label}\""))
            {
                continue;
            }

            // 11.B: every option label is one of the contest's; 11.C: every option of the contest appears.
            foreach (NativeTallyOption option in contest.Options)
            {
                NativeManifestOption? manifestOption = option.Index >= 1 && option.Index <= definition!.Options.Count ? definition.Options[option.Index - 1] : null;
                RecordObject at = where.WithOption(option.Label);
                step11.Require(manifestOption is not null && manifestOption.Label == option.Label, "11.B", at,
                    manifestOption is null ? $"option index {option.Index} is not in the contest" : $"the manifest's option {option.Index} is \"{manifestOption.Label}\", not \"{option.Label}\"");
                work.Add((contest, option, at));
            }

            foreach (NativeManifestOption option in definition!.Options.Where(o => contest.Options.Count(x => x.Index == o.Index && x.Label == o.Label) != 1))
            {
                step11.Fail("11.C", where.WithOption(option.Label), "the manifest's option does not appear exactly once in the tally contest");
            }
        }

        // 11.D: every contest that occurs on a submitted ballot is in the tally (and so is every contest of the manifest).
        IReadOnlySet<int> onBallots = pass.Whole.Contests;
        foreach (NativeManifestContest contest in Manifest.Contests.Where(c => !seenContests.Contains(c.Index)))
        {
            step11.Fail(onBallots.Contains(contest.Index) ? "11.D" : "11.struct", RecordObject.ForBallot("tally", contest.Label) with { File = TallyFile },
                onBallots.Contains(contest.Index) ? "the contest occurs on submitted ballots but not in the tally" : "the manifest's contest is missing from the tally");
        }

        long done = 0;
        ParallelWork.ForEach(work, _options.Threads, _ => TallyFile, item =>
        {
            VerifyTallyOption(step10, item.Contest, item.Option, item.At);
            _options.Progress?.Report(new VerificationProgress("tally decryption", Interlocked.Increment(ref done), work.Count));
        });
    }

    /// <summary>(10.1)–(10.3), 10.A–10.C for one option: M = B·T^−1 with T = K^t, a = g^v K^c, b = A^v M^c.</summary>
    private void VerifyTallyOption(StepRecorder step, NativeTallyContest contest, NativeTallyOption option, RecordObject at)
    {
        step.Checked();
        if (!_aggregates.TryGetValue((contest.Index, option.Index), out (ElementModP A, ElementModP B, byte[] RawA, byte[] RawB) ab))
        {
            step.Fail("10.struct", at, "there is no valid encrypted aggregate (A, B) for this option in tally/encrypted_tally.json");
            return;
        }

        ElementModQ? v = _math.Scalar(option.Proof.V);
        ElementModQ? c = _math.Scalar(option.Proof.C);
        step.Require(v is not null, "10.A", at, "the response v is not in Z_q");
        if (c is null)
        {
            step.Fail("10.B", at, "the challenge c is not in Z_q");
        }

        if (v is null || c is null)
        {
            return;
        }

        // 10.C: T = K^t, the tally value's encoding (t < q; the record publishes t, T is computed).
        if (option.Value >= Group.Q)
        {
            step.Fail("10.C", at, string.Create(CultureInfo.InvariantCulture, $"t = {option.Value} is not less than q"));
            return;
        }

        ElementModP t = _math.K!.Pow(_math.Small(option.Value));
        ElementModP m = ab.B / t;
        ElementModP a = _math.GPow(v) * _math.K.Pow(c);
        ElementModP b = Group.PowProduct(ab.A, v, m, c);
        bool proofValid;
        using (HashInput input = _math.Input(0x31).Append(contest.Index).Append(option.Index).AppendBytes(ab.RawA).AppendBytes(ab.RawB).Append(a).Append(b).Append(m))
        {
            byte[] expected = _math.Hq(He, input);
            proofValid = step.Require(expected.AsSpan().SequenceEqual(option.Proof.C), "10.B", at, string.Create(CultureInfo.InvariantCulture,
                $"value t = {option.Value}: the challenge is {NativeMath.Hex(option.Proof.C)}; H_q(H_E; 0x31, ind_c, ind_o, A, B, a, b, M) is {NativeMath.Hex(expected)}"));
        }

        VerifyShares(step, contest, option, at, ab, proofValid ? (m, a, b, v) : null, c);
    }
}
