using Entente.Cryptography;
using Entente.Election.Encryption;
using Entente.Election.KeyCeremony;
using Entente.Election.Manifest;

namespace Entente.Election.PreEncryption;

/// <summary>
/// The library's own checks of pre-encrypted ballots (spec 2.1 §4.5, Verifications 15–18), run by the record self-check
/// and by the board on every posted ballot. The native verifier (Entente.Verifier) writes the same equations again.
/// Each failure names its step, the ballot, the contest and the short code.
/// </summary>
public static class PreEncryptionCheck
{
    /// <summary>V15–V17 on a cast ballot recorded from a pre-encrypted ballot (its range proofs are V6–V7, checked as for any ballot).</summary>
    public static List<string> CheckCast(ElectionContext context, EncryptedBallot ballot)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(ballot);
        PreEncryptionRecord pre = ballot.PreEncryption ?? throw new ArgumentException("not a pre-encrypted ballot", nameof(ballot));
        List<string> failures = [];
        Group group = context.Group;
        ElectionManifest manifest = context.Parameters.Manifest;
        string where = $"ballot {ballot.Id}";
        CheckDevice(context, where, pre.DeviceInformation, pre.DeviceHash, ballot.ChainingField, failures);
        if (!pre.Contests.Select(c => c.ContestIndex).SequenceEqual(ballot.Contests.Select(c => c.ContestIndex)))
        {
            failures.Add($"V16 {where}: the pre-encryption contests are not the ballot's contests");
            return failures;
        }

        foreach ((PreEncryptedCastContest contest, EncryptedContest encrypted) in pre.Contests.Zip(ballot.Contests))
        {
            Contest definition = manifest.Contests[contest.ContestIndex - 1];
            int m = definition.Options.Count;
            string at = $"{where} contest {contest.ContestIndex}";
            if (contest.SelectionHashes.Count != m + definition.SelectionLimit || !StrictlyAscending(contest.SelectionHashes))
            {
                failures.Add($"V16.B {at}: {contest.SelectionHashes.Count} selection hashes, need m + L = {m + definition.SelectionLimit} in strictly increasing order");
            }

            if (contest.Selected.Count != definition.SelectionLimit)
            {
                failures.Add($"V15.A {at}: {contest.Selected.Count} selected vectors, need L = {definition.SelectionLimit}");
            }

            HashSet<Hash256> seen = [];
            HashSet<string> codes = new(StringComparer.Ordinal);
            foreach (PreEncryptedSelectedVector selected in contest.Selected)
            {
                string code = $"{at} short code {selected.ShortCode}";
                if (selected.Vector.Count != m)
                {
                    failures.Add($"V16.A {code}: the vector has {selected.Vector.Count} encryptions, need m = {m}");
                    continue;
                }

                Hash256 psi = PreEncryptionHashes.SelectionHash(group, ballot.IdentifierHash, selected.Vector);
                if (!contest.SelectionHashes.Contains(psi) || !seen.Add(psi))
                {
                    failures.Add($"V16.A {code}: the vector's hash ψ = {psi} is not one of the contest's selection hashes, or is selected twice");
                }

                if (!codes.Add(selected.ShortCode) || pre.ShortCodes.Apply(psi) != selected.ShortCode)
                {
                    failures.Add($"V17.A {code}: Ω(ψ) is {pre.ShortCodes.Apply(psi)}");
                }
            }

            if (contest.Selected.All(s => s.Vector.Count == m))
            {
                for (int k = 0; k < m; k++)
                {
                    ElGamalCiphertext product = ElGamalCiphertext.Product(group, contest.Selected.Select(s => s.Vector[k]));
                    if (k >= encrypted.Selections.Count || !product.Equals(encrypted.Selections[k].Ciphertext))
                    {
                        failures.Add($"V15.A {at} option {k + 1}: the selection is not the product of the selected vectors");
                    }
                }
            }

            if (!PreEncryptionHashes.ContestHash(group, ballot.IdentifierHash, contest.ContestIndex, contest.SelectionHashes).Equals(encrypted.ContestHash))
            {
                failures.Add($"V16.B {at}: the contest hash does not match the selection hashes");
            }
        }

        if (!PreEncryptionHashes.ConfirmationCode(group, ballot.IdentifierHash, ballot.Contests.Select(c => c.ContestHash), ballot.ChainingField).Equals(ballot.ConfirmationCode))
        {
            failures.Add($"V16.C {where}: the confirmation code does not match");
        }

        return failures;
    }

    /// <summary>
    /// V16–V18 on an opened uncast ballot: every vector, m + L of them with the null vectors (E16), recomputed from its
    /// nonces, hashed (ψ), trimmed (Ω, against the short code listed beside its option: E17), χ and H_C recomputed.
    /// </summary>
    public static List<string> CheckUncast(ElectionContext context, UncastBallot ballot)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(ballot);
        List<string> failures = [];
        Group group = context.Group;
        ElectionManifest manifest = context.Parameters.Manifest;
        string where = $"uncast ballot {ballot.Id}";
        if (!ElectionHashes.SelectionIdentifierHash(group, context.ExtendedBaseHash, ballot.Id).Equals(ballot.IdentifierHash))
        {
            failures.Add($"V5.B {where}: H_I does not match");
        }

        CheckDevice(context, where, ballot.DeviceInformation, ballot.DeviceHash, ballot.ChainingField, failures);
        foreach (OpenedPreEncryptedContest contest in ballot.Contests)
        {
            Contest definition = manifest.Contests[contest.ContestIndex - 1];
            int m = definition.Options.Count;
            string at = $"{where} contest {contest.ContestIndex}";
            List<Hash256> hashes = [];
            HashSet<string> codes = new(StringComparer.Ordinal);
            if (!contest.Selections.Select(s => s.SelectionIndex).SequenceEqual(Enumerable.Range(1, m + definition.SelectionLimit))
                || contest.Selections.Any(s => s.Nonces.Count != m))
            {
                failures.Add($"V18 {at}: need selection vectors 1..m + L = {m + definition.SelectionLimit} in order, each with m = {m} nonces");
                continue;
            }

            foreach (OpenedPreEncryptedSelection selection in contest.Selections)
            {
                string code = $"{at} short code {selection.ShortCode}";
                long[] values = [.. Enumerable.Range(1, m).Select(k => k == selection.SelectionIndex ? 1L : 0L)];
                ElGamalCiphertext[] vector = context.VoteKey.Encrypt(values, selection.Nonces.ToArray());
                Hash256 psi = PreEncryptionHashes.SelectionHash(group, ballot.IdentifierHash, vector);
                hashes.Add(psi);
                if (!psi.Equals(selection.SelectionHash))
                {
                    failures.Add($"V18.3 {code}: the vector recomputed from the nonces hashes to {psi}, not the published ψ");
                }

                if (!codes.Add(selection.ShortCode) || ballot.ShortCodes.Apply(psi) != selection.ShortCode)
                {
                    failures.Add($"V17.A {code} ({(selection.OptionIndex is int o ? "option " + definition.Options[o - 1].Label : "null vector " + (selection.SelectionIndex - m))}): Ω(ψ) is {ballot.ShortCodes.Apply(psi)}");
                }
            }

            if (!PreEncryptionHashes.ContestHash(group, ballot.IdentifierHash, contest.ContestIndex, hashes).Equals(contest.ContestHash))
            {
                failures.Add($"V18.4 {at}: the contest hash does not match the recomputed selection hashes");
            }
        }

        if (!PreEncryptionHashes.ConfirmationCode(group, ballot.IdentifierHash, ballot.Contests.Select(c => c.ContestHash), ballot.ChainingField).Equals(ballot.ConfirmationCode))
        {
            failures.Add($"V18.A {where}: the confirmation code does not match");
        }

        return failures;
    }

    private static void CheckDevice(ElectionContext context, string where, string deviceInformation, Hash256 deviceHash, byte[] chainingField, List<string> failures)
    {
        if (!ElectionHashes.PreEncryptedDeviceHash(context.Group, context.ExtendedBaseHash, deviceInformation).Equals(deviceHash))
        {
            failures.Add($"V16.D {where}: H_DI is not H(H_E; 0x43, S_device)");
        }

        if (!chainingField.AsSpan().SequenceEqual(PreEncryptionHashes.ChainingField(deviceHash)))
        {
            failures.Add($"V16.E {where}: the chaining field is not 0x00000000 ∥ H_DI");
        }
    }

    private static bool StrictlyAscending(IReadOnlyList<Hash256> hashes)
    {
        for (int i = 1; i < hashes.Count; i++)
        {
            if (hashes[i - 1].Bytes.SequenceCompareTo(hashes[i].Bytes) >= 0)
            {
                return false;
            }
        }

        return true;
    }
}
