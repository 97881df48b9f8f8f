using Entente.Cryptography;
using Entente.Election.Decryption;
using Entente.Election.Encryption;
using Entente.Election.KeyCeremony;
using Entente.Election.Manifest;
using Entente.Election.Parameters;
using Entente.Election.Tally;

namespace Entente.Election.Record;

/// <summary>What a streamed simulation reports: the context, the decrypted tally, the ballot counts and every self-check failure (empty: the record was written).</summary>
public sealed record SimulationSummary(ElectionContext Context, DecryptedTally Tally, int BallotsCast, int BallotsChallenged, IReadOnlyList<string> SelfCheckFailures)
{
    /// <summary>How many cast ballots had their contest data decrypted into <c>contest_data/</c> (0 unless requested).</summary>
    public int ContestDataDecrypted { get; init; }

    /// <summary>How many pre-encrypted ballots were marked and cast (counted in <see cref="BallotsCast"/> too).</summary>
    public int PreEncryptedCast { get; init; }

    /// <summary>How many pre-encrypted ballots were left uncast and opened in <c>uncast/</c>.</summary>
    public int PreEncryptedUncast { get; init; }
}

/// <summary>Progress of a simulation: a phase name and how far it is (done of total).</summary>
public readonly record struct SimulationProgress(string Phase, int Done, int Total);

/// <summary>
/// Runs the whole protocol in one process (what <c>entente election simulate</c> does): a key
/// ceremony among n guardians with quorum k (every share checked against the commitments), B random
/// valid ballots of which C are challenged, aggregation, joint decryption by a quorum, and the
/// opening of the challenged ballots. Randomness for the plaintexts comes from
/// <c>plaintextRandom</c> (a seeded <see cref="Random"/> in tests); all cryptographic
/// randomness comes from the system's generator.
/// </summary>
public static class ElectionSimulator
{
    /// <summary>The checks both simulations start with, and the election's parameters.</summary>
    private static ElectionParameters Prepare(ElectionManifest manifest, Group group, int guardians, int quorum, int ballots, int challenged, Random plaintextRandom, int decryptContestData, int preEncrypted)
    {
        if (preEncrypted < 0)
        {
            throw new ElectionFormatException(null, "pre-encrypted", $"need a number of pre-encrypted ballots ≥ 0, not {preEncrypted}");
        }

        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(plaintextRandom);
        if (ballots < 0 || challenged < 0 || challenged > ballots)
        {
            throw new ElectionFormatException(null, "ballots", $"need 0 ≤ challenged ({challenged}) ≤ ballots ({ballots})");
        }

        if (decryptContestData < 0)
        {
            throw new ElectionFormatException(null, "decrypt-contest-data", $"need a number of cast ballots ≥ 0, not {decryptContestData}");
        }

        if (decryptContestData > 0 && manifest.Contests.All(c => c.ContestDataBlocks == 0))
        {
            throw new ElectionFormatException(null, "decrypt-contest-data", "the manifest has no contest with contest data (contest_data_blocks), so there is nothing to decrypt");
        }

        return ElectionParameters.Create(group, manifest, guardians, quorum);
    }

    /// <summary>
    /// Runs the simulation; <paramref name="decryptingGuardians"/> defaults to guardians 1..k. When
    /// <paramref name="decryptContestData"/> is N &gt; 0, the same guardians also decrypt the contest data of the first
    /// N cast ballots (in encryption order) that carry contest data (fewer when fewer do), with the proof of eqs 98–103.
    /// </summary>
    public static ElectionRecord Run(
        ElectionManifest manifest,
        Group group,
        int guardians,
        int quorum,
        int ballots,
        int challenged,
        Random plaintextRandom,
        IReadOnlyList<int>? decryptingGuardians = null,
        IProgress<SimulationProgress>? progress = null,
        TimeProvider? time = null,
        int decryptContestData = 0,
        int preEncrypted = 0,
        CancellationToken cancellationToken = default)
    {
        ElectionParameters parameters = Prepare(manifest, group, guardians, quorum, ballots, challenged, plaintextRandom, decryptContestData, preEncrypted);
        time ??= TimeProvider.System;
        (ElectionContext context, GuardianSecrets[] secrets) = RunKeyCeremony(parameters, progress);
        try
        {
            BallotEncryptor encryptor = new(context);
            EncryptionDevice device = new(context, "device-1", "entente simulation device 1");
            PlaintextBallot[] plaintexts = [.. Enumerable.Range(0, ballots).Select(_ => RandomBallot(manifest, plaintextRandom))];
            PreparedBallot[] prepared = new PreparedBallot[ballots];
            int done = 0;
            Parallel.For(0, ballots, new ParallelOptions { CancellationToken = cancellationToken }, b =>
            {
                prepared[b] = encryptor.Encrypt(plaintexts[b], $"ballot {b + 1}");
                progress?.Report(new SimulationProgress("Encrypting ballots", Interlocked.Increment(ref done), ballots));
            });
            HashSet<int> challengedPositions = [.. Enumerable.Range(0, ballots).OrderBy(_ => plaintextRandom.Next()).Take(challenged)];
            EncryptedBallot[] encrypted = new EncryptedBallot[ballots];
            for (int b = 0; b < ballots; b++)
            {
                encrypted[b] = device.Seal(prepared[b], time.GetUtcNow(), challengedPositions.Contains(b) ? BallotState.Challenged : BallotState.Cast);
            }

            (List<EncryptedBallot> preCast, List<PreEncryption.UncastBallot> uncast) = PreEncryption.PreEncryptionSimulation.Run(
                context, preEncrypted, PreEncryption.PreEncryptionSimulation.UncastCount(preEncrypted, ballots, challenged), plaintextRandom, time.GetUtcNow());
            encrypted = [.. encrypted, .. preCast];
            progress?.Report(new SimulationProgress("Aggregating", 0, 1));
            EncryptedTally tally = EncryptedTally.Aggregate(context, encrypted);
            progress?.Report(new SimulationProgress("Aggregating", 1, 1));
            IReadOnlyList<int> present = decryptingGuardians ?? [.. Enumerable.Range(1, quorum)];
            DecryptionGuardian[] decrypting = [.. present.Select(i => new DecryptionGuardian(context, secrets[CheckIndex(i, guardians) - 1]))];
            progress?.Report(new SimulationProgress("Decrypting the tally", 0, 1));
            DecryptedTally decrypted = TallyDecryption.Decrypt(context, tally, decrypting);
            progress?.Report(new SimulationProgress("Decrypting the tally", 1, 1));
            List<OpenedBallot> opened = [];
            EncryptedBallot[] toOpen = [.. encrypted.Where(b => b.State == BallotState.Challenged)];
            foreach (EncryptedBallot ballot in toOpen)
            {
                cancellationToken.ThrowIfCancellationRequested();
                opened.Add(ChallengedBallotOpener.Open(context, ballot, decrypting));
                progress?.Report(new SimulationProgress("Opening challenged ballots", opened.Count, toOpen.Length));
            }

            EncryptedBallot[] toDecrypt = [.. encrypted.Where(HasCastContestData).Take(decryptContestData)];
            List<DecryptedBallotContestData> contestData = [];
            foreach (EncryptedBallot ballot in toDecrypt)
            {
                cancellationToken.ThrowIfCancellationRequested();
                contestData.Add(ContestDataDecryption.DecryptBallot(context, ballot, null, decrypting));
                progress?.Report(new SimulationProgress("Decrypting contest data", contestData.Count, toDecrypt.Length));
            }

            DeviceRecord deviceRecord = new(device.Name, device.DeviceInformation, device.DeviceHash, device.ChainingMode, [.. device.Ballots], device.ClosingHash());
            return new ElectionRecord(context, [deviceRecord], encrypted, tally, decrypted, opened) { ContestData = contestData, Uncast = uncast };
        }
        finally
        {
            foreach (GuardianSecrets secret in secrets)
            {
                secret.Dispose();
            }
        }
    }

    /// <summary>Ballots encrypted, sealed and written per batch by <see cref="RunToDirectoryAsync"/>.</summary>
    public const int StreamBatch = 256;

    /// <summary>
    /// Up to this many ballots the streamed simulation checks every ballot's proofs (V5–V7) before it
    /// commits the record; above it an even sample of this many (plus every challenged ballot).
    /// </summary>
    public const int FullCheckBallots = 1_000;

    /// <summary>
    /// The same election as <see cref="Run"/>, written straight to a record folder in bounded memory
    /// (what <c>entente election simulate</c> does, for any number of ballots): ballots are encrypted in
    /// batches of <see cref="StreamBatch"/> on every core, sealed in order, added to a running
    /// aggregate, opened at once when challenged, and written to the record's staging folder; only
    /// their identifiers stay in memory. Before the record is moved into place it is self-checked
    /// (V2–V4, V5–V7 for every ballot up to <see cref="FullCheckBallots"/> and an even sample above,
    /// V8 by construction of the chain, V10 for every option, V12 for every decrypted contest data, V13 for every
    /// challenged ballot); on a failure nothing is written and the failures are returned.
    /// <paramref name="decryptContestData"/> is as in <see cref="Run"/>.
    /// </summary>
    public static async Task<SimulationSummary> RunToDirectoryAsync(
        ElectionManifest manifest,
        Group group,
        int guardians,
        int quorum,
        int ballots,
        int challenged,
        Random plaintextRandom,
        string directory,
        IReadOnlyList<int>? decryptingGuardians = null,
        IProgress<SimulationProgress>? progress = null,
        TimeProvider? time = null,
        int decryptContestData = 0,
        int preEncrypted = 0,
        CancellationToken cancellationToken = default)
    {
        ElectionParameters parameters = Prepare(manifest, group, guardians, quorum, ballots, challenged, plaintextRandom, decryptContestData, preEncrypted);
        time ??= TimeProvider.System;
        IReadOnlyList<int> present = decryptingGuardians ?? [.. Enumerable.Range(1, quorum)];
        foreach (int i in present)
        {
            CheckIndex(i, guardians);
        }

        using RecordWriter writer = RecordWriter.Create(directory);
        (ElectionContext context, GuardianSecrets[] secrets) = RunKeyCeremony(parameters, progress);
        try
        {
            DecryptionGuardian[] decrypting = [.. present.Select(i => new DecryptionGuardian(context, secrets[i - 1]))];
            TallyDecryption.CheckQuorum(context, present);
            List<string> failures = RecordSelfCheck.CheckContext(context);
            BallotEncryptor encryptor = new(context);
            EncryptionDevice device = new(context, "device-1", "entente simulation device 1");
            bool[] isChallenged = ChooseChallenged(ballots, challenged, plaintextRandom);
            int checkEvery = ballots <= FullCheckBallots ? 1 : (int)Math.Ceiling(ballots / (double)FullCheckBallots);
            EncryptedTally.Accumulator aggregate = new(context);
            int done = 0;
            int contestDataLeft = decryptContestData;
            int contestDataDone = 0;
            for (int start = 0; start < ballots; start += StreamBatch)
            {
                int count = Math.Min(StreamBatch, ballots - start);
                PlaintextBallot[] plaintexts = [.. Enumerable.Range(0, count).Select(_ => RandomBallot(manifest, plaintextRandom))];
                PreparedBallot[] prepared = new PreparedBallot[count];
                Parallel.For(0, count, new ParallelOptions { CancellationToken = cancellationToken }, b =>
                {
                    prepared[b] = encryptor.Encrypt(plaintexts[b], $"ballot {start + b + 1}");
                    progress?.Report(new SimulationProgress("Encrypting ballots", Interlocked.Increment(ref done), ballots));
                });
                EncryptedBallot[] sealedBallots = new EncryptedBallot[count];
                for (int b = 0; b < count; b++)
                {
                    sealedBallots[b] = device.Seal(prepared[b], time.GetUtcNow(), isChallenged[start + b] ? BallotState.Challenged : BallotState.Cast);
                    aggregate.Add(sealedBallots[b]);
                }

                // The first N cast ballots with contest data, in encryption order.
                bool[] decryptData = new bool[count];
                for (int b = 0; b < count && contestDataLeft > 0; b++)
                {
                    if (HasCastContestData(sealedBallots[b]))
                    {
                        decryptData[b] = true;
                        contestDataLeft--;
                    }
                }

                List<string> batchFailures = [];
                OpenedBallot?[] opened = new OpenedBallot?[count];
                DecryptedBallotContestData?[] contestData = new DecryptedBallotContestData?[count];
                Parallel.For(0, count, new ParallelOptions { CancellationToken = cancellationToken }, b =>
                {
                    EncryptedBallot ballot = sealedBallots[b];
                    List<string> local = [];
                    if ((start + b) % checkEvery == 0 || ballot.State == BallotState.Challenged)
                    {
                        local.AddRange(RecordSelfCheck.CheckBallot(context, manifest, ballot));
                    }

                    if (ballot.State == BallotState.Challenged)
                    {
                        opened[b] = ChallengedBallotOpener.Open(context, ballot, decrypting);
                        local.AddRange(RecordSelfCheck.CheckOpened(context, manifest, ballot, opened[b]!));
                    }

                    if (decryptData[b])
                    {
                        contestData[b] = ContestDataDecryption.DecryptBallot(context, ballot, null, decrypting);
                        local.AddRange(RecordSelfCheck.CheckContestData(context, ballot, contestData[b]!));
                        int decryptedSoFar = Interlocked.Increment(ref contestDataDone);
                        progress?.Report(new SimulationProgress("Decrypting contest data", decryptedSoFar, decryptContestData));
                    }

                    if (local.Count > 0)
                    {
                        lock (batchFailures)
                        {
                            batchFailures.AddRange(local);
                        }
                    }
                });
                failures.AddRange(batchFailures);
                for (int b = 0; b < count; b++)
                {
                    await writer.WriteFileAsync($"ballots/{sealedBallots[b].Id}.json", RecordFormat.WriteBallot(sealedBallots[b]), cancellationToken).ConfigureAwait(false);
                    if (opened[b] is OpenedBallot opening)
                    {
                        await writer.WriteFileAsync($"challenged/{opening.Id}.json", RecordFormat.WriteOpened(opening, manifest), cancellationToken).ConfigureAwait(false);
                    }

                    if (contestData[b] is DecryptedBallotContestData decryptedData)
                    {
                        await writer.WriteFileAsync($"contest_data/{decryptedData.BallotId}.json", RecordFormat.WriteContestData(decryptedData, manifest), cancellationToken).ConfigureAwait(false);
                    }
                }
            }

            int uncastCount = PreEncryption.PreEncryptionSimulation.UncastCount(preEncrypted, ballots, challenged);
            for (int start = 0; start < preEncrypted; start += StreamBatch)
            {
                int count = Math.Min(StreamBatch, preEncrypted - start);
                int uncastHere = Math.Clamp(uncastCount - start, 0, count);
                (List<EncryptedBallot> preCast, List<PreEncryption.UncastBallot> uncast) = PreEncryption.PreEncryptionSimulation.Run(context, count, uncastHere, plaintextRandom, time.GetUtcNow());
                List<string> batchFailures = [];
                Parallel.ForEach(preCast, new ParallelOptions { CancellationToken = cancellationToken }, ballot =>
                {
                    List<string> local = RecordSelfCheck.CheckBallot(context, manifest, ballot);
                    lock (batchFailures)
                    {
                        batchFailures.AddRange(local);
                    }
                });
                foreach (PreEncryption.UncastBallot opened in uncast)
                {
                    batchFailures.AddRange(PreEncryption.PreEncryptionCheck.CheckUncast(context, opened));
                    await writer.WriteFileAsync($"{PreEncryption.PreEncryptionFormat.UncastFolder}/{opened.Id}.json", PreEncryption.PreEncryptionFormat.WriteUncast(opened, manifest), cancellationToken).ConfigureAwait(false);
                }

                failures.AddRange(batchFailures);
                foreach (EncryptedBallot ballot in preCast)
                {
                    aggregate.Add(ballot);
                    await writer.WriteFileAsync($"ballots/{ballot.Id}.json", RecordFormat.WriteBallot(ballot), cancellationToken).ConfigureAwait(false);
                }

                progress?.Report(new SimulationProgress("Pre-encrypted ballots", start + count, preEncrypted));
            }

            progress?.Report(new SimulationProgress("Aggregating", 1, 1));
            EncryptedTally tally = aggregate.Result();
            progress?.Report(new SimulationProgress("Decrypting the tally", 0, 1));
            DecryptedTally decrypted = TallyDecryption.Decrypt(context, tally, decrypting);
            progress?.Report(new SimulationProgress("Decrypting the tally", 1, 1));
            failures.AddRange(RecordSelfCheck.CheckTally(context, tally, decrypted));
            DeviceRecord deviceRecord = new(device.Name, device.DeviceInformation, device.DeviceHash, device.ChainingMode, [.. device.Ballots], device.ClosingHash());
            int challengedCount = isChallenged.Count(c => c);
            SimulationSummary summary = new(context, decrypted, ballots - challengedCount + preEncrypted - uncastCount, challengedCount, failures)
            {
                ContestDataDecrypted = contestDataDone,
                PreEncryptedCast = preEncrypted - uncastCount,
                PreEncryptedUncast = uncastCount,
            };
            if (failures.Count > 0)
            {
                return summary; // the writer is disposed uncompleted: nothing is left behind
            }

            Dictionary<string, byte[]> files = new(StringComparer.Ordinal)
            {
                ["manifest.json"] = manifest.CanonicalBytes,
                ["parameters.json"] = RecordFormat.WriteParameters(context.Parameters),
                ["election.json"] = RecordFormat.WriteElection(context),
                ["tally/encrypted_tally.json"] = RecordFormat.WriteEncryptedTally(tally),
                ["tally/tally.json"] = RecordFormat.WriteTally(decrypted, manifest),
                [$"devices/{deviceRecord.Device}.json"] = RecordFormat.WriteDevice(deviceRecord),
            };
            foreach (GuardianPublicKey guardian in context.Guardians)
            {
                files[$"guardians/guardian-{guardian.Index}.json"] = RecordFormat.WriteGuardian(guardian);
            }

            files[PartialDecryptionsFile.Path] = PartialDecryptionsFile.Write(decrypted);
            foreach ((string path, byte[] bytes) in files)
            {
                await writer.WriteFileAsync(path, bytes, cancellationToken).ConfigureAwait(false);
            }

            await writer.CompleteAsync(group.Name, summary.BallotsCast, summary.BallotsChallenged, cancellationToken).ConfigureAwait(false);
            return summary;
        }
        finally
        {
            foreach (GuardianSecrets secret in secrets)
            {
                secret.Dispose();
            }
        }
    }

    private static bool HasCastContestData(EncryptedBallot ballot) =>
        ballot.State == BallotState.Cast && ballot.Contests.Any(c => c.ContestData is not null);

    /// <summary>Which of the B ballot positions are challenged: C of them, uniformly (a partial Fisher–Yates shuffle).</summary>
    private static bool[] ChooseChallenged(int ballots, int challenged, Random random)
    {
        int[] positions = [.. Enumerable.Range(0, ballots)];
        bool[] chosen = new bool[ballots];
        for (int i = 0; i < challenged; i++)
        {
            int j = i + random.Next(ballots - i);
            (positions[i], positions[j]) = (positions[j], positions[i]);
            chosen[positions[i]] = true;
        }

        return chosen;
    }

    private static int CheckIndex(int i, int n) =>
        i >= 1 && i <= n ? i : throw new ElectionFormatException(null, "guardians", $"guardian {i} does not exist; guardians are numbered 1 to {n}");

    /// <summary>The ceremony among n in-process guardians: keys, shares, checks, joint keys.</summary>
    /// <param name="parameters">n, k and the base hashes.</param>
    /// <param name="progress">Reports 2n steps: each key generated, then each guardian's shares checked.</param>
    /// <param name="guardianName">The name of guardian i (default "Guardian i").</param>
    /// <param name="observer">Receives every public message in the order it is sent.</param>
    public static (ElectionContext Context, GuardianSecrets[] Secrets) RunKeyCeremony(
        ElectionParameters parameters,
        IProgress<SimulationProgress>? progress = null,
        Func<int, string>? guardianName = null,
        Action<KeyCeremonyMessage>? observer = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        int n = parameters.GuardianCount;
        GuardianSecrets[] secrets = new GuardianSecrets[n];
        GuardianPublicKey[] keys = new GuardianPublicKey[n];
        try
        {
            for (int i = 1; i <= n; i++)
            {
                (secrets[i - 1], keys[i - 1]) = KeyCeremonyGuardian.Generate(parameters, i, guardianName?.Invoke(i) ?? $"Guardian {i}");
                observer?.Invoke(new GuardianCommitted(i, keys[i - 1]));
                progress?.Report(new SimulationProgress("Key ceremony", i, 2 * n));
            }

            for (int l = 1; l <= n; l++)
            {
                Dictionary<int, (ElementModQ, ElementModQ)> received = [];
                for (int i = 1; i <= n; i++)
                {
                    if (i == l)
                    {
                        continue;
                    }

                    IReadOnlyList<string> problems = keys[i - 1].Verify(parameters);
                    if (problems.Count > 0)
                    {
                        throw new InvalidOperationException($"guardian {l} rejects guardian {i}'s commitments: {string.Join("; ", problems)}");
                    }

                    EncryptedShare share = KeyCeremonyGuardian.EncryptShare(parameters, secrets[i - 1], keys[l - 1]);
                    observer?.Invoke(new ShareSent(i, l, share));
                    received[i] = KeyCeremonyGuardian.ReceiveShare(parameters, secrets[l - 1], keys[i - 1], share, out string? complaint)
                        ?? throw new InvalidOperationException($"guardian {l} complains about guardian {i}: {complaint}");
                }

                try
                {
                    KeyCeremonyGuardian.CompleteShares(parameters, secrets[l - 1], received);
                }
                finally
                {
                    KeyCeremonyGuardian.EraseShares(received);
                }

                observer?.Invoke(new SharesApproved(l, [.. received.Keys.Order()]));
                progress?.Report(new SimulationProgress("Key ceremony", n + l, 2 * n));
            }

            return (ElectionContext.Create(parameters, keys), secrets);
        }
        catch
        {
            // A failed ceremony must not leave generated secrets behind.
            foreach (GuardianSecrets? secret in secrets)
            {
                secret?.Dispose();
            }

            throw;
        }
    }

    /// <summary>A random valid ballot: a random style, and per contest a random number of selections up to L.</summary>
    public static PlaintextBallot RandomBallot(ElectionManifest manifest, Random random)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(random);
        BallotStyle style = manifest.BallotStyles[random.Next(manifest.BallotStyles.Count)];
        Dictionary<int, int[]> selections = [];
        Dictionary<int, byte[]> data = [];
        foreach (int index in style.ContestIndices)
        {
            Contest contest = manifest.Contests[index - 1];
            int[] values = new int[contest.Options.Count];
            int budget = random.Next(Math.Min(contest.SelectionLimit, 1_000) + 1);
            for (int attempt = 0; attempt < 4 * values.Length && budget > 0; attempt++)
            {
                int j = random.Next(values.Length);
                if (values[j] < contest.Options[j].SelectionLimit)
                {
                    values[j]++;
                    budget--;
                }
            }

            selections[index] = values;
            if (contest.ContestDataBlocks > 0)
            {
                data[index] = System.Text.Encoding.UTF8.GetBytes($"write-in {random.Next(1000)}");
            }
        }

        int weight = manifest.MaxBallotWeight == 1 ? 1 : random.Next(1, manifest.MaxBallotWeight + 1);
        return new PlaintextBallot(style.Index, selections, data, weight);
    }
}
