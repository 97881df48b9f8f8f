namespace Entente.Cryptography;

/// <summary>
/// A Schnorr proof of knowledge (c, v) of ξ with X = g^ξ: the commitment is recomputed as g^v · X^c and
/// hashed into c. ElectionGuard 2.1 uses it for the C2 component of every hashed-ElGamal ciphertext
/// (share encryption eq 22, ballot-nonce encryption eq 38, contest data eq 69); the challenge hash is
/// the caller's (<see cref="HashedElGamalCiphertext"/> supplies it).
/// </summary>
public sealed class SchnorrProof : ChallengeResponseProof
{
    /// <summary>A proof of two elements of the same group.</summary>
    public SchnorrProof(ElementModQ challenge, ElementModQ response)
        : base(challenge, response)
    {
    }

    /// <summary>The commitment a verifier recomputes: g^v · X^c.</summary>
    public ElementModP RecomputeCommitment(ElementModP publicValue)
    {
        Group.CheckSameGroup(publicValue);
        return Group.GPowTimes(Response, publicValue, Challenge);
    }
}
