using System.Globalization;
using Entente.Cryptography;
using Entente.Verifier.Framework;

namespace Entente.Verifier.Native;

public sealed partial class NativeVerifier
{
    // ---------------------------------------------------------------- step 10: who decrypted (U)

    /// <summary>
    /// What step 10 needs to check the set U of tally.json against tally/partial_decryptions.json (docs/record-format.md
    /// §4.12): the parts of each option, the Lagrange coefficients w_i of U (eq 85) and the public shares
    /// K_i = Π_j Π_m K_j,m^(i^m) of its guardians (Note 3.7); null members when U is not a valid quorum (10.struct
    /// already failed) or a guardian's key cannot be used (step 2 failed).
    /// </summary>
    private sealed class DecryptingGuardians
    {
        public required int[] U { get; init; }

        public required Dictionary<(int Contest, int Option), NativeSharesOption> Parts { get; init; }

        /// <summary>The guardians whose parts the file holds, ascending (the list every option should have).</summary>
        public required int[] Published { get; init; }

        public ElementModQ[]? W { get; init; }

        public ElementModP?[]? PublicShares { get; init; }
    }

    private DecryptingGuardians? _decrypting;

    /// <summary>
    /// File-level checks of U: the file exists, its contests and options are the tally's, each once, and the guardians
    /// whose parts it publishes are exactly U (10.U names each guardian that is in U without parts, or has parts
    /// without being in U). Prepares the per-option checks of <see cref="VerifyShares"/>.
    /// </summary>
    private void PrepareDecryptingGuardians(StepRecorder step, IReadOnlyList<int> u, bool uValid)
    {
        string file = NativeRecord.PartialDecryptionsFile;
        NativePartialDecryptions? parts = _record.PartialDecryptions;
        if (parts is null)
        {
            step.Fail("10.struct", RecordObject.ForFile(file),
                $"the record has no {file}: nothing binds U = [{string.Join(", ", u)}] of tally/tally.json to the decryption (the joint proofs are the same for every quorum); docs/record-format.md §4.12");
            return;
        }

        Dictionary<(int, int), NativeSharesOption> byOption = [];
        HashSet<(int, int)> inTally = [.. _record.Tally.Contests.SelectMany(c => c.Options.Select(o => (c.Index, o.Index)))];
        foreach (NativeSharesContest contest in parts.Contests)
        {
            foreach (NativeSharesOption option in contest.Options)
            {
                RecordObject at = TallyObject(contest.Index, option.Index) with { File = file };
                if (!byOption.TryAdd((contest.Index, option.Index), option))
                {
                    step.Fail("10.struct", at, "the option's partial decryptions appear twice");
                }
                else if (!inTally.Contains((contest.Index, option.Index)))
                {
                    step.Fail("10.struct", at, "partial decryptions of an option that tally/tally.json does not decrypt");
                }
            }
        }

        int[] published = [.. byOption.Values.SelectMany(o => o.Shares.Select(s => s.I)).Distinct().Order()];
        foreach (int i in u.Distinct().Where(i => !published.Contains(i)).Order())
        {
            step.Fail("10.U", GuardianObject(i, file), $"guardian {i} is in U = [{string.Join(", ", u)}] (tally/tally.json) but published no partial decryption of the tally");
        }

        foreach (int i in published.Where(i => !u.Contains(i)))
        {
            step.Fail("10.U", GuardianObject(i, file), i >= 1 && i <= Parameters.N
                ? $"guardian {i}'s partial decryptions are in the record but U = [{string.Join(", ", u)}] (tally/tally.json) does not name it"
                : $"partial decryptions of guardian {i}, which does not exist (n = {Parameters.N}), are in the record");
        }

        ElementModQ[]? w = null;
        ElementModP?[]? publicShares = null;
        if (uValid)
        {
            w = [.. u.Select(i => LagrangeCoefficient(i, u))];
            ElementModP?[][] commitments = [.. _record.Guardians.OrderBy(g => g.I).Select(g => _math.Members(g.VoteCommitments))];
            publicShares = [.. u.Select(i => PublicShare(i, commitments))];
        }

        _decrypting = new DecryptingGuardians { U = [.. u], Parts = byOption, Published = published, W = w, PublicShares = publicShares };
    }

    /// <summary>
    /// For one tally option whose joint proof (c, v) was checked in <see cref="VerifyTallyOption"/>: the parts of U's
    /// guardians, in U's order, each with d_i = H(H_E; 0x30, ind_c, ind_o, i, A, B, a_i, b_i, M_i, U) (eq 88, U encoded
    /// per E5), a_i = g^v_i K_i^(c·w_i) and b_i = A^v_i M_i^(c·w_i) (Note 3.7, eqs 91, 94, 95); and, when the joint proof
    /// holds (<paramref name="joint"/>: its M, a, b and v), M = Π M_i^w_i (eq 86), a = Π a_i, b = Π b_i (eq 89) and
    /// v = Σ v_i (eq 93). When the joint proof fails (10.B) only the per-guardian checks run: they tell which guardian's
    /// part is wrong, as Note 3.7 intends, without repeating the failure of 10.B.
    /// </summary>
    private void VerifyShares(StepRecorder step, NativeTallyContest contest, NativeTallyOption option, RecordObject at, (ElementModP A, ElementModP B, byte[] RawA, byte[] RawB) ab, (ElementModP M, ElementModP A, ElementModP B, ElementModQ V)? joint, ElementModQ c)
    {
        DecryptingGuardians? decrypting = _decrypting;
        if (decrypting is null)
        {
            return;
        }

        string file = NativeRecord.PartialDecryptionsFile;
        RecordObject where = at with { File = file };
        if (!decrypting.Parts.TryGetValue((contest.Index, option.Index), out NativeSharesOption? parts))
        {
            step.Fail("10.struct", where, "the record publishes no partial decryptions of this option");
            return;
        }

        int[] indices = [.. parts.Shares.Select(s => s.I)];
        if (!indices.SequenceEqual(decrypting.U))
        {
            // The file-level check named the guardians when every option has the same list; otherwise name the option.
            if (!indices.SequenceEqual(decrypting.Published))
            {
                step.Fail(indices.SequenceEqual(indices.Distinct().Order()) ? "10.U" : "10.struct", where,
                    $"the option's partial decryptions are from guardians [{string.Join(", ", indices)}]; U is [{string.Join(", ", decrypting.U)}] (one part per guardian of U, ascending)");
            }

            return;
        }

        if (decrypting.W is not ElementModQ[] w || decrypting.PublicShares is not ElementModP?[] publicShares)
        {
            return;
        }

        Group group = Group;
        ElementModP?[] elements = _math.Members([.. parts.Shares.SelectMany(s => (IEnumerable<byte[]>)[s.M, s.A, s.B])]);
        bool complete = true;
        ElementModP productM = group.OneModP;
        ElementModP productA = group.OneModP;
        ElementModP productB = group.OneModP;
        ElementModQ sumV = ElementModQ.FromInt64(group, 0);
        for (int j = 0; j < parts.Shares.Count; j++)
        {
            NativeShare share = parts.Shares[j];
            RecordObject who = where with { Guardian = share.I.ToString(CultureInfo.InvariantCulture) };
            ElementModP? mi = elements[3 * j];
            ElementModP? ai = elements[(3 * j) + 1];
            ElementModP? bi = elements[(3 * j) + 2];
            ElementModQ? vi = _math.Scalar(share.V);
            if (mi is null || ai is null || bi is null || vi is null)
            {
                string what = mi is null ? $"M_{share.I} {_math.WhyNotMember(share.M)}"
                    : ai is null ? $"a_{share.I} {_math.WhyNotMember(share.A)}"
                    : bi is null ? $"b_{share.I} {_math.WhyNotMember(share.B)}"
                    : $"v_{share.I} is not in Z_q";
                step.Fail("10.shares", who, what);
                complete = false;
                continue;
            }

            // (88) d_i = H(H_E; 0x30, ind_c, ind_o, i, A, B, a_i, b_i, M_i, U), U as b(#U,4) ∥ b(j,4)… (E5).
            using (HashInput input = _math.Input(0x30).Append(contest.Index).Append(option.Index).Append(share.I)
                .AppendBytes(ab.RawA).AppendBytes(ab.RawB).AppendBytes(share.A).AppendBytes(share.B).AppendBytes(share.M).Append(decrypting.U.Length))
            {
                foreach (int i in decrypting.U)
                {
                    input.Append(i);
                }

                byte[] d = NativeMath.H(He, input);
                step.Require(d.AsSpan().SequenceEqual(share.D), "10.shares", who,
                    $"d_{share.I} is {NativeMath.Hex(share.D)}; H(H_E; 0x30, ind_c, ind_o, i, A, B, a_i, b_i, M_i, U = [{string.Join(", ", decrypting.U)}]) (eq 88) is {NativeMath.Hex(d)}: the guardian committed to other values or to another U");
            }

            // Note 3.7: a_i = g^v_i · K_i^(c·w_i) (eq 94), b_i = A^v_i · M_i^(c·w_i) (eq 95), c_i = c·w_i (eq 91).
            ElementModQ ci = c * w[j];
            if (publicShares[j] is ElementModP ki)
            {
                step.Require(group.PowProduct(group.Generator, vi, ki, ci).Equals(ai), "10.shares", who,
                    $"a_{share.I} ≠ g^v_i · K_i^(c·w_i) (eq 94): the response was not computed with guardian {share.I}'s key share, or w_i is not the coefficient of U = [{string.Join(", ", decrypting.U)}]");
            }
            else
            {
                step.Fail("10.shares", who, $"K_{share.I} = Π K_j,m^(i^m) cannot be computed: a guardian's commitment is not in Z_p^r (step 2)");
            }

            step.Require(group.PowProduct(ab.A, vi, mi, ci).Equals(bi), "10.shares", who,
                $"b_{share.I} ≠ A^v_i · M_i^(c·w_i) (eq 95): M_{share.I} is not A^z_i, or w_i is not the coefficient of U = [{string.Join(", ", decrypting.U)}]");
            productM *= mi.Pow(w[j]);
            productA *= ai;
            productB *= bi;
            sumV += vi;
        }

        if (!complete || joint is not (ElementModP m, ElementModP a, ElementModP b, ElementModQ v))
        {
            return;
        }

        step.Require(productM.Equals(m), "10.shares", where,
            $"Π M_i^w_i over U = [{string.Join(", ", decrypting.U)}] (eq 86) is not M = B·T^−1: the partial decryptions of U do not combine to the decrypted value");
        step.Require(productA.Equals(a) && productB.Equals(b), "10.shares", where, "the commitments (a, b) of the proof are not Π a_i, Π b_i over U (eq 89)");
        step.Require(sumV.Equals(v), "10.shares", where, "the response v of the proof is not Σ v_i over U (eq 93)");
    }

    /// <summary>w_i = Π_{ℓ ∈ U∖{i}} ℓ / (ℓ − i) mod q (eq 85), for a U of distinct indices.</summary>
    private ElementModQ LagrangeCoefficient(int i, IReadOnlyList<int> u)
    {
        ElementModQ numerator = Group.OneModQ;
        ElementModQ denominator = Group.OneModQ;
        foreach (int l in u.Where(l => l != i))
        {
            numerator *= _math.Small(l);
            denominator *= ElementModQ.FromInt64(Group, (long)l - i);
        }

        return numerator * denominator.Inverse();
    }

    /// <summary>K_i = g^z_i = Π_j Π_m K_j,m^(i^m) over every guardian's vote commitments (Note 3.7), or null when one is invalid.</summary>
    private ElementModP? PublicShare(int i, ElementModP?[][] commitments)
    {
        ElementModQ x = _math.Small(i);
        ElementModP product = Group.OneModP;
        foreach (ElementModP?[] guardian in commitments)
        {
            ElementModQ power = Group.OneModQ;
            foreach (ElementModP? commitment in guardian)
            {
                if (commitment is null)
                {
                    return null;
                }

                product *= commitment.Pow(power);
                power *= x;
            }
        }

        return product;
    }

    private RecordObject TallyObject(int contestIndex, int optionIndex)
    {
        NativeManifestContest? contest = contestIndex >= 1 && contestIndex <= Manifest.Contests.Count ? Manifest.Contests[contestIndex - 1] : null;
        NativeManifestOption? option = contest is not null && optionIndex >= 1 && optionIndex <= contest.Options.Count ? contest.Options[optionIndex - 1] : null;
        return RecordObject.ForBallot("tally", contest?.Label ?? $"#{contestIndex}", option?.Label ?? $"#{optionIndex}");
    }

    private static RecordObject GuardianObject(int i, string file) => RecordObject.ForGuardian(i.ToString(CultureInfo.InvariantCulture)) with { File = file };
}
