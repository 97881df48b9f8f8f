using Entente.Cryptography;
using Entente.Election.Encryption;
using Entente.Election.Tally;
using Entente.Election.Manifest;
using Entente.Election.Parameters;
using Entente.Election.Record;

namespace Entente.Election.KeyCeremony;

/// <summary>
/// The folder the guardians of one election share (docs/record-format.md §5): the canonical
/// manifest and parameters, then each guardian's public key, the encrypted shares and the approvals.
/// Every file is written atomically; every file read is checked against this election's H_B.
/// </summary>
public sealed class CeremonyFolder
{
    /// <summary>A ceremony folder at <paramref name="root"/>.</summary>
    public CeremonyFolder(string root)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        Root = Path.GetFullPath(root);
    }

    /// <summary>The folder.</summary>
    public string Root { get; }

    /// <summary>Path of a file inside the folder.</summary>
    public string PathOf(string relative) => Path.Combine(Root, relative);

    /// <summary>Writes manifest.json and parameters.json into a new or empty folder.</summary>
    public async Task InitializeAsync(ElectionParameters parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (Directory.Exists(Root) && Directory.EnumerateFileSystemEntries(Root).Any())
        {
            throw new ElectionFormatException(Root, "", "the ceremony folder exists and is not empty; choose a new folder");
        }

        await RecordFiles.WriteAtomicAsync(PathOf("manifest.json"), parameters.Manifest.CanonicalBytes, cancellationToken).ConfigureAwait(false);
        await RecordFiles.WriteAtomicAsync(PathOf("parameters.json"), RecordFormat.WriteParameters(parameters), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads and checks the manifest and parameters.</summary>
    public async Task<ElectionParameters> LoadParametersAsync(CancellationToken cancellationToken = default)
    {
        byte[] manifestBytes = await RecordFiles.ReadLimitedAsync(PathOf("manifest.json"), ManifestReader.MaxBytes, cancellationToken).ConfigureAwait(false);
        ElectionManifest manifest = ManifestReader.Parse(manifestBytes, PathOf("manifest.json"));
        byte[] parameterBytes = await RecordFiles.ReadLimitedAsync(PathOf("parameters.json"), RecordStore.MaxFileBytes, cancellationToken).ConfigureAwait(false);
        return RecordFormat.ReadParameters(PathOf("parameters.json"), parameterBytes, manifest);
    }

    /// <summary>Secret file protection chosen by the caller: a passphrase, or plaintext when allowed (tests).</summary>
    public sealed record SecretAccess(string SecretPath, string? Passphrase, bool AllowPlaintext);

    /// <summary><c>guardian keygen</c>: fresh keys for guardian i; public/guardian-i.json and the sealed secret file (bound to H_B).</summary>
    public async Task<GuardianPublicKey> KeygenAsync(int index, string name, SecretAccess secret, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(secret);
        ElectionParameters parameters = await LoadParametersAsync(cancellationToken).ConfigureAwait(false);
        parameters.CheckGuardianIndex(index, "--index");
        string publicPath = PathOf($"public/guardian-{index}.json");
        if (File.Exists(publicPath))
        {
            throw new ElectionFormatException(publicPath, "", $"guardian {index} already generated keys; a new key would invalidate every share");
        }

        if (File.Exists(secret.SecretPath))
        {
            throw new ElectionFormatException(secret.SecretPath, "", "a secret file already exists here; refusing to overwrite it");
        }

        (GuardianSecrets secrets, GuardianPublicKey key) = KeyCeremonyGuardian.Generate(parameters, index, name);
        using (secrets)
        {
            GuardianSecretFile.Write(secret.SecretPath, secrets, parameters.ElectionBaseHash, secret.Passphrase);
        }

        await RecordFiles.WriteAtomicAsync(publicPath, RecordFormat.WriteGuardian(key), cancellationToken).ConfigureAwait(false);
        return key;
    }

    /// <summary>All n public keys, each checked (Verification 2). Throws naming the missing or bad file.</summary>
    public async Task<GuardianPublicKey[]> LoadGuardianKeysAsync(ElectionParameters parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        GuardianPublicKey[] keys = new GuardianPublicKey[parameters.GuardianCount];
        for (int i = 1; i <= keys.Length; i++)
        {
            string path = PathOf($"public/guardian-{i}.json");
            if (!File.Exists(path))
            {
                throw new ElectionFormatException(path, "", $"guardian {i} has not published its keys yet (entente guardian keygen)");
            }

            GuardianPublicKey key = RecordFormat.ReadGuardian(path, await RecordFiles.ReadLimitedAsync(path, RecordStore.MaxFileBytes, cancellationToken).ConfigureAwait(false), parameters);
            if (key.Index != i)
            {
                throw new ElectionFormatException(path, "$.i", $"the file of guardian {i} holds guardian {key.Index}");
            }

            IReadOnlyList<string> problems = key.Verify(parameters);
            if (problems.Count > 0)
            {
                throw new ElectionFormatException(path, "$", string.Join("; ", problems));
            }

            keys[i - 1] = key;
        }

        return keys;
    }

    /// <summary><c>guardian share</c>: guardian i encrypts its shares to every other guardian (shares/share-i-to-ℓ.json).</summary>
    public async Task<int> ShareAsync(int index, SecretAccess secret, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(secret);
        ElectionParameters parameters = await LoadParametersAsync(cancellationToken).ConfigureAwait(false);
        parameters.CheckGuardianIndex(index, "--index");
        GuardianPublicKey[] keys = await LoadGuardianKeysAsync(parameters, cancellationToken).ConfigureAwait(false);
        using GuardianSecrets secrets = GuardianSecretFile.Read(secret.SecretPath, parameters.Group, parameters.Quorum, index, parameters.ElectionBaseHash, secret.Passphrase, secret.AllowPlaintext);
        CheckSecretsMatch(secrets, keys[index - 1], secret.SecretPath);
        int written = 0;
        foreach (GuardianPublicKey recipient in keys.Where(k => k.Index != index))
        {
            EncryptedShare share = KeyCeremonyGuardian.EncryptShare(parameters, secrets, recipient);
            await RecordFiles.WriteAtomicAsync(PathOf($"shares/share-{index}-to-{recipient.Index}.json"), RecordFormat.WriteShare(share), cancellationToken).ConfigureAwait(false);
            written++;
        }

        return written;
    }

    /// <summary>
    /// <c>guardian receive</c>: guardian ℓ checks every share addressed to it against the senders'
    /// commitments. With no complaint its secret file is rewritten with z_ℓ, ẑ_ℓ and bound to H_E;
    /// otherwise its complaint is published (approvals/guardian-ℓ.json). Returns the complaints.
    /// </summary>
    public async Task<IReadOnlyList<(int From, string Reason)>> ReceiveAsync(int index, SecretAccess secret, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(secret);
        ElectionParameters parameters = await LoadParametersAsync(cancellationToken).ConfigureAwait(false);
        parameters.CheckGuardianIndex(index, "--index");
        GuardianPublicKey[] keys = await LoadGuardianKeysAsync(parameters, cancellationToken).ConfigureAwait(false);
        ElectionContext context = ElectionContext.Create(parameters, keys);
        using GuardianSecrets secrets = GuardianSecretFile.Read(secret.SecretPath, parameters.Group, parameters.Quorum, index, parameters.ElectionBaseHash, secret.Passphrase, secret.AllowPlaintext);
        CheckSecretsMatch(secrets, keys[index - 1], secret.SecretPath);
        Dictionary<int, (ElementModQ, ElementModQ)> received = [];
        List<(int, string)> complaints = [];
        foreach (GuardianPublicKey sender in keys.Where(k => k.Index != index))
        {
            string path = PathOf($"shares/share-{sender.Index}-to-{index}.json");
            if (!File.Exists(path))
            {
                throw new ElectionFormatException(path, "", $"guardian {sender.Index} has not sent its share yet (entente guardian share)");
            }

            EncryptedShare share = RecordFormat.ReadShare(path, await RecordFiles.ReadLimitedAsync(path, RecordStore.MaxFileBytes, cancellationToken).ConfigureAwait(false), parameters);
            (ElementModQ, ElementModQ)? values = KeyCeremonyGuardian.ReceiveShare(parameters, secrets, sender, share, out string? complaint);
            if (values is { } v)
            {
                received[sender.Index] = v;
            }
            else
            {
                complaints.Add((sender.Index, complaint!));
            }
        }

        if (complaints.Count > 0)
        {
            KeyCeremonyGuardian.EraseShares(received);
            await RecordFiles.WriteAtomicAsync(PathOf($"approvals/guardian-{index}.json"), RecordFormat.WriteApproval(new Approval(index, context.GuardianRecordHash, complaints)), cancellationToken).ConfigureAwait(false);
            return complaints;
        }

        try
        {
            KeyCeremonyGuardian.CompleteShares(parameters, secrets, received);
        }
        finally
        {
            KeyCeremonyGuardian.EraseShares(received);
        }

        GuardianSecretFile.Write(secret.SecretPath, secrets, context.ExtendedBaseHash, secret.Passphrase);
        return complaints;
    }

    /// <summary>
    /// <c>guardian approve</c>: guardian ℓ, holding its combined shares, publishes its approval with the
    /// H_G it computed. When every guardian approved the same H_G, election.json (K, K̂, H_G, H_E) is
    /// written. Returns true when the ceremony is complete.
    /// </summary>
    public async Task<bool> ApproveAsync(int index, SecretAccess secret, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(secret);
        ElectionParameters parameters = await LoadParametersAsync(cancellationToken).ConfigureAwait(false);
        parameters.CheckGuardianIndex(index, "--index");
        GuardianPublicKey[] keys = await LoadGuardianKeysAsync(parameters, cancellationToken).ConfigureAwait(false);
        ElectionContext context = ElectionContext.Create(parameters, keys);
        using (GuardianSecrets secrets = GuardianSecretFile.Read(secret.SecretPath, parameters.Group, parameters.Quorum, index, context.ExtendedBaseHash, secret.Passphrase, secret.AllowPlaintext))
        {
            if (!secrets.HasShares)
            {
                throw new ElectionFormatException(secret.SecretPath, "$.stage", "run entente guardian receive first");
            }

            if (!parameters.Group.GPowSecret(secrets.VoteShare!).Equals(Decryption.TallyDecryption.PublicShare(context, index)))
            {
                throw new ElectionFormatException(secret.SecretPath, "$.secret.z", "the combined share does not match the published commitments");
            }
        }

        await RecordFiles.WriteAtomicAsync(PathOf($"approvals/guardian-{index}.json"), RecordFormat.WriteApproval(new Approval(index, context.GuardianRecordHash, [])), cancellationToken).ConfigureAwait(false);
        for (int i = 1; i <= parameters.GuardianCount; i++)
        {
            string path = PathOf($"approvals/guardian-{i}.json");
            if (!File.Exists(path))
            {
                return false;
            }

            Approval approval = RecordFormat.ReadApproval(path, await RecordFiles.ReadLimitedAsync(path, RecordStore.MaxFileBytes, cancellationToken).ConfigureAwait(false), parameters);
            if (!approval.Approves || !approval.GuardianRecordHash.Equals(context.GuardianRecordHash))
            {
                return false;
            }
        }

        await RecordFiles.WriteAtomicAsync(PathOf("election.json"), RecordFormat.WriteElection(context), cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>The election context once the ceremony is complete (every guardian approved the same H_G).</summary>
    public async Task<ElectionContext> LoadContextAsync(CancellationToken cancellationToken = default)
    {
        ElectionParameters parameters = await LoadParametersAsync(cancellationToken).ConfigureAwait(false);
        GuardianPublicKey[] keys = await LoadGuardianKeysAsync(parameters, cancellationToken).ConfigureAwait(false);
        ElectionContext context = ElectionContext.Create(parameters, keys);
        for (int i = 1; i <= parameters.GuardianCount; i++)
        {
            string path = PathOf($"approvals/guardian-{i}.json");
            if (!File.Exists(path))
            {
                throw new ElectionFormatException(path, "", $"guardian {i} has not approved the ceremony yet");
            }

            Approval approval = RecordFormat.ReadApproval(path, await RecordFiles.ReadLimitedAsync(path, RecordStore.MaxFileBytes, cancellationToken).ConfigureAwait(false), parameters);
            if (!approval.Approves)
            {
                throw new ElectionFormatException(path, "$.verdict", $"guardian {i} complained: {string.Join("; ", approval.Complaints.Select(c => $"about guardian {c.From}: {c.Reason}"))}");
            }

            if (!approval.GuardianRecordHash.Equals(context.GuardianRecordHash))
            {
                throw new ElectionFormatException(path, "$.h_g", $"guardian {i} approved different keys (H_G differs)");
            }
        }

        string electionPath = PathOf("election.json");
        RecordFormat.CheckElection(electionPath, await RecordFiles.ReadLimitedAsync(electionPath, RecordStore.MaxFileBytes, cancellationToken).ConfigureAwait(false), context);
        return context;
    }

    private static void CheckSecretsMatch(GuardianSecrets secrets, GuardianPublicKey key, string path)
    {
        if (!secrets.CommunicationKey.PublicKey.Key.Equals(key.CommunicationKey))
        {
            throw new ElectionFormatException(path, "$", $"this secret file does not belong to the published keys of guardian {key.Index}");
        }
    }

    /// <summary>
    /// <c>entente encrypt</c>: encrypts the ballots on a new device (in parallel), chains them in file
    /// order, and writes ballots/&lt;id&gt;.json and devices/&lt;device&gt;.json. Returns the sealed ballots.
    /// </summary>
    public async Task<IReadOnlyList<EncryptedBallot>> EncryptAsync(
        IReadOnlyList<PlaintextBallotEntry> entries, string device, string deviceInformation, TimeProvider time, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(time);
        ElectionContext context = await LoadContextAsync(cancellationToken).ConfigureAwait(false);
        EncryptionDevice encryptionDevice = new(context, device, deviceInformation);
        string devicePath = PathOf($"devices/{device}.json");
        if (File.Exists(devicePath))
        {
            throw new ElectionFormatException(devicePath, "", $"device \"{device}\" already has ballots; use a new device name");
        }

        BallotEncryptor encryptor = new(context);
        PreparedBallot[] prepared = new PreparedBallot[entries.Count];
        int done = 0;
        Parallel.For(0, entries.Count, new ParallelOptions { CancellationToken = cancellationToken }, b =>
        {
            prepared[b] = encryptor.Encrypt(entries[b].Ballot, $"ballot {b + 1}");
            progress?.Report(Interlocked.Increment(ref done));
        });
        List<EncryptedBallot> sealedBallots = [];
        for (int b = 0; b < prepared.Length; b++)
        {
            EncryptedBallot ballot = encryptionDevice.Seal(prepared[b], time.GetUtcNow(), entries[b].Challenge ? BallotState.Challenged : BallotState.Cast);
            await RecordFiles.WriteAtomicAsync(PathOf($"ballots/{ballot.Id}.json"), RecordFormat.WriteBallot(ballot), cancellationToken).ConfigureAwait(false);
            sealedBallots.Add(ballot);
        }

        Record.DeviceRecord record = new(device, deviceInformation, encryptionDevice.DeviceHash, encryptionDevice.ChainingMode, [.. encryptionDevice.Ballots], encryptionDevice.ClosingHash());
        await RecordFiles.WriteAtomicAsync(devicePath, RecordFormat.WriteDevice(record), cancellationToken).ConfigureAwait(false);
        return sealedBallots;
    }

    /// <summary>Every device and its ballots, in device order, each file checked.</summary>
    public async Task<(IReadOnlyList<Record.DeviceRecord> Devices, IReadOnlyList<EncryptedBallot> Ballots)> LoadBallotsAsync(ElectionContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        List<Record.DeviceRecord> devices = [];
        List<EncryptedBallot> ballots = [];
        string folder = PathOf("devices");
        if (!Directory.Exists(folder))
        {
            return (devices, ballots);
        }

        foreach (string path in Directory.EnumerateFiles(folder, "*.json").Order(StringComparer.Ordinal))
        {
            Record.DeviceRecord device = RecordFormat.ReadDevice(path, await RecordFiles.ReadLimitedAsync(path, RecordStore.MaxFileBytes, cancellationToken).ConfigureAwait(false));
            devices.Add(device);
            foreach (Hash256 id in device.Ballots)
            {
                string ballotPath = PathOf($"ballots/{id}.json");
                EncryptedBallot ballot = RecordFormat.ReadBallot(ballotPath, await RecordFiles.ReadLimitedAsync(ballotPath, RecordStore.MaxFileBytes, cancellationToken).ConfigureAwait(false), context);
                if (!ballot.Id.Equals(id) || ballot.Device != device.Device)
                {
                    throw new ElectionFormatException(ballotPath, "$.id", "the ballot does not match its device's list");
                }

                ballots.Add(ballot);
            }
        }

        return (devices, ballots);
    }

    /// <summary><c>entente tally</c>: aggregates every cast ballot into tally/encrypted_tally.json.</summary>
    public async Task<EncryptedTally> TallyAsync(CancellationToken cancellationToken = default)
    {
        ElectionContext context = await LoadContextAsync(cancellationToken).ConfigureAwait(false);
        (_, IReadOnlyList<EncryptedBallot> ballots) = await LoadBallotsAsync(context, cancellationToken).ConfigureAwait(false);
        EncryptedTally tally = EncryptedTally.Aggregate(context, ballots);
        await RecordFiles.WriteAtomicAsync(PathOf("tally/encrypted_tally.json"), RecordFormat.WriteEncryptedTally(tally), cancellationToken).ConfigureAwait(false);
        return tally;
    }
}
