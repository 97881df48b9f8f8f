using Entente.Cryptography;
using Entente.Election.Parameters;

namespace Entente.Election.KeyCeremony;

/// <summary>
/// The steps of the key ceremony (spec 2.1 §3.2) that one guardian performs, each with only its own
/// secrets and what the others published: generate keys and proofs, encrypt shares to every other
/// guardian, check the shares received against the senders' commitments, and combine them.
/// </summary>
public static class KeyCeremonyGuardian
{
    /// <summary>Step 1–4: fresh polynomials, commitments, communication key and both compact proofs.</summary>
    public static (GuardianSecrets Secrets, GuardianPublicKey PublicKey) Generate(ElectionParameters parameters, int index, string name)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        parameters.CheckGuardianIndex(index, "i");
        Group group = parameters.Group;
        int k = parameters.Quorum;
        ElementModQ[] a = new ElementModQ[k];
        ElementModQ[] aHat = new ElementModQ[k];
        for (int j = 0; j < k; j++)
        {
            a[j] = group.RandomModQ();
            aHat[j] = group.RandomModQ();
        }

        ElGamalKeyPair communication = ElGamalKeyPair.Generate(group);
        GuardianSecrets secrets = new(index, a, aHat, communication);
        ElementModP[] commitments = [.. a.Select(group.GPowSecret)];
        ElementModP[] dataCommitments = [.. aHat.Select(group.GPowSecret)];
        GuardianKeyProof voteProof = GuardianKeyProof.Create(parameters.ParameterBaseHash, GuardianKeyPurpose.Vote, index, a, commitments, communication);
        GuardianKeyProof dataProof = GuardianKeyProof.Create(parameters.ParameterBaseHash, GuardianKeyPurpose.Data, index, aHat, dataCommitments, communication);
        return (secrets, new GuardianPublicKey(index, name, commitments, dataCommitments, communication.PublicKey.Key, voteProof, dataProof));
    }

    /// <summary>Eqs 15–22: the shares P_i(ℓ), P̂_i(ℓ) for guardian ℓ, encrypted to κ_ℓ with a proof.</summary>
    public static EncryptedShare EncryptShare(ElectionParameters parameters, GuardianSecrets sender, GuardianPublicKey recipient)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(recipient);
        int i = sender.Index;
        int l = recipient.Index;
        HashedElGamalCiphertext ciphertext = ShareEncryption.Encrypt(
            parameters.ParameterBaseHash, i, l, recipient.CommunicationKey, sender.EvaluateVote(l), sender.EvaluateData(l));
        return new EncryptedShare(i, l, ciphertext);
    }

    /// <summary>
    /// What guardian ℓ does with a share from guardian i: check the proof (eq 22), decrypt with ζ_ℓ,
    /// then check g^{P_i(ℓ)} = Π_j K_{i,j}^{ℓ^j} and the same with hats (eqs 28–29). Returns null and
    /// a complaint when anything fails.
    /// </summary>
    public static (ElementModQ Vote, ElementModQ Data)? ReceiveShare(
        ElectionParameters parameters, GuardianSecrets recipient, GuardianPublicKey sender, EncryptedShare share, out string? complaint)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(recipient);
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(share);
        Group group = parameters.Group;
        int i = sender.Index;
        int l = recipient.Index;
        if (share.From != i || share.To != l)
        {
            complaint = $"the share is addressed from {share.From} to {share.To}, expected from {i} to {l}";
            return null;
        }

        if (!ShareEncryption.TryDecrypt(parameters.ParameterBaseHash, i, l, share.Ciphertext, recipient.CommunicationKey, out ElementModQ? vote, out ElementModQ? data))
        {
            complaint = "the share does not decrypt or its proof does not verify (eqs 19–22)";
            return null;
        }

        if (!MatchesCommitments(group, vote, sender.VoteCommitments, l))
        {
            complaint = "the vote-key share does not match the sender's commitments (eq 28)";
            return null;
        }

        if (!MatchesCommitments(group, data, sender.DataCommitments, l))
        {
            complaint = "the data-key share does not match the sender's commitments (eq 29)";
            return null;
        }

        complaint = null;
        return (vote, data);
    }

    /// <summary>z_ℓ = Σ_i P_i(ℓ), ẑ_ℓ likewise, over all n guardians including ℓ itself (eq 24). The received shares stay with the caller, who erases them (<see cref="EraseShares"/>).</summary>
    public static void CompleteShares(ElectionParameters parameters, GuardianSecrets recipient, IReadOnlyDictionary<int, (ElementModQ Vote, ElementModQ Data)> receivedShares)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(recipient);
        ArgumentNullException.ThrowIfNull(receivedShares);
        int l = recipient.Index;
        for (int i = 1; i <= parameters.GuardianCount; i++)
        {
            if (i != l && !receivedShares.ContainsKey(i))
            {
                throw new InvalidOperationException($"guardian {l} has no share from guardian {i}");
            }
        }

        if (receivedShares.Count != parameters.GuardianCount - 1 || receivedShares.ContainsKey(l))
        {
            throw new InvalidOperationException($"guardian {l} needs exactly one share from each of the other {parameters.GuardianCount - 1} guardians");
        }

        ElementModQ z = recipient.EvaluateVote(l);
        ElementModQ zHat = recipient.EvaluateData(l);
        foreach ((ElementModQ vote, ElementModQ data) in receivedShares.Values)
        {
            z = AddErasing(z, vote);
            zHat = AddErasing(zHat, data);
        }

        recipient.VoteShare = z;
        recipient.DataShare = zHat;
    }

    /// <summary>sum + share, erasing the partial sum it replaces (the shares stay with their owner).</summary>
    private static ElementModQ AddErasing(ElementModQ sum, ElementModQ share)
    {
        ElementModQ next = sum + share;
        GuardianSecrets.EraseOwned(sum);
        return next;
    }

    /// <summary>Erases received shares P_i(ℓ), P̂_i(ℓ) once they are summed into z_ℓ and ẑ_ℓ.</summary>
    public static void EraseShares(IReadOnlyDictionary<int, (ElementModQ Vote, ElementModQ Data)> receivedShares)
    {
        ArgumentNullException.ThrowIfNull(receivedShares);
        foreach ((ElementModQ vote, ElementModQ data) in receivedShares.Values)
        {
            GuardianSecrets.EraseOwned(vote);
            GuardianSecrets.EraseOwned(data);
        }
    }

    internal static bool MatchesCommitments(Group group, ElementModQ share, IReadOnlyList<ElementModP> commitments, int x)
    {
        ElementModQ xq = ElementModQ.FromInt64(group, x);
        ElementModQ power = group.OneModQ;
        ElementModP product = group.OneModP;
        foreach (ElementModP commitment in commitments)
        {
            product *= commitment.Pow(power);
            power *= xq;
        }

        return group.GPowSecret(share).Equals(product);
    }
}
