using System.Collections.Concurrent;
using System.Globalization;
using Entente.Cryptography;
using Entente.Verifier.Framework;

namespace Entente.Verifier.Native;

public sealed partial class NativeVerifier
{
    // ---------------------------------------------------------------- steps 13, 14

    private void VerifyChallenged(BallotPass pass)
    {
        StepRecorder step13 = Step("13");
        // The challenged ballots (a small part of the record) come from the ballot partitions; any other id an
        // opening names is looked up there.
        IReadOnlyDictionary<string, string> challenged = pass.Whole.ChallengedBallots;

        ConcurrentDictionary<string, int> opened = new(StringComparer.Ordinal);
        IReadOnlyList<string> files = _record.OpeningFiles;
        ForEachFile(files, "challenged ballots", file =>
        {
            (NativeOpening opening, byte[] sha) = _record.ReadOpening(file);
            CheckFileHash(file, sha);
            string id = NativeMath.Hex(opening.Id);
            RecordObject who = RecordObject.ForBallot(id) with { File = file };
            opened.AddOrUpdate(id, 1, (_, n) => n + 1);
            step13.Require(file == $"challenged/{id}.json", "13.struct", who, $"the opening of ballot {id} must be challenged/{id}.json");
            if (!challenged.TryGetValue(id, out string? ballotFile))
            {
                step13.Fail("13.struct", who, pass.Index.Lookup([id]).ContainsKey(id) ? "an opening is published for a ballot that was cast, not challenged" : "an opening is published for a ballot that is not in the record");
            }
            else
            {
                (NativeBallot ballot, _) = _record.ReadBallot(ballotFile);
                VerifyOpening(ballot, opening, who);
            }
        });

        foreach (string id in challenged.Keys.Order(StringComparer.Ordinal))
        {
            int count = opened.GetValueOrDefault(id);
            step13.Require(count == 1, "13.struct", RecordObject.ForBallot(id),
                count == 0 ? "the challenged ballot has no opening in challenged/" : $"the challenged ballot has {count} openings");
        }
    }

    private void VerifyOpening(NativeBallot ballot, NativeOpening opening, RecordObject who)
    {
        StepRecorder step13 = Step("13");
        StepRecorder step14 = Step("14");
        step13.Checked();
        step14.Checked();
        NativeBallotStyle? style = ballot.Style >= 1 && ballot.Style <= Manifest.Styles.Count ? Manifest.Styles[ballot.Style - 1] : null;
        if (style is null)
        {
            step14.Fail("14.A", who, $"the ballot's style {ballot.Style} is not in the manifest");
            return;
        }

        // 14.A: every opened contest is a contest of the ballot's style; 14.B: every contest of the style appears.
        foreach (NativeOpenedContest contest in opening.Contests)
        {
            NativeManifestContest? definition = contest.Index >= 1 && contest.Index <= Manifest.Contests.Count ? Manifest.Contests[contest.Index - 1] : null;
            step14.Require(definition is not null && definition.Label == contest.Label && style.Contests.Contains(contest.Index), "14.A", who.WithContest(contest.Label),
                $"contest {contest.Index} \"{contest.Label}\" is not a contest of ballot style \"{style.Label}\" in the manifest");
        }

        foreach (int index in style.Contests.Where(i => opening.Contests.Count(c => c.Index == i) != 1))
        {
            step14.Fail("14.B", who.WithContest(Manifest.Contests[index - 1].Label), $"the contest of style \"{style.Label}\" does not appear exactly once in the opening");
        }

        List<byte[]> contestHashes = [];
        foreach (NativeContest encrypted in ballot.Contests)
        {
            NativeOpenedContest? contest = opening.Contests.FirstOrDefault(c => c.Index == encrypted.Index);
            NativeManifestContest? definition = encrypted.Index >= 1 && encrypted.Index <= Manifest.Contests.Count ? Manifest.Contests[encrypted.Index - 1] : null;
            if (contest is null || definition is null)
            {
                // 13.B then uses the published contest hash (the spec's RLA case: a contest not decrypted).
                contestHashes.Add(encrypted.ContestHash);
                if (definition is not null)
                {
                    step13.Fail("13.struct", who.WithContest(definition.Label), "the ballot's contest is not opened");
                }

                continue;
            }

            RecordObject where = who.WithContest(definition.Label);
            contestHashes.Add(VerifyOpenedContest(ballot, encrypted, contest, definition, where));
        }

        // 13.B: H_C = H(H_I; 0x29, χ_1, …, χ_mB, B_C) from the recomputed contest hashes.
        using HashInput input = _math.Input(0x29);
        foreach (byte[] chi in contestHashes)
        {
            input.AppendBytes(chi);
        }

        byte[] hc = NativeMath.H(ballot.Hi, input.AppendBytes(ballot.ChainingField));
        step13.Require(hc.AsSpan().SequenceEqual(ballot.ConfirmationCode), "13.B", who,
            $"the confirmation code recomputed from the opened selections is {NativeMath.Hex(hc)}; the ballot's is {NativeMath.Hex(ballot.ConfirmationCode)}");
    }

    /// <summary>(13.1)–(13.7), 13.A and 14.C–14.F for one contest; returns the recomputed χ (13.3).</summary>
    private byte[] VerifyOpenedContest(NativeBallot ballot, NativeContest encrypted, NativeOpenedContest contest, NativeManifestContest definition, RecordObject where)
    {
        StepRecorder step13 = Step("13");
        StepRecorder step14 = Step("14");

        // 14.C: every option label is one of the contest's; 14.D: every option of the contest appears.
        foreach (NativeOpenedSelection selection in contest.Selections)
        {
            NativeManifestOption? option = selection.Index >= 1 && selection.Index <= definition.Options.Count ? definition.Options[selection.Index - 1] : null;
            step14.Require(option is not null && option.Label == selection.Label, "14.C", where.WithOption(selection.Label),
                $"option {selection.Index} \"{selection.Label}\" is not an option of the contest in the manifest");
        }

        foreach (NativeManifestOption option in definition.Options.Where(o => contest.Selections.Count(s => s.Index == o.Index) != 1))
        {
            step14.Fail("14.D", where.WithOption(option.Label), "the manifest's option does not appear exactly once in the opened contest");
        }

        // 14.E: 0 ≤ σ ≤ R; 14.F: Σ σ ≤ L.
        long sum = 0;
        foreach (NativeOpenedSelection selection in contest.Selections)
        {
            NativeManifestOption? option = selection.Index >= 1 && selection.Index <= definition.Options.Count ? definition.Options[selection.Index - 1] : null;
            if (option is not null)
            {
                step14.Require(selection.Value <= option.Limit, "14.E", where.WithOption(option.Label), string.Create(CultureInfo.InvariantCulture, $"σ = {selection.Value} is more than the option limit R = {option.Limit}"));
            }

            sum += selection.Value;
        }

        step14.Require(sum <= definition.Limit, "14.F", where, string.Create(CultureInfo.InvariantCulture, $"the selections sum to {sum}, more than the contest limit L = {definition.Limit}"));

        // (13.1), (13.2): α = g^ξ, β = K^(σ+ξ); each must equal the ballot's (E9).
        List<(byte[] Alpha, byte[] Beta)> recomputed = [];
        for (int j = 0; j < encrypted.Selections.Count; j++)
        {
            NativeSelection published = encrypted.Selections[j];
            NativeOpenedSelection? selection = contest.Selections.FirstOrDefault(s => s.Index == j + 1);
            string label = j < definition.Options.Count ? definition.Options[j].Label : $"#{j + 1}";
            RecordObject at = where.WithOption(label);
            ElementModQ? nonce = selection is null ? null : _math.Scalar(selection.Nonce);
            if (selection is null || nonce is null || selection.Value >= Group.Q)
            {
                step13.Fail("13.struct", at, selection is null ? "the option is not opened" : "the nonce ξ is not in Z_q or σ is not less than q");
                recomputed.Add((published.Alpha, published.Beta));
                continue;
            }

            byte[] alpha = _math.GPow(nonce).Encode();
            byte[] beta = _math.K!.Pow(nonce + _math.Small(selection.Value)).Encode();
            step13.Require(alpha.AsSpan().SequenceEqual(published.Alpha), "13.1", at, "g^ξ differs from the ballot's α: the nonce does not belong to this selection");
            step13.Require(beta.AsSpan().SequenceEqual(published.Beta), "13.2", at, string.Create(CultureInfo.InvariantCulture, $"K^(σ+ξ) with σ = {selection.Value} differs from the ballot's β: the selection did not encrypt this value"));
            recomputed.Add((alpha, beta));
        }

        // (13.4)–(13.7), 13.A: the contest data, from its nonce ξ: α = g^ξ, β = K̂^ξ, h, keys k_1..k_bΛ.
        NativeHashedCiphertext? data = encrypted.ContestData;
        if (data is not null)
        {
            if (contest.ContestData is not { } plain || _math.Scalar(plain.Nonce) is not ElementModQ xi)
            {
                step13.Fail("13.struct", where, "the contest has contest data but the opening gives no valid contest-data nonce");
            }
            else
            {
                ElementModP alpha = _math.GPow(xi);
                ElementModP beta = _math.KHat!.Pow(xi);
                step13.Require(alpha.Encode().AsSpan().SequenceEqual(data.C0), "13.4", where, "g^ξ differs from the contest data's C0: the nonce does not belong to it");
                byte[] keys = new byte[data.C1.Length];
                using (HashInput input = _math.Input(0x26).Append(encrypted.Index).Append(alpha).Append(beta))
                {
                    ContestDataKeys(NativeMath.H(ballot.Hi, input), encrypted.Index, keys);
                }

                bool lengthOk = plain.Data.Length == data.C1.Length;
                bool same = lengthOk;
                for (int i = 0; same && i < keys.Length; i++)
                {
                    same = (byte)(plain.Data[i] ^ keys[i]) == data.C1[i];
                }

                step13.Require(same, "13.A", where, lengthOk
                    ? "C1 is not D ⊕ k_1 ∥ … ∥ k_bΛ: the published contest data is not what the ballot encrypted"
                    : $"the published contest data is {plain.Data.Length} bytes; C1 is {data.C1.Length}");
            }
        }
        else
        {
            step13.Require(contest.ContestData is null, "13.struct", where, "the opening has contest data but the ballot's contest has none");
        }

        // (13.3): χ from the recomputed selections and the ballot's (C0, C1, C2).
        byte[] chi = ContestHash(ballot.Hi, encrypted.Index, recomputed, data);
        step13.Require(chi.AsSpan().SequenceEqual(encrypted.ContestHash), "13.3", where, $"the contest hash recomputed from the opened selections is {NativeMath.Hex(chi)}; the ballot's is {NativeMath.Hex(encrypted.ContestHash)}");
        return chi;
    }

    /// <summary>
    /// k_l = HMAC(h, b(l,4) ∥ "data_enc_keys" ∥ 0x00 ∥ "contest_data" ∥ b(ind_c,4) ∥ b(256·b_Λ,4)),
    /// l = 1..b_Λ (eqs 66, 104; 1-based per E3), written here from the text.
    /// </summary>
    private static void ContestDataKeys(byte[] h, int contestIndex, Span<byte> keys)
    {
        int blocks = keys.Length / 32;
        byte[] label = "data_enc_keys"u8.ToArray();
        byte[] context = "contest_data"u8.ToArray();
        byte[] message = new byte[4 + label.Length + 1 + context.Length + 4 + 4];
        int offset = 4;
        label.CopyTo(message, offset);
        offset += label.Length;
        message[offset++] = 0x00;
        context.CopyTo(message, offset);
        offset += context.Length;
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(message.AsSpan(offset), contestIndex);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(offset + 4), (uint)blocks * 256);
        for (int l = 1; l <= blocks; l++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(message, l);
            System.Security.Cryptography.HMACSHA256.HashData(h, message, keys.Slice((l - 1) * 32, 32));
        }
    }
}
