using Entente.Cryptography;
using Entente.Election.Decryption;
using Entente.Election.Encryption;
using Entente.Election.KeyCeremony;
using Entente.Election.Manifest;
using Entente.Election.Tally;

namespace Entente.Election.Record;

/// <summary>
/// An internal consistency check of a record, used by our tests and by the writer before it
/// commits a record: it recomputes the spec's verification steps that the producing side can
/// check (V2–V10, V12, V13, V14) and lists every failure with its step id. It is not the independent
/// verifier (<c>entente verify</c>), which reads files only through docs/record-format.md.
/// </summary>
public static class RecordSelfCheck
{
    /// <summary>All failures found (empty: consistent).</summary>
    public static IReadOnlyList<string> Check(ElectionRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        ElectionContext context = record.Context;
        ElectionManifest manifest = context.Parameters.Manifest;
        List<string> failures = CheckContext(context);

        HashSet<Hash256> ids = [];
        object gate = new();
        foreach (EncryptedBallot ballot in record.Ballots)
        {
            if (!ids.Add(ballot.Id))
            {
                failures.Add($"V5.A ballot {ballot.Id}: duplicate identifier");
            }
        }

        Parallel.ForEach(record.Ballots, ballot =>
        {
            List<string> local = CheckBallot(context, manifest, ballot);
            if (local.Count > 0)
            {
                lock (gate)
                {
                    failures.AddRange(local);
                }
            }
        });
        failures.AddRange(CheckDevices(context, record));
        foreach (PreEncryption.UncastBallot uncast in record.Uncast)
        {
            if (!ids.Add(uncast.Id))
            {
                failures.Add($"V5.A uncast ballot {uncast.Id}: duplicate identifier");
            }

            failures.AddRange(PreEncryption.PreEncryptionCheck.CheckUncast(context, uncast));
        }

        EncryptedTally recomputed = EncryptedTally.Aggregate(context, record.Ballots);
        for (int c = 0; c < recomputed.Contests.Count; c++)
        {
            for (int o = 0; o < recomputed.Contests[c].Options.Count; o++)
            {
                if (!recomputed.Contests[c].Options[o].Ciphertext.Equals(record.EncryptedTally.Contests[c].Options[o].Ciphertext))
                {
                    failures.Add($"V9 contest {c + 1} option {o + 1}: the aggregate does not match the cast ballots");
                }
            }
        }

        failures.AddRange(CheckTally(context, record.EncryptedTally, record.Tally));

        foreach (OpenedBallot opened in record.Challenged)
        {
            EncryptedBallot? ballot = record.Ballots.FirstOrDefault(b => b.Id.Equals(opened.Id));
            if (ballot is null || ballot.State != BallotState.Challenged)
            {
                failures.Add($"V13 ballot {opened.Id}: no challenged ballot with this identifier");
                continue;
            }

            failures.AddRange(CheckOpened(context, manifest, ballot, opened));
        }

        foreach (DecryptedBallotContestData decrypted in record.ContestData)
        {
            EncryptedBallot? ballot = record.Ballots.FirstOrDefault(b => b.Id.Equals(decrypted.BallotId));
            if (ballot is null || ballot.State != BallotState.Cast)
            {
                failures.Add($"V12 ballot {decrypted.BallotId}: no cast ballot with this identifier");
                continue;
            }

            failures.AddRange(CheckContestData(context, ballot, decrypted));
        }

        return failures;
    }

    /// <summary>V2–V4: the guardians' keys and proofs, K as their product, H_E.</summary>
    internal static List<string> CheckContext(ElectionContext context)
    {
        List<string> failures = [];
        Group group = context.Group;
        foreach (GuardianPublicKey guardian in context.Guardians)
        {
            failures.AddRange(guardian.Verify(context.Parameters).Select(p => $"V2 guardian {guardian.Index}: {p}"));
        }

        if (!ElementModP.Product(group, context.Guardians.Select(g => g.VoteCommitments[0])).Equals(context.VoteKey.Key))
        {
            failures.Add("V3.A: K is not the product of the guardians' keys");
        }

        if (!ElectionHashes.ExtendedBaseHash(context.Parameters.ElectionBaseHash, context.VoteKey.Key, context.DataKey.Key).Equals(context.ExtendedBaseHash))
        {
            failures.Add("V4.A: H_E does not match");
        }

        return failures;
    }

    /// <summary>V10 for every option of the decrypted tally against the encrypted one.</summary>
    internal static List<string> CheckTally(ElectionContext context, EncryptedTally encrypted, DecryptedTally tally)
    {
        List<string> failures = [];
        foreach (DecryptedContest contest in tally.Contests)
        {
            foreach (DecryptedOption option in contest.Options)
            {
                ElGamalCiphertext aggregate = encrypted.Contests[contest.ContestIndex - 1].Options[option.OptionIndex - 1].Ciphertext;
                DecryptionItem item = new(contest.ContestIndex, option.OptionIndex, aggregate);
                if (!TallyDecryption.VerifyOption(context, item, option.Value, option.Challenge, option.Response))
                {
                    failures.Add($"V10 contest {contest.ContestIndex} option {option.OptionIndex}: the decryption proof does not verify");
                }
            }
        }

        return failures;
    }

    /// <summary>
    /// Checks one encrypted ballot against the election: H_I, the selection range proofs (Verification 6), the
    /// contest-limit proofs (Verification 7) and the confirmation code (Verification 8, without the device chain).
    /// Returns every failure found (empty: valid). What the board runs on each posted ballot.
    /// </summary>
    public static List<string> CheckBallot(ElectionContext context, ElectionManifest manifest, EncryptedBallot ballot)
    {
        List<string> failures = [];
        Group group = context.Group;
        string where = $"ballot {ballot.Id}";
        if (!ElectionHashes.SelectionIdentifierHash(group, context.ExtendedBaseHash, ballot.Id).Equals(ballot.IdentifierHash))
        {
            failures.Add($"V5.B {where}: H_I does not match");
        }

        if (ballot.StyleIndex < 1 || ballot.StyleIndex > manifest.BallotStyles.Count)
        {
            failures.Add($"V14 {where}: unknown ballot style {ballot.StyleIndex}");
            return failures;
        }

        int[] expectedContests = [.. manifest.BallotStyles[ballot.StyleIndex - 1].ContestIndices.Order()];
        if (!expectedContests.SequenceEqual(ballot.Contests.Select(c => c.ContestIndex)))
        {
            failures.Add($"V14 {where}: the contests do not match ballot style {ballot.StyleIndex}");
            return failures;
        }

        if (!BallotNonceEncryption.VerifyProof(ballot.IdentifierHash, ballot.BallotNonce))
        {
            failures.Add($"V13 {where}: the proof of the encrypted ballot nonce does not verify");
        }

        foreach (EncryptedContest contest in ballot.Contests)
        {
            Contest definition = manifest.Contests[contest.ContestIndex - 1];
            if (contest.Selections.Count != definition.Options.Count)
            {
                failures.Add($"V14 {where} contest {contest.ContestIndex}: {contest.Selections.Count} selections for {definition.Options.Count} options");
                continue;
            }

            for (int j = 0; j < contest.Selections.Count; j++)
            {
                EncryptedSelection selection = contest.Selections[j];
                if (selection.OptionIndex != j + 1 || !selection.Proof.VerifySelection(context.VoteKey, selection.Ciphertext, definition.Options[j].SelectionLimit, ballot.IdentifierHash, contest.ContestIndex, j + 1))
                {
                    failures.Add($"V6 {where} contest {contest.ContestIndex} option {j + 1}: the range proof does not verify");
                }
            }

            ElGamalCiphertext product = ElGamalCiphertext.Product(group, contest.Selections.Select(s => s.Ciphertext));
            if (!contest.LimitProof.VerifyContestLimit(context.VoteKey, product, definition.SelectionLimit, ballot.IdentifierHash, contest.ContestIndex))
            {
                failures.Add($"V7 {where} contest {contest.ContestIndex}: the contest-limit proof does not verify");
            }

            if (ballot.PreEncryption is not null)
            {
                // A pre-encrypted contest has no contest data and the hash of eq 115 (checked below, V16).
                if (contest.ContestData is not null)
                {
                    failures.Add($"V16 {where} contest {contest.ContestIndex}: a pre-encrypted ballot carries no contest data");
                }

                continue;
            }

            if ((contest.ContestData is null) != (definition.ContestDataBlocks == 0)
                || (contest.ContestData is { } data && (data.C1.Length != 32 * definition.ContestDataBlocks || !ContestDataEncryption.VerifyProof(ballot.IdentifierHash, contest.ContestIndex, data))))
            {
                failures.Add($"V8 {where} contest {contest.ContestIndex}: the contest data is missing, of the wrong size or its proof does not verify");
            }

            if (!ConfirmationCodes.ContestHash(group, ballot.IdentifierHash, contest.ContestIndex, contest.Selections.Select(s => s.Ciphertext), contest.ContestData).Equals(contest.ContestHash))
            {
                failures.Add($"V8.A {where} contest {contest.ContestIndex}: the contest hash does not match");
            }
        }

        if (ballot.PreEncryption is not null)
        {
            failures.AddRange(PreEncryption.PreEncryptionCheck.CheckCast(context, ballot));
        }
        else if (!ConfirmationCodes.ConfirmationCode(group, ballot.IdentifierHash, ballot.Contests.Select(c => c.ContestHash), ballot.ChainingField).Equals(ballot.ConfirmationCode))
        {
            failures.Add($"V8.B {where}: the confirmation code does not match");
        }

        return failures;
    }

    private static List<string> CheckDevices(ElectionContext context, ElectionRecord record)
    {
        List<string> failures = [];
        Group group = context.Group;
        Dictionary<Hash256, EncryptedBallot> byId = [];
        foreach (EncryptedBallot ballot in record.Ballots)
        {
            byId.TryAdd(ballot.Id, ballot);
        }

        HashSet<Hash256> listed = [];
        foreach (DeviceRecord device in record.Devices)
        {
            if (!ElectionHashes.DeviceHash(group, context.ExtendedBaseHash, device.DeviceInformation).Equals(device.DeviceHash))
            {
                failures.Add($"V8.C device {device.Device}: H_DI does not match");
            }

            Hash256? previous = null;
            foreach (Hash256 id in device.Ballots)
            {
                if (!listed.Add(id) || !byId.TryGetValue(id, out EncryptedBallot? ballot) || ballot.Device != device.Device)
                {
                    failures.Add($"V8 device {device.Device}: ballot {id} is missing, listed twice or belongs to another device");
                    continue;
                }

                byte[] expected = device.ChainingMode == ChainingMode.None
                    ? ConfirmationCodes.ChainingField(ChainingMode.None, device.DeviceHash)
                    : ConfirmationCodes.ChainingField(ChainingMode.Simple, previous ?? ConfirmationCodes.ChainStart(group, context.ExtendedBaseHash, device.DeviceHash));
                if (!expected.AsSpan().SequenceEqual(ballot.ChainingField))
                {
                    failures.Add($"V8.D–F device {device.Device}: the chaining field of ballot {id} is wrong");
                }

                previous = ballot.ConfirmationCode;
            }

            Hash256? closing = device.ChainingMode == ChainingMode.Simple && previous is not null
                ? ConfirmationCodes.ChainClose(group, context.ExtendedBaseHash, device.DeviceHash, previous)
                : null;
            if (!Equals(closing, device.ClosingHash))
            {
                failures.Add($"V8.G device {device.Device}: the closing hash does not match");
            }
        }

        // Ballots recorded from pre-encrypted ballots belong to the encrypting tool, which has no device file (E17).
        if (listed.Count != record.Ballots.Count(b => b.PreEncryption is null))
        {
            failures.Add("V8: some ballots belong to no device");
        }

        return failures;
    }

    /// <summary>Checks the opening of a challenged ballot against the ballot (Verifications 13 and 14). Returns every failure (empty: valid).</summary>
    public static List<string> CheckOpened(ElectionContext context, ElectionManifest manifest, EncryptedBallot ballot, OpenedBallot opened)
    {
        List<string> failures = [];
        Group group = context.Group;
        string where = $"challenged ballot {ballot.Id}";
        if (opened.Contests.Count != ballot.Contests.Count)
        {
            failures.Add($"V14 {where}: the opened contests do not match the ballot");
            return failures;
        }

        for (int c = 0; c < ballot.Contests.Count; c++)
        {
            EncryptedContest contest = ballot.Contests[c];
            OpenedContest openedContest = opened.Contests[c];
            Contest definition = manifest.Contests[contest.ContestIndex - 1];
            if (openedContest.ContestIndex != contest.ContestIndex || openedContest.Selections.Count != contest.Selections.Count)
            {
                failures.Add($"V14 {where} contest {contest.ContestIndex}: the opened selections do not match");
                continue;
            }

            long sum = 0;
            for (int j = 0; j < contest.Selections.Count; j++)
            {
                OpenedSelection selection = openedContest.Selections[j];
                ElGamalCiphertext ciphertext = contest.Selections[j].Ciphertext;
                if (selection.Value < 0 || selection.Value > definition.Options[j].SelectionLimit)
                {
                    failures.Add($"V14 {where} contest {contest.ContestIndex} option {j + 1}: value out of range");
                    continue;
                }

                if (!group.GPow(selection.Nonce).Equals(ciphertext.Alpha)
                    || !context.VoteKey.Pow(selection.Nonce + ElementModQ.FromInt64(group, selection.Value)).Equals(ciphertext.Beta))
                {
                    failures.Add($"V13 {where} contest {contest.ContestIndex} option {j + 1}: (α, β) is not Enc(σ, ξ)");
                }

                sum += selection.Value;
            }

            if (sum > definition.SelectionLimit)
            {
                failures.Add($"V14 {where} contest {contest.ContestIndex}: the selections exceed the contest limit");
            }

            if (contest.ContestData is { } data)
            {
                if (openedContest.ContestData is not { } plain || !group.GPow(plain.Nonce).Equals(data.C0))
                {
                    failures.Add($"V13.A {where} contest {contest.ContestIndex}: the contest-data nonce does not match C0");
                }
            }
        }

        return failures;
    }

    /// <summary>V12 for one cast ballot's decrypted contest data: the joint proof and D = C1 ⊕ k (eqs 104–106).</summary>
    internal static List<string> CheckContestData(ElectionContext context, EncryptedBallot ballot, DecryptedBallotContestData decrypted)
    {
        List<string> failures = [];
        foreach (DecryptedContestData contest in decrypted.Contests)
        {
            string where = $"V12 ballot {ballot.Id} contest {contest.ContestIndex}";
            HashedElGamalCiphertext? data = ballot.Contests.FirstOrDefault(c => c.ContestIndex == contest.ContestIndex)?.ContestData;
            if (data is null)
            {
                failures.Add($"{where}: the ballot has no contest data in this contest");
            }
            else if (!ContestDataDecryption.Verify(context, ballot, contest.ContestIndex, contest.Beta, contest.Challenge, contest.Response))
            {
                failures.Add($"{where}: the decryption proof does not verify");
            }
            else if (!ContestDataEncryption.DecryptWithBeta(ballot.IdentifierHash, contest.ContestIndex, data, contest.Beta).AsSpan().SequenceEqual(contest.Data))
            {
                failures.Add($"{where}: the published data is not C1 ⊕ k_1 ∥ … ∥ k_bΛ");
            }
        }

        return failures;
    }
}
