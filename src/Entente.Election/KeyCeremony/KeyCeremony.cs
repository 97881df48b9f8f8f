using System.Security.Cryptography;
using Entente.Cryptography;
using Entente.Cryptography.ElGamal;
using Entente.Cryptography.Hashing;
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

        ElementModQ zeta = group.RandomModQ();
        GuardianSecrets secrets = new(index, a, aHat, zeta);
        ElementModP[] commitments = [.. a.Select(group.GPowSecret)];
        ElementModP[] dataCommitments = [.. aHat.Select(group.GPowSecret)];
        ElementModP kappa = group.GPowSecret(zeta);
        CompactSchnorrProof voteProof = Prove(parameters, GuardianPublicKey.VoteLabel, index, a, commitments, zeta, kappa);
        CompactSchnorrProof dataProof = Prove(parameters, GuardianPublicKey.DataLabel, index, aHat, dataCommitments, zeta, kappa);
        return (secrets, new GuardianPublicKey(index, name, commitments, dataCommitments, kappa, voteProof, dataProof));
    }

    private static CompactSchnorrProof Prove(ElectionParameters parameters, string label, int index, ElementModQ[] coefficients, ElementModP[] commitments, ElementModQ zeta, ElementModP kappa)
    {
        Group group = parameters.Group;
        int k = coefficients.Length;
        ElementModQ[] u = new ElementModQ[k + 1];
        ElementModP[] h = new ElementModP[k + 1];
        for (int j = 0; j <= k; j++)
        {
            u[j] = group.RandomModQ();
            h[j] = group.GPowSecret(u[j]);
        }

        ElementModQ c = GuardianPublicKey.Challenge(parameters, label, index, commitments, kappa, h);
        ElementModQ[] v = new ElementModQ[k + 1];
        for (int j = 0; j < k; j++)
        {
            v[j] = u[j] - (c * coefficients[j]);
        }

        v[k] = u[k] - (c * zeta);
        return new CompactSchnorrProof(c, v);
    }

    /// <summary>Eqs 15–22: the shares P_i(ℓ), P̂_i(ℓ) for guardian ℓ, encrypted to κ_ℓ with a proof.</summary>
    public static EncryptedShare EncryptShare(ElectionParameters parameters, GuardianSecrets sender, GuardianPublicKey recipient)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(recipient);
        Group group = parameters.Group;
        int i = sender.Index;
        int l = recipient.Index;
        ElementModQ xi = group.RandomModQ();
        ElementModP alpha = group.GPowSecret(xi);
        ElementModP beta = recipient.CommunicationKey.PowSecret(xi);
        byte[] c1 = new byte[EncryptedShare.PayloadBytes];
        byte[] mask = new byte[EncryptedShare.PayloadBytes];
        try
        {
            Hash256 key = ShareKey(parameters, i, l, recipient.CommunicationKey, alpha, beta);
            Kdf.DeriveShareEncryptionKeys(key, i, l, mask);
            Write32(sender.EvaluateVote(l), c1.AsSpan(0, 32));
            Write32(sender.EvaluateData(l), c1.AsSpan(32, 32));
            for (int b = 0; b < c1.Length; b++)
            {
                c1[b] ^= mask[b];
            }

            ElementModQ u = group.RandomModQ();
            ElementModP gamma = group.GPowSecret(u);
            ElementModQ c = ShareChallenge(parameters, i, l, gamma, alpha, c1);
            ElementModQ v = u - (c * xi);
            return new EncryptedShare(i, l, alpha, c1, c, v);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(mask);
        }
    }

    /// <summary>
    /// What guardian ℓ does with a share from guardian i: check the proof (eq 22), decrypt with ζ_ℓ,
    /// then check g^{P_i(ℓ)} = Π_j K_{i,j}^{ℓ^j} and the same with hats (eqs 28–29). Returns null and
    /// a complaint when anything fails.
    /// </summary>
    public static (ElementModQ Vote, ElementModQ Data)? ReceiveShare(
        ElectionParameters parameters, GuardianSecrets recipient, GuardianPublicKey recipientKey, GuardianPublicKey sender, EncryptedShare share, out string? complaint)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(recipient);
        ArgumentNullException.ThrowIfNull(recipientKey);
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

        byte[] c1 = [.. share.C1];
        ElementModP gamma = group.GPowTimes(share.Response, share.C0, share.Challenge);
        if (!ShareChallenge(parameters, i, l, gamma, share.C0, c1).Equals(share.Challenge))
        {
            complaint = "the proof of the share encryption does not verify (eq 22)";
            return null;
        }

        ElementModP beta = share.C0.PowSecret(recipient.CommunicationSecret);
        byte[] plain = new byte[EncryptedShare.PayloadBytes];
        try
        {
            Hash256 key = ShareKey(parameters, i, l, recipientKey.CommunicationKey, share.C0, beta);
            Kdf.DeriveShareEncryptionKeys(key, i, l, plain);
            for (int b = 0; b < plain.Length; b++)
            {
                plain[b] ^= c1[b];
            }

            if (!ElementModQ.TryDecodeFixedWidth(group, plain.AsSpan(0, 32), out ElementModQ? vote)
                || !ElementModQ.TryDecodeFixedWidth(group, plain.AsSpan(32, 32), out ElementModQ? data))
            {
                complaint = "a decrypted share is not below q";
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
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    /// <summary>z_ℓ = Σ_i P_i(ℓ), ẑ_ℓ likewise, over all n guardians including ℓ itself (eq 24).</summary>
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
            z += vote;
            zHat += data;
        }

        recipient.VoteShare = z;
        recipient.DataShare = zHat;
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

    private static Hash256 ShareKey(ElectionParameters parameters, int i, int l, ElementModP kappa, ElementModP alpha, ElementModP beta)
    {
        using HashInput input = HashInput.Create(parameters.Group, DomainSeparation.ShareEncryptionKey);
        return input.Append(i).Append(l).Append(kappa).Append(alpha).Append(beta).Hash(parameters.ParameterBaseHash);
    }

    private static ElementModQ ShareChallenge(ElectionParameters parameters, int i, int l, ElementModP gamma, ElementModP c0, ReadOnlySpan<byte> c1)
    {
        using HashInput input = HashInput.Create(parameters.Group, DomainSeparation.ShareEncryptionProof);
        return input.Append(i).Append(l).Append(gamma).Append(c0).AppendBytes(c1).HashModQ(parameters.ParameterBaseHash);
    }

    private static void Write32(ElementModQ value, Span<byte> destination)
    {
        // b(x, 32) whatever l_q is (toy groups have shorter q): left-pad the l_q-byte encoding.
        byte[] encoded = value.Encode();
        destination.Clear();
        encoded.CopyTo(destination[(32 - encoded.Length)..]);
        CryptographicOperations.ZeroMemory(encoded);
    }
}
