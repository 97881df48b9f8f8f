using System.Collections.Concurrent;
using System.Globalization;
using Entente.Cryptography;
using Entente.Verifier.Framework;

namespace Entente.Verifier.Native;

public sealed partial class NativeVerifier
{
    private const string NoteNoContestData =
        "The record publishes no decrypted contest data of cast ballots (no contest_data/ folder: it is decrypted only for the ballots an explicit request names, docs/record-format.md §4.11), so there is nothing to check; challenged ballots' contest data is checked in step 13.";

    // ---------------------------------------------------------------- step 12

    /// <summary>
    /// Step 12 over <c>contest_data/&lt;id_B&gt;.json</c> (docs/record-format.md §4.11): every file names a cast ballot
    /// of the record, a quorum U, and contests of that ballot that carry contest data; for each, (12.1)–(12.4),
    /// 12.A–12.C with the key of eq 99/101 H_I (E2), b(C2, 64) = b(c,32) ∥ b(v,32) (E4) and the 1-based KDF counter (E3).
    /// </summary>
    private void VerifyContestData(BallotPass pass)
    {
        StepRecorder step = Step("12");
        IReadOnlyList<string> files = _record.ContestDataFiles;
        if (files.Count == 0)
        {
            step.Note(NoteNoContestData);
            return;
        }

        ConcurrentDictionary<string, int> seen = new(StringComparer.Ordinal);
        ForEachFile(files, "decrypted contest data", file =>
        {
            (NativeContestDataFile decrypted, byte[] sha) = _record.ReadContestData(file);
            CheckFileHash(file, sha);
            string id = NativeMath.Hex(decrypted.Id);
            RecordObject who = RecordObject.ForBallot(id) with { File = file };
            step.Require(file == $"contest_data/{id}.json", "12.struct", who, $"the decrypted contest data of ballot {id} must be contest_data/{id}.json");
            if (seen.AddOrUpdate(id, 1, (_, n) => n + 1) > 1)
            {
                step.Fail("12.struct", who, "the ballot's contest data is published in more than one file");
            }

            if (!pass.Index.Lookup([id]).TryGetValue(id, out BallotFacts? summary))
            {
                step.Checked();
                step.Fail("12.struct", who, "decrypted contest data is published for a ballot that is not in the record");
            }
            else if (summary.State != "cast")
            {
                step.Checked();
                step.Fail("12.struct", who, "decrypted contest data is published for a challenged ballot; a challenged ballot's contest data is opened in challenged/ (step 13), never decrypted as a cast ballot's");
            }
            else
            {
                (NativeBallot ballot, _) = _record.ReadBallot(summary.File);
                VerifyDecryptedBallotData(ballot, decrypted, who);
            }
        });
    }

    private void VerifyDecryptedBallotData(NativeBallot ballot, NativeContestDataFile decrypted, RecordObject who)
    {
        StepRecorder step = Step("12");

        // 12.struct: U ascending, distinct, in 1..n, at least k guardians (as for the tally, §4.9).
        IReadOnlyList<int> u = decrypted.Guardians;
        bool uValid = step.Require(u.Count >= Parameters.K, "12.struct", who, $"{u.Count} guardians took part; the quorum is k = {Parameters.K}");
        uValid &= step.Require(u.SequenceEqual(u.Distinct().Order()) && u.All(i => i >= 1 && i <= Parameters.N), "12.struct", who,
            $"guardians [{string.Join(", ", u)}] must be distinct indices in 1..n = {Parameters.N}, ascending");

        // 12.U: a record is decrypted by one set U (§4.11): the contest data's is the tally's, which step 10 binds to
        // the guardians' partial decryptions (the joint proof of eqs 98–103, like the tally's, is the same for any U).
        IReadOnlyList<int> tallyU = _record.Tally.Guardians;
        if (uValid)
        {
            step.Require(u.SequenceEqual(tallyU), "12.U", who,
                $"the contest data names U = [{string.Join(", ", u)}]; the tally was decrypted by U = [{string.Join(", ", tallyU)}] (tally/tally.json); a record is decrypted by one set of guardians");
        }
        if (decrypted.Contests.Count == 0)
        {
            step.Checked();
            step.Fail("12.struct", who, "the file lists no contest");
        }

        int previous = 0;
        foreach (NativeDecryptedData contest in decrypted.Contests)
        {
            step.Checked();
            NativeManifestContest? definition = contest.Index >= 1 && contest.Index <= Manifest.Contests.Count ? Manifest.Contests[contest.Index - 1] : null;
            RecordObject where = who.WithContest(definition?.Label ?? contest.Label);
            step.Require(contest.Index > previous, "12.struct", where, $"contest {contest.Index} is out of order: contests are listed once each, in increasing index");
            previous = Math.Max(previous, contest.Index);
            if (definition is null || definition.Label != contest.Label)
            {
                step.Fail("12.struct", where, definition is null
                    ? $"contest index {contest.Index} is not in the manifest"
                    : $"the manifest's contest {contest.Index} is \"{definition.Label}\", not \"{contest.Label}\"");
                continue;
            }

            NativeContest? encrypted = ballot.Contests.FirstOrDefault(c => c.Index == contest.Index);
            if (encrypted?.ContestData is not NativeHashedCiphertext data)
            {
                step.Fail("12.struct", where, encrypted is null
                    ? "the ballot does not contain this contest"
                    : "the ballot's contest carries no contest data to decrypt");
                continue;
            }

            VerifyDecryptedContest(ballot, encrypted.Index, data, contest, where);
        }
    }

    /// <summary>(12.1)–(12.4), 12.A–12.C for one contest of a cast ballot.</summary>
    private void VerifyDecryptedContest(NativeBallot ballot, int contestIndex, NativeHashedCiphertext data, NativeDecryptedData contest, RecordObject where)
    {
        StepRecorder step = Step("12");
        ElementModP?[] members = _math.Members([data.C0, contest.Beta]);
        ElementModQ? v = _math.Scalar(contest.Proof.V);
        ElementModQ? c = _math.Scalar(contest.Proof.C);
        bool usable = step.Require(members[0] is not null, "12.struct", where, $"the ballot's C0 {_math.WhyNotMember(data.C0)} (step 6)")
            & step.Require(members[1] is not null, "12.struct", where, $"β {_math.WhyNotMember(contest.Beta)}")
            & step.Require(v is not null, "12.A", where, "the response v is not in Z_q")
            & step.Require(c is not null, "12.B", where, "the challenge c is not in Z_q");
        if (usable)
        {
            // (12.1) a = g^v · K̂^c, (12.2) b = C0^v · β^c; 12.B c = H_q(H_I; 0x33, ind_c, C0, C1, b(C2,64), a, b, β).
            ElementModP a = _math.GPow(v!) * _math.KHat!.Pow(c!);
            ElementModP b = members[0]!.Pow(v!) * members[1]!.Pow(c!);
            using HashInput input = _math.Input(0x33).Append(contestIndex).AppendBytes(data.C0).AppendBytes(data.C1)
                .AppendBytes(NativeMath.Pad32(data.C)).AppendBytes(NativeMath.Pad32(data.V)).Append(a).Append(b).AppendBytes(contest.Beta);
            byte[] expected = _math.Hq(ballot.Hi, input);
            step.Require(expected.AsSpan().SequenceEqual(contest.Proof.C), "12.B", where,
                $"the challenge is {NativeMath.Hex(contest.Proof.C)}; H_q(H_I; 0x33, ind_c, C0, C1, C2, g^v·K̂^c, C0^v·β^c, β) is {NativeMath.Hex(expected)}: β is not C0 raised to the joint data secret, or the proof is wrong");
        }

        // (12.3) h = H(H_I; 0x26, ind_c, C0, β), (12.4) the keys k_1..k_bΛ, 12.C D = C1 ⊕ k.
        if (!step.Require(contest.Data.Length == data.C1.Length, "12.C", where,
            string.Create(CultureInfo.InvariantCulture, $"the published data is {contest.Data.Length} bytes; C1 is {data.C1.Length}")))
        {
            return;
        }

        byte[] keys = new byte[data.C1.Length];
        using (HashInput input = _math.Input(0x26).Append(contestIndex).AppendBytes(data.C0).AppendBytes(contest.Beta))
        {
            ContestDataKeys(NativeMath.H(ballot.Hi, input), contestIndex, keys);
        }

        int wrong = -1;
        for (int i = 0; i < keys.Length && wrong < 0; i++)
        {
            if ((byte)(data.C1[i] ^ keys[i]) != contest.Data[i])
            {
                wrong = i;
            }
        }

        step.Require(wrong < 0, "12.C", where, string.Create(CultureInfo.InvariantCulture,
            $"the published data differs from C1 ⊕ k_1 ∥ … ∥ k_bΛ from byte {wrong}: it is not what the ballot encrypted"));

        // The record's convenience text (§4.11) must be exactly the text of D.
        string? text = TextOf(contest.Data);
        step.Require(text == contest.Text, "12.C", where, text is null
            ? "the file gives a text, but the published data has none (§4.11: UTF-8 up to the zero padding)"
            : $"the file's text is not the text of the published data (\"{text}\")");
    }

    /// <summary>
    /// The text of D (§4.11): D without its trailing zero bytes when that is non-empty, contains no zero byte and is
    /// valid UTF-8; else none.
    /// </summary>
    private static string? TextOf(byte[] data)
    {
        int end = data.Length;
        while (end > 0 && data[end - 1] == 0)
        {
            end--;
        }

        if (end == 0 || Array.IndexOf(data, (byte)0, 0, end) >= 0)
        {
            return null;
        }

        try
        {
            return new System.Text.UTF8Encoding(false, true).GetString(data, 0, end);
        }
        catch (System.Text.DecoderFallbackException)
        {
            return null;
        }
    }
}
