using Entente.Cryptography;
using Entente.Election.KeyCeremony;
using Entente.Election.Manifest;
using Entente.Election.Tally;

namespace Entente.Election.Decryption;

/// <summary>A decrypted option: the value t and the joint proof (c, v) of eqs 87–92.</summary>
public sealed record DecryptedOption(int OptionIndex, long Value, ElementModQ Challenge, ElementModQ Response)
{
    /// <summary>
    /// Every guardian's part of this option's decryption, one per guardian of U in ascending order (published in
    /// <c>tally/partial_decryptions.json</c>, docs/record-format.md §4.12); empty when the producer did not keep them.
    /// </summary>
    public IReadOnlyList<PartialDecryptionShare> Shares { get; init; } = [];
}

/// <summary>Guardian i's part of one option's joint decryption: M_i = A^{z_i} (eq 84), d_i (eq 88), (a_i, b_i) (eq 87), v_i (eq 92).</summary>
public sealed record PartialDecryptionShare(int GuardianIndex, ElementModP Share, Hash256 Commitment, ElementModP A, ElementModP B, ElementModQ Response);

/// <summary>The decrypted options of one contest.</summary>
public sealed record DecryptedContest(int ContestIndex, IReadOnlyList<DecryptedOption> Options);

/// <summary>The decrypted tally and the guardians U who took part.</summary>
public sealed record DecryptedTally(IReadOnlyList<int> Guardians, IReadOnlyList<DecryptedContest> Contests);

/// <summary>
/// Verifiable joint decryption of a tally (spec 2.1 §3.6.2–3.6.5) by any set U of at least k
/// guardians: commitments first, then reveals, M = Π M_i^{w_i}, T = B·M^{−1}, t by discrete log,
/// a = Π a_i, b = Π b_i, c = H_q(H_E; 0x31, ind_c, ind_o, A, B, a, b, M), v = Σ v_i. Each proof is
/// checked (Verification 10) before it is returned; a failure is blamed on the guardian whose
/// share does not satisfy Note 3.7.
/// </summary>
public static class TallyDecryption
{
    /// <summary>Decrypts <paramref name="tally"/> with the guardians present (at least k).</summary>
    public static DecryptedTally Decrypt(ElectionContext context, EncryptedTally tally, IReadOnlyList<DecryptionGuardian> guardians)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(tally);
        ArgumentNullException.ThrowIfNull(guardians);
        int[] available = CheckQuorum(context, guardians.Select(g => g.Index));
        List<DecryptionItem> items = [];
        foreach (EncryptedContestTally contest in tally.Contests)
        {
            items.AddRange(contest.Options.Select(o => new DecryptionItem(contest.ContestIndex, o.OptionIndex, o.Ciphertext)));
        }

        PartialDecryptionCommitment[] commitments = [.. guardians.Select(g => g.Commit(items, available))];
        PartialDecryptionReveal[] reveals = [.. guardians.Select(g => g.Reveal(commitments))];
        ElementModQ[] challenges = Combine(context, items, available, commitments, reveals, out ElementModP[] m);
        PartialDecryptionResponse[] responses = [.. guardians.Select(g => g.Respond(challenges))];
        long bound = Math.Max(1, tally.TotalWeight) * MaxOptionLimit(context.Parameters.Manifest);
        DiscreteLog log = DiscreteLog.ForKey(context.VoteKey, Math.Min(bound, 1L << 40));
        DecryptedOption[] options = new DecryptedOption[items.Count];
        Group group = context.Group;
        Parallel.For(0, items.Count, n =>
        {
            DecryptionItem item = items[n];
            ElementModQ v = ElementModQ.Sum(group, responses.Select(r => r.Responses[n]));
            ElementModP t = item.Ciphertext.Beta / m[n];
            if (!log.TryFind(t, out long value))
            {
                throw new InvalidOperationException($"contest {item.ContestIndex} option {item.OptionIndex}: the decrypted value exceeds {log.MaxExponent}; a guardian's share is wrong");
            }

            if (!VerifyOption(context, item, value, challenges[n], v))
            {
                string blame = Blame(context, item, available, commitments, reveals, responses, challenges[n], n);
                throw new InvalidOperationException($"contest {item.ContestIndex} option {item.OptionIndex}: the joint decryption proof does not verify; {blame}");
            }

            options[n] = new DecryptedOption(item.OptionIndex, value, challenges[n], v) { Shares = Shares(available, commitments, reveals, responses, n) };
        });
        List<DecryptedContest> contests = [];
        int offset = 0;
        foreach (EncryptedContestTally contest in tally.Contests)
        {
            contests.Add(new DecryptedContest(contest.ContestIndex, options.AsSpan(offset, contest.Options.Count).ToArray()));
            offset += contest.Options.Count;
        }

        return new DecryptedTally(available, contests);
    }

    /// <summary>The parts of item <paramref name="n"/> of every guardian of U, in U's (ascending) order.</summary>
    internal static PartialDecryptionShare[] Shares(
        IReadOnlyList<int> available, IReadOnlyList<PartialDecryptionCommitment> commitments, IReadOnlyList<PartialDecryptionReveal> reveals, IReadOnlyList<PartialDecryptionResponse> responses, int n)
        => [.. available.Order().Select(i =>
        {
            PartialDecryptionCommitment commitment = commitments.Single(c => c.GuardianIndex == i);
            PartialDecryptionReveal reveal = reveals.Single(r => r.GuardianIndex == i);
            return new PartialDecryptionShare(i, commitment.Shares[n], commitment.Commitments[n], reveal.A[n], reveal.B[n], responses.Single(r => r.GuardianIndex == i).Responses[n]);
        })];

    /// <summary>Verification 10 for one option: M = B·K^{−t}, a = g^v K^c, b = A^v M^c, c recomputed.</summary>
    public static bool VerifyOption(ElectionContext context, DecryptionItem item, long value, ElementModQ challenge, ElementModQ response)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(item);
        Group group = context.Group;
        if (value < 0)
        {
            return false;
        }

        // K^{−t} = K^{q−t} and g^v·K^c from the fixed-base tables of K and g (no inversion, no general base).
        ElementModP m = item.Ciphertext.Beta * context.VoteKey.Pow(ElementModQ.FromInt64(group, -value));
        ElementModP a = group.GPow(response) * context.VoteKey.Pow(challenge);
        ElementModP b = group.PowProduct(item.Ciphertext.Alpha, response, m, challenge);
        return Challenge(context, item, a, b, m).Equals(challenge);
    }

    /// <summary>Refuses fewer than k guardians, duplicates and indices outside 1..n; returns U ascending.</summary>
    public static int[] CheckQuorum(ElectionContext context, IEnumerable<int> indices)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(indices);
        int[] available = [.. indices];
        if (available.Distinct().Count() != available.Length)
        {
            throw new ElectionFormatException(null, "guardians", "a guardian is listed twice");
        }

        foreach (int i in available)
        {
            context.Parameters.CheckGuardianIndex(i, "guardians");
        }

        if (available.Length < context.Parameters.Quorum)
        {
            throw new ElectionFormatException(null, "guardians",
                $"only {available.Length} guardian(s) available ({string.Join(", ", available.Order())}); decryption needs a quorum of k = {context.Parameters.Quorum} of the n = {context.Parameters.GuardianCount}");
        }

        Array.Sort(available);
        return available;
    }

    private static ElementModQ[] Combine(
        ElectionContext context, List<DecryptionItem> items, int[] available, PartialDecryptionCommitment[] commitments, PartialDecryptionReveal[] reveals, out ElementModP[] m)
    {
        Group group = context.Group;
        ElementModQ[] w = [.. available.Select(i => Lagrange.Coefficient(group, i, available))];
        Dictionary<int, int> position = available.Select((i, n) => (i, n)).ToDictionary(x => x.i, x => x.n);
        PartialDecryptionCommitment[] byIndex = new PartialDecryptionCommitment[available.Length];
        PartialDecryptionReveal[] revealsByIndex = new PartialDecryptionReveal[available.Length];
        foreach (PartialDecryptionCommitment c in commitments)
        {
            byIndex[position[c.GuardianIndex]] = c;
        }

        foreach (PartialDecryptionReveal r in reveals)
        {
            revealsByIndex[position[r.GuardianIndex]] = r;
        }

        ElementModP[] combined = new ElementModP[items.Count];
        ElementModQ[] challenges = new ElementModQ[items.Count];
        Parallel.For(0, items.Count, n =>
        {
            DecryptionItem item = items[n];
            ElementModP a = group.OneModP;
            ElementModP b = group.OneModP;
            for (int g = 0; g < available.Length; g++)
            {
                PartialDecryptionCommitment c = byIndex[g];
                PartialDecryptionReveal r = revealsByIndex[g];
                Hash256 expected = DecryptionGuardian.CommitmentHash(context, item, available[g], r.A[n], r.B[n], c.Shares[n], available);
                if (!expected.Equals(c.Commitments[n]))
                {
                    throw new InvalidOperationException($"guardian {available[g]} revealed values that do not match its commitment d_i (eq 88) for contest {item.ContestIndex} option {item.OptionIndex}");
                }

                a *= r.A[n];
                b *= r.B[n];
            }

            ElementModP mn = LagrangeProduct(group, [.. byIndex.Select(c => c.Shares[n])], w);

            combined[n] = mn;
            challenges[n] = Challenge(context, item, a, b, mn);
        });
        m = combined;
        return challenges;
    }

    /// <summary>Π x_i^{w_i} (M = Π M_i^{w_i}, eq 89), two factors at a time with one shared chain of squarings.</summary>
    internal static ElementModP LagrangeProduct(Group group, IReadOnlyList<ElementModP> shares, IReadOnlyList<ElementModQ> w)
    {
        ElementModP product = group.OneModP;
        for (int g = 0; g < shares.Count; g += 2)
        {
            product *= g + 1 < shares.Count
                ? group.PowProduct(shares[g], w[g], shares[g + 1], w[g + 1])
                : shares[g].Pow(w[g]);
        }

        return product;
    }

    /// <summary>c = H_q(H_E; 0x31, ind_c, ind_o, A, B, a, b, M) (eq 90).</summary>
    internal static ElementModQ ChallengeFor(ElectionContext context, DecryptionItem item, ElementModP a, ElementModP b, ElementModP m) => Challenge(context, item, a, b, m);

    private static ElementModQ Challenge(ElectionContext context, DecryptionItem item, ElementModP a, ElementModP b, ElementModP m)
    {
        using HashInput input = HashInput.Create(context.Group, DomainSeparation.DecryptionChallenge);
        return input.Append(item.ContestIndex).Append(item.OptionIndex).Append(item.Ciphertext.Alpha).Append(item.Ciphertext.Beta)
            .Append(a).Append(b).Append(m).HashModQ(context.ExtendedBaseHash);
    }

    /// <summary>Note 3.7 for every guardian of U (<see cref="PartialDecryptionVerifier.VerifyResponse"/>): which shares are wrong.</summary>
    internal static string Blame(
        ElectionContext context, DecryptionItem item, int[] available, PartialDecryptionCommitment[] commitments, PartialDecryptionReveal[] reveals,
        PartialDecryptionResponse[] responses, ElementModQ challenge, int n)
    {
        PartialDecryptionVerifier verifier = new(context, available);
        List<int> bad = [];
        foreach (int i in available)
        {
            ElementModQ vi = responses.Single(r => r.GuardianIndex == i).Responses[n];
            ElementModP mi = commitments.Single(c => c.GuardianIndex == i).Shares[n];
            PartialDecryptionReveal reveal = reveals.Single(r => r.GuardianIndex == i);
            if (verifier.VerifyResponse(item, i, challenge, mi, reveal.A[n], reveal.B[n], vi) != ResponseCheck.Valid)
            {
                bad.Add(i);
            }
        }

        return bad.Count == 0 ? "no single guardian could be blamed" : $"guardian(s) {string.Join(", ", bad)} sent a wrong partial decryption";
    }

    /// <summary>g^{z_i} = Π_j Π_m K_{j,m}^{i^m} (the public counterpart of guardian i's share).</summary>
    public static ElementModP PublicShare(ElectionContext context, int index)
    {
        ArgumentNullException.ThrowIfNull(context);
        Group group = context.Group;
        ElementModQ x = ElementModQ.FromInt64(group, index);
        ElementModP product = group.OneModP;
        foreach (GuardianPublicKey guardian in context.Guardians)
        {
            ElementModQ power = group.OneModQ;
            foreach (ElementModP commitment in guardian.VoteCommitments)
            {
                product *= commitment.Pow(power);
                power *= x;
            }
        }

        return product;
    }

    private static long MaxOptionLimit(ElectionManifest manifest) =>
        manifest.Contests.SelectMany(c => c.Options).Max(o => (long)o.SelectionLimit);
}
