using Entente.Cryptography;
using Entente.Election.Parameters;

namespace Entente.Election.KeyCeremony;

/// <summary>
/// What guardian G_i publishes in the key ceremony (spec 2.1 §3.2.2): the commitments K_{i,j} and
/// K̂_{i,j} to its two secret polynomials, its communication key κ_i, and two compact Schnorr proofs
/// (eqs 10–13). <see cref="Verify"/> is Verification 2.
/// </summary>
public sealed class GuardianPublicKey
{
    /// <summary>Creates a public key record (shape only; <see cref="Verify"/> checks the proofs).</summary>
    public GuardianPublicKey(
        int index,
        string name,
        IReadOnlyList<ElementModP> voteCommitments,
        IReadOnlyList<ElementModP> dataCommitments,
        ElementModP communicationKey,
        GuardianKeyProof voteProof,
        GuardianKeyProof dataProof)
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
    public GuardianKeyProof VoteProof { get; }

    /// <summary>(ĉ_i, v̂_{i,0..k}).</summary>
    public GuardianKeyProof DataProof { get; }

    /// <summary>
    /// Verification 2 for this guardian: index in 1..n, exactly k commitments and k+1 responses,
    /// and both compact proofs (2.1–2.4, 2.C). Group membership (2.A) and v ∈ Z_q (2.B) hold by
    /// construction of the decoded types. Returns the problems found (empty: valid).
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
        CheckOne(parameters, GuardianKeyPurpose.Vote, VoteCommitments, VoteProof, "vote", k, problems);
        CheckOne(parameters, GuardianKeyPurpose.Data, DataCommitments, DataProof, "data", k, problems);
        return problems;
    }

    private void CheckOne(ElectionParameters parameters, GuardianKeyPurpose purpose, IReadOnlyList<ElementModP> commitments, GuardianKeyProof proof, string what, int k, List<string> problems)
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

        if (!proof.Verify(parameters.ParameterBaseHash, purpose, Index, commitments, CommunicationKey))
        {
            problems.Add($"{what} proof does not verify (Verification 2)");
        }
    }
}
