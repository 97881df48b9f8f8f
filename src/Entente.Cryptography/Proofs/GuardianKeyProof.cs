namespace Entente.Cryptography;

/// <summary>Which key set a guardian's compact Schnorr proof covers (the label hashed in eqs 11 and 13).</summary>
public enum GuardianKeyPurpose
{
    /// <summary>The vote-encryption coefficients a_{i,j}, label "pk_vote" (eq 11).</summary>
    Vote,

    /// <summary>The data-encryption coefficients â_{i,j}, label "pk_data" (eq 13).</summary>
    Data,
}

/// <summary>
/// The compact Schnorr proof of ElectionGuard 2.1 §3.2.2 (eqs 10–13): guardian G_i proves knowledge of
/// its k polynomial coefficients a_{i,j} (K_{i,j} = g^{a_{i,j}}) and of its communication secret ζ_i
/// (κ_i = g^{ζ_i}) with one challenge c_i = H_q(H_P; 0x10, label, i, K_{i,0..k−1}, κ_i, h_{i,0..k}) and k + 1
/// responses v_{i,j} = u_{i,j} − c_i·a_{i,j}, v_{i,k} = u_{i,k} − c_i·ζ_i. Verification is V2.
/// </summary>
public sealed class GuardianKeyProof
{
    /// <summary>A proof of a challenge and k + 1 responses, all of one group.</summary>
    public GuardianKeyProof(ElementModQ challenge, IReadOnlyList<ElementModQ> responses)
    {
        ArgumentNullException.ThrowIfNull(challenge);
        ArgumentNullException.ThrowIfNull(responses);
        if (responses.Count < 2)
        {
            throw new ArgumentException("A guardian key proof has k + 1 ≥ 2 responses.", nameof(responses));
        }

        foreach (ElementModQ response in responses)
        {
            challenge.Group.CheckSameGroup(response);
        }

        Challenge = challenge;
        Responses = [.. responses];
    }

    /// <summary>c_i.</summary>
    public ElementModQ Challenge { get; }

    /// <summary>v_{i,0}, …, v_{i,k} (the last one answers for ζ_i).</summary>
    public IReadOnlyList<ElementModQ> Responses { get; }

    /// <summary>The label hashed for a purpose: "pk_vote" or "pk_data".</summary>
    public static string Label(GuardianKeyPurpose purpose) => purpose switch
    {
        GuardianKeyPurpose.Vote => "pk_vote",
        GuardianKeyPurpose.Data => "pk_data",
        _ => throw new ArgumentOutOfRangeException(nameof(purpose)),
    };

    /// <summary>
    /// Proves knowledge of <paramref name="coefficients"/> (a_{i,0..k−1}) behind <paramref name="commitments"/>
    /// (K_{i,0..k−1}) and of <paramref name="communicationKey"/>'s secret ζ_i (eqs 10–13).
    /// </summary>
    public static GuardianKeyProof Create(
        Hash256 parameterBaseHash,
        GuardianKeyPurpose purpose,
        int guardianIndex,
        IReadOnlyList<ElementModQ> coefficients,
        IReadOnlyList<ElementModP> commitments,
        ElGamalKeyPair communicationKey)
    {
        ArgumentNullException.ThrowIfNull(parameterBaseHash);
        ArgumentNullException.ThrowIfNull(coefficients);
        ArgumentNullException.ThrowIfNull(commitments);
        ArgumentNullException.ThrowIfNull(communicationKey);
        ArgumentOutOfRangeException.ThrowIfLessThan(guardianIndex, 1);
        if (coefficients.Count == 0 || coefficients.Count != commitments.Count)
        {
            throw new ArgumentException("There must be one commitment per coefficient, and at least one.", nameof(commitments));
        }

        Group group = communicationKey.Group;
        int k = coefficients.Count;
        ElementModQ[] nonces = new ElementModQ[k + 1];
        ElementModP[] h = new ElementModP[k + 1];
        try
        {
            for (int j = 0; j <= k; j++)
            {
                nonces[j] = ElementModQ.Random(group);
                h[j] = group.GPowSecret(nonces[j]);                             // eq 10 / 12
            }

            ElementModQ c = ComputeChallenge(group, parameterBaseHash, purpose, guardianIndex, commitments, communicationKey.PublicKey.Key, h);
            ElementModQ[] responses = new ElementModQ[k + 1];
            for (int j = 0; j < k; j++)
            {
                group.CheckSameGroup(coefficients[j]);
                responses[j] = nonces[j] - (c * coefficients[j]);
            }

            responses[k] = nonces[k] - (c * communicationKey.SecretKey);
            return new GuardianKeyProof(c, responses);
        }
        finally
        {
            foreach (ElementModQ? nonce in nonces)
            {
                nonce?.Wipe();
            }
        }
    }

    /// <summary>
    /// Verification 2 for one key set: recomputes h_{i,j} = g^{v_{i,j}}·K_{i,j}^{c_i} and h_{i,k} = g^{v_{i,k}}·κ_i^{c_i}
    /// (2.1–2.4) and checks the challenge (2.C). Membership of K and κ (2.A) and v ∈ Z_q (2.B) hold by
    /// construction of the decoded types. False also when the number of commitments is not k.
    /// </summary>
    public bool Verify(Hash256 parameterBaseHash, GuardianKeyPurpose purpose, int guardianIndex, IReadOnlyList<ElementModP> commitments, ElementModP communicationKey)
    {
        ArgumentNullException.ThrowIfNull(parameterBaseHash);
        ArgumentNullException.ThrowIfNull(commitments);
        ArgumentNullException.ThrowIfNull(communicationKey);
        Group group = Challenge.Group;
        int k = commitments.Count;
        if (guardianIndex < 1 || k == 0 || Responses.Count != k + 1 || !ReferenceEquals(communicationKey.Group, group))
        {
            return false;
        }

        ElementModP[] h = new ElementModP[k + 1];
        for (int j = 0; j < k; j++)
        {
            if (!ReferenceEquals(commitments[j].Group, group))
            {
                return false;
            }

            h[j] = group.GPowTimes(Responses[j], commitments[j], Challenge);
        }

        h[k] = group.GPowTimes(Responses[k], communicationKey, Challenge);
        return ComputeChallenge(group, parameterBaseHash, purpose, guardianIndex, commitments, communicationKey, h).Equals(Challenge);
    }

    private static ElementModQ ComputeChallenge(
        Group group,
        Hash256 parameterBaseHash,
        GuardianKeyPurpose purpose,
        int guardianIndex,
        IReadOnlyList<ElementModP> commitments,
        ElementModP communicationKey,
        ElementModP[] h)
    {
        using HashInput input = HashInput.Create(group, DomainSeparation.GuardianKeyProof);
        input.AppendLabel(Label(purpose)).Append(guardianIndex);
        foreach (ElementModP commitment in commitments)
        {
            input.Append(commitment);
        }

        input.Append(communicationKey);
        foreach (ElementModP commitment in h)
        {
            input.Append(commitment);
        }

        return input.HashModQ(parameterBaseHash);                               // eq 11 / 13
    }
}
