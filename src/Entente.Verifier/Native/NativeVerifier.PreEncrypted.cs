using System.Globalization;
using Entente.Cryptography;
using Entente.Verifier.Framework;

namespace Entente.Verifier.Native;

/// <summary>
/// Steps 15–19 (spec 2.1 §4.5, §6.2.8) on the pre-encrypted ballots of a revision-4 record (docs/record-format.md
/// §4.7.1, §4.13): cast ones in <c>ballots/</c> with a <c>pre_encryption</c> member, uncast ones in <c>uncast/</c>.
/// Every failure names the ballot, the contest and the short code (as the option of its record object). The
/// errata decisions E16–E23 of the format document are applied: V18 rebuilds all m + L vectors, and the short code
/// listed beside an option of an uncast ballot must be Ω of the hash of the vector that encrypts that option.
/// </summary>
public sealed partial class NativeVerifier
{
    private const string StepsFifteenToNineteenNote =
        "The record has no pre-encrypted ballots (no ballots/ file with pre_encryption, no uncast/ folder), so steps 15–19 have nothing to check.";

    /// <summary>Ω of spec §4.6 by the name the record gives it (E19), or null for an unknown name.</summary>
    internal static string? ShortCode(string format, ReadOnlySpan<byte> psi)
    {
        int last = psi[^1];
        switch (format)
        {
            case "letter-digit":
                return string.Create(CultureInfo.InvariantCulture, $"{(char)('A' + (last / 10))}{last % 10}");
            case "digit-letter":
                return string.Create(CultureInfo.InvariantCulture, $"{last / 26}{(char)('A' + (last % 26))}");
            case "number-0":
            case "number-1":
            case "number-100":
            case "number-101":
                return (last + int.Parse(format.AsSpan(7), CultureInfo.InvariantCulture)).ToString(CultureInfo.InvariantCulture);
        }

        if (format.StartsWith("hex", StringComparison.Ordinal) && int.TryParse(format.AsSpan(3), NumberStyles.None, CultureInfo.InvariantCulture, out int digits)
            && digits is >= 2 and <= 16 && digits % 2 == 0 && format == "hex" + digits.ToString(CultureInfo.InvariantCulture))
        {
            return Convert.ToHexString(psi[^(digits / 2)..]);
        }

        return null;
    }

    /// <summary>ψ = H(H_I; 0x40, α_1, β_1, …, α_m, β_m) (eq 113).</summary>
    private byte[] SelectionHash(byte[] hi, IEnumerable<(byte[] Alpha, byte[] Beta)> vector)
    {
        using HashInput input = _math.Input(0x40);
        foreach ((byte[] alpha, byte[] beta) in vector)
        {
            input.AppendBytes(alpha).AppendBytes(beta);
        }

        return NativeMath.H(hi, input);
    }

    /// <summary>χ = H(H_I; 0x41, ind_c, ψ_π(1), …, ψ_π(m+L)) over hashes already in the order to hash (eq 115).</summary>
    private byte[] PreContestHash(byte[] hi, int index, IEnumerable<byte[]> sortedHashes)
    {
        using HashInput input = _math.Input(0x41).Append(index);
        foreach (byte[] psi in sortedHashes)
        {
            input.AppendBytes(psi);
        }

        return NativeMath.H(hi, input);
    }

    /// <summary>H_C = H(H_I; 0x42, χ_1, …, χ_mB, B_C) (eq 116).</summary>
    private byte[] PreConfirmationCode(byte[] hi, IEnumerable<byte[]> contestHashes, byte[] chainingField)
    {
        using HashInput input = _math.Input(0x42);
        foreach (byte[] chi in contestHashes)
        {
            input.AppendBytes(chi);
        }

        return NativeMath.H(hi, input.AppendBytes(chainingField));
    }

    /// <summary>16.D (H_DI = H(H_E; 0x43, S_device), eq 119) and 16.E (B_C = 0x00000000 ∥ H_DI: never chained, E18).</summary>
    private void VerifyPreDevice(RecordObject who, string sDevice, byte[] hdi, byte[] chainingField)
    {
        StepRecorder step = Step("16");
        step.Checked();
        using (HashInput input = _math.Input(0x43).AppendString(sDevice))
        {
            byte[] expected = NativeMath.H(He, input);
            step.Require(expected.AsSpan().SequenceEqual(hdi), "16.D", who, $"h_di is {NativeMath.Hex(hdi)}; H(H_E; 0x43, S_device) is {NativeMath.Hex(expected)}");
        }

        byte[] field = NativeMath.ChainingField(0, hdi);
        step.Require(field.AsSpan().SequenceEqual(chainingField), "16.E", who,
            $"chaining_field is {NativeMath.Hex(chainingField)}; a pre-encrypted ballot's is 0x00000000 ∥ H_DI = {NativeMath.Hex(field)} (E18)");
    }

    private static bool StrictlyIncreasing(IReadOnlyList<byte[]> hashes)
    {
        for (int i = 1; i < hashes.Count; i++)
        {
            if (hashes[i - 1].AsSpan().SequenceCompareTo(hashes[i]) >= 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Steps 15–17 on a cast ballot recorded from a pre-encrypted ballot; <paramref name="contestHashes"/> are its χ in order.</summary>
    private void VerifyPreEncryptedCast(NativeBallot ballot, RecordObject who, List<byte[]> contestHashes)
    {
        NativePreEncryption pre = ballot.PreEncryption!;
        StepRecorder step6 = Step("6");
        StepRecorder step15 = Step("15");
        StepRecorder step16 = Step("16");
        StepRecorder step17 = Step("17");
        step16.Require(ballot.IsCast && ballot.Weight == 1, "16.struct", who, $"a ballot recorded from a pre-encrypted ballot is cast with weight 1; this one is {ballot.State} with weight {ballot.Weight}");
        VerifyPreDevice(who, pre.SDevice, pre.Hdi, ballot.ChainingField);
        if (ShortCode(pre.ShortCodeFormat, new byte[32]) is null)
        {
            step17.Fail("17.struct", who, $"short_code_format \"{pre.ShortCodeFormat}\" is not a hash-trimming function of §4.6 (E19)");
        }

        if (!step16.Require(pre.Contests.Select(c => c.Index).SequenceEqual(ballot.Contests.Select(c => c.Index)), "16.struct", who,
            $"pre_encryption lists contests [{string.Join(", ", pre.Contests.Select(c => c.Index))}]; the ballot has [{string.Join(", ", ballot.Contests.Select(c => c.Index))}]"))
        {
            return;
        }

        for (int c = 0; c < pre.Contests.Count; c++)
        {
            NativePreContest contest = pre.Contests[c];
            NativeContest encrypted = ballot.Contests[c];
            if (contest.Index < 1 || contest.Index > Manifest.Contests.Count)
            {
                continue; // reported by step 6
            }

            NativeManifestContest definition = Manifest.Contests[contest.Index - 1];
            int m = definition.Options.Count;
            long limit = definition.Limit;
            RecordObject where = who.WithContest(definition.Label);

            // 16.B: χ from the m + L sorted selection hashes (eq 115).
            step16.Checked();
            step16.Require(contest.SelectionHashes.Count == m + limit && StrictlyIncreasing(contest.SelectionHashes), "16.B", where,
                $"{contest.SelectionHashes.Count} selection hashes; m + L = {m + limit} are required, in strictly increasing order");
            byte[] chi = PreContestHash(ballot.Hi, contest.Index, contest.SelectionHashes);
            step16.Require(chi.AsSpan().SequenceEqual(encrypted.ContestHash), "16.B", where,
                $"contest_hash is {NativeMath.Hex(encrypted.ContestHash)}; H(H_I; 0x41, ind_c, ψ sorted) is {NativeMath.Hex(chi)}");

            step15.Checked();
            step15.Require(contest.Selected.Count == limit, "15.struct", where, $"{contest.Selected.Count} selected vectors; L = {limit} are required (marks completed with null vectors, E23)");
            HashSet<string> seenHashes = new(StringComparer.Ordinal);
            HashSet<string> seenCodes = new(StringComparer.Ordinal);
            ElementModP?[] products = [.. Enumerable.Range(0, 2 * m).Select(_ => (ElementModP?)Group.OneModP)];
            bool complete = true;
            foreach (NativePreSelected selected in contest.Selected)
            {
                RecordObject at = where.WithOption("short code " + selected.ShortCode);
                if (!step16.Require(selected.Vector.Count == m, "16.struct", at, $"the vector has {selected.Vector.Count} encryptions; m = {m}"))
                {
                    complete = false;
                    continue;
                }

                // 6.A for the encryptions of the pre-encryption vector (§4.5: step 6 covers them).
                step6.Checked();
                ElementModP?[] members = _math.Members([.. selected.Vector.SelectMany(e => new[] { e.Alpha, e.Beta })]);
                for (int k = 0; k < 2 * m; k++)
                {
                    if (members[k] is null)
                    {
                        step6.Fail("6.A", at, $"{(k % 2 == 0 ? "α" : "β")}_{(k / 2) + 1} of the vector {_math.WhyNotMember(k % 2 == 0 ? selected.Vector[k / 2].Alpha : selected.Vector[k / 2].Beta)}");
                    }

                    products[k] = members[k] is null || products[k] is null ? null : products[k]! * members[k]!;
                }

                // 16.A: the vector's ψ (eq 113) is one of the contest's selection hashes, never twice.
                step16.Checked();
                byte[] psi = SelectionHash(ballot.Hi, selected.Vector.Select(e => (e.Alpha, e.Beta)));
                step16.Require(contest.SelectionHashes.Any(h => h.AsSpan().SequenceEqual(psi)), "16.A", at,
                    $"the vector hashes to ψ = {NativeMath.Hex(psi)}, which is not among the contest's selection hashes");
                step16.Require(seenHashes.Add(NativeMath.Hex(psi)), "16.A", at, "the same vector is selected twice");

                // 17.A: ω = Ω(ψ); short codes distinct within the contest (§4.1.5).
                step17.Checked();
                string? omega = ShortCode(pre.ShortCodeFormat, psi);
                step17.Require(omega is null || omega == selected.ShortCode, "17.A", at, $"Ω(ψ) is {omega}, not the published short code {selected.ShortCode}");
                step17.Require(seenCodes.Add(selected.ShortCode), "17.A", at, "the short code appears twice in the contest");
            }

            // 15.A: the ballot's selection vector is the componentwise product of the selected vectors.
            if (!complete || encrypted.Selections.Count != m)
            {
                continue;
            }

            for (int k = 0; k < m; k++)
            {
                NativeManifestOption option = definition.Options[k];
                if (products[2 * k] is not { } alpha || products[(2 * k) + 1] is not { } beta)
                {
                    step15.Fail("15.A", where.WithOption(option.Label), "a ciphertext of a selected vector is not in Z_p^r (see 6.A), so the product cannot be formed");
                    continue;
                }

                step15.Require(alpha.Encode().AsSpan().SequenceEqual(encrypted.Selections[k].Alpha) && beta.Encode().AsSpan().SequenceEqual(encrypted.Selections[k].Beta), "15.A", where.WithOption(option.Label),
                    $"the selection (α, β) is not the product of the selected vectors' encryptions of this option (short codes {string.Join(", ", contest.Selected.Select(s => s.ShortCode))})");
            }
        }

        // 16.C: H_C from the ballot's χ (eq 116).
        step16.Checked();
        byte[] hc = PreConfirmationCode(ballot.Hi, contestHashes, ballot.ChainingField);
        step16.Require(hc.AsSpan().SequenceEqual(ballot.ConfirmationCode), "16.C", who,
            $"confirmation_code is {NativeMath.Hex(ballot.ConfirmationCode)}; H(H_I; 0x42, χ…, B_C) is {NativeMath.Hex(hc)}");
    }

    /// <summary>Steps 5, 16–19 on every file of <c>uncast/</c> (§4.13).</summary>
    private void VerifyUncast(BallotPass pass)
    {
        IReadOnlyList<string> files = _record.UncastFiles;
        if (files.Count == 0 && pass.Whole.PreEncrypted == 0)
        {
            foreach (string number in new[] { "15", "16", "17", "18", "19" })
            {
                Step(number).Note(StepsFifteenToNineteenNote);
            }

            return;
        }

        HashSet<string> uncastIds = new(StringComparer.Ordinal);
        Lock gate = new();
        ForEachFile(files, "uncast pre-encrypted ballots", file =>
        {
            (NativeUncast ballot, byte[] sha) = _record.ReadUncast(file);
            CheckFileHash(file, sha);
            RecordObject who = RecordObject.ForBallot(ballot.IdHex) with { File = file };
            StepRecorder step5 = Step("5");
            step5.Checked();
            step5.Require(file == $"uncast/{ballot.IdHex}.json", "5.struct", who, $"the uncast ballot is in {file}; its file must be uncast/{ballot.IdHex}.json");
            bool known = pass.Index.Lookup([ballot.IdHex]).ContainsKey(ballot.IdHex);
            lock (gate)
            {
                step5.Require(!known && uncastIds.Add(ballot.IdHex), "5.A", who, "id_B is also used by another ballot (cast, challenged or uncast): a ballot is cast or uncast, never both");
            }

            using (HashInput input = _math.Input(0x20).AppendBytes(ballot.Id))
            {
                byte[] hi = NativeMath.H(He, input);
                step5.Require(hi.AsSpan().SequenceEqual(ballot.Hi), "5.B", who, $"h_i is {NativeMath.Hex(ballot.Hi)}; H(H_E; 0x20, id_B) is {NativeMath.Hex(hi)}");
            }

            VerifyUncastBallot(ballot, who);
        });
    }

    private void VerifyUncastBallot(NativeUncast ballot, RecordObject who)
    {
        StepRecorder step17 = Step("17");
        StepRecorder step18 = Step("18");
        StepRecorder step19 = Step("19");
        VerifyPreDevice(who, ballot.SDevice, ballot.Hdi, ballot.ChainingField);
        if (ShortCode(ballot.ShortCodeFormat, new byte[32]) is null)
        {
            step17.Fail("17.struct", who, $"short_code_format \"{ballot.ShortCodeFormat}\" is not a hash-trimming function of §4.6 (E19)");
        }

        // 19.A–B: the contests are exactly those of the style, by label.
        step19.Checked();
        if (ballot.Style < 1 || ballot.Style > Manifest.Styles.Count)
        {
            step19.Fail("19.A", who, $"ballot style {ballot.Style} is not in the manifest (styles 1..{Manifest.Styles.Count})");
            return;
        }

        int[] expected = [.. Manifest.Styles[ballot.Style - 1].Contests.Order()];
        foreach (NativeUncastContest contest in ballot.Contests)
        {
            step19.Require(expected.Contains(contest.Index) && Manifest.Contests[contest.Index - 1].Label == contest.Label, "19.A", who.WithContest(contest.Label),
                $"contest {contest.Index} labelled \"{contest.Label}\" is not a contest of style {ballot.Style} with that label");
        }

        foreach (int index in expected.Where(i => !ballot.Contests.Any(c => c.Index == i)))
        {
            step19.Fail("19.B", who.WithContest(Manifest.Contests[index - 1].Label), $"the style's contest {index} is not on the uncast ballot");
        }

        step18.Require(ballot.Contests.Select(c => c.Index).SequenceEqual(ballot.Contests.Select(c => c.Index).Order()), "18.struct", who, "the contests are not in increasing index order");
        List<byte[]> contestHashes = [];
        foreach (NativeUncastContest contest in ballot.Contests)
        {
            contestHashes.Add(contest.ContestHash);
            if (contest.Index < 1 || contest.Index > Manifest.Contests.Count)
            {
                continue;
            }

            NativeManifestContest definition = Manifest.Contests[contest.Index - 1];
            int m = definition.Options.Count;
            RecordObject where = who.WithContest(definition.Label);

            // 19.C–D: option labels, every option once, in order; null vectors carry no label.
            step19.Checked();
            for (int j = 0; j < contest.Selections.Count; j++)
            {
                NativeUncastSelection selection = contest.Selections[j];
                string? label = j < m ? definition.Options[j].Label : null;
                step19.Require(selection.Label == label, "19.C", where.WithOption($"{selection.Label ?? "null vector"} (short code {selection.ShortCode})"),
                    label is null ? $"vector {j + 1} is a null vector and has no option label" : $"vector {j + 1} must be option \"{label}\"");
            }

            foreach (NativeManifestOption missing in definition.Options.Where(o => !contest.Selections.Any(s => s.Label == o.Label)))
            {
                step19.Fail("19.D", where.WithOption(missing.Label), "the option is not on the uncast ballot");
            }

            if (!step18.Require(contest.Selections.Count == m + definition.Limit && contest.Selections.Select(s => s.Index).SequenceEqual(Enumerable.Range(1, contest.Selections.Count)), "18.struct", where,
                $"{contest.Selections.Count} vectors; m + L = {m + definition.Limit} are required, numbered 1.. in order (E16)"))
            {
                continue;
            }

            // 18.1–18.3 for all m + L vectors (E16): α = g^ξ, β = K^(δ+ξ), ψ; 17.A: Ω(ψ) beside its option (E17).
            List<byte[]> hashes = [];
            HashSet<string> codes = new(StringComparer.Ordinal);
            foreach (NativeUncastSelection selection in contest.Selections)
            {
                RecordObject at = where.WithOption($"{selection.Label ?? "null vector " + (selection.Index - m).ToString(CultureInfo.InvariantCulture)} (short code {selection.ShortCode})");
                step18.Checked();
                if (!step18.Require(selection.Nonces.Count == m, "18.struct", at, $"{selection.Nonces.Count} nonces; m = {m}"))
                {
                    hashes.Add(selection.SelectionHash);
                    continue;
                }

                List<(byte[] Alpha, byte[] Beta)> vector = [];
                bool valid = true;
                for (int k = 1; k <= m; k++)
                {
                    ElementModQ? xi = _math.Scalar(selection.Nonces[k - 1]);
                    if (xi is null)
                    {
                        step18.Fail("18.1", at, $"nonce {k} is not in Z_q");
                        valid = false;
                        break;
                    }

                    vector.Add((_math.GPow(xi).Encode(), _math.K!.Pow(xi + _math.Small(selection.Index == k ? 1 : 0)).Encode()));
                }

                if (!valid)
                {
                    hashes.Add(selection.SelectionHash);
                    continue;
                }

                byte[] psi = SelectionHash(ballot.Hi, vector);
                hashes.Add(psi);
                step18.Require(psi.AsSpan().SequenceEqual(selection.SelectionHash), "18.3", at,
                    $"the vector rebuilt from the nonces hashes to {NativeMath.Hex(psi)}; selection_hash is {NativeMath.Hex(selection.SelectionHash)}");
                step17.Checked();
                string? omega = ShortCode(ballot.ShortCodeFormat, psi);
                step17.Require(omega is null || omega == selection.ShortCode, "17.A", at,
                    $"Ω(ψ) of this vector is {omega}: the short code {selection.ShortCode} printed beside it belongs to another vector (E17)");
                step17.Require(codes.Add(selection.ShortCode), "17.A", at, "the short code appears twice in the contest");
            }

            // 18.4: χ from the rebuilt hashes, sorted.
            hashes.Sort((a, b) => a.AsSpan().SequenceCompareTo(b));
            byte[] chi = PreContestHash(ballot.Hi, contest.Index, hashes);
            step18.Require(chi.AsSpan().SequenceEqual(contest.ContestHash), "18.4", where,
                $"contest_hash is {NativeMath.Hex(contest.ContestHash)}; from the rebuilt vectors it is {NativeMath.Hex(chi)}");
        }

        // 18.A: H_C (eq 116) from the contest hashes.
        step18.Checked();
        byte[] hc = PreConfirmationCode(ballot.Hi, contestHashes, ballot.ChainingField);
        step18.Require(hc.AsSpan().SequenceEqual(ballot.ConfirmationCode), "18.A", who,
            $"confirmation_code is {NativeMath.Hex(ballot.ConfirmationCode)}; H(H_I; 0x42, χ…, B_C) is {NativeMath.Hex(hc)}");
    }
}
