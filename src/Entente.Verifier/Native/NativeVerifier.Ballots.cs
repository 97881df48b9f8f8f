using System.Collections.Concurrent;
using System.Globalization;
using Entente.Cryptography;
using Entente.Verifier.Framework;

namespace Entente.Verifier.Native;

public sealed partial class NativeVerifier
{
    /// <summary>What the ballot pass leaves for the later steps.</summary>
    private sealed class BallotPass
    {
        /// <summary>The ballots' summaries, while this process's ballot pass runs (then they go to <see cref="Index"/>).</summary>
        public ConcurrentBag<ShardBallot> Summaries { get; } = [];

        /// <summary>Where the summaries are held for the whole-record steps: in this process, or in a cluster's partitions.</summary>
        public IBallotIndex Index { get; set; } = null!;

        /// <summary>What the partitions found (<see cref="ResolveWholeRecord"/>).</summary>
        public WholeRecordOutcome Whole { get; set; } = null!;

        /// <summary>(Π α^W, Π β^W) over cast ballots, per (contest, option).</summary>
        public Dictionary<(int Contest, int Option), (ElementModP A, ElementModP B)> Products { get; } = [];

        /// <summary>Options whose aggregate cannot be recomputed, with a ballot that prevents it.</summary>
        public ConcurrentDictionary<(int Contest, int Option), string> Unaggregatable { get; } = new();

        public Lock Gate { get; } = new();

        private readonly ConcurrentDictionary<string, string> _texts = new(StringComparer.Ordinal);

        /// <summary>One shared instance of a repeated text (a device name, a state).</summary>
        public string Intern(string text) => _texts.GetOrAdd(text, text);
    }

    private BallotPass VerifyBallots(IReadOnlyList<string> files)
    {
        BallotPass pass = new();
        long done = 0;
        _options.Progress?.Report(new VerificationProgress("encrypted ballots", 0, files.Count));
        ParallelWork.ForEach(
            files,
            _options.Threads,
            file => file,
            () => new Dictionary<(int, int), (ElementModP, ElementModP)>(),
            (file, local) =>
            {
                (NativeBallot ballot, byte[] sha) = _record.ReadBallot(file);
                CheckFileHash(file, sha);
                VerifyBallot(ballot, pass, local);
                _options.Progress?.Report(new VerificationProgress("encrypted ballots", Interlocked.Increment(ref done), files.Count));
                return local;
            },
            local =>
            {
                lock (pass.Gate)
                {
                    foreach (KeyValuePair<(int, int), (ElementModP A, ElementModP B)> entry in local)
                    {
                        pass.Products[entry.Key] = pass.Products.TryGetValue(entry.Key, out (ElementModP A, ElementModP B) sum)
                            ? (sum.A * entry.Value.A, sum.B * entry.Value.B)
                            : entry.Value;
                    }
                }
            });

        return pass;
    }

    private void VerifyBallot(NativeBallot ballot, BallotPass pass, Dictionary<(int, int), (ElementModP, ElementModP)> products)
    {
        StepRecorder step5 = Step("5");
        StepRecorder step6 = Step("6");
        StepRecorder step8 = Step("8");
        StepRecorder step9 = Step("9");
        RecordObject who = RecordObject.ForBallot(ballot.IdHex);
        // Device names and states repeat across ballots: keep one copy of each text per verification.
        pass.Summaries.Add(new ShardBallot(ballot.File, ballot.IdHex, pass.Intern(ballot.Device), pass.Intern(ballot.State), ballot.Style, ballot.ChainingField, ballot.ConfirmationCode, [.. ballot.Contests.Select(c => c.Index)], ballot.PreEncryption is not null));

        // 5.B: H_I = H(H_E; 0x20, id_B) (eq 32).
        step5.Checked();
        using (HashInput input = _math.Input(0x20).AppendBytes(ballot.Id))
        {
            byte[] hi = NativeMath.H(He, input);
            step5.Require(hi.AsSpan().SequenceEqual(ballot.Hi), "5.B", who, $"h_i is {NativeMath.Hex(ballot.Hi)}; H(H_E; 0x20, id_B) is {NativeMath.Hex(hi)}");
        }

        step5.Require(ballot.File == $"ballots/{ballot.IdHex}.json", "5.struct", who, $"the ballot is in {ballot.File}; its file must be ballots/{ballot.IdHex}.json");
        step5.Require(ballot.State is "cast" or "challenged", "5.struct", who, $"unknown state \"{ballot.State}\" (cast or challenged)");
        step9.Require(ballot.Weight >= 1 && ballot.Weight <= Manifest.MaxBallotWeight, "9.struct", who, $"weight {ballot.Weight} is not in 1..{Manifest.MaxBallotWeight} (max_ballot_weight)");

        // Every value of the ballot that must be in Z_p^r, checked as one batch.
        List<byte[]> values = [ballot.BallotNonce.C0];
        foreach (NativeContest contest in ballot.Contests)
        {
            foreach (NativeSelection selection in contest.Selections)
            {
                values.Add(selection.Alpha);
                values.Add(selection.Beta);
            }

            if (contest.ContestData is { } data)
            {
                values.Add(data.C0);
            }
        }

        ElementModP?[] members = _math.Members(values);
        int next = 0;
        ElementModP? nonceC0 = members[next++];
        VerifyBallotNonce(ballot, who, nonceC0);

        if (ballot.Style < 1 || ballot.Style > Manifest.Styles.Count)
        {
            step6.Fail("6.struct", who, $"ballot style {ballot.Style} is not in the manifest (styles 1..{Manifest.Styles.Count})");
        }
        else
        {
            int[] expected = [.. Manifest.Styles[ballot.Style - 1].Contests.Order()];
            int[] found = [.. ballot.Contests.Select(c => c.Index)];
            step6.Require(expected.SequenceEqual(found), "6.struct", who,
                $"the ballot's contests [{string.Join(", ", found)}] are not those of style {ballot.Style} in increasing order [{string.Join(", ", expected)}]");
        }

        List<byte[]> contestHashes = [];
        bool cast = ballot.IsCast && ballot.Weight >= 1;
        foreach (NativeContest contest in ballot.Contests)
        {
            contestHashes.Add(contest.ContestHash);
            int count = (2 * contest.Selections.Count) + (contest.ContestData is null ? 0 : 1);
            ElementModP?[] contestMembers = members[next..(next + count)];
            next += count;
            NativeManifestContest? definition = contest.Index >= 1 && contest.Index <= Manifest.Contests.Count ? Manifest.Contests[contest.Index - 1] : null;
            RecordObject where = who.WithContest(definition?.Label ?? $"#{contest.Index}");
            if (definition is null)
            {
                step6.Fail("6.struct", where, $"contest index {contest.Index} is not in the manifest");
                continue;
            }

            VerifyContest(ballot, contest, definition, where, contestMembers);
            if (cast)
            {
                Aggregate(ballot, contest, definition, contestMembers, pass, products);
            }
        }

        if (ballot.PreEncryption is not null)
        {
            // Its χ and H_C are those of eqs 115–116: steps 15–17 replace step 8 (§4.5).
            VerifyPreEncryptedCast(ballot, who, contestHashes);
            return;
        }

        // 8.B: H_C = H(H_I; 0x29, χ_1, …, χ_mB, B_C) (eq 71), with the ballot's own contest hashes.
        step8.Checked();
        using HashInput code = _math.Input(0x29);
        foreach (byte[] chi in contestHashes)
        {
            code.AppendBytes(chi);
        }

        code.AppendBytes(ballot.ChainingField);
        byte[] hc = NativeMath.H(ballot.Hi, code);
        step8.Require(hc.AsSpan().SequenceEqual(ballot.ConfirmationCode), "8.B", who,
            $"confirmation_code is {NativeMath.Hex(ballot.ConfirmationCode)}; H(H_I; 0x29, χ…, B_C) is {NativeMath.Hex(hc)}");
    }

    /// <summary>
    /// The encrypted ballot nonce C_ξB (§3.3.4): C0 ∈ Z_p^r and its Schnorr proof, c_B = H_q(H_I; 0x23,
    /// g^v_B · C0^c_B, C0, C1) (eq 38). §6.2 letters no check for it (guardians check it before opening
    /// a challenged ballot, §3.6.7); it is part of the ballot's well-formedness, reported as 6.nonce.
    /// </summary>
    private void VerifyBallotNonce(NativeBallot ballot, RecordObject who, ElementModP? c0)
    {
        StepRecorder step = Step("6");
        step.Checked();
        NativeHashedCiphertext nonce = ballot.BallotNonce;
        if (c0 is null)
        {
            step.Fail("6.nonce", who, $"the ballot nonce's C0 {_math.WhyNotMember(nonce.C0)}");
            return;
        }

        ElementModQ? c = _math.Scalar(nonce.C);
        ElementModQ? v = _math.Scalar(nonce.V);
        if (c is null || v is null)
        {
            step.Fail("6.nonce", who, "the ballot nonce's proof (c, v) is not in Z_q");
            return;
        }

        using HashInput input = _math.Input(0x23).Append(_math.GPowTimes(v, c0, c)).AppendBytes(nonce.C0).AppendBytes(nonce.C1);
        byte[] expected = _math.Hq(ballot.Hi, input);
        step.Require(expected.AsSpan().SequenceEqual(nonce.C), "6.nonce", who,
            $"the ballot nonce's challenge is {NativeMath.Hex(nonce.C)}; H_q(H_I; 0x23, g^v·C0^c, C0, C1) is {NativeMath.Hex(expected)}");
    }

    private void VerifyContest(NativeBallot ballot, NativeContest contest, NativeManifestContest definition, RecordObject where, ElementModP?[] members)
    {
        StepRecorder step6 = Step("6");
        StepRecorder step7 = Step("7");
        StepRecorder step8 = Step("8");
        step6.Require(contest.Selections.Count == definition.Options.Count, "6.struct", where,
            $"{contest.Selections.Count} selections; the contest has {definition.Options.Count} options");

        // Step 6 for each selection.
        ElementModP? alphaBar = Group.OneModP;
        ElementModP? betaBar = Group.OneModP;
        for (int j = 0; j < contest.Selections.Count; j++)
        {
            NativeSelection selection = contest.Selections[j];
            NativeManifestOption? option = j < definition.Options.Count ? definition.Options[j] : null;
            RecordObject at = where.WithOption(option?.Label ?? $"#{j + 1}");
            ElementModP? alpha = members[2 * j];
            ElementModP? beta = members[(2 * j) + 1];
            step6.Checked();
            if (alpha is null)
            {
                step6.Fail("6.A", at, $"α {_math.WhyNotMember(selection.Alpha)}");
            }

            if (beta is null)
            {
                step6.Fail("6.A", at, $"β {_math.WhyNotMember(selection.Beta)}");
            }

            alphaBar = alpha is null || alphaBar is null ? null : alphaBar * alpha;
            betaBar = beta is null || betaBar is null ? null : betaBar * beta;
            if (option is null)
            {
                continue;
            }

            if (!step6.Require(selection.Proof.Count == option.Limit + 1, "6.struct", at, $"the range proof has {selection.Proof.Count} (c, v) pairs; R + 1 = {option.Limit + 1}"))
            {
                continue;
            }

            // (6.1)–(6.3) and 6.B–6.D; c = H_q(H_I; 0x24, ind_c, ind_o, α, β, a_0, b_0, …).
            using HashInput input = _math.Input(0x24).Append(contest.Index).Append(option.Index).AppendBytes(selection.Alpha).AppendBytes(selection.Beta);
            VerifyRangeProof(step6, "6", at, selection.Proof, alpha, beta, input, ballot.Hi);
        }

        // Step 7: the contest limit over (ᾱ, β̄) = (Π α_i, Π β_i).
        step7.Checked();
        if (alphaBar is null || betaBar is null)
        {
            step7.Fail("7.A", where, "an α_i or β_i of the contest is not in Z_p^r (see 6.A), so (ᾱ, β̄) cannot be formed");
        }
        else if (step7.Require(contest.LimitProof.Count == definition.Limit + 1, "7.struct", where, $"the limit proof has {contest.LimitProof.Count} (c, v) pairs; L + 1 = {definition.Limit + 1}"))
        {
            using HashInput input = _math.Input(0x24).Append(contest.Index).Append(alphaBar).Append(betaBar);
            VerifyRangeProof(step7, "7", where, contest.LimitProof, alphaBar, betaBar, input, ballot.Hi);
        }

        // Contest data: present exactly when b_Λ > 0, 32·b_Λ bytes, and its proof (eq 69).
        NativeHashedCiphertext? data = contest.ContestData;
        if (ballot.PreEncryption is not null)
        {
            // No contest data on a pre-encrypted ballot (§4.5, E22); χ is checked by step 16.
            step6.Require(data is null, "6.struct", where, "a ballot recorded from a pre-encrypted ballot carries contest data; it has none (§4.5)");
            return;
        }

        if (definition.DataBlocks == 0)
        {
            step6.Require(data is null, "6.struct", where, "the ballot carries contest data but the contest has no contest_data_blocks");
        }
        else if (step6.Require(data is not null, "6.struct", where, $"the contest has contest_data_blocks = {definition.DataBlocks} but the ballot carries no contest data"))
        {
            step6.Require(data!.C1.Length == 32 * definition.DataBlocks, "6.struct", where, $"the contest data's C1 is {data.C1.Length} bytes; 32·b_Λ = {32 * definition.DataBlocks}");
            VerifyContestDataProof(ballot, contest, data, where, members[^1]);
        }

        // 8.A: χ = H(H_I; 0x28, ind_c, α_1, β_1, …, α_m, β_m [, C0, C1, b(c,32) ∥ b(v,32)]) (eq 70, E4, E6, E7).
        step8.Checked();
        byte[] chi = ContestHash(ballot.Hi, contest.Index, contest.Selections.Select(s => (s.Alpha, s.Beta)), data);
        step8.Require(chi.AsSpan().SequenceEqual(contest.ContestHash), "8.A", where,
            $"contest_hash is {NativeMath.Hex(contest.ContestHash)}; H(H_I; 0x28, ind_c, α, β…{(data is null ? "" : ", C0, C1, C2")}) is {NativeMath.Hex(chi)}");
    }

    private byte[] ContestHash(byte[] hi, int index, IEnumerable<(byte[] Alpha, byte[] Beta)> selections, NativeHashedCiphertext? data)
    {
        using HashInput input = _math.Input(0x28).Append(index);
        foreach ((byte[] alpha, byte[] beta) in selections)
        {
            input.AppendBytes(alpha).AppendBytes(beta);
        }

        if (data is not null)
        {
            input.AppendBytes(data.C0).AppendBytes(data.C1).AppendBytes(NativeMath.Pad32(data.C)).AppendBytes(NativeMath.Pad32(data.V));
        }

        return NativeMath.H(hi, input);
    }

    /// <summary>
    /// A compact range proof (eqs 57–62) as steps 6 and 7 check it: a_j = g^v_j · α^c_j,
    /// b_j = K^w_j · β^c_j with w_j = v_j − j·c_j; c = H_q(H_I; input ∥ a_0, b_0, …) must equal Σ c_j.
    /// </summary>
    private void VerifyRangeProof(StepRecorder step, string number, RecordObject at, IReadOnlyList<NativeChallengeResponse> proof, ElementModP? alpha, ElementModP? beta, HashInput input, byte[] hi)
    {
        string letterC = number == "6" ? "6.B" : "7.B";
        string letterV = number == "6" ? "6.C" : "7.C";
        string letterSum = number == "6" ? "6.D" : "7.D";
        ElementModQ[] c = new ElementModQ[proof.Count];
        ElementModQ[] v = new ElementModQ[proof.Count];
        bool valid = alpha is not null && beta is not null;
        for (int j = 0; j < proof.Count; j++)
        {
            ElementModQ? cj = _math.Scalar(proof[j].C);
            ElementModQ? vj = _math.Scalar(proof[j].V);
            if (cj is null)
            {
                valid = false;
                step.Fail(letterC, at, $"c_{j} is not in Z_q");
            }

            if (vj is null)
            {
                valid = false;
                step.Fail(letterV, at, $"v_{j} is not in Z_q");
            }

            c[j] = cj!;
            v[j] = vj!;
        }

        if (!valid)
        {
            return;
        }

        ElementModQ sum = Group.ZeroModQ;
        foreach (ElementModP commitment in _math.RangeCommitments(alpha!, beta!, c, v))
        {
            input.Append(commitment);
        }

        for (int j = 0; j < proof.Count; j++)
        {
            sum += c[j];
        }

        byte[] expected = _math.Hq(hi, input);
        step.Require(expected.AsSpan().SequenceEqual(sum.Encode()), letterSum, at,
            $"Σ c_j mod q is {sum.ToHex()}; the challenge H_q(H_I; 0x24, …, a_j, b_j…) is {NativeMath.Hex(expected)}");
    }

    /// <summary>The contest data's Schnorr proof, c = H_q(H_I; 0x27, ind_c, g^v · C0^c, C0, C1) (eq 69), reported as 6.data.</summary>
    private void VerifyContestDataProof(NativeBallot ballot, NativeContest contest, NativeHashedCiphertext data, RecordObject where, ElementModP? c0)
    {
        StepRecorder step = Step("6");
        step.Checked();
        if (c0 is null)
        {
            step.Fail("6.data", where, $"the contest data's C0 {_math.WhyNotMember(data.C0)}");
            return;
        }

        ElementModQ? c = _math.Scalar(data.C);
        ElementModQ? v = _math.Scalar(data.V);
        if (c is null || v is null)
        {
            step.Fail("6.data", where, "the contest data's proof (c, v) is not in Z_q");
            return;
        }

        using HashInput input = _math.Input(0x27).Append(contest.Index).Append(_math.GPowTimes(v, c0, c)).AppendBytes(data.C0).AppendBytes(data.C1);
        byte[] expected = _math.Hq(ballot.Hi, input);
        step.Require(expected.AsSpan().SequenceEqual(data.C), "6.data", where,
            $"the contest data's challenge is {NativeMath.Hex(data.C)}; H_q(H_I; 0x27, ind_c, g^v·C0^c, C0, C1) is {NativeMath.Hex(expected)}");
    }

    /// <summary>Adds a cast ballot's (α^W, β^W) to the thread's products (eq 79, §3.5).</summary>
    private static void Aggregate(NativeBallot ballot, NativeContest contest, NativeManifestContest definition, ElementModP?[] members, BallotPass pass, Dictionary<(int, int), (ElementModP, ElementModP)> products)
    {
        for (int j = 0; j < contest.Selections.Count && j < definition.Options.Count; j++)
        {
            (int, int) key = (contest.Index, j + 1);
            ElementModP? alpha = members[2 * j];
            ElementModP? beta = members[(2 * j) + 1];
            if (alpha is null || beta is null)
            {
                // The smallest blocking id is named, so that the report does not depend on thread or shard order.
                pass.Unaggregatable.AddOrUpdate(key, ballot.IdHex, (_, have) => string.CompareOrdinal(ballot.IdHex, have) < 0 ? ballot.IdHex : have);
                continue;
            }

            if (ballot.Weight > 1)
            {
                alpha = alpha.Pow(ballot.Weight);
                beta = beta.Pow(ballot.Weight);
            }

            products[key] = products.TryGetValue(key, out (ElementModP A, ElementModP B) sum) ? (sum.A * alpha, sum.B * beta) : (alpha, beta);
        }
    }

    // ---------------------------------------------------------------- step 5.A and the ballot set

    /// <summary>
    /// The checks that need every ballot, by the partitions of <see cref="BallotPass.Index"/> (5.A, the ballots'
    /// side of step 8, 9.struct's cast ballots): their failures go to their steps here, the counts to the steps below.
    /// </summary>
    private void ResolveWholeRecord(BallotPass pass)
    {
        List<DeviceStart> starts = [];
        for (int order = 0; order < _record.Devices.Count; order++)
        {
            NativeDevice device = _record.Devices[order];
            if (device.ChainingMode == "none")
            {
                starts.Add(new DeviceStart(order, device.Device, false, NativeMath.ChainingField(0, device.Hdi)));
            }
            else
            {
                starts.Add(new DeviceStart(order, device.Device, true, ChainStart(device)));
            }
        }

        pass.Whole = pass.Index.Resolve(new WholeRecordQuery(_record.Devices, starts, _record.EncryptedTally.Ballots));
        foreach (PartitionFailure failure in pass.Whole.Failures)
        {
            Step(failure.Step).Fail(failure.Check, failure.Subject, failure.Detail);
        }

        Step("8").Checked(pass.Whole.DeviceChecked);
    }

    /// <summary>8.F: H_0 = H(H_E; 0x29, B_C,0), B_C,0 = 0x00000001 ∥ H_DI (eqs 74–75).</summary>
    private byte[] ChainStart(NativeDevice device)
    {
        using HashInput input = _math.Input(0x29).AppendBytes(NativeMath.ChainingField(1, device.Hdi));
        return NativeMath.H(He, input);
    }

    private void VerifyIdentifiers(BallotPass pass)
    {
        StepRecorder step = Step("5");
        // 5.A (no two submitted ballots share id_B) is the ballot partitions' (ResolveWholeRecord).
        long cast = pass.Whole.Cast;
        long challenged = pass.Whole.Challenged;
        RecordObject header = RecordObject.ForFile("record.json");
        step.Require(cast == _record.Header.BallotsCast, "5.struct", header, $"ballots_cast is {_record.Header.BallotsCast}; the record holds {cast} cast ballots");
        step.Require(challenged == _record.Header.BallotsChallenged, "5.struct", header, $"ballots_challenged is {_record.Header.BallotsChallenged}; the record holds {challenged} challenged ballots");
    }

    // ---------------------------------------------------------------- step 8 per device

    private void VerifyDevices(BallotPass pass)
    {
        StepRecorder step = Step("8");
        // The ballots of each chain (8.D–8.F, listed twice, not in the record, listed by no device) are checked by the
        // partitions (ResolveWholeRecord); here what concerns each device file, and 8.G with the chain's last H_C.
        for (int order = 0; order < _record.Devices.Count; order++)
        {
            NativeDevice device = _record.Devices[order];
            RecordObject where = RecordObject.ForDevice(device.Device) with { File = device.File };
            step.Checked();
            step.Require(device.File == $"devices/{device.Device}.json", "8.struct", where, $"the device's file must be devices/{device.Device}.json");
            step.Require(device.ChainingMode == Manifest.ChainingMode, "8.struct", where, $"chaining_mode is \"{device.ChainingMode}\"; the manifest says \"{Manifest.ChainingMode}\"");

            // 8.C: H_DI = H(H_E; 0x2A, b(len,4) ∥ S_device) (eq 72).
            using (HashInput input = _math.Input(0x2A).AppendString(device.SDevice))
            {
                byte[] hdi = NativeMath.H(He, input);
                step.Require(hdi.AsSpan().SequenceEqual(device.Hdi), "8.C", where, $"h_di is {NativeMath.Hex(device.Hdi)}; H(H_E; 0x2A, S_device) is {NativeMath.Hex(hdi)}");
            }

            if (device.ChainingMode == "simple")
            {
                // 8.G: B̄_C = 0x00000001 ∥ H(H_E; 0x2B, H_ℓ, B_C,0), closing H = H(H_E; 0x29, B̄_C) (eqs 77–78).
                step.Checked();
                byte[] start = NativeMath.ChainingField(1, device.Hdi);
                byte[] previous = pass.Whole.Last.TryGetValue(order, out byte[]? last) ? last : ChainStart(device);
                byte[] inner;
                using (HashInput input = _math.Input(0x2B).AppendBytes(previous).AppendBytes(start))
                {
                    inner = NativeMath.H(He, input);
                }

                using HashInput outer = _math.Input(0x29).AppendBytes(NativeMath.ChainingField(1, inner));
                byte[] closing = NativeMath.H(He, outer);
                if (device.ClosingHash is null)
                {
                    step.Fail("8.G", where, "the device uses simple chaining but publishes no closing_hash");
                }
                else
                {
                    step.Require(closing.AsSpan().SequenceEqual(device.ClosingHash), "8.G", where,
                        $"closing_hash is {NativeMath.Hex(device.ClosingHash)}; H(H_E; 0x29, 0x00000001 ∥ H(H_E; 0x2B, H_ℓ, B_C,0)) is {NativeMath.Hex(closing)}");
                }
            }
            else
            {
                step.Require(device.ClosingHash is null, "8.struct", where, "closing_hash is present but the device does not chain");
            }
        }
    }
}
