using Entente.Cryptography;
using Entente.Cryptography.Hashing;
using Entente.Election.Parameters;

namespace Entente.Election.KeyCeremony;

/// <summary>
/// What guardian G_i publishes in the key ceremony (spec 2.1 §3.2.2): the commitments K_{i,j} and
/// K̂_{i,j} to its two secret polynomials, its communication key κ_i, and two compact Schnorr proofs
/// (eqs 10–13). <see cref="Verify"/> is Verification 2.
/// </summary>
public sealed class GuardianPublicKey
{
    /// <summary>Label hashed into the vote-key proof (eq 11).</summary>
    public const string VoteLabel = "pk_vote";

    /// <summary>Label hashed into the data-key proof (eq 13).</summary>
    public const string DataLabel = "pk_data";

    /// <summary>Creates a public key record (shape only; <see cref="Verify"/> checks the proofs).</summary>
    public GuardianPublicKey(
        int index,
        string name,
        IReadOnlyList<ElementModP> voteCommitments,
        IReadOnlyList<ElementModP> dataCommitments,
        ElementModP communicationKey,
        CompactSchnorrProof voteProof,
        CompactSchnorrProof dataProof)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(voteCommitments);
        ArgumentNullException.ThrowIfNull(dataCommitments);
        ArgumentNullException.ThrowIfNull(communicationKey);
        ArgumentNullException.ThrowIfNull(voteProof);
        ArgumentNullException.ThrowIfNull(dataProof);
        Index = index;
        Name = name;
        VoteCommitments = voteCommitments.ToArray();
        DataCommitments = dataCommitments.ToArray();
        CommunicationKey = communicationKey;
        VoteProof = voteProof;
        DataProof = dataProof;
    }

    /// <summary>i.</summary>
    public int Index { get; }

    /// <summary>A display name (not hashed).</summary>
    public string Name { get; }

    /// <summary>K_{i,0} … K_{i,k−1}; K_i = K_{i,0}.</summary>
    public IReadOnlyList<ElementModP> VoteCommitments { get; }

    /// <summary>K̂_{i,0} … K̂_{i,k−1}.</summary>
    public IReadOnlyList<ElementModP> DataCommitments { get; }

    /// <summary>κ_i.</summary>
    public ElementModP CommunicationKey { get; }

    /// <summary>(c_i, v_{i,0..k}).</summary>
    public CompactSchnorrProof VoteProof { get; }

    /// <summary>(ĉ_i, v̂_{i,0..k}).</summary>
    public CompactSchnorrProof DataProof { get; }

    /// <summary>
    /// Verification 2 for this guardian: index in 1..n, exactly k commitments and k+1 responses,
    /// and both challenges recomputed (2.1–2.4, 2.C). Group membership (2.A) and v ∈ Z_q (2.B) hold
    /// by construction of the decoded types. Returns the problems found (empty: valid).
    /// </summary>
    public IReadOnlyList<string> Verify(ElectionParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        List<string> problems = [];
        if (Index < 1 || Index > parameters.GuardianCount)
        {
            problems.Add($"guardian index {Index} is out of range 1..{parameters.GuardianCount}");
            return problems;
        }

        int k = parameters.Quorum;
        CheckOne(parameters, VoteLabel, VoteCommitments, VoteProof, "vote", k, problems);
        CheckOne(parameters, DataLabel, DataCommitments, DataProof, "data", k, problems);
        return problems;
    }

    private void CheckOne(ElectionParameters parameters, string label, IReadOnlyList<ElementModP> commitments, CompactSchnorrProof proof, string what, int k, List<string> problems)
    {
        if (commitments.Count != k)
        {
            problems.Add($"{what} commitments: {commitments.Count} given, k = {k} required");
            return;
        }

        if (proof.Responses.Count != k + 1)
        {
            problems.Add($"{what} proof: {proof.Responses.Count} responses given, k + 1 = {k + 1} required");
            return;
        }

        Group group = parameters.Group;
        ElementModP[] h = new ElementModP[k + 1];
        for (int j = 0; j < k; j++)
        {
            h[j] = group.GPowTimes(proof.Responses[j], commitments[j], proof.Challenge); // eq 2.1: g^v K^c
        }

        h[k] = group.GPowTimes(proof.Responses[k], CommunicationKey, proof.Challenge);
        ElementModQ expected = Challenge(parameters, label, Index, commitments, CommunicationKey, h);
        if (!expected.Equals(proof.Challenge))
        {
            problems.Add($"{what} proof: the challenge does not match (Verification 2.C)");
        }
    }

    /// <summary>c = H_q(H_P; 0x10, label, i, K_{i,0..k−1}, κ_i, h_{i,0..k}) (eqs 11, 13).</summary>
    internal static ElementModQ Challenge(ElectionParameters parameters, string label, int index, IReadOnlyList<ElementModP> commitments, ElementModP communicationKey, IReadOnlyList<ElementModP> h)
    {
        using HashInput input = HashInput.Create(parameters.Group, DomainSeparation.GuardianKeyProof);
        input.AppendLabel(label).Append(index);
        foreach (ElementModP commitment in commitments)
        {
            input.Append(commitment);
        }

        input.Append(communicationKey);
        foreach (ElementModP value in h)
        {
            input.Append(value);
        }

        return input.HashModQ(parameters.ParameterBaseHash);
    }
}
