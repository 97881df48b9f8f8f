using Entente.Cryptography;
using Entente.Election.Board;
using Entente.Election.Parameters;
using Entente.Election.Record;

namespace Entente.Election.KeyCeremony;

/// <summary>Where a guardian's secret file is and how it is protected: a passphrase, or plaintext when allowed (tests).</summary>
/// <param name="SecretPath">The secret file (never published).</param>
/// <param name="Passphrase">Its passphrase, or null for a plaintext file.</param>
/// <param name="AllowPlaintext">True to read and write it unencrypted (tests only).</param>
public sealed record GuardianSecretAccess(string SecretPath, string? Passphrase, bool AllowPlaintext)
{
    /// <summary>
    /// A local copy of the public key generated with this secret (<c>&lt;secret&gt;.public.json</c>; public data), so that
    /// a keygen interrupted before its key reached the shared place publishes that same key when run again.
    /// </summary>
    public string PublicCopyPath => SecretPath + ".public.json";
}

/// <summary>
/// The key ceremony (spec 2.1 §3.2), one step per call and per guardian, against the election's shared place
/// (<see cref="IElectionBoard"/>: a folder or a board). Each step reads what it needs, checks it, and publishes its
/// output; running a step again after it succeeded changes nothing (it reports the step as already done), so a
/// guardian that lost an answer simply runs the step again. Secrets stay in the guardian's own secret file.
/// </summary>
public static class KeyCeremonySteps
{
    /// <summary>
    /// <c>election init</c>: publishes the canonical manifest and parameters.json (joint documents: on a board each
    /// party runs this with the same inputs and signs in turn). Returns the two publications.
    /// </summary>
    public static async Task<(Publication Manifest, Publication Parameters)> InitializeAsync(IElectionBoard board, ElectionParameters parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(board);
        ArgumentNullException.ThrowIfNull(parameters);
        Publication manifest = await board.PublishAsync(ElectionDocument.Manifest, parameters.Manifest.CanonicalBytes, cancellationToken).ConfigureAwait(false);
        Publication published = await board.PublishAsync(ElectionDocument.Parameters, RecordFormat.WriteParameters(parameters), cancellationToken).ConfigureAwait(false);
        return (manifest, published);
    }

    /// <summary>
    /// <c>guardian keygen</c>: fresh keys for guardian i; the secret file (bound to H_B) and a public copy are written
    /// first, then the public key is published. When the secret file exists already with its public copy (an earlier
    /// run), that key is published again instead (never a second key).
    /// </summary>
    public static async Task<(GuardianPublicKey Key, Publication Publication)> KeygenAsync(IElectionBoard board, int index, string name, GuardianSecretAccess secret, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(board);
        ArgumentNullException.ThrowIfNull(secret);
        ElectionParameters parameters = await board.LoadParametersAsync(cancellationToken).ConfigureAwait(false);
        parameters.CheckGuardianIndex(index, "--index");
        GuardianPublicKey? published = await board.TryLoadGuardianKeyAsync(parameters, index, cancellationToken).ConfigureAwait(false);
        ElectionDocument document = ElectionDocument.GuardianKey(index);
        GuardianPublicKey key;
        byte[] bytes;
        if (File.Exists(secret.SecretPath))
        {
            if (!File.Exists(secret.PublicCopyPath))
            {
                throw new ElectionFormatException(secret.SecretPath, "", "a secret file already exists here; refusing to overwrite it");
            }

            bytes = await RecordFiles.ReadLimitedAsync(secret.PublicCopyPath, RecordStore.MaxFileBytes, cancellationToken).ConfigureAwait(false);
            key = RecordFormat.ReadGuardian(secret.PublicCopyPath, bytes, parameters);
            byte[]? current = published is null ? null : await board.ReadAsync(document, cancellationToken).ConfigureAwait(false);
            if (current is not null && bytes.AsSpan().SequenceEqual(current))
            {
                return (key, Publication.AlreadyPublished); // done before (the secret may be bound to H_E by now)
            }

            using (GuardianSecrets secrets = GuardianSecretFile.Read(secret.SecretPath, parameters.Group, parameters.Quorum, index, parameters.ElectionBaseHash, secret.Passphrase, secret.AllowPlaintext))
            {
                CheckSecretsMatch(secrets, key, secret.SecretPath);
            }

            if (published is not null && !published.CommunicationKey.Equals(key.CommunicationKey))
            {
                throw new ElectionFormatException(board.Describe(document), "", $"guardian {index} already published other keys than those of {secret.SecretPath}");
            }
        }
        else
        {
            if (published is not null)
            {
                throw new ElectionFormatException(board.Describe(document), "", $"guardian {index} already generated keys; a new key would invalidate every share");
            }

            (GuardianSecrets secrets, key) = KeyCeremonyGuardian.Generate(parameters, index, name);
            using (secrets)
            {
                GuardianSecretFile.Write(secret.SecretPath, secrets, parameters.ElectionBaseHash, secret.Passphrase);
            }

            bytes = RecordFormat.WriteGuardian(key);
            await RecordFiles.WriteAtomicAsync(secret.PublicCopyPath, bytes, cancellationToken).ConfigureAwait(false);
        }

        return (key, await board.PublishAsync(document, bytes, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// <c>guardian share</c>: guardian i encrypts its shares to every other guardian and publishes each one not yet
    /// published (shares are randomised, so one already published is kept). Returns how many were published now.
    /// </summary>
    public static async Task<int> ShareAsync(IElectionBoard board, int index, GuardianSecretAccess secret, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(board);
        ArgumentNullException.ThrowIfNull(secret);
        ElectionParameters parameters = await board.LoadParametersAsync(cancellationToken).ConfigureAwait(false);
        parameters.CheckGuardianIndex(index, "--index");
        GuardianPublicKey[] keys = await board.LoadGuardianKeysAsync(parameters, cancellationToken).ConfigureAwait(false);
        List<GuardianPublicKey> recipients = [];
        foreach (GuardianPublicKey recipient in keys.Where(k => k.Index != index))
        {
            if (await board.ReadAsync(ElectionDocument.Share(index, recipient.Index), cancellationToken).ConfigureAwait(false) is null)
            {
                recipients.Add(recipient);
            }
        }

        if (recipients.Count == 0)
        {
            return 0; // every share is there (the secret may be bound to H_E by now)
        }

        using GuardianSecrets secrets = GuardianSecretFile.Read(secret.SecretPath, parameters.Group, parameters.Quorum, index, parameters.ElectionBaseHash, secret.Passphrase, secret.AllowPlaintext);
        CheckSecretsMatch(secrets, keys[index - 1], secret.SecretPath);
        int published = 0;
        foreach (GuardianPublicKey recipient in recipients)
        {
            ElectionDocument document = ElectionDocument.Share(index, recipient.Index);
            EncryptedShare share = KeyCeremonyGuardian.EncryptShare(parameters, secrets, recipient);
            if ((await board.PublishAsync(document, RecordFormat.WriteShare(share), cancellationToken).ConfigureAwait(false)).State == PublicationState.Published)
            {
                published++;
            }
        }

        return published;
    }

    /// <summary>
    /// <c>guardian receive</c>: guardian ℓ checks every share addressed to it against the senders' commitments. With no
    /// complaint its secret file is rewritten with z_ℓ, ẑ_ℓ and bound to H_E; otherwise its complaint is published as
    /// its approval document. Returns the complaints (none when the shares were already received).
    /// </summary>
    public static async Task<IReadOnlyList<(int From, string Reason)>> ReceiveAsync(IElectionBoard board, int index, GuardianSecretAccess secret, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(board);
        ArgumentNullException.ThrowIfNull(secret);
        ElectionParameters parameters = await board.LoadParametersAsync(cancellationToken).ConfigureAwait(false);
        parameters.CheckGuardianIndex(index, "--index");
        GuardianPublicKey[] keys = await board.LoadGuardianKeysAsync(parameters, cancellationToken).ConfigureAwait(false);
        ElectionContext context = ElectionContext.Create(parameters, keys);
        if (AlreadyReceived(context, index, secret))
        {
            return [];
        }

        using GuardianSecrets secrets = GuardianSecretFile.Read(secret.SecretPath, parameters.Group, parameters.Quorum, index, parameters.ElectionBaseHash, secret.Passphrase, secret.AllowPlaintext);
        CheckSecretsMatch(secrets, keys[index - 1], secret.SecretPath);
        Dictionary<int, (ElementModQ, ElementModQ)> received = [];
        List<(int, string)> complaints = [];
        try
        {
            foreach (GuardianPublicKey sender in keys.Where(k => k.Index != index))
            {
                ElectionDocument document = ElectionDocument.Share(sender.Index, index);
                byte[] bytes = await board.RequireAsync(document, $"guardian {sender.Index} has not sent its share yet (entente guardian share)", cancellationToken).ConfigureAwait(false);
                EncryptedShare share = RecordFormat.ReadShare(board.Describe(document), bytes, parameters);
                if (share.From != sender.Index || share.To != index)
                {
                    throw new ElectionFormatException(board.Describe(document), "$", $"the share published from {sender.Index} to {index} is addressed from {share.From} to {share.To}");
                }

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
                await board.PublishAsync(ElectionDocument.Approval(index), RecordFormat.WriteApproval(new Approval(index, context.GuardianRecordHash, complaints)), cancellationToken).ConfigureAwait(false);
                return complaints;
            }

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
    /// <c>guardian approve</c>: guardian ℓ, holding its combined shares, publishes its approval with the H_G it computed.
    /// When every guardian has approved the same H_G, it also publishes the joint key (<see cref="PublishElectionKeyAsync"/>).
    /// Returns the approval's publication and, when the ceremony is complete, the joint key's (else null).
    /// </summary>
    public static async Task<(Publication Approval, Publication? ElectionKey)> ApproveAsync(IElectionBoard board, int index, GuardianSecretAccess secret, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(board);
        ArgumentNullException.ThrowIfNull(secret);
        ElectionParameters parameters = await board.LoadParametersAsync(cancellationToken).ConfigureAwait(false);
        parameters.CheckGuardianIndex(index, "--index");
        GuardianPublicKey[] keys = await board.LoadGuardianKeysAsync(parameters, cancellationToken).ConfigureAwait(false);
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

        Publication approval = await board.PublishAsync(ElectionDocument.Approval(index), RecordFormat.WriteApproval(new Approval(index, context.GuardianRecordHash, [])), cancellationToken).ConfigureAwait(false);
        for (int i = 1; i <= parameters.GuardianCount; i++)
        {
            if (await board.TryLoadApprovalAsync(parameters, i, cancellationToken).ConfigureAwait(false) is not { Approves: true } other || !other.GuardianRecordHash.Equals(context.GuardianRecordHash))
            {
                return (approval, null);
            }
        }

        return (approval, await board.PublishAsync(ElectionDocument.ElectionKey, RecordFormat.WriteElection(context), cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// <c>election key</c>: once every guardian approved the same H_G, publishes election.json (K, K̂, H_G, H_E), a joint
    /// document each party computes from the keys and approvals it reads and signs in turn. Returns the context and the publication.
    /// </summary>
    public static async Task<(ElectionContext Context, Publication Publication)> PublishElectionKeyAsync(IElectionBoard board, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(board);
        ElectionContext context = await board.LoadApprovedContextAsync(cancellationToken).ConfigureAwait(false);
        return (context, await board.PublishAsync(ElectionDocument.ElectionKey, RecordFormat.WriteElection(context), cancellationToken).ConfigureAwait(false));
    }

    private static bool AlreadyReceived(ElectionContext context, int index, GuardianSecretAccess secret)
    {
        try
        {
            using GuardianSecrets secrets = GuardianSecretFile.Read(secret.SecretPath, context.Group, context.Parameters.Quorum, index, context.ExtendedBaseHash, secret.Passphrase, secret.AllowPlaintext);
            return secrets.HasShares;
        }
        catch (ElectionFormatException e) when (e.Location == "$.binding")
        {
            return false; // still bound to H_B: not received yet
        }
    }

    private static void CheckSecretsMatch(GuardianSecrets secrets, GuardianPublicKey key, string path)
    {
        if (!secrets.CommunicationKey.PublicKey.Key.Equals(key.CommunicationKey))
        {
            throw new ElectionFormatException(path, "$", $"this secret file does not belong to the published keys of guardian {key.Index}");
        }
    }
}
